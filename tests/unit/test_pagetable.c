/* Unit tests of the x86_64 page-table builder (arch/x86_64/pagetable.c).
 * Tables come from aligned_alloc(); a table's "physical" address is its
 * host pointer (user-space pointers are below 2^47, so they fit a PTE's
 * address field), and p2v checks that it is only ever asked about tables
 * it handed out. Results are checked through pt_lookup and by walking the
 * entries by hand (SDM Vol 3A 4.5, figures 4-8 to 4-11). */
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

#include "arch/x86_64/pagetable.h"

#define K4 (1ull << 12)
#define M2 (1ull << 21)
#define G1 (1ull << 30)

/* ------------------------------------------------------------ host tables */

#define MAX_TABLES 8192

struct tables {
	uint64_t *t[MAX_TABLES];
	unsigned n;
	unsigned budget;	/* allocations still allowed */
	unsigned bad_p2v;
};

static struct tables tb;
static struct pt_ops ops;
static uint64_t *root;

static bool ours(uint64_t pa)
{
	for (unsigned i = 0; i < tb.n; i++)
		if ((uint64_t)(uintptr_t)tb.t[i] == pa)
			return true;
	return false;
}

static void *host_alloc(void *ctx, uint64_t *pa)
{
	uint64_t *t;

	assert_ptr_equal(ctx, &tb);
	if (!tb.budget || tb.n == MAX_TABLES)
		return NULL;
	t = aligned_alloc(K4, K4);
	assert_non_null(t);
	assert_true((uintptr_t)t < (1ull << 47));
	memset(t, 0, K4);
	tb.t[tb.n++] = t;
	tb.budget--;
	*pa = (uint64_t)(uintptr_t)t;
	return t;
}

static void *host_p2v(void *ctx, uint64_t pa)
{
	assert_ptr_equal(ctx, &tb);
	if (!ours(pa)) {
		/* Following a leaf or garbage as if it were a table. */
		tb.bad_p2v++;
		fail_msg("p2v(%#llx): not a table", (unsigned long long)pa);
	}
	return (void *)(uintptr_t)pa;
}

static void reset(bool nx, bool huge_1g)
{
	uint64_t pa;

	for (unsigned i = 0; i < tb.n; i++)
		free(tb.t[i]);
	memset(&tb, 0, sizeof(tb));
	tb.budget = 1;
	root = host_alloc(&tb, &pa);
	tb.budget = UINT32_MAX;
	ops = (struct pt_ops){
		.alloc = host_alloc, .p2v = host_p2v, .ctx = &tb,
		.nx = nx, .huge_1g = huge_1g,
	};
}

static int setup(void **state)
{
	(void)state;
	reset(true, true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < tb.n; i++)
		free(tb.t[i]);
	tb.n = 0;
	return 0;
}

/* Tables allocated besides the root. */
static unsigned tables_used(void)
{
	return tb.n - 1;
}

/* ------------------------------------------------------------ walking */

static unsigned ix(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* Walks to va's leaf by hand: returns its level (0 = 4 KiB, 1 = 2 MiB,
 * 2 = 1 GiB) and the entry, or -1 if not mapped. Checks every
 * intermediate entry on the way: present, writable, no PS, no NX
 * (SDM 4.6: the leaf alone decides), and pointing at one of our tables. */
static int walk(uint64_t va, uint64_t *leaf)
{
	const uint64_t *t = root;

	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[ix(va, level)];

		if (!(e & PTE_P))
			return -1;
		if (level == 0 || (e & PTE_PS)) {
			assert_true(level <= 2);	/* no PS in a PML4E */
			*leaf = e;
			return level;
		}
		assert_true(e & PTE_W);
		assert_false(e & PTE_NX);
		assert_false(e & PTE_U);
		assert_true(ours(e & PTE_ADDR));
		t = (const uint64_t *)(uintptr_t)(e & PTE_ADDR);
	}
	return -1;
}

/* The leaf bits prot should produce (A and D aside). */
static uint64_t want_bits(unsigned prot, bool large)
{
	uint64_t b = PTE_P;

	if (prot & PT_W)
		b |= PTE_W;
	if (ops.nx && !(prot & PT_X))
		b |= PTE_NX;
	if (prot & PT_UC)
		b |= PTE_PCD | PTE_PWT;
	if (prot & PT_G)
		b |= PTE_G;
	if (large)
		b |= PTE_PS;
	return b;
}

/* va is mapped to pa by a leaf of the given level with exactly prot's
 * bits; pt_lookup agrees with the walk. */
static void expect_mapped(uint64_t va, uint64_t pa, int level, unsigned prot)
{
	uint64_t leaf = 0, lpa = 0, lpte = 0, size = 1ull << (12 + 9 * level);
	int l = walk(va, &leaf);

	if (l != level)
		fail_msg("va %#llx: leaf at level %d, want %d", (unsigned long long)va, l,
			 level);
	assert_int_equal(leaf & ~(PTE_A | PTE_D | PTE_ADDR), want_bits(prot, level > 0));
	assert_int_equal(leaf & PTE_ADDR & ~(size - 1), pa & ~(size - 1));
	if (level > 0)	/* bits 12.. below the page size: PAT and reserved, 0 */
		assert_int_equal(leaf & PTE_ADDR & (size - 1), 0);
	assert_true(pt_lookup(&ops, root, va, &lpa, &lpte));
	assert_int_equal(lpa, pa);
	assert_int_equal(lpte, leaf);
}

