/* Boot configuration parser (schema: boot/config/README.md).
 *
 * The config is operator input, but it arrives through the boot loader
 * from wherever the operator's PXE server or USB stick got it, so it is
 * treated like any other untrusted blob: libfdt checks the whole structure
 * before anything reads it, every property is type- and range-checked,
 * unknown or repeated names are errors (a typo must not silently become a
 * default), and nothing reaches the caller unless all of it is valid.
 *
 * This file checks the blob and walks the tree: it is the only one that
 * includes libfdt. The value checks are in bootcfg_check.c, the firewall
 * rules in bootcfg_policy.c, the console output in bootcfg_print.c. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libfdt.h>

#include "kernel/bootcfg.h"
#include "kernel/bootcfg_priv.h"
#include "kernel/log.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The parse temporary: too large for a kernel stack. bootcfg_parse() runs
 * once at boot, so one static copy is enough (and not reentrant). */
static struct bootcfg scratch;

const char *const log_level_names[LOG_LEVELS] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO]  = "info",
	[LOG_WARN]  = "warn",
	[LOG_ERR]   = "err",
};

/* ------------------------------------------------------------ values */

/* The value checks that need no libfdt are in bootcfg_check.c. */

static int get_u32(struct pctx *p, const char *prop, const void *v, int len,
		   uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t x;

	if (len != 4)
		return fail(p, -EINVAL,
			    "%s must be one 32-bit cell <n>, got %d bytes",
			    prop, len);
	x = fdt32_ld(v);
	if (x < min || x > max)
		return fail(p, -EINVAL, "%s must be %u..%u, got %u", prop,
			    min, max, x);
	*out = x;
	return 0;
}

/* ------------------------------------------------------------ walking */

typedef int (*prop_fn)(struct pctx *p, void *obj, unsigned idx,
		       const char *name, const void *v, int len);

/* Devicetree bookkeeping dtc may add; carries no configuration. */
static bool ignored_prop(const char *name)
{
	return !strcmp(name, "phandle") || !strcmp(name, "linux,phandle");
}

/* Calls fn (if any) for every property of node; names outside names[] and
 * repeated names are errors. *seen gets one bit per names[] entry present. */
static int walk_props(struct pctx *p, int node, const char *const *names,
		      unsigned nnames, prop_fn fn, void *obj, uint32_t *seen)
{
	char nb[SHOWN_MAX];
	const char *name;
	const void *v;
	unsigned i;
	int po, len, rc;

	*seen = 0;
	fdt_for_each_property_offset(po, p->fdt, node) {
		name = NULL;
		v = fdt_getprop_by_offset(p->fdt, po, &name, &len);
		if (!v || !name)
			return fail(p, -EBADMSG, "unreadable property (%s)",
				    fdt_strerror(len));
		if (ignored_prop(name))
			continue;
		for (i = 0; i < nnames && strcmp(name, names[i]); i++)
			;
		if (i == nnames)
			return fail(p, -EINVAL, "unknown property \"%s\"",
				    SHOW(nb, name, SHOWN_MAX));
		if (*seen & (1u << i))
			return fail(p, -EINVAL, "property \"%s\" given twice",
				    name);
		*seen |= 1u << i;
		rc = fn ? fn(p, obj, i, name, v, len) : 0;
		if (rc)
			return rc;
	}
	if (po != -FDT_ERR_NOTFOUND)
		return fail(p, -EBADMSG, "bad property list (%s)",
			    fdt_strerror(po));
	return 0;
}

static int node_name(struct pctx *p, int node, const char **out)
{
	int len;

	*out = fdt_get_name(p->fdt, node, &len);
	if (!*out)
		return fail(p, -EBADMSG, "unreadable node name (%s)",
			    fdt_strerror(len));
	return 0;
}

/* Leaf nodes of the schema have no subnodes. */
static int no_subnodes(struct pctx *p, int node)
{
	char nb[SHOWN_MAX];
	const char *name;
	int sub, rc;

	sub = fdt_first_subnode(p->fdt, node);
	if (sub == -FDT_ERR_NOTFOUND)
		return 0;
	if (sub < 0)
		return fail(p, -EBADMSG, "bad subnode (%s)", fdt_strerror(sub));
	rc = node_name(p, sub, &name);
	if (rc)
		return rc;
	return fail(p, -EINVAL, "unknown node \"%s\"",
		    SHOW(nb, name, SHOWN_MAX));
}

