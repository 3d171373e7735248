/* Unit tests of the frame parser (net/pkt.c): every frame kind it knows
 * parses into the right fields; every malformation named in pkt.h is
 * refused with its reason; every valid frame truncated at every length is
 * refused; random corruption of valid frames never reads out of bounds
 * (ASan) and never yields offsets outside the frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/pkt.h"
#include "tests/unit/support/net_frames.h"

static uint8_t buf[70000];
static struct pkt p;

static size_t build(const struct fspec *s)
{
	size_t n = fs_build(s, buf, sizeof(buf));

	assert_true(n > 0);
	return n;
}

/* Parses buf[0..n) from an exactly sized heap copy, so ASan sees any read
 * past the end. */
static enum pkt_err parse_n(size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	enum pkt_err e;

	memcpy(copy, buf, n);
	e = pkt_parse(copy, n, &p);
	free(copy);
	return e;
}

static void expect_at(int line, size_t n, enum pkt_err want)
{
	enum pkt_err got = parse_n(n);

	if (got != want)
		fail_msg("line %d: parse: want %s, got %s", line, pkt_err_name(want),
			 pkt_err_name(got));
}
#define expect(n, want) expect_at(__LINE__, (n), (want))

/* ------------------------------------------------------------ valid */

static void test_ipv4_tcp(void **st)
{
	struct fspec s;
	size_t n;

	fs_init(&s);
	s.payload = 10;
	n = build(&s);
	expect(n, PKT_OK);
	assert_int_equal(p.l3, PKT_L3_IPV4);
	assert_int_equal(p.t.family, 4);
	assert_int_equal(p.t.proto, PKT_PROTO_TCP);
	assert_int_equal(p.t.sport, 1000);
	assert_int_equal(p.t.dport, 80);
	assert_int_equal(p.tcp_flags, PKT_TCP_SYN);
	assert_int_equal(p.frag, PKT_FRAG_NONE);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.l4_len, 30);
	assert_memory_equal(p.t.src, "\x0a\x00\x00\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_false(p.tagged);
	/* Ethernet padding after the IP packet is not part of it. */
	memset(buf + n, 0, 20);
	expect(n + 20, PKT_OK);
	assert_int_equal(p.l4_len, 30);
}

static void test_ipv4_udp_icmp_options(void **st)
{
	struct fspec s;

	fs_init(&s);
	s.proto = PKT_PROTO_UDP;
	s.sport = 5353;
	s.dport = 53;
	s.payload = 3;
	s.ip_opts_len = 8;	/* NOP, timestamp-ish option of 4, NOP, EOL... */
	memcpy(s.ip_opts, "\x01\x44\x04\x05\x01\x00\x00\x00", 8);
	expect(build(&s), PKT_OK);
	assert_int_equal(p.t.proto, PKT_PROTO_UDP);
	assert_int_equal(p.t.dport, 53);
	assert_int_equal(p.l4_off, 14 + 28);

	fs_init(&s);
	s.proto = PKT_PROTO_ICMP;
	s.icmp_type = 8;
	s.icmp_id = 0x1234;
	expect(build(&s), PKT_OK);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_id, 0x1234);
	assert_int_equal(p.t.sport, 0);
	assert_int_equal(p.t.dport, 0);
	assert_true(pkt_icmp_is_echo_req(4, 8));
	assert_true(pkt_icmp_is_echo_rep(6, 129));
}

static void test_vlan(void **st)
{
	struct fspec s;

	fs_init(&s);
	s.vlan = 42;
	expect(build(&s), PKT_OK);
	assert_true(p.tagged);
	assert_int_equal(p.vid, 42);
	assert_int_equal(p.l3_off, 18);
	assert_int_equal(p.t.dport, 80);
	s.vlan = 0;	/* priority tag */
	expect(build(&s), PKT_OK);
	assert_true(p.tagged);
	assert_int_equal(p.vid, 0);
}

static void test_arp(void **st)
{
	struct fspec s;

	fs_init(&s);
	s.arp_op = 1;
	memcpy(s.sha, s.smac, 6);
	fs_ip(s.spa, "10.0.0.1");
	fs_ip(s.tpa, "10.0.0.2");
	expect(build(&s), PKT_OK);
	assert_int_equal(p.l3, PKT_L3_ARP);
	assert_int_equal(p.arp.op, 1);
	assert_memory_equal(p.arp.sha, s.smac, 6);
	assert_memory_equal(p.arp.tpa, "\x0a\x00\x00\x02", 4);
}

