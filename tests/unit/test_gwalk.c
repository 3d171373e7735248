/* Unit tests of the 4-level guest page walk (vmm/gwalk.c) over a fake
 * guest memory of 8 MiB that map() hands out only inside its bounds and
 * only as the 8-byte, 8-aligned entry reads a walk needs. Tables are
 * built by hand after SDM Vol 3A 4.5 (tables 4-14 to 4-20). */
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

#include "vmm/gwalk.h"

#define RAM (8ull << 20)
#define P 0x1ull
#define RW 0x2ull
#define US 0x4ull
#define PS 0x80ull
#define XD (1ull << 63)

static struct {
	uint8_t *ram;
	unsigned maps;
} st;

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	assert_ptr_equal(ctx, &st);
	assert_int_equal(len, 8);
	assert_int_equal(gpa % 8, 0);
	st.maps++;
	if (gpa >= RAM || len > RAM - gpa)
		return NULL;
	return st.ram + gpa;
}

static const struct guest_mem gm = { .map = fake_map, .ctx = &st, .ram_bytes = RAM };

static void set(uint64_t table, unsigned idx, uint64_t v)
{
	assert_true(idx < 512);
	memcpy(st.ram + table + 8 * idx, &v, 8);
}

static uint64_t la(unsigned i4, unsigned i3, unsigned i2, unsigned i1, uint64_t off)
{
	return (uint64_t)i4 << 39 | (uint64_t)i3 << 30 | (uint64_t)i2 << 21 |
	       (uint64_t)i1 << 12 | off;
}

/* PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000:
 *   [3][5][7][9]  -> 4 KiB page at 0x55000
 *   [3][5][8]     -> 2 MiB page at 0x600000
 *   [3][5][10]    -> 2 MiB page at 0x200000, PAT bit (12) set
 *   [3][6]        -> 1 GiB page at 0x40000000
 *   [3][7]        -> 1 GiB page at 0x80000000, PAT bit set
 *   [3][5][7][10] -> 4 KiB page with bit 7 (PAT for a PTE) set */
