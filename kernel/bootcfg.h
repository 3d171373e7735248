/* Boot configuration: a flattened devicetree (compiled from a .dts with dtc,
 * handed over as the boot module named "bootcfg") parsed into plain data.
 * The schema is documented in boot/config/README.md.
 *
 * Ownership: one struct bootcfg is filled at boot, before any other CPU or
 * task starts, and is read-only afterwards ([I] for every field).
 *
 * Everything is copied out of the blob except the variable-size payloads
 * marked "in blob": those point into the devicetree blob, which the caller
 * must keep mapped and unchanged for as long as the struct is used (the
 * kernel keeps its boot modules). They are NUL-terminated within the blob:
 * ptr[len] == '\0', so mbedtls_x509_crt_parse(ptr, len + 1) takes a PEM
 * as it is. */
#ifndef KERNEL_BOOTCFG_H
#define KERNEL_BOOTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/log.h"

struct fw_rule;

#define BOOTCFG_COMPATIBLE    "bastion,config-v1"
#define BOOTCFG_MODULE_NAME   "bootcfg"     /* the boot module to look for */

#define BOOTCFG_NAME_MAX      32    /* names: 1..31 of [a-z0-9-], + NUL */
#define BOOTCFG_MODNAME_MAX   64    /* boot module names: 1..63 chars, + NUL */
#define BOOTCFG_MAX_NETWORKS  32
#define BOOTCFG_MAX_VMS       64
#define BOOTCFG_MAX_LABELS    8     /* per VM */
#define BOOTCFG_MAX_RULES     256   /* per VM and direction */
#define BOOTCFG_RULE_MAX      255   /* characters in one rule */
#define BOOTCFG_MAX_VCPUS     64
#define BOOTCFG_MAX_MEM_MIB   65536
#define BOOTCFG_CMDLINE_MAX   2047  /* Linux x86 COMMAND_LINE_SIZE - 1 */
#define BOOTCFG_PEM_MAX       65536
#define BOOTCFG_BLOB_MAX      (1u << 20)

#define BOOTCFG_DEF_HOSTNAME  "bastion"
#define BOOTCFG_DEF_NETWORK   "mgmt"
#define BOOTCFG_DEF_RPC_PORT  4443
#define BOOTCFG_DEF_MEM_MIB   128
#define BOOTCFG_DEF_VCPUS     1

/* An IPv4 interface address: addr in host byte order, prefix 1..32. */
struct bootcfg_ipv4 {
	uint32_t addr;
	uint8_t  prefix;
};

struct bootcfg_net {
	char     name[BOOTCFG_NAME_MAX];
	uint16_t vlan;          /* 0: untagged on the uplink, else 1..4094 */
	bool     uplink;        /* bridged to the physical NIC */
};

struct bootcfg_mgmt {
	int      network;       /* index into bootcfg.nets[] */
	bool     dhcp;          /* address/gateway are unset when true */
	struct bootcfg_ipv4 address;
	uint32_t gateway;       /* host byte order; 0: none */
	uint16_t port;          /* TCP port of the RPC console */
	bool     has_mac;       /* false: the kernel picks one */
	uint8_t  mac[6];
	/* In blob; NULL/0 when absent. No operator CA: remote management is
	 * off (fail closed), the serial console still works. host-cert and
	 * host-key are both present or both absent. */
	const char *operator_ca;
	size_t      operator_ca_len;
	const char *host_cert;
	size_t      host_cert_len;
	const char *host_key;
	size_t      host_key_len;
};

/* One direction of a VM's firewall policy: the rules as the config wrote
 * them, each checked by fw_rule_parse() at parse time; bootcfg_vm_rules()
 * turns them into struct fw_rule. */
struct bootcfg_rules {
	const char *text;       /* in blob: n NUL-terminated rules back to
				 * back; NULL when the list is absent */
	size_t      len;        /* bytes of text, NULs included */
	uint32_t    n;          /* 1..BOOTCFG_MAX_RULES; 0 when absent */
};

