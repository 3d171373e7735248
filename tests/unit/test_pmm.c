/* Unit tests of the physical page allocator (kernel/pmm.c): rounding of
 * the free and reserved ranges, allocation order, alignment and limit,
 * every error case (which must change nothing), the ends of the covered
 * space, address wrap-around, and a randomized soak against a shadow model
 * with one bool per page. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/pmm.h"

#define PG PAGE_SIZE

/* ------------------------------------------------------------ helpers */

struct fixture {
	struct pmm p;
	uint64_t *bitmap;	/* exactly pmm_bitmap_bytes(top): ASan sees overruns */
	size_t bytes;
	uint64_t top;
};

/* The fixture's bitmap, freed by the teardown if a test fails midway. */
static uint64_t *cur_bitmap;

static int teardown(void **state)
{
	(void)state;
	free(cur_bitmap);
	cur_bitmap = NULL;
	return 0;
}

static void fx_init(struct fixture *f, uint64_t top)
{
	f->top = top;
	f->bytes = pmm_bitmap_bytes(top);
	f->bitmap = cur_bitmap = malloc(f->bytes ? f->bytes : 1);
	assert_non_null(f->bitmap);
	memset(f->bitmap, 0, f->bytes);	/* pmm_init must set every bit */
	pmm_init(&f->p, f->bitmap, top);
}

static void fx_fini(struct fixture *f)
{
	free(f->bitmap);
	f->bitmap = cur_bitmap = NULL;
}

static bool page_used(const struct fixture *f, uint64_t pg)
{
	return f->bitmap[pg / 64] >> (pg % 64) & 1;
}

/* nfree equals the number of available pages; pages past the end of the
 * covered space are never available. */
static void check_counts(const struct fixture *f)
{
	uint64_t n = 0;

	for (uint64_t pg = 0; pg < f->p.npages; pg++)
		n += !page_used(f, pg);
	assert_int_equal(n, f->p.nfree);
	assert_int_equal(pmm_free_pages(&f->p), f->p.nfree);
	for (uint64_t pg = f->p.npages; pg < f->bytes * 8; pg++)
		assert_true(page_used(f, pg));
}

/* Free pages, as a string of '.' (free) and '#' (used) from page 0. */
static void expect_map(const struct fixture *f, const char *map)
{
	size_t n = strlen(map);

	assert_int_equal(n, f->p.npages);
	for (size_t i = 0; i < n; i++) {
		if (page_used(f, i) != (map[i] == '#'))
			fail_msg("page %zu: want %c", i, map[i]);
	}
	check_counts(f);
}

/* An allocation that must succeed at the given address. */
static void alloc_at(struct fixture *f, uint64_t n, uint64_t align, uint64_t limit,
		     uint64_t want)
{
	uint64_t pa = 0xdead;
	uint64_t before = f->p.nfree;

	assert_int_equal(pmm_alloc(&f->p, n, align, limit, &pa), 0);
	assert_int_equal(pa, want);
	assert_int_equal(f->p.nfree, before - n);
	for (uint64_t i = 0; i < n; i++)
		assert_true(page_used(f, pa / PG + i));
	check_counts(f);
}

/* A call that must fail with err and change nothing at all (the hint
 * included: the next allocation must behave as before). */
struct snapshot {
	uint64_t bits[64];
	struct pmm p;
};

static struct snapshot snap(const struct fixture *f)
{
	struct snapshot s = { .p = f->p };

	assert_true(f->bytes <= sizeof(s.bits));
	memcpy(s.bits, f->bitmap, f->bytes);
	return s;
}

static void unchanged(const struct fixture *f, struct snapshot s)
{
	assert_memory_equal(s.bits, f->bitmap, f->bytes);
	assert_int_equal(s.p.nfree, f->p.nfree);
	assert_int_equal(s.p.npages, f->p.npages);
	assert_int_equal(s.p.hint, f->p.hint);
	assert_ptr_equal(s.p.bitmap, f->p.bitmap);
	check_counts(f);
}