static void test_ipv6_ext_headers(void **st)
{
	struct fspec s;

	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	s.v6_next = 3;
	s.v6_ext[0] = 0;	/* hop-by-hop */
	s.v6_ext[1] = 60;	/* destination options */
	s.v6_ext[2] = 43;	/* routing, type 4, segments left 0 */
	expect(build(&s), PKT_OK);
	assert_int_equal(p.l3, PKT_L3_IPV6);
	assert_int_equal(p.t.proto, PKT_PROTO_TCP);
	assert_int_equal(p.l4_off, 14 + 40 + 24);
	assert_int_equal(p.t.dport, 80);
	assert_memory_equal(p.t.dst, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
}

static void test_ipv6_nd(void **st)
{
	struct fspec s;

	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fe80::1");
	fs_ip(s.dst, "ff02::1:ff00:2");
	s.proto = PKT_PROTO_ICMP6;
	s.icmp_type = 135;
	fs_ip(s.nd_target, "fd00::2");
	s.nd_sll = 1;
	memcpy(s.sll, s.smac, 6);
	expect(build(&s), PKT_OK);
	assert_int_equal(p.icmp_type, 135);
	assert_true(p.nd.has_sll);
	assert_false(p.nd.has_tll);
	assert_memory_equal(p.nd.sll, s.smac, 6);
	assert_memory_equal(p.nd.target, s.nd_target, 16);

	s.icmp_type = 136;
	s.nd_sll = 0;
	s.nd_tll = 1;
	memcpy(s.tll, s.smac, 6);
	expect(build(&s), PKT_OK);
	assert_true(p.nd.has_tll);
}

static void test_fragments_v4(void **st)
{
	struct fspec s;
	size_t n;

	fs_init(&s);
	s.proto = PKT_PROTO_UDP;
	s.frag = 1;
	s.frag_id = 77;
	s.payload = 16;
	/* A first fragment: UDP length names the whole datagram. */
	n = build(&s);
	buf[14 + 20 + 4] = 0x05;	/* UDP length 1280 > this fragment */
	buf[14 + 20 + 5] = 0x00;
	expect(n, PKT_OK);
	assert_int_equal(p.frag, PKT_FRAG_FIRST);
	assert_int_equal(p.frag_id, 77);
	assert_int_equal(p.frag_hdr_end, 8);
	assert_int_equal(p.t.dport, 80);

	fs_init(&s);
	s.frag = 1;
	s.payload = 4;
	expect(build(&s), PKT_OK);
	assert_int_equal(p.frag_hdr_end, 20);

	fs_init(&s);
	s.frag = 2;
	s.frag_off = 24;
	s.payload = 40;
	expect(build(&s), PKT_OK);
	assert_int_equal(p.frag, PKT_FRAG_LATER);
	assert_int_equal(p.frag_off, 24);
	assert_int_equal(p.t.sport, 0);	/* no ports in a later fragment */
	assert_int_equal(p.t.proto, PKT_PROTO_TCP);
}

static void test_fragments_v6(void **st)
{
	struct fspec s;

	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	s.frag = 1;
	s.frag_id = 0xdeadbeef;
	s.payload = 8;
	s.v6_next = 1;
	s.v6_ext[0] = 60;	/* before the fragment header: unfragmentable */
	expect(build(&s), PKT_OK);
	assert_int_equal(p.frag, PKT_FRAG_FIRST);
	assert_int_equal(p.frag_id, 0xdeadbeef);
	assert_int_equal(p.frag_hdr_end, 20);
	assert_int_equal(p.t.dport, 80);

	s.frag = 2;
	s.frag_off = 32;
	s.payload = 64;
	expect(build(&s), PKT_OK);
	assert_int_equal(p.frag, PKT_FRAG_LATER);
	assert_int_equal(p.frag_off, 32);
	assert_int_equal(p.t.proto, PKT_PROTO_TCP);

	/* An atomic fragment (offset 0, no M) is a whole packet. */
	s.frag = 2;
	s.frag_off = 0;
	s.payload = 0;
	{
		size_t n;

		s.frag = 1;
		n = build(&s);
		buf[14 + 40 + 8 + 3] &= (uint8_t)~1;	/* clear M */
		expect(n, PKT_OK);
		assert_int_equal(p.frag, PKT_FRAG_NONE);
		assert_int_equal(p.t.dport, 80);
	}
}

static void test_icmp_error_inner(void **st)
{
	struct fspec in, s;
	uint8_t q[128];
	size_t qn;

	fs_init(&in);
	in.proto = PKT_PROTO_UDP;
	in.sport = 4000;
	in.dport = 53;
	qn = fs_build(&in, q, sizeof(q));
	fs_init(&s);
	fs_ip(s.src, "10.0.0.254");
	memcpy(s.dst, in.src, 16);
	s.proto = PKT_PROTO_ICMP;
	s.icmp_type = 3;
	s.icmp_code = 3;
	s.inner = q + 14;
	s.inner_len = (uint16_t)(qn - 14);
	expect(build(&s), PKT_OK);
	assert_int_equal(p.inner.family, 4);
	assert_int_equal(p.inner.proto, PKT_PROTO_UDP);
	assert_int_equal(p.inner.sport, 4000);
	assert_int_equal(p.inner.dport, 53);
	assert_memory_equal(p.inner.src, in.src, 16);

	/* A quoted later fragment has no ports: no inner tuple. */
	{
		uint8_t save = q[14 + 7];

		q[14 + 7] = 3;	/* fragment offset 24 */
		expect(build(&s), PKT_OK);
		assert_int_equal(p.inner.family, 0);
		q[14 + 7] = save;
	}
	/* A quote too short for its ports: no inner tuple, still valid. */
	s.inner_len = 24;
	expect(build(&s), PKT_OK);
	assert_int_equal(p.inner.family, 0);

	/* IPv6: packet too big quoting a TCP segment. */
	fs_init(&in);
	in.family = 6;
	fs_ip(in.src, "fd00::1");
	fs_ip(in.dst, "fd00::9");
	qn = fs_build(&in, q, sizeof(q));
	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fd00::fe");
	fs_ip(s.dst, "fd00::1");
	s.proto = PKT_PROTO_ICMP6;
	s.icmp_type = 2;
	s.inner = q + 14;
	s.inner_len = (uint16_t)(qn - 14);
	expect(build(&s), PKT_OK);
	assert_int_equal(p.inner.family, 6);
	assert_int_equal(p.inner.proto, PKT_PROTO_TCP);
	assert_int_equal(p.inner.dport, 80);
}

static void test_other_ethertype(void **st)
{
	struct fspec s;

	fs_init(&s);
	s.ethertype = 0x88cc;	/* LLDP */
	expect(build(&s), PKT_OK);
	assert_int_equal(p.l3, PKT_L3_OTHER);
	s.ethertype = 0x0100;	/* an 802.3 length */
	expect(build(&s), PKT_OK);
	assert_int_equal(p.l3, PKT_L3_OTHER);
}

/* ------------------------------------------------------------ malformed */

static void test_ethernet_and_vlan(void **st)
{
	struct fspec s;
	size_t n;

	expect(0, PKT_ERR_LEN);
	expect(13, PKT_ERR_LEN);
	assert_int_equal(pkt_parse(buf, PKT_MAX_LEN + 1, &p), PKT_ERR_LEN);
	fs_init(&s);
	s.vlan = 5;
	build(&s);
	expect(15, PKT_ERR_VLAN);
	expect(17, PKT_ERR_VLAN);
	/* Stacked tags: 802.1Q in 802.1Q, 802.1ad, 0x9100. */
	n = build(&s);
	buf[16] = 0x81;
	buf[17] = 0x00;
	expect(n, PKT_ERR_VLAN_STACK);
	buf[16] = 0x88;
	buf[17] = 0xa8;
	expect(n, PKT_ERR_VLAN_STACK);
	buf[12] = 0x88;
	buf[13] = 0xa8;
	expect(n, PKT_ERR_VLAN_STACK);
	buf[12] = 0x91;
	buf[13] = 0x00;
	expect(n, PKT_ERR_VLAN_STACK);
}

static void test_arp_malformed(void **st)
{
	struct fspec s;
	size_t n;

	fs_init(&s);
	s.arp_op = 2;
	n = build(&s);
	expect(n, PKT_OK);
	buf[14 + 7] = 3;	/* RARP request */
	expect(n, PKT_ERR_ARP);
	n = build(&s);
	buf[14 + 4] = 8;	/* hlen */
	expect(n, PKT_ERR_ARP);
	n = build(&s);
	buf[14 + 2] = 0x86;	/* ptype */
	expect(n, PKT_ERR_ARP);
}

static void test_ipv4_header_lies(void **st)
{
	struct fspec s;
	size_t n;

	fs_init(&s);
	s.payload = 20;
	n = build(&s);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		buf[14] = (uint8_t)(0x40 | ihl);
		expect(n, PKT_ERR_IP_HDRLEN);
	}
	buf[14] = 0x4f;		/* 60 bytes of header: past a 20+20 packet? no: */
	expect(40 + 14 - 1, PKT_ERR_IP_HDRLEN);
	n = build(&s);
	buf[14] = 0x65;		/* version 6 in an IPv4 EtherType */
	expect(n, PKT_ERR_IP_VERSION);
	n = build(&s);
	buf[16] = 0;
	buf[17] = 19;		/* total length below the header */
	expect(n, PKT_ERR_IP_TOTLEN);
	buf[17] = (uint8_t)(n - 14 + 1);	/* one byte more than the frame */
	expect(n, PKT_ERR_IP_TOTLEN);
	buf[16] = 0xff;
	buf[17] = 0xff;
	expect(n, PKT_ERR_IP_TOTLEN);
	n = build(&s);
	buf[20] |= 0x80;	/* reserved ("evil") flag */
	expect(n, PKT_ERR_IP_FRAG);
	n = build(&s);
	buf[20] = 0x1f;		/* offset 65528 + 40 bytes: ping of death */
	buf[21] = 0xff;
	expect(n, PKT_ERR_IP_FRAG);
	fs_init(&s);
	fs_ip(s.src, "224.0.0.5");
	expect(build(&s), PKT_ERR_IP_ADDR);
	fs_ip(s.src, "255.255.255.255");
	expect(build(&s), PKT_ERR_IP_ADDR);
}

