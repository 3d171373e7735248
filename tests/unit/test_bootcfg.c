/* Unit tests of the boot config parser (kernel/bootcfg.c) with the real
 * libfdt. The .dtb fixtures are compiled by dtc at build time from
 * tests/unit/data/bootcfg (see test_bootcfg.mk); malformed blobs are made
 * here by mutating good ones. */
#define _GNU_SOURCE		/* memmem */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/bootcfg.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "net/fw.h"

#ifndef BOOTCFG_DATA_DIR
#error "build with -DBOOTCFG_DATA_DIR=\"<dir of the compiled fixtures>\""
#endif

/* ------------------------------------------------------------ log stub */

#define LOG_KEEP 96
static char log_lines[LOG_KEEP][256];
static enum log_level log_levels[LOG_KEEP];
static unsigned log_count;

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	unsigned i = log_count++ % LOG_KEEP;

	vsnprintf(log_lines[i], sizeof(log_lines[i]), fmt, ap);
	log_levels[i] = lvl;
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(lvl, fmt, ap);
	va_end(ap);
}

static void log_reset(void)
{
	log_count = 0;
	memset(log_lines, 0, sizeof(log_lines));
}

/* The n-th line logged since log_reset(). */
static const char *log_line(unsigned n, enum log_level *lvl)
{
	assert_true(n < log_count && n < LOG_KEEP);
	if (lvl)
		*lvl = log_levels[n];
	return log_lines[n];
}

/* ------------------------------------------------------------ heap stub */

/* net/fw.c (linked for fw_rule_check()) allocates only in fw_compile(),
 * which the config parser never calls. */
void *kmalloc(size_t size)
{
	return malloc(size ? size : 1);
}

void *kzalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void *kcalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *krealloc(void *p, size_t size)
{
	return realloc(p, size ? size : 1);
}

void kfree(void *p)
{
	free(p);
}

/* ------------------------------------------------------------ helpers */

struct blob {
	uint8_t *p;
	size_t   len;
};

static struct blob load(const char *name)
{
	char path[512];
	struct blob b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", BOOTCFG_DATA_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	b.len = (size_t)n;
	b.p = malloc(b.len + 1);	/* malloc is 16-byte aligned */
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.len, f), b.len);
	b.p[b.len] = 0;
	fclose(f);
	return b;
}

static struct blob copy(struct blob b)
{
	struct blob c = { malloc(b.len), b.len };

	assert_non_null(c.p);
	memcpy(c.p, b.p, b.len);
	return c;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Header fields (devicetree spec 5.2). */
enum {
	H_MAGIC = 0, H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12,
	H_OFF_RSVMAP = 16, H_VERSION = 20, H_LAST_COMP = 24,
	H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36,
};

/* Replaces the only occurrence of from (with its NUL) by as many bytes of
 * to, which may hold NULs (or end where the blob's padding NUL follows). */
static void patch(struct blob b, const char *from, const char *to)
{
	size_t n = strlen(from) + 1, i, hit = SIZE_MAX;

	for (i = 0; i + n <= b.len; i++) {
		if (!memcmp(b.p + i, from, n)) {
			assert_true(hit == SIZE_MAX);
			hit = i;
		}
	}
	assert_true(hit != SIZE_MAX);
	memcpy(b.p + hit, to, n);
}

static struct bootcfg cfg, before;
static char err[256];

static void prefill(void)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	memcpy(&before, &cfg, sizeof(cfg));
	memset(err, 'x', sizeof(err));
}

/* A failed parse leaves *out alone and explains itself in one line. */
static void expect_fail(struct blob b, int rc, const char *msg)
{
	int got;

	prefill();
	got = bootcfg_parse(b.p, b.len, &cfg, err, sizeof(err));
	if (got != rc)
		fail_msg("got %d, want %d (err \"%.200s\")", got, rc, err);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_non_null(memchr(err, 0, sizeof(err)));
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	if (msg)
		assert_string_equal(err, msg);
}

static void expect_ok(struct blob b)
{
	prefill();
	assert_int_equal(bootcfg_parse(b.p, b.len, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* A rule list is absent, or 1..256 NUL-terminated strings in the blob. */
static void check_rules(const struct bootcfg_rules *rl, struct blob b)
{
	const char *s, *end;
	uint32_t n = 0;

	if (!rl->text) {
		assert_int_equal(rl->n, 0);
		assert_int_equal(rl->len, 0);
		return;
	}
	assert_true(rl->n >= 1 && rl->n <= BOOTCFG_MAX_RULES);
	assert_true((const uint8_t *)rl->text > b.p &&
		    (const uint8_t *)rl->text + rl->len <= b.p + b.len);
	assert_int_equal(rl->text[rl->len - 1], '\0');
	for (s = rl->text, end = s + rl->len; s < end; s += strlen(s) + 1) {
		assert_true(strlen(s) >= 1 && strlen(s) <= BOOTCFG_RULE_MAX);
		n++;
	}
	assert_int_equal(n, rl->n);
}

/* Invariants of every successfully parsed config. */
static void check_sane(const struct bootcfg *c, struct blob b)
{
	const uint8_t *lo = b.p, *hi = b.p + b.len;
	uint32_t i, j;

	assert_non_null(memchr(c->hostname, 0, sizeof(c->hostname)));
	assert_true(c->log_level < LOG_LEVELS);
	assert_true(c->nnets >= 1 && c->nnets <= BOOTCFG_MAX_NETWORKS);
	assert_true(c->nvms <= BOOTCFG_MAX_VMS);
	assert_true(c->mgmt.network >= 0 &&
		    (uint32_t)c->mgmt.network < c->nnets);
	assert_true(c->mgmt.port >= 1);
	if (c->mgmt.operator_ca) {
		assert_true((const uint8_t *)c->mgmt.operator_ca >= lo);
		assert_true((const uint8_t *)c->mgmt.operator_ca +
			    c->mgmt.operator_ca_len < hi);
		assert_int_equal(c->mgmt.operator_ca[c->mgmt.operator_ca_len],
				 0);
	}
	for (i = 0; i < c->nnets; i++) {
		assert_non_null(memchr(c->nets[i].name, 0, BOOTCFG_NAME_MAX));
		assert_true(c->nets[i].vlan <= 4094);
	}
	for (i = 0; i < c->nvms; i++) {
		const struct bootcfg_vm *vm = &c->vms[i];

		assert_non_null(memchr(vm->name, 0, BOOTCFG_NAME_MAX));
		assert_true(vm->kernel[0] != '\0');
		assert_non_null(memchr(vm->kernel, 0, BOOTCFG_MODNAME_MAX));
		assert_non_null(memchr(vm->initrd, 0, BOOTCFG_MODNAME_MAX));
		assert_non_null(vm->cmdline);
		assert_true(vm->memory_mib >= 1 &&
			    vm->memory_mib <= BOOTCFG_MAX_MEM_MIB);
		assert_true(vm->vcpus >= 1 && vm->vcpus <= BOOTCFG_MAX_VCPUS);
		assert_true(vm->network >= -1 &&
			    vm->network < (int)c->nnets);
		assert_true(vm->nlabels <= BOOTCFG_MAX_LABELS);
		for (j = 0; j < vm->nlabels; j++)
			assert_non_null(memchr(vm->labels[j], 0,
					       BOOTCFG_NAME_MAX));
		assert_true(vm->policy == -1 ||
			    (vm->policy >= 0 && (size_t)vm->policy < b.len));
		check_rules(&vm->ingress, b);
		check_rules(&vm->egress, b);
		if (vm->policy < 0)
			assert_true(!vm->ingress.text && !vm->egress.text);
	}
}

/* bootcfg_vm_rules() of the parsed cfg gives exactly these rules, in
 * fw_rule_format()'s words, with ids 1..n. */
static void expect_rules(uint32_t vm, bool egress, const char *const *want,
			 size_t nwant)
{
	static struct fw_rule r[BOOTCFG_MAX_RULES + 1];
	char got[192];
	size_t n = 12345, i;

	memset(r, 0xa5, sizeof(r));
	assert_int_equal(bootcfg_vm_rules(&cfg, vm, egress, r,
					  BOOTCFG_MAX_RULES + 1, &n), 0);
	assert_int_equal(n, nwant);
	assert_int_equal(n, egress ? cfg.vms[vm].egress.n
				   : cfg.vms[vm].ingress.n);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].id, i + 1);
		assert_int_equal(fw_rule_check(&r[i]), 0);
		fw_rule_format(&r[i], got, sizeof(got));
		assert_string_equal(got, want[i]);
	}
	assert_int_equal(r[n].id, 0xa5a5a5a5);	/* nothing written past n */
}

