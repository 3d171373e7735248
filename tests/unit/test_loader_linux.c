/* Unit tests of the Linux bzImage loader (vmm/loader_linux.c) over a fake
 * guest memory: a heap block (ASan-checked) that map() hands out only
 * inside its bounds, pre-filled with a pattern so that every byte the
 * loader writes, or should not write, shows. bzImages are synthetic: a
 * setup header built here from Documentation/x86/boot.rst, with a
 * recognisable protected-mode part. When build/guest-kernel/vmlinuz (or
 * $BASTION_TEST_BZIMAGE) exists, Debian's kernel is loaded as well; that
 * case is skipped otherwise. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/gwalk.h"
#include "vmm/loader.h"
#include "vmm/mptable.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define FILL 0xaa

/* -------------------------------------------------------- fake guest RAM */

static struct {
	uint8_t *ram;
	uint64_t backed;
	unsigned map_fail;
} gm_state;

static struct guest_mem gm;

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	assert_ptr_equal(ctx, &gm_state);
	if (gpa > gm_state.backed || len > gm_state.backed - gpa) {
		gm_state.map_fail++;
		return NULL;
	}
	return gm_state.ram + gpa;
}

static void ram_init(uint64_t backed, uint64_t ram_bytes)
{
	free(gm_state.ram);
	memset(&gm_state, 0, sizeof(gm_state));
	gm_state.ram = malloc(backed);
	assert_non_null(gm_state.ram);
	memset(gm_state.ram, FILL, backed);
	gm_state.backed = backed;
	gm = (struct guest_mem){ .map = fake_map, .ctx = &gm_state, .ram_bytes = ram_bytes };
}

