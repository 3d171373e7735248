/* The switch's data path (see switch.h; design in net/README.md):
 * sw_input() and its helpers: the parser glue, anti-spoofing, MAC
 * learning and flooding, the firewall and connection-tracking calls, and
 * the output list. Configuration is in switch.c; what both use is in
 * switch_priv.h. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/fmt.h"
#include "kernel/log.h"
#include "net/switch_priv.h"

/* The port a unicast MAC lives on in network net, or NULL (unknown). */
static struct sw_port *mac_lookup(struct sw *sw, uint16_t net, const uint8_t *mac, uint64_t now)
{
	struct sw_mac *m = mac_find(sw, mac_key(net, mac));

	if (!m || (m->expires && m->expires <= now))
		return NULL;
	return port_get(sw, m->port);
}

struct fctx {
	struct sw      *sw;
	struct sw_port *in;
	struct sw_out  *out;
	uint64_t        now;
	uint32_t        len;
	uint16_t        net;
	int             eg;        /* egress verdict: -1 not yet, 0 deny, 1 allow */
	uint32_t        eg_rule;
	struct pkt_tuple fk;       /* the classifiers' tuple */
	struct pkt      p;
};

static void drop_log(struct fctx *c, const struct sw_port *pt, enum sw_drop why, uint32_t rule)
{
	struct sw *sw = c->sw;
	uint64_t cap = (uint64_t)sw->cfg.log_burst * 1000, dt = c->now - sw->log_last;
	char s[48], d[48];

	/* Token bucket in thousandths of a line; dt capped so that the
	 * product cannot overflow (a full bucket refills within it). */
	sw->log_tokens += (dt < cap ? dt : cap) * sw->cfg.log_per_sec;
	sw->log_last = c->now;
	if (sw->log_tokens > cap)
		sw->log_tokens = cap;
	if (sw->log_tokens < 1000) {
		sw->st.log_suppressed++;
		return;
	}
	sw->log_tokens -= 1000;
	sw->st.log_lines++;
	if (c->p.l3 == PKT_L3_IPV4 || c->p.l3 == PKT_L3_IPV6) {
		fw_addr_format(c->p.t.family, c->p.t.src, s, sizeof(s));
		fw_addr_format(c->p.t.family, c->p.t.dst, d, sizeof(d));
	} else {
		ksnprintf(s, sizeof(s), "-");
		ksnprintf(d, sizeof(d), "-");
	}
	pr_warn("sw: drop %s port %s rule %u: proto %u %s:%u -> %s:%u (%llu suppressed)",
		sw_drop_name(why), pt->cfg.name, rule, c->p.t.proto, s, c->p.t.sport, d,
		c->p.t.dport, (unsigned long long)sw->st.log_suppressed);
}

static int drop(struct fctx *c, enum sw_drop why)
{
	c->in->st.drops[why]++;
	c->out->drop = (uint16_t)why;
	switch (why) {
	case SW_DROP_SPOOF_MAC:
	case SW_DROP_SPOOF_IP:
	case SW_DROP_SPOOF_ARP:
	case SW_DROP_SPOOF_ND:
	case SW_DROP_DHCP_SERVER:
	case SW_DROP_ROUTER:
		drop_log(c, c->in, why, 0);
		break;
	default:
		break;
	}
	return 0;
}

static void emit(struct fctx *c, struct sw_port *o)
{
	struct sw_dest *d = &c->out->d[c->out->n++];

	d->port = o->id;
	d->ctx = o->cfg.ctx;
	d->vlan = o->cfg.kind == SW_PORT_UPLINK ? c->sw->nets[c->net].vlan : 0;
	o->st.tx_frames++;
	o->st.tx_bytes += c->len - c->out->strip + (d->vlan ? 4 : 0);
}

static bool in_net(const struct sw *sw, const struct sw_port *pt, uint16_t net)
{
	if (!pt->id)
		return false;
	if (pt->cfg.kind == SW_PORT_UPLINK)
		return sw->nets[net].id && sw->nets[net].uplink;
	return pt->net == net;
}

/* Candidate outputs: the known port, or flooding (every port of the
 * network for group addresses, the learning ports for unknown unicast). */
