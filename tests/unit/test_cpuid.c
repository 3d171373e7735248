/* Unit tests of the CPUID filter (vmm/cpuid.c) against two fake hosts:
 * one that sets every bit of every leaf (so that any bit or leaf that
 * reaches the guest unfiltered shows up), and a typical Intel server core
 * (Skylake-SP-like values, so that what should pass does pass). Bit
 * positions are spelled out here from the SDM Vol 2A CPUID tables and
 * APM Vol 3 appendix E, independently of cpuid.c's masks. */
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

#include "vmm/cpuid.h"

#define BIT(n) (1u << (n))
enum { EAX, EBX, ECX, EDX };

/* ------------------------------------------------------------ fake hosts */

static unsigned hw_calls;

static void hw_all_ones(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)leaf;
	(void)sub;
	hw_calls++;
	memset(out, 0xff, 4 * sizeof(uint32_t));
}

struct leaf {
	uint32_t leaf, sub;
	uint32_t r[4];
};

/* A Xeon Gold 6130-like host (family 6 model 0x55), max basic 0x16. */
static struct leaf intel[] = {
	{ 0x0, 0, { 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 } },	/* GenuineIntel */
	{ 0x1, 0, { 0x00050654, 0x1d200800, 0x7ffefbff, 0xbfebfbff } },
	{ 0x2, 0, { 0x76036301, 0x00f0b5ff, 0x00000000, 0x00c30000 } },
	{ 0x3, 0, { 0, 0, 0x12345678, 0x9abcdef0 } },		/* PSN (if it had one) */
	{ 0x4, 0, { 0x7c004121, 0x01c0003f, 0x0000003f, 0x00000000 } },
	{ 0x5, 0, { 0x40, 0x40, 0x3, 0x00002020 } },
	{ 0x6, 0, { 0x00000077, 0x00000002, 0x00000009, 0x00000000 } },
	{ 0x7, 0, { 0x00000000, 0xd39ffffb, 0x0000001c, 0xbc000400 } },
	{ 0xa, 0, { 0x07300404, 0x00000000, 0x00000000, 0x00000603 } },
	{ 0xb, 0, { 0x00000001, 0x00000002, 0x00000100, 0x0000001d } },
	{ 0xd, 0, { 0x000002ff, 0x00000a88, 0x00000a88, 0x00000000 } },
	{ 0xd, 1, { 0x0000000f, 0x00000a08, 0x00000000, 0x00000000 } },
	{ 0xd, 2, { 0x00000100, 0x00000240, 0x00000000, 0x00000000 } },
	{ 0xd, 3, { 0x00000040, 0x000003c0, 0x00000000, 0x00000000 } },
	{ 0xd, 5, { 0x00000040, 0x00000440, 0x00000000, 0x00000000 } },
	{ 0xd, 9, { 0x00000008, 0x00000a80, 0x00000000, 0x00000000 } },
	{ 0x12, 0, { 0x1, 0, 0, 0x201f } },			/* SGX */
	{ 0x14, 0, { 0x1, 0xf, 0x7, 0 } },				/* Intel PT */
	{ 0x16, 0, { 0x834, 0xe74, 0x64, 0 } },
	{ 0x80000000, 0, { 0x80000008, 0, 0, 0 } },
	{ 0x80000001, 0, { 0x00000000, 0x00000000, 0x00000121, 0x2c100800 } },
	{ 0x80000002, 0, { 0x65746e49, 0x2952286c, 0x6f655820, 0x2952286e } },
	{ 0x80000003, 0, { 0x6c6f4720, 0x31362064, 0x43203033, 0x40205550 } },
	{ 0x80000004, 0, { 0x312e3220, 0x7a484730, 0x00000000, 0x00000000 } },
	{ 0x80000006, 0, { 0, 0, 0x04008040, 0 } },
	{ 0x80000007, 0, { 0, 0, 0, 0x00000100 } },
	{ 0x80000008, 0, { 0x0000302e, 0x00000000, 0x00000000, 0x00000000 } },
};

static uint32_t max_basic_override, max_ext_override;

