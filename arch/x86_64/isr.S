/* Interrupt entry stubs: 256 of them, 16 bytes apart, all funnelling into
 * one common path that builds a struct trap_frame (offsets from the
 * generated asm_offsets.h) and calls trap_dispatch(). */
#include "asm_offsets.h"

/* Vectors for which the CPU pushes an error code (SDM Vol 3A 6.15). */
#define HAS_ERR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || \
		    (n) == 21 || (n) == 29 || (n) == 30)

	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set n, 0
	.rept 256
	.balign 16
	.if !HAS_ERR(n)
	pushq	$0
	.endif
	pushq	$n
	jmp	isr_common
	.set n, n + 1
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.if TF_R15 != 0 || TF_VECTOR != 15 * 8 || TF_SIZE != 22 * 8
	.error "struct trap_frame does not match isr_common"
	.endif
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector, error code */
	iretq
