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

/* A range [va, va+len) of whole pages inside one canonical half; it may
 * end exactly at 2^64. */
static bool range_ok(uint64_t va, uint64_t len)
{
	uint64_t last = va + len - 1;

	if ((va | len) & (SZ_4K - 1) || !len || last < va)
		return false;
	return canonical(va) && canonical(last) && ((int64_t)va < 0) == ((int64_t)last < 0);
}

/* One pass over the range. dry: only checks for conflicts, writes
 * nothing (a range under an absent entry is free as a whole). */
static int map_pass(const struct pt_ops *o, uint64_t *root, uint64_t va, uint64_t pa,
		    uint64_t len, unsigned prot, bool dry)
{
	while (len) {
		uint64_t *t = root, sz = 0;
		int level = 3;

		for (;;) {
			uint64_t *e = &t[idx(va, level)];
			bool leaf;
			uint64_t want;

			sz = 1ull << (12 + 9 * level);
			leaf = level == 0 || (level <= 2 && !(prot & PT_NOLARGE) &&
					      (level == 1 || o->huge_1g) &&
					      !((va | pa) & (sz - 1)) && len >= sz);
			want = pa | leaf_bits(o, prot, level > 0);
			if (present(o, *e)) {
				if (level == 0 || (*e & PTE_PS)) {
					if (leaf && *e == want)
						break;		/* the same mapping: fine */
					return -EEXIST;
				}
				t = o->p2v(o->ctx, *e & PTE_ADDR);
				level--;
				continue;
			}
			if (leaf) {
				if (!dry)
					*e = want;
				break;
			}
			if (dry) {
				/* Nothing below: skip the rest of this entry. */
				sz -= va & (sz - 1);
				if (sz > len)
					sz = len;
				break;
			}
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

int pt_map(const struct pt_ops *o, uint64_t *root, uint64_t va, uint64_t pa,
	   uint64_t len, unsigned prot)
{
	int r;

	if (!len)
		return 0;
	if (!range_ok(va, len) || (pa & (SZ_4K - 1)) || pa > (1ull << 52) - len ||
	    len > (1ull << 52))
		return -EINVAL;
	/* Check first, so that -EEXIST changes nothing. */
	r = map_pass(o, root, va, pa, len, prot, true);
	return r ? r : map_pass(o, root, va, pa, len, prot, false);
}

int pt_unmap(const struct pt_ops *o, uint64_t *root, uint64_t va, uint64_t len)
{
	if (!len)
		return 0;
	if (!range_ok(va, len))
		return -EINVAL;

	while (len) {
		uint64_t *t = root, sz = SZ_4K;

		for (int level = 3; level >= 0; level--) {
			uint64_t *e = &t[idx(va, level)];

			sz = 1ull << (12 + 9 * level);
			if (!present(o, *e)) {
				sz -= va & (sz - 1);	/* nothing mapped below */
				break;
			}
			if (level == 0 || (*e & PTE_PS)) {
				/* A leaf wholly inside the range goes at once; one
				 * that sticks out is split and walked into. */
				if (!(va & (sz - 1)) && len >= sz) {
					*e = 0;
					break;
				}
				if (split(o, e, level))
					return -ENOMEM;
			}
			t = o->p2v(o->ctx, *e & PTE_ADDR);
		}
		if (sz > len)
			sz = len;
		va += sz;
		len -= sz;
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
