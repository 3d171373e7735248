/* Unit tests of connection tracking (net/conntrack.c): canonical keys,
 * the TCP state machine (every transition it allows and the ones it
 * refuses), UDP and ICMP echo pseudo-connections, each timeout, the
 * table-full policy (evict the oldest unanswered, never an answered one,
 * refuse when only those remain), expiry, and the fragment table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/conntrack.h"
#include "tests/unit/support/net_frames.h"
#include "tests/unit/support/net_stubs.h"

#define SEC 1000ull

static unsigned removed_cb;

static void on_remove(void *ctx, const struct ct_entry *e)
{
	removed_cb++;
}

static struct ct_table *mk(uint32_t cap)
{
	struct ct_config c;
	struct ct_table *t;

	memset(&c, 0, sizeof(c));
	c.capacity = cap;
	memcpy(c.seed, "0123456789abcdef", 16);
	c.on_remove = on_remove;
	t = ct_create(&c);
	assert_non_null(t);
	removed_cb = 0;
	return t;
}

static struct pkt_tuple tup(uint8_t proto, const char *src, uint16_t sp, const char *dst,
			    uint16_t dp)
{
	struct pkt_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = strchr(src, ':') ? 6 : 4;
	t.proto = proto;
	fs_ip(t.src, src);
	fs_ip(t.dst, dst);
	t.sport = sp;
	t.dport = dp;
	return t;
}

static struct pkt tcp(uint8_t flags)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.t.family = 4;
	p.t.proto = PKT_PROTO_TCP;
	p.tcp_flags = flags;
	return p;
}

static struct pkt icmp(uint8_t family, uint8_t type)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.t.family = family;
	p.t.proto = family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6;
	p.icmp_type = type;
	return p;
}

/* A TCP flow from 10.0.0.1:1000 to 10.0.0.2:80, opened at t = 0. */
static struct ct_entry *open_tcp(struct ct_table *t, uint64_t now)
{
	struct pkt_tuple tu = tup(6, "10.0.0.1", 1000, "10.0.0.2", 80);
	struct pkt p = tcp(PKT_TCP_SYN);
	struct ct_entry *e;
	struct ct_key k;
	uint8_t side;

	ct_key_make(&k, 1, &tu, &side);
	assert_true(ct_can_open(&p));
	assert_int_equal(ct_insert(t, &k, side, now, &e), 0);
	assert_int_equal(e->state, CT_NEW);
	assert_int_equal(ct_update(t, e, 0, &p, 60, now), CT_PASS);
	assert_int_equal(e->state, CT_TCP_SYN_SENT);
	return e;
}

static enum ct_verdict up(struct ct_table *t, struct ct_entry *e, int dir, uint8_t flags,
			  uint64_t now)
{
	struct pkt p = tcp(flags);

	return ct_update(t, e, dir, &p, 40, now);
}

/* ------------------------------------------------------------ keys */

static void test_keys(void **st)
{
	struct pkt_tuple a = tup(6, "10.0.0.1", 1000, "10.0.0.2", 80);
	struct pkt_tuple b = tup(6, "10.0.0.2", 80, "10.0.0.1", 1000);
	struct pkt_tuple c = tup(6, "10.0.0.1", 1000, "10.0.0.2", 81);
	struct ct_key ka, kb, kc;
	uint8_t sa, sb, sc;

	ct_key_make(&ka, 3, &a, &sa);
	ct_key_make(&kb, 3, &b, &sb);
	assert_memory_equal(&ka, &kb, sizeof(ka));
	assert_int_not_equal(sa, sb);
	ct_key_make(&kc, 3, &c, &sc);
	assert_memory_not_equal(&ka, &kc, sizeof(ka));
	ct_key_make(&kb, 4, &a, &sb);		/* another zone */
	assert_memory_not_equal(&ka, &kb, sizeof(ka));
	/* Same addresses: the ports order the endpoints. */
	a = tup(17, "::1", 5, "::1", 9);
	b = tup(17, "::1", 9, "::1", 5);
	ct_key_make(&ka, 0, &a, &sa);
	ct_key_make(&kb, 0, &b, &sb);
	assert_memory_equal(&ka, &kb, sizeof(ka));
	assert_int_equal(sa, 0);
	assert_int_equal(sb, 1);
}

