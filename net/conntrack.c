/* Connection tracking (see conntrack.h). One array of entries, a power-of-
 * two bucket array of chain heads, a free list and a FIFO of the entries
 * that have not completed (the eviction candidates), all linked by 32-bit
 * indices and all allocated at ct_create(). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/heap.h"
#include "net/conntrack.h"

#define CT_MAX_CAPACITY (1u << 24)
#define SEC 1000u

/* Linux's nf_conntrack defaults (SYN_SENT 120 s, SYN_RECV 60 s,
 * ESTABLISHED 5 d, FIN_WAIT 120 s, CLOSE_WAIT 60 s, LAST_ACK 30 s,
 * TIME_WAIT 120 s, CLOSE 10 s, UDP 30/120 s, ICMP 30 s, generic 600 s),
 * scaled down for a bounded table: half-open and closing states go
 * sooner; ESTABLISHED keeps the 2 h 4 min RFC 5382 (REQ-5) requires of
 * middleboxes, so TCP keepalives (2 h by default) keep idle connections;
 * answered UDP keeps RFC 4787's 2 min (REQ-5). */
static const struct ct_timeouts defaults = {
	.tcp_syn_sent = 30 * SEC,
	.tcp_syn_recv = 30 * SEC,
	.tcp_established = 7440 * SEC,
	.tcp_fin_wait = 60 * SEC,
	.tcp_close_wait = 60 * SEC,
	.tcp_last_ack = 30 * SEC,
	.tcp_time_wait = 60 * SEC,
	.tcp_close = 10 * SEC,
	.udp = 30 * SEC,
	.udp_replied = 120 * SEC,
	.icmp = 30 * SEC,
	.other = 60 * SEC,
	.other_replied = 600 * SEC,
};

struct ct_table {
	struct ct_config cfg;
	struct ct_entry *e;
	uint32_t *bucket;
	uint32_t  mask;
	uint32_t  free;          /* free list head (through next) */
	uint32_t  fifo_head, fifo_tail;
	uint32_t  gc_cursor;
	struct ct_stats st;
};

/* ------------------------------------------------------------ SipHash */

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* x86-64 is little-endian: SipHash's words are plain loads. */
static inline uint64_t le64(const uint8_t *p)
{
	return ld64(p);
}

#define SIPROUND do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
} while (0)

/* SipHash-1-3 (Aumasson & Bernstein; the variant Linux uses for hash
 * tables): one compression round per word, three finalisation rounds. */
uint64_t ct_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *m = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w = le64(m + i);

		v3 ^= w;
		SIPROUND;
		v0 ^= w;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)m[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ------------------------------------------------------------ table */

static const char *const state_names[CT_STATE_COUNT] = {
	[CT_NEW] = "new",
	[CT_TCP_SYN_SENT] = "syn-sent",
	[CT_TCP_SYN_RECV] = "syn-recv",
	[CT_TCP_ESTABLISHED] = "established",
	[CT_TCP_FIN_WAIT] = "fin-wait",
	[CT_TCP_CLOSE_WAIT] = "close-wait",
	[CT_TCP_LAST_ACK] = "last-ack",
	[CT_TCP_TIME_WAIT] = "time-wait",
	[CT_TCP_CLOSE] = "close",
	[CT_UDP] = "udp",
	[CT_ICMP] = "icmp",
	[CT_OTHER] = "other",
};

const char *ct_state_name(enum ct_state s)
{
	return (unsigned)s < CT_STATE_COUNT ? state_names[s] : "?";
}

struct ct_table *ct_create(const struct ct_config *cfg)
{
	struct ct_table *t;
	uint32_t nb = 16;
	const uint32_t *d = (const uint32_t *)&defaults;
	uint32_t *to;

	if (cfg->capacity < 16 || cfg->capacity > CT_MAX_CAPACITY)
		return NULL;
	t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->cfg = *cfg;
	to = (uint32_t *)&t->cfg.to;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(uint32_t); i++)
		if (!to[i])
			to[i] = d[i];
	while (nb < cfg->capacity)
		nb <<= 1;
	t->mask = nb - 1;
	t->e = kcalloc(cfg->capacity, sizeof(struct ct_entry));
	t->bucket = kcalloc(nb, sizeof(uint32_t));
	if (!t->e || !t->bucket) {
		ct_destroy(t);
		return NULL;
	}
	memset(t->bucket, 0xff, nb * sizeof(uint32_t));
	for (uint32_t i = 0; i < cfg->capacity; i++)
		t->e[i].next = i + 1 < cfg->capacity ? i + 1 : CT_NONE_IDX;
	t->free = 0;
	t->fifo_head = t->fifo_tail = CT_NONE_IDX;
	t->st.capacity = cfg->capacity;
	return t;
}