static uint32_t candidates(struct fctx *c, struct sw_port *known, bool group,
			   struct sw_port **cand)
{
	uint32_t n = 0;

	if (known) {
		cand[0] = known;
		return 1;
	}
	for (int i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_port *pt = &c->sw->ports[i];

		if (pt == c->in || !in_net(c->sw, pt, c->net))
			continue;
		if (!group && pt->cfg.kind == SW_PORT_VM)
			continue;	/* VM MACs are all known: not there */
		cand[n++] = pt;
	}
	return n;
}

static struct fw_policy *policy_of(const struct sw_policy *pol)
{
	return pol ? __atomic_load_n(&pol->compiled, __ATOMIC_ACQUIRE) : NULL;
}

/* Classifies c->fk with pol; true when a rule allows it. */
static bool judge(struct fctx *c, struct sw_port *pt, const struct sw_policy *pol,
		  enum sw_drop why, uint32_t *rule)
{
	struct fw_policy *fp = policy_of(pol);
	int r = fw_classify(fp, &c->fk);
	enum fw_action a = r >= 0 ? fw_rule_action(fp, (size_t)r) : FW_DENY;

	*rule = r >= 0 ? fw_rule_id(fp, (size_t)r) : 0;
	if (a == FW_ALLOW)
		return true;
	if (a == FW_DENY_LOG || (r < 0 && c->sw->cfg.log_default))
		drop_log(c, pt, why, *rule);
	return false;
}

static bool egress_ok(struct fctx *c)
{
	if (c->eg < 0)
		c->eg = judge(c, c->in, c->in->pout, SW_DROP_POLICY_OUT, &c->eg_rule);
	return c->eg;
}

static bool ingress_ok(struct fctx *c, struct sw_port *o, uint32_t *rule)
{
	if (judge(c, o, o->pin, SW_DROP_POLICY_IN, rule))
		return true;
	o->st.drops[SW_DROP_POLICY_IN]++;
	c->out->drop = SW_DROP_POLICY_IN;
	return false;
}

/* Stateless: multicast and broadcast, ICMP that is neither echo nor a
 * known connection's error, and floods to several ports. */
static int pass_stateless(struct fctx *c, struct sw_port **cand, uint32_t n)
{
	uint32_t rule;

	if (!egress_ok(c))
		return drop(c, SW_DROP_POLICY_OUT);
	for (uint32_t i = 0; i < n; i++)
		if (ingress_ok(c, cand[i], &rule))
			emit(c, cand[i]);
	return (int)c->out->n;
}

static struct sw_port *cand_find(struct sw_port **cand, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (cand[i]->id == id)
			return cand[i];
	return NULL;
}

static void note_first_frag(struct fctx *c, struct sw_port *o)
{
	struct ct_frag_key k;

	if (c->p.frag != PKT_FRAG_FIRST)
		return;
	ct_frag_key_make(&k, c->net, &c->p);
	ct_frag_note(c->sw->frag, &k, c->in->id, o->id, c->p.frag_hdr_end,
		     c->now + c->sw->cfg.frag_ms);
}

/* A connection found with an older policy generation: its opening packet
 * is judged again by both current policies; cut when either refuses. */
static bool revalidate(struct fctx *c, struct ct_entry *e)
{
	struct sw *sw = c->sw;
	struct sw_port *a = port_get(sw, e->port[0]), *b = port_get(sw, e->port[1]);
	struct pkt_tuple t = { .family = e->key.family, .proto = e->key.proto };
	struct fw_policy *pa, *pb;
	int ra = FW_NOMATCH, rb = FW_NOMATCH;

	__builtin_memcpy(t.src, e->key.addr[e->orig], 16);
	__builtin_memcpy(t.dst, e->key.addr[!e->orig], 16);
	t.sport = e->key.port[e->orig];
	t.dport = e->key.port[!e->orig];
	if (t.proto == (t.family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6))
		fw_key_icmp(&t, t.family == 4 ? 8 : 128);
	if (a && b) {
		pa = policy_of(a->pout);
		pb = policy_of(b->pin);
		ra = fw_lookup(pa, &t);
		rb = fw_lookup(pb, &t);
		if (ra >= 0 && rb >= 0 && fw_rule_action(pa, (size_t)ra) == FW_ALLOW &&
		    fw_rule_action(pb, (size_t)rb) == FW_ALLOW) {
			e->gen = sw->gen;
			e->rule[0] = fw_rule_id(pa, (size_t)ra);
			e->rule[1] = fw_rule_id(pb, (size_t)rb);
			return true;
		}
	}
	ct_remove(sw->ct, e);
	sw->st.revoked++;
	return false;
}

