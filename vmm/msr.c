/*
 * Guest MSRs: an allow-list, everything else is #GP (as for an MSR the CPU
 * does not implement). Values are checked the way the CPU checks them
 * (SDM Vol 4 and Vol 3A 2.2.1, 4.1.3, 11.12.2), so a write either takes
 * effect exactly or faults.
 */
#include <errno.h>
#include <stdbool.h>
#include "vmm/msr.h"
#include "vmm/dev/vlapic.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#define MSR_TSC			0x10
#define MSR_APIC_BASE		0x1b
#define MSR_BIOS_SIGN_ID	0x8b
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_MISC_ENABLE		0x1a0
#define MSR_PAT			0x277
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_AMD_INT_PENDING	0xc0010055	/* interrupt pending message (K8) */
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KGS_BASE		0xc0000102

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static const struct {
	uint32_t index;
	enum vm_reg reg;
	bool canonical;		/* an address: must be canonical */
} plain[] = {
	{ MSR_SYSENTER_CS, VM_REG_SYSENTER_CS, false },
	{ MSR_SYSENTER_ESP, VM_REG_SYSENTER_ESP, true },
	{ MSR_SYSENTER_EIP, VM_REG_SYSENTER_EIP, true },
	{ MSR_STAR, VM_REG_STAR, false },
	{ MSR_LSTAR, VM_REG_LSTAR, true },
	{ MSR_CSTAR, VM_REG_CSTAR, true },
	{ MSR_SFMASK, VM_REG_SFMASK, false },
	{ MSR_FS_BASE, VM_REG_FS_BASE, true },
	{ MSR_GS_BASE, VM_REG_GS_BASE, true },
	{ MSR_KGS_BASE, VM_REG_KGS_BASE, true },
};

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static bool pat_ok(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (v >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)	/* reserved memory types */
			return false;
	}
	return true;
}

static uint64_t apic_base(struct vcpu *v)
{
	/* xAPIC at the architectural address, enabled; BSP flag on vCPU 0. */
	return 0xfee00000ull | (1u << 11) | (v->id == 0 ? (1u << 8) : 0);
}

