/* Per-CPU data, reached through GS: this_cpu() costs one load. */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdint.h>

#define MAX_CPUS 64

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* [I] set before the CPU starts  [c] owning CPU only  [a] atomic */
struct percpu {
	struct percpu *self;		/* [I] gs:0 */
	uint32_t cpu;			/* [I] dense index, BSP = 0 */
	uint32_t apic_id;		/* [I] */
	uint64_t stack_top;		/* [I] */
	uint64_t ist_top[3];		/* [I] #DF, NMI, #MC */
	volatile uint64_t ticks;	/* [c] timer interrupts taken */
	volatile uint32_t online;	/* [a] set by the CPU itself */
	volatile uint32_t need_resched;	/* [a] the time slice is over */
	volatile uint32_t sched_ready;	/* [a] this CPU schedules tasks */
	uint64_t vmm_area_pa;		/* [c] VMXON region / SVM host save area */
	void *vmm_loaded;		/* [c] back end: vCPU whose VMCS is current */
	void *fpu_owner;		/* [c] vCPU whose FPU state is in the registers */
	uint64_t gdt[5] __attribute__((aligned(16)));	/* [c] */
	struct tss tss __attribute__((aligned(16)));	/* [c] */
};

extern struct percpu *cpus[MAX_CPUS];
extern uint32_t ncpus;		/* CPUs described by the firmware */

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
