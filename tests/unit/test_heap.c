/* Unit tests of the heap's allocator logic (kernel/heap_core.c) over a page
 * provider backed by aligned_alloc(4096) that counts pages, checks what
 * comes back and can be told to fail. Freed pages are kept (zeroed, as
 * the kernel's page_free does) until the end of the test, so a stale
 * pointer the heap inspects reads zeroes rather than tripping ASan, and a
 * page is never handed out twice. */
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

#include "kernel/heap_core.h"

#define PG 4096u

/* ------------------------------------------------------------ the provider */

#define MAX_RUNS 16384
#define MAX_RUN_PAGES 4096	/* 16 MiB: anything bigger is "out of memory" */

struct run {
	char *p;
	size_t n;
	bool freed;
};

struct provider {
	struct run runs[MAX_RUNS];
	unsigned nruns;
	uint64_t live_pages;
	uint64_t budget;		/* pages it may still hand out */
	unsigned calls;
	size_t min_request;		/* smallest n ever asked for */
	unsigned bad_frees;		/* of pages it never handed out */
	/* The last run given back: was it all poison / all zero? */
	bool last_all_poison, last_all_zero;
	size_t last_n;
};

static struct provider prov;
static struct heap heap;

static bool all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

static void *prov_alloc(void *ctx, size_t n)
{
	struct provider *pv = ctx;
	char *p;

	assert_ptr_equal(ctx, &prov);
	pv->calls++;
	if (n < pv->min_request)
		pv->min_request = n;
	if (n == 0 || n > MAX_RUN_PAGES || n > pv->budget || pv->nruns == MAX_RUNS)
		return NULL;
	p = aligned_alloc(PG, n * PG);
	assert_non_null(p);
	memset(p, 0, n * PG);
	pv->runs[pv->nruns++] = (struct run){ p, n, false };
	pv->live_pages += n;
	pv->budget -= n;
	return p;
}

static void prov_free(void *ctx, void *p, size_t n)
{
	struct provider *pv = ctx;

	assert_ptr_equal(ctx, &prov);
	for (unsigned i = 0; i < pv->nruns; i++) {
		struct run *r = &pv->runs[i];

		if (r->p != p || r->freed)
			continue;
		if (r->n != n)
			break;
		pv->last_all_poison = all_bytes(p, HEAP_POISON, n * PG);
		pv->last_all_zero = all_bytes(p, 0, n * PG);
		pv->last_n = n;
		memset(p, 0, n * PG);
		r->freed = true;
		pv->live_pages -= n;
		pv->budget += n;
		return;
	}
	pv->bad_frees++;
}

static const struct heap_pages pages = { prov_alloc, prov_free, &prov };

static int setup(void **state)
{
	(void)state;
	memset(&prov, 0, sizeof(prov));
	prov.budget = UINT64_MAX;
	prov.min_request = SIZE_MAX;
	heap_init(&heap, &pages);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < prov.nruns; i++)
		free(prov.runs[i].p);
	prov.nruns = 0;
	return 0;
}

/* The heap's counters agree with the provider; nothing bad came back. */
static void check_pages(void)
{
	assert_int_equal(heap.pages_in_use, prov.live_pages);
	assert_int_equal(prov.bad_frees, 0);
}

/* ------------------------------------------------------------ helpers */

static size_t class_of(size_t size)
{
	size_t c = 16;

	while (c < size)
		c <<= 1;
	return c;
}

/* What heap_alloc(size) should occupy: the class size, or the exact size
 * of a large object. */
static size_t expect_usable(size_t size)
{
	return size > HEAP_MAX_SMALL ? size : class_of(size ? size : 1);
}

static size_t large_pages(size_t size)
{
	return (size + HEAP_HDR + PG - 1) / PG;
}

static void fill(void *p, size_t n, uint32_t seed)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

static bool filled(const void *p, size_t n, uint32_t seed)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)(seed * 31 + i * 7 + (i >> 8)))
			return false;
	return true;
}

