/* libFuzzer target for the boot config parser (kernel/bootcfg.c + libfdt).
 *
 * Every input is tried twice: as a whole blob, and as a list of patches
 * (3 bytes each: big-endian 16-bit offset, XOR mask) over a valid seed
 * config compiled from tests/unit/data/bootcfg/full.dts, which reaches
 * the schema checks at once instead of first having to find a valid FDT
 * header by chance. A parse either succeeds with a sane config or fails
 * with a one-line message and *out untouched; anything else aborts. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bootcfg.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "net/fw.h"

extern const unsigned char bootcfg_seed[];
extern const size_t bootcfg_seed_len;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(lvl, fmt, ap);
	va_end(ap);
}

/* net/fw.c is linked for fw_rule_check(); only fw_compile() allocates,
 * and the config parser never calls it. */
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

#define CHECK(x) do { if (!(x)) { \
	fprintf(stderr, "fuzz_bootcfg: %s:%d: %s\n", __FILE__, __LINE__, #x); \
	abort(); } } while (0)

static struct bootcfg cfg, before;
static struct fw_rule rules[BOOTCFG_MAX_RULES];

/* What the parse accepted, bootcfg_vm_rules() gives back: as many rules
 * as recorded, each one valid, ids 1..n. */
static void check_rules(const struct bootcfg *c, uint32_t vm, bool egress,
			const uint8_t *blob, size_t len)
{
	const struct bootcfg_rules *rl = egress ? &c->vms[vm].egress
						: &c->vms[vm].ingress;
	size_t n = 12345, i;
	int rc;

	rc = bootcfg_vm_rules(c, vm, egress, rules, BOOTCFG_MAX_RULES, &n);
	if (!rl->text) {
		CHECK(rc == -ENOENT && n == 0 && rl->n == 0);
		return;
	}
	CHECK(rc == 0 && n == rl->n && n >= 1 && n <= BOOTCFG_MAX_RULES);
	CHECK((const uint8_t *)rl->text > blob &&
	      (const uint8_t *)rl->text + rl->len <= blob + len);
	for (i = 0; i < n; i++)
		CHECK(rules[i].id == i + 1 && fw_rule_check(&rules[i]) == 0);
	if (n > 1)
		CHECK(bootcfg_vm_rules(c, vm, egress, rules, n - 1, &i) ==
		      -ENOSPC && i == n);
}

static void check_sane(const struct bootcfg *c, const uint8_t *blob,
		       size_t len)
{
	uint32_t i, j;

	CHECK(memchr(c->hostname, 0, sizeof(c->hostname)));
	CHECK(c->log_level < LOG_LEVELS);
	CHECK(c->nnets >= 1 && c->nnets <= BOOTCFG_MAX_NETWORKS);
	CHECK(c->nvms <= BOOTCFG_MAX_VMS);
	CHECK(c->mgmt.network >= 0 && (uint32_t)c->mgmt.network < c->nnets);
	CHECK(!c->mgmt.operator_ca ||
	      ((const uint8_t *)c->mgmt.operator_ca >= blob &&
	       (const uint8_t *)c->mgmt.operator_ca + c->mgmt.operator_ca_len
	       < blob + len &&
	       c->mgmt.operator_ca[c->mgmt.operator_ca_len] == '\0'));
	for (i = 0; i < c->nnets; i++)
		CHECK(c->nets[i].vlan <= 4094 &&
		      memchr(c->nets[i].name, 0, BOOTCFG_NAME_MAX));
	for (i = 0; i < c->nvms; i++) {
		const struct bootcfg_vm *vm = &c->vms[i];

		CHECK(memchr(vm->name, 0, BOOTCFG_NAME_MAX));
		CHECK(vm->kernel[0] &&
		      memchr(vm->kernel, 0, BOOTCFG_MODNAME_MAX));
		CHECK(memchr(vm->initrd, 0, BOOTCFG_MODNAME_MAX));
		CHECK(vm->cmdline);
		CHECK(vm->memory_mib >= 1 &&
		      vm->memory_mib <= BOOTCFG_MAX_MEM_MIB);
		CHECK(vm->vcpus >= 1 && vm->vcpus <= BOOTCFG_MAX_VCPUS);
		CHECK(vm->network >= -1 && vm->network < (int)c->nnets);
		CHECK(vm->nlabels <= BOOTCFG_MAX_LABELS);
		for (j = 0; j < vm->nlabels; j++)
			CHECK(memchr(vm->labels[j], 0, BOOTCFG_NAME_MAX));
		CHECK(vm->policy == -1 ||
		      (vm->policy >= 0 && (size_t)vm->policy < len));
		CHECK(vm->policy >= 0 || (!vm->ingress.text && !vm->egress.text));
		check_rules(c, i, false, blob, len);
		check_rules(c, i, true, blob, len);
	}
}

static void try_blob(const uint8_t *blob, size_t len)
{
	char err[160];
	int rc;

	memset(&cfg, 0xa5, sizeof(cfg));
	memcpy(&before, &cfg, sizeof(cfg));
	rc = bootcfg_parse(blob, len, &cfg, err, sizeof(err));
	if (rc == 0) {
		CHECK(err[0] == '\0');
		check_sane(&cfg, blob, len);
		bootcfg_print(&cfg);
		return;
	}
	CHECK(rc == -EINVAL || rc == -EBADMSG || rc == -E2BIG);
	CHECK(!memcmp(&cfg, &before, sizeof(cfg)));
	CHECK(memchr(err, 0, sizeof(err)) && err[0] && !strchr(err, '\n'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *buf;
	static size_t cap;
	size_t i, need = size > bootcfg_seed_len ? size : bootcfg_seed_len;

	if (need > cap) {
		free(buf);
		buf = aligned_alloc(8, (need + 7) & ~(size_t)7);
		CHECK(buf);
		cap = need;
	}

	/* Exactly size bytes at an 8-byte aligned address: ASan sees any read
	 * past the end only if the copy ends where the allocation does, so
	 * also try it from a tight heap copy. */
	memcpy(buf, data, size);
	try_blob(buf, size);
	if (size) {
		uint8_t *tight = aligned_alloc(8, (size + 7) & ~(size_t)7);

		CHECK(tight);
		memcpy(tight, data, size);
		try_blob(tight, size);
		free(tight);
	}

	memcpy(buf, bootcfg_seed, bootcfg_seed_len);
	for (i = 0; i + 3 <= size; i += 3)
		buf[((size_t)data[i] << 8 | data[i + 1]) % bootcfg_seed_len] ^=
			data[i + 2];
	try_blob(buf, bootcfg_seed_len);
	return 0;
}
