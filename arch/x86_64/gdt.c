/* Per-CPU GDT and TSS (SDM Vol 3A 3.4.5, 7.7). */
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"

struct percpu *cpus[MAX_CPUS];
uint32_t ncpus = 1;

void gdt_load(struct percpu *pc)
{
	uint64_t tss = (uint64_t)(uintptr_t)&pc->tss;
	uint64_t lim = sizeof(pc->tss) - 1;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(pc->gdt) - 1, (uint64_t)(uintptr_t)pc->gdt };

	pc->self = pc;
	memset(&pc->tss, 0, sizeof(pc->tss));
	pc->tss.ist[IST_DF - 1] = pc->ist_top[0];
	pc->tss.ist[IST_NMI - 1] = pc->ist_top[1];
	pc->tss.ist[IST_MC - 1] = pc->ist_top[2];
	pc->tss.iomap_base = sizeof(pc->tss);	/* no I/O bitmap */

	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00af9b000000ffffull;	/* 64-bit code, DPL 0, accessed */
	pc->gdt[2] = 0x00cf93000000ffffull;	/* data, accessed */
	/* 64-bit available TSS, 16-byte descriptor (SDM Vol 3A 7.2.3) */
	pc->gdt[3] = (lim & 0xffff) | ((tss & 0xffffff) << 16) |
		     (0x89ull << 40) | (((lim >> 16) & 0xf) << 48) |
		     (((tss >> 24) & 0xff) << 56);
	pc->gdt[4] = tss >> 32;

	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		"ltr %w3"
		: : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS)
		: "rax", "memory");
	/* After the gs reload: the base comes from the MSR. */
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
