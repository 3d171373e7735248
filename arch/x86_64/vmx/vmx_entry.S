/*
 * VM entry and exit for VT-x. vmx_enter(regs, launched) loads the guest's
 * general registers and runs VMLAUNCH or VMRESUME; the VMCS's host RIP is
 * vmx_exit_point, its host RSP the stack slot holding regs. Offsets come
 * from the generated asm_offsets.h (VR_*), never by hand.
 *
 * Returns 0 after a VM exit, 1 when the entry itself failed (RFLAGS.CF or
 * ZF: VMfailInvalid / VMfailValid, SDM Vol 3C 30.2).
 */
#include "asm_offsets.h"

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_enter, vmx_exit_point
vmx_enter:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* regs, found again at exit */

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	mov	VR_CR2(%rdi), %rax
	mov	%rax, %cr2
	test	%esi, %esi		/* flags survive the loads below */
	mov	VR_RAX(%rdi), %rax
	mov	VR_RCX(%rdi), %rcx
	mov	VR_RDX(%rdi), %rdx
	mov	VR_RBX(%rdi), %rbx
	mov	VR_RBP(%rdi), %rbp
	mov	VR_RSI(%rdi), %rsi
	mov	VR_R8(%rdi), %r8
	mov	VR_R9(%rdi), %r9
	mov	VR_R10(%rdi), %r10
	mov	VR_R11(%rdi), %r11
	mov	VR_R12(%rdi), %r12
	mov	VR_R13(%rdi), %r13
	mov	VR_R14(%rdi), %r14
	mov	VR_R15(%rdi), %r15
	mov	VR_RDI(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	/* Entry failed: the host registers hold guest values; rebuild. */
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	mov	$1, %eax
	ret

vmx_exit_point:
	push	%rdi			/* guest RDI */
	mov	8(%rsp), %rdi		/* regs */
	mov	%rax, VR_RAX(%rdi)
	mov	%rcx, VR_RCX(%rdi)
	mov	%rdx, VR_RDX(%rdi)
	mov	%rbx, VR_RBX(%rdi)
	mov	%rbp, VR_RBP(%rdi)
	mov	%rsi, VR_RSI(%rdi)
	mov	%r8, VR_R8(%rdi)
	mov	%r9, VR_R9(%rdi)
	mov	%r10, VR_R10(%rdi)
	mov	%r11, VR_R11(%rdi)
	mov	%r12, VR_R12(%rdi)
	mov	%r13, VR_R13(%rdi)
	mov	%r14, VR_R14(%rdi)
	mov	%r15, VR_R15(%rdi)
	pop	%rax
	mov	%rax, VR_RDI(%rdi)
	mov	%cr2, %rax
	mov	%rax, VR_CR2(%rdi)
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	xor	%eax, %eax
	ret
