/* Frame parser: Ethernet II, one 802.1Q tag, ARP, IPv4 (options,
 * fragments), IPv6 (extension headers), TCP, UDP, ICMP, ICMPv6 (with
 * neighbour discovery options and the packet embedded in error messages).
 *
 * Every frame is hostile input from a guest or the wire. pkt_parse() reads
 * nothing outside [frame, frame + len), checks every length field against
 * what is really there, and either fills a struct pkt the switch can trust
 * or names the reason the frame must be dropped. It never allocates and
 * keeps pointers into nobody's memory but the frame's (struct pkt holds
 * copies of every field the switch reads after parsing). Checksums are not
 * verified: the receiving stack does that, and no decision here depends on
 * them. Design notes: net/README.md. */
#ifndef NET_PKT_H
#define NET_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/unaligned.h"

#define PKT_ETH_HLEN     14
#define PKT_MAX_LEN      65535u   /* longest frame accepted (offsets are u16) */
#define PKT_V6_MAX_EXT   8        /* IPv6 extension headers walked, at most */

#define PKT_ETH_IPV4   0x0800
#define PKT_ETH_ARP    0x0806
#define PKT_ETH_8021Q  0x8100
#define PKT_ETH_8021AD 0x88a8
#define PKT_ETH_QINQ1  0x9100
#define PKT_ETH_IPV6   0x86dd

#define PKT_PROTO_ICMP   1
#define PKT_PROTO_TCP    6
#define PKT_PROTO_UDP    17
#define PKT_PROTO_ICMP6 58

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20

/* Why a frame was refused. PKT_OK is 0; the others index drop counters. */
enum pkt_err {
	PKT_OK,
	PKT_ERR_LEN,          /* shorter than an Ethernet header, or too long */
	PKT_ERR_VLAN,         /* truncated 802.1Q tag */
	PKT_ERR_VLAN_STACK,   /* a second tag, or an 802.1ad / 0x9100 tag */
	PKT_ERR_ARP,          /* truncated, or not Ethernet/IPv4 request/reply */
	PKT_ERR_IP_TRUNC,     /* shorter than the fixed IP header */
	PKT_ERR_IP_VERSION,   /* version field disagrees with the EtherType */
	PKT_ERR_IP_HDRLEN,    /* IPv4 IHL < 5 or past the packet */
	PKT_ERR_IP_TOTLEN,    /* total / payload length below the header or past the frame */
	PKT_ERR_IP_OPTION,    /* malformed IPv4 option, or source routing */
	PKT_ERR_IP_ADDR,      /* multicast or broadcast source address */
	PKT_ERR_IP_FRAG,      /* reserved flag set, or a fragment past 64 KiB */
	PKT_ERR_FRAG_SHORT,   /* first fragment without the whole L4 header */
	PKT_ERR_V6_EXT,       /* extension header truncated, misplaced, repeated,
			       * too many, or a routing header with segments left */
	PKT_ERR_L4_TRUNC,     /* TCP/UDP/ICMP header past the packet */
	PKT_ERR_TCP_HDRLEN,   /* data offset < 5 or past the packet */
	PKT_ERR_TCP_FLAGS,    /* a combination no TCP sends (SYN+FIN, none...) */
	PKT_ERR_UDP_LEN,      /* UDP length below 8 or past the packet */
	PKT_ERR_ND,           /* neighbour discovery: bad hop limit, option or length */
	PKT_ERR_COUNT
};

enum pkt_l3 { PKT_L3_OTHER, PKT_L3_ARP, PKT_L3_IPV4, PKT_L3_IPV6 };
enum pkt_frag { PKT_FRAG_NONE, PKT_FRAG_FIRST, PKT_FRAG_LATER };

/* A directional 5-tuple. IPv4 addresses sit in the first 4 bytes (network
 * order), the other 12 are zero. */
struct pkt_tuple {
	uint8_t  family;          /* 4 or 6 */
	uint8_t  proto;
	uint16_t sport, dport;    /* host order; see struct pkt for ICMP */
	uint8_t  src[16], dst[16];
};

struct pkt_arp {
	uint16_t op;              /* 1 request, 2 reply */
	uint8_t  sha[6], spa[4], tha[6], tpa[4];
};

