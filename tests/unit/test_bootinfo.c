/*
 * boot/bootinfo.c against information blocks captured from real loaders:
 * QEMU's Multiboot 1 (-kernel), GRUB 2.06 Multiboot 2 under SeaBIOS and
 * under OVMF. The captures (the .txt files in tests/unit/data/bootinfo) are
 * what the kernel read while parsing, dumped by the bootinfo.dump switch:
 *   make run CMDLINE="bootinfo.dump"   (and the ISO under BIOS/UEFI)
 * Then the same blocks, corrupted in every way we can think of.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "boot/bootinfo.h"

struct chunk {
	uint64_t pa;
	size_t len;
	uint8_t *data;
};

struct capture {
	uint32_t magic;
	uint64_t info;
	size_t n;
	struct chunk c[64];
};

static void load(const char *name, struct capture *cap)
{
	char path[256], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", BOOTINFO_DATA_DIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	memset(cap, 0, sizeof(*cap));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(sscanf(line, "magic %x info %lx", &cap->magic, &cap->info), 2);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long pa;
		char hex[80];
		size_t n;
		struct chunk *c;

		if (sscanf(line, "%llx %79s", &pa, hex) != 2)
			continue;
		n = strlen(hex) / 2;
		c = cap->n ? &cap->c[cap->n - 1] : NULL;
		if (!c || c->pa + c->len != pa) {	/* a new chunk */
			assert_true(cap->n < 64);
			c = &cap->c[cap->n++];
			c->pa = pa;
			c->len = 0;
			c->data = NULL;
		}
		c->data = realloc(c->data, c->len + n);
		for (size_t i = 0; i < n; i++) {
			unsigned v;

			sscanf(hex + 2 * i, "%2x", &v);
			c->data[c->len + i] = (uint8_t)v;
		}
		c->len += n;
	}
	fclose(f);
}

static void unload(struct capture *cap)
{
	for (size_t i = 0; i < cap->n; i++)
		free(cap->c[i].data);
}

static const void *cap_map(void *ctx, uint64_t pa, size_t len)
{
	struct capture *cap = ctx;

	for (size_t i = 0; i < cap->n; i++) {
		struct chunk *c = &cap->c[i];

		if (pa >= c->pa && pa - c->pa <= c->len && len <= c->len - (pa - c->pa))
			return c->data + (pa - c->pa);
	}
	return NULL;
}

static uint8_t *at(struct capture *cap, uint64_t pa)
{
	return (uint8_t *)cap_map(cap, pa, 1);
}

static int parse(struct capture *cap, struct boot_info *bi, char *err)
{
	struct phys_reader rd = { cap_map, cap };

	return bootinfo_parse(cap->magic, cap->info, &rd, bi, err, 120);
}

/* Properties every successful parse must have. */
static void check_sane(const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		assert_true(m->len > 0);
		if (m->type == BOOT_MEM_USABLE)
			assert_true((m->base | m->len) % 4096 == 0);
		if (i)
			assert_true(bi->mem[i - 1].base + bi->mem[i - 1].len <= m->base);
	}
	assert_true(memchr(bi->cmdline, 0, sizeof(bi->cmdline)) != NULL);
	assert_true(memchr(bi->loader, 0, sizeof(bi->loader)) != NULL);
	for (uint32_t i = 0; i < bi->nmods; i++) {
		assert_true(bi->mods[i].end > bi->mods[i].start);
		assert_true(memchr(bi->mods[i].name, 0, sizeof(bi->mods[i].name)) != NULL);
	}
}

static struct boot_info bi;
static char err[120];

static void test_mb1_qemu(void **state)
{
	struct capture cap;
	const struct boot_module *m;

	load("mb1_qemu.txt", &cap);
	assert_int_equal(parse(&cap, &bi, err), 0);
	check_sane(&bi);
	assert_int_equal(bi.proto, BOOT_MB1);
	assert_string_equal(bi.loader, "qemu");
	assert_non_null(strstr(bi.cmdline, "test.exit bootinfo.dump"));
	assert_int_equal(bi.nmods, 1);
	m = bootinfo_find_module(&bi, "bootcfg");
	assert_non_null(m);
	assert_int_equal(m->start % 4096, 0);	/* page-aligned modules (flag 0) */
	assert_null(bootinfo_find_module(&bi, "bootcf"));
	/* 0-0x9efff and 0x100000-0xffdefff, as the kernel printed. */
	assert_int_equal(bi.nmem, 9);
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].len, 0x9f000);
	assert_int_equal(bi.mem[3].base, 0x100000);
	assert_int_equal(bi.mem[3].len, 0xffdf000 - 0x100000);
	assert_int_equal(bootinfo_usable_bytes(&bi), 0x9f000 + 0xffdf000 - 0x100000);
	assert_false(bi.have_rsdp);
	unload(&cap);
}

