/* The guest I/O APIC (vmm/dev/ioapic.c) against the 82093AA datasheet:
 * the IOREGSEL/IOWIN window, redirection entries, edge and level pins,
 * remote IRR and EOI, and the loop with a local APIC that a level
 * interrupt makes (vmm/dev/vlapic.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev/ioapic.h"
#include "vmm/dev/vlapic.h"

#define MASKED    (1u << 16)
#define LEVEL     (1u << 15)
#define REMOTE    (1u << 14)
#define LOWACTIVE (1u << 13)
#define LOGICAL   (1u << 11)

static struct ioapic io;
static struct apic_msg sent[64];
static int nsent;
static struct vlapic *to_lapic;		/* when set, messages go to it */

static void deliver(void *ctx, const struct apic_msg *m)
{
	assert_ptr_equal(ctx, &io);
	if (nsent < (int)(sizeof(sent) / sizeof(sent[0])))
		sent[nsent] = *m;
	nsent++;
	if (to_lapic)
		vlapic_accept(to_lapic, m->vector, m->level);
}

static uint32_t rd(uint32_t reg)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(ioapic_write(&io, 0, 4, reg), 0);
	assert_int_equal(ioapic_read(&io, 0x10, 4, &v), 0);
	assert_true(v <= 0xffffffffu);
	return (uint32_t)v;
}

static void wr(uint32_t reg, uint32_t v)
{
	assert_int_equal(ioapic_write(&io, 0, 4, reg), 0);
	assert_int_equal(ioapic_write(&io, 0x10, 4, v), 0);
}

/* Linux's ioapic_write_entry order: high dword, then low. */
static void set_entry(unsigned pin, uint32_t lo, uint8_t dest)
{
	wr(0x11 + 2 * pin, (uint32_t)dest << 24);
	wr(0x10 + 2 * pin, lo);
}

static int setup(void **state)
{
	(void)state;
	ioapic_init(&io, 2, deliver, &io);
	memset(sent, 0, sizeof(sent));
	nsent = 0;
	to_lapic = NULL;
	return 0;
}

/* Datasheet 3.2.1-3.2.3 and power-on: all pins masked. */
static void test_init_state(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(rd(0), 0x02000000);			/* IOAPICID */
	assert_int_equal(rd(1), 0x00170011);			/* 24 entries, version 0x11 */
	assert_int_equal(rd(2), 0x02000000);			/* IOAPICARB */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		assert_int_equal(rd(0x10 + 2 * pin), MASKED);
		assert_int_equal(rd(0x11 + 2 * pin), 0);
	}
	assert_int_equal(ioapic_read(&io, 0, 4, &v), 0);
	assert_int_equal(v, 0x11 + 2 * (IOAPIC_PINS - 1));	/* the last select */
	/* Every pin raised at power-on: nothing sent. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		ioapic_set_irq(&io, pin, true);
	assert_int_equal(nsent, 0);
	ioapic_init(&io, 0xff, deliver, &io);			/* 4-bit ID */
	assert_int_equal(rd(0), 0x0f000000);
}

/* Only aligned dwords at IOREGSEL (0) and IOWIN (0x10). */
static void test_bad_access(void **state)
{
	static const unsigned sizes[] = { 0, 1, 2, 3, 8 };
	static const uint64_t offs[] = { 1, 2, 4, 8, 0xc, 0x11, 0x14, 0x18, 0x20, 0x40,
		0x1000, 0xfffffffffffffff0ull };
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		v = 0x1234;
		assert_int_equal(ioapic_read(&io, 0, sizes[i], &v), -EINVAL);
		assert_int_equal(ioapic_read(&io, 0x10, sizes[i], &v), -EINVAL);
		assert_int_equal(v, 0x1234);
		assert_int_equal(ioapic_write(&io, 0, sizes[i], 0x10), -EINVAL);
		assert_int_equal(ioapic_write(&io, 0x10, sizes[i], 0), -EINVAL);
	}
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		assert_int_equal(ioapic_read(&io, offs[i], 4, &v), -EINVAL);
		assert_int_equal(ioapic_write(&io, offs[i], 4, 0), -EINVAL);
	}
	assert_int_equal(rd(0x10), MASKED);			/* nothing unmasked */
	assert_int_equal(nsent, 0);
}

