/*
 * The serial console service: a task that reads COM1 and feeds an RPC
 * session (kernel/rpc.c) with the admin role, answering on the same line.
 * Whoever holds the serial line holds the machine (ESXi's DCUI is the
 * same); over the network the same protocol needs a client certificate.
 * The same task runs the management port and the RPC console's TLS
 * sessions (net/mgmt.h, kernel/remote.h), so every method handler runs on
 * this one task, never concurrently. Also the methods the console serves
 * beyond the core (kernel/RPC.md): VMs, images, the firewall, the switch,
 * host.reboot.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "drivers/uart16550.h"
#include "kernel/bootcfg.h"
#include "kernel/console.h"
#include "kernel/crypto.h"
#include "kernel/drbg.h"
#include "kernel/fetch.h"
#include "kernel/fmt.h"
#include "kernel/imgstore.h"
#include "kernel/json.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/remote.h"
#include "kernel/rpc.h"
#include "kernel/sched.h"
#include "kernel/system.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "net/fw.h"
#include "net/mgmt.h"
#include "net/vnet.h"
#include "vmm/vmm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int host_info(void *ctx, struct rpc_host_info *out)
{
	uint64_t cr4 = read_cr4();

	(void)ctx;
	out->version = BASTION_VERSION;
	out->vmm = vmm ? vmm->name : NULL;
	out->cpus = ncpus;
	out->mem_total = page_total_count() * 4096;
	out->mem_free = page_free_count() * 4096;
	out->uptime_ms = time_ms();
	out->protections = RPC_PROT_WX | RPC_PROT_CANARY | RPC_PROT_GUARD_PAGES |
			   ((rdmsr(MSR_EFER) & EFER_NXE) ? RPC_PROT_NX : 0) |
			   ((cr4 & CR4_SMEP) ? RPC_PROT_SMEP : 0) |
			   ((cr4 & CR4_SMAP) ? RPC_PROT_SMAP : 0) |
			   ((cr4 & CR4_UMIP) ? RPC_PROT_UMIP : 0) |
			   ((read_cr0() & CR0_WP) ? RPC_PROT_WP : 0);
	return 0;
}

static size_t log_tail_op(void *ctx, char *buf, size_t len, unsigned lines)
{
	(void)ctx;
	return log_tail(buf, len, lines);
}

static uint64_t now_ms(void *ctx)
{
	(void)ctx;
	return time_ms();
}

static void audit(void *ctx, const struct rpc_audit *a)
{
	/* An upload is a chunk every 32 KiB: their successes are recorded
	 * at debug level (in the log ring, not on the console); begin,
	 * commit, abort and every refusal at info. */
	bool quiet = !a->outcome && !strcmp(a->method, "image.chunk");

	(void)ctx;
	log_printf(quiet ? LOG_DEBUG : LOG_INFO, "audit: %s (%s) %s -> %s%s%s", a->identity,
		a->role == RPC_ROLE_ADMIN ? "admin" : "read-only", a->method,
		a->outcome ? "error" : "ok", a->message ? ": " : "",
		a->message ? a->message : "");
}

static struct vm_info scratch_vi;	/* the console task is the only caller */

/* host.info's VM count, VM exits by reason (summed over the VMs that
 * exist), remote sessions and uploaded images. */
static void host_info_more(void *ctx, struct jw *w)
{
	static uint64_t exits[VM_EXIT_COUNT];
	unsigned vms = 0, running = 0;

	(void)ctx;
	memset(exits, 0, sizeof(exits));
	for (uint32_t s = 0; s < VM_SLOTS; s++) {
		if (vm_get_info(s, &scratch_vi))
			continue;
		vms++;
		running += !strcmp(scratch_vi.state, "running");
		for (int e = 0; e < VM_EXIT_COUNT; e++)
			exits[e] += scratch_vi.exits[e];
	}
	jw_key(w, "vms");
	jw_obj_begin(w);
	jw_key(w, "total");
	jw_uint(w, vms);
	jw_key(w, "running");
	jw_uint(w, running);
	jw_obj_end(w);
	jw_key(w, "exits");
	jw_obj_begin(w);
	for (int e = 0; e < VM_EXIT_COUNT; e++)
		if (exits[e]) {
			jw_key(w, vm_exit_name((enum vm_exit_code)e));
			jw_uint(w, exits[e]);
		}
	jw_obj_end(w);
	jw_key(w, "remote_sessions");
	jw_uint(w, remote_sessions());
	jw_key(w, "images");
	jw_obj_begin(w);
	jw_key(w, "bytes");
	jw_uint(w, img_bytes());
	jw_obj_end(w);
}

static void put_vm(struct jw *w, const struct vm_info *vi)
{
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, vi->name);
	jw_key(w, "state");
	jw_str(w, vi->state);
	jw_key(w, "reason");
	jw_str(w, vi->reason);
	jw_key(w, "exit_status");
	if (vi->exit_status >= 0)
		jw_int(w, vi->exit_status);
	else
		jw_null(w);
	jw_key(w, "memory_mib");
	jw_uint(w, vi->memory_mib);
	jw_key(w, "vcpus");
	jw_uint(w, vi->vcpus);
	jw_obj_end(w);
}

static int find(const char *name, struct vm_info *vi)
{
	for (uint32_t s = 0; s < VM_SLOTS; s++)
		if (!vm_get_info(s, vi) && !strcmp(vi->name, name))
			return 0;
	return -ENOENT;
}

