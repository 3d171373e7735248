/*
 * The management port (net/mgmt.h): the switch port's frames in a ring
 * for the owner task, lwIP's frames out through the switch.
 */
#include <errno.h>
#include <string.h>
#include "kernel/bootcfg.h"
#include "kernel/drbg.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "net/fw.h"
#include "net/mgmt.h"
#include "net/netstack.h"
#include "net/vnet.h"

#define RING_SLOTS 64

struct slot {
	uint32_t len;
	uint8_t data[VNET_FRAME_MAX];
};

static struct spinlock ring_lock = SPINLOCK_INIT;
static struct slot *ring;		/* [r] ring_lock */
static uint32_t ring_head, ring_count;	/* [r] */
static uint64_t drops;			/* [r] */
static struct task *owner;		/* set once by mgmt_set_owner */
static uint32_t port;			/* [I] */

/* From the network task, under the switch lock: copy and wake. */
static void deliver(void *ctx, const void *frame, size_t len)
{
	uint64_t f;

	(void)ctx;
	f = spin_lock_irqsave(&ring_lock);
	if (ring_count == RING_SLOTS || len > VNET_FRAME_MAX) {
		drops++;
	} else {
		struct slot *s = &ring[(ring_head + ring_count) % RING_SLOTS];

		s->len = (uint32_t)len;
		memcpy(s->data, frame, len);
		ring_count++;
	}
	spin_unlock_irqrestore(&ring_lock, f);
	if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE))
		sched_wake(owner);
}

static void output(const void *frame, size_t len)
{
	vnet_tx(port, frame, len);
}

void mgmt_poll(void)
{
	static struct slot cur;

	for (int budget = RING_SLOTS; ring && budget > 0; budget--) {
		uint64_t f = spin_lock_irqsave(&ring_lock);
		bool have = ring_count > 0;

		if (have) {
			cur.len = ring[ring_head].len;
			memcpy(cur.data, ring[ring_head].data, cur.len);
			ring_head = (ring_head + 1) % RING_SLOTS;
			ring_count--;
		}
		spin_unlock_irqrestore(&ring_lock, f);
		if (!have)
			break;
		netstack_input(cur.data, cur.len);
	}
	netstack_poll();
}

uint64_t mgmt_rx_drops(void)
{
	return drops;
}

/* The port's ingress policy: the console, ping, and DHCP's answers. */
static int ingress_rules(const struct bootcfg *c, struct fw_rule *r, size_t *n)
{
	char text[64], err[96];
	int e;

	*n = 0;
	ksnprintf(text, sizeof(text), "allow proto tcp port %u", c->mgmt.port);
	e = fw_rule_parse(text, 1, &r[(*n)++], err, sizeof(err));
	e = e ? e : fw_rule_parse("allow proto icmp type 8", 2, &r[(*n)++], err, sizeof(err));
	if (!e && c->mgmt.dhcp)
		e = fw_rule_parse("allow proto udp port 68", 3, &r[(*n)++], err, sizeof(err));
	if (e)
		pr_err("mgmt: built-in rule refused: %s", err);
	return e;
}

void mgmt_set_owner(struct task *task)
{
	__atomic_store_n(&owner, task, __ATOMIC_RELEASE);
}

/* mgmt_start with the ring allocated: published once the port exists. */
static int start(const struct bootcfg *c, struct slot *r0)
{
	static struct fw_rule in[3], out;
	struct vnet_attach a = { 0 };
	struct netstack_if_cfg ic = { 0 };
	char err[96];
	int r;

	if (c->mgmt.has_mac) {
		memcpy(a.mac, c->mgmt.mac, 6);
	} else {
		if (drbg_random(a.mac, 6))
			return -EIO;
		a.mac[0] = (uint8_t)((a.mac[0] & 0xfc) | 0x02);	/* local, unicast */
	}
	a.network = c->nets[c->mgmt.network].name;
	a.mgmt = true;
	if (!c->mgmt.dhcp) {
		uint32_t ip = c->mgmt.address.addr;

		a.has_ip4 = true;
		a.ip4[0] = (uint8_t)(ip >> 24);
		a.ip4[1] = (uint8_t)(ip >> 16);
		a.ip4[2] = (uint8_t)(ip >> 8);
		a.ip4[3] = (uint8_t)ip;
	}
	r = ingress_rules(c, in, &a.nin);
	if (r)
		return r;
	fw_rule_init(&out, 1, FW_ALLOW);
	a.in = in;
	a.out = &out;
	a.nout = 1;
	ring = r0;	/* before the port: deliver() may run as soon as it exists */
	r = vnet_port_add("mgmt", &a, deliver, NULL, &port, err, sizeof(err));
	if (r)
		ring = NULL;
	if (r) {
		pr_err("mgmt: no switch port: %s", err);
		return r;
	}
	memcpy(ic.mac, a.mac, 6);
	ic.hostname = c->hostname;
	ic.output = output;
	if (!c->mgmt.dhcp) {
		uint8_t p = c->mgmt.address.prefix;

		ic.addr = c->mgmt.address.addr;
		ic.mask = p ? ~0u << (32 - p) : 0;
		ic.gateway = c->mgmt.gateway;
	}
	r = netstack_if_up(&ic);
	if (r) {
		pr_err("mgmt: interface not up (%d)", r);
		vnet_port_remove(port);	/* no delivery in flight after this */
		ring = NULL;
		return r;
	}
	pr_info("mgmt: port on network %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, %s",
		a.network, a.mac[0], a.mac[1], a.mac[2], a.mac[3], a.mac[4], a.mac[5],
		c->mgmt.dhcp ? "address by DHCP" : "static address");
	return 0;
}

int mgmt_start(const struct bootcfg *c)
{
	struct slot *r0 = kcalloc(RING_SLOTS, sizeof(*r0));
	int r;

	if (!r0)
		return -ENOMEM;
	r = start(c, r0);
	if (r) {
		kfree(r0);
		return r;
	}
	return 0;
}