/* Neither direction has a list: -ENOENT, nothing written. */
static void expect_no_rules(uint32_t vm)
{
	struct fw_rule r;
	size_t n = 12345;

	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(bootcfg_vm_rules(&cfg, vm, false, &r, 1, &n),
			 -ENOENT);
	assert_int_equal(n, 0);
	n = 12345;
	assert_int_equal(bootcfg_vm_rules(&cfg, vm, true, &r, 1, &n),
			 -ENOENT);
	assert_int_equal(n, 0);
	assert_int_equal(r.id, 0xa5a5a5a5);
}

/* ------------------------------------------------------------ good configs */

static void test_defaults(void **state)
{
	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	bootcfg_defaults(&cfg);
	assert_null(cfg.blob);
	assert_string_equal(cfg.hostname, "bastion");
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.nnets, 1);
	assert_string_equal(cfg.nets[0].name, "mgmt");
	assert_int_equal(cfg.nets[0].vlan, 0);
	assert_true(cfg.nets[0].uplink);
	assert_int_equal(cfg.mgmt.network, 0);
	assert_true(cfg.mgmt.dhcp);
	assert_int_equal(cfg.mgmt.port, 4443);
	assert_false(cfg.mgmt.has_mac);
	assert_null(cfg.mgmt.operator_ca);
	assert_null(cfg.mgmt.host_cert);
	assert_null(cfg.mgmt.host_key);
	assert_int_equal(cfg.nvms, 0);
}

/* boot/config/default.dts, what `make run` boots. */
static void test_default_dts(void **state)
{
	struct blob b = load("boot-default.dtb");

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_ptr_equal(cfg.blob, b.p);
	assert_int_equal(cfg.blob_len, b.len);
	assert_string_equal(cfg.hostname, "bastion-0");
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.nnets, 2);
	assert_string_equal(cfg.nets[0].name, "mgmt");
	assert_int_equal(cfg.nets[0].vlan, 0);
	assert_true(cfg.nets[0].uplink);
	assert_string_equal(cfg.nets[1].name, "apps");
	assert_false(cfg.nets[1].uplink);
	assert_int_equal(cfg.mgmt.network, 0);
	assert_false(cfg.mgmt.dhcp);
	assert_int_equal(cfg.mgmt.address.addr, ip(10, 0, 2, 15));
	assert_int_equal(cfg.mgmt.address.prefix, 24);
	assert_int_equal(cfg.mgmt.gateway, ip(10, 0, 2, 2));
	assert_int_equal(cfg.mgmt.port, 4443);
	assert_null(cfg.mgmt.operator_ca);
	/* make run's two demo containers, each allowed exactly one flow. */
	assert_int_equal(cfg.nvms, 2);
	assert_string_equal(cfg.vms[0].name, "demo-a");
	assert_string_equal(cfg.vms[0].kernel, "vmlinuz");
	assert_string_equal(cfg.vms[0].initrd, "demo-a");
	assert_int_equal(cfg.vms[0].network, 1);
	assert_int_equal(cfg.vms[0].ipv4.addr, ip(10, 2, 0, 2));
	assert_int_equal(cfg.vms[0].ingress.n, 1);
	assert_int_equal(cfg.vms[0].egress.n, 0);
	assert_string_equal(cfg.vms[1].name, "demo-b");
	assert_int_equal(cfg.vms[1].ingress.n, 0);
	assert_int_equal(cfg.vms[1].egress.n, 1);
	free(b.p);
}

