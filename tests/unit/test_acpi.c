/* Unit tests of the ACPI MADT reader (drivers/acpi.c). The tables are
 * built in memory (ACPI 6.4 5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12
 * MADT) and served by a fake phys_reader from a few (pa -> buffer) chunks.
 * Every map() returns a fresh copy of exactly the bytes asked for, so ASan
 * flags any read beyond what the code mapped. */
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

#include "drivers/acpi.h"
#include "kernel/unaligned.h"

/* ------------------------------------------------------------ the fake reader */

#define MAX_CHUNKS 16
#define MAX_MAPS   4096

struct chunk {
	uint64_t pa;
	uint8_t *buf;
	size_t len;
};

struct mem {
	struct chunk c[MAX_CHUNKS];
	unsigned n;
	void *maps[MAX_MAPS];	/* copies handed out, freed at teardown */
	unsigned nmaps;
	unsigned refused;	/* map() calls answered with NULL */
};

static struct mem mem;

static const void *fake_map(void *ctx, uint64_t pa, size_t len)
{
	struct mem *m = ctx;

	assert_ptr_equal(ctx, &mem);
	for (unsigned i = 0; i < m->n; i++) {
		struct chunk *c = &m->c[i];

		if (pa < c->pa || pa - c->pa > c->len || len > c->len - (pa - c->pa))
			continue;
		assert_true(m->nmaps < MAX_MAPS);
		void *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, c->buf + (pa - c->pa), len);
		m->maps[m->nmaps++] = copy;
		return copy;
	}
	m->refused++;
	return NULL;
}

static const struct phys_reader reader = { fake_map, &mem };

/* A zeroed chunk of physical memory at pa. */
static uint8_t *chunk(uint64_t pa, size_t len)
{
	struct chunk *c;

	assert_true(mem.n < MAX_CHUNKS);
	c = &mem.c[mem.n++];
	c->pa = pa;
	c->len = len;
	c->buf = calloc(1, len);
	assert_non_null(c->buf);
	return c->buf;
}

static int setup(void **state)
{
	(void)state;
	memset(&mem, 0, sizeof(mem));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < mem.n; i++)
		free(mem.c[i].buf);
	for (unsigned i = 0; i < mem.nmaps; i++)
		free(mem.maps[i]);
	memset(&mem, 0, sizeof(mem));
	return 0;
}

/* ------------------------------------------------------------ table builders */

static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Sets p[at] so that the n bytes at p sum to 0 (mod 256). */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

/* RSDP (5.2.5.3): v1 is 20 bytes, v2 (revision 2) 36. */
static void make_rsdp(uint8_t *p, int rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(p, 0, rev >= 2 ? 36 : 20);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "BASTN ", 6);
	p[15] = (uint8_t)rev;
	wr32(p + 16, rsdt);
	if (rev >= 2) {
		wr32(p + 20, 36);
		wr64(p + 24, xsdt);
	}
	fix_sum(p, 20, 8);
	if (rev >= 2)
		fix_sum(p, 36, 32);	/* covers byte 8 too */
}

/* A system description table header (5.2.6) of total length len. */
static void make_hdr(uint8_t *p, const char *sig, uint32_t len)
{
	memcpy(p, sig, 4);
	wr32(p + 4, len);
	p[8] = 1;
	memcpy(p + 10, "BASTN ", 6);
	memcpy(p + 16, "TESTTBL ", 8);
	wr32(p + 24, 1);
	memcpy(p + 28, "TEST", 4);
	wr32(p + 32, 1);
}

static void seal(uint8_t *t)
{
	fix_sum(t, ld32(t + 4), 9);
}

/* RSDT/XSDT with the given entries, at buffer t. Returns the length. */
static uint32_t make_root(uint8_t *t, bool xsdt, const uint64_t *pas, unsigned n)
{
	uint32_t esz = xsdt ? 8 : 4, len = 36 + n * esz;

	make_hdr(t, xsdt ? "XSDT" : "RSDT", len);
	for (unsigned i = 0; i < n; i++) {
		if (xsdt)
			wr64(t + 36 + i * 8, pas[i]);
		else
			wr32(t + 36 + i * 4, (uint32_t)pas[i]);
	}
	seal(t);
	return len;
}

/* A MADT under construction. */
struct madt {
	uint8_t *t;
	uint32_t len;
};