/* IOREGSEL holds 8 bits; unimplemented registers read 0 and ignore
 * writes; version and arbitration are read-only. */
static void test_register_select(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(ioapic_write(&io, 0, 4, 0xffffff13), 0);
	assert_int_equal(ioapic_read(&io, 0, 4, &v), 0);
	assert_int_equal(v, 0x13);
	static const uint32_t unimpl[] = { 3, 4, 0xf, 0x10 + 2 * IOAPIC_PINS, 0x41, 0x80, 0xff };
	for (size_t i = 0; i < sizeof(unimpl) / sizeof(unimpl[0]); i++) {
		wr(unimpl[i], 0xffffffff);
		assert_int_equal(rd(unimpl[i]), 0);
	}
	/* 0x1xx would alias pin 0 if IOREGSEL kept more than 8 bits. */
	wr(0x110, 0x30);
	assert_int_equal(rd(0x10), 0x30);			/* 0x110 & 0xff is 0x10 */
	wr(1, 0xffffffff);
	wr(2, 0xffffffff);
	assert_int_equal(rd(1), 0x00170011);
	assert_int_equal(rd(2), 0x02000000);
	wr(0, 0xffffffff);					/* ID: bits 27:24 */
	assert_int_equal(rd(0), 0x0f000000);
	assert_int_equal(rd(2), 0x0f000000);
	wr(0, 0x05000000);
	assert_int_equal(rd(0), 0x05000000);
	for (unsigned pin = 1; pin < IOAPIC_PINS; pin++)
		assert_int_equal(rd(0x10 + 2 * pin), MASKED);
	assert_int_equal(nsent, 0);
}

/* Redirection entry bits (datasheet 3.2.4): delivery status (12) and
 * remote IRR (14) are read-only, 17-55 reserved. */
static void test_entry_bits(void **state)
{
	(void)state;
	wr(0x10 + 2 * 5, 0xffffffff);
	assert_int_equal(rd(0x10 + 2 * 5), 0x1afff);
	wr(0x11 + 2 * 5, 0xffffffff);
	assert_int_equal(rd(0x11 + 2 * 5), 0xff000000);
	wr(0x10 + 2 * 5, 0);
	assert_int_equal(rd(0x10 + 2 * 5), 0);
	assert_int_equal(rd(0x11 + 2 * 5), 0xff000000);	/* halves independent */
	set_entry(23, LEVEL | LOWACTIVE | LOGICAL | (1u << 8) | 0x59, 0x0f);
	assert_int_equal(rd(0x10 + 2 * 23), LEVEL | LOWACTIVE | LOGICAL | 0x100 | 0x59);
	assert_int_equal(rd(0x11 + 2 * 23), 0x0f000000);
	assert_int_equal(nsent, 0);				/* pin 23 is low */
}

/* An edge pin sends on each rising edge, once (datasheet 3.2.4, trigger
 * mode); the message carries the entry's fields. */
