/* Physical page allocator: one bit per 4 KiB page below the top of usable
 * memory. Pure logic; the caller provides the bitmap storage and does the
 * locking (kernel/page.c). */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE  4096ull
#define PAGE_SHIFT 12

struct pmm {
	uint64_t *bitmap;	/* 1 = not available */
	uint64_t npages;	/* pages covered: [0, npages * PAGE_SIZE) */
	uint64_t nfree;
	uint64_t hint;		/* where the next search starts */
};

/* Bytes of bitmap needed to cover physical addresses below top. */
size_t pmm_bitmap_bytes(uint64_t top);

/* Starts with every page unavailable. */
void pmm_init(struct pmm *p, void *bitmap, uint64_t top);

/* Makes the whole pages inside [base, base+len) available. */
void pmm_add_free(struct pmm *p, uint64_t base, uint64_t len);

/* Makes every page touching [base, base+len) unavailable, whatever its
 * state (kernel image, modules, firmware tables). */
void pmm_reserve(struct pmm *p, uint64_t base, uint64_t len);

/* Allocates npages contiguous pages aligned to align_pages (a power of
 * two), ending at or below limit (0: no limit). Lowest-addressed fit after
 * the hint. Returns 0 and *pa, -EINVAL (bad npages/align) or -ENOMEM. */
int pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align_pages,
	      uint64_t limit, uint64_t *pa);

/* Returns pages to the pool. -EINVAL, changing nothing, if pa is
 * unaligned, out of range, or any page of the run is already free. */
int pmm_free(struct pmm *p, uint64_t pa, uint64_t npages);

uint64_t pmm_free_pages(const struct pmm *p);

#endif