static struct madt madt_begin(uint8_t *t, uint32_t lapic)
{
	make_hdr(t, "APIC", 44);
	wr32(t + 36, lapic);
	wr32(t + 40, 1);		/* PCAT_COMPAT */
	return (struct madt){ t, 44 };
}

static uint8_t *madt_entry(struct madt *m, uint8_t type, uint8_t len)
{
	uint8_t *e = m->t + m->len;

	memset(e, 0, len > 2 ? len : 2);
	e[0] = type;
	e[1] = len;
	m->len += len;
	wr32(m->t + 4, m->len);
	return e;
}

/* 5.2.12.2 Processor Local APIC: flags bit 0 enabled. */
static void madt_lapic(struct madt *m, uint8_t apic_id, bool enabled)
{
	uint8_t *e = madt_entry(m, 0, 8);

	e[2] = apic_id;			/* ACPI processor UID */
	e[3] = apic_id;
	wr32(e + 4, enabled ? 1 : 0);
}

/* 5.2.12.12 Processor Local x2APIC. */
static void madt_x2apic(struct madt *m, uint32_t id, bool enabled)
{
	uint8_t *e = madt_entry(m, 9, 16);

	wr32(e + 4, id);
	wr32(e + 8, enabled ? 1 : 0);
	wr32(e + 12, id);
}

/* 5.2.12.8 Local APIC Address Override. */
static void madt_override(struct madt *m, uint64_t pa)
{
	wr64(madt_entry(m, 5, 12) + 4, pa);
}

/* 5.2.12.3 I/O APIC: not a CPU. */
static void madt_ioapic(struct madt *m)
{
	uint8_t *e = madt_entry(m, 1, 12);

	wr32(e + 4, 0xfec00000);
}

static void madt_end(struct madt *m)
{
	seal(m->t);
}

/* ------------------------------------------------------------ a standard machine */

#define RSDT_PA 0x7fe0000ull
#define XSDT_PA 0x7fe1000ull
#define MADT_PA 0x7fe2000ull
#define FACP_PA 0x7fe3000ull
#define HPET_PA 0x7fe4000ull
#define MADT2_PA 0x7fe5000ull
#define HIGH_PA 0x1ffff0000ull		/* above 4 GiB: XSDT only */
#define TBL_LEN 0x1000

/* Firmware tables: FACP and HPET (not MADTs) and a MADT with CPUs
 * 0, 1, 3 enabled, 2 disabled, an I/O APIC, and an x2APIC CPU 300. */
static uint8_t *tables(void)
{
	uint8_t *t = chunk(RSDT_PA, 6 * TBL_LEN);
	struct madt m;

	make_hdr(t + (FACP_PA - RSDT_PA), "FACP", 0x114);
	seal(t + (FACP_PA - RSDT_PA));
	make_hdr(t + (HPET_PA - RSDT_PA), "HPET", 0x38);
	seal(t + (HPET_PA - RSDT_PA));
	m = madt_begin(t + (MADT_PA - RSDT_PA), 0xfee00000);
	madt_lapic(&m, 0, true);
	madt_lapic(&m, 1, true);
	madt_ioapic(&m);
	madt_lapic(&m, 2, false);
	madt_lapic(&m, 3, true);
	madt_x2apic(&m, 300, true);
	madt_x2apic(&m, 301, false);
	madt_end(&m);
	/* A second MADT, only reachable through the RSDT in some tests. */
	m = madt_begin(t + (MADT2_PA - RSDT_PA), 0xfee00000);
	madt_lapic(&m, 42, true);
	madt_end(&m);
	return t;
}

static uint8_t *at(uint8_t *t, uint64_t pa)
{
	return t + (pa - RSDT_PA);
}

static void roots(uint8_t *t, const uint64_t *pas, unsigned n)
{
	make_root(at(t, RSDT_PA), false, pas, n);
	make_root(at(t, XSDT_PA), true, pas, n);
}

static const uint64_t std_entries[] = { FACP_PA, HPET_PA, MADT_PA };

static void expect_std_cpus(const struct acpi_cpus *c)
{
	assert_int_equal(c->n, 4);
	assert_int_equal(c->apic_id[0], 0);
	assert_int_equal(c->apic_id[1], 1);
	assert_int_equal(c->apic_id[2], 3);
	assert_int_equal(c->apic_id[3], 300);
	assert_int_equal(c->lapic_pa, 0xfee00000);
}

