/* Frame parser (see pkt.h). Bounds discipline: every read goes through a
 * check of the form "need <= end - pos" on unsigned sizes that are already
 * known to satisfy pos <= end, so no sum can wrap and nothing is read past
 * the frame, whatever its length fields claim. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/pkt.h"

#define V6_HBH      0
#define V6_ROUTING  43
#define V6_FRAG     44
#define V6_ESP      50
#define V6_AH       51
#define V6_DSTOPTS  60

#define ICMP6_RS    133
#define ICMP6_RA    134
#define ICMP6_NS    135
#define ICMP6_NA    136
#define ICMP6_REDIR 137

#define ND_OPT_SLL  1
#define ND_OPT_TLL  2

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static const char *const err_names[PKT_ERR_COUNT] = {
	[PKT_OK]             = "ok",
	[PKT_ERR_LEN]        = "frame-len",
	[PKT_ERR_VLAN]       = "vlan-trunc",
	[PKT_ERR_VLAN_STACK] = "vlan-stack",
	[PKT_ERR_ARP]        = "arp-malformed",
	[PKT_ERR_IP_TRUNC]   = "ip-trunc",
	[PKT_ERR_IP_VERSION] = "ip-version",
	[PKT_ERR_IP_HDRLEN]  = "ip-hdrlen",
	[PKT_ERR_IP_TOTLEN]  = "ip-totlen",
	[PKT_ERR_IP_OPTION]  = "ip-option",
	[PKT_ERR_IP_ADDR]    = "ip-src-group",
	[PKT_ERR_IP_FRAG]    = "ip-frag",
	[PKT_ERR_FRAG_SHORT] = "frag-short",
	[PKT_ERR_V6_EXT]     = "ip6-ext",
	[PKT_ERR_L4_TRUNC]   = "l4-trunc",
	[PKT_ERR_TCP_HDRLEN] = "tcp-hdrlen",
	[PKT_ERR_TCP_FLAGS]  = "tcp-flags",
	[PKT_ERR_UDP_LEN]    = "udp-len",
	[PKT_ERR_ND]         = "nd-malformed",
};

const char *pkt_err_name(enum pkt_err e)
{
	return (unsigned)e < PKT_ERR_COUNT ? err_names[e] : "?";
}

bool pkt_icmp_is_echo_req(uint8_t family, uint8_t type)
{
	return family == 4 ? type == 8 : type == 128;
}

bool pkt_icmp_is_echo_rep(uint8_t family, uint8_t type)
{
	return family == 4 ? type == 0 : type == 129;
}

static bool icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == 4)
		return type == 3 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

unsigned pkt_l4_min(uint8_t proto)
{
	switch (proto) {
	case PKT_PROTO_TCP:
		return 20;
	case PKT_PROTO_UDP:
	case PKT_PROTO_ICMP:
	case PKT_PROTO_ICMP6:
		return 8;
	default:
		return 0;
	}
}

bool pkt_addr_is_group(uint8_t family, const uint8_t *a)
{
	if (family == 4)
		return (a[0] & 0xf0) == 0xe0 ||
		       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
	return a[0] == 0xff;
}

bool pkt_addr_is_unspec(uint8_t family, const uint8_t *a)
{
	if (family == 4)
		return !ld32(a);
	return !(ld64(a) | ld64(a + 8));
}

/* The TCP flag combinations a real stack sends, by FIN|SYN|RST|ACK|URG
 * with PSH (and ECE/CWR, above the mask) ignored; Linux's conntrack
 * (tcp_valid_flags[]) accepts the same set. */
