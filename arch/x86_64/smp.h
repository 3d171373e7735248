/* Bringing up the application processors. */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H

#include <stdint.h>

/* Per-CPU set-up shared by the BSP and the APs: GDT, TSS, IDT, control
 * register protections, LAPIC. */
void cpu_setup_protections(void);

/* Starts every enabled CPU in apic_ids other than this one. Returns the
 * number of CPUs online, this one included. */
uint32_t smp_start(const uint32_t *apic_ids, uint32_t n);

#endif
