/* Unit tests of the guest MSR allow-list, XSETBV and CR0/CR4 writes
 * (vmm/msr.c). The vCPU's state lives in a fake back end: an array of
 * register values behind get_reg/set_reg, which also counts writes and
 * can be told to fail. Every refused write is checked to change nothing.
 * References: SDM Vol 4 (MSRs), Vol 3A 2.2.1 (EFER), 2.5 (CR0/CR4),
 * 3.3.7.1 (canonical addresses), 11.12.2 (PAT), Vol 1 13.3 (XCR0), and
 * the MOV CR / WRMSR / XSETBV pages of Vol 2. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/msr.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSXSAVE (1ull << 18)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* ------------------------------------------------------ fake back end */

static struct {
	uint64_t reg[VM_REG_COUNT];
	uint64_t fail_get, fail_set;	/* bit per enum vm_reg */
	unsigned sets;
	struct vcpu *last_v;
} be;

static int fake_get_reg(struct vcpu *v, enum vm_reg r, uint64_t *val)
{
	assert_true((unsigned)r < VM_REG_COUNT);
	be.last_v = v;
	if (be.fail_get & (1ull << r))
		return -EIO;
	*val = be.reg[r];
	return 0;
}

static int fake_set_reg(struct vcpu *v, enum vm_reg r, uint64_t val)
{
	assert_true((unsigned)r < VM_REG_COUNT);
	be.last_v = v;
	if (be.fail_set & (1ull << r))
		return -EIO;
	be.reg[r] = val;
	be.sets++;
	return 0;
}

static const struct vmm_ops fake_ops = {
	.name = "fake",
	.get_reg = fake_get_reg,
	.set_reg = fake_set_reg,
};

uint64_t vmm_xcr0_host = 0x7;
const struct vmm_ops *vmm = &fake_ops;

static struct vcpu vcpu0 = { .id = 0 }, vcpu1 = { .id = 1 };

/* A 64-bit guest as Linux runs: long mode active, paging on. */
static int setup_long(void **state)
{
	(void)state;
	memset(&be, 0, sizeof(be));
	for (unsigned r = 0; r < VM_REG_COUNT; r++)
		be.reg[r] = 0x1111000000000000ull | r;	/* recognisable junk */
	be.reg[VM_REG_CR0] = CR0_PG | CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_MP;
	be.reg[VM_REG_CR4] = CR4_PAE | (1u << 9) | (1u << 10) | CR4_OSXSAVE;
	be.reg[VM_REG_EFER] = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	be.reg[VM_REG_CPL] = 0;
	be.reg[VM_REG_XCR0] = 1;
	be.reg[VM_REG_PAT] = 0x0007040600070406ull;
	return 0;
}

/* Flat 32-bit protected mode, paging off. */
static int setup_prot(void **state)
{
	setup_long(state);
	be.reg[VM_REG_CR0] = CR0_PE | CR0_ET;
	be.reg[VM_REG_CR4] = 0;
	be.reg[VM_REG_EFER] = 0;
	return 0;
}

/* Snapshot/compare: a refused operation changes no register. */
static uint64_t snap[VM_REG_COUNT];
static unsigned snap_sets;

static void take_snap(void)
{
	memcpy(snap, be.reg, sizeof(snap));
	snap_sets = be.sets;
}

static void assert_unchanged(void)
{
	assert_memory_equal(snap, be.reg, sizeof(snap));
	assert_int_equal(snap_sets, be.sets);
}

static void refused_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int rc;

	take_snap();
	rc = msr_write(v, msr, val);
	if (rc != -EPERM) {
		print_error("wrmsr %#x <- %#llx: rc %d, want -EPERM\n", msr,
			    (unsigned long long)val, rc);
		fail();
	}
	assert_unchanged();
}

/* ------------------------------------------------------------- plain MSRs */

static const struct {
	uint32_t msr;
	enum vm_reg reg;
	bool canonical;
} plain[] = {
	{ 0x174, VM_REG_SYSENTER_CS, false },
	{ 0x175, VM_REG_SYSENTER_ESP, true },
	{ 0x176, VM_REG_SYSENTER_EIP, true },
	{ 0xc0000081, VM_REG_STAR, false },
	{ 0xc0000082, VM_REG_LSTAR, true },
	{ 0xc0000083, VM_REG_CSTAR, true },
	{ 0xc0000084, VM_REG_SFMASK, false },
	{ 0xc0000100, VM_REG_FS_BASE, true },
	{ 0xc0000101, VM_REG_GS_BASE, true },
	{ 0xc0000102, VM_REG_KGS_BASE, true },
};

