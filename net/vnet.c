/*
 * The host's virtual switch instance and its network task (net/vnet.h).
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "drivers/nic.h"
#include "kernel/drbg.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "net/vnet.h"

#define RING_SLOTS 128

struct slot {
	uint32_t port;
	uint32_t len;
	uint8_t data[VNET_FRAME_MAX];
};

/* What a port's sw ctx points at. [s] under sw_lock */
struct vport {
	void (*deliver)(void *ctx, const void *frame, size_t len);
	void *ctx;
	uint32_t id;
	char name[SW_NAME_MAX];
};

static struct sw *sw;			/* [s] */
static struct spinlock sw_lock = SPINLOCK_INIT;
static struct task *task;		/* [I] after vnet_init */
static struct vport *vports[SW_MAX_PORTS];	/* [s] */

/* The input ring: [r] under ring_lock. */
static struct spinlock ring_lock = SPINLOCK_INIT;
static struct slot *ring;
static uint32_t ring_head, ring_count;
static uint64_t ring_drops;

static struct nic *uplink;		/* [I] after vnet_uplink_attach */
static uint32_t uplink_port;		/* [I] */
static uint64_t uplink_tx_drops;	/* [s] ring full twice, or device error */

static struct sw_out out;		/* the task's */
static uint8_t frame_out[VNET_FRAME_MAX + 4];

void vnet_tx(uint32_t port, const void *frame, size_t len)
{
	uint64_t f;
	struct slot *s;

	if (!task || len > VNET_FRAME_MAX)
		return;		/* no switch task: nowhere to go */
	f = spin_lock_irqsave(&ring_lock);
	if (ring_count == RING_SLOTS) {
		ring_drops++;
		spin_unlock_irqrestore(&ring_lock, f);
		return;
	}
	s = &ring[(ring_head + ring_count) % RING_SLOTS];
	s->port = port;
	s->len = (uint32_t)len;
	memcpy(s->data, frame, len);
	ring_count++;
	spin_unlock_irqrestore(&ring_lock, f);
	sched_wake(task);
}

/* One copy out: the frame minus the tag it came with, plus the
 * destination's (net/switch.h, struct sw_out). */
static void deliver(const struct slot *s, const struct sw_dest *d)
{
	const struct vport *vp = d->ctx;
	size_t n = 0, rest = s->len - 12 - out.strip;

	if (!vp || s->len < 12u + out.strip)
		return;
	memcpy(frame_out, s->data, 12);
	n = 12;
	if (d->vlan) {
		frame_out[n++] = 0x81;
		frame_out[n++] = 0x00;
		frame_out[n++] = (uint8_t)(d->vlan >> 8);
		frame_out[n++] = (uint8_t)d->vlan;
	}
	memcpy(frame_out + n, s->data + 12 + out.strip, rest);
	vp->deliver(vp->ctx, frame_out, n + rest);
}

/* What the switch sends out of the uplink (the task's context). A full
 * ring is drained once and the frame tried again; then it is dropped. */
static void uplink_deliver(void *ctx, const void *frame, size_t len)
{
	struct nic *n = ctx;
	int r = n->tx(n, frame, len);

	if (r == -EAGAIN) {
		n->poll(n, NULL, NULL, 0);
		r = n->tx(n, frame, len);
	}
	if (r)
		uplink_tx_drops++;
}

static uint64_t uplink_rx_drops;	/* the task's: frames too big to switch */

static void uplink_rx(void *ctx, const void *frame, size_t len)
{
	uint64_t f;

	(void)ctx;
	/* A NIC hands over what fits its buffers (up to 2 KiB): anything
	 * longer than an Ethernet frame with one tag is not switched. */
	if (len > VNET_FRAME_MAX) {
		uplink_rx_drops++;
		return;
	}
	f = spin_lock_irqsave(&sw_lock);
	if (sw_input(sw, uplink_port, frame, len, time_ms(), &out) > 0) {
		static struct slot s;

		s.len = (uint32_t)len;
		memcpy(s.data, frame, len);
		for (uint32_t i = 0; i < out.n; i++)
			deliver(&s, &out.d[i]);
	}
	spin_unlock_irqrestore(&sw_lock, f);
}