/* An allocation that must succeed, be aligned, accounted, and usable. */
static void *alloc_ok(size_t size)
{
	uint64_t bytes = heap.bytes_in_use;
	void *p = heap_alloc(&heap, size);

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	if (size > HEAP_MAX_SMALL)
		assert_int_equal((uintptr_t)p % 64, 0);
	assert_int_equal(heap_usable_size(&heap, p), expect_usable(size));
	assert_int_equal(heap.bytes_in_use, bytes + expect_usable(size));
	check_pages();
	return p;
}

static void free_ok(void *p)
{
	uint64_t bytes = heap.bytes_in_use;
	size_t u = heap_usable_size(&heap, p);

	assert_true(u > 0);
	assert_int_equal(heap_free(&heap, p), 0);
	assert_int_equal(heap.bytes_in_use, bytes - u);
	assert_int_equal(heap_usable_size(&heap, p), 0);
	check_pages();
}

/* A free that must be refused and change nothing: the heap's state, the
 * provider's, and the bytes of the objects given in keep[]. */
static void free_refused(void *p, void *const *keep, const size_t *klen, unsigned nkeep)
{
	struct heap before = heap;
	unsigned calls = prov.calls;
	uint64_t live = prov.live_pages;
	static unsigned char copy[4][6 * PG];	/* static: no leak on failure */

	assert_true(nkeep <= 4);
	for (unsigned i = 0; i < nkeep; i++) {
		assert_true(klen[i] <= sizeof(copy[i]));
		memcpy(copy[i], keep[i], klen[i]);
	}
	assert_int_equal(heap_free(&heap, p), -EINVAL);
	assert_memory_equal(&before, &heap, sizeof(heap));
	assert_int_equal(prov.calls, calls);
	assert_int_equal(prov.live_pages, live);
	assert_int_equal(prov.bad_frees, 0);
	for (unsigned i = 0; i < nkeep; i++)
		assert_memory_equal(copy[i], keep[i], klen[i]);
}

/* ------------------------------------------------------------ sizes */

static const size_t small_sizes[] = {
	0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257,
	511, 512, 513, 1023, 1024, 1025, 2047, 2048,
};

static void test_every_class_boundary(void **state)
{
	void *p[sizeof(small_sizes) / sizeof(small_sizes[0])];
	const unsigned n = sizeof(small_sizes) / sizeof(small_sizes[0]);

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		p[i] = alloc_ok(small_sizes[i]);
		fill(p[i], expect_usable(small_sizes[i]), i);
	}
	assert_int_equal(heap_usable_size(&heap, p[0]), 16);	/* size 0 */
	assert_int_equal(heap_usable_size(&heap, p[1]), 16);
	assert_int_equal(heap_usable_size(&heap, p[4]), 32);	/* 17 */
	assert_int_equal(heap_usable_size(&heap, p[n - 2]), 2048);	/* 2047 */
	assert_int_equal(heap_usable_size(&heap, p[n - 1]), 2048);
	/* Per class, as many slab pages as its objects need: three
	 * sizes a class, three 1 KiB objects fit a page, one of 2 KiB. */
	assert_int_equal(prov.live_pages, HEAP_CLASSES - 1 + 3);
	for (unsigned i = 0; i < n; i++)
		assert_true(filled(p[i], expect_usable(small_sizes[i]), i));
	for (unsigned i = 0; i < n; i++)
		free_ok(p[i]);
	assert_int_equal(heap.bytes_in_use, 0);
}