static void test_plain_read(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		uint64_t val = 0;

		be.reg[plain[i].reg] = 0xabc0 + i;
		assert_int_equal(msr_read(&vcpu1, plain[i].msr, &val), 0);
		assert_int_equal(val, 0xabc0 + i);
		assert_ptr_equal(be.last_v, &vcpu1);
	}
}

static void test_plain_write(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		uint64_t vals[] = { 0, 0x1234, 0xffff, 0x7fffffffffffull };
		uint64_t back;

		/* SYSENTER_CS is a selector, SFMASK a 32-bit mask */
		for (size_t k = 0; k < (plain[i].msr == 0x174 || plain[i].msr == 0xc0000084 ? 3u : 4u); k++) {
			take_snap();
			assert_int_equal(msr_write(&vcpu0, plain[i].msr, vals[k]), 0);
			assert_int_equal(be.reg[plain[i].reg], vals[k]);
			snap[plain[i].reg] = vals[k];
			assert_memory_equal(snap, be.reg, sizeof(snap));	/* nothing else */
			assert_int_equal(msr_read(&vcpu0, plain[i].msr, &back), 0);
			assert_int_equal(back, vals[k]);
		}
	}
}

/* SDM Vol 3A 3.3.7.1; WRMSR: #GP for a non-canonical address in the
 * SYSENTER_ESP/EIP, LSTAR, CSTAR, FS/GS/KernelGS base MSRs. */
static void test_canonical(void **state)
{
	static const uint64_t ok[] = { 0, 0x00007fffffffffffull, 0xffff800000000000ull,
				       0xffffffffffffffffull, 0xffffffff81000000ull };
	static const uint64_t bad[] = { 0x0000800000000000ull, 0x00ff000000000000ull,
					0x8000000000000000ull, 0xfffe000000000000ull,
					0x7fff800000000000ull, 0xffff7fffffffffffull };

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (!plain[i].canonical)
			continue;
		for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
			assert_int_equal(msr_write(&vcpu0, plain[i].msr, ok[k]), 0);
			assert_int_equal(be.reg[plain[i].reg], ok[k]);
		}
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			refused_wrmsr(&vcpu0, plain[i].msr, bad[k]);
	}
	/* STAR holds selectors, not an address: anything goes */
	assert_int_equal(msr_write(&vcpu0, 0xc0000081, 0x0023001000000000ull), 0);
	assert_int_equal(msr_write(&vcpu0, 0xc0000081, 0xffffffffffffffffull), 0);
	assert_int_equal(be.reg[VM_REG_STAR], 0xffffffffffffffffull);
}

static void test_sysenter_cs_and_sfmask_width(void **state)
{
	(void)state;
	assert_int_equal(msr_write(&vcpu0, 0x174, 0xffff), 0);
	refused_wrmsr(&vcpu0, 0x174, 0x10000);
	refused_wrmsr(&vcpu0, 0x174, 0xffffffff00000010ull);
	assert_int_equal(msr_write(&vcpu0, 0xc0000084, 0xffffffffull), 0);
	assert_int_equal(be.reg[VM_REG_SFMASK], 0xffffffffull);
	refused_wrmsr(&vcpu0, 0xc0000084, 0x100000000ull);
	refused_wrmsr(&vcpu0, 0xc0000084, 0x8000000000000200ull);
}

/* ------------------------------------------------------------------ EFER */

static void test_efer_read_write(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(msr_read(&vcpu0, 0xc0000080, &v), 0);
	assert_int_equal(v, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
	/* SCE and NXE toggle freely with paging on */
	assert_int_equal(msr_write(&vcpu0, 0xc0000080, EFER_LME | EFER_LMA), 0);
	assert_int_equal(be.reg[VM_REG_EFER], EFER_LME | EFER_LMA);
	assert_int_equal(msr_write(&vcpu0, 0xc0000080, EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE), 0);
	assert_int_equal(be.reg[VM_REG_EFER], EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE);
}

/* Reserved bits: everything but SCE, LME, LMA, NXE (SVME, LMSLE, FFXSR,
 * TCE and the rest are AMD-only or not offered). */
static void test_efer_reserved(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 64; b++) {
		uint64_t val = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | (1ull << b);

		if (b == 0 || b == 8 || b == 10 || b == 11)
			continue;
		refused_wrmsr(&vcpu0, 0xc0000080, val);
	}
}