/* The uplink is polled (the drivers have no interrupts): every 10 ms when
 * the network is idle, every 1 ms for a while after the last frame, so
 * an exchange in progress (a TCP conversation with the management port,
 * a container's request and reply) does not wait 10 ms a hop. */
#define POLL_BUSY_MS 200

static void vnet_task(void *arg)
{
	static struct slot cur;		/* one frame, copied out of the ring */
	uint64_t last_tick = 0, last_frame = 0;

	(void)arg;
	for (;;) {
		uint64_t f, now = time_ms();
		bool have;

		f = spin_lock_irqsave(&ring_lock);
		have = ring_count > 0;
		if (have) {
			cur.port = ring[ring_head].port;
			cur.len = ring[ring_head].len;
			memcpy(cur.data, ring[ring_head].data, cur.len);
			ring_head = (ring_head + 1) % RING_SLOTS;
			ring_count--;
		}
		spin_unlock_irqrestore(&ring_lock, f);
		f = spin_lock_irqsave(&sw_lock);
		if (have && sw_input(sw, cur.port, cur.data, cur.len, now, &out) > 0)
			for (uint32_t i = 0; i < out.n; i++)
				deliver(&cur, &out.d[i]);
		if (now - last_tick >= 100) {
			sw_tick(sw, now);
			last_tick = now;
		}
		spin_unlock_irqrestore(&sw_lock, f);
		if (uplink && uplink->poll(uplink, uplink_rx, NULL, 32) > 0)
			have = true;
		if (have)
			last_frame = now;
		if (!have)
			sched_block(rdtsc() + tsc_hz() / (!uplink ? 10 :
					now - last_frame < POLL_BUSY_MS ? 1000 : 100));
		else if (sched_should_yield())
			sched_yield();
	}
}

int vnet_init(void)
{
	struct sw_config cfg = { 0 };

	if (drbg_random(cfg.seed, sizeof(cfg.seed)))
		return -EIO;
	sw = sw_create(&cfg);
	ring = kcalloc(RING_SLOTS, sizeof(*ring));
	if (!sw || !ring)
		return -ENOMEM;
	/* Published last: vnet_tx and the port calls need the task. */
	__atomic_store_n(&task, task_create("vnet", 0, vnet_task, NULL), __ATOMIC_RELEASE);
	return task ? 0 : -ENOMEM;
}

int vnet_net_add(const char *name, uint16_t vlan, bool on_uplink)
{
	uint64_t f;
	uint32_t id;
	int r;

	if (!task)
		return -ENODEV;
	f = spin_lock_irqsave(&sw_lock);
	r = sw_net_set(sw, name, vlan, on_uplink, &id);
	spin_unlock_irqrestore(&sw_lock, f);
	return r;
}

/* A new policy of n rules under a name of its own (names never come from
 * VM names, so no name can capture another port's policy); n 0: none,
 * which denies all. Under sw_lock. */
static int policy_new(const struct fw_rule *rules, size_t n, uint32_t *id)
{
	static uint32_t seq;
	char name[SW_NAME_MAX];

	*id = SW_POLICY_NONE;
	if (!n)
		return 0;
	ksnprintf(name, sizeof(name), "p%u", ++seq);
	return sw_policy_set(sw, name, rules, n, id);
}

