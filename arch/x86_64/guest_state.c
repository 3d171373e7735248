/* Lazy FPU switching for guests (see guest_state.h). The host never uses
 * FPU/SSE registers (-mgeneral-regs-only), so a guest's values stay in the
 * registers across exits and only move when another vCPU runs here. */
#include <errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/guest_state.h"
#include "kernel/mm.h"

/* x87|SSE|AVX as far as the CPU has them: what every save and restore
 * covers, whatever the guests' own XCR0 says. A guest with XCR0 = x87
 * still uses SSE registers, and XSAVE only manages what XCR0 enables
 * (SDM Vol 1 13.7): saving less would leak them between VMs. */
static uint64_t xcr0_all;

static void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

int guest_fpu_init(struct guest_fpu *f)
{
	uint64_t pa;

	if (!xcr0_all && cpu_feat.xsave) {
		uint32_t a, b, c, d;

		cpuid(0xd, 0, &a, &b, &c, &d);
		xcr0_all = a & 0x7;
	}
	if (page_alloc(1, &pa))
		return -ENOMEM;
	f->area = phys_to_virt(pa);
	/* Reset values (SDM Vol 1 13.6, 10.5.1): FCW 0x37f, MXCSR 0x1f80;
	 * XRSTOR takes MXCSR from memory even for components in init. */
	*(uint16_t *)f->area = 0x37f;
	*(uint32_t *)((char *)f->area + 24) = 0x1f80;
	f->xcr0 = 1;			/* x87 only, as at reset */
	return 0;
}

void guest_fpu_free(struct guest_fpu *f)
{
	if (f->area)
		page_free(virt_to_phys(f->area), 1);
	f->area = 0;
}

void guest_fpu_switch(struct guest_fpu *old, struct guest_fpu *f)
{
	if (cpu_feat.xsave) {
		xsetbv0(xcr0_all);
		if (old)
			__asm__ volatile("xsave64 (%0)" : : "r"(old->area), "a"(~0u), "d"(~0u) : "memory");
		__asm__ volatile("xrstor64 (%0)" : : "r"(f->area), "a"(~0u), "d"(~0u) : "memory");
		xsetbv0(f->xcr0);
	} else {
		if (old)
			__asm__ volatile("fxsave64 (%0)" : : "r"(old->area) : "memory");
		__asm__ volatile("fxrstor64 (%0)" : : "r"(f->area) : "memory");
	}
}

void guest_fpu_set_xcr0(struct guest_fpu *f, uint64_t xcr0, int live)
{
	f->xcr0 = xcr0;
	if (live && cpu_feat.xsave)
		xsetbv0(xcr0);
}

void guest_fpu_sync_xcr0(struct guest_fpu *f)
{
	uint32_t lo, hi;
	uint64_t live;

	if (!cpu_feat.xsave)
		return;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	live = ((uint64_t)hi << 32) | lo;
	if (live == f->xcr0)
		return;
	f->xcr0 = (live & xcr0_all) | 1;
	if (f->xcr0 != live)
		xsetbv0(f->xcr0);
}