static void test_full(void **state)
{
	struct blob b = load("full.dtb"), pem = load("ca.pem");
	const struct bootcfg_mgmt *m = &cfg.mgmt;
	const struct bootcfg_vm *vm;
	const uint8_t *node;
	static const uint8_t mgmt_mac[6] = { 2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	static const uint8_t api_mac[6] = { 6, 0, 0, 0, 0, 5 };

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_string_equal(cfg.hostname, "edge-7");
	assert_int_equal(cfg.log_level, LOG_DEBUG);

	assert_int_equal(cfg.nnets, 2);
	assert_string_equal(cfg.nets[0].name, "ops");
	assert_int_equal(cfg.nets[0].vlan, 100);
	assert_true(cfg.nets[0].uplink);
	assert_string_equal(cfg.nets[1].name, "backend");
	assert_int_equal(cfg.nets[1].vlan, 4094);
	assert_false(cfg.nets[1].uplink);

	assert_int_equal(m->network, 0);
	assert_false(m->dhcp);
	assert_int_equal(m->address.addr, ip(192, 168, 50, 10));
	assert_int_equal(m->address.prefix, 23);
	assert_int_equal(m->gateway, ip(192, 168, 51, 254));
	assert_int_equal(m->port, 8443);
	assert_true(m->has_mac);
	assert_memory_equal(m->mac, mgmt_mac, 6);
	/* The PEMs point into the blob, NUL-terminated right after len. */
	assert_non_null(m->operator_ca);
	assert_true((const uint8_t *)m->operator_ca > b.p &&
		    (const uint8_t *)m->operator_ca < b.p + b.len);
	assert_int_equal(m->operator_ca_len, pem.len);
	assert_memory_equal(m->operator_ca, pem.p, pem.len);
	assert_int_equal(m->operator_ca[m->operator_ca_len], '\0');
	assert_string_equal(m->host_cert, "-----BEGIN CERTIFICATE-----\n"
			    "aG9zdA==\n-----END CERTIFICATE-----\n");
	assert_int_equal(m->host_cert_len, strlen(m->host_cert));
	assert_string_equal(m->host_key, "-----BEGIN EC PRIVATE KEY-----\n"
			    "aG9zdA==\n-----END EC PRIVATE KEY-----\n");
	assert_int_equal(m->host_key_len, strlen(m->host_key));

	assert_int_equal(cfg.nvms, 2);
	vm = &cfg.vms[0];
	assert_string_equal(vm->name, "api-1");
	assert_string_equal(vm->kernel, "vmlinuz-6.1");
	assert_string_equal(vm->initrd, "api.cpio.gz");
	assert_string_equal(vm->cmdline, "console=ttyS0 quiet "
			    "ip=10.9.0.5::10.9.0.1:255.255.0.0");
	assert_true((const uint8_t *)vm->cmdline > b.p &&
		    (const uint8_t *)vm->cmdline < b.p + b.len);
	assert_int_equal(vm->memory_mib, 512);
	assert_int_equal(vm->vcpus, 4);
	assert_int_equal(vm->network, 1);
	assert_true(vm->has_mac);
	assert_memory_equal(vm->mac, api_mac, 6);
	assert_true(vm->has_ipv4);
	assert_int_equal(vm->ipv4.addr, ip(10, 9, 0, 5));
	assert_int_equal(vm->ipv4.prefix, 16);
	assert_int_equal(vm->gateway, ip(10, 9, 0, 1));
	assert_int_equal(vm->nlabels, 3);
	assert_string_equal(vm->labels[0], "api");
	assert_string_equal(vm->labels[1], "frontend");
	assert_string_equal(vm->labels[2], "tier-1");
	/* The policy offset names the node: FDT_BEGIN_NODE, "policy". */
	assert_true(vm->policy >= 0);
	node = b.p + be32(b.p + H_OFF_STRUCT) + vm->policy;
	assert_int_equal(be32(node), 1);
	assert_string_equal((const char *)node + 4, "policy");
	expect_rules(0, false, (const char *const[]){
		"allow proto tcp from label:frontend to any sport 0-65535 dport 8080-8080",
		"allow proto tcp from 10.9.0.0/16 to any sport 0-65535 dport 9000-9099",
		"allow proto icmp from any to any type 0-8",
		"deny-log proto tcp from any to any sport 0-65535 dport 22-22",
	}, 4);
	expect_rules(0, true, (const char *const[]){
		"allow proto udp from any to 10.9.0.1/32 sport 0-65535 dport 53-53",
		"allow proto tcp from any to fd00::/8 sport 1024-65535 dport 0-65535",
		"allow proto icmpv6 from any to any type 0-255",
		"deny proto any from any to any",
	}, 4);

	vm = &cfg.vms[1];
	assert_string_equal(vm->name, "batch");
	assert_int_equal(vm->memory_mib, 65536);
	assert_int_equal(vm->vcpus, 64);
	assert_int_equal(vm->network, -1);
	assert_int_equal(vm->policy, -1);
	free(b.p);
	free(pem.p);
}

static void test_two_networks_two_vms(void **state)
{
	struct blob b = load("multi.dtb");
	const struct bootcfg_vm *web = &cfg.vms[0], *db = &cfg.vms[1];
	static const uint8_t web_mac[6] = { 2, 0, 0, 0, 0, 1 };

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_string_equal(cfg.hostname, "bastion-1");
	assert_int_equal(cfg.log_level, LOG_WARN);
	assert_int_equal(cfg.nnets, 2);
	assert_string_equal(cfg.nets[0].name, "mgmt");
	assert_string_equal(cfg.nets[1].name, "app");
	assert_int_equal(cfg.nets[1].vlan, 10);
	assert_true(cfg.nets[1].uplink);
	assert_true(cfg.mgmt.dhcp);
	assert_int_equal(cfg.mgmt.network, 0);
	assert_int_equal(cfg.mgmt.gateway, 0);
	assert_non_null(cfg.mgmt.operator_ca);
	assert_null(cfg.mgmt.host_cert);

	assert_int_equal(cfg.nvms, 2);
	assert_string_equal(web->name, "web");
	assert_string_equal(web->initrd, "web.cpio");
	assert_string_equal(web->cmdline, "console=ttyS0");
	assert_int_equal(web->memory_mib, 256);
	assert_int_equal(web->vcpus, 2);
	assert_int_equal(web->network, 1);
	assert_memory_equal(web->mac, web_mac, 6);
	assert_int_equal(web->ipv4.addr, ip(10, 1, 0, 2));
	assert_int_equal(web->gateway, ip(10, 1, 0, 1));
	assert_int_equal(web->nlabels, 2);
	/* An empty policy node: both directions deny everything. */
	assert_true(web->policy >= 0);
	assert_null(web->ingress.text);
	assert_null(web->egress.text);
	expect_no_rules(0);

	assert_string_equal(db->name, "db");
	assert_int_equal(db->memory_mib, 1024);
	assert_int_equal(db->vcpus, 1);
	assert_int_equal(db->network, 1);
	assert_false(db->has_mac);
	assert_int_equal(db->ipv4.addr, ip(10, 1, 0, 3));
	assert_int_equal(db->gateway, 0);
	assert_int_equal(db->nlabels, 1);
	assert_string_equal(db->labels[0], "db");
	assert_int_equal(db->policy, -1);
	expect_no_rules(1);
	free(b.p);
}

/* Only compatible: the result is bootcfg_defaults(), byte for byte. */
static void test_empty_is_defaults(void **state)
{
	struct blob b = load("empty.dtb");
	static struct bootcfg want;

	(void)state;
	expect_ok(b);
	bootcfg_defaults(&want);
	want.blob = b.p;
	want.blob_len = b.len;
	assert_memory_equal(&cfg, &want, sizeof(cfg));
	free(b.p);
}

static void test_missing_optional_fields(void **state)
{
	struct blob b = load("minimal.dtb");
	const struct bootcfg_vm *vm = &cfg.vms[0];

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_string_equal(cfg.hostname, "bastion");
	assert_true(cfg.mgmt.dhcp);
	assert_int_equal(cfg.nnets, 1);
	assert_int_equal(cfg.nvms, 1);
	assert_string_equal(vm->name, "solo");
	assert_string_equal(vm->kernel, "mb1-test");
	assert_string_equal(vm->initrd, "");
	assert_non_null(vm->cmdline);
	assert_string_equal(vm->cmdline, "");
	assert_int_equal(vm->memory_mib, BOOTCFG_DEF_MEM_MIB);
	assert_int_equal(vm->vcpus, BOOTCFG_DEF_VCPUS);
	assert_int_equal(vm->network, -1);
	assert_false(vm->has_mac);
	assert_false(vm->has_ipv4);
	assert_int_equal(vm->gateway, 0);
	assert_int_equal(vm->nlabels, 0);
	assert_int_equal(vm->policy, -1);
	free(b.p);
}

static void test_base_fixture_is_valid(void **state)
{
	struct blob b = load("base.dtb");

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_int_equal(cfg.nvms, 2);
	free(b.p);
}

static void test_limits_exactly(void **state)
{
	struct blob b = load("limits.dtb");

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_int_equal(cfg.nvms, BOOTCFG_MAX_VMS);
	assert_int_equal(cfg.nnets, BOOTCFG_MAX_NETWORKS);
	assert_string_equal(cfg.vms[63].name, "v64");
	free(b.p);
}

static void test_edges(void **state)
{
	struct blob b = load("edge.dtb");
	static const uint8_t mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_string_equal(cfg.hostname, "a234567890123456789012345678901");
	assert_int_equal(cfg.log_level, LOG_ERR);
	assert_int_equal(cfg.mgmt.address.addr, ip(10, 0, 2, 15));
	assert_int_equal(cfg.mgmt.address.prefix, 32);
	assert_int_equal(cfg.mgmt.port, 65535);
	assert_int_equal(cfg.nets[0].vlan, 4094);
	assert_int_equal(cfg.nets[1].vlan, 1);
	assert_int_equal(cfg.nvms, 3);
	assert_string_equal(cfg.vms[0].kernel, "Kernel_1.2-rc+3");
	assert_int_equal(cfg.vms[0].memory_mib, 1);
	assert_memory_equal(cfg.vms[0].mac, mac, 6);
	assert_int_equal(cfg.vms[0].ipv4.addr, ip(10, 1, 0, 0));
	assert_int_equal(cfg.vms[0].ipv4.prefix, 31);
	assert_int_equal(cfg.vms[0].gateway, ip(10, 1, 0, 1));
	assert_int_equal(cfg.vms[0].nlabels, BOOTCFG_MAX_LABELS);
	assert_string_equal(cfg.vms[0].labels[7], "l8");
	assert_int_equal(cfg.vms[1].ipv4.addr, ip(10, 1, 0, 1));
	assert_string_equal(cfg.vms[1].cmdline, "");
	assert_int_equal(cfg.vms[2].ipv4.addr, ip(223, 255, 255, 254));
	free(b.p);
}

/* A module is padded to whole pages: bytes after totalsize are ignored. */
static void test_len_beyond_totalsize(void **state)
{
	struct blob b = load("multi.dtb"), big = { calloc(1, 8192), 8192 };

	(void)state;
	memcpy(big.p, b.p, b.len);
	memset(big.p + b.len, 0xff, big.len - b.len);
	expect_ok(big);
	assert_int_equal(cfg.blob_len, b.len);
	free(b.p);
	free(big.p);
}

/* dtc adds "phandle" to referenced nodes (full.dts refers to &ops); it
 * carries no config. */
static void test_phandle_ignored(void **state)
{
	struct blob b = load("full.dtb");

	(void)state;
	assert_non_null(memmem(b.p, b.len, "phandle", 8));
	expect_ok(b);
	assert_string_equal(cfg.nets[0].name, "ops");
	free(b.p);
}

/* ------------------------------------------------------------ policies */

static void test_policy(void **state)
{
	struct blob b = load("policy.dtb");
	const struct bootcfg_vm *web = &cfg.vms[0], *db = &cfg.vms[1];
	struct fw_rule r[4];
	size_t n;

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_true(web->policy >= 0);
	assert_int_equal(web->ingress.n, 3);
	assert_int_equal(web->egress.n, 2);
	assert_true(db->policy >= 0);
	assert_null(db->ingress.text);
	assert_int_equal(db->ingress.n, 0);
	assert_int_equal(db->egress.n, 3);

	expect_rules(0, false, (const char *const[]){
		"allow proto tcp from label:web to any sport 0-65535 dport 5432-5432",
		"deny-log proto tcp from any to any sport 0-65535 dport 22-22",
		"allow proto icmp from any to any type 8-8",
	}, 3);
	expect_rules(0, true, (const char *const[]){
		"allow proto udp from any to 10.1.0.1/32 sport 0-65535 dport 53-53",
		"allow proto icmp from any to any type 0-255",
	}, 2);
	expect_rules(1, true, (const char *const[]){
		"deny proto any from any to 10.0.0.0/8",
		"allow proto tcp from any to 2001:db8::/32 sport 1024-65535 dport 443-443",
		"allow proto 47 from any to any",
	}, 3);

	/* The fields themselves, not only their text. */
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, r, 4, &n), 0);
	assert_int_equal(r[0].action, FW_ALLOW);
	assert_int_equal(r[0].proto, 6);
	assert_int_equal(r[0].src.kind, FW_PEER_LABEL);
	assert_string_equal(r[0].src.label, "web");
	assert_int_equal(r[0].dst.kind, FW_PEER_ANY);
	assert_int_equal(r[0].sport.lo, 0);
	assert_int_equal(r[0].sport.hi, 65535);
	assert_int_equal(r[0].dport.lo, 5432);
	assert_int_equal(r[0].dport.hi, 5432);
	assert_int_equal(r[1].action, FW_DENY_LOG);
	assert_int_equal(r[2].proto, 1);
	assert_int_equal(r[2].icmp_type.lo, 8);
	assert_int_equal(bootcfg_vm_rules(&cfg, 1, true, r, 4, &n), 0);
	assert_int_equal(r[0].action, FW_DENY);
	assert_int_equal(r[0].proto, FW_PROTO_ANY);
	assert_int_equal(r[0].dst.kind, FW_PEER_CIDR);
	assert_int_equal(r[0].dst.cidr.family, 4);
	assert_int_equal(r[0].dst.cidr.plen, 8);
	assert_int_equal(r[0].dst.cidr.addr[0], 10);
	assert_int_equal(r[2].proto, 47);

	/* One direction only: the other is absent, so denied. */
	n = 7;
	assert_int_equal(bootcfg_vm_rules(&cfg, 1, false, r, 4, &n), -ENOENT);
	assert_int_equal(n, 0);
	free(b.p);
}

