/* libFuzzer target: the full switch path on a fixed topology (the one of
 * tests/unit/test_switch.c: web, db, other on network "app", iso on
 * "iso", mgmt, an uplink; labels, stateful policies). Each input is a
 * fresh switch fed a sequence of records:
 *
 *   [op] [arg] [len hi] [len lo] [len bytes]
 *
 * op % 8 < 6: a frame from port op % 6 (web, db, other, iso, mgmt, up),
 *   with arg's low 3 bits choosing a destination MAC to write over the
 *   frame's (0: keep; 1-4 the VMs, 5 broadcast, 6 an uplink host, 7 a
 *   multicast group) and the next 3 a source MAC likewise; time advances
 *   by (arg >> 6) * 10 s.
 * op % 8 == 6: a configuration change chosen by arg (replace a policy,
 *   move web out of / into its label, remove and re-add db, renumber db).
 * op % 8 == 7: sw_tick after arg seconds.
 *
 * Besides ASan/UBSan, every delivery is checked against the properties
 * the switch promises: never back to the input port, never outside the
 * frame's network, a VM port's frame never leaves with a source MAC or
 * address that is not the VM's own, unicast IP reaches a VM only for its
 * own address.
 *
 * The switch is built once (building it per input costs more than the
 * input) and reset after each: configuration restored, then time jumps
 * far ahead and sw_tick() expires every connection, fragment and learned
 * MAC. What survives an input is only counters and ids. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/switch.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { WEB, DB, OTHER, ISO, MGMT, UP, NPORTS };

static const uint8_t macs[8][6] = {
	{ 0 },
	{ 2, 0, 0, 0, 0, 1 },
	{ 2, 0, 0, 0, 0, 2 },
	{ 2, 0, 0, 0, 0, 3 },
	{ 2, 0, 0, 0, 0, 4 },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 2, 0, 0, 0, 0, 0x99 },
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb },
};

static const char *const web_out[] = {
	"allow proto tcp to label:db port 5432",
	"deny-log proto tcp port 22",
	"allow proto icmp",
	"allow proto icmpv6",
	"allow proto udp to 224.0.0.251 port 5353",
	"allow proto tcp to 192.0.2.0/24",
	"allow proto udp to 192.0.2.0/24",
};
static const char *const db_in[] = {
	"allow proto tcp from label:web port 5432",
	"allow proto icmp type 8",
	"allow proto icmpv6 type 128",
	"allow proto udp port 5353",
	"allow proto tcp from fd00::/64 port 5432",
};
static const char *const open_rules[] = { "allow" };

struct topo {
	struct sw *sw;
	uint32_t port[NPORTS];
	uint32_t net_app, net_iso, webout, dbin, open;
	struct sw_port_cfg cfg[NPORTS];
	bool dirty_pol, dirty_web, dirty_db;
};

static uint32_t policy(struct sw *sw, const char *name, const char *const *text, size_t n)
{
	struct fw_rule r[8];
	uint32_t id = 0;

	for (size_t i = 0; i < n; i++)
		CHECK(!fw_rule_parse(text[i], (uint32_t)i + 1, &r[i], NULL, 0));
	CHECK(!sw_policy_set(sw, name, r, n, &id));
	return id;
}

static void addr(uint8_t *a, const char *s)
{
	uint8_t fam;

	CHECK(!fw_addr_parse(s, strlen(s), &fam, a));
}

static void vm(struct topo *t, int i, const char *name, const char *ip4, const char *ip6,
	       const char *label, uint32_t net, uint32_t pin, uint32_t pout)
{
	struct sw_port_cfg *c = &t->cfg[i];

	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	c->kind = SW_PORT_VM;
	c->net = net;
	memcpy(c->mac, macs[1 + i], 6);
	c->nip4 = 1;
	addr(c->ip4[0], ip4);
	if (ip6) {
		c->nip6 = 1;
		addr(c->ip6[0], ip6);
	}
	if (label) {
		c->nlabels = 1;
		strcpy(c->labels[0], label);
	}
	c->policy_in = pin;
	c->policy_out = pout;
	CHECK(!sw_port_set(t->sw, c, &t->port[i]));
}

static void build(struct topo *t)
{
	struct sw_config cfg;
	struct sw_port_cfg *c;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ct_capacity = 64;
	cfg.mac_capacity = 32;
	cfg.frag_capacity = 16;
	cfg.port_quota = 24;
	cfg.log_default = true;
	memcpy(cfg.seed, "fuzz-seed-012345", 16);
	t->sw = sw_create(&cfg);
	CHECK(t->sw);
	CHECK(!sw_net_set(t->sw, "app", 10, true, &t->net_app));
	CHECK(!sw_net_set(t->sw, "iso", 20, true, &t->net_iso));
	t->webout = policy(t->sw, "web-out", web_out, 7);
	t->dbin = policy(t->sw, "db-in", db_in, 5);
	t->open = policy(t->sw, "open", open_rules, 1);
	vm(t, WEB, "web", "10.0.0.1", "fd00::1", "web", t->net_app, 0, t->webout);
	vm(t, DB, "db", "10.0.0.2", "fd00::2", "db", t->net_app, t->dbin, 0);
	vm(t, OTHER, "other", "10.0.0.3", NULL, "other", t->net_app, 0, t->open);
	vm(t, ISO, "iso", "10.0.0.4", NULL, NULL, t->net_iso, t->open, t->open);
	c = &t->cfg[MGMT];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "mgmt");
	c->kind = SW_PORT_MGMT;
	c->net = t->net_app;
	c->policy_in = c->policy_out = t->open;
	CHECK(!sw_port_set(t->sw, c, &t->port[MGMT]));
	c = &t->cfg[UP];
	*c = t->cfg[MGMT];
	strcpy(c->name, "uplink");
	c->kind = SW_PORT_UPLINK;
	CHECK(!sw_port_set(t->sw, c, &t->port[UP]));
}

static void reconfigure(struct topo *t, uint8_t arg)
{
	static const char *const none[] = { "deny" };
	struct sw_port_cfg c;

	switch (arg % 6) {
	case 0:
		policy(t->sw, "db-in", db_in, 1 + arg / 6 % 5);
		t->dirty_pol = true;
		break;
	case 1:
		policy(t->sw, "web-out", arg & 0x40 ? none : web_out, arg & 0x40 ? 1 : 7);
		t->dirty_pol = true;
		break;
	case 2:		/* web in or out of its label */
		c = t->cfg[WEB];
		c.nlabels = arg & 0x40 ? 0 : 1;
		CHECK(!sw_port_set(t->sw, &c, &t->port[WEB]));
		t->dirty_web = true;
		break;
	case 3:		/* db goes and comes back */
		CHECK(!sw_port_remove(t->sw, t->port[DB]));
		CHECK(!sw_port_set(t->sw, &t->cfg[DB], &t->port[DB]));
		break;
	case 4:		/* db renumbered */
		c = t->cfg[DB];
		c.ip4[0][3] = (uint8_t)(arg & 0x40 ? 22 : 2);
		CHECK(!sw_port_set(t->sw, &c, &t->port[DB]));
		t->dirty_db = true;
		break;
	default:
		sw_reclaim(t->sw);
		break;
	}
	sw_reclaim(t->sw);
}

