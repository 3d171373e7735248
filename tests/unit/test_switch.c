/* Unit tests of the virtual switch (net/switch.c) on one topology:
 *
 *   network app (VLAN 10 on the uplink): VMs web, db, other; mgmt; uplink
 *   network iso (VLAN 20 on the uplink): VM iso
 *   web  10.0.0.1 fd00::1  label web  egress web-out    ingress none
 *   db   10.0.0.2 fd00::2  label db   egress none       ingress db-in
 *   other 10.0.0.3         label other egress open      ingress none
 *   iso  10.0.0.4                     egress open       ingress open
 *   mgmt, uplink: open both ways
 *
 * Learning, flooding and ageing; every anti-spoofing case; the stateful
 * firewall ("web may reach db on tcp/5432", replies pass, nothing else);
 * connection binding to ports; policy and label changes cutting
 * connections; table-full and quota behaviour; fragments; ICMP errors of
 * a connection; the rate-limited drop log; counters; configuration
 * errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/switch.h"
#include "tests/unit/support/net_frames.h"
#include "tests/unit/support/net_stubs.h"

#define BCAST ((const uint8_t *)"\xff\xff\xff\xff\xff\xff")

enum { WEB, DB, OTHER, ISO, MGMT, UP, NPORTS };

static struct sw *sw;
static uint32_t port[NPORTS], net_app, net_iso, pol_webout, pol_dbin, pol_open;
static struct sw_out out;
static uint64_t now;
static uint8_t frame[4096];

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
};
static const char *const open_rules[] = { "allow" };

static uint32_t policy(const char *name, const char *const *text, size_t n)
{
	struct fw_rule r[16];
	uint32_t id;
	char err[80];

	for (size_t i = 0; i < n; i++)
		if (fw_rule_parse(text[i], (uint32_t)(i + 1), &r[i], err, sizeof(err)))
			fail_msg("%s: %s", text[i], err);
	assert_int_equal(sw_policy_set(sw, name, r, n, &id), 0);
	return id;
}

static void vm_cfg(struct sw_port_cfg *c, const char *name, unsigned macid, const char *ip4,
		   const char *ip6, const char *label)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	c->kind = SW_PORT_VM;
	c->net = net_app;
	fs_mac(c->mac, macid);
	c->nip4 = 1;
	fs_ip(c->ip4[0], ip4);
	if (ip6) {
		c->nip6 = 1;
		fs_ip(c->ip6[0], ip6);
	}
	if (label) {
		c->nlabels = 1;
		strcpy(c->labels[0], label);
	}
}

static void make_switch(uint32_t ct_capacity, uint32_t quota)
{
	struct sw_config cfg;
	struct sw_port_cfg c;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ct_capacity = ct_capacity;
	cfg.port_quota = quota;
	memcpy(cfg.seed, "test-seed-012345", 16);
	sw = sw_create(&cfg);
	assert_non_null(sw);
	assert_int_equal(sw_net_set(sw, "app", 10, true, &net_app), 0);
	assert_int_equal(sw_net_set(sw, "iso", 20, true, &net_iso), 0);
	pol_webout = policy("web-out", web_out, sizeof(web_out) / sizeof(web_out[0]));
	pol_dbin = policy("db-in", db_in, sizeof(db_in) / sizeof(db_in[0]));
	pol_open = policy("open", open_rules, 1);

	vm_cfg(&c, "web", 1, "10.0.0.1", "fd00::1", "web");
	c.policy_out = pol_webout;
	assert_int_equal(sw_port_set(sw, &c, &port[WEB]), 0);
	vm_cfg(&c, "db", 2, "10.0.0.2", "fd00::2", "db");
	c.policy_in = pol_dbin;
	assert_int_equal(sw_port_set(sw, &c, &port[DB]), 0);
	vm_cfg(&c, "other", 3, "10.0.0.3", NULL, "other");
	c.policy_out = pol_open;
	assert_int_equal(sw_port_set(sw, &c, &port[OTHER]), 0);
	vm_cfg(&c, "iso", 4, "10.0.0.4", NULL, NULL);
	c.net = net_iso;
	c.policy_in = c.policy_out = pol_open;
	assert_int_equal(sw_port_set(sw, &c, &port[ISO]), 0);
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "mgmt");
	c.kind = SW_PORT_MGMT;
	c.net = net_app;
	c.policy_in = c.policy_out = pol_open;
	assert_int_equal(sw_port_set(sw, &c, &port[MGMT]), 0);
	strcpy(c.name, "uplink");
	c.kind = SW_PORT_UPLINK;
	assert_int_equal(sw_port_set(sw, &c, &port[UP]), 0);
	now = 1000000;
	stub_log_lines = 0;
}

static int setup(void **st)
{
	make_switch(0, 0);
	return 0;
}

static int teardown(void **st)
{
	sw_destroy(sw);
	sw = NULL;
	return 0;
}

/* ------------------------------------------------------------ frames */

static const struct {
	unsigned mac;
	const char *ip4, *ip6;
} vm[] = {
	[WEB] = { 1, "10.0.0.1", "fd00::1" },
	[DB] = { 2, "10.0.0.2", "fd00::2" },
	[OTHER] = { 3, "10.0.0.3", NULL },
	[ISO] = { 4, "10.0.0.4", NULL },
};

/* TCP from VM a to VM b (IPv4). */
static void tcp_spec(struct fspec *s, int a, int b, uint16_t sport, uint16_t dport, uint8_t fl)
{
	fs_init(s);
	fs_mac(s->smac, vm[a].mac);
	fs_mac(s->dmac, vm[b].mac);
	fs_ip(s->src, vm[a].ip4);
	fs_ip(s->dst, vm[b].ip4);
	s->sport = sport;
	s->dport = dport;
	s->tcp_flags = fl;
}

static int send_spec(int from, const struct fspec *s)
{
	size_t n = fs_build(s, frame, sizeof(frame));

	assert_true(n > 0);
	return sw_input(sw, port[from], frame, n, now, &out);
}

static int tcp(int a, int b, uint16_t sport, uint16_t dport, uint8_t fl)
{
	struct fspec s;

	tcp_spec(&s, a, b, sport, dport, fl);
	return send_spec(a, &s);
}

static bool delivered_to(int p)
{
	for (uint32_t i = 0; i < out.n; i++)
		if (out.d[i].port == port[p])
			return true;
	return false;
}

static uint64_t drops(int p, enum sw_drop d)
{
	struct sw_port_stats st;

	assert_int_equal(sw_port_stats(sw, port[p], &st), 0);
	return st.drops[d];
}