static void test_large_sizes(void **state)
{
	static const size_t sizes[] = {
		2049, 3000, PG - HEAP_HDR, PG - HEAP_HDR + 1, PG, 2 * PG - HEAP_HDR,
		2 * PG, 10000, 1u << 20, (1u << 20) + 1,
	};
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	const unsigned n = sizeof(sizes) / sizeof(sizes[0]);
	uint64_t pages = 0;

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		uint64_t before = prov.live_pages;

		p[i] = alloc_ok(sizes[i]);
		/* The header and the object share the fewest whole pages. */
		assert_int_equal(prov.live_pages - before, large_pages(sizes[i]));
		assert_int_equal((uintptr_t)p[i] % PG, HEAP_HDR);
		pages += large_pages(sizes[i]);
		fill(p[i], sizes[i], i);	/* ASan: all of it is ours */
	}
	assert_int_equal(large_pages(PG - HEAP_HDR), 1);
	assert_int_equal(large_pages(PG - HEAP_HDR + 1), 2);
	assert_int_equal(heap.pages_in_use, pages);
	for (unsigned i = 0; i < n; i++) {
		uint64_t before = prov.live_pages;

		assert_true(filled(p[i], sizes[i], i));
		free_ok(p[i]);
		/* The pages went straight back, poisoned. */
		assert_int_equal(before - prov.live_pages, large_pages(sizes[i]));
		assert_int_equal(prov.last_n, large_pages(sizes[i]));
		assert_true(prov.last_all_poison);
	}
	assert_int_equal(prov.live_pages, 0);
	assert_int_equal(heap.bytes_in_use, 0);
}

static void test_size_overflow(void **state)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - 10, SIZE_MAX - HEAP_HDR, SIZE_MAX - HEAP_HDR - PG + 2,
		SIZE_MAX - PG, SIZE_MAX / 2, (SIZE_MAX / PG) * PG,
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		prov.calls = 0;
		prov.min_request = SIZE_MAX;
		assert_null(heap_alloc(&heap, sizes[i]));
		/* If the provider was asked at all, it was for enough pages:
		 * a page count that wrapped would have come out small. */
		if (prov.calls)
			assert_true(prov.min_request >= sizes[i] / PG);
	}
	assert_int_equal(prov.live_pages, 0);
	assert_int_equal(heap.bytes_in_use, 0);
	assert_int_equal(heap.pages_in_use, 0);
	/* The biggest size the header arithmetic allows still asks for
	 * the right number of pages. */
	prov.calls = 0;
	prov.min_request = SIZE_MAX;
	assert_null(heap_alloc(&heap, SIZE_MAX - HEAP_HDR - PG));
	assert_int_equal(prov.calls, 1);
	assert_true(prov.min_request >= (SIZE_MAX - HEAP_HDR - PG) / PG);
	alloc_ok(100);
}

/* ------------------------------------------------------------ layout */

static void test_slab_capacity(void **state)
{
	(void)state;
	for (unsigned c = 0; c < HEAP_CLASSES; c++) {
		size_t cs = (size_t)16 << c, nobj = (PG - HEAP_HDR) / cs;
		uint64_t before = prov.live_pages;
		char *first = NULL;

		/* nobj objects share one page, in order, after the header. */
		for (size_t i = 0; i < nobj; i++) {
			char *p = alloc_ok(cs);

			if (!first)
				first = p;
			assert_ptr_equal(p, first + i * cs);
			assert_int_equal((uintptr_t)first % PG, HEAP_HDR);
		}
		assert_int_equal(prov.live_pages, before + 1);
		alloc_ok(cs);			/* the next one needs a page */
		assert_int_equal(prov.live_pages, before + 2);
	}
}

static void test_no_overlap(void **state)
{
	enum { N = 600 };
	static void *p[N];
	static size_t len[N];
	uint64_t seed = 12345;

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		len[i] = (seed >> 33) % (i % 7 ? 300 : 6000);
		p[i] = alloc_ok(len[i]);
		len[i] = heap_usable_size(&heap, p[i]);
		fill(p[i], len[i], i);
	}
	for (unsigned i = 0; i < N; i++)
		assert_true(filled(p[i], len[i], i));
	/* Pairwise disjoint. */
	for (unsigned i = 0; i < N; i++)
		for (unsigned j = i + 1; j < N; j++) {
			uintptr_t a = (uintptr_t)p[i], b = (uintptr_t)p[j];

			assert_true(a + len[i] <= b || b + len[j] <= a);
		}
	for (unsigned i = 0; i < N; i += 2)
		free_ok(p[i]);
	for (unsigned i = 1; i < N; i += 2)
		assert_true(filled(p[i], len[i], i));
	for (unsigned i = 1; i < N; i += 2)
		free_ok(p[i]);
	assert_int_equal(heap.bytes_in_use, 0);
}

