/* Unit tests of the MP table builder (vmm/mptable.c): the tables are
 * parsed back with this file's own reading of the Intel MultiProcessor
 * Specification 1.4 and of the checks Linux makes before it trusts them
 * (arch/x86/kernel/mpparse.c: smp_scan_config, smp_check_mpc,
 * smp_read_mpc). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/mptable.h"

#define BIOS_AREA 0xf0000u
#define BIOS_LEN 0x10000u

static uint8_t bios[BIOS_LEN];

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* What one parse finds. */
struct parsed {
	unsigned cpus, bsp_count, buses, ioapics, ioirqs, lints;
	uint8_t cpu_ids[256];
	uint8_t cpu_flags[256];
	uint8_t ioapic_id;
	uint32_t ioapic_addr;
	uint8_t irq_pin[16];		/* ISA IRQ -> pin, 0xff: none */
	uint16_t irq_flags[16];
	bool pci, isa;
	uint8_t lint_type[2];		/* by LINTIN# */
	uint8_t lint_dst[2];
};

/* Linux's smp_scan_config over the BIOS area: 16-byte steps, "_MP_",
 * length 1, checksum, spec 1 or 4. Returns the offset or -1. */
static long scan_mpf(const uint8_t *b, size_t len)
{
	for (size_t off = 0; off + 16 <= len; off += 16) {
		const uint8_t *p = b + off;

		if (!memcmp(p, "_MP_", 4) && p[8] == 1 && !sum(p, 16) &&
		    (p[9] == 1 || p[9] == 4))
			return (long)off;
	}
	return -1;
}

/* smp_check_mpc + smp_read_mpc, strict: every entry known, lengths and
 * counts exact. */
static void parse(const uint8_t *b, uint32_t gpa, struct parsed *out)
{
	long off = scan_mpf(b, BIOS_LEN);
	const uint8_t *mpf, *mpc, *p, *end;
	uint32_t phys;
	uint16_t length, count;
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	memset(out->irq_pin, 0xff, sizeof(out->irq_pin));
	assert_true(off >= 0);
	mpf = b + off;
	for (int i = 11; i < 16; i++)
		assert_int_equal(mpf[i], 0);		/* feature bytes: no default config, no IMCR */
	phys = rd32(mpf + 4);
	assert_true(phys >= gpa && phys - gpa < BIOS_LEN - 44);
	mpc = b + (phys - gpa);
	assert_memory_equal(mpc, "PCMP", 4);
	length = rd16(mpc + 4);
	assert_true(phys - gpa + length <= BIOS_LEN);
	assert_int_equal(sum(mpc, length), 0);
	assert_int_equal(mpc[6], 4);			/* spec 1.4 */
	assert_memory_equal(mpc + 8, "BASTION ", 8);
	assert_int_equal(rd32(mpc + 36), MPTABLE_LAPIC);	/* Linux: "no lapic address" otherwise */
	assert_int_equal(rd16(mpc + 40), 0);		/* no extended table */
	count = rd16(mpc + 34);
	p = mpc + 44;
	end = mpc + length;
	while (p < end) {
		switch (*p) {
		case 0:
			assert_true(p + 20 <= end);
			out->cpu_ids[out->cpus] = p[1];
			out->cpu_flags[out->cpus] = p[3];
			assert_int_equal(p[2], 0x14);
			assert_true(rd32(p + 8) & (1u << 9));	/* on-chip APIC */
			if (p[3] & 2)
				out->bsp_count++;
			out->cpus++;
			p += 20;
			break;
		case 1:
			assert_true(p + 8 <= end);
			if (!memcmp(p + 2, "PCI   ", 6)) {
				assert_int_equal(p[1], MPTABLE_BUS_PCI);
				out->pci = true;
			} else if (!memcmp(p + 2, "ISA   ", 6)) {
				assert_int_equal(p[1], MPTABLE_BUS_ISA);
				out->isa = true;
			} else {
				fail_msg("unknown bus type");
			}
			out->buses++;
			p += 8;
			break;
		case 2:
			assert_true(p + 8 <= end);
			out->ioapic_id = p[1];
			assert_int_equal(p[2], 0x11);
			assert_int_equal(p[3] & 1, 1);		/* enabled */
			out->ioapic_addr = rd32(p + 4);
			out->ioapics++;
			p += 8;
			break;
		case 3:
			assert_true(p + 8 <= end);
			assert_int_equal(p[1], 0);		/* INT */
			assert_int_equal(p[4], MPTABLE_BUS_ISA);
			assert_true(p[5] < 16);
			assert_int_equal(p[6], out->ioapic_id);	/* refers to the I/O APIC above */
			assert_int_equal(out->irq_pin[p[5]], 0xff);
			out->irq_pin[p[5]] = p[7];
			out->irq_flags[p[5]] = rd16(p + 2);
			out->ioirqs++;
			p += 8;
			break;
		case 4:
			assert_true(p + 8 <= end);
			assert_true(p[7] < 2);
			out->lint_type[p[7]] = p[1];
			out->lint_dst[p[7]] = p[6];
			out->lints++;
			p += 8;
			break;
		default:
			fail_msg("unknown entry type %u", *p);
		}
		seen++;
	}
	assert_ptr_equal(p, end);
	assert_int_equal(seen, count);
}