static void expect_drop(int rc, enum sw_drop d)
{
	if (rc != 0 || out.drop != d)
		fail_msg("want drop %s, got %d outputs, drop %s", sw_drop_name(d), rc,
			 sw_drop_name((enum sw_drop)out.drop));
}

static void expect_to(int rc, int p)
{
	if (rc != 1 || !delivered_to(p))
		fail_msg("want delivery to port %d, got %d outputs, drop %s", p, rc,
			 sw_drop_name((enum sw_drop)out.drop));
}

/* A TCP handshake web:sport -> db:5432; returns after the final ACK. */
static void handshake(uint16_t sport)
{
	expect_to(tcp(WEB, DB, sport, 5432, PKT_TCP_SYN), DB);
	expect_to(tcp(DB, WEB, 5432, sport, PKT_TCP_SYN | PKT_TCP_ACK), WEB);
	expect_to(tcp(WEB, DB, sport, 5432, PKT_TCP_ACK), DB);
}

static unsigned flows(void)
{
	struct sw_stats st;

	sw_stats(sw, &st);
	return st.ct.entries;
}

/* A frame from the uplink, on vlan, from MAC macid / address ip. */
static void up_spec(struct fspec *s, int vlan, unsigned macid, const char *ip)
{
	fs_init(s);
	s->vlan = vlan;
	fs_mac(s->smac, macid);
	fs_ip(s->src, ip);
}

/* ------------------------------------------------------------ L2 */

static void test_broadcast_floods_within_network(void **st)
{
	struct fspec s;
	int rc;

	fs_init(&s);
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	fs_mac(s.smac, 1);
	fs_mac(s.sha, 1);
	fs_ip(s.spa, "10.0.0.1");
	fs_ip(s.tpa, "10.0.0.2");
	rc = send_spec(WEB, &s);
	assert_int_equal(rc, 4);
	assert_true(delivered_to(DB) && delivered_to(OTHER) && delivered_to(MGMT) &&
		    delivered_to(UP));
	assert_false(delivered_to(ISO) || delivered_to(WEB));
	for (uint32_t i = 0; i < out.n; i++)
		assert_int_equal(out.d[i].vlan, out.d[i].port == port[UP] ? 10 : 0);
	assert_int_equal(out.strip, 0);

	/* From the uplink on VLAN 20: only iso's network, tag stripped. */
	up_spec(&s, 20, 0x99, "10.0.0.9");
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	fs_mac(s.sha, 0x99);
	memcpy(s.spa, s.src, 4);
	rc = send_spec(UP, &s);
	assert_int_equal(rc, 1);
	assert_true(delivered_to(ISO));
	assert_int_equal(out.strip, 4);
	assert_int_equal(out.d[0].vlan, 0);

	/* Unknown VLAN, and untagged with no untagged network. */
	s.vlan = 99;
	expect_drop(send_spec(UP, &s), SW_DROP_VLAN);
	s.vlan = -1;
	expect_drop(send_spec(UP, &s), SW_DROP_VLAN);
	assert_int_equal(drops(UP, SW_DROP_VLAN), 2);
}

static void test_learning_and_ageing(void **st)
{
	struct fspec s;
	int rc;

	/* Unknown unicast: only the learning ports of the network. */
	tcp_spec(&s, WEB, WEB, 1234, 80, PKT_TCP_SYN);
	fs_mac(s.dmac, 0x99);
	fs_ip(s.dst, "192.0.2.5");
	rc = send_spec(WEB, &s);
	assert_int_equal(rc, 2);
	assert_true(delivered_to(MGMT) && delivered_to(UP));
	assert_int_equal(flows(), 0);	/* flooded to two: no state */

	/* The host answers through the uplink: learned there. */
	up_spec(&s, 10, 0x99, "192.0.2.5");
	fs_mac(s.dmac, 1);
	fs_ip(s.dst, "10.0.0.1");
	s.sport = 80;
	s.dport = 1234;
	s.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
	expect_drop(send_spec(UP, &s), SW_DROP_CT_NOFLOW);	/* no connection was made */
	tcp_spec(&s, WEB, WEB, 1234, 80, PKT_TCP_SYN);
	fs_mac(s.dmac, 0x99);
	fs_ip(s.dst, "192.0.2.5");
	expect_to(send_spec(WEB, &s), UP);
	assert_int_equal(out.d[0].vlan, 10);
	assert_int_equal(flows(), 1);

	/* Aged out after 300 s: flooded again. */
	now += 300 * 1000 + 1;
	sw_tick(sw, now);
	s.sport = 1235;
	assert_int_equal(send_spec(WEB, &s), 2);
}

static void test_static_mac_cannot_move(void **st)
{
	struct fspec s;

	/* The uplink claims web's MAC. */
	up_spec(&s, 10, 1, "192.0.2.5");
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	expect_drop(send_spec(UP, &s), SW_DROP_SRC_MAC);
	assert_int_equal(drops(UP, SW_DROP_SRC_MAC), 1);
	/* web is still reached on its port. */
	handshake(4000);

	/* A learned MAC moves between learning ports. */
	up_spec(&s, 10, 0x77, "192.0.2.7");
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	assert_int_equal(send_spec(UP, &s), 4);
	fs_init(&s);
	fs_mac(s.smac, 0x77);
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	assert_int_equal(send_spec(MGMT, &s), 4);
	tcp_spec(&s, WEB, WEB, 1, 80, PKT_TCP_SYN);
	fs_mac(s.dmac, 0x77);
	fs_ip(s.dst, "192.0.2.7");
	expect_to(send_spec(WEB, &s), MGMT);
}