/* ------------------------------------------------------------ freeing */

static void test_poison_after_free(void **state)
{
	(void)state;
	for (unsigned c = 0; c < HEAP_CLASSES - 1; c++) {
		size_t cs = (size_t)16 << c;
		char *a = alloc_ok(cs), *b = alloc_ok(cs);

		memset(a, 0x11, cs);
		memset(b, 0x22, cs);
		free_ok(a);
		/* The slab is still live (b): the object's bytes are readable
		 * and every one of them is poison; b is untouched. */
		assert_true(all_bytes(a, HEAP_POISON, cs));
		assert_true(all_bytes(b, 0x22, cs));
		free_ok(b);
		/* The class's only slab stays, so b is readable too. */
		assert_true(all_bytes(b, HEAP_POISON, cs));
	}
	/* 2 KiB: one object a slab. */
	char *a = alloc_ok(2048);

	memset(a, 0x33, 2048);
	free_ok(a);
	assert_true(all_bytes(a, HEAP_POISON, 2048));
	/* Large: the provider gets poisoned pages. */
	a = alloc_ok(3 * PG);
	memset(a, 0x44, 3 * PG);
	free_ok(a);
	assert_true(prov.last_all_poison);
	assert_int_equal(prov.last_n, 4);
}

static void test_empty_slabs_go_back(void **state)
{
	enum { PER = (PG - HEAP_HDR) / 16 };	/* 252 objects of 16 bytes */
	static void *p[3 * PER];

	(void)state;
	for (unsigned i = 0; i < 3 * PER; i++)
		p[i] = alloc_ok(16);
	assert_int_equal(prov.live_pages, 3);
	/* The first slab to empty is the only one with room: it stays. */
	for (unsigned i = 0; i < PER; i++)
		free_ok(p[i]);
	assert_int_equal(prov.live_pages, 3);
	/* The next one to empty is not: it goes back, zeroed. */
	for (unsigned i = PER; i < 2 * PER; i++)
		free_ok(p[i]);
	assert_int_equal(prov.live_pages, 2);
	assert_int_equal(prov.last_n, 1);
	assert_true(prov.last_all_zero);
	for (unsigned i = 2 * PER; i < 3 * PER; i++)
		free_ok(p[i]);
	/* One empty slab per class may stay, no more. */
	assert_int_equal(prov.live_pages, 1);
	assert_int_equal(heap.bytes_in_use, 0);
	/* And it is used again before a new page is asked for. */
	unsigned calls = prov.calls;

	for (unsigned i = 0; i < PER; i++)
		p[i] = alloc_ok(1);
	assert_int_equal(prov.calls, calls);
	assert_int_equal(prov.live_pages, 1);
}

static void test_pages_go_down_every_class(void **state)
{
	static void *p[HEAP_CLASSES][600];
	unsigned cnt[HEAP_CLASSES];

	(void)state;
	for (unsigned c = 0; c < HEAP_CLASSES; c++) {
		size_t cs = (size_t)16 << c, nobj = (PG - HEAP_HDR) / cs;

		cnt[c] = (unsigned)(nobj * 2 + 1);	/* three slabs */
		for (unsigned i = 0; i < cnt[c]; i++)
			p[c][i] = alloc_ok(cs - 1);
	}
	assert_int_equal(prov.live_pages, 3 * HEAP_CLASSES);
	/* Free in an interleaved order. */
	for (unsigned pass = 0; pass < 3; pass++)
		for (unsigned c = 0; c < HEAP_CLASSES; c++)
			for (unsigned i = pass; i < cnt[c]; i += 3)
				free_ok(p[c][i]);
	assert_true(prov.live_pages <= HEAP_CLASSES);
	assert_int_equal(heap.bytes_in_use, 0);
}

