/* The virtual switch (see switch.h; design in net/README.md): creation,
 * networks, policies and ports, stats, reclaim and the tick. The data path
 * (sw_input) is in switch_path.c. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/heap.h"
#include "kernel/log.h"
#include "net/switch_priv.h"

#define SCRATCH_CIDRS (SW_MAX_PORTS * (2 * SW_PORT_ADDRS + 1))

static const char *const drop_names[SW_DROP_COUNT - PKT_ERR_COUNT] = {
	[SW_DROP_ETHERTYPE - PKT_ERR_COUNT]   = "ethertype",
	[SW_DROP_VLAN - PKT_ERR_COUNT]        = "vlan",
	[SW_DROP_SRC_MAC - PKT_ERR_COUNT]     = "src-mac",
	[SW_DROP_SPOOF_MAC - PKT_ERR_COUNT]   = "spoof-mac",
	[SW_DROP_SPOOF_IP - PKT_ERR_COUNT]    = "spoof-ip",
	[SW_DROP_SPOOF_ARP - PKT_ERR_COUNT]   = "spoof-arp",
	[SW_DROP_SPOOF_ND - PKT_ERR_COUNT]    = "spoof-nd",
	[SW_DROP_DHCP_SERVER - PKT_ERR_COUNT] = "dhcp-server",
	[SW_DROP_ROUTER - PKT_ERR_COUNT]      = "router",
	[SW_DROP_L2_L3 - PKT_ERR_COUNT]       = "l2-l3",
	[SW_DROP_NO_DEST - PKT_ERR_COUNT]     = "no-dest",
	[SW_DROP_DST_IP - PKT_ERR_COUNT]      = "dst-ip",
	[SW_DROP_POLICY_OUT - PKT_ERR_COUNT]  = "policy-egress",
	[SW_DROP_POLICY_IN - PKT_ERR_COUNT]   = "policy-ingress",
	[SW_DROP_CT_INVALID - PKT_ERR_COUNT]  = "ct-invalid",
	[SW_DROP_CT_NOFLOW - PKT_ERR_COUNT]   = "ct-noflow",
	[SW_DROP_CT_PORT - PKT_ERR_COUNT]     = "ct-port",
	[SW_DROP_CT_FULL - PKT_ERR_COUNT]     = "ct-full",
	[SW_DROP_CT_QUOTA - PKT_ERR_COUNT]    = "ct-quota",
	[SW_DROP_FRAG - PKT_ERR_COUNT]        = "frag",
};

const char *sw_drop_name(enum sw_drop d)
{
	if (d == SW_DROP_NONE)
		return "none";
	if ((unsigned)d < PKT_ERR_COUNT)
		return pkt_err_name((enum pkt_err)d);
	if ((unsigned)d < SW_DROP_COUNT)
		return drop_names[d - PKT_ERR_COUNT];
	return "?";
}

static bool name_valid(const char *s)
{
	return fw_label_valid(s);	/* the same alphabet and length */
}

/* Ids: a serial above the slot index, never reused while the switch
 * lives (slots are < 256). */
static uint32_t new_id(struct sw *sw, uint32_t slot)
{
	return ++sw->serial << 8 | slot;
}

static struct sw_policy *pol_get(const struct sw *sw, uint32_t id)
{
	const struct sw_policy *p = &sw->pols[id & 0xff];

	return id && p->id == id ? (struct sw_policy *)p : NULL;
}

static struct sw_net *net_get(const struct sw *sw, uint32_t id)
{
	const struct sw_net *n = &sw->nets[(id & 0xff) % SW_MAX_NETS];

	return id && n->id == id ? (struct sw_net *)n : NULL;
}

/* ------------------------------------------------------------ MAC table */

struct sw_mac *mac_add(struct sw *sw, uint64_t key, uint32_t port, uint64_t expires)
{
	uint32_t b = mac_bucket(sw, key), i = sw->mac_free;
	struct sw_mac *m;