static void expect_unmapped(uint64_t va)
{
	uint64_t leaf, pa = 0xdead, pte = 0xbeef;

	assert_int_equal(walk(va, &leaf), -1);
	assert_false(pt_lookup(&ops, root, va, &pa, &pte));
}

/* Every 4 KiB page of [va, va+len) maps to pa + offset (sampled at both
 * ends and a middle offset of each page). */
static void expect_range(uint64_t va, uint64_t pa, uint64_t len, int level,
			 unsigned prot)
{
	for (uint64_t off = 0; off < len; off += K4) {
		expect_mapped(va + off, pa + off, level, prot);
		expect_mapped(va + off + 0x7b8, pa + off + 0x7b8, level, prot);
		expect_mapped(va + off + K4 - 1, pa + off + K4 - 1, level, prot);
	}
}

/* Only a few pages of a big range: its ends and some in the middle. */
static void expect_sampled(uint64_t va, uint64_t pa, uint64_t len, int level,
			   unsigned prot)
{
	static const uint64_t offs[] = { 0, 0x1000, 0x123000, 0x1ff000, 0x200000,
					 0x3456000, 0x20000000 };

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (offs[i] < len)
			expect_mapped(va + offs[i] + 0x10, pa + offs[i] + 0x10, level, prot);
	expect_mapped(va + len - 1, pa + len - 1, level, prot);
}

/* A call that must fail with err without allocating or writing anything. */
static bool root_empty(void)
{
	for (unsigned i = 0; i < 512; i++)
		if (root[i])
			return false;
	return true;
}

/* ------------------------------------------------------------ 4 KiB */

static void test_map_4k(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x400000, 0x12345000, K4, PT_R | PT_W), 0);
	expect_mapped(0x400000, 0x12345000, 0, PT_W);
	expect_mapped(0x400fff, 0x12345fff, 0, PT_W);
	expect_unmapped(0x401000);
	expect_unmapped(0x3ff000);
	assert_int_equal(tables_used(), 3);		/* PDPT, PD, PT */
	/* A neighbour shares the tables. */
	assert_int_equal(pt_map(&ops, root, 0x401000, 0x99000, K4, PT_R), 0);
	expect_mapped(0x401000, 0x99000, 0, PT_R);
	assert_int_equal(tables_used(), 3);
}

static void test_prot_bits(void **state)
{
	(void)state;
	for (int nx = 0; nx < 2; nx++) {
		reset(nx, true);
		for (unsigned prot = 0; prot < 32; prot++) {
			uint64_t va = 0x10000000 + prot * M2;

			/* 4 KiB and 2 MiB leaves of every combination. */
			assert_int_equal(pt_map(&ops, root, va, 0x1000 + prot * K4, K4, prot), 0);
			expect_mapped(va, 0x1000 + prot * K4, 0, prot);
			assert_int_equal(pt_map(&ops, root, va + 512 * G1, prot * M2, M2, prot), 0);
			expect_mapped(va + 512 * G1, prot * M2, 1, prot);
			/* NX only when the CPU has it, and never for PT_X. */
			uint64_t leaf;

			walk(va, &leaf);
			assert_int_equal(!!(leaf & PTE_NX), nx && !(prot & PT_X));
			assert_int_equal(!!(leaf & PTE_PCD), !!(prot & PT_UC));
			assert_int_equal(!!(leaf & PTE_PWT), !!(prot & PT_UC));
			assert_int_equal(!!(leaf & PTE_G), !!(prot & PT_G));
			assert_int_equal(!!(leaf & PTE_W), !!(prot & PT_W));
			assert_false(leaf & PTE_U);
		}
	}
}

static void test_map_many_4k(void **state)
{
	(void)state;
	/* 3 MiB not 2 MiB-aligned: all 4 KiB leaves, across two PTs. */
	assert_int_equal(pt_map(&ops, root, 0x7ff000, 0x3000, 3 * 1024 * 1024,
				PT_W | PT_X), 0);
	expect_range(0x7ff000, 0x3000, 3 * 1024 * 1024, 0, PT_W | PT_X);
	expect_unmapped(0x7fe000);
	expect_unmapped(0x7ff000 + 3 * 1024 * 1024);
	assert_int_equal(tables_used(), 2 + 3);
}

static void test_nolarge(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, G1, G1, G1 + M2, PT_W | PT_NOLARGE), 0);
	expect_sampled(G1, G1, G1 + M2, 0, PT_W);
	for (uint64_t off = 0; off < G1 + M2; off += M2) {
		uint64_t leaf;

		assert_int_equal(walk(G1 + off, &leaf), 0);
	}
	/* PDPT, 2 PDs, 513 PTs. */
	assert_int_equal(tables_used(), 1 + 2 + 513);
}

/* ------------------------------------------------------------ large pages */

static void test_map_2m(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x40200000, 0x80000000, 2 * M2, PT_W), 0);
	expect_range(0x40200000, 0x80000000, 2 * M2, 1, PT_W);
	assert_int_equal(tables_used(), 2);		/* PDPT, PD: no PT */
	expect_unmapped(0x40200000 - 1);
	expect_unmapped(0x40200000 + 2 * M2);
}

