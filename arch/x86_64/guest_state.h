/* Guest state the CPU does not switch on VM entry/exit, shared by both
 * back ends: FPU/SSE/AVX registers and XCR0, switched lazily per pCPU. */
#ifndef ARCH_X86_64_GUEST_STATE_H
#define ARCH_X86_64_GUEST_STATE_H

#include <stdint.h>

/* Guest general registers the entry stubs (vmx_entry.S, svm_entry.S) save
 * and restore, in x86 encoding order (= enum vm_reg), so a register number
 * indexes it. The RSP slot is unused: RSP lives in the VMCS or VMCB (so
 * does RAX on AMD-V, copied around VMRUN). Offsets reach assembly through
 * asm_offsets.h (GR_*). */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2;
};

/* One page: the XSAVE (or FXSAVE) area of a vCPU, in the reset state. */
struct guest_fpu {
	void *area;		/* page-aligned, direct-mapped */
	uint64_t xcr0;		/* what the guest set with XSETBV */
};

/* Returns 0 or -ENOMEM. */
int guest_fpu_init(struct guest_fpu *f);
void guest_fpu_free(struct guest_fpu *f);

/* Makes f's registers live on this CPU, saving those of old (NULL: none).
 * Interrupts off. */
void guest_fpu_switch(struct guest_fpu *old, struct guest_fpu *f);

/* The guest's XCR0 changed while its state is live. */
void guest_fpu_set_xcr0(struct guest_fpu *f, uint64_t xcr0, int live);

/* After an exit, on this CPU with f live: takes in an XCR0 the guest set
 * without an exit (QEMU's SVM emulation has no XSETBV intercept), keeping
 * only components we switch (x87, SSE, AVX); anything more is taken away
 * again, as if that XSETBV had been refused. */
void guest_fpu_sync_xcr0(struct guest_fpu *f);

#endif