static void hw_intel(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	hw_calls++;
	memset(out, 0, 4 * sizeof(uint32_t));
	for (size_t i = 0; i < sizeof(intel) / sizeof(intel[0]); i++)
		if (intel[i].leaf == leaf && (intel[i].sub == sub || (leaf != 0x7 && leaf != 0xd &&
		    leaf != 0x4 && leaf != 0xb && leaf != 0x12 && leaf != 0x14)))
			memcpy(out, intel[i].r, sizeof(intel[i].r));
	if (leaf == 0 && max_basic_override)
		out[EAX] = max_basic_override;
	if (leaf == 0x80000000 && max_ext_override)
		out[EAX] = max_ext_override;
}

static struct cpuid_ctx ctx(void (*hw)(uint32_t, uint32_t, uint32_t[4]), uint32_t id,
			    uint32_t n, uint64_t cr4)
{
	return (struct cpuid_ctx){ .vcpu_id = id, .nvcpus = n, .guest_cr4 = cr4, .hw = hw };
}

static void q(const struct cpuid_ctx *c, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	memset(out, 0xcc, 4 * sizeof(uint32_t));
	cpuid_policy(c, leaf, sub, out);
}

static int setup(void **state)
{
	(void)state;
	max_basic_override = max_ext_override = 0;
	hw_calls = 0;
	return 0;
}

/* ---------------------------------------------------------------- tests */

static void test_hypervisor_leaves(void **state)
{
	void (*hosts[])(uint32_t, uint32_t, uint32_t[4]) = { hw_all_ones, hw_intel };
	uint32_t r[4];
	char sig[13] = { 0 };

	(void)state;
	for (int h = 0; h < 2; h++) {
		struct cpuid_ctx c = ctx(hosts[h], 0, 1, 0);

		q(&c, 0x40000000, 0, r);
		assert_int_equal(r[EAX], 0x40000001);	/* highest hypervisor leaf */
		memcpy(sig, &r[EBX], 4);
		memcpy(sig + 4, &r[ECX], 4);
		memcpy(sig + 8, &r[EDX], 4);
		assert_memory_equal(sig, "BastionHV\0\0\0", 12);
		assert_string_equal(sig, "BastionHV");
		/* no paravirtual features, nothing else in the range (KVM's
		 * and Hyper-V's leaves included), whatever the host has */
		for (uint32_t l = 0x40000001; l < 0x40000010; l++) {
			q(&c, l, 0, r);
			assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
		}
		q(&c, 0x40000100, 0, r);
		assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
		q(&c, 0x4fffffff, 0, r);
		assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
		/* CPUID.1:ECX.HYPERVISOR[31] */
		q(&c, 1, 0, r);
		assert_true(r[ECX] & BIT(31));
	}
}

/* Features the VMM does not virtualize, or that reveal or poke at the
 * host, stay hidden even when the host has every bit set. */
static void test_leaf1_hidden_features(void **state)
{
	struct cpuid_ctx c = ctx(hw_all_ones, 0, 1, 0);
	static const unsigned ecx_hidden[] = {
		2,	/* DTES64 */
		3,	/* MONITOR */
		4,	/* DS-CPL */
		5,	/* VMX */
		6,	/* SMX */
		7,	/* EIST */
		8,	/* TM2 */
		10,	/* CNXT-ID */
		11,	/* SDBG */
		14,	/* xTPR update control */
		15,	/* PDCM */
		17,	/* PCID */
		18,	/* DCA */
		21,	/* x2APIC */
		24,	/* TSC-deadline */
		27,	/* OSXSAVE: only with guest CR4.OSXSAVE */
	};
	static const unsigned edx_hidden[] = {
		7,	/* MCE */
		9,	/* APIC */
		12,	/* MTRR */
		14,	/* MCA */
		18,	/* PSN */
		21,	/* DS */
		22,	/* ACPI (thermal MSRs) */
		27,	/* SS */
		28,	/* HTT: only with more than one vCPU */
		29,	/* TM */
		31,	/* PBE */
	};
	uint32_t r[4];

	(void)state;
	q(&c, 1, 0, r);
	for (size_t i = 0; i < sizeof(ecx_hidden) / sizeof(ecx_hidden[0]); i++)
		if (r[ECX] & BIT(ecx_hidden[i])) {
			print_error("CPUID.1:ECX bit %u leaks\n", ecx_hidden[i]);
			fail();
		}
	for (size_t i = 0; i < sizeof(edx_hidden) / sizeof(edx_hidden[0]); i++)
		if (r[EDX] & BIT(edx_hidden[i])) {
			print_error("CPUID.1:EDX bit %u leaks\n", edx_hidden[i]);
			fail();
		}
	/* The exact sets, from the all-ones host: SSE3 PCLMULQDQ SSSE3 FMA
	 * CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES XSAVE AVX F16C RDRAND + HV */
	assert_int_equal(r[ECX], BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(19) |
				 BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(26) | BIT(28) |
				 BIT(29) | BIT(30) | BIT(31));
	/* FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE36 CLFSH MMX
	 * FXSR SSE SSE2 */
	assert_int_equal(r[EDX], BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) |
				 BIT(6) | BIT(8) | BIT(11) | BIT(13) | BIT(15) | BIT(16) |
				 BIT(17) | BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26));
}