static void test_no_dest_and_l2_l3(void **st)
{
	struct fspec s;

	tcp_spec(&s, WEB, WEB, 1, 5432, PKT_TCP_SYN);
	expect_drop(send_spec(WEB, &s), SW_DROP_NO_DEST);	/* to itself */
	tcp_spec(&s, WEB, DB, 1, 5432, PKT_TCP_SYN);
	memcpy(s.dmac, BCAST, 6);
	expect_drop(send_spec(WEB, &s), SW_DROP_L2_L3);
	/* Unicast IP to a VM that does not own the address. */
	tcp_spec(&s, WEB, DB, 1, 5432, PKT_TCP_SYN);
	fs_ip(s.dst, "10.0.0.3");
	expect_drop(send_spec(WEB, &s), SW_DROP_DST_IP);
	assert_int_equal(drops(WEB, SW_DROP_DST_IP), 1);
	/* A port with no one else on its network. */
	{
		struct sw_port_cfg c;
		uint32_t lone, id;

		assert_int_equal(sw_net_set(sw, "dark", 0, false, &lone), 0);
		vm_cfg(&c, "lone", 9, "10.9.0.1", NULL, NULL);
		c.net = lone;
		assert_int_equal(sw_port_set(sw, &c, &id), 0);
		fs_init(&s);
		fs_mac(s.smac, 9);
		memcpy(s.dmac, BCAST, 6);
		s.arp_op = 1;
		fs_mac(s.sha, 9);
		fs_ip(s.spa, "10.9.0.1");
		assert_int_equal(sw_input(sw, id, frame, fs_build(&s, frame, sizeof(frame)), now,
					  &out), 0);
		assert_int_equal(out.drop, SW_DROP_NO_DEST);
	}
}

/* ------------------------------------------------------------ anti-spoofing */

static void test_spoof_source(void **st)
{
	struct fspec s;

	tcp_spec(&s, WEB, DB, 1, 5432, PKT_TCP_SYN);
	fs_mac(s.smac, 0x55);
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_MAC);
	tcp_spec(&s, WEB, DB, 1, 5432, PKT_TCP_SYN);
	memcpy(s.smac, BCAST, 6);
	expect_drop(send_spec(WEB, &s), SW_DROP_SRC_MAC);
	tcp_spec(&s, WEB, DB, 1, 5432, PKT_TCP_SYN);
	fs_ip(s.src, "10.0.0.2");	/* db's address */
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_IP);
	fs_ip(s.src, "0.0.0.0");
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_IP);
	/* IPv6: a foreign address; its own and its link-local pass. */
	tcp_spec(&s, WEB, DB, 1, 5432, PKT_TCP_SYN);
	s.family = 6;
	fs_ip(s.src, "fd00::2");
	fs_ip(s.dst, "fd00::2");
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_IP);
	fs_ip(s.src, "fd00::1");
	expect_to(send_spec(WEB, &s), DB);
	fs_ip(s.src, "fe80::ff:fe00:1");	/* EUI-64 of 02:00:00:00:00:01 */
	fs_ip(s.dst, "fd00::2");
	expect_to(send_spec(WEB, &s), DB);
	fs_ip(s.src, "fe80::ff:fe00:2");
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_IP);
	assert_int_equal(drops(WEB, SW_DROP_SPOOF_IP), 4);
	assert_int_equal(drops(WEB, SW_DROP_SPOOF_MAC), 1);
	assert_true(stub_log_lines >= 4);	/* spoofing is logged */
}

static void test_spoof_arp(void **st)
{
	struct fspec s;

	fs_init(&s);
	fs_mac(s.smac, 1);
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	fs_mac(s.sha, 1);
	fs_ip(s.spa, "10.0.0.1");
	fs_ip(s.tpa, "10.0.0.2");
	assert_int_equal(send_spec(WEB, &s), 4);
	fs_mac(s.sha, 2);			/* sender MAC not its own */
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ARP);
	fs_mac(s.sha, 1);
	fs_ip(s.spa, "10.0.0.2");		/* sender IP not its own */
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ARP);
	fs_ip(s.spa, "0.0.0.0");		/* a probe (RFC 5227) is fine */
	assert_int_equal(send_spec(WEB, &s), 4);
	s.arp_op = 2;				/* but not as a reply */
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ARP);
	fs_ip(s.spa, "10.0.0.2");		/* gratuitous reply for db's IP */
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ARP);
	fs_ip(s.spa, "10.0.0.1");
	fs_mac(s.dmac, 2);
	expect_to(send_spec(WEB, &s), DB);
	assert_int_equal(drops(WEB, SW_DROP_SPOOF_ARP), 4);
}

static void nd_spec(struct fspec *s, uint8_t type, const char *src, const char *target)
{
	fs_init(s);
	s->family = 6;
	fs_mac(s->smac, 1);
	fs_mac(s->dmac, 2);
	fs_ip(s->src, src);
	fs_ip(s->dst, "fd00::2");
	s->proto = PKT_PROTO_ICMP6;
	s->icmp_type = type;
	fs_ip(s->nd_target, target);
}

static void test_spoof_nd(void **st)
{
	struct fspec s;

	/* NA for its own address with its own MAC: delivered (no policy). */
	nd_spec(&s, 136, "fd00::1", "fd00::1");
	s.nd_tll = 1;
	fs_mac(s.tll, 1);
	expect_to(send_spec(WEB, &s), DB);
	/* NA for db's address; NA with another MAC. */
	nd_spec(&s, 136, "fd00::1", "fd00::2");
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ND);
	nd_spec(&s, 136, "fd00::1", "fd00::1");
	s.nd_tll = 1;
	fs_mac(s.tll, 2);
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ND);
	/* NA from a foreign source address. */
	nd_spec(&s, 136, "fd00::9", "fd00::1");
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_IP);
	/* NS: the source link-layer option must be its MAC. */
	nd_spec(&s, 135, "fd00::1", "fd00::2");
	s.nd_sll = 1;
	fs_mac(s.sll, 1);
	expect_to(send_spec(WEB, &s), DB);
	fs_mac(s.sll, 3);
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ND);
	/* DAD: NS from :: without the option passes, with it is refused. */
	nd_spec(&s, 135, "::", "fd00::1");
	memcpy(s.dmac, "\x33\x33\xff\x00\x00\x01", 6);
	fs_ip(s.dst, "ff02::1:ff00:1");
	assert_int_equal(send_spec(WEB, &s), 4);
	s.nd_sll = 1;
	fs_mac(s.sll, 1);
	expect_drop(send_spec(WEB, &s), SW_DROP_SPOOF_ND);
	/* Router advertisements and redirects never come from a VM. */
	nd_spec(&s, 134, "fe80::ff:fe00:1", "::");
	expect_drop(send_spec(WEB, &s), SW_DROP_ROUTER);
	nd_spec(&s, 137, "fe80::ff:fe00:1", "::");
	expect_drop(send_spec(WEB, &s), SW_DROP_ROUTER);
	{
		struct fspec r;

		fs_init(&r);
		fs_mac(r.smac, 1);
		fs_ip(r.src, "10.0.0.1");
		r.proto = PKT_PROTO_ICMP;
		r.icmp_type = 5;
		expect_drop(send_spec(WEB, &r), SW_DROP_ROUTER);
	}
	assert_int_equal(drops(WEB, SW_DROP_SPOOF_ND), 4);
	assert_int_equal(drops(WEB, SW_DROP_ROUTER), 3);
}