static bool tcp_flags_valid(uint8_t f)
{
	switch (f & (PKT_TCP_FIN | PKT_TCP_SYN | PKT_TCP_RST | PKT_TCP_ACK | PKT_TCP_URG)) {
	case PKT_TCP_SYN:
	case PKT_TCP_SYN | PKT_TCP_URG:
	case PKT_TCP_SYN | PKT_TCP_ACK:
	case PKT_TCP_RST:
	case PKT_TCP_RST | PKT_TCP_ACK:
	case PKT_TCP_FIN | PKT_TCP_ACK:
	case PKT_TCP_FIN | PKT_TCP_ACK | PKT_TCP_URG:
	case PKT_TCP_ACK:
	case PKT_TCP_ACK | PKT_TCP_URG:
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------ IPv6 chain */

struct v6_walk {
	uint8_t  proto;       /* upper-layer protocol, or the fragment's next header */
	uint8_t  frag;        /* enum pkt_frag */
	uint32_t l4;          /* offset of the upper layer (not for LATER) */
	uint32_t frag_id, frag_off;
	uint32_t fpart;       /* offset of the fragmentable part */
};

/* Walks the extension headers of the IPv6 packet whose fixed header is at
 * b[0..40) and whose payload ends at b + end (end >= 40). Returns PKT_OK,
 * PKT_ERR_V6_EXT or PKT_ERR_FRAG_SHORT (a first fragment whose header
 * chain does not fit in it: RFC 7112). At most PKT_V6_MAX_EXT headers;
 * hop-by-hop only first; routing, fragment and AH at most once,
 * destination options at most twice (RFC 8200 4.1); a routing header with
 * segments left would make the destination field a waypoint, not the
 * destination the policy must judge, so it is refused (as is RH0, RFC
 * 5095, whatever its segments left). */
static enum pkt_err v6_walk(const uint8_t *b, uint32_t end, struct v6_walk *w)
{
	uint32_t pos = 40;
	uint8_t nh = b[6];
	unsigned n = 0, dst = 0;
	bool rt = false, ah = false, fh = false;

	w->frag = PKT_FRAG_NONE;
	w->frag_id = w->frag_off = w->fpart = 0;
	for (;;) {
		uint32_t hl;
		enum pkt_err trunc = w->frag == PKT_FRAG_FIRST ? PKT_ERR_FRAG_SHORT
							      : PKT_ERR_V6_EXT;

		if (nh != V6_HBH && nh != V6_ROUTING && nh != V6_FRAG &&
		    nh != V6_DSTOPTS && nh != V6_AH)
			break;
		if (++n > PKT_V6_MAX_EXT)
			return PKT_ERR_V6_EXT;
		if (end - pos < 8)
			return trunc;
		switch (nh) {
		case V6_HBH:
			if (n != 1)
				return PKT_ERR_V6_EXT;
			hl = ((uint32_t)b[pos + 1] + 1) * 8;
			break;
		case V6_DSTOPTS:
			if (++dst > 2)
				return PKT_ERR_V6_EXT;
			hl = ((uint32_t)b[pos + 1] + 1) * 8;
			break;
		case V6_ROUTING:
			if (rt || b[pos + 2] == 0 || b[pos + 3] != 0)
				return PKT_ERR_V6_EXT;
			rt = true;
			hl = ((uint32_t)b[pos + 1] + 1) * 8;
			break;
		case V6_AH:
			if (ah)
				return PKT_ERR_V6_EXT;
			ah = true;
			hl = ((uint32_t)b[pos + 1] + 2) * 4;
			break;
		default: {	/* V6_FRAG */
			uint16_t fo = rd16(b + pos + 2);

			if (fh)
				return PKT_ERR_V6_EXT;
			fh = true;
			w->frag_id = rd32(b + pos + 4);
			w->frag_off = fo & 0xfff8u;
			nh = b[pos];
			pos += 8;
			w->fpart = pos;
			if (w->frag_off) {
				if (w->frag_off + (end - pos) > 65535)
					return PKT_ERR_IP_FRAG;
				w->frag = PKT_FRAG_LATER;
				w->proto = nh;
				w->l4 = pos;
				return PKT_OK;
			}
			if (fo & 1)
				w->frag = PKT_FRAG_FIRST;
			/* offset 0 without M: an atomic fragment (RFC 6946),
			 * a whole packet; go on walking. */
			continue;
		}
		}
		if (end - pos < hl)
			return trunc;
		nh = b[pos];
		pos += hl;
	}
	w->proto = nh;
	w->l4 = pos;
	return PKT_OK;
}

/* ------------------------------------------------------------ ICMP errors */

/* The packet quoted by an ICMP error: its 5-tuple when it parses far
 * enough to have one (first 8 bytes of its upper layer). Anything else
 * leaves inner.family 0: the error is then just an ICMP message, judged by
 * the policy like any other; a bad quote is no reason to drop it. */
static void parse_inner(const uint8_t *b, uint32_t len, uint8_t family, struct pkt *p)
{
	struct pkt_tuple *t = &p->inner;
	uint32_t l4;
	uint8_t proto;

	__builtin_memset(t, 0, sizeof(*t));
	if (family == 4) {
		uint32_t ihl;

		if (len < 20 || b[0] >> 4 != 4)
			return;
		ihl = (uint32_t)(b[0] & 15) * 4;
		if (ihl < 20 || ihl > len || (rd16(b + 6) & 0x1fff))
			return;
		proto = b[9];
		__builtin_memcpy(t->src, b + 12, 4);
		__builtin_memcpy(t->dst, b + 16, 4);
		l4 = ihl;
	} else {
		struct v6_walk w;

		if (len < 40 || b[0] >> 4 != 6)
			return;
		if (v6_walk(b, len, &w) != PKT_OK || w.frag == PKT_FRAG_LATER)
			return;
		proto = w.proto;
		__builtin_memcpy(t->src, b + 8, 16);
		__builtin_memcpy(t->dst, b + 24, 16);
		l4 = w.l4;
	}
	if (len - l4 < 8)
		goto none;
	switch (proto) {
	case PKT_PROTO_TCP:
	case PKT_PROTO_UDP:
		t->sport = rd16(b + l4);
		t->dport = rd16(b + l4 + 2);
		break;
	case PKT_PROTO_ICMP:
	case PKT_PROTO_ICMP6:
		if (proto != (family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6) ||
		    !(pkt_icmp_is_echo_req(family, b[l4]) || pkt_icmp_is_echo_rep(family, b[l4])))
			goto none;
		p->inner_icmp_type = b[l4];
		t->sport = t->dport = rd16(b + l4 + 4);
		break;
	default:
		goto none;
	}
	t->proto = proto;
	t->family = family;
	return;
none:
	__builtin_memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ ND */

/* Neighbour solicitation / advertisement (RFC 4861 4.3, 4.4, 7.1): hop
 * limit 255, code 0, a non-multicast target, options of non-zero length
 * within the message; Ethernet link-layer address options are exactly 8
 * bytes, and a message naming two different addresses is refused. */
static enum pkt_err parse_nd(const uint8_t *b, uint32_t len, struct pkt *p)
{
	uint32_t pos = 24;

	if (len < 24 || p->icmp_code != 0)
		return PKT_ERR_ND;
	__builtin_memcpy(p->nd.target, b + 8, 16);
	if (p->nd.target[0] == 0xff)
		return PKT_ERR_ND;
	while (pos < len) {
		uint32_t ol;
		uint8_t *mac;
		bool *has;

		if (len - pos < 2)
			return PKT_ERR_ND;
		ol = (uint32_t)b[pos + 1] * 8;
		if (!ol || ol > len - pos)
			return PKT_ERR_ND;
		if (b[pos] == ND_OPT_SLL || b[pos] == ND_OPT_TLL) {
			if (ol != 8)
				return PKT_ERR_ND;
			mac = b[pos] == ND_OPT_SLL ? p->nd.sll : p->nd.tll;
			has = b[pos] == ND_OPT_SLL ? &p->nd.has_sll : &p->nd.has_tll;
			if (*has && !pkt_mac_eq(mac, b + pos + 2))
				return PKT_ERR_ND;
			__builtin_memcpy(mac, b + pos + 2, 6);
			*has = true;
		}
		pos += ol;
	}
	return PKT_OK;
}

/* ------------------------------------------------------------ L4 */

static enum pkt_err parse_l4(const uint8_t *f, struct pkt *p)
{
	const uint8_t *b = f + p->l4_off;
	uint32_t len = p->l4_len;
	bool first = p->frag == PKT_FRAG_FIRST;
	uint8_t family = p->t.family;
	uint8_t proto = p->t.proto;

	if (len < pkt_l4_min(proto))
		return first ? PKT_ERR_FRAG_SHORT : PKT_ERR_L4_TRUNC;
	switch (proto) {
	case PKT_PROTO_TCP:
		p->tcp_doff = (uint8_t)((b[12] >> 4) * 4);
		if (p->tcp_doff < 20)
			return PKT_ERR_TCP_HDRLEN;
		if (p->tcp_doff > len)
			return first ? PKT_ERR_FRAG_SHORT : PKT_ERR_TCP_HDRLEN;
		p->tcp_flags = b[13];
		if (!tcp_flags_valid(p->tcp_flags))
			return PKT_ERR_TCP_FLAGS;
		p->t.sport = rd16(b);
		p->t.dport = rd16(b + 2);
		return PKT_OK;
	case PKT_PROTO_UDP: {
		uint16_t ul = rd16(b + 4);

		/* A first fragment holds part of the datagram its length names. */
		if (ul < 8 || (first ? ul <= len : ul > len))
			return PKT_ERR_UDP_LEN;
		p->t.sport = rd16(b);
		p->t.dport = rd16(b + 2);
		return PKT_OK;
	}
	case PKT_PROTO_ICMP:
	case PKT_PROTO_ICMP6:
		if (proto != (family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6))
			return PKT_OK;	/* ICMP inside IPv6, or ICMPv6 in IPv4: opaque */
		p->icmp_type = b[0];
		p->icmp_code = b[1];
		if (pkt_icmp_is_echo_req(family, b[0]) || pkt_icmp_is_echo_rep(family, b[0]))
			p->icmp_id = rd16(b + 4);
		if (icmp_is_error(family, b[0]) && p->frag == PKT_FRAG_NONE)
			parse_inner(b + 8, len - 8, family, p);
		if (family == 6 && b[0] >= ICMP6_RS && b[0] <= ICMP6_REDIR) {
			/* RFC 6980: no fragmented neighbour discovery. */
			if (p->frag != PKT_FRAG_NONE || p->ttl != 255)
				return PKT_ERR_ND;
			if (b[0] == ICMP6_NS || b[0] == ICMP6_NA)
				return parse_nd(b, len, p);
		}
		return PKT_OK;
	default:
		return PKT_OK;
	}
}

/* FIRST fragments: how far the headers reach into the fragmentable part
 * that starts at frame offset fpart. */
static enum pkt_err first_frag_end(struct pkt *p, uint32_t fpart, enum pkt_err e)
{
	uint32_t hdr;

	if (e != PKT_OK || p->frag != PKT_FRAG_FIRST)
		return e;
	hdr = p->t.proto == PKT_PROTO_TCP ? p->tcp_doff : pkt_l4_min(p->t.proto);
	p->frag_hdr_end = p->l4_off - fpart + hdr;
	return PKT_OK;
}

/* ------------------------------------------------------------ L3 */

static enum pkt_err parse_arp(const uint8_t *f, uint32_t off, struct pkt *p)
{
	const uint8_t *b = f + off;

	if (p->len - off < 28)
		return PKT_ERR_ARP;
	if (rd16(b) != 1 || rd16(b + 2) != PKT_ETH_IPV4 || b[4] != 6 || b[5] != 4)
		return PKT_ERR_ARP;
	p->arp.op = rd16(b + 6);
	if (p->arp.op != 1 && p->arp.op != 2)
		return PKT_ERR_ARP;
	__builtin_memcpy(p->arp.sha, b + 8, 6);
	__builtin_memcpy(p->arp.spa, b + 14, 4);
	__builtin_memcpy(p->arp.tha, b + 18, 6);
	__builtin_memcpy(p->arp.tpa, b + 24, 4);
	p->l3 = PKT_L3_ARP;
	return PKT_OK;
}

/* IPv4 options (RFC 791 3.1): EOL ends the list, NOP is one byte, every
 * other option has a length of at least 2 that stays in the header. Loose
 * and strict source routes are refused (RFC 7126 4.3, 4.4). */
static enum pkt_err v4_options(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t type = o[i];

		if (type == 0)
			break;
		if (type == 1) {
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
			return PKT_ERR_IP_OPTION;
		if (type == 131 || type == 137)
			return PKT_ERR_IP_OPTION;
		i += o[i + 1];
	}
	return PKT_OK;
}

static enum pkt_err parse_ipv4(const uint8_t *f, uint32_t off, struct pkt *p)
{
	const uint8_t *b = f + off;
	uint32_t avail = p->len - off, ihl, tot, foff;
	uint16_t fl;
	enum pkt_err e;

	if (avail < 20)
		return PKT_ERR_IP_TRUNC;
	if (b[0] >> 4 != 4)
		return PKT_ERR_IP_VERSION;
	ihl = (uint32_t)(b[0] & 15) * 4;
	if (ihl < 20 || ihl > avail)
		return PKT_ERR_IP_HDRLEN;
	tot = rd16(b + 2);
	if (tot < ihl || tot > avail)
		return PKT_ERR_IP_TOTLEN;
	e = v4_options(b + 20, ihl - 20);
	if (e != PKT_OK)
		return e;
	fl = rd16(b + 6);
	foff = (uint32_t)(fl & 0x1fff) * 8;
	if ((fl & 0x8000) || foff + (tot - ihl) > 65535)
		return PKT_ERR_IP_FRAG;
	p->frag = foff ? PKT_FRAG_LATER : (fl & 0x2000) ? PKT_FRAG_FIRST : PKT_FRAG_NONE;
	p->frag_id = rd16(b + 4);
	p->frag_off = foff;
	p->ttl = b[8];
	p->t.family = 4;
	p->t.proto = b[9];
	__builtin_memcpy(p->t.src, b + 12, 4);
	__builtin_memcpy(p->t.dst, b + 16, 4);
	if (pkt_addr_is_group(4, p->t.src))
		return PKT_ERR_IP_ADDR;
	p->l3 = PKT_L3_IPV4;
	p->l4_off = (uint16_t)(off + ihl);
	p->l4_len = tot - ihl;
	if (p->frag == PKT_FRAG_LATER)
		return PKT_OK;
	return first_frag_end(p, p->l4_off, parse_l4(f, p));
}

static enum pkt_err parse_ipv6(const uint8_t *f, uint32_t off, struct pkt *p)
{
	const uint8_t *b = f + off;
	uint32_t avail = p->len - off, end;
	struct v6_walk w;
	enum pkt_err e;

	if (avail < 40)
		return PKT_ERR_IP_TRUNC;
	if (b[0] >> 4 != 6)
		return PKT_ERR_IP_VERSION;
	end = 40 + (uint32_t)rd16(b + 4);
	if (end > avail)
		return PKT_ERR_IP_TOTLEN;
	p->ttl = b[7];
	p->t.family = 6;
	__builtin_memcpy(p->t.src, b + 8, 16);
	__builtin_memcpy(p->t.dst, b + 24, 16);
	if (pkt_addr_is_group(6, p->t.src))
		return PKT_ERR_IP_ADDR;
	e = v6_walk(b, end, &w);
	if (e != PKT_OK)
		return e;
	p->l3 = PKT_L3_IPV6;
	p->frag = w.frag;
	p->frag_id = w.frag_id;
	p->frag_off = w.frag_off;
	p->t.proto = w.proto;
	p->l4_off = (uint16_t)(off + w.l4);
	p->l4_len = end - w.l4;
	if (p->frag == PKT_FRAG_LATER)
		return PKT_OK;
	return first_frag_end(p, off + w.fpart, parse_l4(f, p));
}

/* ------------------------------------------------------------ Ethernet */

/* pkt_parse() clears the fields before arp one by one: a new one there
 * must be added to that list (then update this). */
_Static_assert(offsetof(struct pkt, arp) == 88, "pkt_parse() initialises every field before arp");

enum pkt_err pkt_parse(const void *frame, size_t len, struct pkt *p)
{
	const uint8_t *f = frame;
	uint32_t off = PKT_ETH_HLEN;
	uint16_t et;

	/* Field by field: a memset of the struct is a rep stos, whose start-up
	 * costs more than the rest of an Ethernet + IPv4 + TCP parse. The ARP,
	 * ND and quoted-packet parts are filled where they apply; only their
	 * validity flags are cleared here. */
	p->len = 0;
	p->ethertype = 0;
	p->vid = 0;
	p->tagged = false;
	p->l3 = PKT_L3_OTHER;
	p->frag = PKT_FRAG_NONE;
	p->ttl = 0;
	p->l3_off = p->l4_off = 0;
	p->l4_len = 0;
	p->frag_id = p->frag_off = p->frag_hdr_end = 0;
	__builtin_memset(&p->t, 0, sizeof(p->t));
	p->tcp_flags = p->tcp_doff = p->icmp_type = p->icmp_code = 0;
	p->icmp_id = 0;
	p->nd.has_sll = p->nd.has_tll = false;
	p->inner.family = 0;
	p->inner_icmp_type = 0;
	if (len < PKT_ETH_HLEN || len > PKT_MAX_LEN)
		return PKT_ERR_LEN;
	p->len = (uint32_t)len;
	__builtin_memcpy(p->dmac, f, 6);
	__builtin_memcpy(p->smac, f + 6, 6);
	et = rd16(f + 12);
	if (et == PKT_ETH_8021Q) {
		if (len < PKT_ETH_HLEN + 4)
			return PKT_ERR_VLAN;
		p->tagged = true;
		p->vid = rd16(f + 14) & 0x0fff;
		et = rd16(f + 16);
		off += 4;
	}
	if (et == PKT_ETH_8021Q || et == PKT_ETH_8021AD || et == PKT_ETH_QINQ1)
		return PKT_ERR_VLAN_STACK;
	p->ethertype = et;
	p->l3_off = (uint16_t)off;
	switch (et) {
	case PKT_ETH_ARP:
		return parse_arp(f, off, p);
	case PKT_ETH_IPV4:
		return parse_ipv4(f, off, p);
	case PKT_ETH_IPV6:
		return parse_ipv6(f, off, p);
	default:
		p->l3 = PKT_L3_OTHER;
		return PKT_OK;
	}
}