static int teardown(void **state)
{
	(void)state;
	free(gm_state.ram);
	gm_state.ram = NULL;
	return 0;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* Written ranges: everything else must still hold FILL. */
struct range {
	uint64_t gpa, len;
};

static void untouched_except(const struct range *w, unsigned n)
{
	for (uint64_t a = 0; a < gm_state.backed; a++) {
		bool inside = false;

		for (unsigned i = 0; i < n && !inside; i++)
			inside = a >= w[i].gpa && a - w[i].gpa < w[i].len;
		if (!inside && gm_state.ram[a] != FILL)
			fail_msg("guest byte %#llx written outside the loader's ranges",
				 (unsigned long long)a);
		if (!inside && a >= LOADER_MIN_LOAD) {
			/* skip quickly over large untouched stretches */
			uint64_t next = gm_state.backed;

			for (unsigned i = 0; i < n; i++)
				if (w[i].gpa > a && w[i].gpa < next)
					next = w[i].gpa;
			for (; a + 1 < next; a++)
				if (gm_state.ram[a + 1] != FILL)
					fail_msg("guest byte %#llx written outside the loader's ranges",
						 (unsigned long long)(a + 1));
		}
	}
}

/* ------------------------------------------------------------- bzImages */

#define SETUP_SECTS 4
#define PM_LEN 0x3000

struct bz {
	uint8_t *b;
	size_t len;
};

/* A bzImage of protocol 2.15 as Debian's 6.1 kernel has it, with a
 * 12 KiB protected-mode part, pref_address 2 MiB, init_size 4 MiB. */
static void bz_init(struct bz *z, unsigned sects, size_t pm_len)
{
	unsigned real = sects ? sects : 4;

	z->len = (real + 1) * 512 + pm_len;
	z->b = calloc(1, z->len);
	assert_non_null(z->b);
	z->b[0x1f1] = (uint8_t)sects;
	wr32(z->b + 0x1f4, (uint32_t)((pm_len + 15) / 16));
	wr16(z->b + 0x1fa, 0xffff);			/* vid_mode: normal */
	wr16(z->b + 0x1fe, 0xaa55);
	z->b[0x200] = 0xeb;
	z->b[0x201] = 0x6a;				/* header ends at 0x26c */
	memcpy(z->b + 0x202, "HdrS", 4);
	wr16(z->b + 0x206, 0x020f);
	wr16(z->b + 0x20e, 0x3c0);			/* kernel_version string offset */
	z->b[0x211] = 0x01;				/* LOADED_HIGH */
	wr32(z->b + 0x214, 0x100000);			/* code32_start */
	wr32(z->b + 0x22c, 0x7fffffff);			/* initrd_addr_max */
	wr32(z->b + 0x230, 0x200000);			/* kernel_alignment */
	z->b[0x234] = 1;				/* relocatable_kernel */
	z->b[0x235] = 21;				/* min_alignment */
	wr16(z->b + 0x236, 0x7f);			/* xloadflags: KERNEL_64 and more */
	wr32(z->b + 0x238, 2047);			/* cmdline_size */
	wr64(z->b + 0x258, 2 * MiB);			/* pref_address */
	wr32(z->b + 0x260, 4 * MiB);			/* init_size */
	wr32(z->b + 0x268, 0x1234);			/* kernel_info_offset */
	for (size_t i = (real + 1) * 512; i < z->len; i++)
		z->b[i] = (uint8_t)(i * 13 + 7);
}

static size_t pm_off(const struct bz *z)
{
	return (size_t)((z->b[0x1f1] ? z->b[0x1f1] : 4) + 1) * 512;
}

static int load(const struct bz *z, const void *initrd, size_t initrd_len, const char *cmdline,
		uint32_t nvcpus, struct guest_entry *e, char *err)
{
	struct linux_boot b = {
		.kernel = z->b, .kernel_len = z->len,
		.initrd = initrd, .initrd_len = initrd_len,
		.cmdline = cmdline, .nvcpus = nvcpus,
	};

	memset(e, 0x55, sizeof(*e));
	err[0] = 0;
	return loader_linux(&gm, &b, e, err, 200);
}

static void expect_refusal(const struct bz *z, const char *why)
{
	struct guest_entry e;
	char err[200];

	assert_int_equal(load(z, NULL, 0, "console=ttyS0", 1, &e, err), -ENOEXEC);
	if (!strstr(err, why))
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
}

/* ---------------------------------------------------------------- tests */

static const uint8_t *zp(void)
{
	return gm_state.ram + LOADER_ZERO_PAGE;
}

static void check_e820(uint64_t ram)
{
	const uint8_t *e = zp() + 0x2d0;

	assert_int_equal(zp()[0x1e8], 3);
	assert_int_equal(rd64(e), 0);
	assert_int_equal(rd64(e + 8), 0x9fc00);
	assert_int_equal(rd32(e + 16), 1);
	assert_int_equal(rd64(e + 20), 0x9fc00);
	assert_int_equal(rd64(e + 28), 0x100000 - 0x9fc00);
	assert_int_equal(rd32(e + 36), 2);
	assert_int_equal(rd64(e + 40), 0x100000);
	assert_int_equal(rd64(e + 48), ram - 0x100000);
	assert_int_equal(rd32(e + 56), 1);
	for (unsigned i = 3 * 20; i < 128 * 20; i++)
		assert_int_equal(e[i], 0);
	/* the MP table lies in the reserved range */
	assert_true(LOADER_MPTABLE >= 0x9fc00 && LOADER_MPTABLE + mptable_size(8) <= 0x100000);
}

static void test_good_image(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];
	uint8_t initrd[5000];
	const char *cmd = "console=ttyS0 root=/dev/ram0 quiet";
	uint64_t gpa, rd_at;

	(void)state;
	ram_init(32 * MiB, 32 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x3c);
	assert_int_equal(load(&z, initrd, sizeof(initrd), cmd, 2, &e, err), 0);

	/* boot.rst "64-bit Boot Protocol" entry state */
	assert_int_equal(e.rip, 2 * MiB + 0x200);
	assert_int_equal(e.rsi, LOADER_ZERO_PAGE);
	assert_int_equal(e.cr3, LOADER_PT_BASE);
	assert_int_equal(e.mode, GUEST_MODE_LONG);
	assert_int_equal(e.cs, 0x10);
	assert_int_equal(e.ds, 0x18);
	assert_int_equal(e.gdt_base, LOADER_GDT);
	assert_int_equal(e.gdt_limit, 0x1f);
	assert_int_equal(e.rax, 0);
	assert_int_equal(e.rbx, 0);
	assert_true(e.rsp > 0x10000 && e.rsp <= 0x20000 && !(e.rsp & 15));

	/* kernel at pref_address, byte for byte */
	assert_memory_equal(gm_state.ram + 2 * MiB, z.b + pm_off(&z), PM_LEN);
	/* initrd: highest page below RAM's end, above the kernel's init_size */
	rd_at = rd32(zp() + 0x218);
	assert_int_equal(rd_at, (32 * MiB - sizeof(initrd)) & ~0xfffull);
	assert_int_equal(rd32(zp() + 0x21c), sizeof(initrd));
	assert_memory_equal(gm_state.ram + rd_at, initrd, sizeof(initrd));
	assert_int_equal(rd32(zp() + 0xc0), 0);
	assert_int_equal(rd32(zp() + 0xc4), 0);
	/* command line */
	assert_int_equal(rd32(zp() + 0x228), LOADER_CMDLINE);
	assert_int_equal(rd32(zp() + 0xc8), 0);
	assert_string_equal((char *)gm_state.ram + LOADER_CMDLINE, cmd);

	/* zero page: the header copied, the loader's fields set, the rest 0 */
	for (unsigned i = 0; i < 0x1f1; i++)
		if (i != 0xc0 && i != 0xc4 && i != 0xc8 && i != 0x1e8)
			assert_int_equal(zp()[i], 0);
	assert_int_equal(zp()[0x0f], 0);			/* orig_video_isVGA */
	assert_int_equal(zp()[0x1ef], 0);			/* sentinel */
	assert_memory_equal(zp() + 0x1f1, z.b + 0x1f1, 0x210 - 0x1f1);
	assert_int_equal(zp()[0x210], 0xff);			/* type_of_loader */
	assert_int_equal(zp()[0x211], 0x81);			/* LOADED_HIGH | CAN_USE_HEAP */
	assert_memory_equal(zp() + 0x212, z.b + 0x212, 0x218 - 0x212);
	assert_int_equal(rd16(zp() + 0x224), 0xfe00 - 0x200);	/* heap_end_ptr */
	assert_memory_equal(zp() + 0x22c, z.b + 0x22c, 0x250 - 0x22c);
	assert_int_equal(rd64(zp() + 0x250), 0);		/* setup_data */
	assert_memory_equal(zp() + 0x258, z.b + 0x258, 0x26c - 0x258);
	for (unsigned i = 0x26c; i < 0x2d0; i++)
		assert_int_equal(zp()[i], 0);
	check_e820(32 * MiB);
	for (unsigned i = 0x2d0 + 128 * 20; i < 0x1000; i++)
		assert_int_equal(zp()[i], 0);

	/* GDT: __BOOT_CS 0x10 64-bit code, __BOOT_DS 0x18 flat data */
	assert_int_equal(rd64(gm_state.ram + LOADER_GDT), 0);
	assert_int_equal(rd64(gm_state.ram + LOADER_GDT + 0x10), 0x00af9b000000ffffull);
	assert_int_equal(rd64(gm_state.ram + LOADER_GDT + 0x18), 0x00cf93000000ffffull);

	/* identity map of kernel, zero page, command line, initrd */
	{
		const uint64_t la[] = { e.rip, LOADER_ZERO_PAGE, LOADER_CMDLINE, rd_at,
					rd_at + sizeof(initrd) - 1, 2 * MiB + 4 * MiB - 1,
					LOADER_MPTABLE, LOADER_GDT };

		for (unsigned i = 0; i < sizeof(la) / sizeof(la[0]); i++) {
			assert_int_equal(gwalk64(&gm, e.cr3, la[i], &gpa), 0);
			assert_int_equal(gpa, la[i]);
		}
	}
	/* MP table for 2 CPUs at 0xf0000 */
	assert_memory_equal(gm_state.ram + LOADER_MPTABLE, "_MP_", 4);
	assert_int_equal(rd32(gm_state.ram + LOADER_MPTABLE + 4), LOADER_MPTABLE + 16);
	assert_memory_equal(gm_state.ram + LOADER_MPTABLE + 16, "PCMP", 4);
	assert_int_equal(rd16(gm_state.ram + LOADER_MPTABLE + 16 + 34), 2 + 2 + 1 + 16 + 2);

	{
		const struct range w[] = {
			{ LOADER_GDT, 0x20 }, { LOADER_PT_BASE, 0x6000 },
			{ LOADER_ZERO_PAGE, 0x1000 }, { LOADER_CMDLINE, strlen(cmd) + 1 },
			{ LOADER_MPTABLE, mptable_size(2) }, { 2 * MiB, PM_LEN },
			{ rd_at, sizeof(initrd) },
		};
		untouched_except(w, sizeof(w) / sizeof(w[0]));
	}
	free(z.b);
}