static void test_2m_needs_both_aligned(void **state)
{
	(void)state;
	/* va aligned, pa not: 4 KiB pages. */
	assert_int_equal(pt_map(&ops, root, 0x600000, 0x201000, M2, PT_W), 0);
	expect_range(0x600000, 0x201000, M2, 0, PT_W);
	/* pa aligned, va not. */
	assert_int_equal(pt_map(&ops, root, 0x20001000, 0x400000, M2, PT_W), 0);
	expect_range(0x20001000, 0x400000, M2, 0, PT_W);
	/* Both aligned but too short. */
	assert_int_equal(pt_map(&ops, root, 0x40000000, 0x400000, M2 - K4, PT_W), 0);
	expect_range(0x40000000, 0x400000, M2 - K4, 0, PT_W);
}

static void test_map_1g(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 4 * G1, 8 * G1, 2 * G1, PT_W | PT_G), 0);
	expect_sampled(4 * G1, 8 * G1, 2 * G1, 2, PT_W | PT_G);
	expect_sampled(5 * G1, 9 * G1, G1, 2, PT_W | PT_G);
	assert_int_equal(tables_used(), 1);		/* PDPT only */
	expect_unmapped(6 * G1);
	expect_unmapped(4 * G1 - 1);
}

static void test_map_1g_off(void **state)
{
	(void)state;
	reset(true, false);
	assert_int_equal(pt_map(&ops, root, 4 * G1, 8 * G1, G1, PT_W), 0);
	expect_sampled(4 * G1, 8 * G1, G1, 1, PT_W);
	for (uint64_t off = 0; off < G1; off += M2) {
		uint64_t leaf;

		assert_int_equal(walk(4 * G1 + off, &leaf), 1);
	}
	assert_int_equal(tables_used(), 2);
}

static void test_mixed_sizes(void **state)
{
	/* 4 KiB up to a 1 GiB boundary, a 1 GiB page, a 2 MiB page, 4 KiB. */
	uint64_t va = 3 * G1 - 2 * K4, pa = 7 * G1 - 2 * K4;
	uint64_t len = 2 * K4 + G1 + M2 + K4;

	(void)state;
	assert_int_equal(pt_map(&ops, root, va, pa, len, PT_W | PT_X), 0);
	expect_mapped(va, pa, 0, PT_W | PT_X);
	expect_mapped(va + K4, pa + K4, 0, PT_W | PT_X);
	expect_sampled(3 * G1, 7 * G1, G1, 2, PT_W | PT_X);
	expect_range(4 * G1, 8 * G1, M2, 1, PT_W | PT_X);
	expect_mapped(4 * G1 + M2, 8 * G1 + M2, 0, PT_W | PT_X);
	expect_unmapped(4 * G1 + M2 + K4);
	expect_unmapped(va - K4);
}

static void test_high_half(void **state)
{
	(void)state;
	/* The direct map and the kernel image (-2 GiB). */
	assert_int_equal(pt_map(&ops, root, 0xffff800000000000ull, 0, 2 * G1, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, 0xffffffff80000000ull, 0x100000 * 2, 4 * M2,
				PT_X | PT_G), 0);
	assert_int_equal(pt_map(&ops, root, 0xffffffff80800000ull, 0x5000, 3 * K4, PT_G), 0);
	expect_sampled(0xffff800000000000ull, 0, 2 * G1, 2, PT_W);
	expect_range(0xffffffff80000000ull, 0x200000, 4 * M2, 1, PT_X | PT_G);
	expect_range(0xffffffff80800000ull, 0x5000, 3 * K4, 0, PT_G);
	assert_int_not_equal(root[256], 0);
	assert_int_not_equal(root[511], 0);
	for (unsigned i = 0; i < 512; i++)
		if (i != 256 && i != 511)
			assert_int_equal(root[i], 0);
	expect_unmapped(0x0000000000000000ull);	/* not aliased low */
	expect_unmapped(0xffff7ffffffff000ull);
	uint64_t pa, pte;				/* not canonical */

	assert_false(pt_lookup(&ops, root, 0x0000800000000000ull, &pa, &pte));
}

static void test_len_zero(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x1000, 0x2000, 0, PT_W), 0);
	assert_true(root_empty());
	assert_int_equal(tables_used(), 0);
}

/* ------------------------------------------------------------ bad arguments */

static void map_einval(uint64_t va, uint64_t pa, uint64_t len)
{
	unsigned before = tb.n;

	assert_int_equal(pt_map(&ops, root, va, pa, len, PT_W), -EINVAL);
	assert_int_equal(tb.n, before);
	assert_true(root_empty());
}

