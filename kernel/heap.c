/* kmalloc() and friends: heap_core under a lock, pages from the page
 * allocator through the direct map. */
#include <stdint.h>
#include <string.h>
#include "kernel/heap.h"
#include "kernel/heap_core.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

static struct heap heap;
static struct spinlock heap_lock = SPINLOCK_INIT;
static int heap_ready;

static void *pages_alloc(void *ctx, size_t n)
{
	uint64_t pa;

	(void)ctx;
	return page_alloc(n, &pa) ? NULL : phys_to_virt(pa);
}

static void pages_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	page_free(virt_to_phys(p), n);
}

void heap_setup(void);
void heap_setup(void)
{
	static const struct heap_pages ops = { pages_alloc, pages_free, NULL };

	heap_init(&heap, &ops);
	heap_ready = 1;
}

void *kmalloc(size_t size)
{
	uint64_t f;
	void *p;

	ASSERT(heap_ready);
	f = spin_lock_irqsave(&heap_lock);
	p = heap_alloc(&heap, size);
	spin_unlock_irqrestore(&heap_lock, f);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void *krealloc(void *old, size_t size)
{
	size_t have;
	uint64_t f;
	void *p;

	if (!old)
		return kmalloc(size);
	f = spin_lock_irqsave(&heap_lock);
	have = heap_usable_size(&heap, old);
	spin_unlock_irqrestore(&heap_lock, f);
	ASSERT(have);
	if (size <= have)
		return old;
	p = kmalloc(size);
	if (!p)
		return NULL;
	memcpy(p, old, have);
	kfree(old);
	return p;
}

void kfree(void *p)
{
	uint64_t f;
	int r;

	if (!p)
		return;
	f = spin_lock_irqsave(&heap_lock);
	r = heap_free(&heap, p);
	spin_unlock_irqrestore(&heap_lock, f);
	if (r)
		panic("kfree: %p is not a live heap object (double free?)", p);
}

void kheap_trim(void)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);

	heap_trim(&heap);
	spin_unlock_irqrestore(&heap_lock, f);
}
