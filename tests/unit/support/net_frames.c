/* Test frame builder (see net_frames.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/fw.h"
#include "net/pkt.h"
#include "tests/unit/support/net_frames.h"

void fs_ip(uint8_t *a, const char *text)
{
	uint8_t fam;

	memset(a, 0, 16);
	if (fw_addr_parse(text, strlen(text), &fam, a)) {
		fprintf(stderr, "fs_ip: bad address %s\n", text);
		abort();
	}
}

void fs_mac(uint8_t *m, unsigned last)
{
	static const uint8_t base[6] = { 2, 0, 0, 0, 0, 0 };

	memcpy(m, base, 6);
	m[4] = (uint8_t)(last >> 8);
	m[5] = (uint8_t)last;
}

void fs_init(struct fspec *s)
{
	memset(s, 0, sizeof(*s));
	fs_mac(s->smac, 1);
	fs_mac(s->dmac, 2);
	s->vlan = -1;
	s->family = 4;
	fs_ip(s->src, "10.0.0.1");
	fs_ip(s->dst, "10.0.0.2");
	s->proto = PKT_PROTO_TCP;
	s->sport = 1000;
	s->dport = 80;
	s->tcp_flags = PKT_TCP_SYN;
}

static void w16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void w32(uint8_t *b, uint32_t v)
{
	w16(b, v >> 16);
	w16(b + 2, v & 0xffff);
}

/* The upper layer (header + payload) at b; returns its length. */
static size_t build_l4(const struct fspec *s, uint8_t *b)
{
	size_t n = 0;

	switch (s->proto) {
	case PKT_PROTO_TCP:
		w16(b, s->sport);
		w16(b + 2, s->dport);
		w32(b + 4, 1000);
		w32(b + 8, s->tcp_flags & PKT_TCP_ACK ? 2000 : 0);
		b[12] = 5 << 4;
		b[13] = s->tcp_flags;
		w16(b + 14, 65535);
		n = 20;
		break;
	case PKT_PROTO_UDP:
		w16(b, s->sport);
		w16(b + 2, s->dport);
		w16(b + 4, 8u + s->payload);
		n = 8;
		break;
	case PKT_PROTO_ICMP:
	case PKT_PROTO_ICMP6:
		b[0] = s->icmp_type;
		b[1] = s->icmp_code;
		w16(b + 4, s->icmp_id);
		w16(b + 6, 1);
		n = 8;
		if (s->icmp_type == 135 || s->icmp_type == 136) {
			memcpy(b + 8, s->nd_target, 16);
			n = 24;
			if (s->nd_sll) {
				b[n] = 1;
				b[n + 1] = 1;
				memcpy(b + n + 2, s->sll, 6);
				n += 8;
			}
			if (s->nd_tll) {
				b[n] = 2;
				b[n + 1] = 1;
				memcpy(b + n + 2, s->tll, 6);
				n += 8;
			}
		}
		if (s->inner) {
			memcpy(b + n, s->inner, s->inner_len);
			n += s->inner_len;
		}
		break;
	default:
		break;
	}
	memset(b + n, 0xab, s->payload);
	return n + s->payload;
}

size_t fs_build(const struct fspec *s, uint8_t *buf, size_t cap)
{
	uint8_t tmp[70000];
	size_t off = 12, n, l4;
	uint16_t et = s->ethertype;

	memset(tmp, 0, sizeof(tmp));
	memcpy(tmp, s->dmac, 6);
	memcpy(tmp + 6, s->smac, 6);
	if (s->vlan >= 0) {
		w16(tmp + 12, PKT_ETH_8021Q);
		w16(tmp + 14, (unsigned)s->vlan);
		off += 4;
	}
	if (!et)
		et = s->arp_op ? PKT_ETH_ARP : s->family == 6 ? PKT_ETH_IPV6 : PKT_ETH_IPV4;
	w16(tmp + off, et);
	off += 2;
	if (s->arp_op) {
		uint8_t *a = tmp + off;

		w16(a, 1);
		w16(a + 2, PKT_ETH_IPV4);
		a[4] = 6;
		a[5] = 4;
		w16(a + 6, s->arp_op);
		memcpy(a + 8, s->sha, 6);
		memcpy(a + 14, s->spa, 4);
		memcpy(a + 18, s->tha, 6);
		memcpy(a + 24, s->tpa, 4);
		n = off + 28;
	} else if (s->family == 4) {
		uint8_t *ip = tmp + off;
		size_t ihl = 20 + s->ip_opts_len;
		unsigned fl = s->frag_off / 8;

		if (s->frag == 1 || s->more_frags)
			fl |= 0x2000;
		ip[0] = (uint8_t)(0x40 | ihl / 4);
		w16(ip + 4, s->frag_id);
		w16(ip + 6, fl);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->proto;
		memcpy(ip + 12, s->src, 4);
		memcpy(ip + 16, s->dst, 4);
		memcpy(ip + 20, s->ip_opts, s->ip_opts_len);
		if (s->frag == 2) {
			l4 = s->payload;
			memset(ip + ihl, 0xcd, l4);
		} else {
			l4 = build_l4(s, ip + ihl);
		}
		w16(ip + 2, (unsigned)(ihl + l4));
		n = off + ihl + l4;
	} else {
		uint8_t *ip = tmp + off, *h = ip + 40;
		uint8_t *nh = ip + 6;

		ip[0] = 0x60;
		ip[7] = s->ttl ? s->ttl : (s->proto == PKT_PROTO_ICMP6 && s->icmp_type >= 133 &&
					    s->icmp_type <= 137) ? 255 : 64;
		memcpy(ip + 8, s->src, 16);
		memcpy(ip + 24, s->dst, 16);
		for (int i = 0; i < s->v6_next; i++) {	/* 8-byte headers */
			*nh = s->v6_ext[i];
			memset(h, 0, 8);
			if (s->v6_ext[i] == 43) {
				h[2] = 4;	/* a routing type other than 0, no segments left */
			}
			nh = h;
			h += 8;
		}
		if (s->frag) {
			*nh = 44;
			memset(h, 0, 8);
			w16(h + 2, s->frag_off | (s->frag == 1 || s->more_frags ? 1 : 0));
			w32(h + 4, s->frag_id);
			nh = h;
			h += 8;
		}
		*nh = s->proto;
		if (s->frag == 2) {
			l4 = s->payload;
			memset(h, 0xcd, l4);
		} else {
			l4 = build_l4(s, h);
		}
		w16(ip + 4, (unsigned)(h - ip - 40 + l4));
		n = (size_t)(h - tmp) + l4;
	}
	if (n > cap)
		return 0;
	memcpy(buf, tmp, n);
	return n;
}