static int m_vm_list(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);

	jw_arr_begin(w);
	for (uint32_t s = 0; s < VM_SLOTS; s++)
		if (!vm_get_info(s, &scratch_vi))
			put_vm(w, &scratch_vi);
	jw_arr_end(w);
	return 0;
}

static int m_vm_stats(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);
	const char *name;
	size_t len;

	if (rpc_param_str(c, "name", &name, &len) || find(name, &scratch_vi))
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM named that");
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, scratch_vi.name);
	jw_key(w, "exits");
	jw_obj_begin(w);
	for (int e = 0; e < VM_EXIT_COUNT; e++) {
		if (!scratch_vi.exits[e])
			continue;
		jw_key(w, vm_exit_name((enum vm_exit_code)e));
		jw_obj_begin(w);
		jw_key(w, "count");
		jw_uint(w, scratch_vi.exits[e]);
		jw_key(w, "us");
		jw_uint(w, scratch_vi.exit_us[e]);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
	return 0;
}

static int m_vm_stop(struct rpc_call *c)
{
	const char *name;
	size_t len;
	struct vm *vm;

	if (rpc_param_str(c, "name", &name, &len) || !(vm = vm_find(name)))
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM named that");
	vm_stop(vm);
	jw_bool(rpc_result(c), true);
	return 0;
}

static console_module_fn modules;

/* An image by name: uploaded ones first, then the boot modules. */
static const void *find_image(const char *name, size_t *len)
{
	const void *p = img_get(name, len);

	return p ? p : modules ? modules(name, len) : NULL;
}

/* Copies a string parameter into buf (NUL-terminated); "" when absent. */
static void str_param(struct rpc_call *c, const char *name, char *buf, size_t len)
{
	const char *p;
	size_t n;

	buf[0] = 0;
	if (rpc_param_str(c, name, &p, &n))
		return;
	n = n < len - 1 ? n : len - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
}

/* A string parameter without NULs, copied; false if it has any. */
static bool clean_str(struct rpc_call *c, const char *key, char *buf, size_t len)
{
	const char *p;
	size_t n;

	if (rpc_param_str(c, key, &p, &n) || n >= len || memchr(p, 0, n))
		return false;
	memcpy(buf, p, n);
	buf[n] = 0;
	return true;
}

static bool has_str(struct rpc_call *c, const char *key)
{
	const char *p;
	size_t n;

	return !rpc_param_str(c, key, &p, &n);
}

static struct vm *named_vm(struct rpc_call *c)
{
	char name[VM_NAME_MAX];

	str_param(c, "name", name, sizeof(name));
	return vm_find(name);
}

static int m_vm_start(struct rpc_call *c)
{
	struct vm *vm = named_vm(c);

	if (!vm)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM named that");
	if (vm_start(vm))
		return rpc_fail(c, RPC_ERR_CONFLICT, "the VM is not in the created state");
	jw_bool(rpc_result(c), true);
	return 0;
}

static int m_vm_shutdown(struct rpc_call *c)
{
	struct vm *vm = named_vm(c);
	int64_t grace = 10000;

	if (!vm)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM named that");
	rpc_param_int(c, "grace_ms", &grace);
	if (vm_shutdown(vm, (uint32_t)grace))
		return rpc_fail(c, RPC_ERR_CONFLICT, "the VM is not running");
	jw_bool(rpc_result(c), true);
	return 0;
}

static int m_vm_destroy(struct rpc_call *c)
{
	struct vm *vm = named_vm(c);

	if (!vm)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM named that");
	if (vm_destroy(vm))
		return rpc_fail(c, RPC_ERR_CONFLICT, "the VM is still running: stop it first");
	jw_bool(rpc_result(c), true);
	return 0;
}

static char tail_buf[4096];	/* the console task is the only caller */

/* vm.console with an offset: the bytes from there, for followers that
 * must see every byte or know how many they missed. */
static int console_from(struct rpc_call *c, struct vm *vm, int64_t offset, int64_t bytes)
{
	struct jw *w = rpc_result(c);
	uint64_t start, end;
	size_t n;

	n = vm_console_read(vm, (uint64_t)offset, tail_buf, (size_t)bytes, &start, &end);
	/* The bytes go out as a JSON string: a UTF-8 character cut at the
	 * end of this read would turn into U+FFFD here and at the start of
	 * the next one. Stop before it (the next read starts with it); a
	 * read of nothing but a cut character (or invalid UTF-8) goes as is. */
	if (start + n < end) {
		size_t k = n, lead;

		while (k > 0 && n - k < 4 && ((uint8_t)tail_buf[k - 1] & 0xc0) == 0x80)
			k--;
		lead = k ? (uint8_t)tail_buf[k - 1] : 0;
		if (k > 1 && lead >= 0xc0) {
			size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;

			if (n - (k - 1) < need)
				n = k - 1;
		}
	}
	if ((uint64_t)offset > end)
		return rpc_fail(c, RPC_ERR_PARAMS, "offset %lld is past the console's end (%llu)",
				(long long)offset, (unsigned long long)end);
	jw_obj_begin(w);
	jw_key(w, "data");
	jw_strn(w, tail_buf, n);
	jw_key(w, "offset");
	jw_uint(w, start);
	jw_key(w, "next");
	jw_uint(w, start + n);
	jw_key(w, "lost");
	jw_uint(w, start - (uint64_t)offset);
	jw_key(w, "end");
	jw_uint(w, end);
	jw_obj_end(w);
	return 0;
}