/* LMA is the CPU's (SDM Vol 3A 2.2.1: read-only, set on activation):
 * a write keeps the current LMA whatever it says. */
static void test_efer_lma_kept(void **state)
{
	(void)state;
	/* long mode: writing LMA=0 keeps it 1 */
	assert_int_equal(msr_write(&vcpu0, 0xc0000080, EFER_LME | EFER_NXE), 0);
	assert_int_equal(be.reg[VM_REG_EFER], EFER_LME | EFER_LMA | EFER_NXE);
	/* paging off, no long mode: writing LMA=1 does not set it */
	be.reg[VM_REG_CR0] = CR0_PE;
	be.reg[VM_REG_EFER] = 0;
	assert_int_equal(msr_write(&vcpu0, 0xc0000080, EFER_LME | EFER_LMA), 0);
	assert_int_equal(be.reg[VM_REG_EFER], EFER_LME);
}

/* WRMSR EFER: #GP when LME changes while CR0.PG = 1. */
static void test_efer_lme_with_paging(void **state)
{
	(void)state;
	refused_wrmsr(&vcpu0, 0xc0000080, EFER_SCE | EFER_NXE);		/* LME 1 -> 0 */
	refused_wrmsr(&vcpu0, 0xc0000080, EFER_SCE | EFER_NXE | EFER_LMA);

	/* 32-bit paging on: LME 0 -> 1 refused, other bits fine */
	be.reg[VM_REG_CR0] = CR0_PG | CR0_PE;
	be.reg[VM_REG_EFER] = EFER_NXE;
	refused_wrmsr(&vcpu0, 0xc0000080, EFER_NXE | EFER_LME);
	assert_int_equal(msr_write(&vcpu0, 0xc0000080, EFER_SCE), 0);
	assert_int_equal(be.reg[VM_REG_EFER], EFER_SCE);

	/* paging off: LME toggles */
	be.reg[VM_REG_CR0] = CR0_PE;
	assert_int_equal(msr_write(&vcpu0, 0xc0000080, EFER_LME), 0);
	assert_int_equal(be.reg[VM_REG_EFER], EFER_LME);
	assert_int_equal(msr_write(&vcpu0, 0xc0000080, 0), 0);
	assert_int_equal(be.reg[VM_REG_EFER], 0);
}

/* ------------------------------------------------------------------- PAT */

static void test_pat(void **state)
{
	static const uint8_t good_t[] = { 0, 1, 4, 5, 6, 7 };
	static const uint8_t bad_t[] = { 2, 3, 8, 0x10, 0x80, 0xff };
	uint64_t v;

	(void)state;
	assert_int_equal(msr_read(&vcpu0, 0x277, &v), 0);
	assert_int_equal(v, 0x0007040600070406ull);
	for (unsigned byte = 0; byte < 8; byte++) {
		for (size_t k = 0; k < sizeof(good_t); k++) {
			uint64_t val = 0x0606060606060606ull & ~(0xffull << (8 * byte));

			val |= (uint64_t)good_t[k] << (8 * byte);
			assert_int_equal(msr_write(&vcpu0, 0x277, val), 0);
			assert_int_equal(be.reg[VM_REG_PAT], val);
		}
		for (size_t k = 0; k < sizeof(bad_t); k++) {
			uint64_t val = 0x0606060606060606ull & ~(0xffull << (8 * byte));

			val |= (uint64_t)bad_t[k] << (8 * byte);
			refused_wrmsr(&vcpu0, 0x277, val);
		}
	}
	assert_int_equal(msr_write(&vcpu0, 0x277, 0x0007040600070406ull), 0);
	assert_int_equal(msr_write(&vcpu0, 0x277, 0), 0);		/* all UC */
	assert_int_equal(msr_write(&vcpu0, 0x277, 0x0707070707070707ull), 0);
}

