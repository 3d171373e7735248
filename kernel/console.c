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

static const struct rpc_param name_param[] = {
	{ "name", RPC_P_STR, RPC_P_REQUIRED, 1, 31 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct rpc_method vm_methods[] = {
	{ .name = "vm.list", .fn = m_vm_list },
	{ .name = "vm.stats", .fn = m_vm_stats, .params = name_param },
	{ .name = "vm.stop", .fn = m_vm_stop, .flags = RPC_MUTATING, .params = name_param },
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

int console_start(void)
{
	static const struct rpc_session_cfg cfg = {
		.identity = "serial-console", .role = RPC_ROLE_ADMIN,
		.write = serial_write,
	};
	struct rpc_session *s;
	int r = rpc_session_create(&server, &cfg, &s);

	if (r)
		return r;
	if (!task_create("console", 0, console_task, s)) {
		rpc_session_destroy(s);
		return -ENOMEM;
	}
	return 0;
}
