/* sched_switch(uint64_t *old_rsp, uint64_t new_rsp): the kernel's only
 * context switch. Callee-saved registers go on the old task's stack;
 * everything else is dead across a call by the ABI. */
	.text
	.globl sched_switch
sched_switch:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
