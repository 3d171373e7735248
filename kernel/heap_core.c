/* Slab-and-pages heap (see heap_core.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/heap_core.h"

#define PG 4096u
/* Header magics are bound to the header's own address, so that a copy of
 * a header inside an object's data (which a guest or the network may
 * control) never passes for a real one at another page. */
#define SLAB_MAGIC  0x51ab51abu
#define LARGE_MAGIC 0x1a59e0b5u
#define MAGIC(m, base) ((uint32_t)((m) ^ ((uint64_t)(base) >> 12) ^ ((uint64_t)(base) >> 44)))

struct heap_slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t nfree;
	uint16_t nobj;
	uint16_t on_partial;
	struct heap_slab *next, *prev;
	uint64_t live[4];		/* bit per object: allocated */
};

struct heap_large {
	uint32_t magic;
	uint32_t reserved;
	uint64_t npages;
	uint64_t size;
};

_Static_assert(sizeof(struct heap_slab) <= HEAP_HDR, "slab header fits");
_Static_assert(sizeof(struct heap_large) <= HEAP_HDR, "large header fits");
_Static_assert((PG - HEAP_HDR) / 16 <= 256, "live bitmap covers class 0");

static size_t class_size(unsigned c)
{
	return (size_t)16 << c;
}

static unsigned size_class(size_t size)
{
	unsigned c = 0;

	while (class_size(c) < size)
		c++;
	return c;
}

void heap_init(struct heap *h, const struct heap_pages *pages)
{
	memset(h, 0, sizeof(*h));
	h->pages = *pages;
}

static void partial_add(struct heap *h, struct heap_slab *s)
{
	s->prev = NULL;
	s->next = h->partial[s->cls];
	if (s->next)
		s->next->prev = s;
	h->partial[s->cls] = s;
	s->on_partial = 1;
}

static void partial_del(struct heap *h, struct heap_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		h->partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->on_partial = 0;
}

static void *alloc_large(struct heap *h, size_t size)
{
	struct heap_large *l;
	size_t n;

	if (size > SIZE_MAX - HEAP_HDR - PG)
		return NULL;
	n = (size + HEAP_HDR + PG - 1) / PG;
	l = h->pages.alloc(h->pages.ctx, n);
	if (!l)
		return NULL;
	l->magic = MAGIC(LARGE_MAGIC, l);
	l->npages = n;
	l->size = size;
	h->pages_in_use += n;
	h->bytes_in_use += size;
	return (char *)l + HEAP_HDR;
}

void *heap_alloc(struct heap *h, size_t size)
{
	struct heap_slab *s;
	unsigned c, i;

	if (size > HEAP_MAX_SMALL)
		return alloc_large(h, size);
	c = size_class(size ? size : 1);
	s = h->partial[c];
	if (!s) {
		s = h->pages.alloc(h->pages.ctx, 1);
		if (!s)
			return NULL;
		s->magic = MAGIC(SLAB_MAGIC, s);
		s->cls = (uint16_t)c;
		s->nobj = (uint16_t)((PG - HEAP_HDR) / class_size(c));
		s->nfree = s->nobj;
		h->pages_in_use++;
		partial_add(h, s);
	}
	for (i = 0; i < s->nobj; i++)
		if (!(s->live[i / 64] & (1ull << (i % 64))))
			break;
	s->live[i / 64] |= 1ull << (i % 64);
	if (--s->nfree == 0)
		partial_del(h, s);
	h->bytes_in_use += class_size(c);
	return (char *)s + HEAP_HDR + i * class_size(c);
}

/* Finds the live object p; returns its slab (and index) or large header. */
static bool lookup(const struct heap *h, const void *p, struct heap_slab **sp,
		   unsigned *idx, struct heap_large **lp)
{
	uintptr_t base = (uintptr_t)p & ~(uintptr_t)(PG - 1);
	size_t off = (uintptr_t)p - base;

	(void)h;
	*sp = NULL;
	*lp = NULL;
	if (!p || off < HEAP_HDR)
		return false;
	if (*(const uint32_t *)base == MAGIC(LARGE_MAGIC, base)) {
		if (off != HEAP_HDR)
			return false;
		*lp = (struct heap_large *)base;
		return true;
	}
	if (*(const uint32_t *)base == MAGIC(SLAB_MAGIC, base)) {
		struct heap_slab *s = (struct heap_slab *)base;
		size_t cs;

		if (s->cls >= HEAP_CLASSES)
			return false;
		cs = class_size(s->cls);
		if ((off - HEAP_HDR) % cs || (off - HEAP_HDR) / cs >= s->nobj)
			return false;
		*idx = (unsigned)((off - HEAP_HDR) / cs);
		if (!(s->live[*idx / 64] & (1ull << (*idx % 64))))
			return false;
		*sp = s;
		return true;
	}
	return false;
}

int heap_free(struct heap *h, void *p)
{
	struct heap_slab *s;
	struct heap_large *l;
	unsigned i = 0;

	if (!lookup(h, p, &s, &i, &l))
		return -EINVAL;
	if (l) {
		size_t n = l->npages;

		h->bytes_in_use -= l->size;
		h->pages_in_use -= n;
		memset(l, HEAP_POISON, n * PG);
		h->pages.free(h->pages.ctx, l, n);
		return 0;
	}
	memset(p, HEAP_POISON, class_size(s->cls));
	s->live[i / 64] &= ~(1ull << (i % 64));
	h->bytes_in_use -= class_size(s->cls);
	s->nfree++;
	if (!s->on_partial)
		partial_add(h, s);
	/* An empty slab goes back unless it is the class's only one. */
	if (s->nfree == s->nobj && (s->next || s->prev)) {
		partial_del(h, s);
		h->pages_in_use--;
		memset(s, 0, PG);
		h->pages.free(h->pages.ctx, s, 1);
	}
	return 0;
}

size_t heap_usable_size(const struct heap *h, const void *p)
{
	struct heap_slab *s;
	struct heap_large *l;
	unsigned i;

	if (!lookup(h, p, &s, &i, &l))
		return 0;
	return l ? l->size : class_size(s->cls);
}

void heap_trim(struct heap *h)
{
	for (unsigned c = 0; c < HEAP_CLASSES; c++) {
		struct heap_slab *s = h->partial[c];

		while (s) {
			struct heap_slab *next = s->next;

			if (s->nfree == s->nobj) {
				partial_del(h, s);
				h->pages_in_use--;
				memset(s, 0, PG);
				h->pages.free(h->pages.ctx, s, 1);
			}
			s = next;
		}
	}
}