static int find(const uint8_t *copy, struct acpi_cpus *c)
{
	memset(c, 0xee, sizeof(*c));
	return acpi_find_cpus(&reader, copy, c);
}

/* ------------------------------------------------------------ happy paths */

static void test_rsdp_copy_v2_xsdt(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
}

static void test_rsdp_copy_v1_rsdt(void **state)
{
	uint8_t rsdp[36] = { 0 };
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	make_rsdp(rsdp, 0, RSDT_PA, 0);
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
}

static void test_xsdt_preferred_over_rsdt(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = tables();
	const uint64_t other[] = { MADT2_PA };

	(void)state;
	make_root(at(t, RSDT_PA), false, other, 1);
	make_root(at(t, XSDT_PA), true, std_entries, 3);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
	/* A v2 RSDP without an XSDT address: the RSDT. */
	make_rsdp(rsdp, 2, RSDT_PA, 0);
	assert_int_equal(find(rsdp, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.apic_id[0], 42);
	/* A v1 RSDP ignores whatever follows its 20 bytes. */
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	rsdp[15] = 0;
	fix_sum(rsdp, 20, 8);
	assert_int_equal(find(rsdp, &c), 0);
	assert_int_equal(c.apic_id[0], 42);
}

static void test_xsdt_above_4g(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = tables();
	uint8_t *hi = chunk(HIGH_PA, TBL_LEN);
	const uint64_t e[] = { MADT_PA };

	(void)state;
	make_root(hi, true, e, 1);
	make_rsdp(rsdp, 2, 0, HIGH_PA);
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
	(void)t;
}

static void test_ebda_scan(void **state)
{
	uint8_t *bda = chunk(0x400, 0x100);
	uint8_t *ebda = chunk(0x9fc00, 0x400);
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	wr16(bda + 0x0e, 0x9fc0);		/* 40:0E, the EBDA segment */
	make_rsdp(ebda + 0x130, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
}

static void test_ebda_scan_v1(void **state)
{
	uint8_t *bda = chunk(0x400, 0x100);
	uint8_t *ebda = chunk(0x9fc00, 0x400);
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	wr16(bda + 0x0e, 0x9fc0);
	make_rsdp(ebda + 0x20, 0, RSDT_PA, 0);
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
}

static void test_bios_area_scan(void **state)
{
	uint8_t *bios = chunk(0xe0000, 0x20000);
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	/* No BDA mapped at all: straight to 0xE0000. */
	make_rsdp(bios + 0x15a40, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
}

static void test_bios_area_after_empty_ebda(void **state)
{
	uint8_t *bda = chunk(0x400, 0x100);
	uint8_t *ebda = chunk(0x9fc00, 0x400);
	uint8_t *bios = chunk(0xe0000, 0x20000);
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	wr16(bda + 0x0e, 0x9fc0);
	memset(ebda, 0x20, 0x400);
	/* A signature with a bad checksum in the EBDA is skipped. */
	make_rsdp(ebda + 0x40, 0, MADT2_PA, 0);
	ebda[0x40 + 8]++;
	make_rsdp(bios, 0, RSDT_PA, 0);		/* first slot */
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
	/* EBDA segment 0: not looked at. */
	wr16(bda + 0x0e, 0);
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
}

static void test_scan_only_16_byte_boundaries(void **state)
{
	uint8_t *bios = chunk(0xe0000, 0x20000);
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	make_rsdp(bios + 0x1008, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(NULL, &c), -ENOENT);
	/* The first of several valid ones wins. */
	make_rsdp(bios + 0x2000, 0, RSDT_PA, 0);
	make_rsdp(bios + 0x3000, 0, 0x12345000, 0);
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
}

/* ACPI 6.4 5.2.5.1: the RSDP is on a 16-byte boundary anywhere in
 * 0xE0000-0xFFFFF (or the EBDA's first KiB). A 20-byte v1 RSDP in the last
 * 32 bytes of the area fits there, and must be found. */
static void test_scan_v1_rsdp_at_the_end(void **state)
{
	uint8_t *bios = chunk(0xe0000, 0x20000);
	uint8_t *bda = chunk(0x400, 0x100);
	uint8_t *ebda = chunk(0x9fc00, 0x400);
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	make_rsdp(bios + 0x20000 - 32, 0, RSDT_PA, 0);	/* at 0xFFFE0 */
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
	memset(bios, 0, 0x20000);
	wr16(bda + 0x0e, 0x9fc0);
	make_rsdp(ebda + 0x400 - 32, 0, RSDT_PA, 0);
	assert_int_equal(find(NULL, &c), 0);
	expect_std_cpus(&c);
}

static void test_rsdp_copy_bad_falls_back_to_scan(void **state)
{
	uint8_t rsdp[36];
	uint8_t *bios = chunk(0xe0000, 0x20000);
	struct acpi_cpus c;
	uint8_t *t = tables();

	(void)state;
	roots(t, std_entries, 3);
	make_rsdp(bios + 0x100, 2, RSDT_PA, XSDT_PA);
	make_rsdp(rsdp, 2, MADT2_PA, MADT2_PA);	/* would give CPU 42 */
	rsdp[8] ^= 1;				/* first checksum broken */
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
	make_rsdp(rsdp, 2, MADT2_PA, MADT2_PA);
	rsdp[32] ^= 1;				/* extended checksum broken */
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	memcpy(rsdp, "RSD PTX ", 8);		/* signature */
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
}

/* ------------------------------------------------------------ no ACPI */

static void test_no_acpi(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;

	(void)state;
	assert_int_equal(find(NULL, &c), -ENOENT);	/* nothing mapped */
	chunk(0x400, 0x100);
	chunk(0xe0000, 0x20000);
	assert_int_equal(find(NULL, &c), -ENOENT);	/* nothing there */
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	rsdp[15] = 2;
	rsdp[20]++;				/* ext checksum broken */
	assert_int_equal(find(rsdp, &c), -ENOENT);
}

static void test_no_madt(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = tables();
	const uint64_t e[] = { FACP_PA, HPET_PA };

	(void)state;
	roots(t, e, 2);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(rsdp, &c), -ENOENT);
	/* An empty XSDT. */
	roots(t, e, 0);
	assert_int_equal(find(rsdp, &c), -ENOENT);
}

static void test_entries_to_nowhere_are_skipped(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = tables();
	const uint64_t e[] = { 0, 0xdead0000, UINT64_MAX - 1, FACP_PA, MADT_PA };

	(void)state;
	make_root(at(t, XSDT_PA), true, e, 5);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(find(rsdp, &c), 0);
	expect_std_cpus(&c);
}

static void test_all_cpus_disabled(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = tables();
	struct madt m = madt_begin(at(t, MADT_PA), 0xfee00000);
	const uint64_t e[] = { MADT_PA };

	(void)state;
	madt_lapic(&m, 0, false);
	madt_x2apic(&m, 1, false);
	madt_ioapic(&m);
	madt_end(&m);
	roots(t, e, 1);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(rsdp, &c), -ENOENT);
	/* No entries at all. */
	m = madt_begin(at(t, MADT_PA), 0xfee00000);
	madt_end(&m);
	assert_int_equal(find(rsdp, &c), -ENOENT);
}

/* ------------------------------------------------------------ MADT contents */

static void test_madt_entries(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = tables();
	struct madt m = madt_begin(at(t, MADT_PA), 0xfee00000);
	const uint64_t e[] = { MADT_PA };
	uint8_t *x;

	(void)state;
	madt_lapic(&m, 7, true);
	x = madt_entry(&m, 0, 6);		/* too short for a LAPIC: ignored */
	x[3] = 9;
	x[4] = 1;				/* though it says "enabled" */
	x = madt_entry(&m, 9, 12);		/* too short for an x2APIC */
	wr32(x + 4, 10);
	madt_entry(&m, 0x7f, 3);		/* unknown types are skipped */
	madt_entry(&m, 2, 10);			/* interrupt source override */
	madt_x2apic(&m, 0x12345678, true);
	x = madt_entry(&m, 0, 10);		/* longer than needed: fine */
	x[3] = 0xff;
	wr32(x + 4, 1);
	madt_override(&m, 0xfed0000000ull);
	x = madt_entry(&m, 5, 6);		/* too short for an override */
	memset(x + 2, 0xab, 4);
	madt_end(&m);
	roots(t, e, 1);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(rsdp, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.apic_id[0], 7);
	assert_int_equal(c.apic_id[1], 0x12345678);
	assert_int_equal(c.apic_id[2], 0xff);
	assert_int_equal(c.lapic_pa, 0xfed0000000ull);
}

static void test_more_than_64_cpus(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = chunk(RSDT_PA, 0x4000);
	struct madt m = madt_begin(at(t, MADT_PA), 0xfee00000);
	const uint64_t e[] = { MADT_PA };

	(void)state;
	for (unsigned i = 0; i < 100; i++)
		madt_lapic(&m, (uint8_t)(200 - i), i != 5);
	for (unsigned i = 0; i < 100; i++)
		madt_x2apic(&m, 1000 + i, true);
	madt_override(&m, 0xabc000);		/* after the cap: still seen */
	madt_end(&m);
	roots(t, e, 1);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(rsdp, &c), 0);
	assert_int_equal(c.n, 64);
	for (unsigned i = 0, k = 0; k < 64; i++) {
		if (i == 5)
			continue;
		assert_int_equal(c.apic_id[k++], 200 - i);
	}
	assert_int_equal(c.lapic_pa, 0xabc000);
}