static void alloc_fails(struct fixture *f, uint64_t n, uint64_t align,
			uint64_t limit, int err)
{
	struct snapshot s = snap(f);
	uint64_t pa = 0xdead;

	assert_int_equal(pmm_alloc(&f->p, n, align, limit, &pa), err);
	assert_int_equal(pa, 0xdead);
	unchanged(f, s);
}

static void free_fails(struct fixture *f, uint64_t pa, uint64_t n)
{
	struct snapshot s = snap(f);

	assert_int_equal(pmm_free(&f->p, pa, n), -EINVAL);
	unchanged(f, s);
}

/* ------------------------------------------------------------ sizes and init */

static void test_bitmap_bytes(void **state)
{
	(void)state;
	assert_int_equal(pmm_bitmap_bytes(0), 0);
	assert_int_equal(pmm_bitmap_bytes(1), 8);
	assert_int_equal(pmm_bitmap_bytes(PG), 8);
	assert_int_equal(pmm_bitmap_bytes(64 * PG), 8);
	assert_int_equal(pmm_bitmap_bytes(64 * PG + 1), 16);
	assert_int_equal(pmm_bitmap_bytes(65 * PG), 16);
	assert_int_equal(pmm_bitmap_bytes(128 * PG), 16);
	assert_int_equal(pmm_bitmap_bytes(4ull << 30), (4ull << 30) / PG / 8);
	assert_int_equal(pmm_bitmap_bytes(1ull << 52), (1ull << 40) / 8);
}

static void test_init_everything_unavailable(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 100 * PG + 1);	/* a partial last page counts */
	assert_int_equal(f.p.npages, 101);
	assert_int_equal(pmm_free_pages(&f.p), 0);
	for (uint64_t pg = 0; pg < f.bytes * 8; pg++)
		assert_true(page_used(&f, pg));
	alloc_fails(&f, 1, 1, 0, -ENOMEM);
	fx_fini(&f);
}

static void test_init_zero_top(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 0);
	assert_int_equal(f.p.npages, 0);
	pmm_add_free(&f.p, 0, 1ull << 30);
	pmm_reserve(&f.p, 0, 1ull << 30);
	assert_int_equal(pmm_free_pages(&f.p), 0);
	alloc_fails(&f, 1, 1, 0, -ENOMEM);
	assert_int_equal(pmm_free(&f.p, 0, 1), -EINVAL);
	fx_fini(&f);
}

/* ------------------------------------------------------------ rounding */

static void test_add_free_rounds_inward(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 8 * PG);
	pmm_add_free(&f.p, PG + 1, 3 * PG);	/* [0x1001, 0x4001): pages 2, 3 */
	expect_map(&f, "##..####");
	pmm_add_free(&f.p, 5 * PG, PG - 1);	/* less than one page */
	expect_map(&f, "##..####");
	pmm_add_free(&f.p, 5 * PG - 1, PG + 1);	/* [0x4fff, 0x6000): page 5 */
	expect_map(&f, "##..#.##");
	pmm_add_free(&f.p, 7 * PG, 0);		/* empty */
	expect_map(&f, "##..#.##");
	pmm_add_free(&f.p, 6 * PG + 1, PG);	/* touches 6 and 7, covers neither */
	expect_map(&f, "##..#.##");
	fx_fini(&f);
}

static void test_add_free_twice_counts_once(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 8 * PG);
	pmm_add_free(&f.p, 0, 4 * PG);
	pmm_add_free(&f.p, 2 * PG, 4 * PG);
	expect_map(&f, "......##");
	assert_int_equal(pmm_free_pages(&f.p), 6);
	fx_fini(&f);
}