static void test_no_initrd_empty_cmdline(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];

	(void)state;
	ram_init(8 * MiB, 8 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	assert_int_equal(load(&z, NULL, 0, NULL, 1, &e, err), 0);
	assert_int_equal(rd32(zp() + 0x218), 0);
	assert_int_equal(rd32(zp() + 0x21c), 0);
	assert_int_equal(gm_state.ram[LOADER_CMDLINE], 0);
	check_e820(8 * MiB);
	{
		const struct range w[] = {
			{ LOADER_GDT, 0x20 }, { LOADER_PT_BASE, 0x6000 },
			{ LOADER_ZERO_PAGE, 0x1000 }, { LOADER_CMDLINE, 1 },
			{ LOADER_MPTABLE, mptable_size(1) }, { 2 * MiB, PM_LEN },
		};
		untouched_except(w, sizeof(w) / sizeof(w[0]));
	}
	free(z.b);
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];

	(void)state;
	ram_init(8 * MiB, 8 * MiB);
	bz_init(&z, 0, PM_LEN);
	assert_int_equal(z.len, 5 * 512 + PM_LEN);
	assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), 0);
	assert_memory_equal(gm_state.ram + 2 * MiB, z.b + 5 * 512, PM_LEN);
	free(z.b);

	bz_init(&z, 30, PM_LEN);
	assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), 0);
	assert_memory_equal(gm_state.ram + 2 * MiB, z.b + 31 * 512, PM_LEN);
	free(z.b);
}