static void test_policy_api_errors(void **state)
{
	struct blob b = load("policy.dtb");
	struct fw_rule r[3];
	static struct bootcfg defaults;
	size_t n;

	(void)state;
	expect_ok(b);
	/* Too small: -ENOSPC says how many it takes, writes nothing. */
	memset(r, 0xa5, sizeof(r));
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, r, 2, &n), -ENOSPC);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].id, 0xa5a5a5a5);
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, NULL, 0, &n),
			 -ENOSPC);
	assert_int_equal(n, 3);
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, r, 3, &n), 0);
	assert_int_equal(n, 3);
	/* Bad arguments. */
	assert_int_equal(bootcfg_vm_rules(&cfg, 2, false, r, 3, &n), -EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(bootcfg_vm_rules(&cfg, UINT32_MAX, true, r, 3, &n),
			 -EINVAL);
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, r, 3, NULL),
			 -EINVAL);
	assert_int_equal(bootcfg_vm_rules(NULL, 0, false, r, 3, &n), -EINVAL);
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, NULL, 3, &n),
			 -EINVAL);
	bootcfg_defaults(&defaults);
	assert_int_equal(bootcfg_vm_rules(&defaults, 0, false, r, 3, &n),
			 -EINVAL);
	/* A blob changed after the parse (which the caller must not do)
	 * gives -EINVAL, not garbage rules. */
	patch(b, "allow proto icmp type 8", "allow proto icmp type 9x");
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, r, 3, &n), -EINVAL);
	assert_int_equal(n, 0);
	free(b.p);
}

static void test_policy_limit(void **state)
{
	struct blob b = load("policy-256.dtb");
	static struct fw_rule r[BOOTCFG_MAX_RULES];
	char want[128], got[192];
	size_t n, i;

	(void)state;
	expect_ok(b);
	check_sane(&cfg, b);
	assert_int_equal(cfg.vms[0].ingress.n, BOOTCFG_MAX_RULES);
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, r,
					  BOOTCFG_MAX_RULES - 1, &n), -ENOSPC);
	assert_int_equal(n, BOOTCFG_MAX_RULES);
	assert_int_equal(bootcfg_vm_rules(&cfg, 0, false, r,
					  BOOTCFG_MAX_RULES, &n), 0);
	assert_int_equal(n, BOOTCFG_MAX_RULES);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].id, i + 1);
		snprintf(want, sizeof(want), "allow proto tcp from any to any "
			 "sport 0-65535 dport %zu-%zu", i + 1, i + 1);
		fw_rule_format(&r[i], got, sizeof(got));
		assert_string_equal(got, want);
	}
	free(b.p);
}

static void test_policy_print(void **state)
{
	struct blob b = load("policy.dtb");

	(void)state;
	expect_ok(b);
	log_reset();
	bootcfg_print(&cfg);
	assert_int_equal(log_count, 6);	/* + "no operator-ca" */
	assert_string_equal(log_line(4, NULL), "config: vm web: 128 MiB, "
			    "1 vCPU, vmlinuz + web.cpio, net app "
			    "02:00:00:00:00:01 10.1.0.2/24, labels web, "
			    "policy 3 in / 2 out");
	assert_string_equal(log_line(5, NULL), "config: vm db: 128 MiB, "
			    "1 vCPU, vmlinuz, net app 02:00:00:00:00:02 "
			    "10.1.0.3/24, policy 0 in / 3 out");
	free(b.p);
}