static void test_reserve_rounds_outward(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 8 * PG);
	pmm_add_free(&f.p, 0, 8 * PG);
	pmm_reserve(&f.p, 2 * PG - 1, 2);	/* [0x1fff, 0x2001): pages 1 and 2 */
	expect_map(&f, ".##.....");
	pmm_reserve(&f.p, 5 * PG, 1);		/* one byte: the whole page */
	expect_map(&f, ".##..#..");
	pmm_reserve(&f.p, 4 * PG, 0);		/* empty: nothing */
	expect_map(&f, ".##..#..");
	pmm_reserve(&f.p, PG, 2 * PG);		/* already reserved: counted once */
	expect_map(&f, ".##..#..");
	assert_int_equal(pmm_free_pages(&f.p), 5);
	pmm_reserve(&f.p, 7 * PG, PG);		/* exact page */
	expect_map(&f, ".##..#.#");
	fx_fini(&f);
}

static void test_reserve_then_free_again(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 8 * PG);
	pmm_add_free(&f.p, 0, 8 * PG);
	pmm_reserve(&f.p, 0, 8 * PG);
	expect_map(&f, "########");
	pmm_add_free(&f.p, 3 * PG, 2 * PG);
	expect_map(&f, "###..###");
	fx_fini(&f);
}

/* ------------------------------------------------------------ the top of the space */

static void test_ranges_past_the_top_are_clamped(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 70 * PG);		/* not a multiple of 64 pages */
	pmm_add_free(&f.p, 60 * PG, 1ull << 40);
	assert_int_equal(pmm_free_pages(&f.p), 10);
	check_counts(&f);
	pmm_add_free(&f.p, 1ull << 40, 1ull << 30);	/* wholly above */
	assert_int_equal(pmm_free_pages(&f.p), 10);
	pmm_reserve(&f.p, 69 * PG, 1ull << 40);
	assert_int_equal(pmm_free_pages(&f.p), 9);
	pmm_reserve(&f.p, 1ull << 40, 1ull << 30);	/* wholly above */
	assert_int_equal(pmm_free_pages(&f.p), 9);
	check_counts(&f);
	fx_fini(&f);
}

static void test_partial_last_page(void **state)
{
	struct fixture f;

	(void)state;
	/* top inside page 4: add_free(0, top) only frees whole pages. */
	fx_init(&f, 4 * PG + 100);
	assert_int_equal(f.p.npages, 5);
	pmm_add_free(&f.p, 0, 4 * PG + 100);
	expect_map(&f, "....#");
	pmm_reserve(&f.p, 4 * PG + 99, 1);
	expect_map(&f, "....#");
	fx_fini(&f);
}

static void test_alloc_and_free_at_the_top(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 130 * PG);
	pmm_add_free(&f.p, 128 * PG, 2 * PG);	/* only the last two pages */
	alloc_at(&f, 2, 1, 0, 128 * PG);
	alloc_fails(&f, 1, 1, 0, -ENOMEM);
	free_fails(&f, 129 * PG, 2);		/* runs past the end */
	free_fails(&f, 130 * PG, 1);		/* starts at the end */
	assert_int_equal(pmm_free(&f.p, 129 * PG, 1), 0);
	assert_int_equal(pmm_free(&f.p, 128 * PG, 1), 0);
	check_counts(&f);
	alloc_at(&f, 2, 2, 0, 128 * PG);
	/* The whole space in one allocation. */
	assert_int_equal(pmm_free(&f.p, 128 * PG, 2), 0);
	pmm_add_free(&f.p, 0, 130 * PG);
	alloc_fails(&f, 131, 1, 0, -ENOMEM);
	alloc_at(&f, 130, 1, 0, 0);
	assert_int_equal(pmm_free_pages(&f.p), 0);
	assert_int_equal(pmm_free(&f.p, 0, 130), 0);
	assert_int_equal(pmm_free_pages(&f.p), 130);
	fx_fini(&f);
}

/* ------------------------------------------------------------ wrap-around */