static int m_vm_console(struct rpc_call *c)
{
	struct vm *vm = named_vm(c);
	int64_t bytes = 2048, offset;

	if (!vm)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM named that");
	rpc_param_int(c, "bytes", &bytes);
	if (!rpc_param_int(c, "offset", &offset))
		return console_from(c, vm, offset, bytes);
	vm_console_tail(vm, tail_buf, (size_t)bytes + 1);
	jw_str(rpc_result(c), tail_buf);
	return 0;
}

static struct fw_rule set_rules[2][256];	/* the console task is the only caller */
static int rules_param(struct rpc_call *c, const char *key, struct fw_rule *out, size_t *n);

/* "a.b.c.d" or, with prefix != NULL, "a.b.c.d/p". Returns 0 or -1. */
static int ipv4_param(struct rpc_call *c, const char *key, uint8_t ip[4], uint32_t *prefix)
{
	char text[24];
	uint8_t fam, a[16];
	size_t n;
	const char *slash;

	if (!clean_str(c, key, text, sizeof(text)))
		return -1;
	slash = strchr(text, '/');
	n = slash ? (size_t)(slash - text) : strlen(text);
	if (!!slash != !!prefix || fw_addr_parse(text, n, &fam, a) || fam != 4)
		return -1;
	if (prefix) {
		*prefix = 0;
		for (const char *p = slash + 1; *p; p++) {
			if (*p < '0' || *p > '9' || *prefix > 32)
				return -1;
			*prefix = *prefix * 10 + (uint32_t)(*p - '0');
		}
		if (!slash[1] || *prefix < 1 || *prefix > 32)
			return -1;
	}
	memcpy(ip, a, 4);
	return 0;
}

/* vm.create's optional port on the switch: network, ipv4, gateway,
 * labels, and the policy (ingress, egress: default deny). Appends the
 * addresses to the command line as the boot config's VMs get them.
 * Returns 0, 1 (no network asked for), or an RPC error. */
static int create_net(struct rpc_call *c, const char *name, struct vnet_attach *na,
		      char (*labels)[SW_NAME_MAX], char *line, size_t len)
{
	static char net[SW_NAME_MAX];
	const struct json_doc *d;
	uint32_t prefix = 0;
	uint8_t gw[4];
	size_t n = strlen(line);
	int t, arr, r;

	if (!has_str(c, "network"))
		return 1;
	if (!clean_str(c, "network", net, sizeof(net)))
		return rpc_fail(c, RPC_ERR_PARAMS, "network: a network's name");
	na->network = net;
	/* Locally administered, random below a prefix of ours whose fourth
	 * byte never equals the boot config's (02:42:41:53:01:xx). */
	memcpy(na->mac, (const uint8_t[]){ 0x02, 0x42, 0x41 }, 3);
	if (drbg_random(na->mac + 3, 3))
		return rpc_fail(c, RPC_ERR_INTERNAL, "no random MAC address (entropy failed)");
	na->mac[3] |= 0x80;
	n += (size_t)ksnprintf(line + n, len - n,
			       " bastion.hostname=%s bastion.mac=%02x:%02x:%02x:%02x:%02x:%02x", name,
			       na->mac[0], na->mac[1], na->mac[2], na->mac[3], na->mac[4], na->mac[5]);
	if (has_str(c, "ipv4")) {
		if (ipv4_param(c, "ipv4", na->ip4, &prefix))
			return rpc_fail(c, RPC_ERR_PARAMS, "ipv4: an address with its prefix, a.b.c.d/n");
		na->has_ip4 = true;
		n += (size_t)ksnprintf(line + n, len - n, " bastion.ip=%u.%u.%u.%u/%u", na->ip4[0],
				       na->ip4[1], na->ip4[2], na->ip4[3], prefix);
	}
	if (has_str(c, "gateway")) {
		if (ipv4_param(c, "gateway", gw, NULL) || !na->has_ip4)
			return rpc_fail(c, RPC_ERR_PARAMS, "gateway: an address a.b.c.d, with ipv4");
		ksnprintf(line + n, len - n, " bastion.gw=%u.%u.%u.%u", gw[0], gw[1], gw[2], gw[3]);
	}
	arr = rpc_param_tok(c, "labels", &d);
	for (t = arr < 0 ? -1 : json_first(d, arr); t >= 0; t = json_next(d, arr, t)) {
		const char *l;
		size_t ll;

		if (json_str(d, t, SW_NAME_MAX - 1, &l, &ll) || memchr(l, 0, ll))
			return rpc_fail(c, RPC_ERR_PARAMS, "labels: names of 1..31 of a-z 0-9 -");
		memcpy(labels[na->nlabels], l, ll);
		labels[na->nlabels][ll] = 0;
		if (!fw_label_valid(labels[na->nlabels]))
			return rpc_fail(c, RPC_ERR_PARAMS, "labels[%u]: not a valid label",
					na->nlabels);
		na->nlabels++;
	}
	na->labels = (const char (*)[SW_NAME_MAX])labels;
	r = rules_param(c, "ingress", set_rules[0], &na->nin);
	if (r < 0)
		return r;
	r = rules_param(c, "egress", set_rules[1], &na->nout);
	if (r < 0)
		return r;
	na->in = set_rules[0];
	na->out = set_rules[1];
	return 0;
}