static void test_ipv4_options(void **st)
{
	static const struct {
		uint8_t len;
		const char *bytes;
		enum pkt_err want;
	} cases[] = {
		{ 4, "\x01\x01\x01\x00", PKT_OK },               /* NOPs, EOL */
		{ 4, "\x00\x99\x99\x99", PKT_OK },               /* EOL first: rest ignored */
		{ 4, "\x44\x00\x00\x00", PKT_ERR_IP_OPTION },    /* length 0 */
		{ 4, "\x44\x01\x00\x00", PKT_ERR_IP_OPTION },    /* length 1 */
		{ 4, "\x44\x05\x00\x00", PKT_ERR_IP_OPTION },    /* past the header */
		{ 4, "\x01\x01\x01\x44", PKT_ERR_IP_OPTION },    /* no room for length */
		{ 8, "\x83\x07\x04\x0a\x00\x00\x01\x00", PKT_ERR_IP_OPTION }, /* LSRR */
		{ 8, "\x89\x07\x04\x0a\x00\x00\x01\x00", PKT_ERR_IP_OPTION }, /* SSRR */
		{ 4, "\x94\x04\x00\x00", PKT_OK },               /* router alert */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fspec s;

		fs_init(&s);
		s.ip_opts_len = cases[i].len;
		memcpy(s.ip_opts, cases[i].bytes, cases[i].len);
		expect(build(&s), cases[i].want);
	}
}