static void test_relocatable_alignment(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];

	(void)state;
	ram_init(16 * MiB, 16 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	/* pref_address off the alignment: the next boundary above it */
	wr64(z.b + 0x258, 3 * MiB);
	wr32(z.b + 0x230, 4 * MiB);
	assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), 0);
	assert_int_equal(e.rip, 4 * MiB + 0x200);
	assert_memory_equal(gm_state.ram + 4 * MiB, z.b + pm_off(&z), PM_LEN);

	/* kernel_alignment must be a power of two, 4 KiB..1 GiB */
	wr32(z.b + 0x230, 3 * MiB);
	expect_refusal(&z, "kernel_alignment");
	wr32(z.b + 0x230, 0x800);
	expect_refusal(&z, "kernel_alignment");
	wr32(z.b + 0x230, 0x80000000u);
	expect_refusal(&z, "kernel_alignment");
	free(z.b);
}

static void test_not_relocatable(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];
	uint8_t initrd[100] = { 1, 2, 3 };

	(void)state;
	ram_init(16 * MiB, 16 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	z.b[0x234] = 0;
	wr64(z.b + 0x258, 8 * MiB);
	wr32(z.b + 0x230, 3);			/* ignored when not relocatable */
	/* boot.rst: loaded at 0x100000; it decompresses to pref_address, so
	 * its init_size counts from there */
	wr32(z.b + 0x260, 8 * MiB);
	assert_int_equal(load(&z, initrd, sizeof(initrd), "", 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "initrd does not fit"));
	wr32(z.b + 0x260, 6 * MiB);
	assert_int_equal(load(&z, initrd, sizeof(initrd), "", 1, &e, err), 0);
	assert_int_equal(e.rip, 1 * MiB + 0x200);
	assert_memory_equal(gm_state.ram + 1 * MiB, z.b + pm_off(&z), PM_LEN);
	assert_int_equal(rd32(zp() + 0x218), 16 * MiB - 0x1000);
	free(z.b);
}

