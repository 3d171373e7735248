/* The heap's allocator logic: size-class slabs of one page for objects up
 * to 2 KiB, whole pages for larger ones. Pure logic over a page provider;
 * kernel/heap.c adds the lock and the kmalloc() family. */
#ifndef KERNEL_HEAP_CORE_H
#define KERNEL_HEAP_CORE_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_CLASSES   8		/* 16, 32, ..., 2048 bytes */
#define HEAP_MAX_SMALL 2048
#define HEAP_HDR       64		/* header at the start of every page run */

struct heap_slab;

struct heap_pages {
	/* Returns n zeroed, page-aligned pages, or NULL. */
	void *(*alloc)(void *ctx, size_t n);
	void (*free)(void *ctx, void *p, size_t n);
	void *ctx;
};

struct heap {
	struct heap_pages pages;
	struct heap_slab *partial[HEAP_CLASSES];	/* slabs with a free object */
	uint64_t bytes_in_use;		/* object bytes, by class size */
	uint64_t pages_in_use;
};

void heap_init(struct heap *h, const struct heap_pages *pages);

/* NULL on exhaustion or overflow; size 0 gets a minimal object. */
void *heap_alloc(struct heap *h, size_t size);

/* 0, or -EINVAL when p is not an object this heap handed out and still
 * live (double free, interior or foreign pointer): nothing is changed. The
 * freed bytes are overwritten with HEAP_POISON. */
int heap_free(struct heap *h, void *p);
#define HEAP_POISON 0x6b

/* Returns every empty slab to the page provider. */
void heap_trim(struct heap *h);

/* The usable size of a live object, or 0 if p is not one. */
size_t heap_usable_size(const struct heap *h, const void *p);

#endif