static void test_ipv6_malformed(void **st)
{
	struct fspec s;
	size_t n;

	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	n = build(&s);
	buf[14] = 0x45;
	expect(n, PKT_ERR_IP_VERSION);
	n = build(&s);
	buf[18] = 0;
	buf[19] = 21;		/* payload length past the frame */
	expect(n, PKT_ERR_IP_TOTLEN);
	buf[19] = 19;		/* too short for the TCP header */
	expect(n, PKT_ERR_L4_TRUNC);
	fs_ip(s.src, "ff02::1");
	expect(build(&s), PKT_ERR_IP_ADDR);
	fs_ip(s.src, "fd00::1");

	/* Hop-by-hop not first. */
	s.v6_next = 2;
	s.v6_ext[0] = 60;
	s.v6_ext[1] = 0;
	expect(build(&s), PKT_ERR_V6_EXT);
	/* Two routing headers; a third destination options header. */
	s.v6_ext[0] = 43;
	s.v6_ext[1] = 43;
	expect(build(&s), PKT_ERR_V6_EXT);
	s.v6_next = 3;
	s.v6_ext[0] = 60;
	s.v6_ext[1] = 60;
	s.v6_ext[2] = 60;
	expect(build(&s), PKT_ERR_V6_EXT);
	/* RH0, and a routing header with segments left. */
	s.v6_next = 1;
	s.v6_ext[0] = 43;
	n = build(&s);
	buf[14 + 40 + 2] = 0;
	expect(n, PKT_ERR_V6_EXT);
	n = build(&s);
	buf[14 + 40 + 3] = 1;
	expect(n, PKT_ERR_V6_EXT);
	/* An extension header whose length runs past the packet. */
	n = build(&s);
	buf[14 + 40 + 1] = 3;	/* 32 bytes, but 8 + 20 follow */
	expect(n, PKT_ERR_V6_EXT);
	/* Two fragment headers. */
	s.v6_next = 1;
	s.v6_ext[0] = 44;
	s.frag = 1;
	s.payload = 8;
	expect(build(&s), PKT_ERR_V6_EXT);
}