int vnet_port_add(const char *name, const struct vnet_attach *a,
		  void (*dlv)(void *ctx, const void *frame, size_t len), void *ctx,
		  uint32_t *port, char *err, size_t errlen)
{
	static struct sw_port_cfg pc;	/* under sw_lock: too big for a stack */
	struct vport *vp;
	uint64_t f;
	int r;

	if (!task)
		return -ENODEV;
	vp = kzalloc(sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->deliver = dlv;
	vp->ctx = ctx;
	memcpy(vp->name, name, strnlen(name, SW_NAME_MAX - 1));
	f = spin_lock_irqsave(&sw_lock);
	memset(&pc, 0, sizeof(pc));
	memcpy(pc.name, vp->name, sizeof(pc.name));
	pc.kind = a->mgmt ? SW_PORT_MGMT : SW_PORT_VM;
	r = sw_net_find(sw, a->network, &pc.net);
	if (r) {
		ksnprintf(err, errlen, "no network \"%s\"", a->network);
		goto out;
	}
	memcpy(pc.mac, a->mac, 6);
	if (a->has_ip4) {
		pc.nip4 = 1;
		memcpy(pc.ip4[0], a->ip4, 4);
	}
	pc.nlabels = a->nlabels < SW_PORT_LABELS ? a->nlabels : SW_PORT_LABELS;
	for (uint32_t i = 0; i < pc.nlabels; i++)
		memcpy(pc.labels[i], a->labels[i], SW_NAME_MAX);
	r = policy_new(a->in, a->nin, &pc.policy_in);
	if (!r)
		r = policy_new(a->out, a->nout, &pc.policy_out);
	if (r) {
		ksnprintf(err, errlen, "policy refused (%d)", r);
		goto out;
	}
	pc.ctx = vp;
	r = sw_port_set(sw, &pc, &vp->id);
	if (r) {
		ksnprintf(err, errlen, "port refused (%d)", r);
		goto out;
	}
	pc.policy_in = pc.policy_out = SW_POLICY_NONE;	/* the port owns them now */
	sw_reclaim(sw);
	for (unsigned i = 0; i < SW_MAX_PORTS; i++)
		if (!vports[i]) {
			vports[i] = vp;
			break;
		}
	*port = vp->id;
	vp = NULL;
out:
	/* Nothing of a refused port stays behind. */
	if (pc.policy_in)
		sw_policy_remove(sw, pc.policy_in);
	if (pc.policy_out)
		sw_policy_remove(sw, pc.policy_out);
	sw_reclaim(sw);
	spin_unlock_irqrestore(&sw_lock, f);
	kfree(vp);
	return r;
}

void vnet_port_remove(uint32_t port)
{
	static struct sw_port_cfg pc;
	uint64_t f;
	struct vport *gone = NULL;

	if (!sw)
		return;
	f = spin_lock_irqsave(&sw_lock);
	/* The port's own policies go with it (pc is under sw_lock). */
	if (!sw_port_get(sw, port, &pc)) {
		sw_port_remove(sw, port);
		if (pc.policy_in)
			sw_policy_remove(sw, pc.policy_in);
		if (pc.policy_out)
			sw_policy_remove(sw, pc.policy_out);
		sw_reclaim(sw);
	}
	for (unsigned i = 0; i < SW_MAX_PORTS; i++)
		if (vports[i] && vports[i]->id == port) {
			gone = vports[i];
			vports[i] = NULL;
		}
	spin_unlock_irqrestore(&sw_lock, f);
	kfree(gone);
}

int vnet_policy_replace(const char *port, const struct fw_rule *in, size_t nin,
			const struct fw_rule *out_rules, size_t nout)
{
	static struct sw_port_cfg pc;
	uint32_t id, old_in, old_out, pin = 0, pout = 0;
	uint64_t f;
	int r;

	if (!task)
		return -ENODEV;
	f = spin_lock_irqsave(&sw_lock);
	r = sw_port_find(sw, port, &id);
	r = r ? r : sw_port_get(sw, id, &pc);
	if (r)
		goto out;
	/* Both new policies first; only then the port switches to them, in
	 * one update (nothing changes when either cannot be made). */
	old_in = pc.policy_in;
	old_out = pc.policy_out;
	if (in)
		r = policy_new(in, nin, &pin);
	if (!r && out_rules)
		r = policy_new(out_rules, nout, &pout);
	if (!r) {
		if (in)
			pc.policy_in = pin;
		if (out_rules)
			pc.policy_out = pout;
		r = sw_port_set(sw, &pc, &id);
	}
	if (r) {
		if (pin)
			sw_policy_remove(sw, pin);
		if (pout)
			sw_policy_remove(sw, pout);
	} else {
		if (in && old_in)
			sw_policy_remove(sw, old_in);
		if (out_rules && old_out)
			sw_policy_remove(sw, old_out);
	}
	sw_reclaim(sw);
out:
	spin_unlock_irqrestore(&sw_lock, f);
	return r;
}

static bool has_label(const struct sw_port_cfg *pc, const char *label)
{
	for (uint32_t i = 0; i < pc->nlabels; i++)
		if (!strncmp(pc->labels[i], label, SW_NAME_MAX))
			return true;
	return false;
}

int vnet_label_walk(const char *label, void (*fn)(void *ctx, const char *port), void *ctx)
{
	static struct sw_port_cfg pc;
	uint64_t f;
	int n = 0;

	if (!task)
		return -ENODEV;
	f = spin_lock_irqsave(&sw_lock);
	for (unsigned v = 0; v < SW_MAX_PORTS; v++)
		if (vports[v] && !sw_port_get(sw, vports[v]->id, &pc) && pc.kind == SW_PORT_VM &&
		    has_label(&pc, label)) {
			fn(ctx, vports[v]->name);
			n++;
		}
	spin_unlock_irqrestore(&sw_lock, f);
	return n;
}

int vnet_policy_replace_label(const char *label, const struct fw_rule *in, size_t nin,
			      const struct fw_rule *out_rules, size_t nout,
			      void (*fn)(void *ctx, const char *port), void *ctx)
{
	static struct sw_port_cfg pc;
	static struct {
		uint32_t id, old_in, old_out, new_in, new_out;
		bool switched;
	} m[SW_MAX_PORTS];
	uint32_t n = 0, i;
	uint64_t f;
	int r = 0;

	if (!task)
		return -ENODEV;
	f = spin_lock_irqsave(&sw_lock);
	/* The members, and new policies for each (made first: if any cannot
	 * be made, nothing changes). */
	for (unsigned v = 0; v < SW_MAX_PORTS && !r; v++) {
		if (!vports[v] || sw_port_get(sw, vports[v]->id, &pc) || pc.kind != SW_PORT_VM ||
		    !has_label(&pc, label))
			continue;
		memset(&m[n], 0, sizeof(m[n]));
		m[n].id = vports[v]->id;
		m[n].old_in = pc.policy_in;
		m[n].old_out = pc.policy_out;
		if (in)
			r = policy_new(in, nin, &m[n].new_in);
		if (!r && out_rules)
			r = policy_new(out_rules, nout, &m[n].new_out);
		n++;
	}
	if (!r && !n)
		r = -ENOENT;
	/* Then every member switches; a refusal puts back those that did. */
	for (i = 0; !r && i < n; i++) {
		r = sw_port_get(sw, m[i].id, &pc);
		if (in)
			pc.policy_in = m[i].new_in;
		if (out_rules)
			pc.policy_out = m[i].new_out;
		r = r ? r : sw_port_set(sw, &pc, &m[i].id);
		m[i].switched = !r;
	}
	for (i = 0; i < n; i++) {
		bool keep_new = !r;

		if (!keep_new && m[i].switched && !sw_port_get(sw, m[i].id, &pc)) {
			pc.policy_in = m[i].old_in;
			pc.policy_out = m[i].old_out;
			sw_port_set(sw, &pc, &m[i].id);
		}
		if (keep_new) {
			if (in && m[i].old_in)
				sw_policy_remove(sw, m[i].old_in);
			if (out_rules && m[i].old_out)
				sw_policy_remove(sw, m[i].old_out);
		} else {
			if (m[i].new_in)
				sw_policy_remove(sw, m[i].new_in);
			if (m[i].new_out)
				sw_policy_remove(sw, m[i].new_out);
		}
	}
	sw_reclaim(sw);
	if (!r && fn)
		for (unsigned v = 0; v < SW_MAX_PORTS; v++)
			for (i = 0; i < n; i++)
				if (vports[v] && vports[v]->id == m[i].id)
					fn(ctx, vports[v]->name);
	spin_unlock_irqrestore(&sw_lock, f);
	return r;
}

int vnet_port_stats(const char *name, struct sw_port_stats *st)
{
	uint32_t id;
	uint64_t f;
	int r;

	if (!sw)
		return -ENODEV;
	f = spin_lock_irqsave(&sw_lock);
	r = sw_port_find(sw, name, &id);
	if (!r)
		r = sw_port_stats(sw, id, st);
	spin_unlock_irqrestore(&sw_lock, f);
	return r;
}

void vnet_print(void)
{
	static struct sw_port_stats st;

	if (!sw)
		return;
	for (unsigned i = 0; i < SW_MAX_PORTS; i++) {
		char drops[160];
		size_t n = 0;
		uint64_t f;

		f = spin_lock_irqsave(&sw_lock);
		if (!vports[i] || sw_port_stats(sw, vports[i]->id, &st)) {
			spin_unlock_irqrestore(&sw_lock, f);
			continue;
		}
		drops[0] = 0;
		for (int d = 1; d < SW_DROP_COUNT && n < sizeof(drops); d++)
			if (st.drops[d])
				n += (size_t)ksnprintf(drops + n, sizeof(drops) - n, " %s=%llu",
						       sw_drop_name((enum sw_drop)d),
						       (unsigned long long)st.drops[d]);
		pr_info("switch: port %s: rx %llu frames, tx %llu frames, drops:%s",
			vports[i]->name, (unsigned long long)st.rx_frames,
			(unsigned long long)st.tx_frames, drops[0] ? drops : " none");
		spin_unlock_irqrestore(&sw_lock, f);
	}
	if (ring_drops)
		pr_warn("switch: %llu frames dropped: input ring full", (unsigned long long)ring_drops);
	if (uplink_rx_drops || uplink_tx_drops)
		pr_warn("switch: uplink dropped %llu frames too long to switch, %llu it could not send",
			(unsigned long long)uplink_rx_drops, (unsigned long long)uplink_tx_drops);
}

int64_t vnet_policy_walk(const char *port, bool egress,
			 void (*fn)(void *ctx, const struct fw_rule *r, uint64_t hits), void *ctx)
{
	static struct sw_port_cfg pc;
	const struct fw_policy *fp;
	const struct fw_rule *rules;
	uint32_t id, pid;
	int64_t dflt = 0;
	uint64_t f;
	size_t n;

	if (!task)
		return -ENODEV;
	f = spin_lock_irqsave(&sw_lock);
	if (sw_port_find(sw, port, &id) || sw_port_get(sw, id, &pc)) {
		spin_unlock_irqrestore(&sw_lock, f);
		return -ENOENT;
	}
	pid = egress ? pc.policy_out : pc.policy_in;
	fp = pid ? sw_policy_get(sw, pid) : NULL;
	if (fn && pid && fp && !sw_policy_source(sw, pid, &rules, &n)) {
		for (size_t i = 0; i < n && i < fw_policy_rules(fp); i++)
			fn(ctx, &rules[i], fw_rule_hits(fp, i));
		dflt = (int64_t)fw_default_hits(fp);
	}
	spin_unlock_irqrestore(&sw_lock, f);
	return dflt;
}

void vnet_port_walk(void (*fn)(void *ctx, const char *name, const struct sw_port_stats *st),
		    void *ctx)
{
	static struct sw_port_stats st;
	uint64_t f;

	if (!sw)
		return;
	f = spin_lock_irqsave(&sw_lock);
	for (unsigned i = 0; i < SW_MAX_PORTS; i++)
		if (vports[i] && !sw_port_stats(sw, vports[i]->id, &st))
			fn(ctx, vports[i]->name, &st);
	spin_unlock_irqrestore(&sw_lock, f);
}

int vnet_uplink_attach(struct nic *nic)
{
	static struct sw_port_cfg pc;
	struct vport *vp;
	uint64_t f;
	int r;

	if (!sw)
		return -ENODEV;
	vp = kzalloc(sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->deliver = uplink_deliver;
	vp->ctx = nic;
	memcpy(vp->name, "uplink", 7);
	f = spin_lock_irqsave(&sw_lock);
	memset(&pc, 0, sizeof(pc));
	memcpy(pc.name, "uplink", 7);
	pc.kind = SW_PORT_UPLINK;
	pc.ctx = vp;
	/* The uplink passes what the VM ports' own policies allow: its
	 * policies allow everything (a VM port's ingress still guards the
	 * VM against the outside, its egress the outside against the VM). */
	{
		struct fw_rule any;

		fw_rule_init(&any, 1, FW_ALLOW);
		r = sw_policy_set(sw, "uplink-in", &any, 1, &pc.policy_in);
		r = r ? r : sw_policy_set(sw, "uplink-out", &any, 1, &pc.policy_out);
	}
	r = r ? r : sw_port_set(sw, &pc, &vp->id);
	if (!r) {
		for (unsigned i = 0; i < SW_MAX_PORTS; i++)
			if (!vports[i]) {
				vports[i] = vp;
				break;
			}
		uplink_port = vp->id;
		__atomic_store_n(&uplink, nic, __ATOMIC_RELEASE);
		vp = NULL;
	}
	spin_unlock_irqrestore(&sw_lock, f);
	kfree(vp);
	return r;
}