static void test_map_einval(void **state)
{
	(void)state;
	map_einval(0x1001, 0x2000, K4);			/* unaligned */
	map_einval(0x1000, 0x2008, K4);
	map_einval(0x1000, 0x2000, K4 + 1);
	map_einval(0x1000, 0x2000, 1);
	map_einval(0x0000800000000000ull, 0, K4);	/* not canonical */
	map_einval(0xffff7ffffffff000ull, 0, K4);
	map_einval(0xffff7ffffffff000ull, 0, 2 * K4);	/* start not canonical */
	map_einval(0x1234000000000000ull, 0, K4);
	map_einval(0x00007ffffffff000ull, 0, 2 * K4);	/* end not canonical */
	map_einval(0x00007fffffe00000ull, 0, 4 * M2);
	map_einval(0xfffffffffffff000ull, 0, 2 * K4);	/* wraps */
	map_einval(0x1000, 0, UINT64_MAX & ~(K4 - 1));
	map_einval(0x1000, (1ull << 52) - K4, 2 * K4);	/* pa beyond 52 bits */
	map_einval(0x1000, 1ull << 52, K4);
	map_einval(0x1000, 1ull << 63, K4);
	/* Right at the physical limit is fine. */
	assert_int_equal(pt_map(&ops, root, 0x1000, (1ull << 52) - K4, K4, PT_W), 0);
	expect_mapped(0x1000, (1ull << 52) - K4, 0, PT_W);
}

/* A physical range whose end wraps past 2^64 passes a plain "pa + len <=
 * 2^52" test; the frame number would spill into the PTE's flag bits. */
static void test_map_einval_pa_wraps(void **state)
{
	(void)state;
	map_einval(0x1000, 0xfffffffffffff000ull, K4);
	map_einval(0x200000, 0xffffffffffe00000ull, M2);
	map_einval(0x200000, 0xfffffffffff00000ull, M2);
}

/* A range whose two ends are canonical but which spans the non-canonical
 * hole: the walk would wrap around bits 47 and map the kernel half. */
static void test_map_einval_spans_hole(void **state)
{
	uint64_t va = 0x00007ffffffff000ull;
	uint64_t len = 0xffff800000001000ull - va;	/* ends at 0xffff800000000fff */

	(void)state;
	tb.budget = 8;		/* if it does try, it stops soon */
	assert_int_equal(pt_map(&ops, root, va, 0x0000ffffffffe000ull, len, PT_W), -EINVAL);
	assert_true(root_empty());
}

static void test_lookup_bad(void **state)
{
	uint64_t pa = 1, pte = 2;

	(void)state;
	assert_false(pt_lookup(&ops, root, 0x1000, &pa, &pte));
	assert_false(pt_lookup(&ops, root, 0x0000800000000000ull, &pa, &pte));
	assert_int_equal(pt_map(&ops, root, 0, 0, G1, PT_W), 0);
	assert_false(pt_lookup(&ops, root, 0x0000800000000000ull | 0x1000, &pa, &pte));
	assert_false(pt_lookup(&ops, root, 0xffff000000001000ull, &pa, &pte));
	assert_true(pt_lookup(&ops, root, 0x1000, &pa, &pte));
}

/* In a 2 MiB or 1 GiB leaf, bit 12 is PAT, not an address bit (SDM Vol 3A
 * table 4-18): a translation must not include it. */
static void test_lookup_large_ignores_pat_bit(void **state)
{
	uint64_t leaf, pa, pte, *pdpt, *pd;

	(void)state;
	assert_int_equal(pt_map(&ops, root, M2, 4 * M2, M2, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, G1, 2 * G1, G1, PT_W), 0);
	assert_int_equal(walk(M2, &leaf), 1);
	pdpt = (uint64_t *)(uintptr_t)(root[0] & PTE_ADDR);
	pd = (uint64_t *)(uintptr_t)(pdpt[0] & PTE_ADDR);
	pd[1] |= 1ull << 12;		/* PAT in both leaves, by hand */
	pdpt[1] |= 1ull << 12;
	assert_true(pt_lookup(&ops, root, M2 + 0x2034, &pa, &pte));
	assert_int_equal(pa, 4 * M2 + 0x2034);
	assert_true(pt_lookup(&ops, root, G1 + 0x2034, &pa, &pte));
	assert_int_equal(pa, 2 * G1 + 0x2034);
}

/* ------------------------------------------------------------ remapping */

static void test_remap(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x20000, 4 * K4, PT_W), 0);
	/* Identical 4 KiB remaps are accepted, also overlapping ones. */
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x20000, 4 * K4, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, 0x11000, 0x21000, K4, PT_W), 0);
	/* Extending an identical run maps the new part. */
	assert_int_equal(pt_map(&ops, root, 0x12000, 0x22000, 4 * K4, PT_W), 0);
	expect_range(0x10000, 0x20000, 6 * K4, 0, PT_W);
	/* Another frame or other attributes: -EEXIST, the entry stays. */
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x30000, K4, PT_W), -EEXIST);
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x20000, K4, PT_R), -EEXIST);
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x20000, K4, PT_W | PT_X), -EEXIST);
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x20000, K4, PT_W | PT_UC), -EEXIST);
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x20000, K4, PT_W | PT_G), -EEXIST);
	expect_range(0x10000, 0x20000, 6 * K4, 0, PT_W);
}