static int setup(void **state)
{
	(void)state;
	st.ram = calloc(1, RAM);
	assert_non_null(st.ram);
	st.maps = 0;
	set(0x1000, 3, 0x2000 | P | RW);
	set(0x2000, 5, 0x3000 | P | RW | US);
	set(0x3000, 7, 0x4000 | P | RW);
	set(0x4000, 9, 0x55000 | P | RW);
	set(0x3000, 8, 0x600000 | P | RW | PS);
	set(0x3000, 10, 0x200000 | 0x1000 | P | PS);
	set(0x2000, 6, 0x40000000 | P | RW | PS);
	set(0x2000, 7, 0x80000000 | 0x1000 | P | PS);
	set(0x4000, 10, 0x7000 | P | PS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(st.ram);
	return 0;
}

static void walk_ok(uint64_t cr3, uint64_t addr, uint64_t want, unsigned maps)
{
	uint64_t gpa = ~0ull;
	int rc;

	st.maps = 0;
	rc = gwalk64(&gm, cr3, addr, &gpa);
	if (rc || gpa != want) {
		print_error("walk %#llx: rc %d gpa %#llx, want %#llx\n", (unsigned long long)addr,
			    rc, (unsigned long long)gpa, (unsigned long long)want);
		fail();
	}
	assert_int_equal(st.maps, maps);
}

static void walk_fault(uint64_t cr3, uint64_t addr)
{
	uint64_t gpa = 0x5a5a;
	int rc = gwalk64(&gm, cr3, addr, &gpa);

	if (rc != -EFAULT) {
		print_error("walk %#llx: rc %d gpa %#llx, want -EFAULT\n",
			    (unsigned long long)addr, rc, (unsigned long long)gpa);
		fail();
	}
}

static void test_4k_page(void **state)
{
	(void)state;
	walk_ok(0x1000, la(3, 5, 7, 9, 0), 0x55000, 4);
	walk_ok(0x1000, la(3, 5, 7, 9, 0x123), 0x55123, 4);
	walk_ok(0x1000, la(3, 5, 7, 9, 0xfff), 0x55fff, 4);
	/* bit 7 of a PTE is PAT, not a size */
	walk_ok(0x1000, la(3, 5, 7, 10, 0x10), 0x7010, 4);
}

static void test_2m_page(void **state)
{
	(void)state;
	walk_ok(0x1000, la(3, 5, 8, 0, 0), 0x600000, 3);
	walk_ok(0x1000, la(3, 5, 8, 0x1ff, 0xfff), 0x7fffff, 3);
	walk_ok(0x1000, la(3, 5, 8, 0x12, 0x345), 0x612345, 3);
	/* PAT (bit 12) of a 2 MiB PDE is not an address bit */
	walk_ok(0x1000, la(3, 5, 10, 1, 8), 0x201008, 3);
	walk_ok(0x1000, la(3, 5, 10, 0, 0), 0x200000, 3);
}

static void test_1g_page(void **state)
{
	(void)state;
	walk_ok(0x1000, la(3, 6, 0, 0, 0), 0x40000000, 2);
	walk_ok(0x1000, la(3, 6, 0x1ff, 0x1ff, 0xfff), 0x7fffffff, 2);
	walk_ok(0x1000, la(3, 6, 0x12, 0x34, 0x567), 0x40000000 | 0x12 << 21 | 0x34 << 12 | 0x567, 2);
	walk_ok(0x1000, la(3, 7, 1, 2, 3), 0x80000000ull | 1 << 21 | 2 << 12 | 3, 2);
}

static void test_not_present_each_level(void **state)
{
	(void)state;
	walk_fault(0x1000, la(4, 5, 7, 9, 0));		/* PML4E */
	walk_fault(0x1000, la(3, 4, 7, 9, 0));		/* PDPTE */
	walk_fault(0x1000, la(3, 5, 6, 9, 0));		/* PDE */
	walk_fault(0x1000, la(3, 5, 7, 8, 0));		/* PTE */
	/* every bit but P set: still not present */
	set(0x4000, 8, ~P & 0x000ffffffffff0ffull);
	walk_fault(0x1000, la(3, 5, 7, 8, 0));
	set(0x3000, 6, 0x4000 | RW | PS);
	walk_fault(0x1000, la(3, 5, 6, 0, 0));
	set(0x2000, 4, 0x40000000 | RW | PS);
	walk_fault(0x1000, la(3, 4, 0, 0, 0));
	set(0x1000, 4, 0x2000 | RW);
	walk_fault(0x1000, la(4, 5, 7, 9, 0));
	/* clearing P on the path takes the whole walk down */
	set(0x3000, 7, 0x4000 | RW);
	walk_fault(0x1000, la(3, 5, 7, 9, 0));
	set(0x3000, 7, 0x4000 | P | RW);
	walk_ok(0x1000, la(3, 5, 7, 9, 0), 0x55000, 4);
}

/* A table the guest points outside its RAM: -EFAULT, never a read of
 * host memory. (A leaf page outside RAM is the caller's to map.) */
static void test_tables_outside_ram(void **state)
{
	(void)state;
	walk_fault(RAM, la(0, 0, 0, 0, 0));				/* CR3 */
	walk_fault(0x000ffffffffff000ull, la(0, 0, 0, 0, 0));
	set(0x1000, 1, (RAM + 0x1000) | P);				/* PDPT */
	walk_fault(0x1000, la(1, 0, 0, 0, 0));
	set(0x2000, 1, 0x000ffffffffff000ull | P);			/* PD */
	walk_fault(0x1000, la(3, 1, 0, 0, 0));
	set(0x3000, 1, (1ull << 40) | P);				/* PT */
	walk_fault(0x1000, la(3, 5, 1, 0, 0));
	/* the last page of RAM is fine as a table */
	set(0x3000, 2, (RAM - 0x1000) | P);
	set(RAM - 0x1000, 511, 0x9000 | P);
	walk_ok(0x1000, la(3, 5, 2, 511, 0x42), 0x9042, 4);
	/* a leaf outside RAM is returned as is */
	set(0x4000, 11, (1ull << 45) | P);
	walk_ok(0x1000, la(3, 5, 7, 11, 0x1), (1ull << 45) | 1, 4);
}

/* Bits that are not part of the address: CR3's PCD/PWT/PCID and bit 63,
 * the entries' XD and bits 52-62, the linear address's upper 16 bits. */
static void test_ignored_bits(void **state)
{
	(void)state;
	walk_ok(0x1000 | 0xfff, la(3, 5, 7, 9, 4), 0x55004, 4);
	walk_ok(0x1000 | (1ull << 63), la(3, 5, 7, 9, 4), 0x55004, 4);
	walk_ok(0x1000, la(3, 5, 7, 9, 4) | 0xffff000000000000ull, 0x55004, 4);
	set(0x1000, 3, 0x2000 | P | XD | (0x7ffull << 52));
	set(0x4000, 9, 0x55000 | P | XD | (0x7ffull << 52) | 0x1e0);
	walk_ok(0x1000, la(3, 5, 7, 9, 4), 0x55004, 4);
	set(0x2000, 6, 0x40000000 | P | PS | XD);
	walk_ok(0x1000, la(3, 6, 0, 0, 4), 0x40000004, 2);
}

/* Bit 7 of a PML4E is reserved (SDM Vol 3A 4.5.4, table 4-15: "Reserved
 * (must be 0)"; there are no 512 GiB pages), so a walk through it is a
 * reserved-bit page fault (4.7: PFEC.RSVD), not a pointer to a PDPT.
 * The walker must refuse it as the CPU would: -EFAULT. */
static void test_ps_in_pml4e_is_reserved(void **state)
{
	uint64_t gpa = 0;
	int rc;

	(void)state;
	set(0x1000, 3, 0x2000 | P | RW | PS);
	rc = gwalk64(&gm, 0x1000, la(3, 5, 7, 9, 0x10), &gpa);
	if (rc != -EFAULT) {
		print_error("PML4E with PS=1: rc %d gpa %#llx (walked on as a table), "
			    "want -EFAULT\n", rc, (unsigned long long)gpa);
		fail();
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_4k_page),
		T(test_2m_page),
		T(test_1g_page),
		T(test_not_present_each_level),
		T(test_tables_outside_ram),
		T(test_ignored_bits),
		T(test_ps_in_pml4e_is_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