static void test_siphash(void **st)
{
	/* SipHash-1-3, key 00..0f, message 00..n-1: values from an
	 * independent implementation of the reference algorithm. */
	static const struct {
		size_t n;
		uint64_t h;
	} v[] = {
		{ 0, 0xabac0158050fc4dcull }, { 1, 0xc9f49bf37d57ca93ull },
		{ 7, 0xd3927d989bb11140ull }, { 8, 0x369095118d299a8eull },
		{ 15, 0xd320d86d2a519956ull }, { 40, 0xc1d2363299e41531ull },
	};
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(ct_siphash(key, msg, v[i].n), v[i].h);
	key[0] ^= 1;
	assert_int_not_equal(ct_siphash(key, msg, 40), v[5].h);
}

/* ------------------------------------------------------------ TCP */

static void test_tcp_lifecycle(void **st)
{
	struct ct_table *t = mk(64);
	struct ct_entry *e = open_tcp(t, 0);
	struct ct_stats s;

	assert_int_equal(e->expires, 30 * SEC);
	assert_int_equal(up(t, e, 1, PKT_TCP_SYN | PKT_TCP_ACK, 100), CT_PASS);
	assert_int_equal(e->state, CT_TCP_SYN_RECV);
	assert_false(e->flags & CT_F_REPLIED);
	assert_int_equal(up(t, e, 0, PKT_TCP_ACK, 200), CT_PASS);
	assert_int_equal(e->state, CT_TCP_ESTABLISHED);
	assert_true(e->flags & CT_F_REPLIED);
	assert_int_equal(e->expires, 200 + 7440 * SEC);
	assert_int_equal(up(t, e, 1, PKT_TCP_ACK | PKT_TCP_PSH, 300), CT_PASS);
	assert_int_equal(e->pkts[0], 2);
	assert_int_equal(e->pkts[1], 2);
	assert_int_equal(e->bytes[0], 100);
	/* Orderly close, originator first. */
	assert_int_equal(up(t, e, 0, PKT_TCP_FIN | PKT_TCP_ACK, 400), CT_PASS);
	assert_int_equal(e->state, CT_TCP_FIN_WAIT);
	assert_int_equal(e->expires, 400 + 60 * SEC);
	assert_int_equal(up(t, e, 1, PKT_TCP_ACK, 500), CT_PASS);
	assert_int_equal(e->state, CT_TCP_FIN_WAIT);
	assert_int_equal(up(t, e, 1, PKT_TCP_FIN | PKT_TCP_ACK, 600), CT_PASS);
	assert_int_equal(e->state, CT_TCP_LAST_ACK);
	assert_int_equal(e->expires, 600 + 30 * SEC);
	assert_int_equal(up(t, e, 0, PKT_TCP_ACK, 700), CT_PASS);
	assert_int_equal(e->state, CT_TCP_TIME_WAIT);
	assert_int_equal(e->expires, 700 + 60 * SEC);
	/* Retransmitted ACKs pass; a new SYN reopens (port reuse). */
	assert_int_equal(up(t, e, 1, PKT_TCP_ACK, 800), CT_PASS);
	assert_int_equal(up(t, e, 0, PKT_TCP_SYN, 900), CT_REOPEN);
	ct_stats(t, &s);
	assert_int_equal(s.entries, 1);
	ct_destroy(t);
}

static void test_tcp_responder_closes(void **st)
{
	struct ct_table *t = mk(64);
	struct ct_entry *e = open_tcp(t, 0);

	up(t, e, 1, PKT_TCP_SYN | PKT_TCP_ACK, 1);
	up(t, e, 0, PKT_TCP_ACK, 2);
	assert_int_equal(up(t, e, 1, PKT_TCP_FIN | PKT_TCP_ACK, 3), CT_PASS);
	assert_int_equal(e->state, CT_TCP_CLOSE_WAIT);
	assert_int_equal(e->expires, 3 + 60 * SEC);
	/* FIN and the ACK of the first together. */
	assert_int_equal(up(t, e, 0, PKT_TCP_FIN | PKT_TCP_ACK, 4), CT_PASS);
	assert_int_equal(e->state, CT_TCP_LAST_ACK);
	assert_int_equal(up(t, e, 1, PKT_TCP_ACK, 5), CT_PASS);
	assert_int_equal(e->state, CT_TCP_TIME_WAIT);
	ct_destroy(t);
}