static void test_dhcp_server_guard(void **st)
{
	struct fspec s;

	fs_init(&s);
	fs_mac(s.smac, 1);
	memcpy(s.dmac, BCAST, 6);
	fs_ip(s.src, "10.0.0.1");
	fs_ip(s.dst, "255.255.255.255");
	s.proto = PKT_PROTO_UDP;
	s.sport = 67;
	s.dport = 68;
	expect_drop(send_spec(WEB, &s), SW_DROP_DHCP_SERVER);
	s.sport = 1000;				/* to a client's port from anywhere */
	expect_drop(send_spec(WEB, &s), SW_DROP_DHCP_SERVER);
	s.family = 6;
	fs_ip(s.src, "fe80::ff:fe00:1");
	fs_ip(s.dst, "ff02::1:2");
	memcpy(s.dmac, "\x33\x33\x00\x01\x00\x02", 6);
	s.sport = 547;
	s.dport = 546;
	expect_drop(send_spec(WEB, &s), SW_DROP_DHCP_SERVER);
	s.sport = 546;
	s.dport = 547;				/* a client's solicit is not a server's */
	send_spec(WEB, &s);
	assert_int_not_equal(out.drop, SW_DROP_DHCP_SERVER);
	assert_int_equal(drops(WEB, SW_DROP_DHCP_SERVER), 3);
}

static void test_vlan_and_ethertype_on_vm(void **st)
{
	struct fspec s;

	tcp_spec(&s, WEB, DB, 1, 5432, PKT_TCP_SYN);
	s.vlan = 10;
	expect_drop(send_spec(WEB, &s), SW_DROP_VLAN);
	s.vlan = 0;				/* priority tag: accepted, stripped */
	expect_to(send_spec(WEB, &s), DB);
	assert_int_equal(out.strip, 4);
	fs_init(&s);
	fs_mac(s.smac, 1);
	s.ethertype = 0x88cc;
	expect_drop(send_spec(WEB, &s), SW_DROP_ETHERTYPE);
	s.ethertype = 0x8137;			/* IPX */
	fs_mac(s.smac, 0x99);
	s.vlan = 10;
	expect_drop(send_spec(UP, &s), SW_DROP_ETHERTYPE);
	/* A malformed frame is counted by its parser reason. */
	memset(frame, 0, 10);
	assert_int_equal(sw_input(sw, port[WEB], frame, 10, now, &out), 0);
	assert_int_equal(out.drop, PKT_ERR_LEN);
	assert_int_equal(drops(WEB, (enum sw_drop)PKT_ERR_LEN), 1);
	assert_int_equal(sw_input(sw, 12345, frame, 10, now, &out), -ENOENT);
}

/* ------------------------------------------------------------ firewall */

static void test_web_reaches_db_and_nothing_else(void **st)
{
	struct sw_port_stats s;

	handshake(40000);
	expect_to(tcp(DB, WEB, 5432, 40000, PKT_TCP_ACK | PKT_TCP_PSH), WEB);
	expect_to(tcp(WEB, DB, 40000, 5432, PKT_TCP_ACK | PKT_TCP_PSH), DB);
	assert_int_equal(flows(), 1);
	/* other may send (its egress is open) but db's ingress refuses. */
	expect_drop(tcp(OTHER, DB, 40001, 5432, PKT_TCP_SYN), SW_DROP_POLICY_IN);
	assert_int_equal(drops(DB, SW_DROP_POLICY_IN), 1);
	/* db cannot open a connection back. */
	expect_drop(tcp(DB, WEB, 5432, 22, PKT_TCP_SYN), SW_DROP_POLICY_OUT);
	assert_int_equal(drops(DB, SW_DROP_POLICY_OUT), 1);
	/* web only to 5432. */
	expect_drop(tcp(WEB, DB, 40002, 5433, PKT_TCP_SYN), SW_DROP_POLICY_OUT);
	/* Mid-stream packets of no connection, and state violations. */
	expect_drop(tcp(DB, WEB, 5432, 40009, PKT_TCP_ACK), SW_DROP_CT_NOFLOW);
	expect_drop(tcp(WEB, DB, 40000, 5432, PKT_TCP_SYN | PKT_TCP_ACK), SW_DROP_CT_INVALID);
	expect_drop(tcp(DB, WEB, 5432, 40000, PKT_TCP_SYN), SW_DROP_CT_INVALID);
	assert_int_equal(sw_port_stats(sw, port[DB], &s), 0);
	assert_int_equal(s.rx_frames, 5);
	assert_int_equal(s.tx_frames, 3);
	assert_int_equal(s.drops[SW_DROP_CT_NOFLOW], 1);
	/* Orderly close and the hit counters. */
	expect_to(tcp(WEB, DB, 40000, 5432, PKT_TCP_FIN | PKT_TCP_ACK), DB);
	expect_to(tcp(DB, WEB, 5432, 40000, PKT_TCP_FIN | PKT_TCP_ACK), WEB);
	expect_to(tcp(WEB, DB, 40000, 5432, PKT_TCP_ACK), DB);
	{
		const struct fw_policy *p = sw_policy_get(sw, pol_dbin);

		assert_int_equal(fw_rule_hits(p, 0), 1);	/* one connection */
		assert_int_equal(fw_default_hits(p), 1);	/* other's SYN */
	}
}

static void test_uplink_to_vm(void **st)
{
	struct fspec s;

	up_spec(&s, 10, 0x99, "192.0.2.5");
	fs_mac(s.dmac, 2);
	fs_ip(s.dst, "10.0.0.2");
	s.dport = 5432;
	expect_drop(send_spec(UP, &s), SW_DROP_POLICY_IN);	/* not web */
	fs_mac(s.dmac, 1);
	fs_ip(s.dst, "10.0.0.1");
	expect_drop(send_spec(UP, &s), SW_DROP_POLICY_IN);	/* web takes nothing */
	assert_int_equal(drops(WEB, SW_DROP_POLICY_IN), 1);
	assert_int_equal(drops(DB, SW_DROP_POLICY_IN), 1);
}