/* vm.create from uploaded images or boot modules: a guest kernel and a
 * container image (an initramfs made by bastion-mkimage). */
static int m_vm_create(struct rpc_call *c)
{
	char name[VM_NAME_MAX], kernel[64], image[64], cmdline[768];
	static char labels[SW_PORT_LABELS][SW_NAME_MAX];
	struct vnet_attach na = { 0 };
	struct vm_config cfg = { 0 };
	int64_t mem = 256, vcpus = 1;
	struct vm *vm;
	char err[120];
	int r;

	str_param(c, "name", name, sizeof(name));
	str_param(c, "kernel", kernel, sizeof(kernel));
	str_param(c, "image", image, sizeof(image));
	str_param(c, "cmdline", cmdline, 512);
	rpc_param_int(c, "memory_mib", &mem);
	rpc_param_int(c, "vcpus", &vcpus);
	r = create_net(c, name, &na, labels, cmdline, sizeof(cmdline));
	if (r < 0)
		return r;
	cfg.net = r ? NULL : &na;
	cfg.name = name;
	cfg.memory_mib = (uint32_t)mem;
	cfg.vcpus = (uint32_t)vcpus;
	cfg.cmdline = cmdline;
	cfg.image = find_image(kernel[0] ? kernel : "vmlinuz", &cfg.image_len);
	if (!cfg.image)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no image or boot module named \"%s\"",
				kernel[0] ? kernel : "vmlinuz");
	if (image[0]) {
		cfg.initrd = find_image(image, &cfg.initrd_len);
		if (!cfg.initrd)
			return rpc_fail(c, RPC_ERR_NOT_FOUND, "no image or boot module named \"%s\"",
					image);
	}
	r = vm_create(&cfg, &vm, err, sizeof(err));
	if (r)
		return rpc_fail(c, r == -EEXIST ? RPC_ERR_CONFLICT : RPC_ERR_PARAMS,
				"%s", err);
	jw_bool(rpc_result(c), true);
	return 0;
}

static void put_rule(void *ctx, const struct fw_rule *r, uint64_t hits)
{
	struct jw *w = ctx;
	char text[160];

	fw_rule_format(r, text, sizeof(text));
	jw_obj_begin(w);
	jw_key(w, "rule");
	jw_str(w, text);
	jw_key(w, "hits");
	jw_uint(w, hits);
	jw_obj_end(w);
}

/* A port's policy, both directions, as members of the open object:
 * 0 or -ENOENT (nothing written). */
static int put_policy(struct jw *w, const char *port)
{
	static const char *const dirs[] = { "ingress", "egress" };
	struct jw_mark m = jw_mark(w);

	for (int d = 0; d < 2; d++) {
		int64_t dflt;

		jw_key(w, dirs[d]);
		jw_arr_begin(w);
		dflt = vnet_policy_walk(port, d == 1, put_rule, w);
		if (dflt < 0) {
			jw_rollback(w, m);
			return -ENOENT;
		}
		jw_arr_end(w);
		jw_key(w, d ? "egress_default_deny_hits" : "ingress_default_deny_hits");
		jw_uint(w, (uint64_t)dflt);
	}
	return 0;
}

static char members[SW_MAX_PORTS][SW_NAME_MAX];	/* the console task's */
static unsigned nmembers;

static void add_member(void *ctx, const char *port)
{
	(void)ctx;
	if (nmembers < SW_MAX_PORTS)
		memcpy(members[nmembers++], port, SW_NAME_MAX);
}

/* fw.get: a VM port's policy with hit counts, or those of every VM port
 * with a label (a group). */
static int m_fw_get(struct rpc_call *c)
{
	char name[VM_NAME_MAX], label[SW_NAME_MAX];
	struct jw *w = rpc_result(c);
	bool by_label = has_str(c, "label");

	if (by_label == has_str(c, "name"))
		return rpc_fail(c, RPC_ERR_PARAMS, "give name (a VM) or label (a group), not both");
	if (!by_label) {
		str_param(c, "name", name, sizeof(name));
		jw_obj_begin(w);
		if (put_policy(w, name))
			return rpc_fail(c, RPC_ERR_NOT_FOUND, "no switch port named that");
		jw_obj_end(w);
		return 0;
	}
	if (!clean_str(c, "label", label, sizeof(label)))
		return rpc_fail(c, RPC_ERR_PARAMS, "label: 1..31 of a-z 0-9 -");
	nmembers = 0;
	if (vnet_label_walk(label, add_member, NULL) <= 0)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM port has that label");
	jw_obj_begin(w);
	jw_key(w, "label");
	jw_str(w, label);
	jw_key(w, "ports");
	jw_arr_begin(w);
	for (unsigned i = 0; i < nmembers; i++) {
		struct jw_mark m = jw_mark(w);

		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, members[i]);
		if (put_policy(w, members[i]))
			jw_rollback(w, m);	/* gone meanwhile */
		else
			jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}