static void test_mb2_grub_bios(void **state)
{
	struct capture cap;

	load("mb2_grub_bios.txt", &cap);
	assert_int_equal(parse(&cap, &bi, err), 0);
	check_sane(&bi);
	assert_int_equal(bi.proto, BOOT_MB2);
	assert_string_equal(bi.loader, "GRUB 2.06-13+deb12u2");
	assert_string_equal(bi.cmdline, "test.exit bootinfo.dump");
	assert_non_null(bootinfo_find_module(&bi, "bootcfg"));
	assert_true(bi.have_rsdp);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
	assert_int_equal(bi.nmem, 9);
	assert_int_equal(bootinfo_usable_bytes(&bi), 0x9f000 + 0xffdf000 - 0x100000);
	unload(&cap);
}

static void test_mb2_grub_efi(void **state)
{
	struct capture cap;
	uint32_t nvs = 0, acpi = 0;

	load("mb2_grub_efi.txt", &cap);
	assert_int_equal(parse(&cap, &bi, err), 0);
	check_sane(&bi);
	assert_int_equal(bi.proto, BOOT_MB2);
	assert_true(bi.have_rsdp);
	assert_int_equal(bi.nmem, 17);
	for (uint32_t i = 0; i < bi.nmem; i++) {
		nvs += bi.mem[i].type == BOOT_MEM_NVS;
		acpi += bi.mem[i].type == BOOT_MEM_ACPI;
	}
	assert_int_equal(nvs, 5);
	assert_int_equal(acpi, 1);
	assert_int_equal(bootinfo_usable_bytes(&bi) >> 20, 250);
	unload(&cap);
}

