/*
 * What the benchmarks share (tests/bench/switch_bench.c, acl_bench.c): a
 * deterministic random source, the generated rule sets and packet traces,
 * the linear-scan reference, a UDP frame. Host code, not a test.
 */
#include <string.h>
#include <time.h>
#include "tests/bench/bench_gen.h"
#include "tests/unit/support/net_frames.h"

static uint64_t rs = 0x243f6a8885a308d3ull;

uint32_t bench_rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 16);
}

double bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* A 5-tuple rule as a benchmark would generate it: protocol, source and
 * destination prefixes of /12 to /32 inside 10.16.0.0 - 10.255.255.255
 * (so that none covers the switch benchmark's VMs in 10.0.0.0/24), a
 * destination port, port range or any, now and then a source port
 * range; allow or deny; first match wins. */
void gen_rule(struct fw_rule *r, uint32_t id)
{
	fw_rule_init(r, id, bench_rnd() % 2 ? FW_ALLOW : FW_DENY);
	r->proto = bench_rnd() % 2 ? 6 : 17;
	for (int k = 0; k < 2; k++) {
		struct fw_peer *pe = k ? &r->dst : &r->src;

		pe->kind = FW_PEER_CIDR;
		pe->cidr.family = 4;
		pe->cidr.plen = (uint8_t)(12 + bench_rnd() % 21);
		pe->cidr.addr[0] = 10;
		pe->cidr.addr[1] = (uint8_t)(16 + bench_rnd() % 240);
		pe->cidr.addr[2] = (uint8_t)bench_rnd();
		pe->cidr.addr[3] = (uint8_t)bench_rnd();
	}
	switch (bench_rnd() % 4) {
	case 0:
	case 1:
		r->dport.lo = r->dport.hi = (uint16_t)(1 + bench_rnd() % 10000);
		break;
	case 2:
		r->dport.lo = (uint16_t)(1 + bench_rnd() % 60000);
		r->dport.hi = (uint16_t)(r->dport.lo + bench_rnd() % 5000);
		break;
	default:
		break;
	}
	if (bench_rnd() % 8 == 0) {
		r->sport.lo = 1024;
		r->sport.hi = 65535;
	}
}

/* A packet: half aimed inside a random rule, half anywhere in 10/8. */
void gen_tuple(struct pkt_tuple *t, const struct fw_rule *rules, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->family = 4;
	t->proto = bench_rnd() % 2 ? 6 : 17;
	t->src[0] = t->dst[0] = 10;
	t->src[1] = (uint8_t)(16 + bench_rnd() % 240);
	t->dst[1] = (uint8_t)(16 + bench_rnd() % 240);
	for (int i = 2; i < 4; i++) {
		t->src[i] = (uint8_t)bench_rnd();
		t->dst[i] = (uint8_t)bench_rnd();
	}
	t->sport = (uint16_t)(1024 + bench_rnd() % 60000);
	t->dport = (uint16_t)(1 + bench_rnd() % 12000);
	if (n && bench_rnd() % 2) {
		const struct fw_rule *r = &rules[bench_rnd() % n];

		for (int k = 0; k < 2; k++) {
			const struct fw_peer *pe = k ? &r->dst : &r->src;
			uint8_t *a = k ? t->dst : t->src;
			uint32_t base, host, v;

			if (pe->kind != FW_PEER_CIDR)
				continue;
			base = (uint32_t)pe->cidr.addr[0] << 24 | (uint32_t)pe->cidr.addr[1] << 16 |
			       (uint32_t)pe->cidr.addr[2] << 8 | pe->cidr.addr[3];
			host = pe->cidr.plen >= 32 ? 0 : 0xffffffffu >> pe->cidr.plen;
			v = (base & ~host) | (bench_rnd() & host);
			a[0] = (uint8_t)(v >> 24);
			a[1] = (uint8_t)(v >> 16);
			a[2] = (uint8_t)(v >> 8);
			a[3] = (uint8_t)v;
		}
		t->proto = (uint8_t)r->proto;
		t->dport = (uint16_t)(r->dport.lo + bench_rnd() % (r->dport.hi - r->dport.lo + 1u));
	}
}

uint32_t bench_host_mask(uint8_t plen)
{
	return plen >= 32 ? 0 : 0xffffffffu >> plen;
}

uint32_t bench_be32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

void lin_pack(struct lin_rule *l, const struct fw_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t sh = bench_host_mask(r[i].src.cidr.plen), dh = bench_host_mask(r[i].dst.cidr.plen);

		l[i].slo = bench_be32(r[i].src.cidr.addr) & ~sh;
		l[i].shi = l[i].slo | sh;
		l[i].dlo = bench_be32(r[i].dst.cidr.addr) & ~dh;
		l[i].dhi = l[i].dlo | dh;
		l[i].splo = r[i].sport.lo;
		l[i].sphi = r[i].sport.hi;
		l[i].dplo = r[i].dport.lo;
		l[i].dphi = r[i].dport.hi;
		l[i].proto = r[i].proto;
	}
}

int lin_lookup(const struct lin_rule *l, size_t n, const struct pkt_tuple *t)
{
	uint32_t s = bench_be32(t->src), d = bench_be32(t->dst);

	for (size_t i = 0; i < n; i++)
		if (l[i].proto == t->proto && s >= l[i].slo && s <= l[i].shi && d >= l[i].dlo &&
		    d <= l[i].dhi && t->sport >= l[i].splo && t->sport <= l[i].sphi &&
		    t->dport >= l[i].dplo && t->dport <= l[i].dphi)
			return (int)i;
	return FW_NOMATCH;
}

size_t bench_udp_frame(uint8_t *f, uint16_t sp, uint16_t dp)
{
	struct fspec s;

	fs_init(&s);
	s.proto = PKT_PROTO_UDP;
	s.sport = sp;
	s.dport = dp;
	s.payload = 18;		/* a 64-byte frame */
	return fs_build(&s, f, 128);
}