/* ------------------------------------------------ fixed-value MSRs */

static void test_apic_base(void **state)
{
	uint64_t v;

	(void)state;
	/* xAPIC enabled (bit 11) at FEE00000, BSP (bit 8) on vCPU 0 only */
	assert_int_equal(msr_read(&vcpu0, 0x1b, &v), 0);
	assert_int_equal(v, 0xfee00900ull);
	assert_int_equal(msr_read(&vcpu1, 0x1b, &v), 0);
	assert_int_equal(v, 0xfee00800ull);
	take_snap();
	assert_int_equal(msr_write(&vcpu0, 0x1b, 0xfee00900ull), 0);
	assert_int_equal(msr_write(&vcpu1, 0x1b, 0xfee00800ull), 0);
	assert_unchanged();
	refused_wrmsr(&vcpu0, 0x1b, 0xfee00d00ull);	/* x2APIC mode */
	refused_wrmsr(&vcpu0, 0x1b, 0xfee00100ull);	/* disable */
	refused_wrmsr(&vcpu0, 0x1b, 0xfed00900ull);	/* relocate */
	refused_wrmsr(&vcpu0, 0x1b, 0xfee00800ull);	/* drop BSP */
	refused_wrmsr(&vcpu1, 0x1b, 0xfee00900ull);	/* claim BSP */
	refused_wrmsr(&vcpu0, 0x1b, 0);
	assert_int_equal(msr_read(&vcpu0, 0x1b, &v), 0);
	assert_int_equal(v, 0xfee00900ull);
}

static void test_misc_enable(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(msr_read(&vcpu0, 0x1a0, &v), 0);
	assert_int_equal(v, 1);			/* fast strings only */
	take_snap();
	assert_int_equal(msr_write(&vcpu0, 0x1a0, 1), 0);
	assert_unchanged();
	refused_wrmsr(&vcpu0, 0x1a0, 0);
	refused_wrmsr(&vcpu0, 0x1a0, 1 | (1ull << 18));	/* MONITOR/MWAIT */
	refused_wrmsr(&vcpu0, 0x1a0, 1 | (1ull << 22));	/* limit CPUID maxval */
	refused_wrmsr(&vcpu0, 0x1a0, 1 | (1ull << 16));	/* EIST */
	refused_wrmsr(&vcpu0, 0x1a0, ~0ull);
	assert_int_equal(msr_read(&vcpu0, 0x1a0, &v), 0);
	assert_int_equal(v, 1);
}

static void test_bios_sign_id_and_tsc(void **state)
{
	uint64_t v = 99, t1, t2;

	(void)state;
	assert_int_equal(msr_read(&vcpu0, 0x8b, &v), 0);
	assert_int_equal(v, 0);			/* no microcode revision shown */
	take_snap();
	assert_int_equal(msr_write(&vcpu0, 0x8b, 0), 0);	/* Linux writes 0 first */
	assert_unchanged();
	assert_int_equal(msr_read(&vcpu0, 0x10, &t1), 0);
	assert_int_equal(msr_read(&vcpu0, 0x10, &t2), 0);
	assert_true(t1 != 0);
	assert_true(t2 >= t1);
}

/* Anything off the list is #GP both ways, and a refused read leaves the
 * output alone. */
