/*
 * VMRUN for AMD-V (APM Vol 2 15.5). svm_enter(regs, vmcb_pa, host_pa):
 * the CPU switches RAX, RSP, RIP, segments and control registers through
 * the VMCB; the other general registers are ours to switch, with offsets
 * from the generated asm_offsets.h (SR_*). VMLOAD/VMSAVE move the state
 * VMRUN leaves alone (FS, GS, TR, LDTR, KernelGsBase, STAR...): the host's
 * (its GS base is the per-CPU pointer) is saved in host_pa's page.
 *
 * GIF is cleared around the switch; interrupts are enabled (HIF = 1) so
 * that a physical interrupt arriving in the guest causes #VMEXIT(INTR) and
 * is taken once GIF is set again, by the caller's interrupt enable.
 */
#include "asm_offsets.h"

	.text
	.globl svm_enter
svm_enter:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* regs */
	push	%rdx			/* host save page */
	push	%rsi			/* guest VMCB */

	clgi
	mov	%rdx, %rax
	vmsave	%rax			/* host FS/GS/TR/... */
	mov	(%rsp), %rax
	vmload	%rax			/* guest's */
	sti

	mov	SR_RCX(%rdi), %rcx
	mov	SR_RDX(%rdi), %rdx
	mov	SR_RBX(%rdi), %rbx
	mov	SR_RBP(%rdi), %rbp
	mov	SR_RSI(%rdi), %rsi
	mov	SR_R8(%rdi), %r8
	mov	SR_R9(%rdi), %r9
	mov	SR_R10(%rdi), %r10
	mov	SR_R11(%rdi), %r11
	mov	SR_R12(%rdi), %r12
	mov	SR_R13(%rdi), %r13
	mov	SR_R14(%rdi), %r14
	mov	SR_R15(%rdi), %r15
	mov	SR_RDI(%rdi), %rdi
	mov	(%rsp), %rax		/* RAX: the VMCB, the guest's is in it */
	vmrun	%rax

	/* #VMEXIT: RSP, RAX and RIP are the host's again. */
	mov	16(%rsp), %rax		/* regs (above the VMCB and host-page slots) */
	mov	%rcx, SR_RCX(%rax)
	mov	%rdx, SR_RDX(%rax)
	mov	%rbx, SR_RBX(%rax)
	mov	%rbp, SR_RBP(%rax)
	mov	%rsi, SR_RSI(%rax)
	mov	%rdi, SR_RDI(%rax)
	mov	%r8, SR_R8(%rax)
	mov	%r9, SR_R9(%rax)
	mov	%r10, SR_R10(%rax)
	mov	%r11, SR_R11(%rax)
	mov	%r12, SR_R12(%rax)
	mov	%r13, SR_R13(%rax)
	mov	%r14, SR_R14(%rax)
	mov	%r15, SR_R15(%rax)

	cli
	pop	%rax
	vmsave	%rax			/* the guest's FS/GS/TR/... */
	pop	%rax
	vmload	%rax			/* the host's back */
	stgi				/* a pending interrupt waits for the caller's sti */
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