void ct_destroy(struct ct_table *t)
{
	if (!t)
		return;
	kfree(t->e);
	kfree(t->bucket);
	kfree(t);
}

/* -1, 0, 1 as memcmp() would order two 16-byte addresses. */
static inline int addr_order(const uint8_t *a, const uint8_t *b)
{
	uint64_t x = __builtin_bswap64(ld64(a)), y = __builtin_bswap64(ld64(b));

	if (x == y) {
		x = __builtin_bswap64(ld64(a + 8));
		y = __builtin_bswap64(ld64(b + 8));
	}
	return (x > y) - (x < y);
}

void ct_key_make(struct ct_key *k, uint16_t zone, const struct pkt_tuple *t, uint8_t *side)
{
	int c = addr_order(t->src, t->dst);

	if (!c)
		c = (int)t->sport - (int)t->dport;
	k->zone = zone;
	k->family = t->family;
	k->proto = t->proto;
	*side = c > 0;
	__builtin_memcpy(k->addr[*side], t->src, 16);
	__builtin_memcpy(k->addr[!*side], t->dst, 16);
	k->port[*side] = t->sport;
	k->port[!*side] = t->dport;
}

/* 40-byte keys (both kinds): five word compares. */
static inline bool key40_eq(const void *a, const void *b)
{
	const uint8_t *x = a, *y = b;

	return !((ld64(x) ^ ld64(y)) | (ld64(x + 8) ^ ld64(y + 8)) |
		 (ld64(x + 16) ^ ld64(y + 16)) | (ld64(x + 24) ^ ld64(y + 24)) |
		 (ld64(x + 32) ^ ld64(y + 32)));
}

static inline uint32_t idx_of(const struct ct_table *t, const struct ct_entry *e)
{
	return (uint32_t)(e - t->e);
}

/* IPv4 keys hash only their 16 meaningful bytes (the other 24 are zero):
 * two SipHash words instead of five. */
static inline uint32_t bucket_of(const struct ct_table *t, const struct ct_key *k)
{
	uint64_t w[2];

	if (k->family != 4)
		return (uint32_t)ct_siphash(t->cfg.seed, k, sizeof(*k)) & t->mask;
	w[0] = ld64(k);
	w[1] = ld32(k->addr[0]) | (uint64_t)ld32(k->addr[1]) << 32;
	return (uint32_t)ct_siphash(t->cfg.seed, w, sizeof(w)) & t->mask;
}

static void fifo_unlink(struct ct_table *t, struct ct_entry *e)
{
	if (e->fifo_prev != CT_NONE_IDX)
		t->e[e->fifo_prev].fifo_next = e->fifo_next;
	else if (t->fifo_head == idx_of(t, e))
		t->fifo_head = e->fifo_next;
	else
		return;		/* not on the FIFO */
	if (e->fifo_next != CT_NONE_IDX)
		t->e[e->fifo_next].fifo_prev = e->fifo_prev;
	else
		t->fifo_tail = e->fifo_prev;
	e->fifo_prev = e->fifo_next = CT_NONE_IDX;
}

static void fifo_append(struct ct_table *t, struct ct_entry *e)
{
	uint32_t i = idx_of(t, e);

	e->fifo_next = CT_NONE_IDX;
	e->fifo_prev = t->fifo_tail;
	if (t->fifo_tail != CT_NONE_IDX)
		t->e[t->fifo_tail].fifo_next = i;
	else
		t->fifo_head = i;
	t->fifo_tail = i;
}

/* Unlinks entry i, whose chain predecessor is prev (or the bucket head). */
static void unlink_at(struct ct_table *t, uint32_t b, uint32_t prev, uint32_t i)
{
	struct ct_entry *e = &t->e[i];

	if (t->cfg.on_remove)
		t->cfg.on_remove(t->cfg.ctx, e);
	if (prev == CT_NONE_IDX)
		t->bucket[b] = e->next;
	else
		t->e[prev].next = e->next;
	fifo_unlink(t, e);
	e->state = CT_NEW;
	e->next = t->free;
	t->free = i;
	t->st.entries--;
}