int msr_read(struct vcpu *v, uint32_t index, uint64_t *val)
{
	for (unsigned i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (plain[i].index == index)
			return vmm->get_reg(v, plain[i].reg, val) ? -EPERM : 0;
	switch (index) {
	case MSR_EFER:
		return vmm->get_reg(v, VM_REG_EFER, val) ? -EPERM : 0;
	case MSR_PAT:
		return vmm->get_reg(v, VM_REG_PAT, val) ? -EPERM : 0;
	case MSR_TSC: {
		uint32_t lo, hi;

		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		*val = ((uint64_t)hi << 32) | lo;
		return 0;
	}
	case MSR_APIC_BASE:
		*val = v->lapic ? v->lapic->base_msr : apic_base(v);
		return 0;
	case MSR_TSC_DEADLINE:
		if (!v->lapic)
			return -EPERM;
		*val = vlapic_get_tsc_deadline(v->lapic);
		return 0;
	case MSR_MISC_ENABLE:
		*val = 1;			/* fast strings */
		return 0;
	case MSR_BIOS_SIGN_ID:
		*val = 0;			/* no microcode revision to show */
		return 0;
	case MSR_AMD_INT_PENDING:
		/* Linux reads it on AMD to decide on a C1E workaround: no
		 * SMI or C1E message is ever pending here. */
		*val = 0;
		return 0;
	default:
		return -EPERM;
	}
}

int msr_write(struct vcpu *v, uint32_t index, uint64_t val)
{
	uint64_t cur, cr0;

	for (unsigned i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (plain[i].index != index)
			continue;
		if (plain[i].canonical && !canonical(val))
			return -EPERM;
		if (index == MSR_SYSENTER_CS && val > 0xffff)
			return -EPERM;
		if (index == MSR_SFMASK && val > 0xffffffffull)
			return -EPERM;
		return vmm->set_reg(v, plain[i].reg, val) ? -EPERM : 0;
	}
	switch (index) {
	case MSR_EFER:
		if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			return -EPERM;
		if (vmm->get_reg(v, VM_REG_EFER, &cur) || vmm->get_reg(v, VM_REG_CR0, &cr0))
			return -EPERM;
		/* LMA is the CPU's; LME cannot change while paging is on. */
		val = (val & ~EFER_LMA) | (cur & EFER_LMA);
		if ((cr0 & (1ull << 31)) && ((val ^ cur) & EFER_LME))
			return -EPERM;
		return vmm->set_reg(v, VM_REG_EFER, val) ? -EPERM : 0;
	case MSR_PAT:
		if (!pat_ok(val))
			return -EPERM;
		return vmm->set_reg(v, VM_REG_PAT, val) ? -EPERM : 0;
	case MSR_APIC_BASE:
		/* No relocation or x2APIC switch: only the value it has
		 * (with a local APIC, its enable bit may change). */
		if (v->lapic)
			return vlapic_set_base(v->lapic, val) ? -EPERM : 0;
		return val == apic_base(v) ? 0 : -EPERM;
	case MSR_TSC_DEADLINE:
		if (!v->lapic)
			return -EPERM;
		vlapic_set_tsc_deadline(v->lapic, val);
		return 0;
	case MSR_MISC_ENABLE:
		return val == 1 ? 0 : -EPERM;
	case MSR_BIOS_SIGN_ID:
		return 0;			/* Linux writes 0 before reading */
	default:
		return -EPERM;
	}
}

int xcr_write(struct vcpu *v, uint32_t index, uint64_t val)
{
	uint64_t cpl, cr4;

	if (index != 0 || vmm->get_reg(v, VM_REG_CPL, &cpl) || cpl != 0 ||
	    vmm->get_reg(v, VM_REG_CR4, &cr4) || !(cr4 & (1u << 18)))
		return -EPERM;
	/* x87 always; AVX needs SSE; nothing we do not switch (SDM Vol 1
	 * 13.3). */
	/* ...and nothing the host CPU lacks: XSETBV of an unsupported bit
	 * would #GP in the host when the state is switched. */
	if (!(val & 1) || (val & ~0x7ull) || ((val & 4) && !(val & 2)) ||
	    (val & ~vmm_xcr0_host))
		return -EPERM;
	return vmm->set_reg(v, VM_REG_XCR0, val) ? -EPERM : 0;
}

int cr_write(struct vcpu *v, unsigned cr, uint64_t val)
{
	uint64_t efer;

	if (vmm->get_reg(v, VM_REG_EFER, &efer))
		return -EPERM;
	if (cr == 0) {
		/* Reserved bits, PG without PE, NW without CD (SDM 2.5). */
		if (val >> 32 || ((val & (1ull << 31)) && !(val & 1)) ||
		    ((val & (1ull << 29)) && !(val & (1ull << 30))))
			return -EPERM;
		/* Leaving long mode by clearing PG needs a 32-bit code
		 * segment first; we do not emulate that transition. */
		if ((efer & EFER_LMA) && !(val & (1ull << 31)))
			return -EPERM;
		/* Turning paging on with EFER.LME set enters long mode, which
		 * needs CR4.PAE (SDM Vol 3A 9.8.5: #GP otherwise); the CPU
		 * then sets EFER.LMA, which, the write being ours, we do. */
		if ((val & (1ull << 31)) && (efer & EFER_LME) && !(efer & EFER_LMA)) {
			uint64_t cr4;

			if (vmm->get_reg(v, VM_REG_CR4, &cr4) || !(cr4 & (1u << 5)))
				return -EPERM;
			if (vmm->set_reg(v, VM_REG_EFER, efer | EFER_LMA))
				return -EPERM;
		}
		return vmm->set_reg(v, VM_REG_CR0, val) ? -EPERM : 0;
	}
	if (cr == 4) {
		/* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT UMIP
		 * FSGSBASE OSXSAVE SMEP SMAP: what our CPUID can promise. */
		const uint64_t ok = 0x1f | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |
				    (1u << 9) | (1u << 10) | (1u << 11) | (1u << 16) |
				    (1u << 18) | (1u << 20) | (1u << 21);

		if (val & ~ok)
			return -EPERM;
		if ((efer & EFER_LMA) && !(val & (1u << 5)))
			return -EPERM;		/* PAE stays on in long mode */
		return vmm->set_reg(v, VM_REG_CR4, val) ? -EPERM : 0;
	}
	return -EPERM;
}