/* The longest error a rule can give still fits bootcfg_load()'s line. */
static void test_policy_load_error(void **state)
{
	struct blob b = load("bad/policy-port-no-proto.dtb");
	enum log_level lvl;

	(void)state;
	log_reset();
	assert_int_equal(bootcfg_load(b.p, b.len, &cfg), -EINVAL);
	assert_string_equal(log_line(0, &lvl), "config: vms/web/policy: "
			    "ingress[0]: ports need tcp or udp, types icmp or "
			    "icmpv6, addresses one family in \"allow port "
			    "22\"; using defaults");
	assert_int_equal(lvl, LOG_ERR);
	assert_int_equal(cfg.nvms, 0);
	free(b.p);
}

/* ------------------------------------------------------------ bad configs */

struct bad_case {
	const char *file;	/* bad/<file>.dtb */
	int         rc;
	const char *msg;	/* the whole error line */
};

static const struct bad_case bad_cases[] = {
	{ "no-compatible", -EINVAL,
	  "/: missing compatible = \"bastion,config-v1\"" },
	{ "compatible", -EINVAL,
	  "/: compatible does not list \"bastion,config-v1\"" },
	{ "compatible-bytes", -EINVAL,
	  "/: compatible must be a list of strings" },
	{ "root-node", -EINVAL, "/: unknown node \"chosen\"" },
	{ "root-prop", -EINVAL, "/: unknown property \"model\"" },
	{ "unknown-prop", -EINVAL,
	  "vms/web: unknown property \"memory-mb\"" },
	{ "hostname", -EINVAL, "host: hostname \"Bastion_0\" is not a valid "
	  "name (1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "hostname-long", -EINVAL, "host: hostname "
	  "\"abcdefghijabcdefghijabcdefghijab\" is not a valid name "
	  "(1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "hostname-empty", -EINVAL, "host: hostname \"\" is not a valid "
	  "name (1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "log-level", -EINVAL, "host: log-level \"verbose\" must be one of "
	  "debug, info, warn, err" },
	{ "host-subnode", -EINVAL, "host: unknown node \"extra\"" },
	{ "vm-name", -EINVAL, "vms: VM \"Web-1\" is not a valid name "
	  "(1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "vm-name-dash", -EINVAL, "vms: VM \"web-\" is not a valid name "
	  "(1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "vm-name-unit", -EINVAL, "vms: VM \"web@1\" is not a valid name "
	  "(1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "net-name", -EINVAL, "networks: network \"app_2\" is not a valid "
	  "name (1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "label", -EINVAL, "vms/web: label \"Front\" is not a valid name "
	  "(1..31 of a-z 0-9 '-', no '-' at either end)" },
	{ "label-dup", -EINVAL, "vms/web: label \"web\" given twice" },
	{ "labels-bytes", -EINVAL,
	  "vms/web: labels must be a list of strings" },
	{ "too-many-labels", -E2BIG, "vms/web: more than 8 labels" },
	{ "vm-network", -EINVAL,
	  "vms/web: network \"nope\" is not defined in networks" },
	{ "mgmt-network", -EINVAL,
	  "management: network \"nope\" is not defined in networks" },
	{ "no-mgmt-network", -EINVAL,
	  "management: network \"mgmt\" is not defined in networks" },
	{ "vcpus-0", -EINVAL, "vms/web: vcpus must be 1..64, got 0" },
	{ "vcpus-65", -EINVAL, "vms/web: vcpus must be 1..64, got 65" },
	{ "memory-0", -EINVAL,
	  "vms/web: memory-mib must be 1..65536, got 0" },
	{ "memory-big", -EINVAL,
	  "vms/web: memory-mib must be 1..65536, got 65537" },
	{ "vlan", -EINVAL, "networks/app: vlan must be 0..4094, got 4095" },
	{ "vlan-uplink-dup", -EINVAL, "networks/app: vlan 0 is also the "
	  "uplink vlan of networks/mgmt" },
	{ "uplink-value", -EINVAL,
	  "networks/app: uplink is a flag and takes no value" },
	{ "mac-short", -EINVAL, "vms/web: mac must be 6 bytes "
	  "[xx xx xx xx xx xx], got 5 bytes" },
	{ "mac-long", -EINVAL, "vms/web: mac must be 6 bytes "
	  "[xx xx xx xx xx xx], got 7 bytes" },
	{ "mac-multicast", -EINVAL, "vms/web: mac 01:00:5e:00:00:01 is "
	  "multicast, must be unicast" },
	{ "mac-broadcast", -EINVAL, "vms/web: mac ff:ff:ff:ff:ff:ff is "
	  "multicast, must be unicast" },
	{ "mac-zero", -EINVAL, "vms/web: mac 00:00:00:00:00:00 is all zeros" },
	{ "mac-dup", -EINVAL,
	  "vms/db: mac 02:00:00:00:00:01 is also used by vms/web" },
	{ "mac-dup-mgmt", -EINVAL,
	  "vms/db: mac 02:00:00:00:00:02 is also the management mac" },
	{ "mac-no-network", -EINVAL, "vms/web: mac needs a network" },
	{ "cidr-prefix", -EINVAL,
	  "vms/web: ipv4 \"10.0.0.1/33\": prefix must be 0..32" },
	{ "cidr-octet", -EINVAL,
	  "vms/web: ipv4 \"300.1.1.1/24\": octet out of range 0..255" },
	{ "cidr-no-prefix", -EINVAL,
	  "vms/web: ipv4 \"10.1.0.2\": expected a.b.c.d/n" },
	{ "cidr-leading-zero", -EINVAL,
	  "vms/web: ipv4 \"10.01.0.2/24\": leading zero in an octet" },
	{ "cidr-short", -EINVAL,
	  "vms/web: ipv4 \"10.1.2/24\": expected a.b.c.d/n" },
	{ "cidr-trailing", -EINVAL,
	  "vms/web: ipv4 \"10.1.0.2/24 \": expected a.b.c.d/n" },
	{ "cidr-zero-prefix", -EINVAL, "vms/web: ipv4 10.1.0.2/0: an "
	  "interface address needs a prefix of 1..32" },
	{ "cidr-network", -EINVAL, "vms/web: ipv4 10.1.0.0/24 is the "
	  "network address of its subnet" },
	{ "cidr-broadcast", -EINVAL, "vms/web: ipv4 10.1.0.255/24 is the "
	  "broadcast address of its subnet" },
	{ "cidr-30-broadcast", -EINVAL, "vms/web: ipv4 10.1.0.3/30 is the "
	  "broadcast address of its subnet" },
	{ "cidr-multicast", -EINVAL,
	  "vms/web: ipv4 224.0.0.1 is not a unicast host address" },
	{ "ip-dup", -EINVAL,
	  "vms/db: ipv4 10.1.0.2 is also used by vms/web" },
	{ "ip-dup-mgmt", -EINVAL,
	  "vms/web: ipv4 10.0.2.15 is also the management address" },
	{ "gateway-outside", -EINVAL,
	  "vms/web: gateway 10.2.0.1 is outside 10.1.0.2/24" },
	{ "gateway-self", -EINVAL,
	  "management: gateway 10.0.2.15 is the address itself" },
	{ "gateway-dhcp", -EINVAL,
	  "management: gateway needs a static address" },
	{ "dhcp-and-address", -EINVAL,
	  "management: dhcp and address exclude each other" },
	{ "port-0", -EINVAL, "management: port must be 1..65535, got 0" },
	{ "port-65536", -EINVAL,
	  "management: port must be 1..65535, got 65536" },
	{ "str-unterminated", -EINVAL,
	  "host: hostname must be a NUL-terminated string" },
	{ "str-list", -EINVAL, "vms/web: kernel must be a single string" },
	{ "int-16bit", -EINVAL,
	  "vms/web: vcpus must be one 32-bit cell <n>, got 2 bytes" },
	{ "int-2cells", -EINVAL,
	  "vms/web: memory-mib must be one 32-bit cell <n>, got 8 bytes" },
	{ "int-string", -EINVAL,
	  "vms/web: vcpus must be one 32-bit cell <n>, got 2 bytes" },
	{ "no-kernel", -EINVAL,
	  "vms/web: missing kernel (a boot module name)" },
	{ "modname", -EINVAL, "vms/web: kernel \"../vmlinuz\" is not a boot "
	  "module name (1..63 of A-Z a-z 0-9 . _ - +, starting with a "
	  "letter or digit)" },
	{ "cmdline-ctrl", -EINVAL,
	  "vms/web: cmdline has a control character at 13" },
	{ "ca-not-pem", -EINVAL, "management: operator-ca is not a PEM "
	  "-----BEGIN CERTIFICATE-----...-----END CERTIFICATE----- block" },
	{ "ca-no-end", -EINVAL, "management: operator-ca is not a PEM "
	  "-----BEGIN CERTIFICATE-----...-----END CERTIFICATE----- block" },
	{ "cert-without-key", -EINVAL,
	  "management: host-cert and host-key go together" },
	{ "vm-subnode", -EINVAL, "vms/web: unknown node \"device\"" },
	{ "policy-prop", -EINVAL, "vms/web: unknown property \"policy\"" },
#define POLICY_ERR(vm, rest) "vms/" vm "/policy: " rest
#define BADRULE "ports need tcp or udp, types icmp or icmpv6, addresses " \
	"one family"
	{ "policy-proto", -EINVAL, POLICY_ERR("web",
	  "ingress[1]: bad protocol in \"allow proto tpc\"") },
	{ "policy-action", -EINVAL, POLICY_ERR("web", "ingress[0]: expected "
	  "allow, deny or deny-log in \"permit proto tcp\"") },
	{ "policy-keyword", -EINVAL, POLICY_ERR("db", "egress[0]: unknown "
	  "keyword in \"allow proto tcp dstport 22\"") },
	{ "policy-no-value", -EINVAL, POLICY_ERR("db", "egress[0]: keyword "
	  "without a value in \"allow proto tcp port\"") },
	{ "policy-port-range", -EINVAL, POLICY_ERR("web", "ingress[0]: bad "
	  "port range in \"allow proto tcp port 80-22\"") },
	{ "policy-port-big", -EINVAL, POLICY_ERR("web", "ingress[0]: bad "
	  "port range in \"allow proto udp sport 65536\"") },
	{ "policy-port-no-proto", -EINVAL, POLICY_ERR("web",
	  "ingress[0]: " BADRULE " in \"allow port 22\"") },
	{ "policy-type-tcp", -EINVAL, POLICY_ERR("web",
	  "ingress[0]: " BADRULE " in \"allow proto tcp type 3\"") },
	{ "policy-type-big", -EINVAL, POLICY_ERR("web", "ingress[0]: bad "
	  "ICMP type range in \"allow proto icmp type 256\"") },
	{ "policy-addr", -EINVAL, POLICY_ERR("db", "egress[0]: bad address, "
	  "prefix or label in \"allow to 10.1.0.256\"") },
	{ "policy-prefix", -EINVAL, POLICY_ERR("db", "egress[0]: bad "
	  "address, prefix or label in \"allow to 10.1.0.0/33\"") },
	{ "policy-family", -EINVAL, POLICY_ERR("db", "egress[0]: " BADRULE
	  " in \"allow from 10.1.0.2 to 2001:db8::1\"") },
	{ "policy-icmp-v6", -EINVAL, POLICY_ERR("db", "egress[0]: " BADRULE
	  " in \"allow proto icmp to 2001:db8::1\"") },
	{ "policy-words", -EINVAL, POLICY_ERR("web", "ingress[0]: too many "
	  "words in \"allow proto tcp proto tcp proto tcp ...\"") },
	{ "policy-blank", -EINVAL, POLICY_ERR("web",
	  "ingress[0]: empty rule in \"   \"") },
	{ "policy-empty-str", -EINVAL, POLICY_ERR("web",
	  "ingress[1] is an empty string") },
	{ "policy-label", -EINVAL, POLICY_ERR("web", "ingress[0]: bad "
	  "address, prefix or label in \"allow from label:Web\"") },
	{ "policy-label-dash", -EINVAL, POLICY_ERR("web", "ingress[1]: label "
	  "\"-web\" is not a valid name (1..31 of a-z 0-9 '-', no '-' at "
	  "either end)") },
	{ "policy-label-long", -EINVAL, POLICY_ERR("db", "egress[0]: bad "
	  "address, prefix or label in \"allow to label:abcdefghijabcdefghija"
	  "...\"") },
	{ "policy-label-empty", -EINVAL, POLICY_ERR("db", "egress[0]: bad "
	  "address, prefix or label in \"allow to label:\"") },
	{ "policy-u32", -EINVAL, POLICY_ERR("web",
	  "ingress must be a list of strings (one rule each)") },
	{ "policy-bytes", -EINVAL, POLICY_ERR("db",
	  "egress must be a list of strings (one rule each)") },
	{ "policy-flag", -EINVAL, POLICY_ERR("web",
	  "ingress must be a list of strings (one rule each)") },
	{ "policy-ctrl", -EINVAL, POLICY_ERR("web",
	  "ingress[0] has a control character at 5") },
	{ "policy-long", -EINVAL, POLICY_ERR("web",
	  "ingress[0] is longer than 255 characters") },
	{ "policy-unknown-prop", -EINVAL, POLICY_ERR("web",
	  "unknown property \"ingresz\"") },
	{ "policy-subnode", -EINVAL, POLICY_ERR("web",
	  "unknown node \"rules\"") },
	{ "policy-257", -E2BIG, POLICY_ERR("db",
	  "egress has more than 256 rules") },
	{ "vms-prop", -EINVAL, "vms: unknown property \"count\"" },
	{ "networks-prop", -EINVAL, "networks: unknown property \"default\"" },
	{ "too-many-vms", -E2BIG, "vms: more than 64 VMs" },
	{ "too-many-networks", -E2BIG, "networks: more than 32 networks" },
};