/* Reads one direction's rule strings; 1 if absent, 0, or an RPC error. */
static int rules_param(struct rpc_call *c, const char *key, struct fw_rule *out, size_t *n)
{
	const struct json_doc *d;
	int arr = rpc_param_tok(c, key, &d), t;

	*n = 0;
	if (arr < 0)
		return 1;
	for (t = json_first(d, arr); t >= 0; t = json_next(d, arr, t)) {
		const char *s;
		size_t len;
		char text[256], err[96];

		if (*n == 256)
			return rpc_fail(c, RPC_ERR_LIMIT, "%s: more than 256 rules", key);
		if (json_str(d, t, sizeof(text) - 1, &s, &len))
			return rpc_fail(c, RPC_ERR_PARAMS, "%s[%zu]: a rule is a string of at most %zu bytes",
					key, *n, sizeof(text) - 1);
		memcpy(text, s, len);
		text[len] = 0;
		if (fw_rule_parse(text, (uint32_t)*n + 1, &out[*n], err, sizeof(err)))
			return rpc_fail(c, RPC_ERR_PARAMS, "%s[%zu]: %s", key, *n, err);
		(*n)++;
	}
	return 0;
}

static void put_name(void *ctx, const char *port)
{
	jw_str(ctx, port);
}

/* fw.set: replaces one or both directions of a VM port's policy, or of
 * every VM port with a label (a group, all or none). Every rule is
 * checked before anything changes; connections the new policy no longer
 * allows are cut (net/switch.h). */
static int m_fw_set(struct rpc_call *c)
{
	char name[VM_NAME_MAX], label[SW_NAME_MAX];
	bool by_label = has_str(c, "label");
	struct jw *w = rpc_result(c);
	struct jw_mark mark;
	size_t n[2];
	int r[2], e;

	if (by_label == has_str(c, "name"))
		return rpc_fail(c, RPC_ERR_PARAMS, "give name (a VM) or label (a group), not both");
	str_param(c, "name", name, sizeof(name));
	if (by_label && !clean_str(c, "label", label, sizeof(label)))
		return rpc_fail(c, RPC_ERR_PARAMS, "label: 1..31 of a-z 0-9 -");
	r[0] = rules_param(c, "ingress", set_rules[0], &n[0]);
	if (r[0] < 0)
		return r[0];
	r[1] = rules_param(c, "egress", set_rules[1], &n[1]);
	if (r[1] < 0)
		return r[1];
	if (r[0] && r[1])
		return rpc_fail(c, RPC_ERR_PARAMS, "give ingress, egress or both (lists of rules)");
	if (!by_label) {
		e = vnet_policy_replace(name, r[0] ? NULL : set_rules[0], n[0],
					r[1] ? NULL : set_rules[1], n[1]);
		if (!e)
			jw_bool(w, true);
	} else {
		mark = jw_mark(w);
		jw_obj_begin(w);
		jw_key(w, "ports");
		jw_arr_begin(w);
		e = vnet_policy_replace_label(label, r[0] ? NULL : set_rules[0], n[0],
					      r[1] ? NULL : set_rules[1], n[1], put_name, w);
		jw_arr_end(w);
		jw_obj_end(w);
		if (e)
			jw_rollback(w, mark);
	}
	if (e == -ENOENT)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, by_label ? "no VM port has that label" :
				"no switch port named that");
	if (e)
		return rpc_fail(c, e == -ENOMEM || e == -ENOSPC ? RPC_ERR_LIMIT : RPC_ERR_PARAMS,
				"policy not replaced (%d): nothing changed", e);
	return 0;
}

static void put_port(void *ctx, const char *name, const struct sw_port_stats *st)
{
	struct jw *w = ctx;

	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "rx_frames");
	jw_uint(w, st->rx_frames);
	jw_key(w, "rx_bytes");
	jw_uint(w, st->rx_bytes);
	jw_key(w, "tx_frames");
	jw_uint(w, st->tx_frames);
	jw_key(w, "tx_bytes");
	jw_uint(w, st->tx_bytes);
	jw_key(w, "flows");
	jw_uint(w, st->flows);
	jw_key(w, "drops");
	jw_obj_begin(w);
	for (int d = 1; d < SW_DROP_COUNT; d++)
		if (st->drops[d]) {
			jw_key(w, sw_drop_name((enum sw_drop)d));
			jw_uint(w, st->drops[d]);
		}
	jw_obj_end(w);
	jw_obj_end(w);
}

static int m_switch_ports(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);

	jw_arr_begin(w);
	vnet_port_walk(put_port, w);
	jw_arr_end(w);
	return 0;
}