	if (i == MAC_NONE)
		return NULL;
	m = &sw->mac[i];
	sw->mac_free = m->next;
	m->key = key;
	m->port = port;
	m->expires = expires;
	m->next = sw->mac_bucket[b];
	sw->mac_bucket[b] = i;
	sw->st.mac_entries++;
	return m;
}

/* Removes the entries of one bucket that match: key (when key_only) or
 * port (port != 0) or expired at now (now != 0). */
static void mac_sweep(struct sw *sw, uint32_t b, uint64_t key, bool key_only, uint32_t port,
		      uint64_t now)
{
	uint32_t prev = MAC_NONE, j = sw->mac_bucket[b];

	while (j != MAC_NONE) {
		struct sw_mac *m = &sw->mac[j];
		uint32_t next = m->next;
		bool kill = key_only ? m->key == key
				     : (port && m->port == port) ||
				       (now && m->expires && m->expires <= now);

		if (kill) {
			if (prev == MAC_NONE)
				sw->mac_bucket[b] = next;
			else
				sw->mac[prev].next = next;
			m->next = sw->mac_free;
			m->expires = 0;
			sw->mac_free = j;
			sw->st.mac_entries--;
		} else {
			prev = j;
		}
		j = next;
	}
}

static void mac_del(struct sw *sw, uint64_t key)
{
	mac_sweep(sw, mac_bucket(sw, key), key, true, 0, 0);
}

/* ------------------------------------------------------------ create */

/* A connection leaves the table: its opener's count goes down. */
static void on_ct_remove(void *ctx, const struct ct_entry *e)
{
	struct sw_port *pt = port_get(ctx, e->port[0]);

	if (pt && pt->st.flows)
		pt->st.flows--;
}


struct sw *sw_create(const struct sw_config *cfg)
{
	struct ct_config cc = { 0 };
	struct sw *sw;
	uint32_t nb = 16;

	sw = kzalloc(sizeof(*sw));
	if (!sw)
		return NULL;
	sw->cfg = *cfg;
	if (!sw->cfg.ct_capacity)
		sw->cfg.ct_capacity = 65536;
	if (!sw->cfg.mac_capacity)
		sw->cfg.mac_capacity = 4096;
	if (!sw->cfg.frag_capacity)
		sw->cfg.frag_capacity = 1024;
	if (!sw->cfg.mac_age_ms)
		sw->cfg.mac_age_ms = 300000;
	if (!sw->cfg.frag_ms)
		sw->cfg.frag_ms = 10000;
	if (!sw->cfg.port_quota)
		sw->cfg.port_quota = sw->cfg.ct_capacity / 4 ? sw->cfg.ct_capacity / 4 : 1;
	if (!sw->cfg.log_per_sec)
		sw->cfg.log_per_sec = 10;
	if (!sw->cfg.log_burst)
		sw->cfg.log_burst = 20;
	if (sw->cfg.mac_capacity < 16 || sw->cfg.mac_capacity > (1u << 20))
		goto fail;
	sw->uplink = -1;
	memset(sw->vlan_net, 0xff, sizeof(sw->vlan_net));
	sw->log_tokens = (uint64_t)sw->cfg.log_burst * 1000;

	cc.capacity = sw->cfg.ct_capacity;
	memcpy(cc.seed, sw->cfg.seed, 16);
	cc.to = sw->cfg.ct_to;
	cc.on_remove = on_ct_remove;
	cc.ctx = sw;
	sw->ct = ct_create(&cc);
	sw->frag = ct_frag_create(sw->cfg.frag_capacity, sw->cfg.seed);
	while (nb < sw->cfg.mac_capacity)
		nb <<= 1;
	sw->mac_mask = nb - 1;
	sw->mac = kcalloc(sw->cfg.mac_capacity, sizeof(struct sw_mac));
	sw->mac_bucket = kcalloc(nb, sizeof(uint32_t));
	sw->scratch = kcalloc(SCRATCH_CIDRS, sizeof(struct fw_cidr));
	if (!sw->ct || !sw->frag || !sw->mac || !sw->mac_bucket || !sw->scratch)
		goto fail;
	memset(sw->mac_bucket, 0xff, nb * sizeof(uint32_t));
	for (uint32_t i = 0; i < sw->cfg.mac_capacity; i++)
		sw->mac[i].next = i + 1 < sw->cfg.mac_capacity ? i + 1 : MAC_NONE;
	return sw;
fail:
	sw_destroy(sw);
	return NULL;
}

