/* MP table (Intel MultiProcessor Specification 1.4, chapter 4): how a
 * guest without ACPI finds its CPUs, I/O APIC and ISA interrupt routing. */
#ifndef VMM_MPTABLE_H
#define VMM_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

/* APIC ids are 8 bits and the I/O APIC takes id nvcpus. */
#define MPTABLE_MAX_CPUS	254
#define MPTABLE_LAPIC		0xfee00000u
#define MPTABLE_IOAPIC		0xfec00000u
#define MPTABLE_BUS_PCI		0
#define MPTABLE_BUS_ISA		1
#define MPTABLE_ISA_IRQS	16

/* Bytes mptable_build writes for nvcpus CPUs (floating pointer and
 * configuration table). */
size_t mptable_size(uint32_t nvcpus);

/* Builds the floating pointer structure at buf (guest-physical gpa) and
 * the configuration table right after it: one processor entry per vCPU
 * (APIC id = index, vCPU 0 the BSP), buses PCI 0 and ISA 1, one I/O APIC
 * (id nvcpus) with ISA IRQ n on pin n, ExtINT on LINT0 and NMI on LINT1.
 * Returns 0, or -EINVAL (nvcpus 0 or above MPTABLE_MAX_CPUS, buffer
 * shorter than mptable_size, or gpa + size not below 4 GiB). */
int mptable_build(void *buf, size_t len, uint64_t gpa, uint32_t nvcpus);

#endif