static void reset(struct topo *t, uint64_t *now)
{
	if (t->dirty_pol) {
		policy(t->sw, "db-in", db_in, 5);
		policy(t->sw, "web-out", web_out, 7);
	}
	if (t->dirty_web)
		CHECK(!sw_port_set(t->sw, &t->cfg[WEB], &t->port[WEB]));
	if (t->dirty_db)
		CHECK(!sw_port_set(t->sw, &t->cfg[DB], &t->port[DB]));
	t->dirty_pol = t->dirty_web = t->dirty_db = false;
	sw_reclaim(t->sw);
	*now += 1000000000;
	sw_tick(t->sw, *now);	/* covers every bucket of these small tables */
}

static int port_index(const struct topo *t, uint32_t id)
{
	for (int i = 0; i < NPORTS; i++)
		if (t->port[i] == id)
			return i;
	return -1;
}

/* The properties every delivery must have (see the header). */
static void check_out(const struct topo *t, int from, const uint8_t *f, size_t len,
		      const struct sw_out *o)
{
	const struct sw_port_cfg *src = &t->cfg[from];
	struct pkt p;
	uint32_t net = 0;

	CHECK(o->n <= SW_MAX_PORTS);
	CHECK(o->strip == 0 || o->strip == 4);
	CHECK(o->drop < SW_DROP_COUNT);
	if (!o->n)
		return;
	CHECK(pkt_parse(f, len, &p) == PKT_OK);
	CHECK(p.l3 != PKT_L3_OTHER);
	if (from != UP)
		net = src->net;
	else
		net = p.vid == 10 ? t->net_app : t->net_iso;
	CHECK(from != UP || p.vid == 10 || p.vid == 20);
	for (uint32_t i = 0; i < o->n; i++) {
		int to = port_index(t, o->d[i].port);

		CHECK(to >= 0 && to != from);
		CHECK(to == UP || t->cfg[to].net == net);
		CHECK(o->d[i].vlan == (to == UP ? (net == t->net_app ? 10 : 20) : 0));
		/* Unicast IP reaches a VM only for its own address (ND aside). */
		if (to != UP && to != MGMT && p.l3 != PKT_L3_ARP &&
		    !pkt_addr_is_group(p.t.family, p.t.dst) &&
		    !(p.t.proto == PKT_PROTO_ICMP6 && p.icmp_type >= 130 && p.icmp_type <= 143))
			CHECK(sw_port_owns(t->sw, o->d[i].port, p.t.family, p.t.dst));
	}
	if (src->kind != SW_PORT_VM)
		return;
	CHECK(!memcmp(p.smac, src->mac, 6));
	CHECK(!p.tagged || p.vid == 0);
	if (p.l3 == PKT_L3_ARP) {
		CHECK(!memcmp(p.arp.sha, src->mac, 6));
		CHECK(!memcmp(p.arp.spa, src->ip4[0], 4) || !memcmp(p.arp.spa, "\0\0\0\0", 4));
	} else if (p.t.family == 4) {
		CHECK(!memcmp(p.t.src, src->ip4[0], 4));
	} else if (!pkt_addr_is_unspec(6, p.t.src)) {
		CHECK(sw_port_owns(t->sw, t->port[from], 6, p.t.src));
	} else {
		CHECK(p.t.proto == PKT_PROTO_ICMP6);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sw_out out;
	static uint8_t frame[PKT_MAX_LEN];
	static struct topo t;
	static uint64_t now = 1000000;
	size_t pos = 0;

	if (!t.sw)
		build(&t);
	while (size - pos >= 4) {
		uint8_t op = data[pos], arg = data[pos + 1];
		size_t len = (size_t)data[pos + 2] << 8 | data[pos + 3];

		pos += 4;
		if (len > size - pos)
			len = size - pos;
		if (op % 8 == 6) {
			reconfigure(&t, arg);
		} else if (op % 8 == 7) {
			now += (uint64_t)arg * 1000;
			sw_tick(t.sw, now);
		} else {
			int from = op % 8 % NPORTS;
			int rc;

			memcpy(frame, data + pos, len);
			if ((arg & 7) && len >= 6)
				memcpy(frame, macs[arg & 7], 6);
			if ((arg >> 3 & 7) && len >= 12)
				memcpy(frame + 6, macs[arg >> 3 & 7], 6);
			now += (uint64_t)(arg >> 6) * 10000;
			rc = sw_input(t.sw, t.port[from], frame, len, now, &out);
			CHECK(rc >= 0 && (uint32_t)rc == out.n);
			check_out(&t, from, frame, len, &out);
			pos += len;
		}
	}
	reset(&t, &now);
	return 0;
}
