/*
 * The serial console service: a task that reads COM1 and feeds an RPC
 * session (kernel/rpc.c) with the admin role, answering on the same line.
 * Whoever holds the serial line holds the machine (ESXi's DCUI is the
 * same); over the network the same protocol needs a client certificate.
 * Also the methods the console serves beyond the core: vm.list, vm.stats,
 * vm.stop.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "drivers/uart16550.h"
#include "kernel/console.h"
#include "kernel/json.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/rpc.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "net/fw.h"
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
	(void)ctx;
	pr_info("audit: %s (%s) %s -> %s%s%s", a->identity,
		a->role == RPC_ROLE_ADMIN ? "admin" : "read-only", a->method,
		a->outcome ? "error" : "ok", a->message ? ": " : "",
		a->message ? a->message : "");
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

static struct vm_info scratch_vi;	/* the console task is the only caller */

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

static int m_vm_console(struct rpc_call *c)
{
	struct vm *vm = named_vm(c);
	int64_t bytes = 2048;

	if (!vm)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no VM named that");
	rpc_param_int(c, "bytes", &bytes);
	vm_console_tail(vm, tail_buf, (size_t)bytes + 1);
	jw_str(rpc_result(c), tail_buf);
	return 0;
}

/* vm.create from boot modules: a guest kernel and a container image
 * (an initramfs made by bastion-mkimage). */
static int m_vm_create(struct rpc_call *c)
{
	char name[VM_NAME_MAX], kernel[64], image[64], cmdline[512];
	struct vm_config cfg = { 0 };
	int64_t mem = 256, vcpus = 1;
	struct vm *vm;
	char err[120];
	int r;

	str_param(c, "name", name, sizeof(name));
	str_param(c, "kernel", kernel, sizeof(kernel));
	str_param(c, "image", image, sizeof(image));
	str_param(c, "cmdline", cmdline, sizeof(cmdline));
	rpc_param_int(c, "memory_mib", &mem);
	rpc_param_int(c, "vcpus", &vcpus);
	cfg.name = name;
	cfg.memory_mib = (uint32_t)mem;
	cfg.vcpus = (uint32_t)vcpus;
	cfg.cmdline = cmdline;
	cfg.image = modules ? modules(kernel[0] ? kernel : "vmlinuz", &cfg.image_len) : NULL;
	if (!cfg.image)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "no boot module named \"%s\"",
				kernel[0] ? kernel : "vmlinuz");
	if (image[0]) {
		cfg.initrd = modules(image, &cfg.initrd_len);
		if (!cfg.initrd)
			return rpc_fail(c, RPC_ERR_NOT_FOUND, "no boot module named \"%s\"", image);
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

/* fw.get: a VM port's policy, both directions, rules with hit counts. */
static int m_fw_get(struct rpc_call *c)
{
	char name[VM_NAME_MAX];
	struct jw *w = rpc_result(c);
	static const char *const dirs[] = { "ingress", "egress" };

	str_param(c, "name", name, sizeof(name));
	jw_obj_begin(w);
	for (int d = 0; d < 2; d++) {
		struct jw_mark m;
		int64_t dflt;

		m = jw_mark(w);
		jw_key(w, dirs[d]);
		jw_arr_begin(w);
		dflt = vnet_policy_walk(name, d == 1, put_rule, w);
		if (dflt < 0) {
			jw_rollback(w, m);
			return rpc_fail(c, RPC_ERR_NOT_FOUND, "no switch port named that");
		}
		jw_arr_end(w);
		jw_key(w, d ? "egress_default_deny_hits" : "ingress_default_deny_hits");
		jw_uint(w, (uint64_t)dflt);
	}
	jw_obj_end(w);
	return 0;
}

static struct fw_rule set_rules[2][256];	/* the console task is the only caller */

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

/* fw.set: replaces one or both directions of a VM port's policy. Every
 * rule is checked before anything changes; connections the new policy no
 * longer allows are cut (net/switch.h). */
static int m_fw_set(struct rpc_call *c)
{
	char name[VM_NAME_MAX];
	size_t n[2];
	int r[2];

	str_param(c, "name", name, sizeof(name));
	r[0] = rules_param(c, "ingress", set_rules[0], &n[0]);
	if (r[0] < 0)
		return r[0];
	r[1] = rules_param(c, "egress", set_rules[1], &n[1]);
	if (r[1] < 0)
		return r[1];
	if (r[0] && r[1])
		return rpc_fail(c, RPC_ERR_PARAMS, "give ingress, egress or both (lists of rules)");
	{
		int e = vnet_policy_replace(name, r[0] ? NULL : set_rules[0], n[0],
					    r[1] ? NULL : set_rules[1], n[1]);

		if (e == -ENOENT)
			return rpc_fail(c, RPC_ERR_NOT_FOUND, "no switch port named that");
		if (e)
			return rpc_fail(c, e == -ENOMEM || e == -ENOSPC ? RPC_ERR_LIMIT : RPC_ERR_PARAMS,
					"policy not replaced (%d): nothing changed", e);
	}
	jw_bool(rpc_result(c), true);
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

static const struct rpc_param fw_set_params[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, 31 },
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
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_param name_param[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, 31 },
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
	{ .name = "fw.get", .fn = m_fw_get, .params = name_param },
	{ .name = "fw.set", .fn = m_fw_set, .flags = RPC_MUTATING, .params = fw_set_params },
	{ .name = "switch.ports", .fn = m_switch_ports },
};

static const struct rpc_table vm_table = { vm_methods, ARRAY_SIZE(vm_methods) };
static const struct rpc_table *const tables[] = { &rpc_core_table, &vm_table };
static const struct rpc_host_ops ops = { host_info, log_tail_op, now_ms, audit };
static const struct rpc_server server = { tables, ARRAY_SIZE(tables), &ops, NULL };

static int serial_write(void *io, const void *buf, size_t len)
{
	(void)io;
	uart_write(buf, len);
	return (int)len;
}

static void console_task(void *arg)
{
	struct rpc_session *s = arg;

	for (;;) {
		char buf[64];
		size_t n = 0, used;
		int ch;

		while (n < sizeof(buf) && (ch = uart_getc()) >= 0)
			buf[n++] = ch == '\r' ? '\n' : (char)ch;	/* Enter sends CR */
		if (n && rpc_session_feed(s, buf, n, &used) == -ECONNRESET)
			break;
		sched_block(rdtsc() + tsc_hz() / 100);		/* poll at 100 Hz */
	}
	rpc_session_destroy(s);
}

int console_start(console_module_fn lookup)
{
	static const struct rpc_session_cfg cfg = {
		.identity = "serial-console", .role = RPC_ROLE_ADMIN,
		.write = serial_write,
	};
	struct rpc_session *s;
	int r;

	modules = lookup;
	r = rpc_session_create(&server, &cfg, &s);

	if (r)
		return r;
	if (!task_create("console", 0, console_task, s)) {
		rpc_session_destroy(s);
		return -ENOMEM;
	}
	return 0;
}