static void test_unknown_msrs(void **state)
{
	static const uint32_t unknown[] = {
		0x0, 0x1, 0x6, 0x11, 0x17, 0x3a /* FEATURE_CONTROL */, 0x3b /* TSC_ADJUST */,
		0x48 /* SPEC_CTRL */, 0x49 /* PRED_CMD */, 0x79 /* BIOS_UPDT_TRIG */,
		0x8c, 0x9b /* SMM_MONITOR_CTL */, 0xc1 /* PMC0 */, 0xce /* PLATFORM_INFO */,
		0xe2, 0xe7 /* MPERF */, 0xe8 /* APERF */, 0xfe /* MTRRCAP */,
		0x10a /* ARCH_CAPABILITIES */, 0x10b /* FLUSH_CMD */, 0x122 /* TSX_CTRL */,
		0x140, 0x173, 0x177, 0x179 /* MCG_CAP */, 0x17a, 0x186 /* PERFEVTSEL0 */,
		0x198, 0x199, 0x19a, 0x19b, 0x1a2, 0x1d9 /* DEBUGCTL */, 0x200, 0x2ff,
		0x345, 0x38d, 0x38f, 0x400 /* MC0_CTL */, 0x480 /* VMX_BASIC */, 0x491,
		0x4c1, 0x560 /* RTIT */, 0x600 /* DS_AREA */, 0x6e0 /* TSC_DEADLINE */,
		0x800, 0x802 /* x2APIC ID */, 0x830, 0x8ff, 0xd90, 0xda0 /* XSS */,
		0x40000000, 0x40000001, 0x4b564d00 /* KVM */, 0x4b564d01,
		0xc0000000, 0xc000007f, 0xc0000085, 0xc00000ff, 0xc0000103 /* TSC_AUX */,
		0xc0000104, 0xc0010000, 0xc0010015 /* HWCR */, 0xc0010114 /* VM_CR */,
		0xc0010117 /* VM_HSAVE_PA */, 0xc0011020, 0xffffffff, 0x80000000,
		0x00000174 + 0x100, 0xc0000080 + 0x100,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		uint64_t v = 0x5a5a;

		take_snap();
		if (msr_read(&vcpu0, unknown[i], &v) != -EPERM) {
			print_error("rdmsr %#x allowed\n", unknown[i]);
			fail();
		}
		assert_int_equal(v, 0x5a5a);
		refused_wrmsr(&vcpu0, unknown[i], 0);
		refused_wrmsr(&vcpu0, unknown[i], 1);
	}
}

/* The back end refusing a register turns into #GP, never a half-done
 * write or a made-up value. */
static void test_backend_errors(void **state)
{
	uint64_t v = 7;

	(void)state;
	be.fail_get = 1ull << VM_REG_LSTAR | 1ull << VM_REG_EFER | 1ull << VM_REG_PAT;
	assert_int_equal(msr_read(&vcpu0, 0xc0000082, &v), -EPERM);
	assert_int_equal(msr_read(&vcpu0, 0xc0000080, &v), -EPERM);
	assert_int_equal(msr_read(&vcpu0, 0x277, &v), -EPERM);
	refused_wrmsr(&vcpu0, 0xc0000080, EFER_LME | EFER_SCE);
	be.fail_get = 1ull << VM_REG_CR0;
	refused_wrmsr(&vcpu0, 0xc0000080, EFER_LME | EFER_SCE);
	be.fail_get = 0;
	be.fail_set = 1ull << VM_REG_LSTAR | 1ull << VM_REG_EFER | 1ull << VM_REG_PAT |
		      1ull << VM_REG_XCR0 | 1ull << VM_REG_CR0 | 1ull << VM_REG_CR4;
	refused_wrmsr(&vcpu0, 0xc0000082, 0x1000);
	refused_wrmsr(&vcpu0, 0xc0000080, EFER_LME | EFER_LMA);
	refused_wrmsr(&vcpu0, 0x277, 0);
	take_snap();
	assert_int_equal(xcr_write(&vcpu0, 0, 3), -EPERM);
	assert_int_equal(cr_write(&vcpu0, 0, be.reg[VM_REG_CR0]), -EPERM);
	assert_int_equal(cr_write(&vcpu0, 4, be.reg[VM_REG_CR4]), -EPERM);
	assert_unchanged();
	be.fail_set = 0;
	be.fail_get = 1ull << VM_REG_CPL;
	assert_int_equal(xcr_write(&vcpu0, 0, 3), -EPERM);
	be.fail_get = 1ull << VM_REG_CR4;
	assert_int_equal(xcr_write(&vcpu0, 0, 3), -EPERM);
	be.fail_get = 1ull << VM_REG_EFER;
	assert_int_equal(cr_write(&vcpu0, 0, be.reg[VM_REG_CR0]), -EPERM);
	assert_int_equal(cr_write(&vcpu0, 4, be.reg[VM_REG_CR4]), -EPERM);
	assert_unchanged();
}

/* ---------------------------------------------------------------- XSETBV */