/* ------------------------------------------------------------ hostile tables */

static void setup_std(uint8_t **t, uint8_t *rsdp)
{
	*t = tables();
	roots(*t, std_entries, 3);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
}

static void test_bad_root_checksums(void **state)
{
	uint8_t rsdp[36], *t;
	struct acpi_cpus c;

	(void)state;
	setup_std(&t, rsdp);
	at(t, XSDT_PA)[20] ^= 0x40;
	assert_int_equal(find(rsdp, &c), -EINVAL);
	make_rsdp(rsdp, 0, RSDT_PA, 0);		/* the RSDT is still fine */
	assert_int_equal(find(rsdp, &c), 0);
	at(t, RSDT_PA)[36] ^= 1;
	assert_int_equal(find(rsdp, &c), -EINVAL);
}

static void test_bad_madt_checksum(void **state)
{
	uint8_t rsdp[36], *t;
	struct acpi_cpus c;

	(void)state;
	setup_std(&t, rsdp);
	at(t, MADT_PA)[44 + 3] ^= 0x10;		/* an APIC ID */
	assert_int_equal(find(rsdp, &c), -EINVAL);
}

static void test_bad_lengths(void **state)
{
	static const uint32_t lens[] = { 0, 1, 35, TBL_LEN * 6 + 1, (1u << 20) + 1,
					 UINT32_MAX };
	uint8_t rsdp[36], *t;
	struct acpi_cpus c;

	(void)state;
	setup_std(&t, rsdp);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		roots(t, std_entries, 3);
		wr32(at(t, XSDT_PA) + 4, lens[i]);
		fix_sum(at(t, XSDT_PA), 36, 9);	/* whatever a checksum can fix */
		assert_int_equal(find(rsdp, &c), -EINVAL);
	}
	roots(t, std_entries, 3);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *mt = at(t, MADT_PA);
		uint32_t good = ld32(mt + 4);

		wr32(mt + 4, lens[i]);
		fix_sum(mt, 36, 9);
		assert_int_equal(find(rsdp, &c), -EINVAL);
		wr32(mt + 4, good);
		seal(mt);
	}
	assert_int_equal(find(rsdp, &c), 0);
}