static void test_icmp_echo(void **st)
{
	struct fspec s;

	tcp_spec(&s, WEB, DB, 0, 0, 0);
	s.proto = PKT_PROTO_ICMP;
	s.icmp_type = 8;
	s.icmp_id = 7;
	expect_to(send_spec(WEB, &s), DB);
	tcp_spec(&s, DB, WEB, 0, 0, 0);
	s.proto = PKT_PROTO_ICMP;
	s.icmp_type = 0;
	s.icmp_id = 7;
	expect_to(send_spec(DB, &s), WEB);
	s.icmp_id = 8;				/* no such request */
	expect_drop(send_spec(DB, &s), SW_DROP_CT_NOFLOW);
	s.icmp_type = 8;			/* db may not ping */
	expect_drop(send_spec(DB, &s), SW_DROP_POLICY_OUT);
	/* A request in the reply direction of web's echo flow. */
	s.icmp_id = 7;
	expect_drop(send_spec(DB, &s), SW_DROP_CT_INVALID);
}

static void test_ipv6_flow_and_nd(void **st)
{
	struct fspec s;

	tcp_spec(&s, WEB, DB, 5000, 5432, PKT_TCP_SYN);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	expect_to(send_spec(WEB, &s), DB);
	tcp_spec(&s, DB, WEB, 5432, 5000, PKT_TCP_SYN | PKT_TCP_ACK);
	s.family = 6;
	fs_ip(s.src, "fd00::2");
	fs_ip(s.dst, "fd00::1");
	expect_to(send_spec(DB, &s), WEB);
	/* db's NA reaches web although db's egress denies everything. */
	nd_spec(&s, 136, "fd00::2", "fd00::2");
	fs_mac(s.smac, 2);
	fs_mac(s.dmac, 1);
	fs_ip(s.dst, "fd00::1");
	s.nd_tll = 1;
	fs_mac(s.tll, 2);
	expect_to(send_spec(DB, &s), WEB);
}

static void test_multicast_is_stateless(void **st)
{
	struct fspec s;
	int rc;

	fs_init(&s);
	fs_mac(s.smac, 1);
	memcpy(s.dmac, "\x01\x00\x5e\x00\x00\xfb", 6);
	fs_ip(s.src, "10.0.0.1");
	fs_ip(s.dst, "224.0.0.251");
	s.proto = PKT_PROTO_UDP;
	s.sport = s.dport = 5353;
	rc = send_spec(WEB, &s);
	assert_int_equal(rc, 3);	/* db, mgmt, uplink; not other */
	assert_true(delivered_to(DB) && delivered_to(MGMT) && delivered_to(UP));
	assert_int_equal(drops(OTHER, SW_DROP_POLICY_IN), 1);
	assert_int_equal(flows(), 0);
	s.dport = 5354;
	expect_drop(send_spec(WEB, &s), SW_DROP_POLICY_OUT);
}

static void test_drop_log_rate_limited(void **st)
{
	struct sw_stats s;

	stub_log_lines = 0;
	for (int i = 0; i < 100; i++)
		expect_drop(tcp(WEB, DB, (uint16_t)(100 + i), 22, PKT_TCP_SYN), SW_DROP_POLICY_OUT);
	assert_int_equal(stub_log_lines, 20);		/* the burst */
	assert_non_null(strstr(stub_log_last, "policy-egress"));
	assert_non_null(strstr(stub_log_last, "port web"));
	assert_non_null(strstr(stub_log_last, "10.0.0.2:22"));
	now += 1000;
	for (int i = 0; i < 100; i++)
		tcp(WEB, DB, (uint16_t)(300 + i), 22, PKT_TCP_SYN);
	assert_int_equal(stub_log_lines, 30);		/* 10 a second */
	sw_stats(sw, &s);
	assert_int_equal(s.log_suppressed, 170);
	/* A default deny is not logged unless asked for. */
	expect_drop(tcp(WEB, DB, 1, 23, PKT_TCP_SYN), SW_DROP_POLICY_OUT);
	sw_stats(sw, &s);
	assert_int_equal(s.log_suppressed, 170);
}

/* ------------------------------------------------------------ state binding */

static void test_flow_bound_to_ports(void **st)
{
	struct fspec s;

	/* web -> uplink host 192.0.2.5 (MAC 0x99, learned on the uplink). */
	up_spec(&s, 10, 0x99, "192.0.2.5");
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	send_spec(UP, &s);
	tcp_spec(&s, WEB, WEB, 3000, 443, PKT_TCP_SYN);
	fs_mac(s.dmac, 0x99);
	fs_ip(s.dst, "192.0.2.5");
	expect_to(send_spec(WEB, &s), UP);
	/* The same reply from the management port (not anti-spoofed). */
	fs_init(&s);
	fs_mac(s.smac, 0x98);
	fs_mac(s.dmac, 1);
	fs_ip(s.src, "192.0.2.5");
	fs_ip(s.dst, "10.0.0.1");
	s.sport = 443;
	s.dport = 3000;
	s.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
	expect_drop(send_spec(MGMT, &s), SW_DROP_CT_PORT);
	/* From the uplink it passes. */
	fs_mac(s.smac, 0x99);
	s.vlan = 10;
	expect_to(send_spec(UP, &s), WEB);
}

static void test_icmp_error_of_a_connection(void **st)
{
	struct fspec s, in;
	uint8_t q[128];
	size_t qn;

	up_spec(&s, 10, 0x99, "192.0.2.1");	/* the router */
	memcpy(s.dmac, BCAST, 6);
	s.arp_op = 1;
	send_spec(UP, &s);
	tcp_spec(&in, WEB, WEB, 3000, 443, PKT_TCP_SYN);
	fs_mac(in.dmac, 0x99);
	fs_ip(in.dst, "192.0.2.77");
	expect_to(send_spec(WEB, &in), UP);
	qn = fs_build(&in, q, sizeof(q));
	/* Destination unreachable quoting that SYN: to web. */
	up_spec(&s, 10, 0x99, "192.0.2.1");
	fs_mac(s.dmac, 1);
	fs_ip(s.dst, "10.0.0.1");
	s.proto = PKT_PROTO_ICMP;
	s.icmp_type = 3;
	s.icmp_code = 1;
	s.inner = q + 14;
	s.inner_len = (uint16_t)(qn - 14);
	expect_to(send_spec(UP, &s), WEB);
	/* Quoting a packet of no connection: judged by web's ingress. */
	q[14 + 20 + 1] ^= 1;	/* another source port */
	expect_drop(send_spec(UP, &s), SW_DROP_POLICY_IN);
	q[14 + 20 + 1] ^= 1;
	/* Sent to someone other than the quoted packet's source. */
	fs_mac(s.dmac, 2);
	fs_ip(s.dst, "10.0.0.2");
	expect_drop(send_spec(UP, &s), SW_DROP_POLICY_IN);
	{
		struct sw_stats st;

		sw_stats(sw, &st);
		assert_int_equal(st.related, 1);
	}
	/* The management port (open ingress, no address checks): an error
	 * whose destination is not the quoted packet's source is no
	 * connection's, even where the ports fit. */
	tcp_spec(&in, WEB, WEB, 3001, 443, PKT_TCP_SYN);
	fs_mac(in.smac, 0x98);
	fs_ip(in.src, "10.0.0.50");
	fs_mac(in.dmac, 0x99);
	fs_ip(in.dst, "192.0.2.77");
	expect_to(send_spec(MGMT, &in), UP);
	qn = fs_build(&in, q, sizeof(q));
	s.inner = q + 14;
	s.inner_len = (uint16_t)(qn - 14);
	fs_mac(s.dmac, 0x98);
	fs_ip(s.dst, "10.0.0.51");
	expect_to(send_spec(UP, &s), MGMT);
	fs_ip(s.dst, "10.0.0.50");
	expect_to(send_spec(UP, &s), MGMT);
	{
		struct sw_stats st;

		sw_stats(sw, &st);
		assert_int_equal(st.related, 2);
	}
}