/* Neighbour solicitation / advertisement (ICMPv6 135/136). */
struct pkt_nd {
	uint8_t  target[16];
	bool     has_sll, has_tll;  /* source / target link-layer address option */
	uint8_t  sll[6], tll[6];
};

struct pkt {
	uint32_t len;             /* frame length */
	uint16_t ethertype;       /* after the tag, if any */
	uint16_t vid;             /* VLAN id of the tag; 0 untagged or priority-tagged */
	bool     tagged;          /* an 802.1Q tag was present (4 bytes at offset 12) */
	uint8_t  dmac[6], smac[6];
	uint8_t  l3;              /* enum pkt_l3 */
	uint8_t  frag;            /* enum pkt_frag */
	uint8_t  ttl;             /* TTL or hop limit */
	uint16_t l3_off;          /* offset of the IP or ARP header */
	uint16_t l4_off;          /* offset of the upper-layer header (not for LATER fragments) */
	uint32_t l4_len;          /* bytes of upper layer in this frame (IP length bound) */
	uint32_t frag_id;         /* fragment identification (IPv4: 16 bits) */
	uint32_t frag_off;        /* fragment offset in bytes */
	uint32_t frag_hdr_end;    /* FIRST: bytes of the fragmented payload
				   * that hold headers (IPv6 extension headers
				   * after the fragment header, then the whole
				   * upper-layer header) */
	/* For IP: family, proto (the upper-layer protocol after IPv6
	 * extension headers; for a LATER fragment the protocol named by the
	 * IPv4 header or IPv6 fragment header), addresses; TCP/UDP ports;
	 * for ICMP/ICMPv6 sport = dport = 0 (type and id are below). */
	struct pkt_tuple t;
	uint8_t  tcp_flags;
	uint8_t  tcp_doff;        /* TCP header bytes */
	uint8_t  icmp_type, icmp_code;
	uint16_t icmp_id;         /* echo request/reply identifier */
	/* Valid only where they apply: arp for PKT_L3_ARP; nd.target for
	 * ICMPv6 135/136 (the has_* flags are always valid). */
	struct pkt_arp arp;
	struct pkt_nd  nd;
	/* ICMP/ICMPv6 error (v4 3, 11, 12; v6 1-4): the tuple of the packet it
	 * quotes, when that parsed (inner.family != 0). Inner ICMP echo gets
	 * sport = dport = its id, inner_icmp_type its type. */
	struct pkt_tuple inner;
	uint8_t  inner_icmp_type;
};

/* Parses one frame. Returns PKT_OK with *p filled, or the reason to drop
 * it (p is then partly filled and must not be used). Frames of other
 * EtherTypes (or 802.3 length frames) parse as PKT_L3_OTHER: whether to
 * carry them is the caller's decision. */
enum pkt_err pkt_parse(const void *frame, size_t len, struct pkt *p);

/* Short stable name of a reason, e.g. "ip-hdrlen", for counters and logs. */
const char *pkt_err_name(enum pkt_err e);

/* ICMP/ICMPv6 echo types, and the minimum upper-layer header a first
 * fragment must carry for proto (TCP 20, UDP 8, ICMP 8, others 0). */
bool pkt_icmp_is_echo_req(uint8_t family, uint8_t type);
bool pkt_icmp_is_echo_rep(uint8_t family, uint8_t type);
unsigned pkt_l4_min(uint8_t proto);

/* Address classes on tuple-style addresses (v4 in the first 4 bytes). */
bool pkt_addr_is_group(uint8_t family, const uint8_t *a);  /* multicast/broadcast */
bool pkt_addr_is_unspec(uint8_t family, const uint8_t *a); /* 0.0.0.0, :: */

static inline bool pkt_mac_is_group(const uint8_t *mac)
{
	return mac[0] & 1;
}

/* Fixed-size compares, inlined (loads from kernel/unaligned.h). */
static inline bool pkt_mac_eq(const uint8_t *a, const uint8_t *b)
{
	return ld32(a) == ld32(b) && ld16(a + 4) == ld16(b + 4);
}

static inline bool pkt_addr_eq(uint8_t family, const uint8_t *a, const uint8_t *b)
{
	if (family == 4)
		return ld32(a) == ld32(b);
	return ld64(a) == ld64(b) && ld64(a + 8) == ld64(b + 8);
}

#endif