void sw_destroy(struct sw *sw)
{
	if (!sw)
		return;
	sw_reclaim(sw);
	for (int i = 0; i < SW_MAX_POLICIES; i++) {
		fw_policy_free(sw->pols[i].compiled);
		kfree(sw->pols[i].rules);
	}
	ct_destroy(sw->ct);
	ct_frag_destroy(sw->frag);
	kfree(sw->mac);
	kfree(sw->mac_bucket);
	kfree(sw->scratch);
	kfree(sw);
}

/* ------------------------------------------------------------ networks */

int sw_net_set(struct sw *sw, const char *name, uint16_t vlan, bool uplink, uint32_t *id)
{
	struct sw_net *n = NULL, *fr = NULL;
	int slot;

	if (!name_valid(name) || vlan > 4094)
		return -EINVAL;
	for (int i = 0; i < SW_MAX_NETS; i++) {
		if (sw->nets[i].id && !strcmp(sw->nets[i].name, name))
			n = &sw->nets[i];
		else if (!sw->nets[i].id && !fr)
			fr = &sw->nets[i];
	}
	for (int i = 0; i < SW_MAX_NETS; i++)
		if (uplink && sw->nets[i].id && &sw->nets[i] != n && sw->nets[i].uplink &&
		    sw->nets[i].vlan == vlan)
			return -EEXIST;
	if (!n) {
		if (!fr)
			return -ENOSPC;
		n = fr;
		slot = (int)(n - sw->nets);
		n->id = new_id(sw, (uint32_t)slot);
		memcpy(n->name, name, strlen(name) + 1);
	}
	slot = (int)(n - sw->nets);
	if (n->uplink && sw->vlan_net[n->vlan] == slot)
		sw->vlan_net[n->vlan] = -1;
	n->vlan = vlan;
	n->uplink = uplink;
	if (uplink)
		sw->vlan_net[vlan] = (int16_t)slot;
	*id = n->id;
	return 0;
}

/* ------------------------------------------------------------ labels */

static bool port_has_label(const struct sw_port *pt, const char *label)
{
	for (uint32_t i = 0; i < pt->cfg.nlabels; i++)
		if (!strncmp(pt->cfg.labels[i], label, SW_NAME_MAX))
			return true;
	return false;
}

static void cidr_host(struct fw_cidr *c, uint8_t family, const uint8_t *a)
{
	memset(c, 0, sizeof(*c));
	c->family = family;
	c->plen = family == 4 ? 32 : 128;
	memcpy(c->addr, a, family == 4 ? 4 : 16);
}

/* fw_labels.resolve: the addresses of the ports carrying label. */
static int resolve(void *ctx, const char *label, const struct fw_cidr **v, size_t *n)
{
	struct sw *sw = ctx;
	size_t k = 0;

	for (int i = 0; i < SW_MAX_PORTS; i++) {
		const struct sw_port *pt = &sw->ports[i];

		if (!pt->id || !port_has_label(pt, label))
			continue;
		for (uint32_t j = 0; j < pt->cfg.nip4; j++)
			cidr_host(&sw->scratch[k++], 4, pt->cfg.ip4[j]);
		for (uint32_t j = 0; j < pt->cfg.nip6; j++)
			cidr_host(&sw->scratch[k++], 6, pt->cfg.ip6[j]);
		if (pt->cfg.kind == SW_PORT_VM)
			cidr_host(&sw->scratch[k++], 6, pt->ll6);
	}
	*v = sw->scratch;
	*n = k;
	return 0;
}