static void test_wraparound(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 16 * PG);
	/* base + len wraps: "to the end of the address space". */
	pmm_add_free(&f.p, 2 * PG, UINT64_MAX);
	expect_map(&f, "##..............");
	pmm_reserve(&f.p, 12 * PG, UINT64_MAX - PG);
	expect_map(&f, "##..........####");
	pmm_reserve(&f.p, 0, UINT64_MAX);
	expect_map(&f, "################");
	pmm_add_free(&f.p, 0, UINT64_MAX);
	expect_map(&f, "................");
	pmm_reserve(&f.p, 0, 16 * PG);

	/* Ranges that start near 2^64: nothing below them changes. */
	pmm_add_free(&f.p, UINT64_MAX, 1);
	pmm_add_free(&f.p, UINT64_MAX, UINT64_MAX);
	pmm_add_free(&f.p, UINT64_MAX - PG, 5 * PG);
	pmm_add_free(&f.p, UINT64_MAX - PG + 2, 5 * PG);
	pmm_add_free(&f.p, UINT64_MAX & ~(PG - 1), PG);
	expect_map(&f, "################");
	pmm_add_free(&f.p, 0, 16 * PG);
	pmm_reserve(&f.p, UINT64_MAX, 1);
	pmm_reserve(&f.p, UINT64_MAX, UINT64_MAX);
	pmm_reserve(&f.p, UINT64_MAX - PG, 5 * PG);
	expect_map(&f, "................");

	/* Frees whose end would wrap. */
	free_fails(&f, 0, UINT64_MAX);
	alloc_at(&f, 4, 1, 0, 0);
	free_fails(&f, 0, UINT64_MAX);
	free_fails(&f, PG, UINT64_MAX - 1);
	free_fails(&f, UINT64_MAX & ~(PG - 1), 1);
	free_fails(&f, UINT64_MAX & ~(PG - 1), 2);
	alloc_fails(&f, UINT64_MAX, 1, 0, -ENOMEM);
	alloc_at(&f, 1, 1, UINT64_MAX, 4 * PG);
	fx_fini(&f);
}

/* ------------------------------------------------------------ allocation */

static void test_alloc_lowest_first(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 16 * PG);
	pmm_add_free(&f.p, 0, 16 * PG);
	alloc_at(&f, 1, 1, 0, 0);
	alloc_at(&f, 1, 1, 0, PG);
	alloc_at(&f, 3, 1, 0, 2 * PG);
	expect_map(&f, "#####...........");
	/* A freed page below the hint is the lowest fit again. */
	assert_int_equal(pmm_free(&f.p, PG, 1), 0);
	alloc_at(&f, 1, 1, 0, PG);
	/* Holes too small are skipped. */
	assert_int_equal(pmm_free(&f.p, 2 * PG, 1), 0);
	assert_int_equal(pmm_free(&f.p, 4 * PG, 1), 0);
	expect_map(&f, "##.#............");
	alloc_at(&f, 2, 1, 0, 4 * PG);
	alloc_at(&f, 1, 1, 0, 6 * PG);		/* after the hint again */
	fx_fini(&f);
}

static void test_alloc_follows_the_hint(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 16 * PG);
	pmm_add_free(&f.p, 4 * PG, 12 * PG);
	alloc_at(&f, 2, 1, 0, 4 * PG);
	/* Pages made available below the hint are used once the search
	 * wraps: "lowest-addressed fit after the hint". */
	pmm_add_free(&f.p, 0, 4 * PG);
	alloc_at(&f, 1, 1, 0, 6 * PG);
	alloc_at(&f, 9, 1, 0, 7 * PG);
	alloc_at(&f, 2, 1, 0, 0);		/* nothing after the hint: wraps */
	alloc_at(&f, 2, 1, 0, 2 * PG);
	alloc_fails(&f, 1, 1, 0, -ENOMEM);
	assert_int_equal(pmm_free_pages(&f.p), 0);
	fx_fini(&f);
}