static void test_bad_case(void **state)
{
	const struct bad_case *bc = *state;
	char name[128];
	struct blob b;

	snprintf(name, sizeof(name), "bad/%s.dtb", bc->file);
	b = load(name);
	expect_fail(b, bc->rc, bc->msg);
	free(b.p);
}

/* Same-length renames in a compiled blob give what dtc never writes. */
static void test_duplicates_in_blob(void **state)
{
	struct blob good = load("base.dtb"), b;

	(void)state;
	/* Two VMs named "web": rename the node "db" (tag 1, "db", padding
	 * NUL), not a string value. */
	b = copy(good);
	patch(b, "\x01" "db", "\x01" "web");
	expect_fail(b, -EINVAL, "vms/web: VM defined twice");
	free(b.p);

	b = load("bad/net-name.dtb");	/* two networks named "mgmt" */
	patch(b, "\x01" "app_2", "\x01" "mgmt\0");
	expect_fail(b, -EINVAL, "networks/mgmt: network defined twice");
	free(b.p);

	/* Two "host" nodes: rename an extra one (names padded to the same
	 * number of words, or the structure would shift). */
	b = load("bad/root-node.dtb");
	patch(b, "\x01" "chosen", "\x01" "host\0\0");
	expect_fail(b, -EINVAL, "/: node \"host\" given twice");
	free(b.p);

	b = load("bad/vm-subnode.dtb");	/* two policies */
	patch(b, "\x01" "device", "\x01" "policy");
	expect_fail(b, -EINVAL, "vms/web: policy given twice");
	free(b.p);

	b = load("bad/policy-unknown-prop.dtb");  /* two ingress lists */
	patch(b, "ingresz", "ingress");
	expect_fail(b, -EINVAL,
		    "vms/web/policy: property \"ingress\" given twice");
	free(b.p);

	b = copy(good);			/* one property twice */
	patch(b, "initrd", "kernel");
	expect_fail(b, -EINVAL, "vms/web: property \"kernel\" given twice");
	free(b.p);

	b = copy(good);			/* unprintable name in the message */
	patch(b, "initrd", "init\x01\x02");
	expect_fail(b, -EINVAL, "vms/web: unknown property \"init??\"");
	free(b.p);
	free(good.p);
}