static void test_edge_pin(void **state)
{
	(void)state;
	set_entry(4, 0x34, 1);					/* COM1: edge, fixed */
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].vector, 0x34);
	assert_int_equal(sent[0].dm, APIC_DM_FIXED);
	assert_int_equal(sent[0].dest, 1);
	assert_false(sent[0].logical);
	assert_false(sent[0].level);
	assert_true(sent[0].assert);
	assert_int_equal(sent[0].shorthand, 0);
	ioapic_set_irq(&io, 4, true);				/* still high: no edge */
	assert_int_equal(nsent, 1);
	ioapic_set_irq(&io, 4, false);
	assert_int_equal(nsent, 1);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(nsent, 2);
	assert_false(rd(0x10 + 2 * 4) & REMOTE);		/* edge: no remote IRR */
	/* An EOI for its vector changes nothing. */
	ioapic_eoi(&io, 0x34);
	assert_int_equal(nsent, 2);
	/* Logical, lowest priority. */
	set_entry(6, LOGICAL | (1u << 8) | 0x36, 0x03);
	ioapic_set_irq(&io, 6, true);
	assert_int_equal(nsent, 3);
	assert_int_equal(sent[2].dm, APIC_DM_LOWEST);
	assert_true(sent[2].logical);
	assert_int_equal(sent[2].dest, 3);
	/* Other pins did not move. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		if (pin != 4 && pin != 6)
			assert_int_equal(rd(0x10 + 2 * pin), MASKED);
}

/* Datasheet, mask bit: an edge on a masked pin is lost, not held; and
 * unmasking a pin that is high sends nothing for an edge pin. */
static void test_edge_masked_is_lost(void **state)
{
	(void)state;
	set_entry(1, MASKED | 0x31, 0);
	ioapic_set_irq(&io, 1, true);
	ioapic_set_irq(&io, 1, false);
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(nsent, 0);
	set_entry(1, 0x31, 0);					/* unmask while high */
	assert_int_equal(nsent, 0);
	ioapic_set_irq(&io, 1, false);
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(nsent, 1);
}

/* A level pin sends while asserted and remote IRR is clear; remote IRR
 * is set by the send and cleared by the EOI of its vector. */
static void test_level_pin_remote_irr(void **state)
{
	(void)state;
	set_entry(10, LEVEL | LOWACTIVE | 0x3a, 0);
	ioapic_set_irq(&io, 10, true);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].level);
	assert_int_equal(sent[0].vector, 0x3a);
	assert_true(rd(0x10 + 2 * 10) & REMOTE);
	ioapic_set_irq(&io, 10, true);				/* no repeat before EOI */
	ioapic_set_irq(&io, 10, false);
	ioapic_set_irq(&io, 10, true);
	assert_int_equal(nsent, 1);
	ioapic_set_irq(&io, 10, false);
	ioapic_eoi(&io, 0x3b);					/* other vector */
	assert_true(rd(0x10 + 2 * 10) & REMOTE);
	ioapic_eoi(&io, 0x3a);
	assert_false(rd(0x10 + 2 * 10) & REMOTE);
	assert_int_equal(nsent, 1);				/* deasserted: no resend */
	ioapic_eoi(&io, 0x3a);					/* stray EOI */
	assert_int_equal(nsent, 1);
	ioapic_set_irq(&io, 10, true);
	assert_int_equal(nsent, 2);
}

/* The device has not been serviced when the EOI comes: the pin is still
 * asserted, so the interrupt is sent again (and again, per EOI). */
static void test_level_redelivery_after_eoi(void **state)
{
	(void)state;
	set_entry(11, LEVEL | 0x3b, 0);
	ioapic_set_irq(&io, 11, true);
	assert_int_equal(nsent, 1);
	for (int i = 2; i <= 5; i++) {
		ioapic_eoi(&io, 0x3b);
		assert_int_equal(nsent, i);
		assert_true(rd(0x10 + 2 * 11) & REMOTE);
	}
	ioapic_set_irq(&io, 11, false);
	ioapic_eoi(&io, 0x3b);
	assert_int_equal(nsent, 5);
	assert_false(rd(0x10 + 2 * 11) & REMOTE);
}

/* A level pin asserted while masked is sent when unmasked (Linux masks
 * level pins around their handlers: unmask_ioapic_irq). */