static int compile(struct sw *sw, const struct fw_rule *rules, size_t n, struct fw_policy **out)
{
	struct fw_labels lb = { .resolve = resolve, .ctx = sw };

	return fw_compile(rules, n, &lb, &sw->cfg.fw, out);
}

/* Publishes a compiled policy: one release store; the old one waits in
 * the retired list for sw_reclaim(). node was allocated beforehand so
 * that installing cannot fail. */
static void install(struct sw *sw, struct sw_policy *pol, struct fw_policy *np,
		    struct sw_retired *node)
{
	struct fw_policy *old = pol->compiled;

	fw_policy_carry_hits(np, old);
	__atomic_store_n(&pol->compiled, np, __ATOMIC_RELEASE);
	if (old) {
		node->p = old;
		node->next = sw->retired;
		sw->retired = node;
	} else {
		kfree(node);
	}
	sw->gen++;
}

void sw_reclaim(struct sw *sw)
{
	while (sw->retired) {
		struct sw_retired *r = sw->retired;

		sw->retired = r->next;
		fw_policy_free(r->p);
		kfree(r);
	}
}

/* Recompiles every policy naming one of the labels of a or b (port
 * configs), all or nothing. Returns 0 or -ENOMEM (nothing installed). */
static int relabel(struct sw *sw, const struct sw_port_cfg *a, const struct sw_port_cfg *b)
{
	struct fw_policy **np = kcalloc(SW_MAX_POLICIES, sizeof(*np));
	struct sw_retired **node = kcalloc(SW_MAX_POLICIES, sizeof(*node));
	int err = 0;

	if (!np || !node) {
		kfree(np);
		kfree(node);
		return -ENOMEM;
	}
	for (int i = 0; i < SW_MAX_POLICIES && !err; i++) {
		struct sw_policy *pol = &sw->pols[i];
		bool hit = false;

		if (!pol->id || !pol->compiled)
			continue;
		for (uint32_t j = 0; a && j < a->nlabels; j++)
			hit |= fw_policy_uses_label(pol->compiled, a->labels[j]);
		for (uint32_t j = 0; b && j < b->nlabels; j++)
			hit |= fw_policy_uses_label(pol->compiled, b->labels[j]);
		if (!hit)
			continue;
		node[i] = kzalloc(sizeof(*node[i]));
		err = node[i] ? compile(sw, pol->rules, pol->nrules, &np[i]) : -ENOMEM;
	}
	for (int i = 0; i < SW_MAX_POLICIES; i++) {
		if (!node[i])
			continue;
		if (err || !np[i]) {
			fw_policy_free(np[i]);
			kfree(node[i]);
		} else {
			install(sw, &sw->pols[i], np[i], node[i]);
		}
	}
	kfree(np);
	kfree(node);
	return err;
}

/* ------------------------------------------------------------ policies */

int sw_policy_set(struct sw *sw, const char *name, const struct fw_rule *rules, size_t n,
		  uint32_t *id)
{
	struct sw_policy *pol = NULL, *fr = NULL;
	struct fw_rule *copy;
	struct fw_policy *np;
	struct sw_retired *node;
	int err;

	if (!name_valid(name) || n > FW_MAX_RULES)
		return -EINVAL;
	for (int i = 0; i < SW_MAX_POLICIES; i++) {
		if (sw->pols[i].id && !strcmp(sw->pols[i].name, name))
			pol = &sw->pols[i];
		else if (!sw->pols[i].id && !fr && i)	/* slot 0 never: id 0 is "none" */
			fr = &sw->pols[i];
	}
	if (!pol && !fr)
		return -ENOSPC;
	copy = kcalloc(n ? n : 1, sizeof(*copy));
	node = kzalloc(sizeof(*node));
	if (!copy || !node) {
		kfree(copy);
		kfree(node);
		return -ENOMEM;
	}
	if (n)
		memcpy(copy, rules, n * sizeof(*copy));
	err = compile(sw, copy, n, &np);
	if (err) {
		kfree(copy);
		kfree(node);
		return err;
	}
	if (!pol) {
		pol = fr;
		pol->id = new_id(sw, (uint32_t)(pol - sw->pols));
		memcpy(pol->name, name, strlen(name) + 1);
	}
	kfree(pol->rules);
	pol->rules = copy;
	pol->nrules = n;
	install(sw, pol, np, node);
	*id = pol->id;
	return 0;
}

