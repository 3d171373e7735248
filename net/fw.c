/* Firewall policy compiler and classifier (see fw.h; design in
 * net/README.md, "Classifier").
 *
 * Per address family, every rule becomes, for each of five fields (proto,
 * src, dst, sport, dport; ICMP types ride in dport), a sorted list of
 * disjoint inclusive intervals. Each field's value space is cut into
 * classes at the interval boundaries; each class holds the bitset of the
 * rules whose intervals touch it. A lookup finds its class in each field
 * (a direct table for proto, a binary search for the others), ANDs the
 * five bitsets word by word, skipping zero words through a one-bit-per-
 * word summary, and returns the lowest set bit: rules are numbered in
 * priority order, so that is the first match. When a field has more
 * boundaries than the memory budget allows classes, neighbouring
 * boundaries share a class: its bitset is then a superset, and candidates
 * are verified against that field's exact intervals before being
 * returned (the answer stays exact; only the work grows). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/heap.h"
#include "net/fw.h"

typedef unsigned __int128 u128;

enum { D_PROTO, D_SRC, D_DST, D_SPORT, D_DPORT, D_N };

#define FW_DIM_BUDGET  (1u << 20)   /* bytes of bitsets per field */
#define FW_MIN_CLASSES 256
#define FW_MAX_CLASSES 4096

struct ivl {
	u128 lo, hi;
};

#define FW_LUT     4096       /* buckets of a field's search index */
#define FW_LUT_MIN 64         /* classes below which a binary search will do */

struct dim {
	uint32_t  nclass;
	uint32_t *s32;        /* class starts, ascending, s[0] = 0 (ports, v4) */
	u128     *s128;       /* the same for v6 addresses */
	uint32_t *set;        /* class -> offset of its bitset in the pool */
	/* Search index: the span [lut_lo, s[nclass-1]] cut into FW_LUT
	 * buckets of 2^lut_shift values; lut[b] is the class holding the
	 * bucket's first value, so the class of a value in bucket b lies in
	 * lut[b] .. lut[b+1] (a few classes: a short binary search). */
	uint32_t *lut;        /* FW_LUT + 1 entries, or NULL */
	u128      lut_lo;
	unsigned  lut_shift;
};

struct fam {
	uint32_t  n;          /* rules of this family, in priority order */
	uint32_t  words;      /* 64-bit words per bitset */
	uint32_t  swords;     /* summary words before them */
	uint32_t  inexact;    /* bit d: field d's classes are merged */
	uint32_t *rule;       /* local -> policy rule index */
	uint32_t *ivoff;      /* intervals of (r, d): ivoff[r*D_N+d] .. [r*D_N+d+1] */
	struct ivl *iv;
	uint32_t  proto_set[256];
	struct dim dim[D_N];
	uint64_t *pool;
	size_t    pool_words;
};

struct rule_c {
	uint32_t id;
	uint8_t  action;
};

struct fw_policy {
	uint32_t       n;
	struct rule_c *rules;
	uint64_t      *hits;          /* [d] */
	uint64_t       default_hits;  /* [d] */
	struct fam     fam[2];        /* IPv4, IPv6 */
	uint32_t       nlabels;
	char         (*labels)[FW_NAME_MAX];
	size_t         mem;
};

/* ------------------------------------------------------------ helpers */

static void *fw_alloc(struct fw_policy *p, size_t n, size_t size)
{
	void *v = kcalloc(n ? n : 1, size);

	if (v && p)
		p->mem += (n ? n : 1) * size;
	return v;
}

static u128 addr_val(uint8_t family, const uint8_t *a)
{
	u128 v = 0;

	for (unsigned i = 0; i < (family == 4 ? 4u : 16u); i++)
		v = v << 8 | a[i];
	return v;
}

static u128 dim_max(int fam6, int d)
{
	switch (d) {
	case D_PROTO:
		return 255;
	case D_SPORT:
	case D_DPORT:
		return 65535;
	default:
		return fam6 ? ~(u128)0 : 0xffffffffu;
	}
}

