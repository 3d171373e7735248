/* Connection tracking: a bounded table of flows keyed by 5-tuple and
 * zone (the switch's network), one entry for both directions, with TCP
 * state tracking and UDP, ICMP echo and other-protocol pseudo-connections.
 *
 * The table is allocated once (ct_create) and never grows: lookups,
 * inserts and expiry on the per-packet path neither allocate nor lock.
 * When it is full an insert first expires what it can, then evicts the
 * oldest entry that never completed (TCP before ESTABLISHED, UDP/ICMP/
 * other never answered); established or answered flows are never evicted,
 * and when only those remain the new flow is refused (-ENOSPC, counted).
 * Timeouts follow Linux's defaults scaled down (net/README.md has the
 * table); TCP ESTABLISHED keeps RFC 5382's 2 h 4 min.
 *
 * Ownership: [d] everything, by the one data-path context at a time; the
 * caller serialises (the switch does). Buckets are chosen by SipHash-1-3
 * under a secret seed, so a guest cannot aim its flows at one chain. */
#ifndef NET_CONNTRACK_H
#define NET_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

#define CT_NONE_IDX 0xffffffffu

enum ct_state {
	CT_NEW,               /* inserted, first packet not yet applied */
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,      /* the originator sent FIN */
	CT_TCP_CLOSE_WAIT,    /* the responder sent FIN */
	CT_TCP_LAST_ACK,      /* both sent FIN */
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,         /* reset */
	CT_UDP,
	CT_ICMP,              /* echo request/reply */
	CT_OTHER,             /* any other protocol: by addresses only */
	CT_STATE_COUNT
};

/* Milliseconds; ct_create() fills zeros with the defaults. */
struct ct_timeouts {
	uint32_t tcp_syn_sent, tcp_syn_recv, tcp_established, tcp_fin_wait,
		 tcp_close_wait, tcp_last_ack, tcp_time_wait, tcp_close;
	uint32_t udp, udp_replied, icmp, other, other_replied;
};

struct ct_entry;

struct ct_config {
	uint32_t capacity;          /* entries, 16 .. 1 << 24 */
	uint8_t  seed[16];          /* hash key: random at boot */
	struct ct_timeouts to;
	/* Called for every entry that leaves the table (expiry, eviction,
	 * ct_remove, ct_flush), before it is reused. May be NULL. */
	void (*on_remove)(void *ctx, const struct ct_entry *e);
	void *ctx;
};

/* Canonical key: endpoint 0 sorts before endpoint 1 (address, then
 * port), so both directions of a flow give the same key. ICMP echo uses
 * the identifier as both ports. IPv4 addresses fill 4 of the 16 bytes. */
struct ct_key {
	uint16_t zone;
	uint8_t  family;
	uint8_t  proto;
	uint16_t port[2];
	uint8_t  addr[2][16];
};
_Static_assert(sizeof(struct ct_key) == 40, "ct_key has no padding");

#define CT_F_REPLIED  0x01   /* answered: no longer evictable */
#define CT_F_FIN0     0x02   /* FIN seen from the originator */
#define CT_F_FIN1     0x04   /* FIN seen from the responder */

/* Fields the owner may set after ct_insert(): port, gen, rule. The rest
 * belongs to the table. */
struct ct_entry {
	struct ct_key key;
	uint8_t  orig;           /* endpoint (0/1) that opened the flow */
	uint8_t  state;          /* enum ct_state */
	uint8_t  flags;          /* CT_F_* */
	uint32_t next;           /* hash chain / free list */
	uint32_t fifo_prev, fifo_next;  /* the unanswered FIFO */
	uint32_t port[2];        /* owner's: [0] originator's port, [1] responder's */
	uint32_t gen;            /* owner's: policy generation last checked */
	uint32_t rule[2];        /* owner's: ids of the rules that allowed it */
	uint64_t created, expires;
	uint64_t pkts[2], bytes[2];     /* [0] original direction, [1] reply */
};

struct ct_stats {
	uint32_t capacity, entries;
	uint64_t inserted, expired, evicted, refused, removed;
};

enum ct_verdict {
	CT_PASS,       /* fits the flow's state; counters and timer updated */
	CT_INVALID,    /* does not fit (a SYN mid-flow, data before the
			* handshake...): drop it; the entry is unchanged */
	CT_REOPEN,     /* a new SYN from the originator on a closed flow:
			* remove the entry and treat the packet as new */
};