/* ------------------------------------------------------------ bad blobs */

static void test_blob_args(void **state)
{
	struct blob b = load("base.dtb");
	uint8_t *odd = malloc(b.len + 8);

	(void)state;
	prefill();
	assert_int_equal(bootcfg_parse(NULL, 100, &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "blob: none given");
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_int_equal(bootcfg_parse(b.p, b.len, NULL, err, sizeof(err)),
			 -EINVAL);

	/* libfdt needs 8-byte alignment (fdt_check_header). */
	memcpy(odd + 4, b.p, b.len);
	expect_fail((struct blob){ odd + 4, b.len }, -EINVAL,
		    "blob: not 8-byte aligned");

	/* No error buffer, or a tiny one: still the right result. */
	b.p[0] ^= 1;
	prefill();
	assert_int_equal(bootcfg_parse(b.p, b.len, &cfg, NULL, 0), -EBADMSG);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_int_equal(bootcfg_parse(b.p, b.len, &cfg, err, 1), -EBADMSG);
	assert_string_equal(err, "");
	assert_int_equal(bootcfg_parse(b.p, b.len, &cfg, err, 4), -EBADMSG);
	assert_string_equal(err, "blo");
	assert_int_equal(bootcfg_parse(b.p, b.len, &cfg, err, 10), -EBADMSG);
	assert_string_equal(err, "blob: not");
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	free(odd);
	free(b.p);
}

static void test_blob_empty_and_truncated(void **state)
{
	struct blob good = load("full.dtb"), b;
	size_t cuts[] = { 0, 1, 4, 27, 39, 40, 41, 56, good.len / 2,
			  good.len - 8, good.len - 1 };
	size_t i;

	(void)state;
	expect_fail((struct blob){ good.p, 0 }, -EBADMSG,
		    "blob: 0 bytes is too short for a devicetree");
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		/* An exact-size copy, so ASan sees any read past the cut. */
		b.len = cuts[i];
		b.p = malloc(b.len ? b.len : 1);
		memcpy(b.p, good.p, b.len);
		expect_fail(b, -EBADMSG, NULL);
		free(b.p);
	}
	b = copy(good);
	b.len = good.len - 1;
	expect_fail(b, -EBADMSG, NULL);
	snprintf(err + 128, 64, "blob: header says %zu bytes, only %zu given",
		 good.len, good.len - 1);
	assert_string_equal(err, err + 128);
	free(b.p);
	free(good.p);
}

static void test_blob_header(void **state)
{
	struct blob good = load("multi.dtb"), b;
	uint32_t total = (uint32_t)good.len;

	(void)state;
	b = copy(good);
	put_be32(b.p + H_MAGIC, 0xd00dfeee);
	expect_fail(b, -EBADMSG, "blob: not a devicetree blob (bad magic)");
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_VERSION, 16);
	put_be32(b.p + H_LAST_COMP, 16);
	expect_fail(b, -EBADMSG, "blob: devicetree version 16, need 17");
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_VERSION, 1);
	expect_fail(b, -EBADMSG,
		    "blob: bad devicetree header (FDT_ERR_BADVERSION)");
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_LAST_COMP, 18);
	expect_fail(b, -EBADMSG,
		    "blob: bad devicetree header (FDT_ERR_BADVERSION)");
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_TOTALSIZE, total + 1);
	expect_fail(b, -EBADMSG, NULL);
	put_be32(b.p + H_TOTALSIZE, 0xffffffff);
	expect_fail(b, -EBADMSG, NULL);
	put_be32(b.p + H_TOTALSIZE, 8);
	expect_fail(b, -EBADMSG, NULL);

	/* Blocks outside the blob. */
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_OFF_STRUCT, total);
	expect_fail(b, -EBADMSG, NULL);
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_OFF_STRUCT, 0xfffffff0);
	expect_fail(b, -EBADMSG, NULL);
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_SIZE_STRUCT, total);
	expect_fail(b, -EBADMSG, NULL);
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_OFF_STRINGS, total - 2);
	expect_fail(b, -EBADMSG, NULL);
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_SIZE_STRINGS, 0x7fffffff);
	expect_fail(b, -EBADMSG, NULL);
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_OFF_RSVMAP, total + 64);
	expect_fail(b, -EBADMSG, NULL);

	/* Misaligned blocks: libfdt would read words and structs in place. */
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_OFF_RSVMAP, be32(good.p + H_OFF_RSVMAP) + 4);
	expect_fail(b, -EBADMSG, "blob: misaligned devicetree blocks");
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + H_OFF_STRUCT, be32(good.p + H_OFF_STRUCT) + 2);
	expect_fail(b, -EBADMSG, "blob: misaligned devicetree blocks");
	free(b.p);
	free(good.p);
}

/* The structure block: tags and lengths pointing anywhere. */
static void test_blob_struct(void **state)
{
	struct blob good = load("multi.dtb"), b;
	uint32_t off = be32(good.p + H_OFF_STRUCT);
	uint32_t size = be32(good.p + H_SIZE_STRUCT), i;
	static const uint32_t vals[] = { 0, 1, 2, 3, 4, 9, 0x7fffffff,
					 0x80000000, 0xfffffffc, 0xffffffff };
	unsigned v, n = 0;
	int rc;

	(void)state;
	b = copy(good);
	put_be32(b.p + off, 9);			/* FDT_END before the root */
	expect_fail(b, -EBADMSG, "/: no root node");
	memcpy(b.p, good.p, b.len);
	put_be32(b.p + off + size - 4, 2);	/* no FDT_END */
	expect_fail(b, -EBADMSG, NULL);

	/* Every aligned word of the struct block set to every nasty value:
	 * tags, property lengths, name offsets. */
	for (i = 0; i < size; i += 4) {
		for (v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			memcpy(b.p, good.p, b.len);
			put_be32(b.p + off + i, vals[v]);
			prefill();
			rc = bootcfg_parse(b.p, b.len, &cfg, err, sizeof(err));
			if (rc == 0) {
				check_sane(&cfg, b);
				continue;
			}
			n++;
			assert_true(rc == -EINVAL || rc == -EBADMSG ||
				    rc == -E2BIG);
			assert_memory_equal(&cfg, &before, sizeof(cfg));
			assert_true(err[0] != '\0');
		}
	}
	assert_true(n > size / 4);
	free(b.p);
	free(good.p);
}