int sw_policy_remove(struct sw *sw, uint32_t id)
{
	struct sw_policy *pol = pol_get(sw, id);
	struct sw_retired *node;

	if (!pol)
		return -ENOENT;
	for (int i = 0; i < SW_MAX_PORTS; i++)
		if (sw->ports[i].id && (sw->ports[i].pin == pol || sw->ports[i].pout == pol))
			return -EBUSY;
	node = kzalloc(sizeof(*node));
	if (!node)
		return -ENOMEM;
	node->p = pol->compiled;
	node->next = sw->retired;
	sw->retired = node;
	__atomic_store_n(&pol->compiled, NULL, __ATOMIC_RELEASE);
	kfree(pol->rules);
	memset(pol, 0, sizeof(*pol));
	sw->gen++;
	return 0;
}

int sw_policy_source(const struct sw *sw, uint32_t id, const struct fw_rule **rules, size_t *n)
{
	const struct sw_policy *p = pol_get(sw, id);

	if (!p)
		return -ENOENT;
	*rules = p->rules;
	*n = p->nrules;
	return 0;
}

const struct fw_policy *sw_policy_get(const struct sw *sw, uint32_t id)
{
	const struct sw_policy *pol = pol_get(sw, id);

	return pol ? pol->compiled : NULL;
}

/* ------------------------------------------------------------ ports */