static void test_alloc_alignment(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 1024 * PG);
	pmm_add_free(&f.p, 0, 1024 * PG);
	alloc_at(&f, 1, 1, 0, 0);
	alloc_at(&f, 1, 4, 0, 4 * PG);
	alloc_at(&f, 2, 2, 0, 6 * PG);
	alloc_at(&f, 1, 512, 0, 512 * PG);	/* a 2 MiB-aligned page */
	alloc_at(&f, 3, 8, 0, 520 * PG);
	alloc_at(&f, 64, 64, 0, 576 * PG);	/* whole bitmap words */
	/* Only page 0 is aligned to 1024 pages here, and it is taken. */
	alloc_fails(&f, 1, 1024, 0, -ENOMEM);
	assert_int_equal(pmm_free(&f.p, 0, 1), 0);
	alloc_at(&f, 1, 1024, 0, 0);
	/* The only 512-aligned starts, 0 and 512, are both taken. */
	alloc_fails(&f, 8, 512, 0, -ENOMEM);
	fx_fini(&f);
}

static void test_alloc_alignment_everywhere(void **state)
{
	struct fixture f;

	(void)state;
	for (uint64_t align = 1; align <= 256; align <<= 1) {
		fx_init(&f, 700 * PG);
		pmm_add_free(&f.p, 3 * PG, 690 * PG);
		for (;;) {
			uint64_t pa, n = 1 + (align % 5);

			if (pmm_alloc(&f.p, n, align, 0, &pa))
				break;
			assert_int_equal(pa % (align * PG), 0);
			assert_true(pa >= 3 * PG && pa + n * PG <= 693 * PG);
		}
		check_counts(&f);
		fx_fini(&f);
	}
}

static void test_alloc_huge_alignment(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 64 * PG);
	pmm_add_free(&f.p, PG, 63 * PG);
	/* Only page 0 is aligned to 2^63 pages, and it is not free. */
	alloc_fails(&f, 1, 1ull << 63, 0, -ENOMEM);
	alloc_at(&f, 1, 1, 0, PG);
	alloc_fails(&f, 1, 1ull << 62, 0, -ENOMEM);
	pmm_add_free(&f.p, 0, PG);
	alloc_at(&f, 1, 1ull << 63, 0, 0);
	fx_fini(&f);
}

static void test_alloc_limit(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 16 * PG);
	pmm_add_free(&f.p, 0, 16 * PG);
	alloc_at(&f, 2, 1, 0, 0);
	/* The run must end at or below the limit. */
	alloc_at(&f, 3, 1, 5 * PG, 2 * PG);
	alloc_fails(&f, 1, 1, 5 * PG, -ENOMEM);
	alloc_fails(&f, 1, 1, 6 * PG - 1, -ENOMEM);	/* rounds down */
	alloc_at(&f, 1, 1, 6 * PG, 5 * PG);
	alloc_fails(&f, 1, 1, PG - 1, -ENOMEM);	/* below one page */
	alloc_fails(&f, 1, 1, 1, -ENOMEM);
	alloc_fails(&f, 3, 4, 10 * PG, -ENOMEM);	/* 8..10 fits 2, not 3 */
	alloc_at(&f, 2, 4, 10 * PG, 8 * PG);
	/* A limit above the covered space is no limit. */
	alloc_at(&f, 6, 1, 1ull << 40, 10 * PG);
	alloc_at(&f, 2, 1, UINT64_MAX, 6 * PG);
	assert_int_equal(pmm_free_pages(&f.p), 0);
	fx_fini(&f);
}

static void test_alloc_limit_below_hint(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 32 * PG);
	pmm_add_free(&f.p, 0, 32 * PG);
	alloc_at(&f, 20, 1, 0, 0);		/* the hint is now 20 */
	assert_int_equal(pmm_free(&f.p, 4 * PG, 2), 0);
	alloc_at(&f, 1, 1, 20 * PG, 4 * PG);
	alloc_at(&f, 1, 1, 6 * PG, 5 * PG);
	alloc_fails(&f, 1, 1, 20 * PG, -ENOMEM);
	fx_fini(&f);
}

