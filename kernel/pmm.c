/* Physical page allocator (see pmm.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/pmm.h"

static bool used(const struct pmm *p, uint64_t pg)
{
	return p->bitmap[pg / 64] & (1ull << (pg % 64));
}

static void set_used(struct pmm *p, uint64_t pg)
{
	p->bitmap[pg / 64] |= 1ull << (pg % 64);
}

static void set_free(struct pmm *p, uint64_t pg)
{
	p->bitmap[pg / 64] &= ~(1ull << (pg % 64));
}

size_t pmm_bitmap_bytes(uint64_t top)
{
	uint64_t pages = (top + PAGE_SIZE - 1) / PAGE_SIZE;

	return (size_t)((pages + 63) / 64 * 8);
}

void pmm_init(struct pmm *p, void *bitmap, uint64_t top)
{
	p->bitmap = bitmap;
	p->npages = (top + PAGE_SIZE - 1) / PAGE_SIZE;
	p->nfree = 0;
	p->hint = 0;
	memset(bitmap, 0xff, pmm_bitmap_bytes(top));
}

void pmm_add_free(struct pmm *p, uint64_t base, uint64_t len)
{
	uint64_t first = (base + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t end = base + len < base ? UINT64_MAX : base + len;
	uint64_t last = end / PAGE_SIZE;	/* exclusive */

	if (first < (base / PAGE_SIZE))		/* base rounded past 2^64 */
		return;
	if (last > p->npages)
		last = p->npages;
	for (uint64_t pg = first; pg < last; pg++) {
		if (used(p, pg)) {
			set_free(p, pg);
			p->nfree++;
		}
	}
}

void pmm_reserve(struct pmm *p, uint64_t base, uint64_t len)
{
	uint64_t first = base / PAGE_SIZE;
	uint64_t end = base + len < base ? UINT64_MAX : base + len;
	uint64_t last = (end / PAGE_SIZE) + (end % PAGE_SIZE != 0);

	if (!len)
		return;
	if (last > p->npages)
		last = p->npages;
	for (uint64_t pg = first; pg < last; pg++) {
		if (!used(p, pg)) {
			set_used(p, pg);
			p->nfree--;
		}
	}
}

/* First fit in [from, to) pages; returns the first page or UINT64_MAX. */
static uint64_t search(const struct pmm *p, uint64_t from, uint64_t to,
		       uint64_t n, uint64_t align)
{
	uint64_t pg = (from + align - 1) & ~(align - 1);

	while (pg + n <= to) {
		uint64_t i;

		/* Skip whole used words quickly. */
		if (pg % 64 == 0 && p->bitmap[pg / 64] == ~0ull) {
			pg += 64;
			pg = (pg + align - 1) & ~(align - 1);
			continue;
		}
		for (i = 0; i < n && !used(p, pg + i); i++)
			;
		if (i == n)
			return pg;
		pg = (pg + i + 1 + align - 1) & ~(align - 1);
	}
	return UINT64_MAX;
}

int pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align_pages,
	      uint64_t limit, uint64_t *pa)
{
	uint64_t top = p->npages, pg;

	if (!npages || !align_pages || (align_pages & (align_pages - 1)))
		return -EINVAL;
	if (limit && limit / PAGE_SIZE < top)
		top = limit / PAGE_SIZE;
	if (npages > p->nfree || npages > top)
		return -ENOMEM;

	pg = search(p, p->hint < top ? p->hint : 0, top, npages, align_pages);
	if (pg == UINT64_MAX && p->hint)
		pg = search(p, 0, top, npages, align_pages);
	if (pg == UINT64_MAX)
		return -ENOMEM;
	for (uint64_t i = 0; i < npages; i++)
		set_used(p, pg + i);
	p->nfree -= npages;
	p->hint = pg + npages;
	*pa = pg * PAGE_SIZE;
	return 0;
}

int pmm_free(struct pmm *p, uint64_t pa, uint64_t npages)
{
	uint64_t pg = pa / PAGE_SIZE;

	if ((pa % PAGE_SIZE) || !npages || pg >= p->npages || npages > p->npages - pg)
		return -EINVAL;
	for (uint64_t i = 0; i < npages; i++)
		if (!used(p, pg + i))
			return -EINVAL;
	for (uint64_t i = 0; i < npages; i++)
		set_free(p, pg + i);
	p->nfree += npages;
	if (pg < p->hint)
		p->hint = pg;
	return 0;
}

uint64_t pmm_free_pages(const struct pmm *p)
{
	return p->nfree;
}