static void test_double_free(void **state)
{
	char *a, *b, *big;
	void *keep[2];
	size_t klen[2] = { 64, 64 };

	(void)state;
	a = alloc_ok(64);
	b = alloc_ok(64);
	memset(b, 0x5b, 64);
	free_ok(a);
	keep[0] = a;	/* poison stays poison */
	keep[1] = b;
	free_refused(a, keep, klen, 2);
	free_refused(a, keep, klen, 2);
	/* Large: its pages went back to the provider (zeroed there). */
	big = alloc_ok(5 * PG);
	free_ok(big);
	free_refused(big, keep, klen, 2);
	/* A slab page that went back. */
	void *x[2 * ((PG - HEAP_HDR) / 512)];
	const unsigned nx = sizeof(x) / sizeof(x[0]);

	for (unsigned i = 0; i < nx; i++)
		x[i] = alloc_ok(512);
	for (unsigned i = 0; i < nx; i++)
		free_ok(x[i]);
	for (unsigned i = 0; i < nx; i++)
		free_refused(x[i], keep, klen, 2);
	/* Everything still works. */
	char *c = alloc_ok(64);

	assert_true(c != b);
	assert_true(all_bytes(b, 0x5b, 64));
}

static void test_interior_pointers(void **state)
{
	char *a, *b, *big, *m;
	void *keep[3];
	size_t klen[3] = { 64, 64, 5 * PG };

	(void)state;
	a = alloc_ok(64);
	b = alloc_ok(64);
	big = alloc_ok(5 * PG);
	m = alloc_ok(1024);
	fill(a, 64, 1);
	fill(b, 64, 2);
	fill(big, 5 * PG, 3);
	keep[0] = a;
	keep[1] = b;
	keep[2] = big;
	free_refused(a + 1, keep, klen, 3);
	free_refused(a + 16, keep, klen, 3);	/* inside, on a 16-byte step */
	free_refused(a + 63, keep, klen, 3);
	free_refused(b - 1, keep, klen, 3);
	free_refused(a + 128, keep, klen, 3);	/* the next slot, not handed out */
	free_refused(a - HEAP_HDR, keep, klen, 3);	/* the slab header */
	free_refused(a - 8, keep, klen, 3);
	/* Past the last object of a slab (3 of 1 KiB leave a tail). */
	free_refused(m - ((uintptr_t)m % PG) + HEAP_HDR + 3 * 1024, keep, klen, 3);
	free_refused(big + 1, keep, klen, 3);
	free_refused(big + 16, keep, klen, 3);
	free_refused(big - HEAP_HDR, keep, klen, 3);	/* the large header */
	free_refused(big + PG, keep, klen, 3);	/* second page, +64 */
	free_refused(big + PG - HEAP_HDR, keep, klen, 3);	/* second page, +0 */
	free_refused(big + 4 * PG, keep, klen, 3);
	free_refused(NULL, keep, klen, 3);
	assert_int_equal(heap_usable_size(&heap, a + 1), 0);
	assert_int_equal(heap_usable_size(&heap, big + PG), 0);
	assert_int_equal(heap_usable_size(&heap, NULL), 0);
	free_ok(a);
	free_ok(b);
	free_ok(big);
	free_ok(m);
}

/* A page aligned like the heap's own, filled with non-header bytes. */
static char foreign_static[2 * PG] __attribute__((aligned(4096)));