static void test_leaf1_intel_passes_through(void **state)
{
	struct cpuid_ctx c = ctx(hw_intel, 0, 1, 0);
	uint32_t r[4];

	(void)state;
	q(&c, 1, 0, r);
	assert_int_equal(r[EAX], 0x00050654);	/* family/model/stepping: as the host */
	/* host ECX 7ffefbff minus the hidden bits, plus HYPERVISOR */
	assert_int_equal(r[ECX], 0xf6d83203u);
	/* host EDX bfebfbff minus MCE APIC MTRR MCA PSN DS ACPI SS HTT TM PBE */
	assert_int_equal(r[EDX], 0x078ba97fu);
}

/* EBX: CLFLUSH line size from the host; our own APIC id and logical
 * count; no brand index. HTT only with several vCPUs. */
static void test_leaf1_topology(void **state)
{
	uint32_t r[4];

	(void)state;
	for (uint32_t n = 1; n <= 8; n++) {
		for (uint32_t id = 0; id < n; id++) {
			struct cpuid_ctx c = ctx(hw_all_ones, id, n, 0);

			q(&c, 1, 0, r);
			assert_int_equal(r[EBX], (id << 24) | (n << 16) | 0xff00);
			assert_int_equal(!!(r[EDX] & BIT(28)), n > 1);
			c = ctx(hw_intel, id, n, 0);
			q(&c, 1, 0, r);
			assert_int_equal(r[EBX], (id << 24) | (n << 16) | 0x0800);
			assert_int_equal(!!(r[EDX] & BIT(28)), n > 1);
		}
	}
}

/* CPUID.1:ECX.OSXSAVE[27] reflects the guest's CR4.OSXSAVE[18], not the
 * host's (SDM Vol 2A CPUID, Vol 3A 2.5). */
static void test_osxsave_mirrors_guest_cr4(void **state)
{
	void (*hosts[])(uint32_t, uint32_t, uint32_t[4]) = { hw_all_ones, hw_intel };
	uint32_t r[4];

	(void)state;
	for (int h = 0; h < 2; h++) {
		struct cpuid_ctx c = ctx(hosts[h], 0, 1, 0);

		q(&c, 1, 0, r);
		assert_false(r[ECX] & BIT(27));
		c.guest_cr4 = BIT(18);
		q(&c, 1, 0, r);
		assert_true(r[ECX] & BIT(27));
		c.guest_cr4 = ~(uint64_t)BIT(18);
		q(&c, 1, 0, r);
		assert_false(r[ECX] & BIT(27));
	}
}

/* Leaf 7: the allowed structured features; no SGX, HLE/RTM, MPX, PT,
 * AVX-512, PKU, INVPCID, TSC_ADJUST; EDX (speculation control: IBRS,
 * STIBP, SSBD, L1D_FLUSH, ARCH_CAPABILITIES, MD_CLEAR...) zero because
 * we do not emulate those MSRs. */
