/*
 * Application-processor start-up trampoline. It is linked into .rodata and
 * copied to AP_TRAMP_PA (a page below 1 MiB) by smp.c; the INIT-SIPI-SIPI
 * sequence starts each AP there in real mode (SDM Vol 3A 8.4.4.1). All
 * addresses inside are computed relative to that page.
 */
#include "arch/x86_64/layout.h"
#include "asm_offsets.h"

#define T(x) (AP_TRAMP_PA + (x) - ap_tramp_start)

	.section .ap_trampoline, "a"
	.code16
	.globl ap_tramp_start, ap_boot_data
ap_tramp_start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	T(ap_gdtr)
	mov	%cr0, %eax
	or	$1, %eax		/* PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $T(ap_pm32)

	.code32
ap_pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	T(ap_boot_data) + APB_CR4, %eax
	mov	%eax, %cr4
	mov	T(ap_boot_data) + APB_CR3, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx
	rdmsr
	or	T(ap_boot_data) + APB_EFER, %eax
	wrmsr
	mov	%cr0, %eax
	and	$~0x60000000, %eax	/* CD, NW: caching on (they reset set) */
	or	$0x80010001, %eax	/* PG, WP, PE */
	mov	%eax, %cr0
	ljmp	$0x18, $T(ap_lm64)

	.code64
ap_lm64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	T(ap_boot_data) + APB_STACK, %rsp
	mov	T(ap_boot_data) + APB_ARG, %rdi
	xor	%ebp, %ebp
	pushq	$0			/* ends backtraces */
	jmp	*T(ap_boot_data) + APB_ENTRY

	.balign 8
ap_gdt:
	.quad	0
	/* Accessed bits preset: the trampoline page is mapped read-only once
	 * paging is on, and a CPU that sets the bit on a segment load would
	 * fault writing it (SDM Vol 3A 3.4.5.1; KVM and real CPUs do, QEMU's
	 * TCG does not). */
	.quad	0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
	.quad	0x00af9b000000ffff	/* 0x18: 64-bit code */
ap_gdtr:
	.short	ap_gdtr - ap_gdt - 1
	.long	T(ap_gdt)
	.balign 8
ap_boot_data:
	.skip	APB_SIZE
	.globl ap_tramp_end
ap_tramp_end:
