/* libFuzzer target: the frame parser (net/pkt.c) on arbitrary bytes.
 * ASan/UBSan catch any read outside the frame; the checks below catch a
 * parse that claims success with offsets or fields the frame cannot hold. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/pkt.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt p;
	uint8_t *copy;
	enum pkt_err e;

	/* An exactly sized copy: ASan sees one byte past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	e = pkt_parse(copy, size, &p);
	CHECK((unsigned)e < PKT_ERR_COUNT);
	if (e == PKT_OK) {
		CHECK(p.len == size);
		CHECK(p.l3_off == (p.tagged ? 18 : 14));
		CHECK(!p.tagged || size >= 18);
		switch (p.l3) {
		case PKT_L3_ARP:
			CHECK(size >= p.l3_off + 28u);
			CHECK(p.arp.op == 1 || p.arp.op == 2);
			break;
		case PKT_L3_IPV4:
		case PKT_L3_IPV6:
			CHECK(p.t.family == (p.l3 == PKT_L3_IPV4 ? 4 : 6));
			CHECK(p.l4_off >= p.l3_off + (p.l3 == PKT_L3_IPV4 ? 20u : 40u));
			CHECK(p.l4_off <= size && p.l4_len <= size - p.l4_off);
			CHECK(!pkt_addr_is_group(p.t.family, p.t.src));
			if (p.frag == PKT_FRAG_LATER) {
				CHECK(p.frag_off > 0 && p.t.sport == 0 && p.t.dport == 0);
			} else {
				CHECK(p.l4_len >= pkt_l4_min(p.t.proto));
				if (p.t.proto == PKT_PROTO_TCP)
					CHECK(p.tcp_doff >= 20 && p.tcp_doff <= p.l4_len);
			}
			if (p.frag == PKT_FRAG_FIRST)
				CHECK(p.frag_hdr_end <= p.l4_len + (p.l4_off - p.l3_off));
			CHECK(p.frag_off + (uint64_t)p.l4_len <= 65535 + 40u);
			if (p.inner.family)
				CHECK(p.inner.family == p.t.family && p.frag == PKT_FRAG_NONE);
			break;
		default:
			CHECK(p.l3 == PKT_L3_OTHER);
			break;
		}
	}
	free(copy);
	return 0;
}
