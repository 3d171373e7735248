/* Test guest start-up: our own GDT (the loader leaves GDTR empty, and
 * interrupt delivery reads CS from it), an IDT whose 256 stubs funnel
 * into guest_trap(), then main(vcpu_id). */
	.section .text.start, "ax"
	.globl _start
_start:
	mov	%rdi, %r12		/* vCPU id from the loader */
	lgdt	gdtr(%rip)
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	lea	1f(%rip), %rax
	pushq	$0x08
	pushq	%rax
	lretq
1:	lea	idt(%rip), %rdi
	lea	stubs(%rip), %rsi
	xor	%ecx, %ecx
2:	mov	%rsi, %rax		/* 16-byte interrupt gate */
	mov	%ax, (%rdi)
	movw	$0x08, 2(%rdi)
	movw	$0x8e00, 4(%rdi)
	shr	$16, %rax
	mov	%ax, 6(%rdi)
	shr	$16, %rax
	mov	%eax, 8(%rdi)
	movl	$0, 12(%rdi)
	add	$16, %rdi
	add	$16, %rsi
	inc	%ecx
	cmp	$256, %ecx
	jne	2b
	lidt	idtr(%rip)
	mov	%r12, %rdi
	call	guest_main
	mov	%eax, %edi
	call	guest_exit
3:	hlt
	jmp	3b

/* Vectors with a CPU-pushed error code (SDM Vol 3A 6.15). */
#define HAS_ERR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21)
	.balign 16
stubs:
	.set n, 0
	.rept 256
	.balign 16
	.if !HAS_ERR(n)
	pushq	$0
	.endif
	pushq	$n
	jmp	common
	.set n, n + 1
	.endr

common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, %rdi		/* struct trap_frame * */
	call	guest_trap
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq

	.section .rodata
	.balign 8
gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10 data */
gdtr:
	.short	gdtr - gdt - 1
	.quad	gdt
idtr:
	.short	256 * 16 - 1
	.quad	idt

	.bss
	.balign 16
idt:	.skip	256 * 16