struct bootcfg_vm {
	char     name[BOOTCFG_NAME_MAX];
	char     kernel[BOOTCFG_MODNAME_MAX];  /* boot module: bzImage or MB1 */
	char     initrd[BOOTCFG_MODNAME_MAX];  /* boot module; "" when none */
	const char *cmdline;                   /* in blob; "" when none */
	uint32_t memory_mib;                   /* 1..BOOTCFG_MAX_MEM_MIB */
	uint32_t vcpus;                        /* 1..BOOTCFG_MAX_VCPUS */
	int      network;       /* index into bootcfg.nets[]; -1: no vNIC */
	bool     has_mac;       /* false: the kernel picks one */
	uint8_t  mac[6];
	bool     has_ipv4;      /* the port's bound address (anti-spoofing) */
	struct bootcfg_ipv4 ipv4;
	uint32_t gateway;       /* host byte order; 0: none */
	uint32_t nlabels;
	char     labels[BOOTCFG_MAX_LABELS][BOOTCFG_NAME_MAX];
	/* Offset of the VM's "policy" node in the blob, -1 when absent. A
	 * port without a policy, or without a list for one direction, denies
	 * everything in that direction. ingress: what the VM is sent; egress:
	 * what it sends (security-group semantics, net/switch.h). */
	int      policy;
	struct bootcfg_rules ingress, egress;
};

struct bootcfg {
	const void *blob;       /* the parsed blob; NULL for defaults */
	size_t      blob_len;   /* its fdt totalsize */
	char     hostname[BOOTCFG_NAME_MAX];
	enum log_level log_level;
	struct bootcfg_mgmt mgmt;
	uint32_t nnets;
	struct bootcfg_net nets[BOOTCFG_MAX_NETWORKS];
	uint32_t nvms;
	struct bootcfg_vm vms[BOOTCFG_MAX_VMS];
};

/* Safe defaults: host "bastion", log level info, one network "mgmt"
 * (untagged, on the uplink), management by DHCP on it, RPC port 4443, no
 * operator CA (remote management off), no VMs. */
void bootcfg_defaults(struct bootcfg *c);

/* Validates the devicetree blob (alignment, header, size against len, the
 * whole structure) before reading it, then parses it into a static scratch
 * copy and only on full success copies that into *out. On failure *out is
 * untouched and err (if errlen > 0) holds a one-line reason naming the
 * node and property, e.g. "vms/web: vcpus must be 1..64, got 0".
 * blob must be 8-byte aligned. Not reentrant: it runs once at boot.
 * Every firewall rule is parsed here too, so a config that parses has no
 * bad rule. Returns 0, -EINVAL (invalid content or arguments), -EBADMSG
 * (not a well-formed devicetree blob), -E2BIG (more networks, VMs, labels
 * or rules than the limits above, or a blob larger than
 * BOOTCFG_BLOB_MAX). */
int bootcfg_parse(const void *blob, size_t len, struct bootcfg *out,
		  char *err, size_t errlen);

/* The firewall rules of VM number vm (index into c->vms) for one
 * direction (egress: what the VM sends; else ingress, what it is sent),
 * in order, with ids 1..n (the rule's index + 1). First match wins and
 * what no rule matches is denied. On -ENOSPC *n is the number of rules
 * needed; on any other error it is 0. c and its blob must be what
 * bootcfg_parse() returned, unchanged.
 * Returns 0, -ENOENT (no policy node, or no list for that direction),
 * -ENOSPC (more than max rules), -EINVAL (vm out of range, or rules that
 * do not parse: impossible after a successful bootcfg_parse()). */
int bootcfg_vm_rules(const struct bootcfg *c, uint32_t vm, bool egress,
		     struct fw_rule *out, size_t max, size_t *n);

/* One line of summary plus one per network and VM, through pr_info. */
void bootcfg_print(const struct bootcfg *c);

/* What the kernel does at boot: blob == NULL (no "bootcfg" module) warns
 * and uses the defaults; a blob that does not parse logs the reason as an
 * error and uses the defaults; then prints the effective config.
 * Returns 0, -ENOENT (no blob) or bootcfg_parse()'s error. *out is always
 * a usable config afterwards. */
int bootcfg_load(const void *blob, size_t len, struct bootcfg *out);

#endif
