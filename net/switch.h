/* The virtual switch: L2 forwarding between ports (VM vNICs, the
 * management port, the uplink) on isolated networks, with anti-spoofing
 * on VM ports and a stateful firewall (per-port ingress and egress
 * policies, connection tracking) on every port. Design: net/README.md.
 *
 * Data path: sw_input() takes one frame from one port and returns the
 * list of ports to deliver it to; it never copies, allocates, locks or
 * logs (but for the rate-limited drop log). The caller copies the frame
 * into each destination (a guest's receive buffer), applying the VLAN
 * edit the result names.
 *
 * Identifiers: networks, ports and policies have caller-chosen names
 * (unique per kind) and switch-chosen ids that are never reused while the
 * switch lives, so the RPC console can hold them; the *_set() calls
 * create or update by name, so repeating one is harmless.
 *
 * Policies name "ingress" and "egress" from the port's side, as cloud
 * security groups do: a port's egress policy judges what its VM sends,
 * its ingress policy what it is sent. A packet between two ports passes
 * the sender's egress and the receiver's ingress policy; the packets of
 * a connection both allowed are then matched in the connection table
 * (both directions) and skip the classifiers. Policy id 0 (SW_POLICY_NONE)
 * denies everything.
 *
 * Concurrency: the switch is one object of one context at a time: the
 * caller serialises every call (the network task runs the data path and
 * applies configuration between frames). The policy swap is nevertheless
 * RCU-shaped (published with a release store, read once per frame, the
 * old compiled policy retired until sw_reclaim()) so that a data path on
 * several CPUs later needs no change to policy replacement; see
 * sw_reclaim(). */
#ifndef NET_SWITCH_H
#define NET_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/conntrack.h"
#include "net/fw.h"
#include "net/pkt.h"

#define SW_NAME_MAX      32      /* names: 1..31 of [a-z0-9-], + NUL */
#define SW_MAX_PORTS     128
#define SW_MAX_NETS      64
#define SW_MAX_POLICIES  256
#define SW_PORT_ADDRS    8       /* bound IPv4 and IPv6 addresses, each */
#define SW_PORT_LABELS   8
#define SW_POLICY_NONE   0

enum sw_port_kind {
	SW_PORT_VM,       /* access port, anti-spoofing, static MAC */
	SW_PORT_MGMT,     /* the host's own stack: access port, learns */
	SW_PORT_UPLINK,   /* the physical NIC: trunk of the uplink networks, learns */
};

/* Why a frame (or one copy of it) was dropped. Below PKT_ERR_COUNT the
 * values are the parser's (enum pkt_err); 0 is "not dropped". */
enum sw_drop {
	SW_DROP_NONE = 0,
	SW_DROP_ETHERTYPE = PKT_ERR_COUNT, /* not IPv4, IPv6 or ARP */
	SW_DROP_VLAN,         /* tagged on an access port; unknown VLAN on the uplink */
	SW_DROP_SRC_MAC,      /* group source MAC, or one owned by another port */
	SW_DROP_SPOOF_MAC,    /* VM: source MAC not its own */
	SW_DROP_SPOOF_IP,     /* VM: source address not its own */
	SW_DROP_SPOOF_ARP,    /* VM: ARP sender MAC or address not its own */
	SW_DROP_SPOOF_ND,     /* VM: NS/NA link-layer address or NA target not its own */
	SW_DROP_DHCP_SERVER,  /* VM: DHCP or DHCPv6 server message */
	SW_DROP_ROUTER,       /* VM: router advertisement or redirect */
	SW_DROP_L2_L3,        /* unicast IP in a broadcast/multicast frame */
	SW_DROP_NO_DEST,      /* destination is the input port, or nowhere */
	SW_DROP_DST_IP,       /* unicast IP to a VM that does not own the address */
	SW_DROP_POLICY_OUT,   /* the sender's egress policy */
	SW_DROP_POLICY_IN,    /* the receiver's ingress policy (counted on the receiver) */
	SW_DROP_CT_INVALID,   /* does not fit its connection's state */
	SW_DROP_CT_NOFLOW,    /* TCP that is no SYN, and no connection */
	SW_DROP_CT_PORT,      /* a connection's packet between other ports */
	SW_DROP_CT_FULL,      /* connection table full of live connections */
	SW_DROP_CT_QUOTA,     /* the port's connection quota */
	SW_DROP_FRAG,         /* later fragment of no allowed first fragment */
	SW_DROP_COUNT
};