static void test_remap_over_large(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, M2, 0, M2, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, G1, G1, G1, PT_W), 0);
	/* A 4 KiB page where a large one is: -EEXIST. */
	assert_int_equal(pt_map(&ops, root, M2 + K4, K4, K4, PT_W), -EEXIST);
	assert_int_equal(pt_map(&ops, root, M2, 0, K4, PT_W | PT_NOLARGE), -EEXIST);
	assert_int_equal(pt_map(&ops, root, G1 + 5 * M2, G1 + 5 * M2, M2, PT_W), -EEXIST);
	assert_int_equal(pt_map(&ops, root, M2, 0x40000000, M2, PT_W), -EEXIST);
	expect_range(M2, 0, M2, 1, PT_W);
	expect_sampled(G1, G1, G1, 2, PT_W);
	/* A 2 MiB page where a table of 4 KiB ones is: it goes down to them,
	 * accepting the identical one. */
	assert_int_equal(pt_map(&ops, root, 4 * M2 + 3 * K4, 0x600000 + 3 * K4, K4, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, 4 * M2, 0x600000, M2, PT_W), 0);
	expect_range(4 * M2, 0x600000, M2, 0, PT_W);
	assert_int_equal(pt_map(&ops, root, 4 * M2, 0x800000, M2, PT_W), -EEXIST);
	expect_range(4 * M2, 0x600000, M2, 0, PT_W);
}

/* -EEXIST is not -ENOMEM: pt.h promises partial mappings only for the
 * latter, so a conflict found partway must not leave the part before it
 * mapped (the caller cannot tell what to undo). */
static void test_eexist_maps_nothing(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x10000 + 3 * K4, 0x90000, K4, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x50000, 8 * K4, PT_W), -EEXIST);
	expect_unmapped(0x10000);
	expect_unmapped(0x12000);
	expect_unmapped(0x14000);
	expect_mapped(0x13000, 0x90000, 0, PT_W);
}

/* "-EEXIST: something is already mapped there with other attributes or a
 * different frame": so the same large mapping again is no error, as it is
 * for 4 KiB pages. */
static void test_identical_remap_large(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, M2, 0, M2, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, M2, 0, M2, PT_W), 0);
	expect_range(M2, 0, M2, 1, PT_W);
	assert_int_equal(pt_map(&ops, root, G1, G1, G1, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, G1, G1, G1, PT_W), 0);
	expect_sampled(G1, G1, G1, 2, PT_W);
}

/* The last page of the address space, and the top 1 GiB / 2 GiB (where
 * -mcmodel=kernel code lives), are canonical and mappable: the range
 * [va, 2^64) ends exactly at the top without wrapping into anything. */
static void test_map_top_of_address_space(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0xffffffff80000000ull, 0, 2 * G1, PT_X), 0);
	expect_sampled(0xffffffff80000000ull, 0, 2 * G1, 2, PT_X);
	assert_int_equal(pt_unmap(&ops, root, 0xfffffffffffff000ull, K4), 0);
	expect_unmapped(0xfffffffffffff000ull);
	expect_mapped(0xffffffffffffe000ull, 2 * G1 - 2 * K4, 0, PT_X);
	reset(true, true);
	assert_int_equal(pt_map(&ops, root, 0xfffffffffffff000ull, 0x7000, K4, PT_W), 0);
	expect_mapped(0xfffffffffffff000ull, 0x7000, 0, PT_W);
}

/* ------------------------------------------------------------ unmapping */

static void test_unmap_4k(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x10000, 0x20000, 4 * K4, PT_W), 0);
	assert_int_equal(pt_unmap(&ops, root, 0x11000, 2 * K4), 0);
	expect_mapped(0x10000, 0x20000, 0, PT_W);
	expect_unmapped(0x11000);
	expect_unmapped(0x12000);
	expect_mapped(0x13000, 0x23000, 0, PT_W);
	/* Unmapping what is not mapped is no error. */
	assert_int_equal(pt_unmap(&ops, root, 0x11000, 2 * K4), 0);
	assert_int_equal(pt_unmap(&ops, root, 0x7f0000000000ull, 16 * K4), 0);
	assert_int_equal(pt_unmap(&ops, root, 0, 0), 0);
	/* And the hole can be filled again, with other attributes. */
	assert_int_equal(pt_map(&ops, root, 0x11000, 0x99000, K4, PT_X), 0);
	expect_mapped(0x11000, 0x99000, 0, PT_X);
}

static void test_unmap_splits_2m(void **state)
{
	const unsigned prot = PT_W | PT_G | PT_UC;

	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x40000000, 0x80000000, 2 * M2, prot), 0);
	unsigned before = tables_used();

	assert_int_equal(pt_unmap(&ops, root, 0x40005000, K4), 0);
	assert_int_equal(tables_used(), before + 1);
	expect_unmapped(0x40005000);
	/* The rest of that 2 MiB: 4 KiB leaves to the same frames, same
	 * attributes (no PS). */
	expect_range(0x40000000, 0x80000000, 5 * K4, 0, prot);
	expect_range(0x40006000, 0x80006000, M2 - 6 * K4, 0, prot);
	/* The other 2 MiB page is untouched. */
	expect_range(0x40200000, 0x80200000, M2, 1, prot);
}