static void test_level_masked_then_unmasked(void **state)
{
	(void)state;
	set_entry(16, MASKED | LEVEL | LOWACTIVE | 0x40, 0);
	ioapic_set_irq(&io, 16, true);
	assert_int_equal(nsent, 0);
	assert_false(rd(0x10 + 2 * 16) & REMOTE);
	wr(0x10 + 2 * 16, LEVEL | LOWACTIVE | 0x40);		/* unmask */
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].vector, 0x40);
	/* Re-masking and unmasking while remote IRR is set: not again. */
	wr(0x10 + 2 * 16, MASKED | LEVEL | LOWACTIVE | 0x40);
	assert_true(rd(0x10 + 2 * 16) & REMOTE);		/* kept across writes */
	wr(0x10 + 2 * 16, LEVEL | LOWACTIVE | 0x40);
	assert_int_equal(nsent, 1);
	/* EOI while masked: remote IRR clears, nothing sent until unmasked. */
	wr(0x10 + 2 * 16, MASKED | LEVEL | LOWACTIVE | 0x40);
	ioapic_eoi(&io, 0x40);
	assert_int_equal(nsent, 1);
	assert_false(rd(0x10 + 2 * 16) & REMOTE);
	wr(0x11 + 2 * 16, 0x01000000);				/* high half: still masked */
	assert_int_equal(nsent, 1);
	wr(0x10 + 2 * 16, LEVEL | LOWACTIVE | 0x40);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].dest, 1);
	/* Unmasking a level pin that went low meanwhile sends nothing. */
	set_entry(17, MASKED | LEVEL | 0x41, 0);
	ioapic_set_irq(&io, 17, true);
	ioapic_set_irq(&io, 17, false);
	wr(0x10 + 2 * 17, LEVEL | 0x41);
	assert_int_equal(nsent, 2);
}

/* Remote IRR is the I/O APIC's: the guest can neither set nor clear it
 * by writing the entry, except that an edge entry has none. */
static void test_remote_irr_read_only(void **state)
{
	(void)state;
	wr(0x10 + 2 * 3, MASKED | LEVEL | REMOTE | 0x33);
	assert_false(rd(0x10 + 2 * 3) & REMOTE);
	set_entry(3, LEVEL | 0x33, 0);
	ioapic_set_irq(&io, 3, true);
	assert_int_equal(nsent, 1);
	wr(0x10 + 2 * 3, LEVEL | 0x33);				/* rewrite, no bit 14 */
	assert_true(rd(0x10 + 2 * 3) & REMOTE);
	assert_int_equal(nsent, 1);
	wr(0x10 + 2 * 3, LEVEL | 0x34);				/* new vector: still pending */
	assert_true(rd(0x10 + 2 * 3) & REMOTE);
	ioapic_eoi(&io, 0x33);					/* the old vector's EOI */
	assert_true(rd(0x10 + 2 * 3) & REMOTE);
	ioapic_eoi(&io, 0x34);
	assert_int_equal(nsent, 2);				/* still asserted */
	wr(0x10 + 2 * 3, 0x34);					/* to edge: remote IRR gone */
	assert_false(rd(0x10 + 2 * 3) & REMOTE);
	wr(0x10 + 2 * 3, LEVEL | 0x34);				/* back to level, high: sent */
	assert_int_equal(nsent, 3);
	assert_true(rd(0x10 + 2 * 3) & REMOTE);
}

/* Two level pins sharing a vector: one EOI clears both, and re-sends
 * only the one still asserted. */
static void test_shared_vector(void **state)
{
	(void)state;
	set_entry(18, LEVEL | 0x50, 0);
	set_entry(19, LEVEL | 0x50, 0);
	ioapic_set_irq(&io, 18, true);
	ioapic_set_irq(&io, 19, true);
	assert_int_equal(nsent, 2);
	ioapic_set_irq(&io, 18, false);
	ioapic_eoi(&io, 0x50);
	assert_int_equal(nsent, 3);
	assert_false(rd(0x10 + 2 * 18) & REMOTE);
	assert_true(rd(0x10 + 2 * 19) & REMOTE);
}

