/*
 * The host's virtual switch: one instance of net/switch.c, the VMs'
 * ports on it, and the network task that runs its data path. VM vNICs
 * hand their frames to vnet_tx() from any context (a copy goes into the
 * switch's input ring); the task switches them and delivers each copy
 * through the destination port's deliver callback.
 *
 * Lock order: a device's own lock (held around vnet_tx), then the ring
 * lock; the task holds the switch lock while delivering, and delivery
 * takes the destination device's lock. Configuration takes the switch
 * lock. No path holds a device lock while taking the switch lock.
 */
#ifndef NET_VNET_H
#define NET_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/fw.h"
#include "net/switch.h"

#define VNET_FRAME_MAX 1518	/* 1514 + an 802.1Q tag */

/* A VM's attachment: network, addresses it may use, labels, policies. */
struct vnet_attach {
	const char *network;		/* a network made by vnet_net_add */
	uint8_t mac[6];
	bool has_ip4;
	uint8_t ip4[4];
	uint32_t nlabels;
	const char (*labels)[SW_NAME_MAX];
	/* Rules, first match wins; none: everything in that direction is
	 * denied (default deny). */
	const struct fw_rule *in, *out;
	size_t nin, nout;
	/* The host's own management stack (SW_PORT_MGMT: learns its MAC, no
	 * anti-spoofing, the policies still apply) instead of a VM. */
	bool mgmt;
};

/* Creates the switch and starts its task on CPU 0. Returns 0, -ENOMEM. */
int vnet_init(void);
/* Returns 0 or what sw_net_set returns. */
int vnet_net_add(const char *name, uint16_t vlan, bool uplink);
/* Adds the port name; deliver(ctx, frame, len) gets every frame for it,
 * from the network task. Returns 0 and *port, -ENODEV (no switch),
 * -ENOENT (no such network), or what sw_policy_set / sw_port_set
 * return (err says why). */
int vnet_port_add(const char *name, const struct vnet_attach *a,
		  void (*deliver)(void *ctx, const void *frame, size_t len), void *ctx,
		  uint32_t *port, char *err, size_t errlen);
/* Removes a port: no delivery to it is in flight once this returns. */
void vnet_port_remove(uint32_t port);
/* Replaces a port's ingress policy (in != NULL), egress policy
 * (out != NULL) or both, in one step: either both take effect or
 * nothing changes. n 0 with a non-NULL list: deny all. Connections the
 * new policies no longer allow are cut. Returns 0, -ENOENT, -EINVAL,
 * -ENOSPC, -ENOMEM. */
int vnet_policy_replace(const char *port, const struct fw_rule *in, size_t nin,
			const struct fw_rule *out, size_t nout);
/* The same for every VM port carrying label (a group): new policies for
 * all of them, or, if any cannot be made or set, no change at all. fn
 * gets each member's name (under the switch lock: no vnet_* calls).
 * Returns 0, -ENOENT (no VM port has the label), -ENOSPC, -ENOMEM,
 * -EINVAL. */
int vnet_policy_replace_label(const char *label, const struct fw_rule *in, size_t nin,
			      const struct fw_rule *out, size_t nout,
			      void (*fn)(void *ctx, const char *port), void *ctx);
/* Calls fn with the name of each VM port carrying label (under the
 * switch lock: no vnet_* calls). Returns how many, or -ENODEV. */
int vnet_label_walk(const char *label, void (*fn)(void *ctx, const char *port), void *ctx);
/* A frame sent by the VM on port. Any context; dropped (and counted)
 * when the input ring is full. */
void vnet_tx(uint32_t port, const void *frame, size_t len);
/* Calls fn for each rule of one direction of a port's policy, in order,
 * with its hit count (under the switch lock: fn must not call vnet_*).
 * Returns the hits of the default deny, or -ENOENT (no such port). A
 * direction without a policy calls fn for nothing. */
int64_t vnet_policy_walk(const char *port, bool egress,
			 void (*fn)(void *ctx, const struct fw_rule *r, uint64_t hits), void *ctx);
/* Calls fn for each port (under the switch lock, as above). */
void vnet_port_walk(void (*fn)(void *ctx, const char *name, const struct sw_port_stats *st),
		    void *ctx);
/* Makes nic the switch's uplink (port "uplink", a trunk of the uplink
 * networks): the network task polls it and sends it what the switch
 * forwards there. Returns 0, -ENODEV (no switch) or what sw_port_set
 * returns. */
struct nic;
int vnet_uplink_attach(struct nic *nic);
/* Port counters, for the console and the tests. */
int vnet_port_stats(const char *name, struct sw_port_stats *st);
/* One line per port with its counters and drops by reason. */
void vnet_print(void);

#endif
