/* ACPI, only as far as the host needs it: the MADT's list of CPUs.
 * Tables are firmware input: every length and checksum is verified. */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdint.h>
#include "boot/bootinfo.h"

struct acpi_cpus {
	uint32_t n;
	uint32_t apic_id[64];
	uint64_t lapic_pa;
};

/* Finds the RSDP (the copy in rsdp_copy when non-NULL, else the BIOS
 * areas), walks RSDT/XSDT to the MADT and lists enabled CPUs. Returns 0,
 * -ENOENT (no ACPI or no MADT), -EINVAL (bad checksum or length). */
int acpi_find_cpus(const struct phys_reader *rd, const uint8_t *rsdp_copy,
		   struct acpi_cpus *out);

#endif
