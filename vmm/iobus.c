/* Port and MMIO buses (see iobus.h). */
#include <errno.h>
#include <stddef.h>
#include "vmm/iobus.h"

int iobus_register(struct iobus *b, uint64_t base, uint64_t len, const struct io_dev *d)
{
	if (!len || base + len < base)
		return -EINVAL;
	if (b->n >= IOBUS_MAX)
		return -ENOSPC;
	for (unsigned i = 0; i < b->n; i++)
		if (base < b->r[i].base + b->r[i].len && b->r[i].base < base + len)
			return -EEXIST;
	b->r[b->n].base = base;
	b->r[b->n].len = len;
	b->r[b->n].dev = *d;
	b->n++;
	return 0;
}

const struct io_range *iobus_find(const struct iobus *b, uint64_t addr, unsigned size)
{
	for (unsigned i = 0; i < b->n; i++) {
		const struct io_range *r = &b->r[i];

		if (addr >= r->base && addr - r->base < r->len &&
		    size <= r->len - (addr - r->base))
			return r;
	}
	return NULL;
}