/* ------------------------------------------------------------ changes */

static void test_policy_replacement_cuts(void **st)
{
	static const char *const only_icmp[] = { "allow proto icmp" };
	struct sw_stats s;
	uint32_t id;

	handshake(50000);
	/* A replacement that still allows it: the flow goes on. */
	assert_int_equal(policy("db-in", db_in, 2), pol_dbin);
	sw_reclaim(sw);
	expect_to(tcp(WEB, DB, 50000, 5432, PKT_TCP_ACK), DB);
	sw_stats(sw, &s);
	assert_int_equal(s.revoked, 0);
	/* One that does not: cut at its next packet, in either direction. */
	id = policy("db-in", only_icmp, 1);
	assert_int_equal(id, pol_dbin);		/* same id */
	sw_reclaim(sw);
	expect_drop(tcp(DB, WEB, 5432, 50000, PKT_TCP_ACK), SW_DROP_CT_NOFLOW);
	sw_stats(sw, &s);
	assert_int_equal(s.revoked, 1);
	assert_int_equal(flows(), 0);
	/* Allowed again: the old connection stays cut, new ones work. */
	policy("db-in", db_in, 4);
	expect_drop(tcp(WEB, DB, 50000, 5432, PKT_TCP_ACK), SW_DROP_CT_NOFLOW);
	handshake(50001);
	/* Replacing the sender's egress cuts too. */
	policy("web-out", only_icmp, 1);
	expect_drop(tcp(WEB, DB, 50001, 5432, PKT_TCP_ACK), SW_DROP_CT_NOFLOW);
	sw_stats(sw, &s);
	assert_int_equal(s.revoked, 2);
	sw_reclaim(sw);
}

static void test_label_membership_changes(void **st)
{
	struct sw_port_cfg c;
	uint32_t id, web2;
	struct fspec sp;

	handshake(51000);
	/* web leaves the group: db's ingress is recompiled, the flow cut. */
	vm_cfg(&c, "web", 1, "10.0.0.1", "fd00::1", NULL);
	c.policy_out = pol_webout;
	assert_int_equal(sw_port_set(sw, &c, &id), 0);
	assert_int_equal(id, port[WEB]);
	expect_drop(tcp(WEB, DB, 51000, 5432, PKT_TCP_ACK), SW_DROP_CT_NOFLOW);
	expect_drop(tcp(WEB, DB, 51001, 5432, PKT_TCP_SYN), SW_DROP_POLICY_IN);
	/* A new member of "web" is allowed without touching a policy. */
	vm_cfg(&c, "web2", 5, "10.0.0.5", NULL, "web");
	c.policy_out = pol_webout;
	assert_int_equal(sw_port_set(sw, &c, &web2), 0);
	tcp_spec(&sp, WEB, DB, 7, 5432, PKT_TCP_SYN);
	fs_mac(sp.smac, 5);
	fs_ip(sp.src, "10.0.0.5");
	assert_int_equal(sw_input(sw, web2, frame, fs_build(&sp, frame, sizeof(frame)), now,
				  &out), 1);
	assert_true(delivered_to(DB));
	/* db's address changes: web2's egress (to label:db) follows. */
	vm_cfg(&c, "db", 2, "10.0.0.22", "fd00::2", "db");
	c.policy_in = pol_dbin;
	assert_int_equal(sw_port_set(sw, &c, &id), 0);
	fs_ip(sp.dst, "10.0.0.22");
	sp.sport = 8;
	assert_int_equal(sw_input(sw, web2, frame, fs_build(&sp, frame, sizeof(frame)), now,
				  &out), 1);
	fs_ip(sp.dst, "10.0.0.2");		/* the old address is gone */
	sp.sport = 9;
	assert_int_equal(sw_input(sw, web2, frame, fs_build(&sp, frame, sizeof(frame)), now,
				  &out), 0);
	assert_int_equal(out.drop, SW_DROP_DST_IP);
	sw_reclaim(sw);
}

static void test_port_removal(void **st)
{
	struct sw_port_cfg c;
	uint32_t id;
	struct sw_port_stats ps;

	handshake(52000);
	assert_int_equal(sw_port_stats(sw, port[WEB], &ps), 0);
	assert_int_equal(ps.flows, 1);
	assert_int_equal(sw_port_remove(sw, port[DB]), 0);
	assert_int_equal(flows(), 0);
	assert_int_equal(sw_port_stats(sw, port[WEB], &ps), 0);
	assert_int_equal(ps.flows, 0);
	assert_int_equal(sw_port_remove(sw, port[DB]), -ENOENT);
	assert_int_equal(sw_input(sw, port[DB], frame, 60, now, &out), -ENOENT);
	/* db's MAC is unknown now: flooded to the learning ports only. */
	assert_int_equal(tcp(WEB, DB, 52001, 5432, PKT_TCP_SYN), 0);
	/* Same name again: a new id. */
	vm_cfg(&c, "db", 2, "10.0.0.2", "fd00::2", "db");
	c.policy_in = pol_dbin;
	assert_int_equal(sw_port_set(sw, &c, &id), 0);
	assert_int_not_equal(id, port[DB]);
	port[DB] = id;
	handshake(52002);
	assert_int_equal(sw_port_find(sw, "db", &id), 0);
	assert_int_equal(id, port[DB]);
	assert_int_equal(sw_port_find(sw, "nope", &id), -ENOENT);
}