static struct ct_entry *flow_find(struct fctx *c, const struct pkt_tuple *t, uint8_t *side)
{
	struct ct_key k;
	struct ct_entry *e;

	ct_key_make(&k, c->net, t, side);
	e = ct_lookup(c->sw->ct, &k, c->now);
	if (e && e->gen != c->sw->gen && !revalidate(c, e))
		return NULL;
	return e;
}

/* An ICMP error quoting a packet of a known connection passes back along
 * that connection's ports, to the quoted packet's sender. */
static bool pass_related(struct fctx *c, struct sw_port **cand, uint32_t n)
{
	const struct pkt_tuple *in = &c->p.inner;
	struct ct_entry *e;
	struct sw_port *o;
	uint8_t side;
	int dir;

	if (!pkt_addr_eq(6, in->src, c->p.t.dst))
		return false;
	e = flow_find(c, in, &side);
	if (!e)
		return false;
	dir = side != e->orig;
	if (e->key.proto == (e->key.family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6) &&
	    !(dir ? pkt_icmp_is_echo_rep(in->family, c->p.inner_icmp_type)
		  : pkt_icmp_is_echo_req(in->family, c->p.inner_icmp_type)))
		return false;
	if (c->in->id != e->port[!dir] || !(o = cand_find(cand, n, e->port[dir])))
		return false;
	emit(c, o);
	c->sw->st.related++;
	return true;
}

static int pass_stateful(struct fctx *c, struct sw_port **cand, uint32_t n)
{
	struct sw *sw = c->sw;
	struct pkt_tuple t = c->p.t;
	struct sw_port *o, *first = NULL;
	uint64_t okm[SW_MAX_PORTS / 64] = { 0 };
	uint32_t nok = 0, rule, first_rule = 0;
	struct ct_entry *e;
	struct ct_key k;
	uint8_t side;
	int dir;

	if (t.proto == (t.family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6)) {
		if (pkt_icmp_is_echo_req(t.family, c->p.icmp_type) ||
		    pkt_icmp_is_echo_rep(t.family, c->p.icmp_type)) {
			t.sport = t.dport = c->p.icmp_id;
		} else {
			if (c->p.inner.family && pass_related(c, cand, n))
				return (int)c->out->n;
			return pass_stateless(c, cand, n);
		}
	}
	e = flow_find(c, &t, &side);
	if (e) {
		dir = side != e->orig;
		if (c->in->id != e->port[dir] || !(o = cand_find(cand, n, e->port[!dir])))
			return drop(c, SW_DROP_CT_PORT);
		switch (ct_update(sw->ct, e, dir, &c->p, c->len, c->now)) {
		case CT_PASS:
			note_first_frag(c, o);
			emit(c, o);
			return 1;
		case CT_INVALID:
			return drop(c, SW_DROP_CT_INVALID);
		case CT_REOPEN:
			ct_remove(sw->ct, e);
			break;
		}
	}

	/* A new connection. */
	if (!ct_can_open(&c->p))
		return drop(c, SW_DROP_CT_NOFLOW);
	if (!egress_ok(c))
		return drop(c, SW_DROP_POLICY_OUT);
	for (uint32_t i = 0; i < n; i++)
		if (ingress_ok(c, cand[i], &rule)) {
			okm[i / 64] |= 1ull << (i % 64);
			if (!nok++) {
				first = cand[i];
				first_rule = rule;
			}
		}
	if (!nok)
		return 0;
	if (nok > 1) {		/* flooded to several learning ports: no state */
		for (uint32_t i = 0; i < n; i++)
			if (okm[i / 64] & (1ull << (i % 64)))
				emit(c, cand[i]);
		return (int)nok;
	}
	if (c->in->st.flows >= sw->cfg.port_quota)
		return drop(c, SW_DROP_CT_QUOTA);
	ct_key_make(&k, c->net, &t, &side);
	if (ct_insert(sw->ct, &k, side, c->now, &e))
		return drop(c, SW_DROP_CT_FULL);
	e->port[0] = c->in->id;
	e->port[1] = first->id;
	e->gen = sw->gen;
	e->rule[0] = c->eg_rule;
	e->rule[1] = first_rule;
	c->in->st.flows++;
	if (ct_update(sw->ct, e, 0, &c->p, c->len, c->now) != CT_PASS) {
		ct_remove(sw->ct, e);	/* cannot happen: ct_can_open() held */
		return drop(c, SW_DROP_CT_INVALID);
	}
	note_first_frag(c, first);
	emit(c, first);
	return 1;
}