static void test_tcp_rst(void **st)
{
	struct ct_table *t = mk(64);
	struct ct_entry *e = open_tcp(t, 0);

	/* A closed port answers the SYN with RST. */
	assert_int_equal(up(t, e, 1, PKT_TCP_RST | PKT_TCP_ACK, 10), CT_PASS);
	assert_int_equal(e->state, CT_TCP_CLOSE);
	assert_int_equal(e->expires, 10 + 10 * SEC);
	assert_int_equal(up(t, e, 0, PKT_TCP_ACK, 20), CT_PASS);	/* straggler */
	assert_int_equal(up(t, e, 0, PKT_TCP_SYN, 30), CT_REOPEN);
	ct_destroy(t);

	t = mk(64);
	e = open_tcp(t, 0);
	up(t, e, 1, PKT_TCP_SYN | PKT_TCP_ACK, 1);
	up(t, e, 0, PKT_TCP_ACK, 2);
	assert_int_equal(up(t, e, 0, PKT_TCP_RST, 3), CT_PASS);
	assert_int_equal(e->state, CT_TCP_CLOSE);
	ct_destroy(t);
}

static void test_tcp_invalid(void **st)
{
	struct ct_table *t = mk(64);
	struct ct_entry *e = open_tcp(t, 0);
	uint64_t exp = e->expires;

	/* SYN_SENT: only the responder's SYN+ACK or RST, or a resent SYN. */
	assert_int_equal(up(t, e, 0, PKT_TCP_SYN | PKT_TCP_ACK, 1), CT_INVALID);
	assert_int_equal(up(t, e, 1, PKT_TCP_SYN, 1), CT_INVALID);	/* simultaneous open */
	assert_int_equal(up(t, e, 1, PKT_TCP_ACK, 1), CT_INVALID);
	assert_int_equal(up(t, e, 0, PKT_TCP_ACK, 1), CT_INVALID);
	assert_int_equal(e->state, CT_TCP_SYN_SENT);
	assert_int_equal(e->expires, exp);	/* refused packets change nothing */
	assert_int_equal(e->pkts[0], 1);
	assert_int_equal(up(t, e, 0, PKT_TCP_SYN, 2), CT_PASS);
	/* SYN_RECV: the responder cannot ACK before the originator. */
	assert_int_equal(up(t, e, 1, PKT_TCP_SYN | PKT_TCP_ACK, 3), CT_PASS);
	assert_int_equal(up(t, e, 1, PKT_TCP_ACK, 4), CT_INVALID);
	assert_int_equal(up(t, e, 1, PKT_TCP_SYN | PKT_TCP_ACK, 5), CT_PASS);
	assert_int_equal(up(t, e, 0, PKT_TCP_ACK, 6), CT_PASS);
	/* ESTABLISHED: no SYN from either side (but a resent SYN+ACK). */
	assert_int_equal(up(t, e, 0, PKT_TCP_SYN, 7), CT_INVALID);
	assert_int_equal(up(t, e, 1, PKT_TCP_SYN, 7), CT_INVALID);
	assert_int_equal(up(t, e, 0, PKT_TCP_SYN | PKT_TCP_ACK, 7), CT_INVALID);
	assert_int_equal(up(t, e, 1, PKT_TCP_SYN | PKT_TCP_ACK, 7), CT_PASS);
	assert_int_equal(e->state, CT_TCP_ESTABLISHED);
	ct_destroy(t);

	/* A fresh entry takes only a SYN. */
	t = mk(64);
	{
		struct pkt_tuple tu = tup(6, "10.0.0.1", 1, "10.0.0.2", 2);
		struct pkt p;
		struct ct_key k;
		uint8_t side;

		ct_key_make(&k, 0, &tu, &side);
		assert_int_equal(ct_insert(t, &k, side, 0, &e), 0);
		assert_int_equal(up(t, e, 0, PKT_TCP_ACK, 0), CT_INVALID);
		assert_int_equal(up(t, e, 0, PKT_TCP_RST, 0), CT_INVALID);
		p = tcp(PKT_TCP_ACK);
		assert_false(ct_can_open(&p));
		p = tcp(PKT_TCP_SYN | PKT_TCP_ACK);
		assert_false(ct_can_open(&p));
		p = tcp(PKT_TCP_RST);
		assert_false(ct_can_open(&p));
	}
	ct_destroy(t);
}