/* Many headers: at most PKT_V6_MAX_EXT are walked. Alternating
 * destination options and AH would violate the repeat rules, so hand-made
 * chains of HBH + DST + RT + DST + AH ... exceed it instead by AH lengths
 * and a chain of unknown-to-us-but-extension headers. */
static void test_ipv6_ext_bound(void **st)
{
	struct fspec s;
	size_t n;
	uint8_t *ip;

	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	s.proto = 59;		/* no next header */
	s.payload = 0;
	n = build(&s);
	ip = buf + 14;
	/* Build HBH, DST, RT, DST, AH, FRAG(atomic), then 3 more: 9 headers,
	 * the last ones repeated kinds: refused either way, never looping. */
	{
		static const uint8_t chain[] = { 0, 60, 43, 60, 51, 44, 60, 60, 60 };
		uint8_t *h = ip + 40;

		ip[6] = chain[0];
		for (size_t i = 0; i < sizeof(chain); i++) {
			memset(h, 0, 8);
			h[0] = i + 1 < sizeof(chain) ? chain[i + 1] : 59;
			if (chain[i] == 43)
				h[2] = 4;
			if (chain[i] == 51)
				h[1] = 0;	/* AH: (0 + 2) * 4 = 8 bytes */
			h += 8;
		}
		ip[4] = 0;
		ip[5] = (uint8_t)(h - ip - 40);
		n = (size_t)(h - buf);
	}
	expect(n, PKT_ERR_V6_EXT);
	/* The first six alone are fine. */
	buf[14 + 40 + 5 * 8] = 59;
	buf[18] = 0;
	buf[19] = 48;
	expect(14 + 40 + 48, PKT_OK);
	assert_int_equal(p.t.proto, 59);
}

static void test_l4_malformed(void **st)
{
	struct fspec s;
	size_t n;
	static const uint8_t bad_flags[] = {
		0, PKT_TCP_SYN | PKT_TCP_FIN, PKT_TCP_SYN | PKT_TCP_RST, PKT_TCP_FIN,
		PKT_TCP_FIN | PKT_TCP_SYN | PKT_TCP_URG | PKT_TCP_PSH, PKT_TCP_URG, PKT_TCP_PSH,
	};

	fs_init(&s);
	for (size_t i = 0; i < sizeof(bad_flags); i++) {
		s.tcp_flags = bad_flags[i];
		expect(build(&s), PKT_ERR_TCP_FLAGS);
	}
	s.tcp_flags = PKT_TCP_ACK | PKT_TCP_PSH;
	expect(build(&s), PKT_OK);
	n = build(&s);
	buf[14 + 20 + 12] = 4 << 4;
	expect(n, PKT_ERR_TCP_HDRLEN);
	buf[14 + 20 + 12] = 6 << 4;	/* 24 bytes, 20 there */
	expect(n, PKT_ERR_TCP_HDRLEN);

	fs_init(&s);
	s.proto = PKT_PROTO_UDP;
	s.payload = 4;
	n = build(&s);
	buf[14 + 20 + 5] = 7;
	expect(n, PKT_ERR_UDP_LEN);
	buf[14 + 20 + 5] = 13;
	expect(n, PKT_ERR_UDP_LEN);
	buf[14 + 20 + 5] = 11;	/* shorter than the IP payload: fine */
	expect(n, PKT_OK);

	/* ICMP shorter than 8 bytes. */
	fs_init(&s);
	s.proto = PKT_PROTO_ICMP;
	n = build(&s);
	buf[17] = 20 + 7;
	expect(n - 1, PKT_ERR_L4_TRUNC);
}