/* Anti-spoofing of a VM port (net/README.md, "Anti-spoofing"). */
static enum sw_drop antispoof(struct fctx *c)
{
	const struct sw_port *pt = c->in;
	const struct pkt *p = &c->p;
	bool unspec;

	if (!pkt_mac_eq(p->smac, pt->cfg.mac))
		return SW_DROP_SPOOF_MAC;
	if (p->l3 == PKT_L3_ARP) {
		if (!pkt_mac_eq(p->arp.sha, pt->cfg.mac))
			return SW_DROP_SPOOF_ARP;
		if (!owns(pt, 4, p->arp.spa) && !(p->arp.op == 1 && pkt_addr_is_unspec(4, p->arp.spa)))
			return SW_DROP_SPOOF_ARP;
		return SW_DROP_NONE;
	}
	unspec = pkt_addr_is_unspec(p->t.family, p->t.src);
	if (p->t.family == 6 && p->t.proto == PKT_PROTO_ICMP6 && p->frag == PKT_FRAG_NONE) {
		switch (p->icmp_type) {
		case 134:	/* router advertisement */
		case 137:	/* redirect */
			return SW_DROP_ROUTER;
		case 135:	/* neighbour solicitation; :: during DAD, no SLLA then */
			if (unspec && p->nd.has_sll)
				return SW_DROP_SPOOF_ND;
			if (p->nd.has_sll && !pkt_mac_eq(p->nd.sll, pt->cfg.mac))
				return SW_DROP_SPOOF_ND;
			break;
		case 136:	/* neighbour advertisement */
			if (!owns(pt, 6, p->nd.target) ||
			    (p->nd.has_tll && !pkt_mac_eq(p->nd.tll, pt->cfg.mac)))
				return SW_DROP_SPOOF_ND;
			break;
		default:
			break;
		}
		/* RFC 4861/3810: RS, NS and MLD reports may come from ::. */
		if (unspec && (p->icmp_type == 133 || p->icmp_type == 135 ||
			       p->icmp_type == 131 || p->icmp_type == 143))
			return SW_DROP_NONE;
	}
	if (!owns(pt, p->t.family, p->t.src))
		return SW_DROP_SPOOF_IP;
	if (p->t.proto == PKT_PROTO_UDP && p->frag != PKT_FRAG_LATER &&
	    (p->t.family == 4 ? p->t.sport == 67 || p->t.dport == 68
			      : p->t.sport == 547 || p->t.dport == 546))
		return SW_DROP_DHCP_SERVER;
	if (p->t.family == 4 && p->t.proto == PKT_PROTO_ICMP && p->icmp_type == 5)
		return SW_DROP_ROUTER;	/* ICMP redirect */
	return SW_DROP_NONE;
}

/* Learning on the management port and the uplink. A MAC bound to a VM
 * (static) is never taken over by a frame from elsewhere. */
static enum sw_drop learn(struct fctx *c)
{
	struct sw *sw = c->sw;
	uint64_t key = mac_key(c->net, c->p.smac);
	struct sw_mac *m = mac_find(sw, key);

	if (m && !m->expires)
		return m->port == c->in->id ? SW_DROP_NONE : SW_DROP_SRC_MAC;
	if (!m) {
		m = mac_add(sw, key, c->in->id, 0);
		if (!m) {
			sw->st.mac_learn_full++;
			return SW_DROP_NONE;
		}
	}
	m->port = c->in->id;
	m->expires = c->now + sw->cfg.mac_age_ms;
	return SW_DROP_NONE;
}