static void test_initrd_placement(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];
	static uint8_t initrd[3 * MiB + 1];

	(void)state;
	ram_init(16 * MiB, 16 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	memset(initrd, 0x77, sizeof(initrd));

	/* initrd_addr_max below RAM's end: the initrd's last byte <= it */
	wr32(z.b + 0x22c, 12 * MiB - 1);
	assert_int_equal(load(&z, initrd, 4096, "", 1, &e, err), 0);
	assert_int_equal(rd32(zp() + 0x218), 12 * MiB - 4096);
	/* unaligned initrd_addr_max: still page-aligned and below it */
	wr32(z.b + 0x22c, 12 * MiB + 100);
	assert_int_equal(load(&z, initrd, 4097, "", 1, &e, err), 0);
	assert_int_equal(rd32(zp() + 0x218), 12 * MiB - 4096);
	assert_true(rd32(zp() + 0x218) + 4097 - 1 <= 12 * MiB + 100);
	wr32(z.b + 0x22c, 12 * MiB - 2);
	assert_int_equal(load(&z, initrd, 4097, "", 1, &e, err), 0);
	assert_int_equal(rd32(zp() + 0x218), 12 * MiB - 8192);

	/* right up against the kernel's init_size (2 MiB + 4 MiB) */
	wr32(z.b + 0x22c, 9 * MiB - 1);
	assert_int_equal(load(&z, initrd, 3 * MiB, "", 1, &e, err), 0);
	assert_int_equal(rd32(zp() + 0x218), 6 * MiB);
	assert_memory_equal(gm_state.ram + 6 * MiB, initrd, 3 * MiB);
	/* a byte more overlaps it */
	memset(gm_state.ram, FILL, gm_state.backed);
	assert_int_equal(load(&z, initrd, 3 * MiB + 1, "", 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "initrd does not fit"));
	/* refused before anything was written */
	for (uint64_t a = 0; a < gm_state.backed; a++)
		if (gm_state.ram[a] != FILL)
			fail_msg("byte %#llx written by a refused load", (unsigned long long)a);
	/* initrd_addr_max below the kernel */
	wr32(z.b + 0x22c, 4 * MiB);
	assert_int_equal(load(&z, initrd, 4096, "", 1, &e, err), -ENOEXEC);
	/* initrd_addr_max 0xffffffff (+1 wraps nowhere: 64-bit arithmetic) */
	wr32(z.b + 0x22c, 0xffffffffu);
	assert_int_equal(load(&z, initrd, 4096, "", 1, &e, err), 0);
	assert_int_equal(rd32(zp() + 0x218), 16 * MiB - 4096);
	/* larger than RAM */
	ram_init(8 * MiB, 8 * MiB);
	assert_int_equal(load(&z, initrd, sizeof(initrd), "", 1, &e, err), -ENOEXEC);
	free(z.b);
}

static void test_cmdline(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];
	char big[5000];

	(void)state;
	ram_init(8 * MiB, 8 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	memset(big, 'x', sizeof(big));

	/* cmdline_size is the length without the NUL */
	wr32(z.b + 0x238, 10);
	big[10] = 0;
	assert_int_equal(load(&z, NULL, 0, big, 1, &e, err), 0);
	assert_int_equal(strlen((char *)gm_state.ram + LOADER_CMDLINE), 10);
	big[10] = 'x';
	big[11] = 0;
	assert_int_equal(load(&z, NULL, 0, big, 1, &e, err), -ENOEXEC);
	assert_string_equal(err, "command line too long (11 > 10)");

	/* our own bound: 4 KiB with the NUL, whatever the kernel says */
	wr32(z.b + 0x238, 0xffffffffu);
	memset(big, 'x', sizeof(big));
	big[4095] = 0;
	assert_int_equal(load(&z, NULL, 0, big, 1, &e, err), 0);
	big[4095] = 'x';
	big[4096] = 0;
	assert_int_equal(load(&z, NULL, 0, big, 1, &e, err), -ENOEXEC);
	assert_string_equal(err, "command line too long (4096 > 4095)");

	/* printable ASCII only */
	assert_int_equal(load(&z, NULL, 0, "console=ttyS0\nfoo", 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "not printable"));
	assert_int_equal(load(&z, NULL, 0, "a\x7f", 1, &e, err), -ENOEXEC);
	assert_int_equal(load(&z, NULL, 0, "caf\xc3\xa9", 1, &e, err), -ENOEXEC);
	free(z.b);
}