static void test_foreign_pointers(void **state)
{
	char *f = aligned_alloc(PG, 2 * PG);
	char *a;
	void *keep[1];
	size_t klen[1] = { 32 };

	(void)state;
	assert_non_null(f);
	memset(f, 0x5a, 2 * PG);
	a = alloc_ok(32);
	fill(a, 32, 9);
	keep[0] = a;
	free_refused(f + HEAP_HDR, keep, klen, 1);
	free_refused(f + PG + HEAP_HDR, keep, klen, 1);
	free_refused(f + 128, keep, klen, 1);
	free_refused(f, keep, klen, 1);
	memset(f, 0, 2 * PG);
	free_refused(f + HEAP_HDR, keep, klen, 1);
	free_refused(foreign_static + HEAP_HDR, keep, klen, 1);
	free_refused(foreign_static + PG + 256, keep, klen, 1);
	assert_int_equal(heap_usable_size(&heap, f + HEAP_HDR), 0);
	free(f);
	free_ok(a);
}

/* Interior pointers into a large object whose data happens to look like a
 * page-run header (a packet, a guest image...) must still be refused:
 * nothing the heap did not hand out may be freed. The header bytes are
 * copied from real objects, so the test knows nothing of the heap's
 * private layout. */
static void test_interior_pointer_into_large_header_like_data(void **state)
{
	char *big, *one;
	void *keep[1];
	size_t klen[1] = { 3 * PG };

	(void)state;
	one = alloc_ok(PG - HEAP_HDR);	/* a one-page large object */
	big = alloc_ok(3 * PG);
	fill(big, 3 * PG, 4);
	/* Page 2 of big starts with a copy of one's header. */
	memcpy(big + PG - HEAP_HDR, one - HEAP_HDR, HEAP_HDR);
	keep[0] = big;
	assert_int_equal(heap_usable_size(&heap, big + PG), 0);
	free_refused(big + PG, keep, klen, 1);
	free_ok(big);
	free_ok(one);
}

static void test_interior_pointer_into_slab_header_like_data(void **state)
{
	char *big, *small;
	void *keep[1];
	size_t klen[1] = { 3 * PG };

	(void)state;
	small = alloc_ok(16);		/* a slab with one live object */
	big = alloc_ok(3 * PG);
	fill(big, 3 * PG, 5);
	/* Page 3 of big starts with a copy of the slab's header. */
	memcpy(big + 2 * PG - HEAP_HDR, small - HEAP_HDR, HEAP_HDR);
	keep[0] = big;
	assert_int_equal(heap_usable_size(&heap, big + 2 * PG), 0);
	free_refused(big + 2 * PG, keep, klen, 1);
	free_ok(big);
	free_ok(small);
}

/* ------------------------------------------------------------ the provider fails */

static void test_provider_failure(void **state)
{
	enum { PER = (PG - HEAP_HDR) / 32 };
	void *p[PER];

	(void)state;
	prov.budget = 0;
	assert_null(heap_alloc(&heap, 0));
	assert_null(heap_alloc(&heap, 16));
	assert_null(heap_alloc(&heap, 2048));
	assert_null(heap_alloc(&heap, 2049));
	assert_null(heap_alloc(&heap, 1u << 20));
	assert_int_equal(heap.bytes_in_use, 0);
	assert_int_equal(heap.pages_in_use, 0);
	for (unsigned c = 0; c < HEAP_CLASSES; c++)
		assert_null(heap.partial[c]);

	/* One page: one slab of 32-byte objects, and then nothing. */
	prov.budget = 1;
	for (unsigned i = 0; i < PER; i++)
		p[i] = alloc_ok(32);
	uint64_t bytes = heap.bytes_in_use;

	assert_null(heap_alloc(&heap, 32));
	assert_null(heap_alloc(&heap, 16));
	assert_null(heap_alloc(&heap, 5000));
	assert_int_equal(heap.bytes_in_use, bytes);
	check_pages();
	/* A freed slot is found without the provider. */
	free_ok(p[7]);
	void *q = alloc_ok(20);

	assert_ptr_equal(q, p[7]);
	/* A large allocation needing more than the budget fails cleanly. */
	free_ok(q);
	prov.budget = 2;
	assert_null(heap_alloc(&heap, 2 * PG));		/* 3 pages */
	void *r = alloc_ok(2 * PG - HEAP_HDR);		/* 2 pages */

	assert_null(heap_alloc(&heap, 1));
	free_ok(r);
	for (unsigned i = 0; i < PER; i++)
		if (i != 7)
			free_ok(p[i]);
	assert_int_equal(heap.bytes_in_use, 0);
}