typedef int (*item_fn)(struct pctx *p, int node, const char *name,
		       uint32_t idx);

/* A list node (networks, vms): no properties, at most max subnodes, each
 * with a valid name of its own, parsed by item() into slot *count. */
static int walk_list(struct pctx *p, int list, const char *path,
		     const char *what, uint32_t max, uint32_t *count,
		     item_fn item)
{
	const char *name;
	uint32_t seen;
	int node, rc;

	set_path(p, NULL, path);
	rc = walk_props(p, list, NULL, 0, NULL, NULL, &seen);
	if (rc)
		return rc;
	*count = 0;
	fdt_for_each_subnode(node, p->fdt, list) {
		set_path(p, NULL, path);
		rc = node_name(p, node, &name);
		if (rc)
			return rc;
		if (*count == max)
			return fail(p, -E2BIG, "more than %u %ss", max, what);
		if (!valid_name(name))
			return bad_name(p, what, name, SHOWN_MAX);
		set_path(p, path, name);
		/* Exact match: valid names have no '@unit' part. */
		if (fdt_subnode_offset(p->fdt, list, name) != node)
			return fail(p, -EINVAL, "%s defined twice", what);
		rc = item(p, node, name, *count);
		if (rc)
			return rc;
		(*count)++;
	}
	if (node != -FDT_ERR_NOTFOUND) {
		set_path(p, NULL, path);
		return fail(p, -EBADMSG, "bad subnode (%s)",
			    fdt_strerror(node));
	}
	return 0;
}

/* ------------------------------------------------------------ host */

enum { HOST_HOSTNAME, HOST_LOG_LEVEL, HOST_NPROPS };
static const char *const host_props[HOST_NPROPS] = {
	[HOST_HOSTNAME]  = "hostname",
	[HOST_LOG_LEVEL] = "log-level",
};

static int host_prop(struct pctx *p, void *obj, unsigned idx,
		     const char *name, const void *v, int len)
{
	struct bootcfg *c = obj;
	char nb[SHOWN_MAX];
	const char *s;
	int i, rc;

	switch (idx) {
	case HOST_HOSTNAME:
		return get_name(p, name, v, len, c->hostname);
	case HOST_LOG_LEVEL:
		rc = get_str(p, name, v, len, 15, &s);
		if (rc)
			return rc;
		for (i = 0; i < LOG_LEVELS; i++) {
			if (!strcmp(s, log_level_names[i])) {
				c->log_level = (enum log_level)i;
				return 0;
			}
		}
		return fail(p, -EINVAL, "%s \"%s\" must be one of debug, "
			    "info, warn, err", name, SHOW(nb, s, 15));
	}
	return -EINVAL;
}

static int parse_host(struct pctx *p, int node)
{
	uint32_t seen;
	int rc;

	if (node < 0)
		return 0;
	set_path(p, NULL, "host");
	rc = walk_props(p, node, host_props, HOST_NPROPS, host_prop, p->c,
			&seen);
	return rc ? rc : no_subnodes(p, node);
}

/* ------------------------------------------------------------ management */

enum {
	MG_NETWORK, MG_DHCP, MG_ADDRESS, MG_GATEWAY, MG_PORT, MG_MAC,
	MG_CA, MG_CERT, MG_KEY, MG_NPROPS
};
static const char *const mgmt_props[MG_NPROPS] = {
	[MG_NETWORK] = "network",
	[MG_DHCP]    = "dhcp",
	[MG_ADDRESS] = "address",
	[MG_GATEWAY] = "gateway",
	[MG_PORT]    = "port",
	[MG_MAC]     = "mac",
	[MG_CA]      = "operator-ca",
	[MG_CERT]    = "host-cert",
	[MG_KEY]     = "host-key",
};

