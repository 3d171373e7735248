/* sched_switch(uint64_t *old_rsp, uint64_t new_rsp): the kernel's only
 * context switch. Callee-saved registers go on the old task's stack;
 * everything else is dead across a call by the ABI. */
#include "arch/x86_64/entry_macros.h"

	.text
	.globl sched_switch
sched_switch:
	push	%rbp
	PUSH_CALLEE_SAVED
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	POP_CALLEE_SAVED
	pop	%rbp
	ret