/* ------------------------------------------------------------ UDP, ICMP */

static void test_udp(void **st)
{
	struct ct_table *t = mk(64);
	struct pkt_tuple tu = tup(17, "fd00::1", 5000, "fd00::2", 53);
	struct pkt p;
	struct ct_entry *e;
	struct ct_key k;
	uint8_t side;

	memset(&p, 0, sizeof(p));
	p.t = tu;
	assert_true(ct_can_open(&p));
	ct_key_make(&k, 0, &tu, &side);
	assert_int_equal(ct_insert(t, &k, side, 0, &e), 0);
	assert_int_equal(ct_insert(t, &k, side, 0, &e), -EEXIST);
	assert_int_equal(ct_update(t, e, 0, &p, 100, 0), CT_PASS);
	assert_int_equal(e->state, CT_UDP);
	assert_int_equal(e->expires, 30 * SEC);
	assert_int_equal(ct_update(t, e, 0, &p, 100, 1000), CT_PASS);
	assert_int_equal(e->expires, 1000 + 30 * SEC);
	assert_int_equal(ct_update(t, e, 1, &p, 100, 2000), CT_PASS);
	assert_true(e->flags & CT_F_REPLIED);
	assert_int_equal(e->expires, 2000 + 120 * SEC);
	/* Found until it expires, gone from then on. */
	assert_ptr_equal(ct_lookup(t, &k, 2000 + 120 * SEC - 1), e);
	assert_null(ct_lookup(t, &k, 2000 + 120 * SEC));
	assert_int_equal(removed_cb, 1);
	ct_destroy(t);
}

static void test_other_protocol(void **st)
{
	struct ct_table *t = mk(64);
	struct pkt_tuple tu = tup(47, "10.0.0.1", 0, "10.0.0.2", 0);
	struct pkt p;
	struct ct_entry *e;
	struct ct_key k;
	uint8_t side;

	memset(&p, 0, sizeof(p));
	p.t = tu;
	ct_key_make(&k, 0, &tu, &side);
	assert_int_equal(ct_insert(t, &k, side, 0, &e), 0);
	assert_int_equal(ct_update(t, e, 0, &p, 100, 0), CT_PASS);
	assert_int_equal(e->state, CT_OTHER);
	assert_int_equal(e->expires, 60 * SEC);
	assert_int_equal(ct_update(t, e, 1, &p, 100, 0), CT_PASS);
	assert_int_equal(e->expires, 600 * SEC);
	ct_destroy(t);
}

static void test_icmp_echo(void **st)
{
	struct ct_table *t = mk(64);
	struct pkt_tuple tu = tup(1, "10.0.0.1", 77, "10.0.0.2", 77);
	struct pkt req = icmp(4, 8), rep = icmp(4, 0), unr = icmp(4, 3);
	struct ct_entry *e;
	struct ct_key k;
	uint8_t side;

	assert_true(ct_can_open(&req));
	assert_false(ct_can_open(&rep));
	assert_false(ct_can_open(&unr));
	ct_key_make(&k, 0, &tu, &side);
	assert_int_equal(ct_insert(t, &k, side, 0, &e), 0);
	assert_int_equal(ct_update(t, e, 0, &rep, 84, 0), CT_INVALID);
	assert_int_equal(ct_update(t, e, 0, &req, 84, 0), CT_PASS);
	assert_int_equal(e->state, CT_ICMP);
	assert_int_equal(e->expires, 30 * SEC);
	assert_int_equal(ct_update(t, e, 1, &req, 84, 1), CT_INVALID);	/* a request back */
	assert_int_equal(ct_update(t, e, 1, &rep, 84, 1), CT_PASS);
	assert_true(e->flags & CT_F_REPLIED);
	ct_destroy(t);

	t = mk(64);
	req = icmp(6, 128);
	rep = icmp(6, 129);
	tu = tup(58, "fd00::1", 9, "fd00::2", 9);
	assert_true(ct_can_open(&req));
	assert_false(ct_can_open(&rep));
	ct_key_make(&k, 0, &tu, &side);
	assert_int_equal(ct_insert(t, &k, side, 0, &e), 0);
	assert_int_equal(ct_update(t, e, 0, &req, 84, 0), CT_PASS);
	assert_int_equal(ct_update(t, e, 1, &rep, 84, 0), CT_PASS);
	ct_destroy(t);
}

