/* Hand-over block between the BSP and an AP's start-up trampoline; it
 * lives inside the trampoline page, at ap_boot_data. */
#ifndef ARCH_X86_64_SMP_PRIV_H
#define ARCH_X86_64_SMP_PRIV_H

#include <stdint.h>

struct ap_boot {
	uint32_t cr3;		/* kernel PML4, below 4 GiB */
	uint32_t efer;		/* LME, NXE */
	uint32_t cr4;		/* PAE, PGE */
	uint32_t reserved;
	uint64_t stack;		/* initial RSP */
	uint64_t entry;		/* ap_main(struct percpu *) */
	uint64_t arg;
};

#endif