static void test_header_refusals(void **state)
{
	struct bz z;

	(void)state;
	ram_init(8 * MiB, 8 * MiB);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	memcpy(z.b + 0x202, "HdrT", 4);
	expect_refusal(&z, "not a bzImage: no HdrS");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	z.len = 0x263;				/* the header cut off */
	expect_refusal(&z, "no HdrS");
	z.len = 0;
	expect_refusal(&z, "no HdrS");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	wr16(z.b + 0x1fe, 0x55aa);
	expect_refusal(&z, "boot flag");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	wr16(z.b + 0x206, 0x020b);
	expect_refusal(&z, "boot protocol 2.11 too old: need 2.12");
	wr16(z.b + 0x206, 0x0105);
	expect_refusal(&z, "boot protocol 1.5 too old");
	wr16(z.b + 0x206, 0x020c);
	z.b[0x201] = 0x66;			/* 2.12 ends at 0x268 */
	{
		struct guest_entry e;
		char err[200];

		assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), 0);
		assert_int_equal(rd32(zp() + 0x268), 0);	/* not copied */
	}
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	z.b[0x201] = 0x61;			/* ends before init_size */
	expect_refusal(&z, "setup header length");
	z.b[0x201] = 0x8f;			/* would run into edd_mbr_sig_buffer */
	expect_refusal(&z, "setup header length");
	z.b[0x201] = 0x6a;
	z.b[0x200] = 0xe9;
	expect_refusal(&z, "setup header length");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	wr16(z.b + 0x236, 0x7e);
	expect_refusal(&z, "kernel does not support 64-bit entry");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	z.b[0x211] = 0x80;
	expect_refusal(&z, "LOADED_HIGH");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	z.b[0x1f1] = 200;			/* setup sectors past the end of the file */
	expect_refusal(&z, "no protected-mode kernel");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	wr32(z.b + 0x1f4, PM_LEN / 16 + 1);
	expect_refusal(&z, "syssize");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	wr32(z.b + 0x260, 0);
	expect_refusal(&z, "init_size is 0");
	free(z.b);

	bz_init(&z, SETUP_SECTS, PM_LEN);
	wr64(z.b + 0x258, 0x80000);
	expect_refusal(&z, "pref_address");
	wr64(z.b + 0x258, 3 * GiB);
	expect_refusal(&z, "pref_address");
	wr64(z.b + 0x258, 1ull << 63);
	expect_refusal(&z, "pref_address");
	free(z.b);
}

static void test_does_not_fit(void **state)
{
	struct bz z;

	(void)state;
	ram_init(8 * MiB, 8 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	wr32(z.b + 0x260, 6 * MiB + 1);
	expect_refusal(&z, "kernel (7 MiB incl. init_size) does not fit in 8 MiB of RAM");
	wr32(z.b + 0x260, 0xffffffffu);
	expect_refusal(&z, "does not fit in 8 MiB of RAM");
	/* exactly fitting is fine */
	wr32(z.b + 0x260, 6 * MiB);
	{
		struct guest_entry e;
		char err[200];

		assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), 0);
	}
	/* pref_address far above RAM */
	wr32(z.b + 0x260, 4 * MiB);
	wr64(z.b + 0x258, 1 * GiB);
	expect_refusal(&z, "does not fit");
	free(z.b);

	/* a protected-mode part larger than init_size still has to fit */
	bz_init(&z, SETUP_SECTS, 7 * MiB);
	wr32(z.b + 0x260, 0x1000);
	expect_refusal(&z, "does not fit");
	free(z.b);
}

