/* Segments, TSS and the per-CPU base. */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H

#include "kernel/percpu.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS   0x18

#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3

/* Loads this CPU's GDT, TSS (with its IST stacks) and GS base. */
void gdt_load(struct percpu *pc);

#endif