void ct_remove(struct ct_table *t, struct ct_entry *e)
{
	uint32_t b = bucket_of(t, &e->key), i = idx_of(t, e), prev = CT_NONE_IDX;

	for (uint32_t j = t->bucket[b]; j != CT_NONE_IDX; prev = j, j = t->e[j].next)
		if (j == i) {
			unlink_at(t, b, prev, i);
			t->st.removed++;
			return;
		}
}

struct ct_entry *ct_lookup(struct ct_table *t, const struct ct_key *k, uint64_t now)
{
	uint32_t b = bucket_of(t, k), prev = CT_NONE_IDX;

	for (uint32_t j = t->bucket[b]; j != CT_NONE_IDX; prev = j, j = t->e[j].next) {
		struct ct_entry *e = &t->e[j];

		if (!key40_eq(&e->key, k))
			continue;
		if (e->expires <= now) {
			unlink_at(t, b, prev, j);
			t->st.expired++;
			return NULL;
		}
		return e;
	}
	return NULL;
}

/* Unlinks the entries of bucket b that dead() picks; returns how many. */
static inline unsigned sweep_bucket(struct ct_table *t, uint32_t b,
				    bool (*dead)(void *ctx, struct ct_entry *e), void *ctx)
{
	uint32_t prev = CT_NONE_IDX, j = t->bucket[b];
	unsigned n = 0;

	while (j != CT_NONE_IDX) {
		uint32_t next = t->e[j].next;

		if (dead(ctx, &t->e[j])) {
			unlink_at(t, b, prev, j);
			n++;
		} else {
			prev = j;
		}
		j = next;
	}
	return n;
}

static bool expired_by(void *now, struct ct_entry *e)
{
	return e->expires <= *(const uint64_t *)now;
}

unsigned ct_gc(struct ct_table *t, uint64_t now, unsigned buckets)
{
	unsigned n = 0;

	while (buckets--)
		n += sweep_bucket(t, t->gc_cursor++ & t->mask, expired_by, &now);
	t->st.expired += n;
	return n;
}

unsigned ct_walk(struct ct_table *t, bool (*fn)(void *ctx, struct ct_entry *e), void *ctx)
{
	unsigned n = 0;

	for (uint32_t b = 0; b <= t->mask; b++)
		n += sweep_bucket(t, b, fn, ctx);
	t->st.removed += n;
	return n;
}

bool ct_can_open(const struct pkt *p)
{
	switch (p->t.proto) {
	case PKT_PROTO_TCP:
		return (p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST | PKT_TCP_FIN)) ==
		       PKT_TCP_SYN;
	case PKT_PROTO_ICMP:
	case PKT_PROTO_ICMP6:
		if (p->t.proto != (p->t.family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6))
			return true;	/* opaque: tracked as "other" */
		return pkt_icmp_is_echo_req(p->t.family, p->icmp_type);
	default:
		return true;
	}
}

int ct_insert(struct ct_table *t, const struct ct_key *k, uint8_t side, uint64_t now,
	      struct ct_entry **out)
{
	struct ct_entry *e = ct_lookup(t, k, now);
	uint32_t i, b;

	if (e) {
		*out = e;
		return -EEXIST;
	}
	if (t->free == CT_NONE_IDX)
		ct_gc(t, now, 64);
	if (t->free == CT_NONE_IDX) {
		if (t->fifo_head == CT_NONE_IDX) {
			t->st.refused++;
			return -ENOSPC;
		}
		ct_remove(t, &t->e[t->fifo_head]);
		t->st.removed--;
		t->st.evicted++;
	}
	i = t->free;
	e = &t->e[i];
	t->free = e->next;
	e->key = *k;
	e->orig = side;
	e->state = CT_NEW;
	e->flags = 0;
	e->port[0] = e->port[1] = 0;
	e->gen = 0;
	e->rule[0] = e->rule[1] = 0;
	e->pkts[0] = e->pkts[1] = e->bytes[0] = e->bytes[1] = 0;
	e->created = now;
	e->expires = now + 1;	/* until the first packet sets the timer */
	b = bucket_of(t, k);
	e->next = t->bucket[b];
	t->bucket[b] = i;
	fifo_append(t, e);
	t->st.entries++;
	t->st.inserted++;
	*out = e;
	return 0;
}