/* Pins beyond 23, vectors and values of any kind: ignored, no overrun. */
static void test_hostile(void **state)
{
	(void)state;
	for (unsigned pin = IOAPIC_PINS; pin < 1000; pin += 7) {
		ioapic_set_irq(&io, pin, true);
		ioapic_set_irq(&io, pin, false);
	}
	ioapic_set_irq(&io, ~0u, true);
	ioapic_set_irq(&io, 32, true);				/* would be 1 << 32 */
	assert_int_equal(io.level, 0);
	assert_int_equal(nsent, 0);
	for (unsigned r = 0; r < 0x100; r++) {
		wr(r, 0xffffffff);
		(void)rd(r);
	}
	for (unsigned v = 0; v < 256; v++)
		ioapic_eoi(&io, (uint8_t)v);
	assert_int_equal(nsent, 0);			/* all-ones entries are masked */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		assert_int_equal(rd(0x10 + 2 * pin), 0x1afff);
		wr(0x10 + 2 * pin, LEVEL | 0xff);
	}
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		ioapic_set_irq(&io, pin, true);
	assert_int_equal(nsent, IOAPIC_PINS);
	ioapic_eoi(&io, 0xff);
	assert_int_equal(nsent, 2 * IOAPIC_PINS);
}

/* The whole loop with a local APIC: a level interrupt, its handler's EOI
 * at the local APIC broadcast to the I/O APIC, and the line re-sent
 * while the device still holds it (SDM Vol 3A 10.8.5). */
static void test_level_loop_with_lapic(void **state)
{
	struct vlapic l;
	struct apic_msg m;
	uint8_t vec = 0;

	(void)state;
	vlapic_reset(&l, 0);
	assert_int_equal(vlapic_write(&l, 0xf0, 4, 0x1ff, 0, &m, &vec), 0);
	to_lapic = &l;
	set_entry(9, LEVEL | LOWACTIVE | 0x49, 0);		/* ACPI SCI */
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(vlapic_pending(&l), 0x49);
	vlapic_ack(&l, 0x49);
	assert_int_equal(vlapic_write(&l, 0xb0, 4, 0, 0, &m, &vec), 2);
	assert_int_equal(vec, 0x49);
	ioapic_eoi(&io, vec);					/* still asserted */
	assert_int_equal(nsent, 2);
	assert_int_equal(vlapic_pending(&l), 0x49);
	vlapic_ack(&l, 0x49);
	ioapic_set_irq(&io, 9, false);				/* handler quiets the device */
	assert_int_equal(vlapic_write(&l, 0xb0, 4, 0, 0, &m, &vec), 2);
	ioapic_eoi(&io, vec);
	assert_int_equal(nsent, 2);
	assert_int_equal(vlapic_pending(&l), -1);
	/* An edge pin's EOI is not broadcast. */
	set_entry(4, 0x34, 0);
	ioapic_set_irq(&io, 4, true);
	vlapic_ack(&l, 0x34);
	vec = 0;
	assert_int_equal(vlapic_write(&l, 0xb0, 4, 0, 0, &m, &vec), 0);
	assert_int_equal(vec, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_state, setup),
		cmocka_unit_test_setup(test_bad_access, setup),
		cmocka_unit_test_setup(test_register_select, setup),
		cmocka_unit_test_setup(test_entry_bits, setup),
		cmocka_unit_test_setup(test_edge_pin, setup),
		cmocka_unit_test_setup(test_edge_masked_is_lost, setup),
		cmocka_unit_test_setup(test_level_pin_remote_irr, setup),
		cmocka_unit_test_setup(test_level_redelivery_after_eoi, setup),
		cmocka_unit_test_setup(test_level_masked_then_unmasked, setup),
		cmocka_unit_test_setup(test_remote_irr_read_only, setup),
		cmocka_unit_test_setup(test_shared_vector, setup),
		cmocka_unit_test_setup(test_hostile, setup),
		cmocka_unit_test_setup(test_level_loop_with_lapic, setup),
	};

	return cmocka_run_group_tests_name("ioapic", tests, NULL, NULL);
}
