/* CPU feature detection (CPUID). */
#include <string.h>
#include "arch/x86_64/cpu.h"

struct cpu_features cpu_feat;

void cpu_detect(void)
{
	struct cpu_features *f = &cpu_feat;
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	f->max_leaf = a;
	memcpy(f->vendor + 0, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	f->vendor[12] = 0;

	cpuid(1, 0, &a, &b, &c, &d);
	f->vmx = c & (1u << 5);
	f->x2apic = c & (1u << 21);
	f->tsc_deadline = c & (1u << 24);
	f->rdrand = c & (1u << 30);
	f->hypervisor = c & (1u << 31);
	f->pge = d & (1u << 13);
	f->fxsr = d & (1u << 24);
	f->xsave = c & (1u << 26);

	if (f->max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		f->smep = b & (1u << 7);
		f->rdseed = b & (1u << 18);
		f->smap = b & (1u << 20);
		f->umip = c & (1u << 2);
	}

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	f->max_ext_leaf = a;
	if (a >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->svm = c & (1u << 2);
		f->nx = d & (1u << 20);
		f->pdpe1gb = d & (1u << 26);
	}
	if (f->max_ext_leaf >= 0x80000004) {
		uint32_t *p = (uint32_t *)f->brand;

		for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; leaf++, p += 4)
			cpuid(leaf, 0, &p[0], &p[1], &p[2], &p[3]);
		f->brand[48] = 0;
	}
	if (f->max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		f->invariant_tsc = d & (1u << 8);
	}
}