/* Neighbour discovery and MLD: the link's own plumbing, anti-spoofed
 * above but not subject to the policies. */
static bool link_control(const struct pkt *p)
{
	if (p->l3 != PKT_L3_IPV6 || p->t.proto != PKT_PROTO_ICMP6 || p->frag != PKT_FRAG_NONE)
		return false;
	return (p->icmp_type >= 130 && p->icmp_type <= 137) || p->icmp_type == 143;
}

static int forward(struct fctx *c)
{
	struct sw_port *cand[SW_MAX_PORTS], *known = NULL;
	const struct pkt *p = &c->p;
	bool group = pkt_mac_is_group(p->dmac), l3group;
	uint32_t n;

	if (!group) {
		known = mac_lookup(c->sw, c->net, p->dmac, c->now);
		if (known == c->in)
			return drop(c, SW_DROP_NO_DEST);
	}
	n = candidates(c, known, group, cand);
	if (!n)
		return drop(c, SW_DROP_NO_DEST);
	if (p->l3 == PKT_L3_ARP || link_control(p)) {
		for (uint32_t i = 0; i < n; i++)
			emit(c, cand[i]);
		return (int)n;
	}
	l3group = pkt_addr_is_group(p->t.family, p->t.dst);
	if (!l3group) {
		if (group)
			return drop(c, SW_DROP_L2_L3);
		/* Unicast IP reaches a VM only for an address it owns. */
		for (uint32_t i = 0; i < n; i++)
			if (cand[i]->cfg.kind == SW_PORT_VM && !owns(cand[i], p->t.family, p->t.dst))
				return drop(c, SW_DROP_DST_IP);
	}
	if (p->frag == PKT_FRAG_LATER) {
		struct ct_frag_key k;

		if (n != 1 || l3group)
			return drop(c, SW_DROP_FRAG);
		ct_frag_key_make(&k, c->net, p);
		if (ct_frag_check(c->sw->frag, &k, c->in->id, cand[0]->id, p->frag_off, c->now))
			return drop(c, SW_DROP_FRAG);
		emit(c, cand[0]);
		return 1;
	}
	c->fk = p->t;
	if (p->t.proto == (p->t.family == 4 ? PKT_PROTO_ICMP : PKT_PROTO_ICMP6))
		fw_key_icmp(&c->fk, p->icmp_type);
	if (l3group)
		return pass_stateless(c, cand, n);
	return pass_stateful(c, cand, n);
}

int sw_input(struct sw *sw, uint32_t port, const void *frame, size_t len, uint64_t now_ms,
	     struct sw_out *out)
{
	struct fctx c;
	enum pkt_err pe;
	enum sw_drop d;

	c.in = port_get(sw, port);
	if (!c.in)
		return -ENOENT;
	c.sw = sw;
	c.out = out;
	c.now = now_ms;
	c.len = (uint32_t)(len > PKT_MAX_LEN ? PKT_MAX_LEN : len);
	c.eg = -1;
	c.eg_rule = 0;
	out->n = 0;
	out->strip = 0;
	out->drop = SW_DROP_NONE;
	c.in->st.rx_frames++;
	c.in->st.rx_bytes += len;
	pe = pkt_parse(frame, len, &c.p);
	if (pe != PKT_OK)
		return drop(&c, (enum sw_drop)pe);
	out->strip = c.p.tagged ? 4 : 0;
	if (c.in->cfg.kind == SW_PORT_UPLINK) {
		int16_t n = sw->vlan_net[c.p.vid];

		if (n < 0)
			return drop(&c, SW_DROP_VLAN);
		c.net = (uint16_t)n;
	} else {
		if (c.p.vid)
			return drop(&c, SW_DROP_VLAN);
		c.net = c.in->net;
	}
	if (pkt_mac_is_group(c.p.smac))
		return drop(&c, SW_DROP_SRC_MAC);
	if (c.p.l3 == PKT_L3_OTHER)
		return drop(&c, SW_DROP_ETHERTYPE);
	d = c.in->cfg.kind == SW_PORT_VM ? antispoof(&c) : learn(&c);
	if (d != SW_DROP_NONE)
		return drop(&c, d);
	return forward(&c);
}