static void test_leaf7(void **state)
{
	struct cpuid_ctx c = ctx(hw_all_ones, 0, 1, 0);
	uint32_t r[4];

	(void)state;
	q(&c, 7, 0, r);
	assert_int_equal(r[EAX], 0);		/* no sub-leaves beyond 0 */
	/* FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS RDSEED ADX SMAP CLFLUSHOPT SHA */
	assert_int_equal(r[EBX], BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) |
				 BIT(18) | BIT(19) | BIT(20) | BIT(23) | BIT(29));
	assert_int_equal(r[ECX], BIT(2));	/* UMIP */
	assert_int_equal(r[EDX], 0);
	for (uint32_t sub = 1; sub < 4; sub++) {
		q(&c, 7, sub, r);
		assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	}
	q(&c, 7, 0xffffffff, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);

	c = ctx(hw_intel, 0, 1, 0);
	q(&c, 7, 0, r);
	/* d39ffffb & allowed: no TSC_ADJUST(1) SGX(2) HLE(4) INVPCID(10)
	 * RTM(11) MPX(14) AVX512*(16,17,...) PT(25) */
	assert_int_equal(r[EBX], 0xd39ffffbu & (BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) |
					       BIT(9) | BIT(18) | BIT(19) | BIT(20) |
					       BIT(23) | BIT(29)));
	assert_false(r[EBX] & (BIT(1) | BIT(2) | BIT(4) | BIT(10) | BIT(11) | BIT(14) |
			       BIT(16) | BIT(25)));
	assert_int_equal(r[ECX], BIT(2));	/* UMIP, not PKU/OSPKE */
	assert_int_equal(r[EDX], 0);		/* host had bc000400 */
}

/* Leaf 0xD: XCR0 components limited to x87|SSE|AVX; sub-leaves of other
 * components hidden; XSAVES hidden. */
static void test_xsave_leaf(void **state)
{
	struct cpuid_ctx c = ctx(hw_all_ones, 0, 1, 0);
	uint32_t r[4];

	(void)state;
	q(&c, 0xd, 0, r);
	assert_int_equal(r[EAX], 0x7);
	assert_int_equal(r[EDX], 0);		/* XCR0[63:32] */
	q(&c, 0xd, 1, r);
	assert_int_equal(r[EAX], 0x7);		/* XSAVEOPT XSAVEC XGETBV1, no XSAVES */
	assert_int_equal(r[ECX], 0);		/* no IA32_XSS components */
	assert_int_equal(r[EDX], 0);
	for (uint32_t sub = 3; sub < 64; sub++) {
		q(&c, 0xd, sub, r);
		assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	}
	q(&c, 0xd, 0xffffffff, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);

	c = ctx(hw_intel, 0, 1, 0);
	q(&c, 0xd, 0, r);
	assert_int_equal(r[EAX], 0x7);		/* host 2ff: MPX, AVX-512, PKRU gone */
	q(&c, 0xd, 1, r);
	assert_int_equal(r[EAX], 0x7);
	q(&c, 0xd, 2, r);			/* AVX: offset and size as the host's */
	assert_int_equal(r[EAX], 0x100);
	assert_int_equal(r[EBX], 0x240);
	q(&c, 0xd, 3, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 0xd, 5, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 0xd, 9, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);

	/* Area sizes follow the guest's XCR0 (EBX) and what it may enable
	 * (ECX), not the host's 0xa88 (which covers AVX-512 and PKRU). */
	c.guest_xcr0 = 0x1;
	q(&c, 0xd, 0, r);
	assert_int_equal(r[EBX], 576);
	assert_int_equal(r[ECX], 0x240 + 0x100);
	c.guest_xcr0 = 0x7;
	q(&c, 0xd, 0, r);
	assert_int_equal(r[EBX], 0x240 + 0x100);
	c.guest_xcr0 = 0xff;			/* bits we never allow count for nothing */
	q(&c, 0xd, 0, r);
	assert_int_equal(r[EBX], 0x240 + 0x100);
}

