/* Assembler macros shared by the kernel's register-switching stubs
 * (switch.S, vmx_entry.S, svm_entry.S). Included from .S files only. */
#ifndef ARCH_X86_64_ENTRY_MACROS_H
#define ARCH_X86_64_ENTRY_MACROS_H

#include "asm_offsets.h"

/* The SysV callee-saved registers but RBP, which each caller saves itself
 * (some set up a frame with it, for backtraces). */
.macro PUSH_CALLEE_SAVED
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

.macro POP_CALLEE_SAVED
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
.endm

/* Guest general registers to and from the struct guest_regs at \base,
 * all but RAX and RDI: each back end uses those two itself (as the base,
 * or as VMRUN's operand) and moves them on its own. */
.macro GUEST_REGS_LOAD base
	mov	GR_RCX(\base), %rcx
	mov	GR_RDX(\base), %rdx
	mov	GR_RBX(\base), %rbx
	mov	GR_RBP(\base), %rbp
	mov	GR_RSI(\base), %rsi
	mov	GR_R8(\base), %r8
	mov	GR_R9(\base), %r9
	mov	GR_R10(\base), %r10
	mov	GR_R11(\base), %r11
	mov	GR_R12(\base), %r12
	mov	GR_R13(\base), %r13
	mov	GR_R14(\base), %r14
	mov	GR_R15(\base), %r15
.endm

.macro GUEST_REGS_STORE base
	mov	%rcx, GR_RCX(\base)
	mov	%rdx, GR_RDX(\base)
	mov	%rbx, GR_RBX(\base)
	mov	%rbp, GR_RBP(\base)
	mov	%rsi, GR_RSI(\base)
	mov	%r8, GR_R8(\base)
	mov	%r9, GR_R9(\base)
	mov	%r10, GR_R10(\base)
	mov	%r11, GR_R11(\base)
	mov	%r12, GR_R12(\base)
	mov	%r13, GR_R13(\base)
	mov	%r14, GR_R14(\base)
	mov	%r15, GR_R15(\base)
.endm

#endif
