/* Builds test frames (Ethernet, 802.1Q, ARP, IPv4, IPv6, TCP, UDP,
 * ICMP/ICMPv6 with neighbour discovery options), for the net unit tests,
 * the fuzzers' seeds and the switch benchmark. Only correct frames are
 * built here; tests break them by editing bytes afterwards. */
#ifndef TESTS_NET_FRAMES_H
#define TESTS_NET_FRAMES_H

#include <stddef.h>
#include <stdint.h>

struct fspec {
	uint8_t  dmac[6], smac[6];
	int      vlan;              /* -1: untagged; else the VID (0 = priority tag) */
	uint16_t ethertype;         /* 0: from family (0x0806 for ARP) */
	uint8_t  family;            /* 4, 6; 0 with arp_op for ARP */
	uint8_t  src[16], dst[16];
	uint8_t  proto;
	uint8_t  ttl;               /* 0: 64 (255 for ND) */
	uint16_t sport, dport;
	uint8_t  tcp_flags;
	uint8_t  icmp_type, icmp_code;
	uint16_t icmp_id;
	uint16_t payload;           /* upper-layer payload bytes */
	uint8_t  ip_opts[40];       /* IPv4 options (padded to 4 by the caller) */
	uint8_t  ip_opts_len;
	int      frag;              /* 0 none, 1 first, 2 later */
	uint16_t frag_off;          /* bytes (multiple of 8) */
	uint32_t frag_id;
	uint8_t  more_frags;        /* MF on a later fragment */
	uint8_t  v6_ext[8];         /* extension headers before (fragment and) upper layer */
	uint8_t  v6_next;           /* how many of them */
	uint16_t arp_op;
	uint8_t  sha[6], spa[4], tha[6], tpa[4];
	uint8_t  nd_target[16];     /* NS / NA */
	int      nd_sll, nd_tll;    /* add the option (with sll/tll) */
	uint8_t  sll[6], tll[6];
	const uint8_t *inner;       /* ICMP error: the quoted packet */
	uint16_t inner_len;
};

/* Fresh spec: untagged, IPv4 TCP SYN 10.0.0.1:1000 -> 10.0.0.2:80,
 * MACs 02:00:00:00:00:01 -> 02:00:00:00:00:02. */
void fs_init(struct fspec *s);

/* Writes the frame; returns its length (0 if cap is too small). */
size_t fs_build(const struct fspec *s, uint8_t *buf, size_t cap);

/* a.b.c.d or IPv6 text into a 16-byte address (v4 in the first 4). */
void fs_ip(uint8_t *a, const char *text);
void fs_mac(uint8_t *m, unsigned last);       /* 02:00:00:00:00:last */

#endif