static void test_ram_and_vcpus(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];

	(void)state;
	bz_init(&z, SETUP_SECTS, PM_LEN);
	ram_init(8 * MiB, 3 * GiB + 2 * MiB);	/* more than the MMIO hole allows */
	assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "at most 3072"));
	assert_int_equal(gm_state.map_fail, 0);

	ram_init(1 * MiB, 1 * MiB);
	assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "too small"));

	ram_init(8 * MiB, 8 * MiB);
	assert_int_equal(load(&z, NULL, 0, "", 0, &e, err), -EINVAL);
	assert_int_equal(load(&z, NULL, 0, "", MPTABLE_MAX_CPUS + 1, &e, err), -EINVAL);
	assert_int_equal(load(&z, NULL, 0, "", MPTABLE_MAX_CPUS, &e, err), 0);
	assert_memory_equal(gm_state.ram + LOADER_MPTABLE, "_MP_", 4);

	/* guest RAM claimed but not mapped: an error, not a crash */
	ram_init(4 * MiB, 64 * MiB);
	assert_int_equal(load(&z, "rd", 2, "", 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "not mapped"));
	ram_init(0x8000, 8 * MiB);
	assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), -ENOEXEC);
	free(z.b);
}

/* Every single-byte change to the setup header either loads or is
 * refused with a reason; never a write outside guest RAM (ASan). */
static void test_header_bytes(void **state)
{
	struct bz z;
	struct guest_entry e;
	char err[200];
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };

	(void)state;
	ram_init(8 * MiB, 8 * MiB);
	bz_init(&z, SETUP_SECTS, PM_LEN);
	for (unsigned off = 0x1f1; off < 0x26c; off++) {
		uint8_t keep = z.b[off];

		for (unsigned v = 0; v < sizeof(vals); v++) {
			int r;

			z.b[off] = vals[v];
			r = load(&z, "initrd", 6, "x", 1, &e, err);
			assert_true(r == 0 || r == -ENOEXEC);
			if (r)
				assert_true(err[0] != 0);
			else
				assert_true(e.rip >= 1 * MiB + 0x200 && e.rip < 8 * MiB);
		}
		z.b[off] = keep;
	}
	free(z.b);
}

/* ------------------------------------------------- Debian's real kernel */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = n > 0 ? malloc((size_t)n) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void test_real_bzimage(void **state)
{
	const char *path = getenv("BASTION_TEST_BZIMAGE");
	struct bz z;
	struct guest_entry e;
	char err[200];
	uint8_t initrd[70000];
	uint64_t pref, init_size, rd_at;

	(void)state;
	if (!path)
		path = "build/guest-kernel/vmlinuz";
	z.b = slurp(path, &z.len);
	if (!z.b) {
		print_message("no %s: skipped\n", path);
		skip();
	}
	memset(initrd, 0x42, sizeof(initrd));
	ram_init(256 * MiB, 256 * MiB);
	assert_int_equal(load(&z, initrd, sizeof(initrd), "console=ttyS0 panic=-1", 2, &e, err), 0);
	pref = rd64(z.b + 0x258);
	init_size = rd32(z.b + 0x260);
	assert_int_equal(e.rip, pref + 0x200);
	assert_memory_equal(gm_state.ram + pref, z.b + pm_off(&z), z.len - pm_off(&z));
	rd_at = rd32(zp() + 0x218);
	assert_true(rd_at >= pref + init_size);
	assert_int_equal(rd_at, 256 * MiB - 0x12000);
	assert_memory_equal(zp() + 0x202, "HdrS", 4);
	assert_true(rd16(zp() + 0x206) >= 0x020c);
	check_e820(256 * MiB);

	/* too little RAM for it */
	ram_init(16 * MiB, 16 * MiB);
	assert_int_equal(load(&z, NULL, 0, "", 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "does not fit in 16 MiB of RAM"));
	free(z.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_good_image, teardown),
		cmocka_unit_test_teardown(test_no_initrd_empty_cmdline, teardown),
		cmocka_unit_test_teardown(test_setup_sects_zero_means_four, teardown),
		cmocka_unit_test_teardown(test_relocatable_alignment, teardown),
		cmocka_unit_test_teardown(test_not_relocatable, teardown),
		cmocka_unit_test_teardown(test_initrd_placement, teardown),
		cmocka_unit_test_teardown(test_cmdline, teardown),
		cmocka_unit_test_teardown(test_header_refusals, teardown),
		cmocka_unit_test_teardown(test_does_not_fit, teardown),
		cmocka_unit_test_teardown(test_ram_and_vcpus, teardown),
		cmocka_unit_test_teardown(test_header_bytes, teardown),
		cmocka_unit_test_teardown(test_real_bzimage, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