static void test_unmap_splits_1g(void **state)
{
	const unsigned prot = PT_W;
	const uint64_t va = 0xffff800000000000ull + 2 * G1, pa = 5 * G1;
	const uint64_t hole = 0x12345000;

	(void)state;
	assert_int_equal(pt_map(&ops, root, va, pa, G1, prot), 0);
	unsigned before = tables_used();

	assert_int_equal(pt_unmap(&ops, root, va + hole, K4), 0);
	assert_int_equal(tables_used(), before + 2);	/* a PD and a PT */
	expect_unmapped(va + hole);
	/* The 2 MiB around the hole: 4 KiB leaves. */
	uint64_t m = hole & ~(M2 - 1);

	expect_range(va + m, pa + m, hole - m, 0, prot);
	expect_range(va + hole + K4, pa + hole + K4, M2 - (hole - m) - K4, 0, prot);
	/* Every other 2 MiB: a 2 MiB leaf to the same frames. */
	for (uint64_t off = 0; off < G1; off += M2)
		if (off != m)
			expect_mapped(va + off + 0x1234, pa + off + 0x1234, 1, prot);
	expect_mapped(va + G1 - 1, pa + G1 - 1, 1, prot);
}

/* "Large pages covering part of the range are split first": one wholly
 * inside the range just goes, whole, and costs no table. */
static void test_unmap_whole_large(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0, 0, 2 * G1, PT_W), 0);
	unsigned before = tables_used();

	assert_int_equal(pt_unmap(&ops, root, G1, G1), 0);
	assert_int_equal(tables_used(), before);
	expect_sampled(0, 0, G1, 2, PT_W);
	for (uint64_t off = 0; off < G1; off += M2 / 2)
		expect_unmapped(G1 + off);
	/* The space is free for large pages again. */
	assert_int_equal(pt_map(&ops, root, G1 + M2, 0x7000000, M2, PT_X), 0);
	expect_range(G1 + M2, 0x7000000, M2, 1, PT_X);
}

static void test_unmap_whole_large_without_memory(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, M2, 0, 2 * M2, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, G1, G1, G1, PT_W), 0);
	tb.budget = 0;
	assert_int_equal(pt_unmap(&ops, root, M2, M2), 0);
	expect_unmapped(M2);
	expect_unmapped(2 * M2 - K4);
	expect_range(2 * M2, M2, M2, 1, PT_W);
	assert_int_equal(pt_unmap(&ops, root, G1, G1), 0);
	expect_unmapped(G1);
	expect_unmapped(2 * G1 - K4);
}

static void test_unmap_einval(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0, 0, 4 * M2, PT_W), 0);
	assert_int_equal(pt_unmap(&ops, root, 0x1001, K4), -EINVAL);
	assert_int_equal(pt_unmap(&ops, root, 0x1000, K4 - 1), -EINVAL);
	assert_int_equal(pt_unmap(&ops, root, 0x0000800000000000ull, K4), -EINVAL);
	assert_int_equal(pt_unmap(&ops, root, 0xfffffffffffff000ull, 2 * K4), -EINVAL);
	expect_range(0, 0, 4 * M2, 1, PT_W);
}

/* A range starting below the hole and running into it: -EINVAL, and above
 * all nothing in the kernel half may go. */
static void test_unmap_einval_end_not_canonical(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, 0x00007ffffffff000ull, 0x1000, K4, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, 0xffff800000000000ull, 0x2000, K4, PT_W), 0);
	assert_int_equal(pt_unmap(&ops, root, 0x00007ffffffff000ull, 2 * K4), -EINVAL);
	expect_mapped(0xffff800000000000ull, 0x2000, 0, PT_W);
	expect_mapped(0x00007ffffffff000ull, 0x1000, 0, PT_W);
}

/* ------------------------------------------------------------ out of tables */

static void test_map_enomem(void **state)
{
	(void)state;
	/* 4 KiB at a fresh place needs 3 tables: fail at each of them. */
	for (unsigned b = 0; b < 3; b++) {
		reset(true, true);
		tb.budget = b;
		assert_int_equal(pt_map(&ops, root, 0x400000, 0x1000, K4, PT_W), -ENOMEM);
		assert_int_equal(tables_used(), b);
		expect_unmapped(0x400000);
		/* With more, the same call completes. */
		tb.budget = 3;
		assert_int_equal(pt_map(&ops, root, 0x400000, 0x1000, K4, PT_W), 0);
		expect_mapped(0x400000, 0x1000, 0, PT_W);
		assert_int_equal(tables_used(), 3);
	}
	/* A run over two PTs fails halfway: the first part stays mapped,
	 * and a retry with room completes it (identical 4 KiB remaps). */
	reset(true, true);
	tb.budget = 3;
	assert_int_equal(pt_map(&ops, root, M2 - 2 * K4, 0x5000, 4 * K4, PT_W | PT_NOLARGE),
			 -ENOMEM);
	expect_range(M2 - 2 * K4, 0x5000, 2 * K4, 0, PT_W);
	expect_unmapped(M2);
	tb.budget = 1;
	assert_int_equal(pt_map(&ops, root, M2 - 2 * K4, 0x5000, 4 * K4, PT_W | PT_NOLARGE), 0);
	expect_range(M2 - 2 * K4, 0x5000, 4 * K4, 0, PT_W);
}

static void test_unmap_enomem(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&ops, root, G1, 0, G1, PT_W), 0);
	tb.budget = 0;
	assert_int_equal(pt_unmap(&ops, root, G1 + 0x5000, K4), -ENOMEM);
	expect_sampled(G1, 0, G1, 2, PT_W);		/* still one 1 GiB page */
	tb.budget = 1;					/* the PD, not the PT */
	assert_int_equal(pt_unmap(&ops, root, G1 + 0x5000, K4), -ENOMEM);
	expect_mapped(G1 + 0x5000, 0x5000, 1, PT_W);	/* split to 2 MiB only */
	expect_mapped(G1 + M2, M2, 1, PT_W);
	tb.budget = 1;
	assert_int_equal(pt_unmap(&ops, root, G1 + 0x5000, K4), 0);
	expect_unmapped(G1 + 0x5000);
	expect_mapped(G1 + 0x4000, 0x4000, 0, PT_W);
}