static void refused_xsetbv(uint32_t idx, uint64_t val)
{
	int rc;

	take_snap();
	rc = xcr_write(&vcpu0, idx, val);
	if (rc != -EPERM) {
		print_error("xsetbv %u <- %#llx: rc %d, want -EPERM\n", idx,
			    (unsigned long long)val, rc);
		fail();
	}
	assert_unchanged();
}

static void test_xsetbv(void **state)
{
	(void)state;
	assert_int_equal(xcr_write(&vcpu0, 0, 0x3), 0);
	assert_int_equal(be.reg[VM_REG_XCR0], 0x3);
	assert_int_equal(xcr_write(&vcpu0, 0, 0x7), 0);
	assert_int_equal(be.reg[VM_REG_XCR0], 0x7);
	assert_int_equal(xcr_write(&vcpu0, 0, 0x1), 0);
	assert_int_equal(be.reg[VM_REG_XCR0], 0x1);

	refused_xsetbv(0, 0);			/* x87 must be set */
	refused_xsetbv(0, 0x2);
	refused_xsetbv(0, 0x6);
	refused_xsetbv(0, 0x5);			/* AVX without SSE */
	for (unsigned b = 3; b < 64; b++)	/* MPX, AVX-512, PKRU, AMX... */
		refused_xsetbv(0, 0x7 | (1ull << b));
	refused_xsetbv(1, 0x7);			/* XCR1 and beyond */
	refused_xsetbv(0xffffffff, 0x1);
	refused_xsetbv(0x80000000, 0x1);
}

static void test_xsetbv_cpl_and_cr4(void **state)
{
	(void)state;
	for (uint64_t cpl = 1; cpl <= 3; cpl++) {
		be.reg[VM_REG_CPL] = cpl;
		refused_xsetbv(0, 0x7);
	}
	be.reg[VM_REG_CPL] = 0;
	be.reg[VM_REG_CR4] &= ~CR4_OSXSAVE;
	refused_xsetbv(0, 0x7);
	refused_xsetbv(0, 0x1);
	be.reg[VM_REG_CR4] |= CR4_OSXSAVE;
	assert_int_equal(xcr_write(&vcpu0, 0, 0x7), 0);
}

/* ------------------------------------------------------------- CR0 / CR4 */

static void refused_cr(unsigned cr, uint64_t val)
{
	int rc;

	take_snap();
	rc = cr_write(&vcpu0, cr, val);
	if (rc != -EPERM) {
		print_error("mov cr%u <- %#llx: rc %d, want -EPERM\n", cr,
			    (unsigned long long)val, rc);
		fail();
	}
	assert_unchanged();
}

static void test_cr0_long_mode(void **state)
{
	uint64_t base = CR0_PG | CR0_PE | CR0_ET | CR0_NE | CR0_MP;

	(void)state;
	assert_int_equal(cr_write(&vcpu0, 0, base), 0);		/* WP off */
	assert_int_equal(be.reg[VM_REG_CR0], base);
	assert_int_equal(cr_write(&vcpu0, 0, base | CR0_WP | CR0_AM | CR0_CD), 0);
	assert_int_equal(be.reg[VM_REG_CR0], base | CR0_WP | CR0_AM | CR0_CD);
	assert_int_equal(cr_write(&vcpu0, 0, base | CR0_CD | CR0_NW), 0);

	for (unsigned b = 32; b < 64; b++)		/* CR0[63:32] reserved */
		refused_cr(0, base | (1ull << b));
	refused_cr(0, base | CR0_NW);			/* NW without CD */
	/* leaving long mode by clearing PG (not emulated) */
	refused_cr(0, base & ~CR0_PG);
	refused_cr(0, CR0_PE);
	refused_cr(0, 0);
	refused_cr(0, CR0_PG);				/* PG without PE, too */
}

static void test_cr0_protected_mode(void **state)
{
	(void)state;
	refused_cr(0, CR0_PG | CR0_ET);			/* PG without PE */
	refused_cr(0, CR0_PE | CR0_NW);			/* NW without CD */
	refused_cr(0, CR0_PE | (1ull << 63));
	assert_int_equal(cr_write(&vcpu0, 0, CR0_PE | CR0_PG), 0);	/* 32-bit paging */
	assert_int_equal(be.reg[VM_REG_CR0], CR0_PE | CR0_PG);
	assert_int_equal(cr_write(&vcpu0, 0, CR0_PE), 0);		/* and off again */
	assert_int_equal(cr_write(&vcpu0, 0, 0), 0);			/* real mode */
	assert_int_equal(cr_write(&vcpu0, 0, CR0_CD | CR0_NW), 0);
	assert_int_equal(be.reg[VM_REG_CR0], CR0_CD | CR0_NW);
}