static void test_blob_too_big(void **state)
{
	struct blob good = load("base.dtb");
	size_t len = BOOTCFG_BLOB_MAX + 8;
	struct blob b = { calloc(1, len), len };

	(void)state;
	memcpy(b.p, good.p, good.len);
	put_be32(b.p + H_TOTALSIZE, (uint32_t)len);
	expect_fail(b, -E2BIG, "blob: 1048584 bytes, more than 1048576");
	free(b.p);
	free(good.p);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Random byte flips over whole blobs: never a crash (ASan/UBSan), and
 * either a sane config or a clean failure leaving *out untouched. */
static void flip_loop(const char *file, unsigned rounds, bool header_only)
{
	struct blob good = load(file), b = copy(good);
	unsigned r, k, nflips, ok = 0, bad = 0;
	size_t span = header_only ? 40 : good.len;
	int rc;

	for (r = 0; r < rounds; r++) {
		memcpy(b.p, good.p, b.len);
		nflips = 1 + rnd() % 4;
		for (k = 0; k < nflips; k++) {
			size_t at = rnd() % span;

			b.p[at] ^= (uint8_t)(1u << (rnd() % 8));
			if (rnd() % 4 == 0)
				b.p[at] = (uint8_t)rnd();
		}
		prefill();
		rc = bootcfg_parse(b.p, b.len, &cfg, err, sizeof(err));
		if (rc == 0) {
			ok++;
			assert_string_equal(err, "");
			check_sane(&cfg, b);
			continue;
		}
		bad++;
		assert_true(rc == -EINVAL || rc == -EBADMSG || rc == -E2BIG);
		assert_memory_equal(&cfg, &before, sizeof(cfg));
		assert_non_null(memchr(err, 0, sizeof(err)));
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
	}
	/* Both outcomes happen, or the loop tests nothing. */
	assert_true(bad > rounds / 4);
	if (!header_only)
		assert_true(ok > 0);
	free(b.p);
	free(good.p);
}

static void test_random_flips(void **state)
{
	(void)state;
	flip_loop("full.dtb", 3000, false);
	flip_loop("multi.dtb", 3000, false);
	flip_loop("base.dtb", 2000, false);
	flip_loop("boot-default.dtb", 1000, false);
	flip_loop("multi.dtb", 1000, true);
}

/* ------------------------------------------------------------ load, print */

static void test_load_missing(void **state)
{
	static struct bootcfg want;
	enum log_level lvl;

	(void)state;
	log_reset();
	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(bootcfg_load(NULL, 0, &cfg), -ENOENT);
	bootcfg_defaults(&want);
	assert_memory_equal(&cfg, &want, sizeof(cfg));
	assert_string_equal(log_line(0, &lvl),
			    "config: no boot config module; using defaults");
	assert_int_equal(lvl, LOG_WARN);
	assert_string_equal(log_line(1, &lvl), "config: host bastion, log "
			    "info, mgmt dhcp port 4443 on mgmt, 1 network, "
			    "0 VMs");
	assert_int_equal(lvl, LOG_INFO);
}

static void test_load_malformed(void **state)
{
	struct blob b = load("bad/vcpus-0.dtb");
	static struct bootcfg want;
	enum log_level lvl;

	(void)state;
	log_reset();
	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(bootcfg_load(b.p, b.len, &cfg), -EINVAL);
	bootcfg_defaults(&want);
	assert_memory_equal(&cfg, &want, sizeof(cfg));
	assert_string_equal(log_line(0, &lvl), "config: vms/web: vcpus must "
			    "be 1..64, got 0; using defaults");
	assert_int_equal(lvl, LOG_ERR);
	free(b.p);
}

static void test_load_and_print(void **state)
{
	struct blob b = load("multi.dtb");
	enum log_level lvl;

	(void)state;
	log_reset();
	assert_int_equal(bootcfg_load(b.p, b.len, &cfg), 0);
	assert_int_equal(cfg.nvms, 2);
	assert_int_equal(log_count, 5);
	assert_string_equal(log_line(0, &lvl), "config: host bastion-1, log "
			    "warn, mgmt dhcp port 4443 on mgmt, 2 networks, "
			    "2 VMs");
	assert_int_equal(lvl, LOG_INFO);
	assert_string_equal(log_line(1, NULL),
			    "config: network mgmt: vlan 0, uplink");
	assert_string_equal(log_line(2, NULL),
			    "config: network app: vlan 10, uplink");
	assert_string_equal(log_line(3, NULL), "config: vm web: 256 MiB, "
			    "2 vCPUs, vmlinuz + web.cpio, net app "
			    "02:00:00:00:00:01 10.1.0.2/24 gw 10.1.0.1, "
			    "labels web,frontend, policy 0 in / 0 out");
	assert_string_equal(log_line(4, NULL), "config: vm db: 1024 MiB, "
			    "1 vCPU, vmlinuz + db.cpio, net app 10.1.0.3/24, "
			    "labels db, no policy (deny all)");
	free(b.p);
}

static void test_print_static_and_no_ca(void **state)
{
	struct blob b = load("minimal.dtb");
	enum log_level lvl;

	(void)state;
	expect_ok(b);
	log_reset();
	bootcfg_print(&cfg);
	assert_int_equal(log_count, 4);
	assert_string_equal(log_line(0, NULL), "config: host bastion, log "
			    "info, mgmt dhcp port 4443 on mgmt, 1 network, "
			    "1 VM");
	assert_string_equal(log_line(1, &lvl),
			    "config: no operator-ca: remote management is off");
	assert_int_equal(lvl, LOG_WARN);
	assert_string_equal(log_line(3, NULL), "config: vm solo: 128 MiB, "
			    "1 vCPU, mb1-test, no policy (deny all)");
	free(b.p);

	b = load("boot-default.dtb");
	expect_ok(b);
	log_reset();
	bootcfg_print(&cfg);
	assert_string_equal(log_line(0, NULL), "config: host bastion-0, log "
			    "info, mgmt 10.0.2.15/24 gw 10.0.2.2 port 4443 on "
			    "mgmt, 2 networks, 2 VMs");
	free(b.p);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_dts),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_two_networks_two_vms),
		cmocka_unit_test(test_empty_is_defaults),
		cmocka_unit_test(test_missing_optional_fields),
		cmocka_unit_test(test_base_fixture_is_valid),
		cmocka_unit_test(test_limits_exactly),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_len_beyond_totalsize),
		cmocka_unit_test(test_phandle_ignored),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_api_errors),
		cmocka_unit_test(test_policy_limit),
		cmocka_unit_test(test_policy_print),
		cmocka_unit_test(test_policy_load_error),
		cmocka_unit_test(test_duplicates_in_blob),
		cmocka_unit_test(test_blob_args),
		cmocka_unit_test(test_blob_empty_and_truncated),
		cmocka_unit_test(test_blob_header),
		cmocka_unit_test(test_blob_struct),
		cmocka_unit_test(test_blob_too_big),
		cmocka_unit_test(test_random_flips),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_malformed),
		cmocka_unit_test(test_load_and_print),
		cmocka_unit_test(test_print_static_and_no_ca),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	size_t nbad = sizeof(bad_cases) / sizeof(bad_cases[0]), i;
	struct CMUnitTest *tests = calloc(nfixed + nbad, sizeof(*tests));
	char (*names)[64] = calloc(nbad, sizeof(*names));
	int failed;

	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < nbad; i++) {
		snprintf(names[i], sizeof(names[i]), "bad/%s",
			 bad_cases[i].file);
		tests[nfixed + i] = (struct CMUnitTest)
			cmocka_unit_test_prestate(test_bad_case,
						  (void *)&bad_cases[i]);
		tests[nfixed + i].name = names[i];
	}
	failed = _cmocka_run_group_tests("bootcfg", tests, nfixed + nbad,
					 NULL, NULL);
	free(tests);
	free(names);
	return failed;
}