static void eui64_ll(const uint8_t *mac, uint8_t *a)
{
	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = mac[0] ^ 0x02;
	a[9] = mac[1];
	a[10] = mac[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	a[13] = mac[3];
	a[14] = mac[4];
	a[15] = mac[5];
}

static int port_cfg_check(struct sw *sw, const struct sw_port_cfg *c, const struct sw_port *self)
{
	static const uint8_t zero[6];

	if (!name_valid(c->name) || c->kind > SW_PORT_UPLINK)
		return -EINVAL;
	if (c->nip4 > SW_PORT_ADDRS || c->nip6 > SW_PORT_ADDRS || c->nlabels > SW_PORT_LABELS)
		return -EINVAL;
	for (uint32_t i = 0; i < c->nlabels; i++)
		if (!fw_label_valid(c->labels[i]))
			return -EINVAL;
	for (uint32_t i = 0; i < c->nip4; i++)
		if (pkt_addr_is_group(4, c->ip4[i]) || pkt_addr_is_unspec(4, c->ip4[i]))
			return -EINVAL;
	for (uint32_t i = 0; i < c->nip6; i++)
		if (pkt_addr_is_group(6, c->ip6[i]) || pkt_addr_is_unspec(6, c->ip6[i]))
			return -EINVAL;
	if ((c->policy_in && !pol_get(sw, c->policy_in)) ||
	    (c->policy_out && !pol_get(sw, c->policy_out)))
		return -EINVAL;
	if (c->kind != SW_PORT_UPLINK && !net_get(sw, c->net))
		return -EINVAL;
	if (c->kind == SW_PORT_VM && (pkt_mac_is_group(c->mac) || !memcmp(c->mac, zero, 6)))
		return -EINVAL;
	if (c->kind == SW_PORT_UPLINK && sw->uplink >= 0 && &sw->ports[sw->uplink] != self)
		return -EINVAL;
	return 0;
}

static void drop_flows(struct sw *sw, uint32_t id);

/* Whether an update leaves what labels stand for unchanged (then no
 * policy needs recompiling: repeating a call costs nothing). */
static bool members_same(const struct sw_port *a, const struct sw_port *b)
{
	const struct sw_port_cfg *x = &a->cfg, *y = &b->cfg;

	return a->id && x->nlabels == y->nlabels && x->nip4 == y->nip4 && x->nip6 == y->nip6 &&
	       !memcmp(x->labels, y->labels, sizeof(x->labels[0]) * x->nlabels) &&
	       !memcmp(x->ip4, y->ip4, sizeof(x->ip4[0]) * x->nip4) &&
	       !memcmp(x->ip6, y->ip6, sizeof(x->ip6[0]) * x->nip6) &&
	       !memcmp(a->ll6, b->ll6, 16);
}

/* Room for a VM's static MAC: a learned entry gives way if need be (it
 * is learned again from the next frame). */
static bool mac_room(struct sw *sw)
{
	if (sw->mac_free != MAC_NONE)
		return true;
	for (uint32_t i = 0; i < sw->cfg.mac_capacity; i++)
		if (sw->mac[i].expires) {
			mac_del(sw, sw->mac[i].key);
			return true;
		}
	return false;
}

int sw_port_set(struct sw *sw, const struct sw_port_cfg *cfg, uint32_t *id)
{
	struct sw_port *pt = NULL, *fr = NULL, old;
	uint64_t okey = 0, nkey = 0;
	struct sw_mac *m;
	int err;

	for (int i = 0; i < SW_MAX_PORTS; i++) {
		if (sw->ports[i].id && !strncmp(sw->ports[i].cfg.name, cfg->name, SW_NAME_MAX))
			pt = &sw->ports[i];
		else if (!sw->ports[i].id && !fr)
			fr = &sw->ports[i];
	}
	err = port_cfg_check(sw, cfg, pt);
	if (err)
		return err;
	if (pt && pt->cfg.kind != cfg->kind)
		return -EINVAL;
	if (!pt && !fr)
		return -ENOSPC;
	if (cfg->kind == SW_PORT_VM) {
		nkey = mac_key((uint16_t)((cfg->net & 0xff) % SW_MAX_NETS), cfg->mac);
		m = mac_find(sw, nkey);
		if (m && !m->expires && (!pt || m->port != pt->id))
			return -EEXIST;
		if (!m && !mac_room(sw))
			return -ENOSPC;
	}
	if (pt) {
		old = *pt;
		if (pt->cfg.kind == SW_PORT_VM)
			okey = mac_key(pt->net, pt->cfg.mac);
	} else {
		memset(&old, 0, sizeof(old));
		pt = fr;
		memset(pt, 0, sizeof(*pt));
		pt->id = new_id(sw, (uint32_t)(pt - sw->ports));
	}
	pt->cfg = *cfg;
	pt->cfg.name[SW_NAME_MAX - 1] = 0;
	pt->net = (uint16_t)((cfg->net & 0xff) % SW_MAX_NETS);
	if (cfg->kind == SW_PORT_VM)
		eui64_ll(cfg->mac, pt->ll6);
	err = members_same(&old, pt) ? 0 : relabel(sw, old.id ? &old.cfg : NULL, &pt->cfg);
	if (err) {
		if (old.id)
			*pt = old;
		else
			memset(pt, 0, sizeof(*pt));
		return err;
	}
	if (okey && okey != nkey)
		mac_del(sw, okey);
	if (nkey) {
		m = mac_find(sw, nkey);
		if (!m)
			m = mac_add(sw, nkey, pt->id, 0);
		if (m) {	/* a learned entry of this MAC becomes ours */
			m->port = pt->id;
			m->expires = 0;
		}
	}
	if (cfg->kind == SW_PORT_UPLINK)
		sw->uplink = (int)(pt - sw->ports);
	pt->pin = pol_get(sw, cfg->policy_in);
	pt->pout = pol_get(sw, cfg->policy_out);
	if (!old.id || old.pin != pt->pin || old.pout != pt->pout ||
	    old.net != pt->net || old.cfg.kind != pt->cfg.kind)
		sw->gen++;
	if (old.id && old.net != pt->net)
		drop_flows(sw, pt->id);
	*id = pt->id;
	return 0;
}

static bool flow_of_port(void *ctx, struct ct_entry *e)
{
	uint32_t id = *(uint32_t *)ctx;

	return e->port[0] == id || e->port[1] == id;
}

static void drop_flows(struct sw *sw, uint32_t id)
{
	ct_walk(sw->ct, flow_of_port, &id);
}

int sw_port_remove(struct sw *sw, uint32_t id)
{
	struct sw_port *pt = port_get(sw, id);
	struct sw_port_cfg cfg;

	if (!pt)
		return -ENOENT;
	drop_flows(sw, id);
	for (uint32_t b = 0; b <= sw->mac_mask; b++)
		mac_sweep(sw, b, 0, false, id, 0);
	cfg = pt->cfg;
	if (sw->uplink == (int)(pt - sw->ports))
		sw->uplink = -1;
	memset(pt, 0, sizeof(*pt));
	/* Policies naming its labels lose its addresses. Should that fail,
	 * they keep stale addresses that no port may send from (anti-
	 * spoofing), and the next successful recompile drops them. */
	if (relabel(sw, &cfg, NULL))
		pr_warn("sw: port %s removed; policy recompile failed (no memory)", cfg.name);
	sw->gen++;
	return 0;
}

int sw_port_find(const struct sw *sw, const char *name, uint32_t *id)
{
	for (int i = 0; i < SW_MAX_PORTS; i++)
		if (sw->ports[i].id && !strncmp(sw->ports[i].cfg.name, name, SW_NAME_MAX)) {
			*id = sw->ports[i].id;
			return 0;
		}
	return -ENOENT;
}

int sw_port_get(const struct sw *sw, uint32_t id, struct sw_port_cfg *cfg)
{
	const struct sw_port *pt = port_get(sw, id);

	if (!pt)
		return -ENOENT;
	*cfg = pt->cfg;
	return 0;
}

int sw_net_find(const struct sw *sw, const char *name, uint32_t *id)
{
	for (int i = 0; i < SW_MAX_NETS; i++)
		if (sw->nets[i].id && !strncmp(sw->nets[i].name, name, SW_NAME_MAX)) {
			*id = sw->nets[i].id;
			return 0;
		}
	return -ENOENT;
}

int sw_port_stats(const struct sw *sw, uint32_t id, struct sw_port_stats *st)
{
	const struct sw_port *pt = port_get(sw, id);

	if (!pt)
		return -ENOENT;
	*st = pt->st;
	return 0;
}

bool sw_port_owns(const struct sw *sw, uint32_t port, uint8_t family, const uint8_t *a)
{
	const struct sw_port *pt = port_get(sw, port);

	return pt && owns(pt, family, a);
}

void sw_tick(struct sw *sw, uint64_t now_ms)
{
	ct_gc(sw->ct, now_ms, 256);
	for (int i = 0; i < 64; i++)
		mac_sweep(sw, sw->mac_cursor++ & sw->mac_mask, 0, false, 0, now_ms);
}

struct walk_ctx {
	void (*fn)(void *ctx, const struct ct_entry *e);
	void *ctx;
};

static bool walk_one(void *ctx, struct ct_entry *e)
{
	struct walk_ctx *w = ctx;

	w->fn(w->ctx, e);
	return false;
}

void sw_flow_walk(struct sw *sw, void (*fn)(void *ctx, const struct ct_entry *e), void *ctx)
{
	struct walk_ctx w = { fn, ctx };

	ct_walk(sw->ct, walk_one, &w);
}

void sw_stats(const struct sw *sw, struct sw_stats *st)
{
	*st = sw->st;
	ct_stats(sw->ct, &st->ct);
	st->gen = sw->gen;
}
