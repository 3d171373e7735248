/* Boot configuration on the console (see bootcfg.h): bootcfg_print()'s
 * summary lines, and bootcfg_load(), the boot-time parse with its
 * fallback to the defaults. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/bootcfg.h"
#include "kernel/bootcfg_priv.h"
#include "kernel/fmt.h"
#include "kernel/log.h"

struct line {
	char   buf[256];       /* a log record holds 255 characters */
	size_t pos;
};

static void add(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->pos >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = kvsnprintf(l->buf + l->pos, sizeof(l->buf) - l->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->pos += (size_t)n;
	if (l->pos > sizeof(l->buf) - 1)
		l->pos = sizeof(l->buf) - 1;
}

static void add_ifa(struct line *l, const struct bootcfg_ipv4 *a,
		    uint32_t gw)
{
	char ab[16];

	fmt_ipv4(ab, sizeof(ab), a->addr);
	add(l, " %s/%u", ab, a->prefix);
	if (gw) {
		fmt_ipv4(ab, sizeof(ab), gw);
		add(l, " gw %s", ab);
	}
}

void bootcfg_print(const struct bootcfg *c)
{
	const struct bootcfg_mgmt *m = &c->mgmt;
	const struct bootcfg_vm *vm;
	const struct bootcfg_net *n;
	char mb[24];
	struct line l;
	uint32_t i, j;

	l.pos = 0;
	add(&l, "config: host %s, log %s, mgmt", c->hostname,
	    log_level_names[c->log_level]);
	if (m->dhcp)
		add(&l, " dhcp");
	else
		add_ifa(&l, &m->address, m->gateway);
	add(&l, " port %u on %s, %u network%s, %u VM%s", m->port,
	    c->nets[m->network].name, c->nnets, c->nnets == 1 ? "" : "s",
	    c->nvms, c->nvms == 1 ? "" : "s");
	pr_info("%s", l.buf);
	if (!m->operator_ca)
		pr_warn("config: no operator-ca: remote management is off");

	for (i = 0; i < c->nnets; i++) {
		n = &c->nets[i];
		pr_info("config: network %s: vlan %u, %s", n->name, n->vlan,
			n->uplink ? "uplink" : "internal");
	}
	for (i = 0; i < c->nvms; i++) {
		vm = &c->vms[i];
		l.pos = 0;
		add(&l, "config: vm %s: %u MiB, %u vCPU%s, %s", vm->name,
		    vm->memory_mib, vm->vcpus, vm->vcpus == 1 ? "" : "s",
		    vm->kernel);
		if (vm->initrd[0])
			add(&l, " + %s", vm->initrd);
		if (vm->network >= 0) {
			add(&l, ", net %s", c->nets[vm->network].name);
			if (vm->has_mac) {
				fmt_mac(mb, sizeof(mb), vm->mac);
				add(&l, " %s", mb);
			}
			if (vm->has_ipv4)
				add_ifa(&l, &vm->ipv4, vm->gateway);
		}
		for (j = 0; j < vm->nlabels; j++)
			add(&l, "%s%s", j ? "," : ", labels ", vm->labels[j]);
		if (vm->policy >= 0)
			add(&l, ", policy %u in / %u out", vm->ingress.n,
			    vm->egress.n);
		else
			add(&l, ", no policy (deny all)");
		pr_info("%s", l.buf);
	}
}

int bootcfg_load(const void *blob, size_t len, struct bootcfg *out)
{
	char err[224];		/* "config: %s; using defaults" fits a record */
	int rc;

	if (!blob) {
		pr_warn("config: no boot config module; using defaults");
		bootcfg_defaults(out);
		rc = -ENOENT;
	} else {
		rc = bootcfg_parse(blob, len, out, err, sizeof(err));
		if (rc) {
			pr_err("config: %s; using defaults", err);
			bootcfg_defaults(out);
		}
	}
	bootcfg_print(out);
	return rc;
}