/* ------------------------------------------------------------ EPT and user formats */

/* The entries on the way to va, by hand, whatever the format: returns the
 * leaf level and fills e[3..level]; -1 if a table is missing. */
static int raw_walk(uint64_t va, uint64_t e[4], uint64_t present_mask)
{
	const uint64_t *t = root;

	for (int level = 3; level >= 0; level--) {
		e[level] = t[ix(va, level)];
		if (!(e[level] & present_mask))
			return -1;
		if (level == 0 || (e[level] & PTE_PS))
			return level;
		assert_true(ours(e[level] & PTE_ADDR));
		t = (const uint64_t *)(uintptr_t)(e[level] & PTE_ADDR);
	}
	return -1;
}

/* SDM Vol 3C 28.3.2: EPT entries have R/W/X in bits 0-2 (no P bit), the
 * memory type in bits 3-5 of a leaf, PS in bit 7; bit 8 is the accessed
 * flag and bit 63 "suppress #VE", neither of which the builder may set. */
static void test_ept_format(void **state)
{
	const uint64_t rwx = EPT_R | EPT_W | EPT_X;
	uint64_t e[4], pa, pte;

	(void)state;
	reset(true, true);
	ops.ept = true;
	assert_int_equal(pt_map(&ops, root, 0x1000, 0x5000, K4, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, 0x2000, 0x6000, K4, PT_X), 0);
	assert_int_equal(pt_map(&ops, root, 0x3000, 0x7000, K4, PT_R | PT_G | PT_UC), 0);
	assert_int_equal(pt_map(&ops, root, M2, 4 * M2, M2, PT_W | PT_X), 0);
	assert_int_equal(pt_map(&ops, root, G1, 3 * G1, G1, PT_W), 0);

	assert_int_equal(raw_walk(0x1000, e, rwx), 0);
	for (int l = 3; l > 0; l--)		/* tables: R, W and X, nothing else */
		assert_int_equal(e[l] & ~PTE_ADDR, rwx);
	assert_int_equal(e[0], 0x5000 | EPT_R | EPT_W | EPT_WB);
	assert_int_equal(raw_walk(0x2000, e, rwx), 0);
	assert_int_equal(e[0], 0x6000 | EPT_R | EPT_X | EPT_WB);
	assert_int_equal(raw_walk(0x3000, e, rwx), 0);
	assert_int_equal(e[0], 0x7000 | EPT_R | EPT_WB);
	assert_int_equal(raw_walk(M2 + 0x1234, e, rwx), 1);
	assert_int_equal(e[1], 4 * M2 | EPT_R | EPT_W | EPT_X | EPT_WB | EPT_PS);
	assert_int_equal(raw_walk(G1 + 0x1234, e, rwx), 2);
	assert_int_equal(e[2], 3 * G1 | EPT_R | EPT_W | EPT_WB | EPT_PS);

	assert_true(pt_lookup(&ops, root, M2 + 0x1234, &pa, &pte));
	assert_int_equal(pa, 4 * M2 + 0x1234);
	assert_true(pt_lookup(&ops, root, G1 + 0x54321, &pa, &pte));
	assert_int_equal(pa, 3 * G1 + 0x54321);
	assert_false(pt_lookup(&ops, root, 0x4000, &pa, &pte));

	/* Same rules as the host format: identical 4 KiB again is fine,
	 * anything else is -EEXIST. */
	assert_int_equal(pt_map(&ops, root, 0x1000, 0x5000, K4, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, 0x1000, 0x5000, K4, PT_X), -EEXIST);
	assert_int_equal(pt_map(&ops, root, M2 + K4, 0x9000, K4, PT_W), -EEXIST);

	/* Splitting keeps frames, permissions and memory type. */
	assert_int_equal(pt_unmap(&ops, root, G1 + 3 * M2 + 5 * K4, K4), 0);
	assert_false(pt_lookup(&ops, root, G1 + 3 * M2 + 5 * K4, &pa, &pte));
	assert_int_equal(raw_walk(G1 + 3 * M2 + 6 * K4, e, rwx), 0);
	assert_int_equal(e[0], (3 * G1 + 3 * M2 + 6 * K4) | EPT_R | EPT_W | EPT_WB);
	assert_int_equal(e[1] & ~PTE_ADDR, rwx);
	assert_int_equal(e[2] & ~PTE_ADDR, rwx);
	assert_int_equal(raw_walk(G1 + 7 * M2, e, rwx), 1);
	assert_int_equal(e[1], (3 * G1 + 7 * M2) | EPT_R | EPT_W | EPT_WB | EPT_PS);
	assert_int_equal(pt_unmap(&ops, root, 0x1000, 3 * K4), 0);
	assert_false(pt_lookup(&ops, root, 0x2000, &pa, &pte));
}

/* NPT: guest accesses are user accesses (APM Vol 2 15.25.5), so every
 * level carries U; the rest is the host format. */