static void test_alloc_exhaustion(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 200 * PG);
	pmm_add_free(&f.p, 0, 200 * PG);
	for (uint64_t i = 0; i < 200; i++)
		alloc_at(&f, 1, 1, 0, i * PG);
	alloc_fails(&f, 1, 1, 0, -ENOMEM);
	/* Fragmented: half the pages free, no two adjacent. */
	for (uint64_t i = 0; i < 200; i += 2)
		assert_int_equal(pmm_free(&f.p, i * PG, 1), 0);
	assert_int_equal(pmm_free_pages(&f.p), 100);
	alloc_fails(&f, 2, 1, 0, -ENOMEM);
	alloc_fails(&f, 101, 1, 0, -ENOMEM);
	alloc_at(&f, 1, 128, 0, 0);
	alloc_at(&f, 1, 128, 0, 128 * PG);
	alloc_fails(&f, 1, 128, 0, -ENOMEM);	/* 0, 128 taken; 256 past the end */
	alloc_at(&f, 1, 1, 0, 130 * PG);	/* after the hint */
	alloc_at(&f, 1, 1, 0, 132 * PG);
	fx_fini(&f);
}

/* Page counts so big that "start + count" wraps: no fit, and no read of
 * the bitmap beyond its end (a whole number of words here). */
static void test_alloc_huge_count(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 64 * PG);
	pmm_add_free(&f.p, 0, 64 * PG);
	alloc_at(&f, 1, 1, 0, 0);		/* the hint is 1 */
	alloc_fails(&f, UINT64_MAX, 1, 0, -ENOMEM);
	alloc_fails(&f, UINT64_MAX - 1, 1, 0, -ENOMEM);
	alloc_fails(&f, 1ull << 63, 1, 0, -ENOMEM);
	alloc_fails(&f, 64, 1, 0, -ENOMEM);
	alloc_at(&f, 63, 1, 0, PG);
	fx_fini(&f);
}

static void test_alloc_einval(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 16 * PG);
	pmm_add_free(&f.p, 0, 16 * PG);
	alloc_at(&f, 1, 1, 0, 0);
	alloc_fails(&f, 0, 1, 0, -EINVAL);		/* no pages */
	alloc_fails(&f, 1, 0, 0, -EINVAL);		/* no alignment */
	alloc_fails(&f, 1, 3, 0, -EINVAL);		/* not a power of two */
	alloc_fails(&f, 1, 6, 0, -EINVAL);
	alloc_fails(&f, 1, UINT64_MAX, 0, -EINVAL);
	alloc_fails(&f, 1, (1ull << 63) + 1, 0, -EINVAL);
	alloc_fails(&f, 0, 0, 0, -EINVAL);
	alloc_at(&f, 1, 1, 0, PG);		/* still behaves */
	fx_fini(&f);
}

/* ------------------------------------------------------------ bad frees */

static void test_bad_frees_change_nothing(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 16 * PG);
	pmm_add_free(&f.p, 0, 16 * PG);
	alloc_at(&f, 4, 1, 0, 0);
	alloc_at(&f, 4, 1, 0, 4 * PG);
	assert_int_equal(pmm_free(&f.p, 6 * PG, 2), 0);
	expect_map(&f, "######..........");

	free_fails(&f, 8 * PG, 1);		/* never allocated */
	free_fails(&f, 6 * PG, 1);		/* double free */
	free_fails(&f, 5 * PG, 2);		/* run ending in a free page */
	free_fails(&f, 4 * PG, 4);
	free_fails(&f, 0, 7);			/* only the last page is free */
	free_fails(&f, 1, 1);			/* misaligned */
	free_fails(&f, PG + 8, 1);
	free_fails(&f, PG - 1, 1);
	free_fails(&f, PG, 0);			/* no pages */
	free_fails(&f, 16 * PG, 1);		/* out of range */
	free_fails(&f, 15 * PG, 2);
	free_fails(&f, 1ull << 40, 1);
	free_fails(&f, 0, 17);
	free_fails(&f, 0, UINT64_MAX);
	expect_map(&f, "######..........");

	/* A following allocation still behaves: lowest fit after the hint,
	 * exactly as if the bad calls had not happened. */
	alloc_at(&f, 2, 1, 0, 6 * PG);
	assert_int_equal(pmm_free(&f.p, 0, 8), 0);
	expect_map(&f, "................");
	alloc_at(&f, 16, 1, 0, 0);
	fx_fini(&f);
}

