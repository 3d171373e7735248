/* VT-x back end state, private to arch/x86_64/vmx/. */
#ifndef ARCH_X86_64_VMX_VMX_PRIV_H
#define ARCH_X86_64_VMX_VMX_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/guest_state.h"

/* [c] owned by the pCPU the vCPU is pinned to */
struct vmx_vcpu {
	struct guest_regs regs;
	uint64_t vmcs_pa;
	void *vmcs;
	uint64_t msr_bitmap_pa;
	bool launched;
	uint32_t cpu;			/* the pCPU it is pinned to */
	uint16_t vpid;			/* 0: none */
	bool new_slice;			/* reload the preemption timer */
	uint32_t pending_intr;		/* entry interruption info, 0: none */
	uint32_t pending_err;
	uint64_t cr0_shadow, cr4_shadow;	/* what the guest believes */
	/* MSRs the VMCS does not hold, loaded while the guest runs. */
	uint64_t kgs_base, star, lstar, cstar, sfmask;
	struct guest_fpu fpu;
};

struct vmx_vm {
	uint64_t *ept_root;		/* PML4 of the EPT, direct-mapped */
	uint64_t ept_root_pa;
	uint64_t io_bitmap_pa;		/* A and B, two pages */
	uint16_t vpid_base;
};

int vmx_enter(struct guest_regs *regs, int launched);

#endif