static int mgmt_prop(struct pctx *p, void *obj, unsigned idx,
		     const char *name, const void *v, int len)
{
	struct bootcfg_mgmt *m = obj;
	struct bootcfg_ipv4 gw = { 0, 0 };
	uint32_t port = 0;
	int rc;

	switch (idx) {
	case MG_NETWORK:
		return get_netref(p, name, v, len, &m->network);
	case MG_DHCP:
		return get_flag(p, name, len, &m->dhcp);
	case MG_ADDRESS:
		return get_addr(p, name, v, len, true, &m->address);
	case MG_GATEWAY:
		rc = get_addr(p, name, v, len, false, &gw);
		m->gateway = gw.addr;
		return rc;
	case MG_PORT:
		rc = get_u32(p, name, v, len, 1, 65535, &port);
		if (!rc)
			m->port = (uint16_t)port;
		return rc;
	case MG_MAC:
		m->has_mac = true;
		return get_mac(p, name, v, len, m->mac);
	case MG_CA:
		return get_pem(p, name, v, len, "-----BEGIN CERTIFICATE-----",
			       "-----END CERTIFICATE-----", &m->operator_ca,
			       &m->operator_ca_len);
	case MG_CERT:
		return get_pem(p, name, v, len, "-----BEGIN CERTIFICATE-----",
			       "-----END CERTIFICATE-----", &m->host_cert,
			       &m->host_cert_len);
	case MG_KEY:
		return get_pem(p, name, v, len, "-----BEGIN ",
			       "PRIVATE KEY-----", &m->host_key,
			       &m->host_key_len);
	}
	return -EINVAL;
}

static int parse_mgmt(struct pctx *p, int node)
{
	struct bootcfg_mgmt *m = &p->c->mgmt;
	bool dhcp_flag;
	uint32_t seen;
	int rc;

	set_path(p, NULL, "management");
	m->network = find_net(p->c, BOOTCFG_DEF_NETWORK);
	if (node < 0)
		goto out;
	m->dhcp = false;
	rc = walk_props(p, node, mgmt_props, MG_NPROPS, mgmt_prop, m, &seen);
	if (rc)
		return rc;
	dhcp_flag = m->dhcp;
	if (dhcp_flag && (seen & (1u << MG_ADDRESS)))
		return fail(p, -EINVAL, "dhcp and address exclude each other");
	m->dhcp = !(seen & (1u << MG_ADDRESS));
	if (seen & (1u << MG_GATEWAY)) {
		if (m->dhcp)
			return fail(p, -EINVAL,
				    "gateway needs a static address");
		rc = check_gateway(p, m->gateway, &m->address);
		if (rc)
			return rc;
	}
	if (!(seen & (1u << MG_CERT)) != !(seen & (1u << MG_KEY)))
		return fail(p, -EINVAL, "host-cert and host-key go together");
	rc = no_subnodes(p, node);
	if (rc)
		return rc;
out:
	if (m->network < 0)
		return fail(p, -EINVAL, "network \"%s\" is not defined in "
			    "networks", BOOTCFG_DEF_NETWORK);
	return 0;
}

/* ------------------------------------------------------------ networks */

enum { NET_VLAN, NET_UPLINK, NET_NPROPS };
static const char *const net_props[NET_NPROPS] = {
	[NET_VLAN]   = "vlan",
	[NET_UPLINK] = "uplink",
};

static int net_prop(struct pctx *p, void *obj, unsigned idx,
		    const char *name, const void *v, int len)
{
	struct bootcfg_net *n = obj;
	uint32_t vlan = 0;
	int rc;

	switch (idx) {
	case NET_VLAN:
		rc = get_u32(p, name, v, len, 0, 4094, &vlan);
		if (!rc)
			n->vlan = (uint16_t)vlan;
		return rc;
	case NET_UPLINK:
		return get_flag(p, name, len, &n->uplink);
	}
	return -EINVAL;
}

static int parse_net(struct pctx *p, int node, const char *name,
		     uint32_t idx)
{
	struct bootcfg_net *n = &p->c->nets[idx];
	uint32_t seen, i;
	int rc;

	memset(n, 0, sizeof(*n));
	scopy(n->name, name, sizeof(n->name));
	rc = walk_props(p, node, net_props, NET_NPROPS, net_prop, n, &seen);
	if (rc)
		return rc;
	/* Two networks on the same wire would merge. */
	for (i = 0; n->uplink && i < idx; i++)
		if (p->c->nets[i].uplink && p->c->nets[i].vlan == n->vlan)
			return fail(p, -EINVAL, "vlan %u is also the uplink "
				    "vlan of networks/%s", n->vlan,
				    p->c->nets[i].name);
	return no_subnodes(p, node);
}

/* Absent: the default network stays. */
static int parse_networks(struct pctx *p, int node)
{
	if (node < 0)
		return 0;
	return walk_list(p, node, "networks", "network", BOOTCFG_MAX_NETWORKS,
			 &p->c->nnets, parse_net);
}