static void check_table(uint32_t n)
{
	struct parsed t;
	size_t size = mptable_size(n);

	memset(bios, 0x5a, sizeof(bios));
	assert_int_equal(mptable_build(bios, size, BIOS_AREA, n), 0);
	/* nothing past the size it reports */
	for (size_t i = size; i < BIOS_LEN; i++)
		assert_int_equal(bios[i], 0x5a);
	memset(bios + size, 0, BIOS_LEN - size);
	parse(bios, BIOS_AREA, &t);

	assert_int_equal(t.cpus, n);
	assert_int_equal(t.bsp_count, 1);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(t.cpu_ids[i], i);
		assert_int_equal(t.cpu_flags[i] & 1, 1);
		assert_int_equal(!!(t.cpu_flags[i] & 2), i == 0);
	}
	assert_int_equal(t.buses, 2);
	assert_true(t.pci && t.isa);
	assert_int_equal(t.ioapics, 1);
	assert_int_equal(t.ioapic_id, n);
	assert_int_equal(t.ioapic_addr, MPTABLE_IOAPIC);
	assert_int_equal(t.ioirqs, 16);
	for (unsigned irq = 0; irq < 16; irq++) {
		assert_int_equal(t.irq_pin[irq], irq);
		assert_int_equal(t.irq_flags[irq], 0x5);	/* active high, edge */
	}
	assert_int_equal(t.lints, 2);
	assert_int_equal(t.lint_type[0], 3);		/* ExtINT on LINT0 */
	assert_int_equal(t.lint_type[1], 1);		/* NMI on LINT1 */
	assert_int_equal(t.lint_dst[0], 0xff);
	assert_int_equal(t.lint_dst[1], 0xff);
}

static void test_one_cpu(void **s) { (void)s; check_table(1); }
static void test_two_cpus(void **s) { (void)s; check_table(2); }
static void test_eight_cpus(void **s) { (void)s; check_table(8); }
static void test_max_cpus(void **s) { (void)s; check_table(MPTABLE_MAX_CPUS); }

static void test_size(void **s)
{
	(void)s;
	/* 16 + 44 + 20 n + 2 buses + 1 I/O APIC + 16 + 2 interrupt entries */
	assert_int_equal(mptable_size(1), 16 + 44 + 20 + 8 * 21);
	assert_int_equal(mptable_size(4), 16 + 44 + 80 + 8 * 21);
	/* Linux looks for the pointer in 0xf0000-0xfffff: it and the table
	 * fit there for every CPU count. */
	assert_true(mptable_size(MPTABLE_MAX_CPUS) < BIOS_LEN);
}

static void test_physptr_follows_gpa(void **s)
{
	(void)s;
	memset(bios, 0, sizeof(bios));
	assert_int_equal(mptable_build(bios + 0x100, mptable_size(3), BIOS_AREA + 0x100, 3), 0);
	assert_int_equal(rd32(bios + 0x104), BIOS_AREA + 0x110);
	assert_int_equal(scan_mpf(bios, BIOS_LEN), 0x100);
}

static void test_refusals(void **s)
{
	(void)s;
	memset(bios, 0x5a, sizeof(bios));
	assert_int_equal(mptable_build(bios, BIOS_LEN, BIOS_AREA, 0), -EINVAL);
	assert_int_equal(mptable_build(bios, BIOS_LEN, BIOS_AREA, MPTABLE_MAX_CPUS + 1), -EINVAL);
	assert_int_equal(mptable_build(bios, mptable_size(2) - 1, BIOS_AREA, 2), -EINVAL);
	assert_int_equal(mptable_build(bios, BIOS_LEN, 0xfffffff0u, 2), -EINVAL);
	assert_int_equal(mptable_build(bios, BIOS_LEN, 1ull << 32, 2), -EINVAL);
	for (size_t i = 0; i < BIOS_LEN; i++)
		assert_int_equal(bios[i], 0x5a);		/* nothing written */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_two_cpus),
		cmocka_unit_test(test_eight_cpus),
		cmocka_unit_test(test_max_cpus),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_physptr_follows_gpa),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