/* Returns NULL on -ENOMEM or a bad config (capacity out of range). */
struct ct_table *ct_create(const struct ct_config *cfg);
void ct_destroy(struct ct_table *t);

/* The canonical key of a directional tuple in zone; *side is the
 * endpoint index of the tuple's source (0 or 1). ICMP echo tuples must
 * carry the identifier in both ports. */
void ct_key_make(struct ct_key *k, uint16_t zone, const struct pkt_tuple *t, uint8_t *side);

/* The live entry with key k, or NULL. An entry found expired is removed
 * and NULL returned. */
struct ct_entry *ct_lookup(struct ct_table *t, const struct ct_key *k, uint64_t now);

/* Whether packet p may open a flow: TCP only with a bare SYN, ICMP only
 * an echo request (other ICMP types are never tracked), anything else
 * yes. */
bool ct_can_open(const struct pkt *p);

/* Inserts a new flow whose originator is endpoint side of k, in state
 * CT_NEW; apply its first packet with ct_update(..., 0, ...). Returns 0
 * with *out set, -EEXIST (k is live: *out is that entry), -ENOSPC (full,
 * nothing evictable: counted as refused). */
int ct_insert(struct ct_table *t, const struct ct_key *k, uint8_t side, uint64_t now,
	      struct ct_entry **out);

/* Applies packet p travelling in direction dir (0 from the originator,
 * 1 from the responder) of bytes length: state, timer, counters. */
enum ct_verdict ct_update(struct ct_table *t, struct ct_entry *e, int dir,
			  const struct pkt *p, uint32_t bytes, uint64_t now);

void ct_remove(struct ct_table *t, struct ct_entry *e);

/* Removes the expired entries of the next `buckets` buckets
 * (a cursor walks the table). Returns how many it removed. */
unsigned ct_gc(struct ct_table *t, uint64_t now, unsigned buckets);

/* Calls fn for every entry (fn may not insert); when fn returns true
 * the entry is removed. Returns the number removed. */
unsigned ct_walk(struct ct_table *t, bool (*fn)(void *ctx, struct ct_entry *e), void *ctx);

void ct_stats(const struct ct_table *t, struct ct_stats *s);
const char *ct_state_name(enum ct_state s);
uint32_t ct_timeout(const struct ct_table *t, const struct ct_entry *e);

/* ------------------------------------------------------------ fragments
 *
 * Later fragments carry no ports, so no policy can judge them. The rule
 * (net/README.md, "Fragments"): a first fragment is classified like any
 * packet and, when it passes, noted here with the port pair it took and
 * how far its headers reach into the fragmented payload; a later fragment
 * passes only if its (zone, family, protocol, addresses, id) was noted,
 * it takes the same port pair, and its offset lies beyond those headers
 * (no overlap can rewrite the ports or flags the policy judged: RFC 1858,
 * 3128). Anything else is dropped. Entries live for a fixed time and are
 * replaced oldest-first within their 4-way set: losing one only drops the
 * datagram's later fragments (fail closed). */
struct ct_frag_key {
	uint16_t zone;
	uint8_t  family;
	uint8_t  proto;
	uint32_t id;
	uint8_t  src[16], dst[16];
};
_Static_assert(sizeof(struct ct_frag_key) == 40, "ct_frag_key has no padding");

/* capacity: entries, rounded up to a multiple of 4 (16 .. 1 << 20).
 * NULL on -ENOMEM or a bad capacity. */
struct ct_frag_table *ct_frag_create(uint32_t capacity, const uint8_t seed[16]);
void ct_frag_destroy(struct ct_frag_table *t);
void ct_frag_key_make(struct ct_frag_key *k, uint16_t zone, const struct pkt *p);

/* Notes (or refreshes) an allowed first fragment. */
void ct_frag_note(struct ct_frag_table *t, const struct ct_frag_key *k, uint32_t in,
		  uint32_t out, uint32_t hdr_end, uint64_t expires);

/* 0 if a later fragment at byte offset off from port in to port out may
 * pass; -ENOENT (no such first fragment, or expired) or -EPERM (another
 * port pair, or an offset inside the first fragment's headers). */
int ct_frag_check(struct ct_frag_table *t, const struct ct_frag_key *k, uint32_t in,
		  uint32_t out, uint32_t off, uint64_t now);

/* SipHash-1-3 of data under a 16-byte key (also the switch's MAC table). */
uint64_t ct_siphash(const uint8_t key[16], const void *data, size_t len);

#endif