static struct ivl cidr_ivl(const struct fw_cidr *c)
{
	unsigned bits = c->family == 4 ? 32 : 128;
	u128 a = addr_val(c->family, c->addr), host;
	struct ivl r;

	host = c->plen >= bits ? 0 : c->plen == 0 ? (bits == 128 ? ~(u128)0 : 0xffffffffu)
				 : (((u128)1 << (bits - c->plen)) - 1);
	r.lo = a & ~host;
	r.hi = r.lo | host;
	return r;
}

static void sift(u128 *a, size_t i, size_t n)
{
	u128 v = a[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[c] <= v)
			break;
		a[i] = a[c];
		i = c;
	}
	a[i] = v;
}

static void heap_sort_u128(u128 *a, size_t n)
{
	for (size_t k = n / 2; k-- > 0;)
		sift(a, k, n);
	while (n > 1) {
		u128 t = a[0];

		a[0] = a[--n];
		a[n] = t;
		sift(a, 0, n);
	}
}

/* Sorts intervals by lo (insertion sort: a label's set is small and
 * mostly sorted already) and merges overlapping or adjacent ones. */
static uint32_t ivl_normalise(struct ivl *v, uint32_t n)
{
	uint32_t m = 0;

	for (uint32_t i = 1; i < n; i++) {
		struct ivl x = v[i];
		uint32_t j = i;

		while (j && v[j - 1].lo > x.lo) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (m && (v[i].lo <= v[m - 1].hi || v[i].lo == v[m - 1].hi + 1)) {
			if (v[i].hi > v[m - 1].hi)
				v[m - 1].hi = v[i].hi;
		} else {
			v[m++] = v[i];
		}
	}
	return m;
}

