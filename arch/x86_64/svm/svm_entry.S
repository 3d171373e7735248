/*
 * VMRUN for AMD-V (APM Vol 2 15.5). svm_enter(regs, vmcb_pa, host_pa):
 * the CPU switches RAX, RSP, RIP, segments and control registers through
 * the VMCB; the other general registers are ours to switch, with offsets
 * from the generated asm_offsets.h (GR_*). VMLOAD/VMSAVE move the state
 * VMRUN leaves alone (FS, GS, TR, LDTR, KernelGsBase, STAR...): the host's
 * (its GS base is the per-CPU pointer) is saved in host_pa's page.
 *
 * GIF is cleared around the switch; interrupts are enabled (HIF = 1) so
 * that a physical interrupt arriving in the guest causes #VMEXIT(INTR) and
 * is taken once GIF is set again, by the caller's interrupt enable.
 */
#include "arch/x86_64/entry_macros.h"

	.text
	.globl svm_enter
svm_enter:
	push	%rbp
	mov	%rsp, %rbp
	PUSH_CALLEE_SAVED
	push	%rdi			/* regs */
	push	%rdx			/* host save page */
	push	%rsi			/* guest VMCB */

	clgi
	mov	%rdx, %rax
	vmsave	%rax			/* host FS/GS/TR/... */
	mov	(%rsp), %rax
	vmload	%rax			/* guest's */
	sti

	GUEST_REGS_LOAD %rdi
	mov	GR_RDI(%rdi), %rdi
	mov	(%rsp), %rax		/* RAX: the VMCB, the guest's is in it */
	vmrun	%rax

	/* #VMEXIT: RSP, RAX and RIP are the host's again. */
	mov	16(%rsp), %rax		/* regs (above the VMCB and host-page slots) */
	GUEST_REGS_STORE %rax
	mov	%rdi, GR_RDI(%rax)

	cli
	pop	%rax
	vmsave	%rax			/* the guest's FS/GS/TR/... */
	pop	%rax
	vmload	%rax			/* the host's back */
	stgi				/* a pending interrupt waits for the caller's sti */
	add	$8, %rsp
	POP_CALLEE_SAVED
	pop	%rbp
	ret