/* A table whose length runs past the memory the reader will serve. */
static void test_length_beyond_the_chunk(void **state)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	uint8_t *t = chunk(RSDT_PA, 3 * TBL_LEN);
	uint8_t *mt = chunk(0x5000000, 0x100);	/* a MADT at the end of memory */
	struct madt m = madt_begin(mt, 0xfee00000);
	const uint64_t e[] = { 0x5000000 };

	(void)state;
	madt_lapic(&m, 1, true);
	madt_end(&m);
	roots(t, e, 1);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(find(rsdp, &c), 0);
	/* One byte more than the reader has: it refuses, and so must we. */
	wr32(mt + 4, 0x101);
	mem.refused = 0;
	assert_int_equal(find(rsdp, &c), -EINVAL);
	assert_true(mem.refused > 0);
	wr32(mt + 4, m.len);
	seal(mt);
	assert_int_equal(find(rsdp, &c), 0);
	/* The XSDT likewise (8 bytes past its chunk). */
	wr32(at(t, XSDT_PA) + 4, 3 * TBL_LEN - (XSDT_PA - RSDT_PA) + 8);
	mem.refused = 0;
	assert_int_equal(find(rsdp, &c), -EINVAL);
	assert_true(mem.refused > 0);
	/* A header that is itself cut off. */
	const uint64_t e2[] = { 0x5000000 + 0x100 - 16 };

	roots(t, e2, 1);
	memcpy(mt + 0x100 - 16, "APIC", 4);
	assert_int_equal(find(rsdp, &c), -EINVAL);
}

