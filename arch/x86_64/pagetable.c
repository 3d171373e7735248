/* 4-level page-table builder (see pagetable.h). */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/pagetable.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

static unsigned idx(uint64_t va, int level)	/* level 3 = PML4 ... 0 = PT */
{
	return (va >> (12 + 9 * level)) & 511;
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static bool present(const struct pt_ops *o, uint64_t e)
{
	return o->ept ? (e & (EPT_R | EPT_W | EPT_X)) : (e & PTE_P);
}

static uint64_t leaf_bits(const struct pt_ops *o, unsigned prot, bool large)
{
	uint64_t b = PTE_P | PTE_A | PTE_D;

	if (o->ept) {
		/* Guest memory is write-back; the guest's own PAT applies on
		 * top (IPAT clear), as for any RAM. */
		b = EPT_R | EPT_WB | (large ? EPT_PS : 0);
		if (prot & PT_W)
			b |= EPT_W;
		if (prot & PT_X)
			b |= EPT_X;
		return b;
	}
	if (o->user)
		b |= PTE_U;

	if (prot & PT_W)
		b |= PTE_W;
	if (!(prot & PT_X) && o->nx)
		b |= PTE_NX;
	if (prot & PT_UC)
		b |= PTE_PCD | PTE_PWT;
	if (prot & PT_G)
		b |= PTE_G;
	if (large)
		b |= PTE_PS;
	return b;
}

/* Intermediate entries are permissive; the leaf decides (SDM 4.6). */
static uint64_t table_bits(const struct pt_ops *o)
{
	if (o->ept)
		return EPT_R | EPT_W | EPT_X;
	return PTE_P | PTE_W | PTE_A | (o->user ? PTE_U : 0);
}

static uint64_t *next_table(const struct pt_ops *o, uint64_t *e, bool create)
{
	uint64_t pa;
	void *t;

	if (present(o, *e)) {
		if (*e & PTE_PS)
			return NULL;
		return o->p2v(o->ctx, *e & PTE_ADDR);
	}
	if (!create)
		return NULL;
	t = o->alloc(o->ctx, &pa);
	if (!t)
		return NULL;
	*e = pa | table_bits(o);
	return t;
}

/* Replaces a large leaf with a table of smaller leaves, same frames. */
static int split(const struct pt_ops *o, uint64_t *e, int level)
{
	uint64_t old = *e, pa, base, sub = level == 2 ? SZ_2M : SZ_4K;
	uint64_t *t;

	t = o->alloc(o->ctx, &pa);
	if (!t)
		return -ENOMEM;
	base = old & PTE_ADDR & ~(level == 2 ? SZ_1G - 1 : SZ_2M - 1);
	for (int i = 0; i < 512; i++) {
		uint64_t bits = old & ~PTE_ADDR;

		if (level == 1)
			bits &= ~PTE_PS;	/* 4 KiB leaves have no PS */
		t[i] = (base + i * sub) | bits;
	}
	*e = pa | table_bits(o);
	return 0;
}

int pt_map(const struct pt_ops *o, uint64_t *root, uint64_t va, uint64_t pa,
	   uint64_t len, unsigned prot)
{
	if ((va | pa | len) & (SZ_4K - 1) || !canonical(va) ||
	    va + len < va || (len && !canonical(va + len - 1)) ||
	    (pa + len) > (1ull << 52))
		return -EINVAL;

	while (len) {
		uint64_t *t = root;
		int level = 3;
		uint64_t sz;

		/* Descend until the biggest page that fits can be placed. */
		for (;;) {
			uint64_t *e = &t[idx(va, level)];

			sz = 1ull << (12 + 9 * level);
			if (level <= 2 && (level == 0 ||
			    (!(prot & PT_NOLARGE) && (level == 1 || o->huge_1g) &&
			     !((va | pa) & (sz - 1)) && len >= sz && !present(o, *e)))) {
				uint64_t want = pa | leaf_bits(o, prot, level > 0);

				if (present(o, *e)) {
					if (*e != want)
						return -EEXIST;
				} else {
					*e = want;
				}
				break;
			}
			if (present(o, *e) && (*e & PTE_PS))
				return -EEXIST;	/* a large page is in the way */
			t = next_table(o, e, true);
			if (!t)
				return -ENOMEM;
			level--;
		}
		va += sz;
		pa += sz;
		len -= sz;
	}
	return 0;
}

int pt_unmap(const struct pt_ops *o, uint64_t *root, uint64_t va, uint64_t len)
{
	if ((va | len) & (SZ_4K - 1) || !canonical(va) || va + len < va)
		return -EINVAL;

	for (; len; va += SZ_4K, len -= SZ_4K) {
		uint64_t *t = root;

		for (int level = 3; level >= 0; level--) {
			uint64_t *e = &t[idx(va, level)];

			if (!present(o, *e))
				break;
			if (level == 0) {
				*e = 0;
				break;
			}
			if (*e & PTE_PS) {
				int r = split(o, e, level);

				if (r)
					return r;
			}
			t = o->p2v(o->ctx, *e & PTE_ADDR);
		}
	}
	return 0;
}

bool pt_lookup(const struct pt_ops *o, const uint64_t *root, uint64_t va,
	       uint64_t *pa, uint64_t *pte)
{
	const uint64_t *t = root;

	if (!canonical(va))
		return false;
	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[idx(va, level)];

		if (!present(o, e))
			return false;
		if (level == 0 || (e & PTE_PS)) {
			uint64_t mask = (1ull << (12 + 9 * level)) - 1;

			*pa = (e & PTE_ADDR & ~mask) | (va & mask);
			*pte = e;
			return true;
		}
		t = o->p2v(o->ctx, e & PTE_ADDR);
	}
	return false;
}