uint32_t ct_timeout(const struct ct_table *t, const struct ct_entry *e)
{
	const struct ct_timeouts *to = &t->cfg.to;
	bool replied = e->flags & CT_F_REPLIED;

	switch (e->state) {
	case CT_TCP_SYN_SENT:    return to->tcp_syn_sent;
	case CT_TCP_SYN_RECV:    return to->tcp_syn_recv;
	case CT_TCP_ESTABLISHED: return to->tcp_established;
	case CT_TCP_FIN_WAIT:    return to->tcp_fin_wait;
	case CT_TCP_CLOSE_WAIT:  return to->tcp_close_wait;
	case CT_TCP_LAST_ACK:    return to->tcp_last_ack;
	case CT_TCP_TIME_WAIT:   return to->tcp_time_wait;
	case CT_TCP_CLOSE:       return to->tcp_close;
	case CT_UDP:             return replied ? to->udp_replied : to->udp;
	case CT_ICMP:            return to->icmp;
	case CT_OTHER:           return replied ? to->other_replied : to->other;
	default:                 return 0;
	}
}

/* TCP (after Linux's nf_conntrack_proto_tcp, without sequence-window
 * tracking: anti-spoofing and the port binding in the switch already
 * confine who can send on a flow). Only a bare SYN opens; simultaneous
 * open is not supported; RST closes from any state. */
static enum ct_verdict tcp_update(struct ct_entry *e, int dir, uint8_t f)
{
	bool syn = f & PKT_TCP_SYN, ack = f & PKT_TCP_ACK;

	if (f & PKT_TCP_RST) {
		if (e->state == CT_NEW)
			return CT_INVALID;
		e->state = CT_TCP_CLOSE;
		return CT_PASS;
	}
	if (syn && !ack) {
		if (dir)
			return CT_INVALID;
		switch (e->state) {
		case CT_NEW:
			e->state = CT_TCP_SYN_SENT;
			/* fall through */
		case CT_TCP_SYN_SENT:
		case CT_TCP_SYN_RECV:
			return CT_PASS;
		case CT_TCP_TIME_WAIT:
		case CT_TCP_CLOSE:
			return CT_REOPEN;
		default:
			return CT_INVALID;
		}
	}
	if (syn) {		/* SYN+ACK: only the responder, answering */
		if (!dir)
			return CT_INVALID;
		if (e->state == CT_TCP_SYN_SENT)
			e->state = CT_TCP_SYN_RECV;
		else if (e->state != CT_TCP_SYN_RECV && e->state != CT_TCP_ESTABLISHED)
			return CT_INVALID;
		return CT_PASS;
	}
	/* ACK, maybe with FIN (the parser refused every other combination). */
	switch (e->state) {
	case CT_NEW:
	case CT_TCP_SYN_SENT:
		return CT_INVALID;
	case CT_TCP_SYN_RECV:
		if (dir)
			return CT_INVALID;
		e->state = CT_TCP_ESTABLISHED;
		break;
	case CT_TCP_TIME_WAIT:
	case CT_TCP_CLOSE:
		return CT_PASS;
	default:
		break;
	}
	if (f & PKT_TCP_FIN)
		e->flags |= dir ? CT_F_FIN1 : CT_F_FIN0;
	switch (e->flags & (CT_F_FIN0 | CT_F_FIN1)) {
	case CT_F_FIN0 | CT_F_FIN1:
		/* The ACK of the second FIN ends it. */
		e->state = e->state == CT_TCP_LAST_ACK && !(f & PKT_TCP_FIN) ? CT_TCP_TIME_WAIT
									   : CT_TCP_LAST_ACK;
		break;
	case CT_F_FIN0:
		e->state = CT_TCP_FIN_WAIT;
		break;
	case CT_F_FIN1:
		e->state = CT_TCP_CLOSE_WAIT;
		break;
	default:
		e->state = CT_TCP_ESTABLISHED;
	}
	return CT_PASS;
}