static void test_madt_too_short(void **state)
{
	uint8_t rsdp[36], *t;
	struct acpi_cpus c;

	(void)state;
	setup_std(&t, rsdp);
	for (uint32_t len = 36; len < 44; len++) {
		wr32(at(t, MADT_PA) + 4, len);
		seal(at(t, MADT_PA));
		assert_int_equal(find(rsdp, &c), -EINVAL);
	}
}

static void test_madt_entry_length_0_or_1(void **state)
{
	uint8_t rsdp[36], *t;
	struct acpi_cpus c;

	(void)state;
	for (uint8_t l = 0; l < 2; l++) {
		setup_std(&t, rsdp);
		struct madt m = madt_begin(at(t, MADT_PA), 0xfee00000);

		madt_lapic(&m, 1, true);
		uint8_t *e = madt_entry(&m, 0, 8);	/* then shrink it */

		e[1] = l;
		madt_lapic(&m, 2, true);
		madt_end(&m);
		assert_int_equal(find(rsdp, &c), -EINVAL);	/* and it returns */
		teardown(NULL);
	}
}

static void test_madt_entry_past_the_end(void **state)
{
	uint8_t rsdp[36], *t;
	struct acpi_cpus c;

	(void)state;
	setup_std(&t, rsdp);
	struct madt m = madt_begin(at(t, MADT_PA), 0xfee00000);

	madt_lapic(&m, 1, true);
	madt_x2apic(&m, 2, true);
	/* Cut the table inside the last entry. */
	wr32(m.t + 4, m.len - 1);
	seal(m.t);
	assert_int_equal(find(rsdp, &c), -EINVAL);
	/* An entry claiming more than is left. */
	m = madt_begin(at(t, MADT_PA), 0xfee00000);
	madt_lapic(&m, 1, true);
	uint8_t *e = madt_entry(&m, 0, 8);

	e[1] = 9;
	madt_end(&m);
	assert_int_equal(find(rsdp, &c), -EINVAL);
	/* One stray byte after the last entry is no entry at all. */
	m = madt_begin(at(t, MADT_PA), 0xfee00000);
	madt_lapic(&m, 1, true);
	wr32(m.t + 4, m.len + 1);
	m.t[m.len] = 0;
	seal(m.t);
	assert_int_equal(find(rsdp, &c), 0);
	assert_int_equal(c.n, 1);
}

static void test_xsdt_odd_length(void **state)
{
	uint8_t rsdp[36], *t;
	struct acpi_cpus c;

	(void)state;
	setup_std(&t, rsdp);
	/* A partial trailing entry is not read. */
	const uint64_t e[] = { FACP_PA, MADT_PA };

	make_root(at(t, XSDT_PA), true, e, 2);
	wr32(at(t, XSDT_PA) + 4, 36 + 8 + 7);
	seal(at(t, XSDT_PA));
	assert_int_equal(find(rsdp, &c), -ENOENT);
	wr32(at(t, XSDT_PA) + 4, 36 + 16);
	seal(at(t, XSDT_PA));
	assert_int_equal(find(rsdp, &c), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rsdp_copy_v2_xsdt),
		T(test_rsdp_copy_v1_rsdt),
		T(test_xsdt_preferred_over_rsdt),
		T(test_xsdt_above_4g),
		T(test_ebda_scan),
		T(test_ebda_scan_v1),
		T(test_bios_area_scan),
		T(test_bios_area_after_empty_ebda),
		T(test_scan_only_16_byte_boundaries),
		T(test_scan_v1_rsdp_at_the_end),
		T(test_rsdp_copy_bad_falls_back_to_scan),
		T(test_no_acpi),
		T(test_no_madt),
		T(test_entries_to_nowhere_are_skipped),
		T(test_all_cpus_disabled),
		T(test_madt_entries),
		T(test_more_than_64_cpus),
		T(test_bad_root_checksums),
		T(test_bad_madt_checksum),
		T(test_bad_lengths),
		T(test_length_beyond_the_chunk),
		T(test_madt_too_short),
		T(test_madt_entry_length_0_or_1),
		T(test_madt_entry_past_the_end),
		T(test_xsdt_odd_length),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