/* ------------------------------------------------------------ table */

static struct ct_entry *add_udp(struct ct_table *t, unsigned i, uint64_t now, int *err)
{
	struct pkt_tuple tu = tup(17, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53);
	struct pkt p;
	struct ct_entry *e = NULL;
	struct ct_key k;
	uint8_t side;

	memset(&p, 0, sizeof(p));
	p.t = tu;
	ct_key_make(&k, 0, &tu, &side);
	*err = ct_insert(t, &k, side, now, &e);
	if (!*err)
		assert_int_equal(ct_update(t, e, 0, &p, 10, now), CT_PASS);
	return *err ? NULL : e;
}

static bool has_udp(struct ct_table *t, unsigned i, uint64_t now)
{
	struct pkt_tuple tu = tup(17, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53);
	struct ct_key k;
	uint8_t side;

	ct_key_make(&k, 0, &tu, &side);
	return ct_lookup(t, &k, now) != NULL;
}

static void test_full_evicts_oldest_unanswered(void **st)
{
	struct ct_table *t = mk(16);
	struct ct_entry *e[20];
	struct ct_stats s;
	struct pkt p;
	int err;

	memset(&p, 0, sizeof(p));
	p.t.proto = PKT_PROTO_UDP;
	for (unsigned i = 0; i < 16; i++)
		assert_non_null(e[i] = add_udp(t, i, i, &err));
	/* Answer 0 and 2: they may never be evicted. */
	assert_int_equal(ct_update(t, e[0], 1, &p, 1, 20), CT_PASS);
	assert_int_equal(ct_update(t, e[2], 1, &p, 1, 20), CT_PASS);
	assert_non_null(add_udp(t, 16, 21, &err));
	assert_true(has_udp(t, 0, 22));
	assert_false(has_udp(t, 1, 22));	/* the oldest unanswered went */
	assert_true(has_udp(t, 2, 22));
	assert_true(has_udp(t, 3, 22));
	assert_non_null(add_udp(t, 17, 23, &err));
	assert_false(has_udp(t, 3, 24));
	assert_true(has_udp(t, 4, 24));
	ct_stats(t, &s);
	assert_int_equal(s.evicted, 2);
	assert_int_equal(s.entries, 16);
	assert_int_equal(removed_cb, 2);
	ct_destroy(t);
}

static void test_full_refuses_when_all_answered(void **st)
{
	struct ct_table *t = mk(16);
	struct ct_stats s;
	struct pkt p;
	int err;

	memset(&p, 0, sizeof(p));
	p.t.proto = PKT_PROTO_UDP;
	for (unsigned i = 0; i < 16; i++) {
		struct ct_entry *e = add_udp(t, i, 0, &err);

		assert_int_equal(ct_update(t, e, 1, &p, 1, 0), CT_PASS);
	}
	assert_null(add_udp(t, 99, 10, &err));
	assert_int_equal(err, -ENOSPC);
	ct_stats(t, &s);
	assert_int_equal(s.refused, 1);
	for (unsigned i = 0; i < 16; i++)
		assert_true(has_udp(t, i, 11));
	/* Once they expire, room again. */
	assert_non_null(add_udp(t, 99, 121 * SEC, &err));
	ct_stats(t, &s);
	assert_true(s.expired >= 1);
	ct_destroy(t);
}

static bool even_client(void *ctx, struct ct_entry *e)
{
	uint16_t client = e->key.port[0] == 53 ? e->key.port[1] : e->key.port[0];

	return !(client & 1);
}