static void test_free_part_of_a_run(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 8 * PG);
	pmm_add_free(&f.p, 0, 8 * PG);
	alloc_at(&f, 8, 1, 0, 0);
	assert_int_equal(pmm_free(&f.p, 2 * PG, 3), 0);
	expect_map(&f, "##...###");
	assert_int_equal(pmm_free(&f.p, 7 * PG, 1), 0);
	expect_map(&f, "##...##.");
	alloc_at(&f, 3, 1, 0, 2 * PG);
	fx_fini(&f);
}

/* ------------------------------------------------------------ randomized soak */

/* xorshift64*: deterministic, so a failure replays. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

#define SOAK_PAGES 1000		/* not a multiple of 64 */
#define SOAK_OPS   30000

struct run {
	uint64_t pg, n;
};

/* The lowest aligned run of n free pages in [from, to), or UINT64_MAX. */
static uint64_t model_fit(const bool *used, uint64_t from, uint64_t to, uint64_t n,
			  uint64_t align)
{
	for (uint64_t pg = from; pg + n <= to; pg++) {
		uint64_t i;

		if (pg % align)
			continue;
		for (i = 0; i < n && !used[pg + i]; i++)
			;
		if (i == n)
			return pg;
	}
	return UINT64_MAX;
}

static void test_soak_against_model(void **state)
{
	struct fixture f;
	bool used[SOAK_PAGES];
	struct run live[SOAK_PAGES];
	unsigned nlive = 0;
	uint64_t nfree = 0;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	fx_init(&f, SOAK_PAGES * PG);
	for (unsigned i = 0; i < SOAK_PAGES; i++)
		used[i] = true;
	/* A few holes that are never available (firmware, kernel image). */
	pmm_add_free(&f.p, 0, SOAK_PAGES * PG);
	pmm_reserve(&f.p, 0, 3 * PG);
	pmm_reserve(&f.p, 300 * PG + 17, 40 * PG);
	pmm_reserve(&f.p, 997 * PG, 3 * PG);
	for (unsigned i = 0; i < SOAK_PAGES; i++) {
		used[i] = i < 3 || (i >= 300 && i <= 340) || i >= 997;
		nfree += !used[i];
	}
	assert_int_equal(pmm_free_pages(&f.p), nfree);

	for (unsigned op = 0; op < SOAK_OPS; op++) {
		unsigned kind = (unsigned)rnd_below(10);

		if (kind < 5) {				/* alloc */
			uint64_t n = rnd_below(8) ? 1 + rnd_below(4) : 1 + rnd_below(70);
			uint64_t align = 1ull << (rnd_below(4) ? 0 : rnd_below(7));
			uint64_t limit = rnd_below(4) ? 0 : rnd_below(SOAK_PAGES * PG + PG);
			uint64_t top = SOAK_PAGES, hint = f.p.hint, want, pa = 0;
			int r;

			if (limit && limit / PG < top)
				top = limit / PG;
			want = model_fit(used, hint < top ? hint : 0, top, n, align);
			if (want == UINT64_MAX)
				want = model_fit(used, 0, top, n, align);
			r = pmm_alloc(&f.p, n, align, limit, &pa);
			if (want == UINT64_MAX) {
				assert_int_equal(r, -ENOMEM);
			} else {
				assert_int_equal(r, 0);
				assert_int_equal(pa, want * PG);
				for (uint64_t i = 0; i < n; i++)
					used[want + i] = true;
				nfree -= n;
				live[nlive++] = (struct run){ want, n };
			}
		} else if (kind < 8 && nlive) {		/* free all or part of a run */
			unsigned k = (unsigned)rnd_below(nlive);
			struct run *l = &live[k];
			uint64_t skip = rnd_below(3) ? 0 : rnd_below(l->n);

			assert_int_equal(pmm_free(&f.p, (l->pg + skip) * PG, l->n - skip), 0);
			for (uint64_t i = skip; i < l->n; i++)
				used[l->pg + i] = false;
			nfree += l->n - skip;
			if (skip)
				l->n = skip;
			else
				*l = live[--nlive];
		} else if (kind < 9) {			/* a free that must fail */
			uint64_t pg = rnd_below(SOAK_PAGES + 8), n = 1 + rnd_below(6);
			bool ok = pg < SOAK_PAGES && pg + n <= SOAK_PAGES;
			struct snapshot s;

			for (uint64_t i = 0; ok && i < n; i++)
				ok = used[pg + i];
			if (ok)
				continue;	/* would be legal (a reserved page...) */
			s = snap(&f);
			assert_int_equal(pmm_free(&f.p, pg * PG + (rnd_below(2) ? 0 : 8), n),
					 -EINVAL);
			unchanged(&f, s);
		} else {				/* misaligned or empty */
			struct snapshot s = snap(&f);

			assert_int_equal(pmm_free(&f.p, rnd_below(SOAK_PAGES) * PG + 1 +
						  rnd_below(PG - 1), 1), -EINVAL);
			assert_int_equal(pmm_free(&f.p, rnd_below(SOAK_PAGES) * PG, 0),
					 -EINVAL);
			unchanged(&f, s);
		}
		assert_int_equal(pmm_free_pages(&f.p), nfree);
		if (op % 512 == 0) {
			for (unsigned i = 0; i < SOAK_PAGES; i++)
				assert_int_equal(page_used(&f, i), used[i]);
			check_counts(&f);
		}
	}
	for (unsigned i = 0; i < SOAK_PAGES; i++)
		assert_int_equal(page_used(&f, i), used[i]);
	check_counts(&f);
	/* Everything back: the pool is as it started. */
	while (nlive) {
		struct run *l = &live[--nlive];

		assert_int_equal(pmm_free(&f.p, l->pg * PG, l->n), 0);
	}
	assert_int_equal(pmm_free_pages(&f.p), SOAK_PAGES - 3 - 41 - 3);
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_bitmap_bytes, teardown),
		cmocka_unit_test_teardown(test_init_everything_unavailable, teardown),
		cmocka_unit_test_teardown(test_init_zero_top, teardown),
		cmocka_unit_test_teardown(test_add_free_rounds_inward, teardown),
		cmocka_unit_test_teardown(test_add_free_twice_counts_once, teardown),
		cmocka_unit_test_teardown(test_reserve_rounds_outward, teardown),
		cmocka_unit_test_teardown(test_reserve_then_free_again, teardown),
		cmocka_unit_test_teardown(test_ranges_past_the_top_are_clamped, teardown),
		cmocka_unit_test_teardown(test_partial_last_page, teardown),
		cmocka_unit_test_teardown(test_alloc_and_free_at_the_top, teardown),
		cmocka_unit_test_teardown(test_wraparound, teardown),
		cmocka_unit_test_teardown(test_alloc_lowest_first, teardown),
		cmocka_unit_test_teardown(test_alloc_follows_the_hint, teardown),
		cmocka_unit_test_teardown(test_alloc_alignment, teardown),
		cmocka_unit_test_teardown(test_alloc_alignment_everywhere, teardown),
		cmocka_unit_test_teardown(test_alloc_huge_alignment, teardown),
		cmocka_unit_test_teardown(test_alloc_limit, teardown),
		cmocka_unit_test_teardown(test_alloc_limit_below_hint, teardown),
		cmocka_unit_test_teardown(test_alloc_exhaustion, teardown),
		cmocka_unit_test_teardown(test_alloc_huge_count, teardown),
		cmocka_unit_test_teardown(test_alloc_einval, teardown),
		cmocka_unit_test_teardown(test_bad_frees_change_nothing, teardown),
		cmocka_unit_test_teardown(test_free_part_of_a_run, teardown),
		cmocka_unit_test_teardown(test_soak_against_model, teardown),
	};

	return cmocka_run_group_tests_name("pmm", tests, NULL, NULL);
}
