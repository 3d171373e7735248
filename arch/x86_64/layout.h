/* Virtual memory layout of the host kernel, shared with assembly. */
#ifndef ARCH_X86_64_LAYOUT_H
#define ARCH_X86_64_LAYOUT_H

#define KERNEL_VMA     0xffffffff80000000	/* -2 GiB: the kernel image */
#define KERNEL_PHYS    0x100000
#define PHYSMAP_BASE   0xffff800000000000	/* direct map of physical memory */
#define PHYSMAP_LIMIT  0x0000400000000000	/* 64 TiB of physical space */
#define KSTACK_BASE    0xffffc00000000000	/* guarded kernel stacks */
#define KSTACK_PAGES   4			/* 16 KiB per stack */
#define KSTACK_SLOT    ((KSTACK_PAGES + 1) * 4096) /* + one unmapped guard */
#define KSTACK_SLOTS   1024

#define AP_TRAMP_PA    0x8000	/* real-mode start page of the APs */

#define BOOT_STACK_SIZE 16384

#endif