static void test_gc_and_walk(void **st)
{
	struct ct_table *t = mk(256);
	struct ct_stats s;
	unsigned n = 0;
	int err;

	for (unsigned i = 0; i < 100; i++)
		add_udp(t, i, i < 50 ? 0 : 10 * SEC, &err);
	for (int k = 0; k < 2; k++)
		n += ct_gc(t, 30 * SEC, 256);	/* the first 50 expire at 30 s */
	assert_int_equal(n, 50);
	assert_int_equal(removed_cb, 50);
	ct_stats(t, &s);
	assert_int_equal(s.entries, 50);
	assert_int_equal(s.expired, 50);
	assert_false(has_udp(t, 10, 30 * SEC));
	assert_true(has_udp(t, 60, 30 * SEC));
	/* Client ports 1050..1099 are left: remove the even ones. */
	assert_int_equal(ct_walk(t, even_client, NULL), 25);
	ct_stats(t, &s);
	assert_int_equal(s.entries, 25);
	ct_destroy(t);
}

static void test_create_limits(void **st)
{
	struct ct_config c;

	memset(&c, 0, sizeof(c));
	c.capacity = 15;
	assert_null(ct_create(&c));
	c.capacity = (1u << 24) + 1;
	assert_null(ct_create(&c));
	c.capacity = 1000;
	for (long k = 0; k < 3; k++) {
		stub_alloc_fail_after(k);
		assert_null(ct_create(&c));
		stub_alloc_fail_after(-1);
	}
	assert_string_equal(ct_state_name(CT_TCP_TIME_WAIT), "time-wait");
	assert_string_equal(ct_state_name((enum ct_state)99), "?");
}

/* ------------------------------------------------------------ fragments */

static void frag_key(struct ct_frag_key *k, uint32_t id)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.t = tup(17, "10.0.0.1", 0, "10.0.0.2", 0);
	p.frag_id = id;
	ct_frag_key_make(k, 2, &p);
}

static void test_frag_table(void **st)
{
	struct ct_frag_table *f = ct_frag_create(16, (const uint8_t *)"0123456789abcdef");
	struct ct_frag_key k, k2;
	unsigned live = 0;

	assert_non_null(f);
	frag_key(&k, 1);
	frag_key(&k2, 2);
	assert_int_equal(ct_frag_check(f, &k, 10, 20, 8, 0), -ENOENT);
	ct_frag_note(f, &k, 10, 20, 8, 1000);
	assert_int_equal(ct_frag_check(f, &k, 10, 20, 8, 0), 0);
	assert_int_equal(ct_frag_check(f, &k, 10, 20, 1480, 999), 0);
	assert_int_equal(ct_frag_check(f, &k2, 10, 20, 8, 0), -ENOENT);
	assert_int_equal(ct_frag_check(f, &k, 11, 20, 8, 0), -EPERM);	/* other input */
	assert_int_equal(ct_frag_check(f, &k, 10, 21, 8, 0), -EPERM);	/* other output */
	assert_int_equal(ct_frag_check(f, &k, 10, 20, 0, 0), -EPERM);	/* overlaps headers */
	assert_int_equal(ct_frag_check(f, &k, 10, 20, 8, 1000), -ENOENT);	/* expired */
	assert_int_equal(ct_frag_check(f, &k, 10, 20, 8, 0), -ENOENT);
	/* Many datagrams: the table keeps at most its capacity, newest last. */
	for (uint32_t i = 100; i < 200; i++) {
		frag_key(&k, i);
		ct_frag_note(f, &k, 10, 20, 8, 5000 + i);
		assert_int_equal(ct_frag_check(f, &k, 10, 20, 8, 0), 0);
	}
	for (uint32_t i = 100; i < 200; i++) {
		frag_key(&k, i);
		live += ct_frag_check(f, &k, 10, 20, 8, 0) == 0;
	}
	assert_true(live <= 16 && live >= 4);
	ct_frag_destroy(f);
	assert_null(ct_frag_create(8, (const uint8_t *)"0123456789abcdef"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_siphash),
		cmocka_unit_test(test_tcp_lifecycle),
		cmocka_unit_test(test_tcp_responder_closes),
		cmocka_unit_test(test_tcp_rst),
		cmocka_unit_test(test_tcp_invalid),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_other_protocol),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_full_evicts_oldest_unanswered),
		cmocka_unit_test(test_full_refuses_when_all_answered),
		cmocka_unit_test(test_gc_and_walk),
		cmocka_unit_test(test_create_limits),
		cmocka_unit_test(test_frag_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