static bool ivl_has(const struct ivl *v, uint32_t n, u128 x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (x < v[mid].lo)
			hi = mid;
		else if (x > v[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static inline uint32_t find32(const uint32_t *s, uint32_t n, uint32_t v)
{
	const uint32_t *b = s;

	while (n > 1) {
		uint32_t half = n / 2;

		b = b[half] <= v ? b + half : b;
		n -= half;
	}
	return (uint32_t)(b - s);
}

static inline uint32_t find128(const u128 *s, uint32_t n, u128 v)
{
	const u128 *b = s;

	while (n > 1) {
		uint32_t half = n / 2;

		b = b[half] <= v ? b + half : b;
		n -= half;
	}
	return (uint32_t)(b - s);
}

static uint32_t dim_class(const struct dim *dm, u128 v)
{
	uint32_t lo = 0, n = dm->nclass;

	if (dm->lut) {
		u128 b;

		if (v < dm->lut_lo)
			return 0;
		b = (v - dm->lut_lo) >> dm->lut_shift;
		if (b >= FW_LUT)
			return dm->nclass - 1;
		lo = dm->lut[(uint32_t)b];
		n = dm->lut[(uint32_t)b + 1] - lo + 1;
	}
	return lo + (dm->s32 ? find32(dm->s32 + lo, n, (uint32_t)v)
			     : find128(dm->s128 + lo, n, v));
}

static u128 dim_start(const struct dim *dm, uint32_t c)
{
	return dm->s32 ? dm->s32[c] : dm->s128[c];
}

/* Builds the search index of a field with many classes. */
static int lut_build(struct fw_policy *p, struct dim *dm, u128 max)
{
	u128 span;
	uint32_t c = 0;

	if (dm->nclass < FW_LUT_MIN)
		return 0;
	dm->lut = fw_alloc(p, FW_LUT + 1, sizeof(uint32_t));
	if (!dm->lut)
		return -ENOMEM;
	dm->lut_lo = dim_start(dm, 1);
	span = dim_start(dm, dm->nclass - 1) - dm->lut_lo;
	while ((span >> dm->lut_shift) >= FW_LUT)
		dm->lut_shift++;
	for (uint32_t b = 0; b <= FW_LUT; b++) {
		u128 at;

		/* Buckets past the field's end (and b << shift overflowing). */
		if (b > (max - dm->lut_lo) >> dm->lut_shift) {
			dm->lut[b] = dm->nclass - 1;
			continue;
		}
		at = dm->lut_lo + ((u128)b << dm->lut_shift);
		while (c + 1 < dm->nclass && dim_start(dm, c + 1) <= at)
			c++;
		dm->lut[b] = c;
	}
	return 0;
}

/* ------------------------------------------------------------ rules */

bool fw_label_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < FW_NAME_MAX; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return i > 0 && i < FW_NAME_MAX;
}

void fw_rule_init(struct fw_rule *r, uint32_t id, enum fw_action a)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->action = (uint8_t)a;
	r->proto = FW_PROTO_ANY;
	r->sport.hi = r->dport.hi = 65535;
	r->icmp_type.hi = 255;
}

static int peer_check(const struct fw_peer *p, uint8_t *family)
{
	switch (p->kind) {
	case FW_PEER_ANY:
		return 0;
	case FW_PEER_LABEL:
		return fw_label_valid(p->label) ? 0 : -EINVAL;
	case FW_PEER_CIDR:
		if ((p->cidr.family != 4 || p->cidr.plen > 32) &&
		    (p->cidr.family != 6 || p->cidr.plen > 128))
			return -EINVAL;
		if (*family && *family != p->cidr.family)
			return -EINVAL;
		*family = p->cidr.family;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The family a rule is confined to (0: both). */
static uint8_t rule_family(const struct fw_rule *r)
{
	if (r->proto == PKT_PROTO_ICMP)
		return 4;
	if (r->proto == PKT_PROTO_ICMP6)
		return 6;
	if (r->src.kind == FW_PEER_CIDR)
		return r->src.cidr.family;
	if (r->dst.kind == FW_PEER_CIDR)
		return r->dst.cidr.family;
	return 0;
}

int fw_rule_check(const struct fw_rule *r)
{
	bool ports = r->proto == PKT_PROTO_TCP || r->proto == PKT_PROTO_UDP;
	bool icmp = r->proto == PKT_PROTO_ICMP || r->proto == PKT_PROTO_ICMP6;
	uint8_t family = icmp ? (r->proto == PKT_PROTO_ICMP ? 4 : 6) : 0;

	if (r->action > FW_DENY_LOG || (r->proto > 255 && r->proto != FW_PROTO_ANY))
		return -EINVAL;
	if (r->sport.lo > r->sport.hi || r->dport.lo > r->dport.hi ||
	    r->icmp_type.lo > r->icmp_type.hi || r->icmp_type.hi > 255)
		return -EINVAL;
	if (!ports && (r->sport.lo || r->sport.hi != 65535 || r->dport.lo || r->dport.hi != 65535))
		return -EINVAL;
	if (!icmp && (r->icmp_type.lo || r->icmp_type.hi != 255))
		return -EINVAL;
	if (peer_check(&r->src, &family) || peer_check(&r->dst, &family))
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------ compile */

struct build {
	struct fw_policy *p;
	struct fam *F;
	uint32_t  K;
	uint64_t *cur;        /* the class being swept: summary + words */
	uint32_t *cnt;        /* per rule: live intervals covering the class */
	uint32_t *ht;         /* dedup: pool offset + 1, 0 empty */
	uint32_t  htmask;
	size_t    pool_cap;
};

static uint64_t set_hash(const uint64_t *w, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (uint32_t i = 0; i < n; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return h;
}

/* The pool offset of the bitset in b->cur (summary computed here),
 * appending it when new. */
static int intern(struct build *b, uint32_t *off)
{
	struct fam *F = b->F;
	uint32_t stride = F->swords + F->words;
	uint64_t *w = b->cur + F->swords;
	uint64_t h;
	uint32_t i;

	memset(b->cur, 0, F->swords * sizeof(uint64_t));
	for (i = 0; i < F->words; i++)
		if (w[i])
			b->cur[i / 64] |= 1ull << (i % 64);
	h = set_hash(b->cur, stride);
	for (i = (uint32_t)h & b->htmask; b->ht[i]; i = (i + 1) & b->htmask) {
		uint32_t o = b->ht[i] - 1;

		if (!memcmp(F->pool + o, b->cur, stride * sizeof(uint64_t))) {
			*off = o;
			return 0;
		}
	}
	if (F->pool_words + stride > b->pool_cap) {
		size_t cap = b->pool_cap ? b->pool_cap * 2 : stride * 16;
		uint64_t *np = krealloc(F->pool, cap * sizeof(uint64_t));

		if (!np)
			return -ENOMEM;
		F->pool = np;
		b->pool_cap = cap;
	}
	memcpy(F->pool + F->pool_words, b->cur, stride * sizeof(uint64_t));
	*off = (uint32_t)F->pool_words;
	F->pool_words += stride;
	b->ht[i] = *off + 1;
	return 0;
}

/* Cuts field d into classes and gives each its rule bitset. */
static int dim_build(struct build *b, int d, int fam6)
{
	struct fam *F = b->F;
	struct dim *dm = &F->dim[d];
	u128 max = dim_max(fam6, d);
	uint32_t niv = F->ivoff[F->n * D_N];	/* bounds this field's intervals */
	uint32_t nb = 1, e, k, ne = 0;
	uint32_t *first = NULL, *evc = NULL, *evr = NULL, *ev = NULL;
	u128 *bnd;
	int err = -ENOMEM;

	/* Elementary intervals: every lo, and every hi + 1, cut the field. */
	bnd = kcalloc((size_t)2 * niv + 1, sizeof(u128));
	if (!bnd)
		return -ENOMEM;
	for (uint32_t r = 0; r < F->n; r++)
		for (uint32_t j = F->ivoff[r * D_N + d]; j < F->ivoff[r * D_N + d + 1]; j++) {
			bnd[nb++] = F->iv[j].lo;
			if (F->iv[j].hi != max)
				bnd[nb++] = F->iv[j].hi + 1;
		}
	heap_sort_u128(bnd, nb);
	e = 1;
	for (uint32_t i = 1; i < nb; i++)
		if (bnd[i] != bnd[e - 1])
			bnd[e++] = bnd[i];

	/* Classes: the elementary intervals, or every (e/k)-th of them. */
	k = d == D_PROTO ? 256 : b->K;
	dm->nclass = e <= k ? e : k;
	if (e > k)
		F->inexact |= 1u << d;
	if (fam6 && (d == D_SRC || d == D_DST))
		dm->s128 = fw_alloc(b->p, dm->nclass, sizeof(u128));
	else
		dm->s32 = fw_alloc(b->p, dm->nclass, sizeof(uint32_t));
	dm->set = fw_alloc(b->p, dm->nclass, sizeof(uint32_t));
	if ((!dm->s128 && !dm->s32) || !dm->set)
		goto out;
	for (uint32_t c = 0; c < dm->nclass; c++) {
		u128 st = bnd[(uint64_t)c * e / dm->nclass];

		if (dm->s128)
			dm->s128[c] = st;
		else
			dm->s32[c] = (uint32_t)st;
	}
	if (d != D_PROTO && lut_build(b->p, dm, max))
		goto out;

	/* Events: rule r enters at the class of lo and leaves at the class
	 * after that of hi (bit 31 marks a leave); bucketed by class. */
	first = kcalloc((size_t)dm->nclass + 2, sizeof(uint32_t));
	evc = kcalloc((size_t)2 * niv + 1, sizeof(uint32_t));
	evr = kcalloc((size_t)2 * niv + 1, sizeof(uint32_t));
	ev = kcalloc((size_t)2 * niv + 1, sizeof(uint32_t));
	if (!first || !evc || !evr || !ev)
		goto out;
	for (uint32_t r = 0; r < F->n; r++)
		for (uint32_t j = F->ivoff[r * D_N + d]; j < F->ivoff[r * D_N + d + 1]; j++) {
			uint32_t cl = dim_class(dm, F->iv[j].lo), ch = dim_class(dm, F->iv[j].hi);

			evc[ne] = cl;
			evr[ne++] = r;
			first[cl + 1]++;
			if (ch + 1 < dm->nclass) {
				evc[ne] = ch + 1;
				evr[ne++] = r | 0x80000000u;
				first[ch + 2]++;
			}
		}
	for (uint32_t c = 0; c <= dm->nclass; c++)
		first[c + 1] += first[c];
	for (uint32_t i = 0; i < ne; i++)
		ev[first[evc[i]]++] = evr[i];
	for (uint32_t c = dm->nclass; c > 0; c--)	/* undo the fill's advance */
		first[c] = first[c - 1];
	first[0] = 0;

	/* Sweep the classes, keeping the bitset of the current one; a rule
	 * can have several intervals in one class, hence counts. */
	memset(b->cur, 0, (F->swords + F->words) * sizeof(uint64_t));
	memset(b->cnt, 0, F->n * sizeof(uint32_t));
	for (uint32_t c = 0; c < dm->nclass; c++) {
		uint64_t *w = b->cur + F->swords;

		for (uint32_t i = first[c]; i < first[c + 1]; i++) {
			uint32_t r = ev[i] & 0x7fffffffu;

			if (ev[i] & 0x80000000u) {
				if (--b->cnt[r] == 0)
					w[r / 64] &= ~(1ull << (r % 64));
			} else if (b->cnt[r]++ == 0) {
				w[r / 64] |= 1ull << (r % 64);
			}
		}
		if (c == 0 || first[c + 1] > first[c]) {
			err = intern(b, &dm->set[c]);
			if (err)
				goto out;
		} else {
			dm->set[c] = dm->set[c - 1];
		}
	}
	err = 0;
out:
	kfree(bnd);
	kfree(first);
	kfree(evc);
	kfree(evr);
	kfree(ev);
	return err;
}

/* Makes room for need more intervals in F->iv. */
static int iv_reserve(struct fam *F, size_t *cap, size_t used, size_t need)
{
	struct ivl *nv;
	size_t ncap;

	if (used + need <= *cap)
		return 0;
	ncap = (used + need) * 2;
	nv = krealloc(F->iv, ncap * sizeof(struct ivl));
	if (!nv)
		return -ENOMEM;
	F->iv = nv;
	*cap = ncap;
	return 0;
}

/* Appends the intervals of a peer in family fam (sorted, merged) at
 * F->iv + *used. Returns how many (0: the peer has no address of this
 * family: an empty label, or a CIDR of the other family) or -ENOMEM. */
static int peer_ivls(struct fam *F, size_t *cap, size_t *used, const struct fw_peer *pe,
		     uint8_t fam, const struct fw_labels *lb)
{
	const struct fw_cidr *c = NULL;
	size_t n = 0, k = 0;
	int e;

	if (pe->kind == FW_PEER_ANY) {
		if (iv_reserve(F, cap, *used, 1))
			return -ENOMEM;
		F->iv[*used].lo = 0;
		F->iv[*used].hi = dim_max(fam == 6, D_SRC);
		(*used)++;
		return 1;
	}
	if (pe->kind == FW_PEER_CIDR) {
		c = &pe->cidr;
		n = 1;
	} else if (lb && lb->resolve) {
		e = lb->resolve(lb->ctx, pe->label, &c, &n);
		if (e)
			return e < 0 ? e : -EINVAL;
	}
	if (iv_reserve(F, cap, *used, n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (c[i].family == fam && c[i].plen <= (fam == 4 ? 32 : 128))
			F->iv[*used + k++] = cidr_ivl(&c[i]);
	k = ivl_normalise(F->iv + *used, (uint32_t)k);
	*used += k;
	return (int)k;
}

static int fam_build(struct fw_policy *p, const struct fw_rule *rules, size_t n,
		     const struct fw_labels *lb, const struct fw_compile_opts *o, int fam6)
{
	struct fam *F = &p->fam[fam6];
	uint8_t fam = fam6 ? 6 : 4;
	size_t cap = 5 * n + 16, used = 0;
	struct build b = { .p = p, .F = F };
	int err = -ENOMEM;

	F->rule = fw_alloc(p, n, sizeof(uint32_t));
	F->ivoff = fw_alloc(p, n * D_N + 1, sizeof(uint32_t));
	F->iv = kcalloc(cap, sizeof(struct ivl));
	if (!F->rule || !F->ivoff || !F->iv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct fw_rule *r = &rules[i];
		uint32_t *off = F->ivoff + F->n * D_N;
		uint8_t rf = rule_family(r);
		bool icmp = r->proto == PKT_PROTO_ICMP || r->proto == PKT_PROTO_ICMP6;
		size_t start = used;
		int e;

		if (rf && rf != fam)
			continue;
		if (iv_reserve(F, &cap, used, 1))
			return -ENOMEM;
		off[D_PROTO] = (uint32_t)used;
		F->iv[used].lo = r->proto == FW_PROTO_ANY ? 0 : r->proto;
		F->iv[used++].hi = r->proto == FW_PROTO_ANY ? 255 : r->proto;
		off[D_SRC] = (uint32_t)used;
		e = peer_ivls(F, &cap, &used, &r->src, fam, lb);
		if (e > 0) {
			off[D_DST] = (uint32_t)used;
			e = peer_ivls(F, &cap, &used, &r->dst, fam, lb);
		}
		if (e < 0)
			return e;
		if (e == 0) {		/* never matches in this family */
			used = start;
			continue;
		}
		if (iv_reserve(F, &cap, used, 2))
			return -ENOMEM;
		off[D_SPORT] = (uint32_t)used;
		F->iv[used].lo = icmp ? 0 : r->sport.lo;
		F->iv[used++].hi = icmp ? 65535 : r->sport.hi;
		off[D_DPORT] = (uint32_t)used;
		F->iv[used].lo = icmp ? r->icmp_type.lo : r->dport.lo;
		F->iv[used++].hi = icmp ? r->icmp_type.hi : r->dport.hi;
		off[D_N] = (uint32_t)used;
		F->rule[F->n++] = (uint32_t)i;
	}
	if (used && used < cap) {	/* give back the reserve */
		struct ivl *nv = krealloc(F->iv, used * sizeof(struct ivl));

		if (nv) {
			F->iv = nv;
			cap = used;
		}
	}
	p->mem += cap * sizeof(struct ivl);
	F->words = (F->n + 63) / 64;
	F->swords = (F->words + 63) / 64;
	if (!F->n)
		return 0;

	{
		uint32_t stride = F->swords + F->words;
		uint64_t k = o && o->max_classes ? o->max_classes : FW_DIM_BUDGET / (stride * 8ull);

		if (!(o && o->max_classes))
			k = k < FW_MIN_CLASSES ? FW_MIN_CLASSES : k > FW_MAX_CLASSES ? FW_MAX_CLASSES : k;
		/* No field has more elementary intervals than this. */
		if (k > 2ull * F->ivoff[F->n * D_N] + 1)
			k = 2ull * F->ivoff[F->n * D_N] + 1;
		b.K = (uint32_t)(k < 2 ? 2 : k);
		b.htmask = 1;
		while (b.htmask < 2 * (4 * b.K + 256))
			b.htmask <<= 1;
		b.ht = kcalloc(b.htmask, sizeof(uint32_t));
		b.htmask--;
		b.cur = kcalloc(stride, sizeof(uint64_t));
		b.cnt = kcalloc(F->n, sizeof(uint32_t));
		if (!b.ht || !b.cur || !b.cnt)
			goto out;
	}
	for (int d = 0; d < D_N; d++) {
		err = dim_build(&b, d, fam6);
		if (err)
			goto out;
	}
	for (uint32_t c = 0, v = 0; c < F->dim[D_PROTO].nclass; c++) {
		uint32_t end = c + 1 < F->dim[D_PROTO].nclass ? F->dim[D_PROTO].s32[c + 1] : 256;

		for (; v < end; v++)
			F->proto_set[v] = F->dim[D_PROTO].set[c];
	}
	F->inexact &= ~(1u << D_PROTO);
	if (F->pool_words < b.pool_cap) {
		uint64_t *np = krealloc(F->pool, F->pool_words * sizeof(uint64_t));

		if (np)
			F->pool = np;
	}
	p->mem += F->pool_words * sizeof(uint64_t);
	err = 0;
out:
	kfree(b.ht);
	kfree(b.cur);
	kfree(b.cnt);
	return err;
}

static int note_labels(struct fw_policy *p, const struct fw_rule *rules, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += (rules[i].src.kind == FW_PEER_LABEL) + (rules[i].dst.kind == FW_PEER_LABEL);
	if (!k)
		return 0;
	p->labels = fw_alloc(p, k, FW_NAME_MAX);
	if (!p->labels)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < 2; s++) {
			const struct fw_peer *pe = s ? &rules[i].dst : &rules[i].src;

			if (pe->kind == FW_PEER_LABEL && !fw_policy_uses_label(p, pe->label))
				memcpy(p->labels[p->nlabels++], pe->label, FW_NAME_MAX);
		}
	return 0;
}

int fw_compile(const struct fw_rule *rules, size_t n, const struct fw_labels *labels,
	       const struct fw_compile_opts *opts, struct fw_policy **out)
{
	struct fw_policy *p;
	int err;

	if (n > FW_MAX_RULES || (n && !rules))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (fw_rule_check(&rules[i]))
			return -EINVAL;
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->mem = sizeof(*p);
	p->n = (uint32_t)n;
	p->rules = fw_alloc(p, n, sizeof(struct rule_c));
	p->hits = fw_alloc(p, n, sizeof(uint64_t));
	err = -ENOMEM;
	if (!p->rules || !p->hits)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		p->rules[i].id = rules[i].id;
		p->rules[i].action = rules[i].action;
	}
	err = note_labels(p, rules, n);
	if (err)
		goto fail;
	for (int f = 0; f < 2; f++) {
		err = fam_build(p, rules, n, labels, opts, f);
		if (err)
			goto fail;
	}
	*out = p;
	return 0;
fail:
	fw_policy_free(p);
	return err;
}

void fw_policy_free(struct fw_policy *p)
{
	if (!p)
		return;
	for (int f = 0; f < 2; f++) {
		struct fam *F = &p->fam[f];

		for (int d = 0; d < D_N; d++) {
			kfree(F->dim[d].s32);
			kfree(F->dim[d].s128);
			kfree(F->dim[d].set);
			kfree(F->dim[d].lut);
		}
		kfree(F->rule);
		kfree(F->ivoff);
		kfree(F->iv);
		kfree(F->pool);
	}
	kfree(p->rules);
	kfree(p->hits);
	kfree(p->labels);
	kfree(p);
}

/* ------------------------------------------------------------ lookup */

static void key_vals(const struct pkt_tuple *t, u128 v[D_N])
{
	v[D_PROTO] = t->proto;
	v[D_SRC] = addr_val(t->family, t->src);
	v[D_DST] = addr_val(t->family, t->dst);
	v[D_SPORT] = t->sport;
	v[D_DPORT] = t->dport;
}

static bool rule_matches(const struct fam *F, uint32_t r, const u128 v[D_N], uint32_t dims)
{
	const uint32_t *o = F->ivoff + r * D_N;

	for (int d = 0; d < D_N; d++)
		if ((dims & (1u << d)) && !ivl_has(F->iv + o[d], o[d + 1] - o[d], v[d]))
			return false;
	return true;
}

int fw_lookup(const struct fw_policy *p, const struct pkt_tuple *t)
{
	const struct fam *F;
	const uint64_t *s0, *s1, *s2, *s3, *s4;
	uint32_t sw, w0;
	u128 v[D_N];

	if (!p || (t->family != 4 && t->family != 6))
		return FW_NOMATCH;
	F = &p->fam[t->family == 6];
	if (!F->n)
		return FW_NOMATCH;
	key_vals(t, v);
	s0 = F->pool + F->proto_set[t->proto];
	s1 = F->pool + F->dim[D_SRC].set[dim_class(&F->dim[D_SRC], v[D_SRC])];
	s2 = F->pool + F->dim[D_DST].set[dim_class(&F->dim[D_DST], v[D_DST])];
	s3 = F->pool + F->dim[D_SPORT].set[dim_class(&F->dim[D_SPORT], t->sport)];
	s4 = F->pool + F->dim[D_DPORT].set[dim_class(&F->dim[D_DPORT], t->dport)];
	w0 = F->swords;
	for (sw = 0; sw < F->swords; sw++) {
		uint64_t a = s0[sw] & s1[sw] & s2[sw] & s3[sw] & s4[sw];

		while (a) {
			uint32_t w = w0 + sw * 64 + (uint32_t)__builtin_ctzll(a);
			/* The address fields first: they are the selective ones,
			 * and most words that pass the summaries fail here. */
			uint64_t m = s1[w] & s2[w];

			a &= a - 1;
			if (m)
				m &= s4[w] & s0[w] & s3[w];
			w -= w0;
			while (m) {
				uint32_t r = w * 64 + (uint32_t)__builtin_ctzll(m);

				m &= m - 1;
				if (!F->inexact || rule_matches(F, r, v, F->inexact))
					return (int)F->rule[r];
			}
		}
	}
	return FW_NOMATCH;
}

int fw_lookup_linear(const struct fw_policy *p, const struct pkt_tuple *t)
{
	const struct fam *F;
	u128 v[D_N];

	if (!p || (t->family != 4 && t->family != 6))
		return FW_NOMATCH;
	F = &p->fam[t->family == 6];
	key_vals(t, v);
	for (uint32_t r = 0; r < F->n; r++)
		if (rule_matches(F, r, v, (1u << D_N) - 1))
			return (int)F->rule[r];
	return FW_NOMATCH;
}

int fw_classify(struct fw_policy *p, const struct pkt_tuple *t)
{
	int r;

	if (!p)
		return FW_NOMATCH;
	r = fw_lookup(p, t);
	if (r >= 0)
		p->hits[r]++;
	else
		p->default_hits++;
	return r;
}

size_t fw_policy_rules(const struct fw_policy *p)
{
	return p->n;
}

uint32_t fw_rule_id(const struct fw_policy *p, size_t i)
{
	return p->rules[i].id;
}

enum fw_action fw_rule_action(const struct fw_policy *p, size_t i)
{
	return (enum fw_action)p->rules[i].action;
}

uint64_t fw_rule_hits(const struct fw_policy *p, size_t i)
{
	return p->hits[i];
}

uint64_t fw_default_hits(const struct fw_policy *p)
{
	return p->default_hits;
}

void fw_policy_carry_hits(struct fw_policy *p, const struct fw_policy *old)
{
	if (!old)
		return;
	for (uint32_t i = 0; i < p->n && i < old->n; i++)
		if (p->rules[i].id == old->rules[i].id)
			p->hits[i] = old->hits[i];
	p->default_hits = old->default_hits;
}

size_t fw_policy_mem(const struct fw_policy *p)
{
	return p->mem;
}

bool fw_policy_uses_label(const struct fw_policy *p, const char *label)
{
	for (uint32_t i = 0; i < p->nlabels; i++)
		if (!strncmp(p->labels[i], label, FW_NAME_MAX))
			return true;
	return false;
}

bool fw_policy_exact(const struct fw_policy *p)
{
	return !p->fam[0].inexact && !p->fam[1].inexact;
}