static void test_brand_string_replaced(void **state)
{
	void (*hosts[])(uint32_t, uint32_t, uint32_t[4]) = { hw_all_ones, hw_intel };

	(void)state;
	for (int h = 0; h < 2; h++) {
		struct cpuid_ctx c = ctx(hosts[h], 0, 1, 0);
		char brand[49] = { 0 };
		char want[48] = "Bastion virtual CPU";
		uint32_t r[4];

		for (uint32_t l = 0; l < 3; l++) {
			q(&c, 0x80000002 + l, 0, r);
			memcpy(brand + 16 * l, r, 16);
		}
		assert_memory_equal(brand, want, 48);
		assert_null(strstr(brand, "Intel"));
		assert_null(strstr(brand, "Xeon"));
	}
}

static void test_extended_leaves(void **state)
{
	struct cpuid_ctx c = ctx(hw_all_ones, 0, 1, 0);
	uint32_t r[4];

	(void)state;
	q(&c, 0x80000000, 0, r);
	assert_int_equal(r[EAX], 0x80000008);	/* capped */
	assert_int_equal(r[EBX], 0);
	assert_int_equal(r[ECX], 0);
	assert_int_equal(r[EDX], 0);
	q(&c, 0x80000001, 0, r);
	assert_int_equal(r[EAX], 0);
	assert_int_equal(r[EBX], 0);
	/* LAHF ABM PREFETCHW only: no SVM(2), no extapic, no IBS... */
	assert_int_equal(r[ECX], BIT(0) | BIT(5) | BIT(8));
	/* SYSCALL NX 1GB-pages LM: no RDTSCP(27), no MMXEXT etc */
	assert_int_equal(r[EDX], BIT(11) | BIT(20) | BIT(26) | BIT(29));
	q(&c, 0x80000007, 0, r);
	assert_int_equal(r[EAX], 0);
	assert_int_equal(r[EBX], 0);
	assert_int_equal(r[ECX], 0);
	assert_int_equal(r[EDX], BIT(8));	/* invariant TSC only */
	q(&c, 0x80000008, 0, r);
	assert_int_equal(r[EAX], 0xffff);	/* address sizes, no guest-phys size */
	assert_int_equal(r[EBX], 0);		/* AMD's IBPB/IBRS/... hidden */
	assert_int_equal(r[ECX], 0);		/* core count hidden */
	assert_int_equal(r[EDX], 0);

	c = ctx(hw_intel, 0, 1, 0);
	q(&c, 0x80000000, 0, r);
	assert_int_equal(r[EAX], 0x80000008);
	q(&c, 0x80000001, 0, r);
	assert_int_equal(r[ECX], 0x121);
	assert_int_equal(r[EDX], 0x2c100800 & ~BIT(27));	/* RDTSCP hidden */
	q(&c, 0x80000008, 0, r);
	assert_int_equal(r[EAX], 0x302e);
}

/* Leaves whose answer is host detail or features we do not offer: zero
 * even when the host fills every bit. */
static void test_unknown_leaves_zero(void **state)
{
	static const uint32_t leaves[] = {
		0x2, 0x3, 0x4, 0x5, 0x6, 0x8, 0x9, 0xa, 0xb, 0xc,
		0xe, 0xf, 0x10, 0x12, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1a, 0x1f, 0x20,
		0x1000, 0x3fffffff, 0x50000000, 0x7fffffff,
		0x80000005, 0x80000006, 0x80000009, 0x8000000a, 0x8000001f, 0x80000020,
		0x80000021, 0x8fffffff, 0xc0000000, 0xc0000001, 0xffffffff,
	};
	void (*hosts[])(uint32_t, uint32_t, uint32_t[4]) = { hw_all_ones, hw_intel };

	(void)state;
	for (int h = 0; h < 2; h++) {
		struct cpuid_ctx c = ctx(hosts[h], 0, 2, BIT(18));

		for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
			for (uint32_t sub = 0; sub < 3; sub++) {
				uint32_t r[4];

				q(&c, leaves[i], sub, r);
				if (r[0] | r[1] | r[2] | r[3]) {
					print_error("host %d leaf %#x.%u: %08x %08x %08x %08x\n",
						    h, leaves[i], sub, r[0], r[1], r[2], r[3]);
					fail();
				}
			}
		}
	}
}