/* ------------------------------------------------------------ vms */

enum {
	VM_KERNEL, VM_INITRD, VM_CMDLINE, VM_MEMORY, VM_VCPUS, VM_NETWORK,
	VM_MAC, VM_IPV4, VM_GATEWAY, VM_LABELS, VM_NPROPS
};
static const char *const vm_props[VM_NPROPS] = {
	[VM_KERNEL]  = "kernel",
	[VM_INITRD]  = "initrd",
	[VM_CMDLINE] = "cmdline",
	[VM_MEMORY]  = "memory-mib",
	[VM_VCPUS]   = "vcpus",
	[VM_NETWORK] = "network",
	[VM_MAC]     = "mac",
	[VM_IPV4]    = "ipv4",
	[VM_GATEWAY] = "gateway",
	[VM_LABELS]  = "labels",
};

static int get_labels(struct pctx *p, const char *prop, const void *v,
		      int len, struct bootcfg_vm *vm)
{
	const char *s = v, *end = s + len;
	size_t n;
	uint32_t i;

	if (len < 1 || s[len - 1] != '\0')
		return fail(p, -EINVAL, "%s must be a list of strings", prop);
	vm->nlabels = 0;
	for (; s < end; s += n + 1) {
		n = strnlen(s, (size_t)(end - s));
		if (!valid_name(s))
			return bad_name(p, "label", s, n);
		if (vm->nlabels == BOOTCFG_MAX_LABELS)
			return fail(p, -E2BIG, "more than %u labels",
				    BOOTCFG_MAX_LABELS);
		for (i = 0; i < vm->nlabels; i++)
			if (!strcmp(vm->labels[i], s))
				return fail(p, -EINVAL,
					    "label \"%s\" given twice", s);
		scopy(vm->labels[vm->nlabels++], s, BOOTCFG_NAME_MAX);
	}
	return 0;
}

