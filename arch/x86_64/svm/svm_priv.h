/* AMD-V back end state, private to arch/x86_64/svm/. */
#ifndef ARCH_X86_64_SVM_SVM_PRIV_H
#define ARCH_X86_64_SVM_SVM_PRIV_H

#include <stdint.h>
#include "arch/x86_64/guest_state.h"

/* Guest general registers in enum vm_reg order (RAX and RSP slots: RAX is
 * copied to and from the VMCB around VMRUN, RSP lives in the VMCB).
 * Offsets reach svm_entry.S through asm_offsets.h (SR_*). */
struct svm_regs {
	uint64_t rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2;
};

struct vmcb;

/* [c] owned by the pCPU the vCPU is pinned to */
struct svm_vcpu {
	struct svm_regs regs;
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

void svm_enter(struct svm_regs *regs, uint64_t vmcb_pa, uint64_t host_save_pa);

#endif