/* MOV to CR0: "#GP(0) if an attempt is made to activate IA-32e mode and
 * ... the PAE flag in CR4 is clear" (SDM Vol 2B MOV—Move to/from Control
 * Registers; Vol 3A 10.8.5). EFER.LME = 1 and CR4.PAE = 0: setting PG
 * must fault, not be stored. */
static void test_cr0_long_mode_needs_pae(void **state)
{
	(void)state;
	be.reg[VM_REG_EFER] = EFER_LME;
	be.reg[VM_REG_CR4] = 0;
	refused_cr(0, CR0_PE | CR0_PG);
	refused_cr(0, CR0_PE | CR0_PG | CR0_WP | CR0_NE);
	/* no LME: 32-bit paging without PAE is fine */
	be.reg[VM_REG_EFER] = 0;
	assert_int_equal(cr_write(&vcpu0, 0, CR0_PE | CR0_PG), 0);
	/* CR4 unreadable: refuse rather than guess */
	be.reg[VM_REG_CR0] = CR0_PE;
	be.reg[VM_REG_EFER] = EFER_LME;
	be.reg[VM_REG_CR4] = CR4_PAE;
	be.fail_get = 1ull << VM_REG_CR4;
	refused_cr(0, CR0_PE | CR0_PG);
	be.fail_get = 0;
	assert_int_equal(cr_write(&vcpu0, 0, CR0_PE | CR0_PG), 0);
	assert_int_equal(be.reg[VM_REG_CR0], CR0_PE | CR0_PG);
}

static void test_cr4(void **state)
{
	static const unsigned allowed[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 18, 20, 21 };

	(void)state;
	for (unsigned b = 0; b < 64; b++) {
		bool ok = false;
		uint64_t val = CR4_PAE | (1ull << b);

		for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			ok |= allowed[k] == b;
		if (ok) {
			assert_int_equal(cr_write(&vcpu0, 4, val), 0);
			assert_int_equal(be.reg[VM_REG_CR4], val);
		} else {
			/* 12 LA57, 13 VMXE, 14 SMXE, 15, 17 PCIDE, 19, 22 PKE,
			 * 23 CET, 24 PKS, ... */
			refused_cr(4, val);
		}
	}
	/* PAE cannot be cleared in long mode */
	refused_cr(4, 0);
	refused_cr(4, CR4_OSXSAVE | (1u << 9) | (1u << 10));
	/* ... but can outside it */
	setup_prot(NULL);
	assert_int_equal(cr_write(&vcpu0, 4, 0), 0);
	assert_int_equal(cr_write(&vcpu0, 4, (1u << 4) | (1u << 7)), 0);	/* PSE PGE */
	assert_int_equal(be.reg[VM_REG_CR4], (1u << 4) | (1u << 7));
	refused_cr(4, 1u << 13);				/* VMXE */
}

static void test_other_crs(void **state)
{
	(void)state;
	for (unsigned cr = 1; cr < 16; cr++)
		if (cr != 4)
			refused_cr(cr, 0);
	refused_cr(~0u, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup_long)
	const struct CMUnitTest tests[] = {
		T(test_plain_read),
		T(test_plain_write),
		T(test_canonical),
		T(test_sysenter_cs_and_sfmask_width),
		T(test_efer_read_write),
		T(test_efer_reserved),
		T(test_efer_lma_kept),
		T(test_efer_lme_with_paging),
		T(test_pat),
		T(test_apic_base),
		T(test_misc_enable),
		T(test_bios_sign_id_and_tsc),
		T(test_unknown_msrs),
		T(test_backend_errors),
		T(test_xsetbv),
		T(test_xsetbv_cpl_and_cr4),
		T(test_cr0_long_mode),
		cmocka_unit_test_setup(test_cr0_protected_mode, setup_prot),
		cmocka_unit_test_setup(test_cr0_long_mode_needs_pae, setup_prot),
		T(test_cr4),
		T(test_other_crs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