static int vm_prop(struct pctx *p, void *obj, unsigned idx,
		   const char *name, const void *v, int len)
{
	struct bootcfg_vm *vm = obj;
	struct bootcfg_ipv4 gw = { 0, 0 };
	int rc;

	switch (idx) {
	case VM_KERNEL:
		return get_modname(p, name, v, len, vm->kernel);
	case VM_INITRD:
		return get_modname(p, name, v, len, vm->initrd);
	case VM_CMDLINE:
		return get_text(p, name, v, len, BOOTCFG_CMDLINE_MAX, false,
				&vm->cmdline);
	case VM_MEMORY:
		return get_u32(p, name, v, len, 1, BOOTCFG_MAX_MEM_MIB,
			       &vm->memory_mib);
	case VM_VCPUS:
		return get_u32(p, name, v, len, 1, BOOTCFG_MAX_VCPUS,
			       &vm->vcpus);
	case VM_NETWORK:
		return get_netref(p, name, v, len, &vm->network);
	case VM_MAC:
		vm->has_mac = true;
		return get_mac(p, name, v, len, vm->mac);
	case VM_IPV4:
		vm->has_ipv4 = true;
		return get_addr(p, name, v, len, true, &vm->ipv4);
	case VM_GATEWAY:
		rc = get_addr(p, name, v, len, false, &gw);
		vm->gateway = gw.addr;
		return rc;
	case VM_LABELS:
		return get_labels(p, name, v, len, vm);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ policy */

enum { POL_INGRESS, POL_EGRESS, POL_NPROPS };
static const char *const policy_props[POL_NPROPS] = {
	[POL_INGRESS] = "ingress",
	[POL_EGRESS]  = "egress",
};

static int policy_prop(struct pctx *p, void *obj, unsigned idx,
		       const char *name, const void *v, int len)
{
	struct bootcfg_vm *vm = obj;

	switch (idx) {
	case POL_INGRESS:
		return get_rules(p, name, v, len, &vm->ingress);
	case POL_EGRESS:
		return get_rules(p, name, v, len, &vm->egress);
	}
	return -EINVAL;
}

/* vms/<name>/policy: two optional rule lists (bootcfg_policy.c checks
 * every rule), nothing else. */
static int parse_policy(struct pctx *p, int node, struct bootcfg_vm *vm)
{
	uint32_t seen;
	int rc;

	set_path(p, "vms", vm->name);
	add_path(p, "policy");
	rc = walk_props(p, node, policy_props, POL_NPROPS, policy_prop, vm,
			&seen);
	return rc ? rc : no_subnodes(p, node);
}

/* The only subnode of a VM is its firewall policy: its offset is kept,
 * its rules checked. */
static int vm_subnodes(struct pctx *p, int node, struct bootcfg_vm *vm)
{
	char nb[SHOWN_MAX];
	const char *name;
	int sub, rc;

	fdt_for_each_subnode(sub, p->fdt, node) {
		rc = node_name(p, sub, &name);
		if (rc)
			return rc;
		if (strcmp(name, "policy"))
			return fail(p, -EINVAL, "unknown node \"%s\"",
				    SHOW(nb, name, SHOWN_MAX));
		if (vm->policy >= 0)
			return fail(p, -EINVAL, "policy given twice");
		vm->policy = sub;
	}
	if (sub != -FDT_ERR_NOTFOUND)
		return fail(p, -EBADMSG, "bad subnode (%s)", fdt_strerror(sub));
	return vm->policy >= 0 ? parse_policy(p, vm->policy, vm) : 0;
}

static int parse_vm(struct pctx *p, int node, const char *name,
		    uint32_t idx)
{
	struct bootcfg_vm *vm = &p->c->vms[idx];
	uint32_t seen;
	int rc;

	memset(vm, 0, sizeof(*vm));
	scopy(vm->name, name, sizeof(vm->name));
	vm->cmdline = "";
	vm->memory_mib = BOOTCFG_DEF_MEM_MIB;
	vm->vcpus = BOOTCFG_DEF_VCPUS;
	vm->network = -1;
	vm->policy = -1;
	rc = walk_props(p, node, vm_props, VM_NPROPS, vm_prop, vm, &seen);
	if (rc)
		return rc;
	if (!(seen & (1u << VM_KERNEL)))
		return fail(p, -EINVAL, "missing kernel (a boot module name)");
	if (vm->network < 0 && (seen & (1u << VM_MAC | 1u << VM_IPV4)))
		return fail(p, -EINVAL, "%s needs a network",
			    (seen & (1u << VM_MAC)) ? "mac" : "ipv4");
	if (seen & (1u << VM_GATEWAY)) {
		if (!vm->has_ipv4)
			return fail(p, -EINVAL, "gateway needs ipv4");
		rc = check_gateway(p, vm->gateway, &vm->ipv4);
		if (rc)
			return rc;
	}
	return vm_subnodes(p, node, vm);
}

static int parse_vms(struct pctx *p, int node)
{
	if (node < 0)
		return 0;
	return walk_list(p, node, "vms", "VM", BOOTCFG_MAX_VMS, &p->c->nvms,
			 parse_vm);
}

/* ------------------------------------------------------------ whole tree */

static int check_compatible(struct pctx *p, int root)
{
	const char *s, *end;
	int len;

	s = fdt_getprop(p->fdt, root, "compatible", &len);
	if (!s)
		return fail(p, -EINVAL, "missing compatible = \"%s\"",
			    BOOTCFG_COMPATIBLE);
	if (len < 1 || s[len - 1] != '\0')
		return fail(p, -EINVAL, "compatible must be a list of strings");
	for (end = s + len; s < end; s += strlen(s) + 1)
		if (!strcmp(s, BOOTCFG_COMPATIBLE))
			return 0;
	return fail(p, -EINVAL, "compatible does not list \"%s\"",
		    BOOTCFG_COMPATIBLE);
}

static const char *const root_props[] = { "compatible" };

/* The sections of the root node, in the order they are parsed: networks
 * first, the others refer to them by name. Each takes -1 when absent. */
static const struct {
	const char *name;
	int (*parse)(struct pctx *p, int node);
} sections[] = {
	{ "networks",   parse_networks },
	{ "host",       parse_host },
	{ "management", parse_mgmt },
	{ "vms",        parse_vms },
};

static int parse_tree(struct pctx *p)
{
	int nodes[NELEM(sections)], node, rc;
	char nb[SHOWN_MAX];
	const char *name;
	uint32_t seen;
	unsigned i;

	/* fdt_check_full() accepts a structure block of nothing but FDT_END;
	 * dtc always puts the root node first, at offset 0. */
	set_path(p, NULL, "/");
	if (!fdt_get_name(p->fdt, 0, NULL))
		return fail(p, -EBADMSG, "no root node");
	rc = check_compatible(p, 0);
	if (rc)
		return rc;
	rc = walk_props(p, 0, root_props, NELEM(root_props), NULL, NULL,
			&seen);
	if (rc)
		return rc;

	for (i = 0; i < NELEM(sections); i++)
		nodes[i] = -1;
	fdt_for_each_subnode(node, p->fdt, 0) {
		rc = node_name(p, node, &name);
		if (rc)
			return rc;
		for (i = 0; i < NELEM(sections) &&
			    strcmp(name, sections[i].name); i++)
			;
		if (i == NELEM(sections))
			return fail(p, -EINVAL, "unknown node \"%s\"",
				    SHOW(nb, name, SHOWN_MAX));
		if (nodes[i] >= 0)
			return fail(p, -EINVAL, "node \"%s\" given twice",
				    name);
		nodes[i] = node;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return fail(p, -EBADMSG, "bad subnode (%s)",
			    fdt_strerror(node));

	for (i = 0; i < NELEM(sections); i++) {
		rc = sections[i].parse(p, nodes[i]);
		if (rc)
			return rc;
	}
	return check_unique(p);
}

/* ------------------------------------------------------------ blob */

static int check_blob(struct pctx *p, const void *blob, size_t len)
{
	int rc;

	set_path(p, NULL, "blob");
	if (!blob)
		return fail(p, -EINVAL, "none given");
	if ((uintptr_t)blob & 7)
		return fail(p, -EINVAL, "not 8-byte aligned");
	if (len < sizeof(struct fdt_header))
		return fail(p, -EBADMSG, "%zu bytes is too short for a "
			    "devicetree", len);
	rc = fdt_check_header(blob);
	if (rc == -FDT_ERR_BADMAGIC)
		return fail(p, -EBADMSG, "not a devicetree blob (bad magic)");
	if (rc)
		return fail(p, -EBADMSG, "bad devicetree header (%s)",
			    fdt_strerror(rc));
	/* Version 17 is what dtc writes, and the only one whose header
	 * bounds the structure block. */
	if (fdt_version(blob) < 17)
		return fail(p, -EBADMSG, "devicetree version %u, need 17",
			    fdt_version(blob));
	/* Devicetree spec 5.1: the reservation map is 8-byte aligned, the
	 * structure block 4-byte; libfdt reads both in place. */
	if ((fdt_off_mem_rsvmap(blob) & 7) || (fdt_off_dt_struct(blob) & 3))
		return fail(p, -EBADMSG, "misaligned devicetree blocks");
	if (fdt_totalsize(blob) > len)
		return fail(p, -EBADMSG, "header says %u bytes, only %zu given",
			    fdt_totalsize(blob), len);
	if (fdt_totalsize(blob) > BOOTCFG_BLOB_MAX)
		return fail(p, -E2BIG, "%u bytes, more than %u",
			    fdt_totalsize(blob), BOOTCFG_BLOB_MAX);
	rc = fdt_check_full(blob, fdt_totalsize(blob));
	if (rc)
		return fail(p, -EBADMSG, "malformed devicetree (%s)",
			    fdt_strerror(rc));
	return 0;
}

void bootcfg_defaults(struct bootcfg *c)
{
	memset(c, 0, sizeof(*c));
	scopy(c->hostname, BOOTCFG_DEF_HOSTNAME, sizeof(c->hostname));
	c->log_level = LOG_INFO;
	c->nnets = 1;
	scopy(c->nets[0].name, BOOTCFG_DEF_NETWORK, sizeof(c->nets[0].name));
	c->nets[0].vlan = 0;
	c->nets[0].uplink = true;
	c->mgmt.network = 0;
	c->mgmt.dhcp = true;
	c->mgmt.port = BOOTCFG_DEF_RPC_PORT;
}

int bootcfg_parse(const void *blob, size_t len, struct bootcfg *out,
		  char *err, size_t errlen)
{
	struct pctx p = { .fdt = blob, .c = &scratch, .err = err,
			  .errlen = errlen };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -EINVAL;
	rc = check_blob(&p, blob, len);
	if (rc)
		return rc;
	bootcfg_defaults(&scratch);
	scratch.blob = blob;
	scratch.blob_len = fdt_totalsize(blob);
	rc = parse_tree(&p);
	if (rc)
		return rc;
	memcpy(out, &scratch, sizeof(*out));
	return 0;
}