static void test_config_errors_and_idempotence(void **st)
{
	struct sw_port_cfg c;
	uint32_t id, id2;
	struct fw_rule r;

	struct sw_stats s0, s1;

	/* Repeating a call changes nothing (not even the policy generation,
	 * so no connection is re-judged) and returns the same id. */
	sw_stats(sw, &s0);
	vm_cfg(&c, "web", 1, "10.0.0.1", "fd00::1", "web");
	c.policy_out = pol_webout;
	assert_int_equal(sw_port_set(sw, &c, &id), 0);
	assert_int_equal(id, port[WEB]);
	sw_stats(sw, &s1);
	assert_int_equal(s0.gen, s1.gen);
	assert_int_equal(sw_net_set(sw, "app", 10, true, &id), 0);
	assert_int_equal(id, net_app);
	/* Errors. */
	vm_cfg(&c, "Web", 7, "10.0.0.7", NULL, NULL);
	assert_int_equal(sw_port_set(sw, &c, &id), -EINVAL);
	vm_cfg(&c, "x", 1, "10.0.0.7", NULL, NULL);		/* web's MAC */
	assert_int_equal(sw_port_set(sw, &c, &id), -EEXIST);
	vm_cfg(&c, "x", 7, "10.0.0.7", NULL, NULL);
	c.policy_in = 0xdead00;
	assert_int_equal(sw_port_set(sw, &c, &id), -EINVAL);
	vm_cfg(&c, "x", 7, "224.0.0.1", NULL, NULL);
	assert_int_equal(sw_port_set(sw, &c, &id), -EINVAL);
	vm_cfg(&c, "x", 7, "10.0.0.7", NULL, "Bad");
	assert_int_equal(sw_port_set(sw, &c, &id), -EINVAL);
	vm_cfg(&c, "x", 7, "10.0.0.7", NULL, NULL);
	c.net = 0;
	assert_int_equal(sw_port_set(sw, &c, &id), -EINVAL);
	vm_cfg(&c, "web", 1, "10.0.0.1", NULL, NULL);
	c.kind = SW_PORT_MGMT;					/* kind is fixed */
	assert_int_equal(sw_port_set(sw, &c, &id), -EINVAL);
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "uplink2");
	c.kind = SW_PORT_UPLINK;
	assert_int_equal(sw_port_set(sw, &c, &id), -EINVAL);	/* one uplink */
	assert_int_equal(sw_net_set(sw, "dup", 10, true, &id), -EEXIST);
	assert_int_equal(sw_net_set(sw, "dup", 4095, true, &id), -EINVAL);
	assert_int_equal(sw_policy_remove(sw, pol_dbin), -EBUSY);
	fw_rule_init(&r, 1, FW_ALLOW);
	r.proto = 999;
	assert_int_equal(sw_policy_set(sw, "bad", &r, 1, &id), -EINVAL);
	assert_int_equal(sw_policy_set(sw, "tmp", &r, 0, &id), 0);
	assert_int_equal(sw_policy_set(sw, "tmp", &r, 0, &id2), 0);
	assert_int_equal(id, id2);
	assert_int_equal(sw_policy_remove(sw, id), 0);
	assert_int_equal(sw_policy_remove(sw, id), -ENOENT);
	assert_null(sw_policy_get(sw, id));
	sw_reclaim(sw);
	/* A failed recompile leaves the port as it was. */
	vm_cfg(&c, "web", 1, "10.0.0.9", "fd00::1", "web");
	c.policy_out = pol_webout;
	stub_alloc_fail_after(0);
	assert_int_equal(sw_port_set(sw, &c, &id), -ENOMEM);
	stub_alloc_fail_after(-1);
	assert_true(sw_port_owns(sw, port[WEB], 4, (const uint8_t *)"\x0a\x00\x00\x01"));
	assert_false(sw_port_owns(sw, port[WEB], 4, (const uint8_t *)"\x0a\x00\x00\x09"));
	handshake(53000);
	assert_string_equal(sw_drop_name(SW_DROP_CT_QUOTA), "ct-quota");
	assert_string_equal(sw_drop_name((enum sw_drop)PKT_ERR_V6_EXT), "ip6-ext");
}

/* ------------------------------------------------------------ limits */

static void test_table_full_and_quota(void **st)
{
	struct sw_port_stats ps;
	struct sw_stats s;

	teardown(NULL);
	make_switch(16, 10);
	/* The quota: ten flows from web, the eleventh refused. */
	for (int i = 0; i < 10; i++)
		expect_to(tcp(WEB, DB, (uint16_t)(60000 + i), 5432, PKT_TCP_SYN), DB);
	expect_drop(tcp(WEB, DB, 60010, 5432, PKT_TCP_SYN), SW_DROP_CT_QUOTA);
	assert_int_equal(sw_port_stats(sw, port[WEB], &ps), 0);
	assert_int_equal(ps.flows, 10);
	/* Six of them answered, established. */
	for (int i = 0; i < 6; i++) {
		expect_to(tcp(DB, WEB, 5432, (uint16_t)(60000 + i), PKT_TCP_SYN | PKT_TCP_ACK),
			  WEB);
		expect_to(tcp(WEB, DB, (uint16_t)(60000 + i), 5432, PKT_TCP_ACK), DB);
	}
	/* other fills the table; half-open ones make room, oldest first. */
	{
		struct fspec sp;

		for (int i = 0; i < 10; i++) {
			tcp_spec(&sp, OTHER, WEB, (uint16_t)(61000 + i), 80, PKT_TCP_SYN);
			fs_mac(sp.dmac, 0x99);
			fs_ip(sp.dst, "192.0.2.9");
			assert_int_equal(send_spec(OTHER, &sp), 2);	/* flooded, no state */
		}
	}
	sw_stats(sw, &s);
	assert_int_equal(s.ct.entries, 10);
	/* Learn the uplink host so that other's flows are stateful. */
	{
		struct fspec sp;

		up_spec(&sp, 10, 0x99, "192.0.2.9");
		memcpy(sp.dmac, BCAST, 6);
		sp.arp_op = 1;
		send_spec(UP, &sp);
		for (int i = 0; i < 10; i++) {
			tcp_spec(&sp, OTHER, WEB, (uint16_t)(62000 + i), 80, PKT_TCP_SYN);
			fs_mac(sp.dmac, 0x99);
			fs_ip(sp.dst, "192.0.2.9");
			expect_to(send_spec(OTHER, &sp), UP);
		}
	}
	sw_stats(sw, &s);
	assert_int_equal(s.ct.entries, 16);
	assert_int_equal(s.ct.evicted, 4);	/* web's four half-open ones */
	assert_int_equal(sw_port_stats(sw, port[WEB], &ps), 0);
	assert_int_equal(ps.flows, 6);
	/* web's established ones survive. */
	expect_to(tcp(WEB, DB, 60000, 5432, PKT_TCP_ACK), DB);
	expect_drop(tcp(WEB, DB, 60007, 5432, PKT_TCP_ACK), SW_DROP_CT_NOFLOW);
	/* Answer other's ten: nothing evictable is left. */
	for (int i = 0; i < 10; i++) {
		struct fspec sp;

		up_spec(&sp, 10, 0x99, "192.0.2.9");
		fs_mac(sp.dmac, 3);
		fs_ip(sp.dst, "10.0.0.3");
		sp.sport = 80;
		sp.dport = (uint16_t)(62000 + i);
		sp.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
		expect_to(send_spec(UP, &sp), OTHER);
		tcp_spec(&sp, OTHER, WEB, (uint16_t)(62000 + i), 80, PKT_TCP_ACK);
		fs_mac(sp.dmac, 0x99);
		fs_ip(sp.dst, "192.0.2.9");
		expect_to(send_spec(OTHER, &sp), UP);
	}
	expect_drop(tcp(WEB, DB, 60020, 5432, PKT_TCP_SYN), SW_DROP_CT_FULL);
	sw_stats(sw, &s);
	assert_int_equal(s.ct.refused, 1);
	/* Time passes beyond the established timeout: room again. */
	now += 7440 * 1000 + 1;
	for (int i = 0; i < 4; i++)
		sw_tick(sw, now);
	sw_stats(sw, &s);
	assert_int_equal(s.ct.entries, 0);
	assert_int_equal(sw_port_stats(sw, port[WEB], &ps), 0);
	assert_int_equal(ps.flows, 0);
	expect_to(tcp(WEB, DB, 60020, 5432, PKT_TCP_SYN), DB);
}