struct sw_config {
	uint32_t ct_capacity;     /* connections (default 65536) */
	uint32_t mac_capacity;    /* MAC table entries (default 4096) */
	uint32_t frag_capacity;   /* fragment table entries (default 1024) */
	uint32_t mac_age_ms;      /* learned MACs (default 300 s, as 802.1D) */
	uint32_t frag_ms;         /* fragment entries (default 10 s) */
	uint32_t port_quota;      /* connections opened per port (default capacity / 4) */
	uint32_t log_per_sec;     /* drop log lines per second (default 10) */
	uint32_t log_burst;       /* and in a burst (default 20) */
	bool     log_default;     /* log default-deny drops too, not only deny-log */
	uint8_t  seed[16];        /* hash key: random at boot */
	struct ct_timeouts ct_to; /* zeros: conntrack.c's defaults */
	struct fw_compile_opts fw;
};

struct sw_port_cfg {
	char     name[SW_NAME_MAX];
	uint8_t  kind;            /* enum sw_port_kind; fixed once created */
	uint32_t net;             /* network id (VM, MGMT); unused for UPLINK */
	uint8_t  mac[6];          /* VM: the one source MAC it may use */
	uint32_t nip4, nip6;      /* VM: its addresses (anti-spoofing); any
				   * port: the addresses its labels stand for */
	uint8_t  ip4[SW_PORT_ADDRS][4];
	uint8_t  ip6[SW_PORT_ADDRS][16];
	uint32_t nlabels;
	char     labels[SW_PORT_LABELS][SW_NAME_MAX];
	uint32_t policy_in, policy_out;  /* policy ids; SW_POLICY_NONE denies all */
	void    *ctx;             /* the owner's, handed back with each output */
};

struct sw_port_stats {
	uint64_t rx_frames, rx_bytes;     /* received from the port */
	uint64_t tx_frames, tx_bytes;     /* handed out for delivery to it */
	uint64_t drops[SW_DROP_COUNT];
	uint32_t flows;                   /* connections it opened, live */
};

struct sw_stats {
	struct ct_stats ct;
	uint32_t mac_entries;
	uint64_t mac_learn_full;          /* MACs not learned: table full */
	uint64_t revoked;                 /* connections cut by a policy change */
	uint64_t related;                 /* ICMP errors passed for a connection */
	uint64_t log_lines, log_suppressed;
	uint32_t gen;                     /* policy generation */
};

/* One delivery: to port, with an 802.1Q tag of vlan inserted after the
 * MAC addresses when vlan != 0. */
struct sw_dest {
	uint32_t port;
	uint16_t vlan;
	void    *ctx;
};

/* The result of sw_input(). Every destination receives the frame minus
 * the strip bytes at offset 12 (the tag it came with, if any), plus its
 * own tag. About 2 KiB: keep one per network task, not on a small stack. */
struct sw_out {
	uint32_t n;
	uint16_t strip;
	uint16_t drop;            /* enum sw_drop: why n is 0 (or why some
				   * destination was refused, when n > 0) */
	struct sw_dest d[SW_MAX_PORTS];
};

/* Returns NULL on allocation failure or an out-of-range config. */
struct sw *sw_create(const struct sw_config *cfg);
void sw_destroy(struct sw *sw);