/* ------------------------------------------------------------ randomized soak */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

struct obj {
	char *p;
	size_t size, usable;
	uint32_t seed;
};

static void test_soak_against_model(void **state)
{
	enum { MAXLIVE = 700, OPS = 12000 };
	static struct obj live[MAXLIVE];
	static char *dead[256];		/* freed pointers, for double frees */
	unsigned nlive = 0, ndead = 0;
	uint64_t bytes = 0;

	(void)state;
	rng_state = 0x0123456789abcdefull;
	for (unsigned op = 0; op < OPS; op++) {
		unsigned k = (unsigned)(rnd() % 16);

		if (k < 8 && nlive < MAXLIVE) {
			size_t size;
			unsigned pick = (unsigned)(rnd() % 20);

			if (pick < 12)
				size = rnd() % 300;
			else if (pick < 17)
				size = small_sizes[rnd() % (sizeof(small_sizes) /
							    sizeof(small_sizes[0]))];
			else
				size = 2049 + rnd() % (3 * PG);
			/* An occasional provider failure. */
			bool fail = rnd() % 50 == 0;

			if (fail) {
				struct heap before = heap;
				uint64_t b = prov.budget;

				prov.budget = 0;
				void *p = heap_alloc(&heap, size);

				prov.budget = b;
				if (!p) {
					assert_memory_equal(&before, &heap, sizeof(heap));
					continue;
				}
				/* There was room in a partial slab. */
				assert_true(size <= HEAP_MAX_SMALL);
				assert_int_equal(heap.bytes_in_use, bytes + expect_usable(size));
				free_ok(p);
				continue;
			}
			struct obj *o = &live[nlive++];

			o->p = alloc_ok(size);
			o->size = size;
			o->usable = expect_usable(size);
			o->seed = (uint32_t)rnd();
			fill(o->p, o->usable, o->seed);
			bytes += o->usable;
		} else if (k < 14 && nlive) {
			unsigned i = (unsigned)(rnd() % nlive);
			struct obj *o = &live[i];

			assert_true(filled(o->p, o->usable, o->seed));
			free_ok(o->p);
			bytes -= o->usable;
			if (o->size <= HEAP_MAX_SMALL)
				dead[ndead++ % 256] = o->p;
			*o = live[--nlive];
		} else if (k < 15 && ndead) {
			char *d = dead[rnd() % (ndead < 256 ? ndead : 256)];
			bool reused = false;

			for (unsigned i = 0; i < nlive && !reused; i++)
				reused = live[i].p == d;
			if (!reused)
				assert_int_equal(heap_free(&heap, d), -EINVAL);
		} else if (nlive) {
			struct obj *o = &live[rnd() % nlive];

			assert_int_equal(heap_free(&heap, o->p + 1 + rnd() % 15), -EINVAL);
		}
		assert_int_equal(heap.bytes_in_use, bytes);
		check_pages();
	}
	for (unsigned i = 0; i < nlive; i++)
		assert_true(filled(live[i].p, live[i].usable, live[i].seed));
	while (nlive)
		free_ok(live[--nlive].p);
	assert_int_equal(heap.bytes_in_use, 0);
	assert_true(prov.live_pages <= HEAP_CLASSES);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_every_class_boundary),
		T(test_large_sizes),
		T(test_size_overflow),
		T(test_slab_capacity),
		T(test_no_overlap),
		T(test_poison_after_free),
		T(test_empty_slabs_go_back),
		T(test_pages_go_down_every_class),
		T(test_double_free),
		T(test_interior_pointers),
		T(test_foreign_pointers),
		T(test_interior_pointer_into_large_header_like_data),
		T(test_interior_pointer_into_slab_header_like_data),
		T(test_provider_failure),
		T(test_soak_against_model),
	};

	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