/* ------------------------------------------------------------ fragments */

static void frag_spec(struct fspec *s, int first, uint16_t off, uint32_t id)
{
	tcp_spec(s, WEB, DB, 45000, 5432, PKT_TCP_SYN);
	s->frag = first ? 1 : 2;
	s->frag_off = off;
	s->frag_id = id;
	s->payload = first ? 4 : 32;
}

static void test_fragments(void **st)
{
	struct fspec s;

	/* A later fragment of nothing. */
	frag_spec(&s, 0, 24, 1);
	expect_drop(send_spec(WEB, &s), SW_DROP_FRAG);
	/* First fragment allowed: its later fragments follow it. */
	frag_spec(&s, 1, 0, 1);
	expect_to(send_spec(WEB, &s), DB);
	frag_spec(&s, 0, 24, 1);
	expect_to(send_spec(WEB, &s), DB);
	frag_spec(&s, 0, 56, 1);
	s.more_frags = 1;
	expect_to(send_spec(WEB, &s), DB);
	/* One that would overwrite the TCP header (RFC 1858). */
	frag_spec(&s, 0, 8, 1);
	expect_drop(send_spec(WEB, &s), SW_DROP_FRAG);
	/* The same datagram id from another port (mgmt is not anti-spoofed). */
	frag_spec(&s, 0, 24, 1);
	fs_mac(s.smac, 0x98);
	expect_drop(send_spec(MGMT, &s), SW_DROP_FRAG);
	assert_int_equal(drops(MGMT, SW_DROP_FRAG), 1);
	/* A denied first fragment opens nothing. */
	frag_spec(&s, 1, 0, 2);
	s.dport = 22;
	expect_drop(send_spec(WEB, &s), SW_DROP_POLICY_OUT);
	frag_spec(&s, 0, 24, 2);
	expect_drop(send_spec(WEB, &s), SW_DROP_FRAG);
	/* Fragments expire. */
	now += 10 * 1000;
	frag_spec(&s, 0, 24, 1);
	expect_drop(send_spec(WEB, &s), SW_DROP_FRAG);
	assert_int_equal(drops(WEB, SW_DROP_FRAG), 4);
	/* A first fragment too short for the TCP header never gets here. */
	frag_spec(&s, 1, 0, 3);
	s.payload = 0;
	{
		size_t n = fs_build(&s, frame, sizeof(frame));

		frame[17] = 28;		/* 8 bytes of TCP */
		assert_int_equal(sw_input(sw, port[WEB], frame, n - 12, now, &out), 0);
		assert_int_equal(out.drop, PKT_ERR_FRAG_SHORT);
	}
	/* IPv6 likewise. */
	frag_spec(&s, 1, 0, 9);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	expect_to(send_spec(WEB, &s), DB);
	frag_spec(&s, 0, 24, 9);
	s.family = 6;
	fs_ip(s.src, "fd00::1");
	fs_ip(s.dst, "fd00::2");
	expect_to(send_spec(WEB, &s), DB);
	s.frag_id = 10;
	expect_drop(send_spec(WEB, &s), SW_DROP_FRAG);
}

static void test_reclaim_after_many_swaps(void **st)
{
	for (int i = 0; i < 50; i++) {
		policy("db-in", db_in, (size_t)(1 + i % 4));
		if (i % 7 == 0)
			sw_reclaim(sw);
	}
	/* The last one (all four rules when i = 47 -> 4) is in force. */
	policy("db-in", db_in, 4);
	handshake(54000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_broadcast_floods_within_network),
		T(test_learning_and_ageing),
		T(test_static_mac_cannot_move),
		T(test_no_dest_and_l2_l3),
		T(test_spoof_source),
		T(test_spoof_arp),
		T(test_spoof_nd),
		T(test_dhcp_server_guard),
		T(test_vlan_and_ethertype_on_vm),
		T(test_web_reaches_db_and_nothing_else),
		T(test_uplink_to_vm),
		T(test_icmp_echo),
		T(test_ipv6_flow_and_nd),
		T(test_multicast_is_stateless),
		T(test_drop_log_rate_limited),
		T(test_flow_bound_to_ports),
		T(test_icmp_error_of_a_connection),
		T(test_policy_replacement_cuts),
		T(test_label_membership_changes),
		T(test_port_removal),
		T(test_config_errors_and_idempotence),
		T(test_table_full_and_quota),
		T(test_fragments),
		T(test_reclaim_after_many_swaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