/* Networks. vlan: the 802.1Q id on the uplink (0: untagged), unique
 * among uplink networks. Returns 0, -EINVAL (name, vlan), -EEXIST (vlan
 * taken), -ENOSPC. An existing network keeps its id; moving it off the
 * uplink or to another VLAN is allowed. */
int sw_net_set(struct sw *sw, const char *name, uint16_t vlan, bool uplink, uint32_t *id);

/* Policies: compiles rules (against the current label membership) and
 * installs the result atomically under name; ports naming the policy use
 * it from the next frame on, and connections it no longer allows are cut
 * (checked on their next packet). Returns 0, -EINVAL (a bad rule or
 * name), -ENOSPC, -ENOMEM (nothing changed). */
int sw_policy_set(struct sw *sw, const char *name, const struct fw_rule *rules, size_t n,
		  uint32_t *id);
/* -ENOENT, -EBUSY (a port uses it) or 0. */
int sw_policy_remove(struct sw *sw, uint32_t id);
/* The rules a policy was set with (valid until it is set or removed
 * again). 0 or -ENOENT. */
int sw_policy_source(const struct sw *sw, uint32_t id, const struct fw_rule **rules, size_t *n);
/* The compiled policy in use (stats: hits per rule); NULL for none. */
const struct fw_policy *sw_policy_get(const struct sw *sw, uint32_t id);

/* Frees the compiled policies replaced so far. Rule: call it only once no
 * data path that may have loaded one of them is still running. Today the
 * caller serialises sw_input() with configuration, so right after the
 * replacing call returns is safe; with a data path on several CPUs, after
 * every one of them has passed a quiescent point (returned from the
 * frame it was switching) since the replacement. */
void sw_reclaim(struct sw *sw);

/* Ports: create (name unknown) or update (kind must match). Updating
 * addresses or labels recompiles the policies that name its labels;
 * changing policies revalidates its connections. Returns 0, -EINVAL
 * (bad name, kind, network, policy, addresses or a second uplink),
 * -EEXIST (the VM's MAC is another port's on that network), -ENOSPC,
 * -ENOMEM (a recompile failed: the port is unchanged). */
int sw_port_set(struct sw *sw, const struct sw_port_cfg *cfg, uint32_t *id);
/* Removes a port, its MAC entries and its connections. 0 or -ENOENT. */
int sw_port_remove(struct sw *sw, uint32_t id);
int sw_port_find(const struct sw *sw, const char *name, uint32_t *id);
/* The port's configuration as set (to change one field and set it
 * again). 0 or -ENOENT. */
int sw_port_get(const struct sw *sw, uint32_t id, struct sw_port_cfg *cfg);
/* A network's id by name. 0 or -ENOENT. */
int sw_net_find(const struct sw *sw, const char *name, uint32_t *id);
int sw_port_stats(const struct sw *sw, uint32_t id, struct sw_port_stats *st);

/* Switches one frame received from port at time now_ms (monotonic).
 * Returns the number of destinations in out (0: dropped, out->drop says
 * why), or -ENOENT for an unknown port (nothing counted). */
int sw_input(struct sw *sw, uint32_t port, const void *frame, size_t len, uint64_t now_ms,
	     struct sw_out *out);

/* Housekeeping, from the data-path context, every 100 ms or so: expires
 * connections and MAC entries a slice of the tables at a time. */
void sw_tick(struct sw *sw, uint64_t now_ms);

/* Calls fn for every connection (fn must not call back into the switch). */
void sw_flow_walk(struct sw *sw, void (*fn)(void *ctx, const struct ct_entry *e), void *ctx);

void sw_stats(const struct sw *sw, struct sw_stats *st);
const char *sw_drop_name(enum sw_drop d);

/* Whether the VM on port may use address a (family 4/6) as a source:
 * one of its addresses, or for IPv6 its EUI-64 link-local address. */
bool sw_port_owns(const struct sw *sw, uint32_t port, uint8_t family, const uint8_t *a);

#endif