static void test_first_fragment_short(void **st)
{
	struct fspec s;
	size_t n;

	/* IPv4 first fragment with 8 bytes of a TCP header. */
	fs_init(&s);
	s.frag = 1;
	n = build(&s);
	buf[17] = 28;
	expect(n - 12, PKT_ERR_FRAG_SHORT);
	/* TCP header with options cut by the fragment end. */
	n = build(&s);
	buf[14 + 20 + 12] = 8 << 4;
	expect(n, PKT_ERR_FRAG_SHORT);
	/* IPv6: the extension chain continues past the first fragment. */
	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	s.frag = 1;
	n = build(&s);
	buf[14 + 40] = 60;	/* fragment header says DSTOPTS follows */
	buf[14 + 40 + 8 + 1] = 4;	/* of 40 bytes, with 20 left */
	expect(n, PKT_ERR_FRAG_SHORT);
	/* UDP first fragment whose length says it is complete. */
	fs_init(&s);
	s.proto = PKT_PROTO_UDP;
	s.frag = 1;
	s.payload = 8;
	expect(build(&s), PKT_ERR_UDP_LEN);
}

static void test_nd_malformed(void **st)
{
	struct fspec s;
	size_t n;

	fs_init(&s);
	s.family = 6;
	fs_ip(s.src, "fe80::1");
	fs_ip(s.dst, "fe80::2");
	s.proto = PKT_PROTO_ICMP6;
	s.icmp_type = 136;
	fs_ip(s.nd_target, "fe80::1");
	s.nd_tll = 1;
	n = build(&s);
	expect(n, PKT_OK);
	buf[14 + 7] = 64;	/* hop limit */
	expect(n, PKT_ERR_ND);
	n = build(&s);
	buf[14 + 40 + 24 + 1] = 0;	/* option length 0 */
	expect(n, PKT_ERR_ND);
	buf[14 + 40 + 24 + 1] = 2;	/* option past the message */
	expect(n, PKT_ERR_ND);
	n = build(&s);
	buf[14 + 40 + 1] = 1;	/* code */
	expect(n, PKT_ERR_ND);
	fs_ip(s.nd_target, "ff02::1");
	expect(build(&s), PKT_ERR_ND);
	fs_ip(s.nd_target, "fe80::1");
	/* Two different target link-layer addresses. */
	s.nd_sll = 0;
	n = build(&s);
	memcpy(buf + n, buf + n - 8, 8);
	buf[n + 7] ^= 1;
	buf[19] += 8;
	expect(n + 8, PKT_ERR_ND);
	/* Truncated message (no target). */
	n = build(&s);
	buf[19] = 20;
	expect(14 + 40 + 20, PKT_ERR_ND);
	/* Fragmented ND. */
	s.frag = 1;
	s.payload = 8;
	expect(build(&s), PKT_ERR_ND);
}

/* ------------------------------------------------------------ corpora */

