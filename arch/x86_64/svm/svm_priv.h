/* AMD-V back end state, private to arch/x86_64/svm/. */
#ifndef ARCH_X86_64_SVM_SVM_PRIV_H
#define ARCH_X86_64_SVM_SVM_PRIV_H

#include <stdint.h>
#include "arch/x86_64/guest_state.h"

struct vmcb;

/* [c] owned by the pCPU the vCPU is pinned to */
struct svm_vcpu {
	struct guest_regs regs;
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint32_t cpu;
	uint32_t asid;
	uint64_t pending_evt;		/* EVENTINJ for the next VMRUN, 0: none */
	struct guest_fpu fpu;
};

struct svm_vm {
	uint64_t *npt_root;
	uint64_t npt_root_pa;
	uint64_t iopm_pa;		/* 12 KiB, all ones */
	uint64_t msrpm_pa;		/* 8 KiB, all ones */
};

void svm_enter(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_save_pa);

#endif