enum ct_verdict ct_update(struct ct_table *t, struct ct_entry *e, int dir,
			  const struct pkt *p, uint32_t bytes, uint64_t now)
{
	enum ct_verdict v = CT_PASS;
	bool done;

	dir = !!dir;
	switch (e->key.proto) {
	case PKT_PROTO_TCP:
		v = tcp_update(e, dir, p->tcp_flags);
		done = e->state >= CT_TCP_ESTABLISHED;
		break;
	case PKT_PROTO_ICMP:
	case PKT_PROTO_ICMP6:
		if (e->key.proto == (e->key.family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6)) {
			if (dir ? !pkt_icmp_is_echo_rep(e->key.family, p->icmp_type)
				: !pkt_icmp_is_echo_req(e->key.family, p->icmp_type))
				return CT_INVALID;
			e->state = CT_ICMP;
			done = dir || (e->flags & CT_F_REPLIED);
			break;
		}
		/* ICMP of the other family is opaque: like any protocol. */
		/* fall through */
	default:
		if (e->state == CT_NEW)
			e->state = e->key.proto == PKT_PROTO_UDP ? CT_UDP : CT_OTHER;
		done = dir || (e->flags & CT_F_REPLIED);
		break;
	}
	if (v != CT_PASS)
		return v;
	if (done && !(e->flags & CT_F_REPLIED)) {
		e->flags |= CT_F_REPLIED;
		fifo_unlink(t, e);
	}
	e->pkts[dir]++;
	e->bytes[dir] += bytes;
	e->expires = now + ct_timeout(t, e);
	return CT_PASS;
}

void ct_stats(const struct ct_table *t, struct ct_stats *s)
{
	*s = t->st;
}

/* ------------------------------------------------------------ fragments */

#define FRAG_WAYS 4

struct frag_ent {
	struct ct_frag_key key;
	uint32_t in, out, hdr_end;
	uint64_t expires;      /* 0: free */
};

struct ct_frag_table {
	uint8_t  seed[16];
	uint32_t mask;         /* sets - 1 */
	struct frag_ent *e;
};

struct ct_frag_table *ct_frag_create(uint32_t capacity, const uint8_t seed[16])
{
	struct ct_frag_table *t;
	uint32_t sets = 4;

	if (capacity < 16 || capacity > (1u << 20))
		return NULL;
	while (sets * FRAG_WAYS < capacity)
		sets <<= 1;
	t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	memcpy(t->seed, seed, 16);
	t->mask = sets - 1;
	t->e = kcalloc((size_t)sets * FRAG_WAYS, sizeof(struct frag_ent));
	if (!t->e) {
		kfree(t);
		return NULL;
	}
	return t;
}

void ct_frag_destroy(struct ct_frag_table *t)
{
	if (!t)
		return;
	kfree(t->e);
	kfree(t);
}

void ct_frag_key_make(struct ct_frag_key *k, uint16_t zone, const struct pkt *p)
{
	k->zone = zone;
	k->family = p->t.family;
	k->proto = p->t.proto;
	k->id = p->frag_id;
	__builtin_memcpy(k->src, p->t.src, 16);
	__builtin_memcpy(k->dst, p->t.dst, 16);
}

static struct frag_ent *frag_set(struct ct_frag_table *t, const struct ct_frag_key *k)
{
	return &t->e[(ct_siphash(t->seed, k, sizeof(*k)) & t->mask) * FRAG_WAYS];
}

void ct_frag_note(struct ct_frag_table *t, const struct ct_frag_key *k, uint32_t in,
		  uint32_t out, uint32_t hdr_end, uint64_t expires)
{
	struct frag_ent *s = frag_set(t, k), *v = &s[0];

	for (int i = 0; i < FRAG_WAYS; i++) {
		if (s[i].expires && key40_eq(&s[i].key, k)) {
			v = &s[i];
			break;
		}
		if (s[i].expires < v->expires)
			v = &s[i];	/* free (0) or the oldest */
	}
	v->key = *k;
	v->in = in;
	v->out = out;
	v->hdr_end = hdr_end;
	v->expires = expires;
}

int ct_frag_check(struct ct_frag_table *t, const struct ct_frag_key *k, uint32_t in,
		  uint32_t out, uint32_t off, uint64_t now)
{
	struct frag_ent *s = frag_set(t, k);

	for (int i = 0; i < FRAG_WAYS; i++) {
		if (!s[i].expires || !key40_eq(&s[i].key, k))
			continue;
		if (s[i].expires <= now) {
			s[i].expires = 0;
			return -ENOENT;
		}
		if (s[i].in != in || s[i].out != out || off < s[i].hdr_end)
			return -EPERM;
		return 0;
	}
	return -ENOENT;
}
