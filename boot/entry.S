/*
 * Bastion's first instructions: both Multiboot headers, the 32-bit entry
 * every loader jumps to, and the switch to long mode.
 *
 * Multiboot 1 (QEMU -kernel, iPXE, mboot.c32) enters with EAX=0x2BADB002,
 * Multiboot 2 (GRUB, BIOS and UEFI) with EAX=0x36D76289; both with EBX = the
 * physical address of the information block, in 32-bit protected mode with
 * paging off. The stack pointer is undefined, interrupts are off.
 */
#include "arch/x86_64/layout.h"

#define PA(x) ((x) - KERNEL_VMA)

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))	/* page-align mods, mem info, a.out kludge */
#define MB2_MAGIC 0xe85250d6

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header	/* header_addr: .boot is identity-linked */
	.long _load_start
	.long _load_end
	.long _bss_end_phys
	.long _start32

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0			/* i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* information request: mmap, cmdline, modules, loader name, ACPI */
	.balign 8
1:	.short 1, 0
	.long 2f - 1b
	.long 6, 1, 3, 2, 14, 15
2:	.balign 8
	/* module alignment: modules start on a page */
	.short 6, 0
	.long 8
	/* end */
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	mov	%eax, %ebp		/* loader magic */
	mov	%ebx, %esi		/* information block */

	/* The loaders zero .bss (a.out kludge, ELF memsz); do it anyway: the
	 * boot page tables below must start clean on every path. */
	mov	$_bss_phys, %edi
	mov	$_bss_end_phys, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb

	mov	$PA(boot_stack_top), %esp

	/* Long mode present? CPUID 0x80000001 EDX bit 29. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	test	$(1 << 29), %edx
	jz	no_long_mode
	mov	%edx, %edi		/* keep NX (bit 20) for EFER below */

	/* Boot page tables: identity 0-4 GiB (the loader's structures and
	 * this code) and -2 GiB -> 0-1 GiB (the kernel), 2 MiB pages. The
	 * kernel replaces them with W^X tables as soon as it can allocate. */
	mov	$PA(boot_pd), %ebx
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax		/* present, writable, 2 MiB */
	mov	%eax, (%ebx, %ecx, 8)
	mov	%ecx, %eax
	shr	$11, %eax		/* bits 32+ of the address (i / 2048) */
	mov	%eax, 4(%ebx, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	1b

	mov	$PA(boot_pdpt_lo), %ebx
	mov	$PA(boot_pd) + 0x3, %eax
	mov	%eax, 0(%ebx)
	add	$0x1000, %eax
	mov	%eax, 8(%ebx)
	add	$0x1000, %eax
	mov	%eax, 16(%ebx)
	add	$0x1000, %eax
	mov	%eax, 24(%ebx)

	mov	$PA(boot_pdpt_hi), %ebx
	movl	$PA(boot_pd) + 0x3, 510 * 8(%ebx)

	mov	$PA(boot_pml4), %ebx
	movl	$PA(boot_pdpt_lo) + 0x3, 0(%ebx)
	movl	$PA(boot_pdpt_hi) + 0x3, 511 * 8(%ebx)

	mov	%cr4, %eax
	or	$(1 << 5), %eax		/* PAE */
	mov	%eax, %cr4
	mov	%ebx, %cr3

	mov	$0xc0000080, %ecx	/* EFER */
	rdmsr
	or	$(1 << 8), %eax		/* LME */
	test	$(1 << 20), %edi
	jz	1f
	or	$(1 << 11), %eax	/* NXE */
1:	wrmsr

	mov	%cr0, %eax
	and	$~0x60000000, %eax	/* CD, NW off: caches on */
	or	$0x80010001, %eax	/* PG, WP, PE */
	mov	%eax, %cr0

	lgdt	boot_gdtr
	ljmp	$0x08, $long_mode

no_long_mode:
	mov	$no_lm_msg, %esi
1:	lodsb
	test	%al, %al
	jz	2f
	mov	%al, %bl
	mov	$0x3fd, %dx		/* wait for the transmitter */
3:	in	%dx, %al
	test	$0x20, %al
	jz	3b
	mov	$0x3f8, %dx
	mov	%bl, %al
	out	%al, %dx
	jmp	1b
2:	cli
	hlt
	jmp	2b

	.code64
long_mode:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	movabs	$boot_stack_top, %rsp
	mov	%ebp, %r12d		/* callee-saved across the canary seeding */
	mov	%esi, %r13d
	xor	%ebp, %ebp		/* a zero frame pointer ends backtraces */
	movabs	$boot_seed_canary, %rax
	call	*%rax
	mov	%r12d, %edi		/* kmain(magic, info_pa) */
	mov	%r13d, %esi
	movabs	$kmain, %rax
	call	*%rax
1:	cli
	hlt
	jmp	1b

	.section .boot.rodata, "a"
no_lm_msg:
	.asciz	"Bastion needs a 64-bit (x86_64) CPU; halted.\r\n"
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code, accessed */
	.quad	0x00cf93000000ffff	/* 0x10: data, accessed */
boot_gdtr:
	.short	boot_gdtr - boot_gdt - 1
	.long	boot_gdt

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_lo:	.skip 4096
boot_pdpt_hi:	.skip 4096
boot_pd:	.skip 4 * 4096
	.globl boot_stack_guard, boot_stack, boot_stack_top
boot_stack_guard:	.skip 4096	/* left unmapped by the kernel tables */
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