static void expect_fail(struct capture *cap, const char *why)
{
	int r = parse(cap, &bi, err);

	if (r != -22)
		fail_msg("%s: parse returned %d, wanted -EINVAL", why, r);
	assert_true(strlen(err) > 0);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void test_bad_magic(void **state)
{
	struct capture cap;

	load("mb1_qemu.txt", &cap);
	cap.magic = 0x12345678;
	expect_fail(&cap, "magic");
	assert_non_null(strstr(err, "magic"));
	cap.magic = MB1_BOOT_MAGIC;
	cap.info = 0xdead0000;			/* unreadable block */
	expect_fail(&cap, "unreadable mb1");
	cap.magic = MB2_BOOT_MAGIC;
	expect_fail(&cap, "unreadable mb2");
	unload(&cap);
}

static void test_mb1_malformed(void **state)
{
	struct capture cap;
	uint8_t *mbi, save[116];
	uint32_t mmap_addr, mmap_len;

	load("mb1_qemu.txt", &cap);
	mbi = at(&cap, cap.info);
	memcpy(save, mbi, sizeof(save));
	mmap_len = get32(mbi + 44);
	mmap_addr = get32(mbi + 48);

	put32(mbi + 48, 0xdead0000);		/* map elsewhere */
	expect_fail(&cap, "mmap pointer");
	memcpy(mbi, save, sizeof(save));

	put32(mbi + 44, mmap_len + 4096);	/* map longer than what exists */
	expect_fail(&cap, "mmap length");
	memcpy(mbi, save, sizeof(save));

	put32(at(&cap, mmap_addr), 8);		/* entry size below 20 */
	expect_fail(&cap, "entry size");
	put32(at(&cap, mmap_addr), 0xfffffff0);	/* entry size overruns */
	expect_fail(&cap, "entry size overrun");
	put32(at(&cap, mmap_addr), 20);

	put32(mbi + 20, 100000);		/* module count */
	expect_fail(&cap, "module count");
	memcpy(mbi, save, sizeof(save));

	put32(mbi + 24, 0xdead0000);		/* module list */
	expect_fail(&cap, "module list");
	memcpy(mbi, save, sizeof(save));

	put32(mbi + 16, 0xdead0000);		/* command line */
	expect_fail(&cap, "cmdline");
	memcpy(mbi, save, sizeof(save));

	/* No memory map and no mem_lower/upper: nothing to run in. */
	put32(mbi, get32(mbi) & ~((1u << 6) | 1u));
	expect_fail(&cap, "no map");
	/* mem_lower/upper alone are enough. */
	put32(mbi, get32(mbi) | 1u);
	assert_int_equal(parse(&cap, &bi, err), 0);
	check_sane(&bi);
	memcpy(mbi, save, sizeof(save));

	assert_int_equal(parse(&cap, &bi, err), 0);
	unload(&cap);
}

/* Finds the first MB2 tag of type in the capture; returns its offset. */
static uint32_t find_tag(struct capture *cap, uint32_t type)
{
	uint8_t *blk = at(cap, cap->info);
	uint32_t total = get32(blk);

	for (uint32_t off = 8; off + 8 <= total;) {
		if (get32(blk + off) == type)
			return off;
		off += (get32(blk + off + 4) + 7) & ~7u;
	}
	fail_msg("tag %u not found", type);
	return 0;
}

static void test_mb2_malformed(void **state)
{
	static const char *const files[] = { "mb2_grub_bios.txt", "mb2_grub_efi.txt" };

	for (size_t f = 0; f < 2; f++) {
		struct capture cap;
		uint8_t *blk;
		uint32_t total, off;

		load(files[f], &cap);
		blk = at(&cap, cap.info);
		total = get32(blk);

		put32(blk, total + 64);			/* beyond what exists */
		expect_fail(&cap, "total size");
		put32(blk, 8);
		expect_fail(&cap, "tiny total");
		put32(blk, 1u << 30);
		expect_fail(&cap, "huge total");
		put32(blk, total);

		off = find_tag(&cap, 6);		/* memory map */
		put32(blk + off + 4, 0);
		expect_fail(&cap, "tag size 0");
		put32(blk + off + 4, total);
		expect_fail(&cap, "tag overrun");
		put32(blk + off + 4, 12);
		expect_fail(&cap, "short mmap tag");
		put32(blk + off + 4, get32(blk + off + 4));
		unload(&cap);
		load(files[f], &cap);
		blk = at(&cap, cap.info);
		off = find_tag(&cap, 6);
		put32(blk + off + 8, 0);		/* entry size */
		expect_fail(&cap, "entry size 0");
		put32(blk + off + 8, 25);
		expect_fail(&cap, "entry size 25");
		put32(blk + off + 8, 24);
		assert_int_equal(parse(&cap, &bi, err), 0);

		off = find_tag(&cap, 0);		/* end tag gone */
		put32(blk + off, 999);
		expect_fail(&cap, "no end tag");
		put32(blk + off, 0);

		off = find_tag(&cap, 3);		/* module */
		put32(blk + off + 4, 12);
		expect_fail(&cap, "short module tag");
		unload(&cap);

		/* Without a memory map the parse must fail or fall back to
		 * basic meminfo, never invent memory. */
		load(files[f], &cap);
		blk = at(&cap, cap.info);
		off = find_tag(&cap, 6);
		put32(blk + off, 1000);			/* unknown tag type */
		if (parse(&cap, &bi, err) == 0) {
			check_sane(&bi);
			assert_true(bootinfo_usable_bytes(&bi) <= 4ull << 30);
		}
		unload(&cap);
	}
}

/* Random corruption: every outcome must be a clean parse or a clean
 * error; ASan/UBSan catch anything else. */
static void test_fuzz_flips(void **state)
{
	static const char *const files[] = {
		"mb1_qemu.txt", "mb2_grub_bios.txt", "mb2_grub_efi.txt",
	};
	unsigned seed = 12345;

	for (size_t f = 0; f < 3; f++) {
		for (int iter = 0; iter < 2000; iter++) {
			struct capture cap;

			load(files[f], &cap);
			for (int k = 0; k < 1 + iter % 8; k++) {
				size_t ci, off;

				seed = seed * 1103515245 + 12345;
				ci = (seed >> 8) % cap.n;
				seed = seed * 1103515245 + 12345;
				/* Bias towards headers, where the lengths are. */
				off = (seed >> 8) % (iter % 2 ? cap.c[ci].len : (cap.c[ci].len < 64 ? cap.c[ci].len : 64));
				seed = seed * 1103515245 + 12345;
				cap.c[ci].data[off] ^= (uint8_t)(1u << ((seed >> 16) % 8));
			}
			if (parse(&cap, &bi, err) == 0)
				check_sane(&bi);
			unload(&cap);
		}
	}
}

static void test_sanitize(void **state)
{
	struct boot_mem_range r[8] = {
		{ 0x1000, 0x9000, BOOT_MEM_USABLE },		/* 0x1000-0xa000 */
		{ 0x8000, 0x4000, BOOT_MEM_RESERVED },		/* overlaps the end */
		{ 0x100800, 0x100000, BOOT_MEM_USABLE },	/* unaligned */
		{ 0x300000, 0, BOOT_MEM_USABLE },		/* empty */
		{ 0x400000, 0x1000, BOOT_MEM_USABLE },
		{ 0x401000, 0x1000, BOOT_MEM_USABLE },		/* merges */
		{ 0x400000, 0x2000, BOOT_MEM_BAD },		/* bad wins */
		{ 0x500000, 0x800, BOOT_MEM_USABLE },		/* < a page */
	};
	uint32_t n = bootinfo_sanitize_mem(r, 8, 8);

	assert_int_equal(n, 4);
	assert_int_equal(r[0].base, 0x1000);
	assert_int_equal(r[0].len, 0x7000);
	assert_int_equal(r[0].type, BOOT_MEM_USABLE);
	assert_int_equal(r[1].base, 0x8000);
	assert_int_equal(r[1].len, 0x4000);
	assert_int_equal(r[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(r[2].base, 0x101000);
	assert_int_equal(r[2].len, 0xff000);
	assert_int_equal(r[3].base, 0x400000);
	assert_int_equal(r[3].len, 0x2000);
	assert_int_equal(r[3].type, BOOT_MEM_BAD);

	/* A wrapping range is clipped, not wrapped. */
	struct boot_mem_range w[2] = {
		{ 0xfffffffffffff000ull, 0x2000, BOOT_MEM_RESERVED },
		{ 0x1000, 0x1000, BOOT_MEM_USABLE },
	};
	w[0].len = UINT64_MAX - w[0].base;
	n = bootinfo_sanitize_mem(w, 2, 2);
	assert_int_equal(n, 2);
	assert_int_equal(w[0].base, 0x1000);

	/* Output capped at cap. */
	struct boot_mem_range many[6];
	for (int i = 0; i < 6; i++)
		many[i] = (struct boot_mem_range){ (uint64_t)i * 0x2000, 0x1000,
						   i % 2 ? BOOT_MEM_USABLE : BOOT_MEM_RESERVED };
	n = bootinfo_sanitize_mem(many, 6, 3);
	assert_int_equal(n, 3);
}

static void test_cmdline(void **state)
{
	char v[8];

	assert_true(bootinfo_cmdline_opt("a test.exit b", "test.exit", NULL, 0));
	assert_false(bootinfo_cmdline_opt("test.exitx", "test.exit", NULL, 0));
	assert_false(bootinfo_cmdline_opt("xtest.exit", "test.exit", NULL, 0));
	assert_false(bootinfo_cmdline_opt("", "test.exit", NULL, 0));
	assert_true(bootinfo_cmdline_opt("k test.fault=ud", "test.fault", v, sizeof(v)));
	assert_string_equal(v, "ud");
	assert_true(bootinfo_cmdline_opt("test.fault=abcdefghijk", "test.fault", v, sizeof(v)));
	assert_string_equal(v, "abcdefg");		/* cut to fit */
	assert_true(bootinfo_cmdline_opt("  test.exit  ", "test.exit", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_true(bootinfo_cmdline_opt("x=1 x=2", "x", v, sizeof(v)));
	assert_string_equal(v, "1");			/* first wins */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mb1_qemu),
		cmocka_unit_test(test_mb2_grub_bios),
		cmocka_unit_test(test_mb2_grub_efi),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_mb1_malformed),
		cmocka_unit_test(test_mb2_malformed),
		cmocka_unit_test(test_fuzz_flips),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
