/* The switch's private layout (net/switch.c and net/switch_path.c only;
 * tests may look).
 *
 * [c] configuration calls only   [d] the data path (sw_input, sw_tick)
 * [r] published by configuration with a release store, loaded once per
 *     frame by the data path with an acquire load (RCU-shaped)
 * [I] immutable while the object lives
 * The caller serialises configuration with the data path (switch.h); the
 * tags say which side writes what, for when it no longer does. */
#ifndef NET_SWITCH_PRIV_H
#define NET_SWITCH_PRIV_H

#include "net/switch.h"

struct sw_net {
	uint32_t id;                    /* [c] 0: free slot */
	char     name[SW_NAME_MAX];     /* [I] */
	uint16_t vlan;                  /* [c] */
	bool     uplink;                /* [c] */
};

struct sw_policy {
	uint32_t id;                    /* [c] 0: free slot */
	char     name[SW_NAME_MAX];     /* [I] */
	struct fw_rule *rules;          /* [c] the source, kept for recompiles */
	size_t   nrules;                /* [c] */
	struct fw_policy *compiled;     /* [r] */
};

struct sw_port {
	uint32_t id;                    /* [c] 0: free slot */
	struct sw_port_cfg cfg;         /* [c] */
	uint16_t net;                   /* [c] slot of cfg.net (VM, MGMT) */
	uint8_t  ll6[16];               /* [c] VM: fe80::EUI-64 of its MAC */
	struct sw_policy *pin, *pout;   /* [c] NULL: deny all */
	struct sw_port_stats st;        /* [d] */
};

/* MAC table entry: key = network slot << 48 | MAC. */
struct sw_mac {
	uint64_t key;
	uint32_t port;                  /* port id */
	uint32_t next;                  /* chain / free list */
	uint64_t expires;               /* 0: static (a VM's bound MAC) */
};

struct sw_retired {
	struct fw_policy  *p;
	struct sw_retired *next;
};

struct sw {
	struct sw_config cfg;           /* [I] */
	uint32_t serial;                /* [c] id generator */
	struct sw_net    nets[SW_MAX_NETS];
	struct sw_port   ports[SW_MAX_PORTS];
	struct sw_policy pols[SW_MAX_POLICIES];
	int16_t  vlan_net[4096];        /* [c] uplink VLAN -> network slot, -1 none */
	int      uplink;                /* [c] uplink port slot, -1 none */
	uint32_t gen;                   /* [c] policy generation, bumped on change */
	struct ct_table      *ct;       /* [d] */
	struct ct_frag_table *frag;     /* [d] */
	struct sw_mac *mac;             /* [d] (static entries: [c]) */
	uint32_t *mac_bucket;
	uint32_t  mac_mask, mac_free, mac_cursor;
	uint64_t  log_tokens, log_last; /* [d] token bucket, milli-lines */
	struct sw_retired *retired;     /* [c] */
	struct fw_cidr *scratch;        /* [c] label resolution */
	struct sw_stats st;             /* [d] */
};

/* ------------------------------------------------------------ shared
 * Helpers that both switch.c (configuration) and switch_path.c (the data
 * path) use. The lookups the data path makes for every frame are static
 * inline here, so that they stay inlined there. */

#define MAC_NONE 0xffffffffu

static inline struct sw_port *port_get(const struct sw *sw, uint32_t id)
{
	const struct sw_port *pt = &sw->ports[(id & 0xff) % SW_MAX_PORTS];

	return id && pt->id == id ? (struct sw_port *)pt : NULL;
}

static inline uint64_t mac_key(uint16_t net, const uint8_t *mac)
{
	return (uint64_t)net << 48 | ld32(mac) | (uint64_t)ld16(mac + 4) << 32;
}

/* Multiply-shift hashing (Dietzfelbinger et al.) under the secret seed:
 * universal, so a sender who cannot see the seed cannot aim MACs at one
 * chain; cheaper than SipHash, which the connection table keeps. */
static inline uint32_t mac_bucket(const struct sw *sw, uint64_t key)
{
	uint64_t a = ld64(sw->cfg.seed) | 1, b = ld64(sw->cfg.seed + 8);

	return (uint32_t)(((key ^ b) * a) >> 32) & sw->mac_mask;
}

static inline struct sw_mac *mac_find(struct sw *sw, uint64_t key)
{
	for (uint32_t j = sw->mac_bucket[mac_bucket(sw, key)]; j != MAC_NONE; j = sw->mac[j].next)
		if (sw->mac[j].key == key)
			return &sw->mac[j];
	return NULL;
}

/* Defined in switch.c. */
struct sw_mac *mac_add(struct sw *sw, uint64_t key, uint32_t port, uint64_t expires);

static inline bool owns(const struct sw_port *pt, uint8_t family, const uint8_t *a)
{
	if (family == 4) {
		for (uint32_t i = 0; i < pt->cfg.nip4; i++)
			if (pkt_addr_eq(4, pt->cfg.ip4[i], a))
				return true;
		return false;
	}
	for (uint32_t i = 0; i < pt->cfg.nip6; i++)
		if (pkt_addr_eq(6, pt->cfg.ip6[i], a))
			return true;
	return pt->cfg.kind == SW_PORT_VM && pkt_addr_eq(6, pt->ll6, a);
}

#endif
