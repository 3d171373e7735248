/*
 * VM entry and exit for VT-x. vmx_enter(regs, launched) loads the guest's
 * general registers and runs VMLAUNCH or VMRESUME; the VMCS's host RIP is
 * vmx_exit_point, its host RSP the stack slot holding regs. Offsets come
 * from the generated asm_offsets.h (GR_*), never by hand.
 *
 * Returns 0 after a VM exit, 1 when the entry itself failed (RFLAGS.CF or
 * ZF: VMfailInvalid / VMfailValid, SDM Vol 3C 30.2).
 */
#include "arch/x86_64/entry_macros.h"

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_enter, vmx_exit_point
vmx_enter:
	push	%rbp
	mov	%rsp, %rbp
	PUSH_CALLEE_SAVED
	push	%rdi			/* regs, found again at exit */

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	mov	GR_CR2(%rdi), %rax
	mov	%rax, %cr2
	test	%esi, %esi		/* flags survive the loads below */
	mov	GR_RAX(%rdi), %rax
	GUEST_REGS_LOAD %rdi
	mov	GR_RDI(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	/* Entry failed: the host registers hold guest values; rebuild. */
	add	$8, %rsp
	POP_CALLEE_SAVED
	pop	%rbp
	mov	$1, %eax
	ret

vmx_exit_point:
	push	%rdi			/* guest RDI */
	mov	8(%rsp), %rdi		/* regs */
	mov	%rax, GR_RAX(%rdi)
	GUEST_REGS_STORE %rdi
	pop	%rax
	mov	%rax, GR_RDI(%rdi)
	mov	%cr2, %rax
	mov	%rax, GR_CR2(%rdi)
	add	$8, %rsp
	POP_CALLEE_SAVED
	pop	%rbp
	xor	%eax, %eax
	ret