static void test_user_format(void **state)
{
	uint64_t e[4];

	(void)state;
	reset(true, true);
	ops.user = true;
	assert_int_equal(pt_map(&ops, root, 0x1000, 0x5000, K4, PT_W), 0);
	assert_int_equal(pt_map(&ops, root, M2, 0, M2, PT_X), 0);
	assert_int_equal(raw_walk(0x1000, e, PTE_P), 0);
	for (int l = 3; l > 0; l--)
		assert_int_equal(e[l] & (PTE_P | PTE_W | PTE_U | PTE_NX | PTE_PS),
				 PTE_P | PTE_W | PTE_U);
	assert_int_equal(e[0] & ~(PTE_A | PTE_D), 0x5000 | PTE_P | PTE_W | PTE_U | PTE_NX);
	assert_int_equal(raw_walk(M2, e, PTE_P), 1);
	assert_int_equal(e[1] & ~(PTE_A | PTE_D), PTE_P | PTE_U | PTE_PS);
	assert_int_equal(pt_unmap(&ops, root, M2 + K4, K4), 0);
	assert_int_equal(raw_walk(M2, e, PTE_P), 0);
	assert_int_equal(e[1] & (PTE_U | PTE_W | PTE_P), PTE_U | PTE_W | PTE_P);
	assert_int_equal(e[0] & ~(PTE_A | PTE_D), PTE_P | PTE_U);
}

/* ------------------------------------------------------------ randomized */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Random maps of unmapped ranges and random unmaps in a 16 MiB window,
 * against a model with one (frame, prot) per 4 KiB page. */
static void test_random_against_model(void **state)
{
	enum { PAGES = 4096, OPS = 400 };
	const uint64_t base = 0xffffc00000000000ull;
	static int64_t frame[PAGES];	/* -1: unmapped */
	static unsigned prot_of[PAGES];

	(void)state;
	rng_state = 0xfeedfacecafebeefull;
	for (unsigned i = 0; i < PAGES; i++)
		frame[i] = -1;
	for (unsigned op = 0; op < OPS; op++) {
		uint64_t first, n;
		bool free_run = true;

		if (rnd() % 3) {
			first = rnd() % 2 ? (rnd() % 8) * 512 : rnd() % PAGES;
			n = rnd() % 2 ? 512 + rnd() % 1024 : 1 + rnd() % 16;
		} else {
			first = rnd() % PAGES;
			n = 1 + rnd() % 600;
		}
		if (first + n > PAGES)
			n = PAGES - first;
		if (op % 2 == 0) {
			unsigned prot = (unsigned)(rnd() % 64);	/* PT_NOLARGE too */
			uint64_t pa = ((rnd() % 64) * 512 + (rnd() % 4 ? 0 : rnd() % 512)) * K4;

			for (uint64_t i = 0; i < n; i++)
				free_run = free_run && frame[first + i] < 0;
			if (!free_run)
				continue;
			assert_int_equal(pt_map(&ops, root, base + first * K4, pa, n * K4, prot),
					 0);
			for (uint64_t i = 0; i < n; i++) {
				frame[first + i] = (int64_t)(pa / K4 + i);
				prot_of[first + i] = prot & ~PT_NOLARGE;
			}
		} else {
			assert_int_equal(pt_unmap(&ops, root, base + first * K4, n * K4), 0);
			for (uint64_t i = 0; i < n; i++)
				frame[first + i] = -1;
		}
		if (op % 20 == 19 || op == OPS - 1)
			for (unsigned i = 0; i < PAGES; i++) {
				uint64_t va = base + i * K4 + 0x321, pa, pte;

				if (frame[i] < 0) {
					assert_false(pt_lookup(&ops, root, va, &pa, &pte));
					continue;
				}
				assert_true(pt_lookup(&ops, root, va, &pa, &pte));
				assert_int_equal(pa, (uint64_t)frame[i] * K4 + 0x321);
				assert_int_equal(pte & ~(PTE_A | PTE_D | PTE_ADDR | PTE_PS),
						 want_bits(prot_of[i], false));
			}
	}
	assert_int_equal(tb.bad_p2v, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_map_4k),
		T(test_prot_bits),
		T(test_map_many_4k),
		T(test_nolarge),
		T(test_map_2m),
		T(test_2m_needs_both_aligned),
		T(test_map_1g),
		T(test_map_1g_off),
		T(test_mixed_sizes),
		T(test_high_half),
		T(test_len_zero),
		T(test_map_einval),
		T(test_map_einval_pa_wraps),
		T(test_map_einval_spans_hole),
		T(test_lookup_bad),
		T(test_lookup_large_ignores_pat_bit),
		T(test_remap),
		T(test_remap_over_large),
		T(test_identical_remap_large),
		T(test_eexist_maps_nothing),
		T(test_map_top_of_address_space),
		T(test_unmap_4k),
		T(test_unmap_splits_2m),
		T(test_unmap_splits_1g),
		T(test_unmap_whole_large),
		T(test_unmap_whole_large_without_memory),
		T(test_unmap_einval),
		T(test_unmap_einval_end_not_canonical),
		T(test_map_enomem),
		T(test_unmap_enomem),
		T(test_ept_format),
		T(test_user_format),
		T(test_random_against_model),
	};

	return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