/* ---------------------------------------------------------------- images */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* name and sha256 of image.begin and image.fetch: 0 or an RPC error. */
static int name_sha(struct rpc_call *c, char name[IMG_NAME_MAX + 1], uint8_t sha[SHA256_LEN])
{
	char hex[65];

	if (!clean_str(c, "name", name, IMG_NAME_MAX + 1) || !clean_str(c, "sha256", hex, sizeof(hex)))
		return rpc_fail(c, RPC_ERR_PARAMS, "name: 1..63 of a-z 0-9 . _ -; sha256: 64 hex digits");
	for (int i = 0; i < SHA256_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return rpc_fail(c, RPC_ERR_PARAMS, "sha256: 64 lower-case hex digits");
		sha[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int m_image_begin(struct rpc_call *c)
{
	char name[IMG_NAME_MAX + 1], id[IMG_ID_MAX];
	uint8_t sha[SHA256_LEN];
	int64_t size = 0;
	size_t dummy;
	int r;

	r = name_sha(c, name, sha);
	if (r)
		return r;
	rpc_param_int(c, "size", &size);
	if (modules && modules(name, &dummy))
		return rpc_fail(c, RPC_ERR_CONFLICT, "a boot module is named \"%s\"", name);
	if (fetch_busy(name))
		return rpc_fail(c, RPC_ERR_CONFLICT, "an image named \"%s\" is being fetched", name);
	r = img_begin(name, (uint64_t)size, sha, rpc_session_of(c), id);
	if (!r)
		fetch_forget(name);	/* a failed fetch of the name is superseded */
	if (r == -EINVAL)
		return rpc_fail(c, RPC_ERR_PARAMS, "name: 1..63 of a-z 0-9 . _ -");
	if (r == -EEXIST)
		return rpc_fail(c, RPC_ERR_CONFLICT, "an image named \"%s\" exists or is being uploaded",
				name);
	if (r == -ENOSPC)
		return rpc_fail(c, RPC_ERR_LIMIT, "%u images and uploads at most", IMG_SLOTS);
	if (r)
		return rpc_fail(c, RPC_ERR_LIMIT, "cannot reserve %lld bytes (%llu held)",
				(long long)size, (unsigned long long)img_bytes());
	jw_obj_begin(rpc_result(c));
	jw_key(rpc_result(c), "id");
	jw_str(rpc_result(c), id);
	jw_obj_end(rpc_result(c));
	return 0;
}

/* image.fetch: the host downloads the image itself (kernel/fetch.h). */
static int m_image_fetch(struct rpc_call *c)
{
	char name[IMG_NAME_MAX + 1], url[512], err[96];
	uint8_t sha[SHA256_LEN];
	size_t dummy;
	int r;

	r = name_sha(c, name, sha);
	if (r)
		return r;
	if (!clean_str(c, "url", url, sizeof(url)))
		return rpc_fail(c, RPC_ERR_PARAMS, "url: http://A.B.C.D[:PORT]/PATH");
	for (size_t i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return rpc_fail(c, RPC_ERR_PARAMS, "name: 1..63 of a-z 0-9 . _ -");
	if (modules && modules(name, &dummy))
		return rpc_fail(c, RPC_ERR_CONFLICT, "a boot module is named \"%s\"", name);
	r = fetch_start(name, url, sha, err, sizeof(err));
	if (r == -EINVAL)
		return rpc_fail(c, RPC_ERR_PARAMS, "url: %s", err);
	if (r == -EEXIST)
		return rpc_fail(c, RPC_ERR_CONFLICT, "an image named \"%s\" exists or is being "
				"uploaded or fetched", name);
	if (r == -EBUSY)
		return rpc_fail(c, RPC_ERR_LIMIT, "%u fetches at once at most", FETCH_AT_ONCE);
	if (r)
		return rpc_fail(c, RPC_ERR_INTERNAL, "cannot fetch: %s", err);
	jw_obj_begin(rpc_result(c));
	jw_key(rpc_result(c), "name");
	jw_str(rpc_result(c), name);
	jw_key(rpc_result(c), "state");
	jw_str(rpc_result(c), "fetching");
	jw_obj_end(rpc_result(c));
	return 0;
}

static int upload_id(struct rpc_call *c, char id[IMG_ID_MAX])
{
	return clean_str(c, "id", id, IMG_ID_MAX) ? 0 : -1;
}

static int no_upload(struct rpc_call *c)
{
	return rpc_fail(c, RPC_ERR_NOT_FOUND, "no upload with that id in this session");
}

static int m_image_chunk(struct rpc_call *c)
{
	char id[IMG_ID_MAX];
	const char *data;
	size_t len;
	int64_t off = -1;
	uint64_t got = 0;
	int r;

	if (upload_id(c, id))
		return no_upload(c);
	rpc_param_int(c, "offset", &off);
	rpc_param_str(c, "data", &data, &len);
	r = img_chunk(id, rpc_session_of(c), (uint64_t)off, data, len, &got);
	if (r == -ENOENT)
		return no_upload(c);
	if (r == -ESPIPE)
		return rpc_fail(c, RPC_ERR_CONFLICT, "offset %lld is not the bytes received so far",
				(long long)off);
	if (r == -EFBIG)
		return rpc_fail(c, RPC_ERR_PARAMS, "data past the announced size");
	if (r)
		return rpc_fail(c, RPC_ERR_PARAMS, "data: not RFC 4648 base64 with padding");
	jw_obj_begin(rpc_result(c));
	jw_key(rpc_result(c), "received");
	jw_uint(rpc_result(c), got);
	jw_obj_end(rpc_result(c));
	return 0;
}

static void put_sha(struct jw *w, const uint8_t *sha)
{
	char hex[2 * SHA256_LEN + 1];

	for (int i = 0; i < SHA256_LEN; i++)
		ksnprintf(hex + 2 * i, 3, "%02x", sha[i]);
	jw_str(w, hex);
}

struct find_ctx {
	const char *name;
	uint64_t size;
	uint8_t sha[SHA256_LEN];
};

static void find_img(void *ctx, const char *name, uint64_t size, uint64_t received,
		     bool committed, const uint8_t sha256[32])
{
	struct find_ctx *f = ctx;

	(void)received;
	if (committed && !strcmp(name, f->name)) {
		f->size = size;
		memcpy(f->sha, sha256, SHA256_LEN);
	}
}

static int m_image_commit(struct rpc_call *c)
{
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1] = "";
	struct find_ctx f = { name, 0, { 0 } };
	struct jw *w = rpc_result(c);
	int r;

	if (upload_id(c, id))
		return no_upload(c);
	r = img_commit(id, rpc_session_of(c), name);
	if (r == -ENOENT)
		return no_upload(c);
	if (r == -EAGAIN)
		return rpc_fail(c, RPC_ERR_CONFLICT, "bytes are missing: send every chunk first");
	if (r == -EBADMSG)
		return rpc_fail(c, RPC_ERR_PARAMS, "sha256 mismatch: the upload is discarded");
	img_walk(find_img, &f);
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "size");
	jw_uint(w, f.size);
	jw_key(w, "sha256");
	put_sha(w, f.sha);
	jw_obj_end(w);
	return 0;
}

static int m_image_abort(struct rpc_call *c)
{
	char id[IMG_ID_MAX];

	if (upload_id(c, id) || img_abort(id, rpc_session_of(c)))
		return no_upload(c);
	jw_bool(rpc_result(c), true);
	return 0;
}

/* The members image.list gives every entry (its object left open). */
static void put_img_head(struct jw *w, const char *name, const char *state, uint64_t size,
			 uint64_t received)
{
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "size");
	jw_uint(w, size);
	jw_key(w, "state");
	jw_str(w, state);
	jw_key(w, "received");
	jw_uint(w, received);
}

static void put_img(void *ctx, const char *name, uint64_t size, uint64_t received,
		    bool committed, const uint8_t sha256[32])
{
	struct jw *w = ctx;

	if (fetch_busy(name))
		return;		/* listed by put_fetch */
	put_img_head(w, name, committed ? "ready" : "uploading", size, received);
	jw_key(w, "sha256");
	put_sha(w, sha256);
	jw_obj_end(w);
}

static void put_fetch(void *ctx, const char *name, const char *state, uint64_t received,
		      uint64_t size, const char *error)
{
	struct jw *w = ctx;

	put_img_head(w, name, state, size, received);
	if (error && *error) {
		jw_key(w, "error");
		jw_str(w, error);
	}
	jw_obj_end(w);
}

static int m_image_list(struct rpc_call *c)
{
	jw_arr_begin(rpc_result(c));
	img_walk(put_img, rpc_result(c));
	fetch_walk(put_fetch, rpc_result(c));
	jw_arr_end(rpc_result(c));
	return 0;
}

static int m_image_rm(struct rpc_call *c)
{
	char name[IMG_NAME_MAX + 1];

	if (!clean_str(c, "name", name, sizeof(name)) || (img_remove(name) && fetch_forget(name)))
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no uploaded image (or fetch) named that");
	jw_bool(rpc_result(c), true);
	return 0;
}

/* ---------------------------------------------------------------- host */

static uint64_t reboot_at;	/* time_ms() to reboot at; 0: no */

/* Answers first: the reboot waits a second for the answer to go out. */
static int m_host_reboot(struct rpc_call *c)
{
	pr_warn("host: reboot requested by %s", rpc_identity(c));
	reboot_at = time_ms() + 1000;
	jw_bool(rpc_result(c), true);
	return 0;
}

static const struct rpc_param fw_set_params[] = {
	{ "name", RPC_P_STR, 0, 1, 31 },
	{ "label", RPC_P_STR, 0, 1, 31 },
	{ "ingress", RPC_P_ARR, 0, 0, 256 },
	{ "egress", RPC_P_ARR, 0, 0, 256 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param create_params[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, 31 },
	{ "image", RPC_P_STR, 0, 1, 63 },
	{ "kernel", RPC_P_STR, 0, 1, 63 },
	{ "cmdline", RPC_P_STR, 0, 0, 511 },
	{ "memory_mib", RPC_P_INT, 0, 2, VM_MAX_MEM_MIB },
	{ "vcpus", RPC_P_INT, 0, 1, VM_MAX_VCPUS },
	{ "network", RPC_P_STR, 0, 1, SW_NAME_MAX - 1 },
	{ "ipv4", RPC_P_STR, 0, 9, 18 },
	{ "gateway", RPC_P_STR, 0, 7, 15 },
	{ "labels", RPC_P_ARR, 0, 0, SW_PORT_LABELS },
	{ "ingress", RPC_P_ARR, 0, 0, 256 },
	{ "egress", RPC_P_ARR, 0, 0, 256 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param shutdown_params[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, 31 },
	{ "grace_ms", RPC_P_INT, 0, 0, 600000 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param console_params[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, 31 },
	{ "bytes", RPC_P_INT, 0, 1, sizeof(tail_buf) - 1 },
	{ "offset", RPC_P_INT, 0, 0, INT64_MAX },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param name_or_label_params[] = {
	{ "name", RPC_P_STR, 0, 1, 31 },
	{ "label", RPC_P_STR, 0, 1, 31 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param name_param[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, 31 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param img_begin_params[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, IMG_NAME_MAX },
	{ "size", RPC_P_INT, RPC_P_REQUIRED, 1, 1ll << 40 },
	{ "sha256", RPC_P_STR, RPC_P_REQUIRED, 64, 64 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param img_chunk_params[] = {
	{ "id", RPC_P_STR, RPC_P_REQUIRED, 1, IMG_ID_MAX - 1 },
	{ "offset", RPC_P_INT, RPC_P_REQUIRED, 0, 1ll << 40 },
	{ "data", RPC_P_STR, RPC_P_REQUIRED, 0, 65536 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param img_fetch_params[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, IMG_NAME_MAX },
	{ "url", RPC_P_STR, RPC_P_REQUIRED, 8, 511 },
	{ "sha256", RPC_P_STR, RPC_P_REQUIRED, 64, 64 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param img_id_params[] = {
	{ "id", RPC_P_STR, RPC_P_REQUIRED, 1, IMG_ID_MAX - 1 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param img_name_params[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, IMG_NAME_MAX },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_method vm_methods[] = {
	{ .name = "vm.list", .fn = m_vm_list },
	{ .name = "vm.stats", .fn = m_vm_stats, .params = name_param },
	{ .name = "vm.stop", .fn = m_vm_stop, .flags = RPC_MUTATING, .params = name_param },
	{ .name = "vm.create", .fn = m_vm_create, .flags = RPC_MUTATING, .params = create_params },
	{ .name = "vm.start", .fn = m_vm_start, .flags = RPC_MUTATING, .params = name_param },
	{ .name = "vm.shutdown", .fn = m_vm_shutdown, .flags = RPC_MUTATING, .params = shutdown_params },
	{ .name = "vm.destroy", .fn = m_vm_destroy, .flags = RPC_MUTATING, .params = name_param },
	{ .name = "vm.console", .fn = m_vm_console, .params = console_params },
	{ .name = "fw.get", .fn = m_fw_get, .params = name_or_label_params },
	{ .name = "fw.set", .fn = m_fw_set, .flags = RPC_MUTATING, .params = fw_set_params },
	{ .name = "switch.ports", .fn = m_switch_ports },
	{ .name = "image.begin", .fn = m_image_begin, .flags = RPC_MUTATING, .params = img_begin_params },
	{ .name = "image.chunk", .fn = m_image_chunk, .flags = RPC_MUTATING, .params = img_chunk_params },
	{ .name = "image.commit", .fn = m_image_commit, .flags = RPC_MUTATING, .params = img_id_params },
	{ .name = "image.abort", .fn = m_image_abort, .flags = RPC_MUTATING, .params = img_id_params },
	{ .name = "image.list", .fn = m_image_list },
	{ .name = "image.fetch", .fn = m_image_fetch, .flags = RPC_MUTATING, .params = img_fetch_params },
	{ .name = "image.rm", .fn = m_image_rm, .flags = RPC_MUTATING, .params = img_name_params },
	{ .name = "host.reboot", .fn = m_host_reboot, .flags = RPC_MUTATING },
};

static const struct rpc_table vm_table = { vm_methods, ARRAY_SIZE(vm_methods) };
static const struct rpc_table *const tables[] = { &rpc_core_table, &vm_table };
static const struct rpc_host_ops ops = { host_info, log_tail_op, now_ms, audit, host_info_more };
static const struct rpc_server server = { tables, ARRAY_SIZE(tables), &ops, NULL };

static int serial_write(void *io, const void *buf, size_t len)
{
	(void)io;
	uart_write(buf, len);
	return (int)len;
}

static const struct bootcfg *boot_cfg;	/* [I] */
static struct rpc_session *serial;	/* NULL: no serial console */

static void console_task(void *arg)
{
	(void)arg;
	for (;;) {
		char buf[64];
		size_t n = 0, used;
		int ch;

		while (serial && n < sizeof(buf) && (ch = uart_getc()) >= 0)
			buf[n++] = ch == '\r' ? '\n' : (char)ch;	/* Enter sends CR */
		if (n && rpc_session_feed(serial, buf, n, &used) == -ECONNRESET) {
			img_abort_owner(serial);
			rpc_session_destroy(serial);
			serial = NULL;
		}
		mgmt_poll();
		if (reboot_at && time_ms() >= reboot_at)
			system_reboot();
		/* Frames for the management port wake the task early. */
		sched_block(rdtsc() + tsc_hz() / (serial ? 100 : 20));
	}
}

int console_start(console_module_fn lookup, const struct bootcfg *cfg, bool with_serial)
{
	static const struct rpc_session_cfg scfg = {
		.identity = "serial-console", .role = RPC_ROLE_ADMIN,
		.write = serial_write,
	};
	struct task *task;
	int r;

	modules = lookup;
	boot_cfg = cfg;
	/* Uploaded images may take a quarter of the memory free now. */
	img_set_limit(page_free_count() * 4096 / 4);
	if (with_serial) {
		r = rpc_session_create(&server, &scfg, &serial);
		if (r)
			return r;
	}
	/* The management port and the TLS listener are made here, before
	 * the task exists and before any VM: lwIP belongs to the task from
	 * the moment it is created (net/netstack.h). */
	if (!mgmt_start(cfg))
		remote_start(cfg, &server);
	task = task_create("console", 0, console_task, NULL);
	if (!task) {
		if (serial)
			rpc_session_destroy(serial);
		serial = NULL;
		return -ENOMEM;
	}
	mgmt_set_owner(task);
	return 0;
}