/* Every valid frame kind, for truncation and mutation. */
static size_t corpus(unsigned i, uint8_t *out)
{
	struct fspec s;
	uint8_t q[128];

	fs_init(&s);
	switch (i) {
	case 0: break;
	case 1: s.vlan = 7; s.payload = 5; break;
	case 2: s.proto = PKT_PROTO_UDP; s.payload = 9; break;
	case 3: s.proto = PKT_PROTO_ICMP; s.icmp_type = 8; s.payload = 3; break;
	case 4: s.arp_op = 1; break;
	case 5: s.ip_opts_len = 4; memcpy(s.ip_opts, "\x94\x04\x00\x00", 4); break;
	case 6: s.frag = 1; s.payload = 4; break;
	case 7: s.frag = 2; s.frag_off = 24; s.payload = 16; break;
	case 8: case 9: case 10: case 11: case 12:
		s.family = 6;
		fs_ip(s.src, "fd00::1");
		fs_ip(s.dst, "fd00::2");
		if (i == 9) {
			s.v6_next = 2;
			s.v6_ext[0] = 0;
			s.v6_ext[1] = 43;
		}
		if (i == 10) {
			s.frag = 1;
			s.payload = 4;
		}
		if (i == 11) {
			s.proto = PKT_PROTO_ICMP6;
			s.icmp_type = 135;
			fs_ip(s.nd_target, "fd00::2");
			s.nd_sll = 1;
		}
		if (i == 12) {
			s.proto = PKT_PROTO_UDP;
			s.payload = 2;
		}
		break;
	case 13: {
		struct fspec in;
		size_t qn;

		fs_init(&in);
		qn = fs_build(&in, q, sizeof(q));
		s.proto = PKT_PROTO_ICMP;
		s.icmp_type = 3;
		s.inner = q + 14;
		s.inner_len = (uint16_t)(qn - 14);
		break;
	}
	default:
		return 0;
	}
	return fs_build(&s, out, 2048);
}

static void test_truncated_everywhere(void **st)
{
	size_t n;

	for (unsigned i = 0; (n = corpus(i, buf)); i++) {
		expect(n, PKT_OK);
		for (size_t k = 0; k < n; k++) {
			enum pkt_err e = parse_n(k);

			if (e == PKT_OK)
				fail_msg("corpus %u truncated to %zu of %zu parsed", i, k, n);
		}
	}
}

/* Offsets of a frame that parsed stay inside it. */
static void check_invariants(size_t n)
{
	assert_true(p.len == n);
	assert_true(p.l3_off <= n);
	if (p.l3 == PKT_L3_IPV4 || p.l3 == PKT_L3_IPV6) {
		assert_true(p.l4_off <= n);
		assert_true(p.l4_len <= n - p.l4_off);
		if (p.frag != PKT_FRAG_LATER)
			assert_true(p.l4_len >= pkt_l4_min(p.t.proto));
	}
}

static void test_random_corruption(void **st)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t orig[2048];
	size_t n;

	for (unsigned i = 0; (n = corpus(i, orig)); i++) {
		for (int round = 0; round < 4000; round++) {
			size_t len = n;

			memcpy(buf, orig, n);
			for (int k = 0; k < 1 + round % 4; k++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				buf[x % n] = (uint8_t)(x >> 32);
			}
			if (round % 3 == 0)
				len = (size_t)(x >> 40) % (n + 1);
			if (parse_n(len) == PKT_OK)
				check_invariants(len);
		}
	}
}

static void test_names(void **st)
{
	for (int e = 0; e < PKT_ERR_COUNT; e++)
		assert_non_null(pkt_err_name((enum pkt_err)e));
	assert_string_equal(pkt_err_name(PKT_ERR_IP_HDRLEN), "ip-hdrlen");
	assert_string_equal(pkt_err_name((enum pkt_err)999), "?");
	assert_int_equal(pkt_l4_min(PKT_PROTO_TCP), 20);
	assert_int_equal(pkt_l4_min(47), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_udp_icmp_options),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_ipv6_nd),
		cmocka_unit_test(test_fragments_v4),
		cmocka_unit_test(test_fragments_v6),
		cmocka_unit_test(test_icmp_error_inner),
		cmocka_unit_test(test_other_ethertype),
		cmocka_unit_test(test_ethernet_and_vlan),
		cmocka_unit_test(test_arp_malformed),
		cmocka_unit_test(test_ipv4_header_lies),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv6_malformed),
		cmocka_unit_test(test_ipv6_ext_bound),
		cmocka_unit_test(test_l4_malformed),
		cmocka_unit_test(test_first_fragment_short),
		cmocka_unit_test(test_nd_malformed),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