/* Leaf 0: the max basic leaf is capped at 0xD (the last one we filter);
 * the vendor passes (guests pick errata paths by it). */
static void test_leaf0(void **state)
{
	struct cpuid_ctx c = ctx(hw_all_ones, 0, 1, 0);
	uint32_t r[4];

	(void)state;
	q(&c, 0, 0, r);
	assert_int_equal(r[EAX], 0xd);
	c = ctx(hw_intel, 0, 1, 0);
	q(&c, 0, 0, r);
	assert_int_equal(r[EAX], 0xd);
	assert_memory_equal(&r[EBX], "GenuntelineI", 12);
}

/* A leaf above the host's own maximum answers zero, not whatever the
 * host returns for it (Intel returns the highest basic leaf's data). */
static void test_leaves_above_host_max(void **state)
{
	struct cpuid_ctx c = ctx(hw_intel, 0, 1, BIT(18));
	uint32_t r[4];

	(void)state;
	max_basic_override = 0xb;		/* an older CPU: no leaf 0xD */
	q(&c, 0, 0, r);
	assert_int_equal(r[EAX], 0xb);
	q(&c, 0xd, 0, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 0xd, 2, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 7, 0, r);				/* still below: filtered, not zero */
	assert_int_equal(r[ECX], BIT(2));

	max_basic_override = 0x5;
	q(&c, 7, 0, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 1, 0, r);
	assert_true(r[ECX] & BIT(31));

	max_basic_override = 0;
	max_ext_override = 0x80000004;
	q(&c, 0x80000000, 0, r);
	assert_int_equal(r[EAX], 0x80000004);
	q(&c, 0x80000007, 0, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 0x80000008, 0, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 0x80000002, 0, r);		/* still ours */
	assert_memory_equal(r, "Bastion virtual ", 16);

	max_ext_override = 0x00000001;		/* no extended leaves at all */
	q(&c, 0x80000000, 0, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 0x80000001, 0, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	q(&c, 0x80000002, 0, r);
	assert_memory_equal(r, (uint32_t[4]){ 0 }, 16);
	/* the hypervisor range does not depend on the host */
	q(&c, 0x40000000, 0, r);
	assert_int_equal(r[EAX], 0x40000001);
}

/* Every answer is fully defined (no stale caller data left in out). */
static void test_out_fully_written(void **state)
{
	static const uint32_t leaves[] = { 0, 1, 7, 0xd, 0x40000000, 0x40000001,
					   0x80000000, 0x80000001, 0x80000002,
					   0x80000007, 0x80000008, 0x99 };
	struct cpuid_ctx c = ctx(hw_intel, 1, 2, 0);

	(void)state;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		uint32_t a[4], b[4];

		memset(a, 0x00, sizeof(a));
		memset(b, 0xee, sizeof(b));
		cpuid_policy(&c, leaves[i], 0, a);
		cpuid_policy(&c, leaves[i], 0, b);
		assert_memory_equal(a, b, sizeof(a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hypervisor_leaves, setup),
		cmocka_unit_test_setup(test_leaf1_hidden_features, setup),
		cmocka_unit_test_setup(test_leaf1_intel_passes_through, setup),
		cmocka_unit_test_setup(test_leaf1_topology, setup),
		cmocka_unit_test_setup(test_osxsave_mirrors_guest_cr4, setup),
		cmocka_unit_test_setup(test_leaf7, setup),
		cmocka_unit_test_setup(test_xsave_leaf, setup),
		cmocka_unit_test_setup(test_brand_string_replaced, setup),
		cmocka_unit_test_setup(test_extended_leaves, setup),
		cmocka_unit_test_setup(test_unknown_leaves_zero, setup),
		cmocka_unit_test_setup(test_leaf0, setup),
		cmocka_unit_test_setup(test_leaves_above_host_max, setup),
		cmocka_unit_test_setup(test_out_fully_written, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
