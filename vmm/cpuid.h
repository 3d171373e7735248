/* What a guest sees of CPUID: the host's answer, filtered. */
#ifndef VMM_CPUID_H
#define VMM_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#define BASTION_CPUID_SIG "BastionHV\0\0\0"	/* leaf 0x40000000 EBX:ECX:EDX */

struct cpuid_ctx {
	uint32_t vcpu_id;
	uint32_t nvcpus;
	uint64_t guest_cr4;		/* for OSXSAVE */
	uint64_t guest_xcr0;		/* for the XSAVE area size; 0: x87 only */
	/* The VM has the PC platform (local APIC with TSC-deadline timer,
	 * I/O APIC): CPUID shows the APIC, and the timing leaf
	 * 0x40000010 gives the TSC and APIC timer rates in kHz. */
	bool lapic;
	uint32_t tsc_khz;
	/* The host's raw CPUID. */
	void (*hw)(uint32_t leaf, uint32_t sub, uint32_t out[4]);
};

/* Fills out[4] (EAX, EBX, ECX, EDX) with what the guest may see: only
 * features the VMM supports, no virtualization, monitoring or
 * host-identifying leaves, plus Bastion's hypervisor leaves. Pure. */
void cpuid_policy(const struct cpuid_ctx *c, uint32_t leaf, uint32_t sub,
		  uint32_t out[4]);

#endif
