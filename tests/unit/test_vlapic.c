/* The guest local APIC (vmm/dev/vlapic.c) against SDM Vol 3A chapter 10:
 * the register page as Linux's apic.c drives it, priority and EOI, the
 * three timer modes on a fake TSC, IPIs, MSI decoding, destination
 * matching, and what a hostile guest may throw at the page. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev/vlapic.h"

enum {
	ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0,
	LDR = 0xd0, DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180,
	IRR = 0x200, ESR = 0x280, ICR_LO = 0x300, ICR_HI = 0x310,
	LVTT = 0x320, LVTTHM = 0x330, LVTPC = 0x340, LVT0 = 0x350,
	LVT1 = 0x360, LVTERR = 0x370, TMICT = 0x380, TMCCT = 0x390,
	TDCR = 0x3e0,
};

#define MASKED    0x10000u
#define PERIODIC  0x20000u
#define DEADLINE  0x40000u

static struct vlapic l;
static struct apic_msg msg;
static uint8_t eoi_vec;

static uint32_t rd(uint32_t off, uint64_t now)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vlapic_read(&l, off, 4, now, &v), 0);
	assert_true(v <= 0xffffffffu);
	return (uint32_t)v;
}

static int wr(uint32_t off, uint32_t v, uint64_t now)
{
	return vlapic_write(&l, off, 4, v, now, &msg, &eoi_vec);
}

/* The bit for vector v in the IRR/ISR/TMR register bank at base. */
static bool bank_bit(uint32_t base, unsigned v)
{
	return rd(base + (v / 32) * 16, 0) & (1u << (v % 32));
}

static int setup(void **state)
{
	(void)state;
	vlapic_reset(&l, 0);
	memset(&msg, 0, sizeof(msg));
	eoi_vec = 0;
	assert_int_equal(wr(SVR, 0x1ff, 0), 0);	/* software enable, spurious 0xff */
	return 0;
}

/* Power-on state, SDM 10.4.7.1; ID and version, 10.4.6 and 10.4.8. */
static void test_reset_state(void **state)
{
	(void)state;
	vlapic_reset(&l, 3);
	assert_int_equal(rd(ID, 0), 0x03000000);
	assert_int_equal(rd(VER, 0), LAPIC_VERSION);
	assert_int_equal((rd(VER, 0) >> 16) & 0xff, LVT_COUNT - 1);	/* max LVT */
	assert_false(rd(VER, 0) & (1u << 24));		/* no EOI-broadcast suppression */
	assert_int_equal(rd(SVR, 0), 0xff);		/* software-disabled */
	assert_int_equal(rd(DFR, 0), 0xffffffffu);	/* flat model */
	assert_int_equal(rd(LDR, 0), 0);
	assert_int_equal(rd(TPR, 0), 0);
	assert_int_equal(rd(PPR, 0), 0);
	for (uint32_t off = LVTT; off <= LVTERR; off += 16)
		assert_int_equal(rd(off, 0), MASKED);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(IRR + i * 16, 0), 0);
		assert_int_equal(rd(ISR + i * 16, 0), 0);
		assert_int_equal(rd(TMR + i * 16, 0), 0);
	}
	assert_int_equal(rd(TMICT, 0), 0);
	assert_int_equal(rd(TMCCT, 0), 0);
	assert_int_equal(vlapic_timer_due(&l), 0);
	/* Hardware-enabled at the architectural base; BSP flag only on 0. */
	assert_int_equal(l.base_msr, LAPIC_BASE | APIC_BASE_ENABLE);
	assert_false(vlapic_enabled(&l));
	vlapic_reset(&l, 0);
	assert_int_equal(l.base_msr, LAPIC_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP);
}

/* Only aligned dwords inside the page; the rest is refused and changes
 * nothing (SDM 10.4.1: "undefined", we give the vCPU a #GP). */
static void test_bad_access(void **state)
{
	static const unsigned sizes[] = { 0, 1, 2, 3, 8, 16 };
	static const uint32_t offs[] = { 0x81, 0x82, 0x84, 0x88, 0x8c, 0x1000, 0x1080,
		0xfff0, 0x80000080, 0xfffffff0, 0xffffffff };
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		v = 0x1234;
		assert_int_equal(vlapic_read(&l, TPR, sizes[i], 0, &v), -EINVAL);
		assert_int_equal(v, 0x1234);		/* untouched */
		assert_int_equal(vlapic_write(&l, TPR, sizes[i], 0xff, 0, &msg, &eoi_vec), -EINVAL);
		assert_int_equal(vlapic_write(&l, ICR_LO, sizes[i], 0x40fd, 0, &msg, &eoi_vec),
				 -EINVAL);
	}
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		assert_int_equal(vlapic_read(&l, offs[i], 4, 0, &v), -EINVAL);
		assert_int_equal(vlapic_write(&l, offs[i], 4, 0xff, 0, &msg, &eoi_vec), -EINVAL);
	}
	assert_int_equal(rd(TPR, 0), 0);
	assert_int_equal(rd(ICR_LO, 0), 0);
	/* The last dword of the page is fine (reserved: reads zero). */
	assert_int_equal(rd(0xff0, 0), 0);
	assert_int_equal(wr(0xff0, 0xffffffff, 0), 0);
	/* The upper half of a 64-bit value is not a register bit. */
	assert_int_equal(vlapic_write(&l, TPR, 4, 0xffffffff00000020ull, 0, &msg, &eoi_vec), 0);
	assert_int_equal(rd(TPR, 0), 0x20);
}

/* Every dword of the page reads without fault; the read-only and
 * reserved ones keep their value whatever the guest writes (Table 10-1). */
static void test_read_only_and_reserved(void **state)
{
	static const uint32_t ro[] = { ID, VER, APR, PPR, TMCCT, 0x00, 0x10, 0x40,
		0x70, 0xc0, 0x290, 0x2f0, 0x3a0, 0x3f0, 0x400, 0x800 };
	uint32_t before[sizeof(ro) / sizeof(ro[0])];

	(void)state;
	for (uint32_t off = 0; off < LAPIC_SIZE; off += 16)
		(void)rd(off, 0);
	vlapic_accept(&l, 0x41, true);
	vlapic_accept(&l, 0x52, false);
	vlapic_ack(&l, 0x52);
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		before[i] = rd(ro[i], 0);
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		assert_int_equal(wr(ro[i], 0xffffffff, 0), 0);
	for (uint32_t off = ISR; off < IRR + 0x80; off += 16)
		assert_int_equal(wr(off, 0xffffffff, 0), 0);	/* ISR, TMR, IRR */
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		assert_int_equal(rd(ro[i], 0), before[i]);
	assert_int_equal(rd(ID, 0), 0);
	assert_int_equal(rd(VER, 0), LAPIC_VERSION);
	assert_int_equal(rd(IRR + 2 * 16, 0), 1u << 1);		/* 0x41 only */
	assert_int_equal(rd(TMR + 2 * 16, 0), 1u << 1);
	assert_int_equal(rd(ISR + 2 * 16, 0), 1u << 18);	/* 0x52 */
	for (unsigned i = 0; i < 8; i++)
		if (i != 2) {
			assert_int_equal(rd(IRR + i * 16, 0), 0);
			assert_int_equal(rd(ISR + i * 16, 0), 0);
			assert_int_equal(rd(TMR + i * 16, 0), 0);
		}
	assert_int_equal(rd(EOI, 0), 0);		/* write-only */
	assert_int_equal(rd(0x3f0, 0), 0);
}

/* Guest values are cut to the bits each register has. */
static void test_reserved_bits(void **state)
{
	(void)state;
	wr(TPR, 0xffffffff, 0);
	assert_int_equal(rd(TPR, 0), 0xff);
	wr(LDR, 0xffffffff, 0);
	assert_int_equal(rd(LDR, 0), 0xff000000u);
	wr(DFR, 0, 0);					/* 27:0 read as ones */
	assert_int_equal(rd(DFR, 0), 0x0fffffffu);
	wr(DFR, 0xffffffff, 0);
	assert_int_equal(rd(DFR, 0), 0xffffffffu);
	wr(SVR, 0xffffffff, 0);				/* no bit 12: version says so */
	assert_int_equal(rd(SVR, 0), 0x3ff);
	wr(TDCR, 0xffffffff, 0);			/* Figure 10-10: bits 0, 1, 3 */
	assert_int_equal(rd(TDCR, 0), 0xb);
	wr(ICR_HI, 0xffffffff, 0);
	assert_int_equal(rd(ICR_HI, 0), 0xff000000u);
	wr(ICR_LO, 0xffffffff, 0);			/* delivery status (12) never busy */
	assert_int_equal(rd(ICR_LO, 0), 0x000ccfffu);
	assert_false(rd(ICR_LO, 0) & (1u << 12));
	/* Figure 10-8: delivery status (12) and remote IRR (14) are the
	 * APIC's; timer has no delivery mode; error has only vector+mask. */
	wr(LVTT, 0xffffffff, 0);
	assert_int_equal(rd(LVTT, 0), 0x000700ffu);
	wr(LVTTHM, 0xffffffff, 0);
	assert_int_equal(rd(LVTTHM, 0), 0x000107ffu);
	wr(LVTPC, 0xffffffff, 0);
	assert_int_equal(rd(LVTPC, 0), 0x000107ffu);
	wr(LVT0, 0xffffffff, 0);
	assert_int_equal(rd(LVT0, 0), 0x0001a7ffu);
	wr(LVT1, 0xffffffff, 0);
	assert_int_equal(rd(LVT1, 0), 0x0001a7ffu);
	wr(LVTERR, 0xffffffff, 0);
	assert_int_equal(rd(LVTERR, 0), 0x000100ffu);
	/* What Linux writes: LINT0 ExtINT masked, LINT1 NMI. */
	wr(LVT0, 0x10700, 0);
	assert_int_equal(rd(LVT0, 0), 0x10700);
	wr(LVT1, 0x400, 0);
	assert_int_equal(rd(LVT1, 0), 0x400);
}

/* SDM 10.4.7.2: clearing SVR bit 8 sets every LVT mask, and the masks
 * cannot be cleared until it is set again. */
static void test_software_disable(void **state)
{
	(void)state;
	wr(LVT0, 0x700, 0);
	wr(LVTT, 0x20030, 0);
	wr(LVTERR, 0xfe, 0);
	assert_true(vlapic_enabled(&l));
	wr(SVR, 0xff, 0);
	assert_false(vlapic_enabled(&l));
	for (uint32_t off = LVTT; off <= LVTERR; off += 16)
		assert_true(rd(off, 0) & MASKED);
	assert_int_equal(rd(LVT0, 0), 0x10700);	/* the rest kept */
	wr(LVT0, 0x700, 0);
	assert_int_equal(rd(LVT0, 0), 0x10700);
	/* Interrupts are not accepted while disabled. */
	vlapic_accept(&l, 0x40, false);
	assert_false(bank_bit(IRR, 0x40));
	assert_int_equal(vlapic_pending(&l), -1);
	/* Re-enabling does not unmask. */
	wr(SVR, 0x1ff, 0);
	assert_int_equal(rd(LVT0, 0), 0x10700);
	wr(LVT0, 0x700, 0);
	assert_int_equal(rd(LVT0, 0), 0x700);
}

/* SDM 10.8.3.1 and 10.8.4: highest IRR above PPR is delivered; ack moves
 * it to ISR; EOI retires the highest ISR. */
static void test_priority_and_nesting(void **state)
{
	(void)state;
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_accept(&l, 0x31, false);
	vlapic_accept(&l, 0x51, false);
	vlapic_accept(&l, 0x5f, false);
	assert_int_equal(vlapic_pending(&l), 0x5f);
	vlapic_ack(&l, 0x5f);
	assert_true(bank_bit(ISR, 0x5f));
	assert_false(bank_bit(IRR, 0x5f));
	assert_int_equal(rd(PPR, 0), 0x50);
	/* 0x51 is the same class as the one in service: held. */
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_accept(&l, 0x61, false);
	assert_int_equal(vlapic_pending(&l), 0x61);
	vlapic_ack(&l, 0x61);
	assert_int_equal(rd(PPR, 0), 0x60);
	assert_int_equal(wr(EOI, 0, 0), 0);		/* retires 0x61 */
	assert_false(bank_bit(ISR, 0x61));
	assert_true(bank_bit(ISR, 0x5f));
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(wr(EOI, 0, 0), 0);		/* retires 0x5f */
	assert_int_equal(rd(PPR, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x51);
	vlapic_ack(&l, 0x51);
	wr(EOI, 0, 0);
	assert_int_equal(vlapic_pending(&l), 0x31);
	/* Vectors 16 and 255 are legal, and the top one wins. */
	vlapic_accept(&l, 16, false);
	vlapic_accept(&l, 255, false);
	assert_int_equal(vlapic_pending(&l), 255);
	assert_true(bank_bit(IRR, 16));
}

/* SDM 10.8.3.1: PPR is TPR when TPR's class is at least the in-service
 * class, else the in-service class; CR8 is TPR[7:4] (10.8.6.1). */
static void test_tpr_ppr_cr8(void **state)
{
	(void)state;
	wr(TPR, 0x45, 0);
	assert_int_equal(rd(PPR, 0), 0x45);
	vlapic_accept(&l, 0x45, false);
	assert_int_equal(vlapic_pending(&l), -1);	/* class 4 not above 4 */
	vlapic_accept(&l, 0x50, false);
	assert_int_equal(vlapic_pending(&l), 0x50);
	vlapic_ack(&l, 0x50);
	assert_int_equal(rd(PPR, 0), 0x50);		/* ISR class wins, low bits 0 */
	wr(TPR, 0x5a, 0);
	assert_int_equal(rd(PPR, 0), 0x5a);		/* equal class: TPR */
	assert_int_equal(vlapic_get_cr8(&l), 5);
	wr(EOI, 0, 0);
	wr(TPR, 0, 0);
	assert_int_equal(vlapic_pending(&l), 0x45);
	vlapic_set_cr8(&l, 0xf7);			/* only 3:0 count */
	assert_int_equal(rd(TPR, 0), 0x70);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(TPR, 0x7a, 0);
	vlapic_set_cr8(&l, 3);
	assert_int_equal(rd(TPR, 0), 0x30);		/* TPR[3:0] cleared */
	assert_int_equal(vlapic_pending(&l), 0x45);
	vlapic_set_cr8(&l, 15);
	vlapic_accept(&l, 0xff, false);
	assert_int_equal(vlapic_pending(&l), -1);	/* nothing is above 15 */
}

/* SDM 10.5.3: vectors 0-15 are illegal; the ESR shows the errors seen
 * up to the last write to it, and the vector is never set in IRR. */
static void test_illegal_vectors_and_esr(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 16; v++)
		vlapic_accept(&l, (uint8_t)v, v & 1);
	assert_int_equal(rd(IRR, 0), 0);
	assert_int_equal(rd(TMR, 0), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(ESR, 0), 0);		/* not until written */
	wr(ESR, 0, 0);
	assert_int_equal(rd(ESR, 0), 0x40);		/* receive illegal vector */
	wr(ESR, 0xffffffff, 0);				/* the value written is irrelevant */
	assert_int_equal(rd(ESR, 0), 0);
	/* Fixed and lowest-priority IPIs with an illegal vector: not sent. */
	wr(ICR_HI, 0x01000000, 0);
	msg.vector = 0x77;
	assert_int_equal(wr(ICR_LO, 0x4005, 0), 0);
	assert_int_equal(wr(ICR_LO, 0x410f, 0), 0);
	wr(ESR, 0, 0);
	assert_int_equal(rd(ESR, 0), 0x20);		/* send illegal vector */
	/* NMI, INIT and SIPI carry no vector (SIPI's is a page number). */
	assert_int_equal(wr(ICR_LO, 0x4400, 0), 1);
	assert_int_equal(wr(ICR_LO, 0x4500, 0), 1);
	assert_int_equal(wr(ICR_LO, 0x4608, 0), 1);
	assert_int_equal(msg.vector, 8);
	wr(ESR, 0, 0);
	assert_int_equal(rd(ESR, 0), 0);
	/* A locally generated interrupt with an illegal vector is a receive
	 * error too: the timer LVT with vector 5. */
	wr(TDCR, 0xb, 0);
	wr(LVTT, 0x05, 0);
	wr(TMICT, 10, 0);
	assert_true(vlapic_timer_poll(&l, 10));
	assert_int_equal(rd(IRR, 0), 0);
	wr(ESR, 0, 0);
	assert_int_equal(rd(ESR, 0), 0x40);
}

/* An EOI with nothing in service is a no-op (Linux writes EOIs blindly
 * at boot: clear_local_APIC / the "ack pending" loop). */
static void test_eoi_nothing_in_service(void **state)
{
	(void)state;
	vlapic_accept(&l, 0x40, true);			/* pending, not in service */
	eoi_vec = 0x99;
	for (int i = 0; i < 3; i++)
		assert_int_equal(wr(EOI, 0, 0), 0);
	assert_int_equal(eoi_vec, 0x99);
	assert_true(bank_bit(IRR, 0x40));
	assert_true(bank_bit(TMR, 0x40));
	assert_int_equal(vlapic_pending(&l), 0x40);
}

/* SDM 10.8.4 and 10.8.5: TMR marks level-triggered vectors; their EOI is
 * broadcast to the I/O APICs (return 2), an edge one's is not. */
static void test_eoi_level_broadcast(void **state)
{
	(void)state;
	vlapic_accept(&l, 0x41, true);
	assert_true(bank_bit(TMR, 0x41));
	assert_int_equal(vlapic_pending(&l), 0x41);
	vlapic_ack(&l, 0x41);
	vlapic_accept(&l, 0x81, false);
	assert_false(bank_bit(TMR, 0x81));
	vlapic_ack(&l, 0x81);
	eoi_vec = 0;
	assert_int_equal(wr(EOI, 0, 0), 0);		/* 0x81: edge */
	assert_int_equal(eoi_vec, 0);
	assert_int_equal(wr(EOI, 0, 0), 2);		/* 0x41: level */
	assert_int_equal(eoi_vec, 0x41);
	assert_false(bank_bit(ISR, 0x41));
	/* The same vector later accepted as edge: TMR follows the latest. */
	vlapic_accept(&l, 0x41, false);
	assert_false(bank_bit(TMR, 0x41));
	vlapic_ack(&l, 0x41);
	assert_int_equal(wr(EOI, 0, 0), 0);
}

/* SDM 10.6.1: the ICR low write sends; the message carries every field. */
static void test_icr_messages(void **state)
{
	(void)state;
	wr(ICR_HI, 0x02ffffff, 0);
	assert_int_equal(wr(ICR_LO, 0x40fd, 0), 1);	/* fixed, assert, vector 0xfd */
	assert_int_equal(msg.vector, 0xfd);
	assert_int_equal(msg.dm, APIC_DM_FIXED);
	assert_int_equal(msg.dest, 2);
	assert_false(msg.logical);
	assert_false(msg.level);
	assert_true(msg.assert);
	assert_int_equal(msg.shorthand, 0);
	assert_int_equal(rd(ICR_LO, 0), 0x40fd);
	/* INIT assert, level; then INIT de-assert (Linux's wakeup_secondary_cpu_via_init). */
	assert_int_equal(wr(ICR_LO, 0xc500, 0), 1);
	assert_int_equal(msg.dm, APIC_DM_INIT);
	assert_true(msg.level && msg.assert);
	assert_int_equal(wr(ICR_LO, 0x8500, 0), 1);
	assert_true(msg.level);
	assert_false(msg.assert);
	/* SIPI to page 0x9a. */
	assert_int_equal(wr(ICR_LO, 0x069a, 0), 1);
	assert_int_equal(msg.dm, APIC_DM_SIPI);
	assert_int_equal(msg.vector, 0x9a);
	/* Logical, lowest priority, all-but-self shorthand. */
	wr(ICR_HI, 0x0f000000, 0);
	assert_int_equal(wr(ICR_LO, 0x000c0931, 0), 1);
	assert_int_equal(msg.dm, APIC_DM_LOWEST);
	assert_true(msg.logical);
	assert_int_equal(msg.dest, 0x0f);
	assert_int_equal(msg.shorthand, 3);
	/* Self, all-including-self. */
	assert_int_equal(wr(ICR_LO, 0x40040, 0), 1);
	assert_int_equal(msg.shorthand, 1);
	assert_int_equal(wr(ICR_LO, 0x80040, 0), 1);
	assert_int_equal(msg.shorthand, 2);
	/* NMI. */
	assert_int_equal(wr(ICR_LO, 0x400, 0), 1);
	assert_int_equal(msg.dm, APIC_DM_NMI);
	/* Writing ICR high alone sends nothing. */
	memset(&msg, 0x5a, sizeof(msg));
	assert_int_equal(wr(ICR_HI, 0x01000000, 0), 0);
	assert_int_equal(msg.vector, 0x5a);
}

/* SDM 10.11.1: MSI address 0xFEExxxxx, destination ID in 19:12, DM bit 2;
 * data: vector, delivery mode, trigger (bit 15). */
static void test_msi_decode(void **state)
{
	struct apic_msg m;

	(void)state;
	assert_int_equal(apic_msg_from_msi(0xfee03000, 0x4041, &m), 0);
	assert_int_equal(m.dest, 3);
	assert_false(m.logical);
	assert_int_equal(m.vector, 0x41);
	assert_int_equal(m.dm, APIC_DM_FIXED);
	assert_false(m.level);
	assert_true(m.assert);
	assert_int_equal(m.shorthand, 0);
	assert_int_equal(apic_msg_from_msi(0xfeeff00c, 0xc1ef, &m), 0);	/* RH+DM, lowest, level */
	assert_int_equal(m.dest, 0xff);
	assert_true(m.logical);
	assert_int_equal(m.vector, 0xef);
	assert_int_equal(m.dm, APIC_DM_LOWEST);
	assert_true(m.level);
	assert_int_equal(apic_msg_from_msi(0xfee01008, 0x41, &m), 0);	/* RH alone */
	assert_false(m.logical);
	assert_int_equal(apic_msg_from_msi(0xfee01004, 0x41, &m), 0);	/* DM alone */
	assert_true(m.logical);
	assert_int_equal(m.dest, 1);
	assert_int_equal(apic_msg_from_msi(0xfee00000, 0x400, &m), 0);
	assert_int_equal(m.dm, APIC_DM_NMI);
	assert_int_equal(apic_msg_from_msi(0xfeefffff, 0xffffffff, &m), 0);
	assert_int_equal(m.vector, 0xff);
	assert_int_equal(m.dm, 7);
	/* Outside the interrupt range: refused, message untouched. */
	static const uint64_t bad[] = { 0, 0xfed00000, 0xfedfffff, 0xfef00000, 0xfec00000,
		0x1fee00000ull, 0xfee0000000000000ull, 0xffffffffffffffffull, 0xee00000 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0x5a, sizeof(m));
		assert_int_equal(apic_msg_from_msi(bad[i], 0x41, &m), -EINVAL);
		assert_int_equal(m.vector, 0x5a);
	}
}

static bool match(uint8_t dest, bool logical)
{
	struct apic_msg m = { .dest = dest, .logical = logical };

	return vlapic_match_dest(&l, &m);
}

/* SDM 10.6.2.1: physical destination is the APIC ID; 0xFF broadcasts. */
static void test_dest_physical(void **state)
{
	(void)state;
	vlapic_reset(&l, 3);
	assert_true(match(3, false));
	assert_false(match(4, false));
	assert_false(match(0, false));
	assert_false(match(0x13, false));
	assert_true(match(0xff, false));
	wr(LDR, 0x03000000, 0);			/* LDR does not matter here */
	assert_false(match(1, false));
}

/* SDM 10.6.2.2, flat model (DFR 0xFFFFFFFF): MDA AND LDR non-zero. */
static void test_dest_logical_flat(void **state)
{
	(void)state;
	wr(LDR, 0x04000000, 0);				/* Linux: 1 << cpu */
	assert_true(match(0x04, true));
	assert_true(match(0x06, true));
	assert_false(match(0x03, true));
	assert_false(match(0x00, true));
	assert_true(match(0xff, true));
	assert_true(match(0x84, true));
	wr(LDR, 0x21000000, 0);
	assert_true(match(0x20, true));		/* any common bit in flat */
	assert_true(match(0x01, true));
}

/* Cluster model (DFR 0x0FFFFFFF): high nibble is the cluster, low nibble
 * a mask within it. */
static void test_dest_logical_cluster(void **state)
{
	(void)state;
	wr(DFR, 0x0fffffff, 0);
	wr(LDR, 0x21000000, 0);				/* cluster 2, member bit 0 */
	assert_true(match(0x21, true));
	assert_true(match(0x23, true));
	assert_true(match(0x2f, true));
	assert_false(match(0x22, true));		/* other member */
	assert_false(match(0x31, true));		/* other cluster */
	assert_false(match(0x20, true));		/* would match in flat */
	assert_false(match(0x01, true));
	assert_true(match(0xff, true));			/* broadcast */
	/* Switching back to flat changes the answer for the same LDR. */
	wr(DFR, 0xffffffff, 0);
	assert_true(match(0x20, true));
}

/* SDM 10.5.4: one-shot counts TMICT down at TSC/divide and interrupts
 * once at zero; TMCCT reads the count left. */
static void test_timer_oneshot(void **state)
{
	uint32_t v;

	(void)state;
	wr(TDCR, 0xb, 0);				/* divide by 1 */
	wr(LVTT, 0xec, 0);
	wr(TMICT, 1000, 5000);
	assert_int_equal(rd(TMICT, 5000), 1000);
	assert_int_equal(vlapic_timer_due(&l), 6000);
	assert_int_equal(rd(TMCCT, 5000), 1000);
	assert_int_equal(rd(TMCCT, 5250), 750);
	assert_int_equal(rd(TMCCT, 5999), 1);
	assert_false(vlapic_timer_poll(&l, 5999));
	assert_int_equal(rd(IRR + 7 * 16, 0), 0);
	assert_true(vlapic_timer_poll(&l, 6000));
	assert_true(bank_bit(IRR, 0xec));
	assert_false(bank_bit(TMR, 0xec));		/* the timer is edge */
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_int_equal(rd(TMCCT, 6000), 0);
	assert_int_equal(rd(TMCCT, 9000), 0);
	assert_false(vlapic_timer_poll(&l, 6001));
	assert_false(vlapic_timer_poll(&l, 1ull << 40));
	assert_int_equal(rd(TMICT, 7000), 1000);	/* initial count is kept */
	/* Expired but not polled yet: the count reads 0, not a wrap. */
	wr(TMICT, 100, 10000);
	assert_int_equal(rd(TMCCT, 10100), 0);
	v = rd(TMCCT, 10200);
	assert_int_equal(v, 0);
	assert_true(vlapic_timer_poll(&l, 10500));	/* late: still once */
	assert_false(vlapic_timer_poll(&l, 10600));
}

/* SDM Figure 10-10: divide values 2..128 and 1. */
static void test_timer_divide(void **state)
{
	static const struct { uint32_t dcr; uint64_t div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
		{ 0xf4, 2 },	/* reserved bits ignored: 0b0000 */
	};

	(void)state;
	wr(LVTT, 0x30, 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wr(TDCR, t[i].dcr, 0);
		wr(TMICT, 100, 1000);
		assert_int_equal(vlapic_timer_due(&l), 1000 + 100 * t[i].div);
		assert_int_equal(rd(TMCCT, 1000 + 40 * t[i].div), 60);
		/* Between two decrements: either side of the boundary. */
		assert_in_range(rd(TMCCT, 1000 + 40 * t[i].div + t[i].div / 2), 59, 60);
		assert_false(vlapic_timer_poll(&l, 1000 + 100 * t[i].div - 1));
		assert_true(vlapic_timer_poll(&l, 1000 + 100 * t[i].div));
	}
}

/* Periodic: re-arms from TMICT each period; a vCPU held off for several
 * periods gets one interrupt and the next boundary, not a burst. */
static void test_timer_periodic(void **state)
{
	(void)state;
	wr(TDCR, 0xb, 0);
	wr(LVTT, PERIODIC | 0xef, 0);
	wr(TMICT, 100, 0);
	assert_int_equal(vlapic_timer_due(&l), 100);
	assert_int_equal(rd(TMCCT, 0), 100);
	assert_int_equal(rd(TMCCT, 30), 70);
	assert_true(vlapic_timer_poll(&l, 100));
	assert_int_equal(vlapic_timer_due(&l), 200);
	assert_int_equal(rd(TMCCT, 250), 50);		/* wraps with the period */
	assert_int_equal(rd(TMCCT, 300), 100);
	assert_true(bank_bit(IRR, 0xef));
	vlapic_ack(&l, 0xef);
	wr(EOI, 0, 0);
	assert_true(vlapic_timer_poll(&l, 1055));	/* ~8.5 periods late */
	assert_int_equal(vlapic_timer_due(&l), 1100);
	assert_false(vlapic_timer_poll(&l, 1056));
	assert_false(vlapic_timer_poll(&l, 1099));
	assert_true(vlapic_timer_poll(&l, 1100));
	assert_int_equal(vlapic_timer_due(&l), 1200);
	/* Exactly on a later boundary: the next one after it. */
	assert_true(vlapic_timer_poll(&l, 1500));
	assert_int_equal(vlapic_timer_due(&l), 1600);
	/* Re-arming with a new count restarts from the write. */
	wr(TMICT, 50, 1510);
	assert_int_equal(vlapic_timer_due(&l), 1560);
	assert_int_equal(rd(TMCCT, 1520), 40);
	/* A count of 0 stops it (SDM 10.5.4). */
	wr(TMICT, 0, 1530);
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_int_equal(rd(TMCCT, 1540), 0);
	assert_false(vlapic_timer_poll(&l, 5000));
}

/* A masked timer keeps counting and re-arming; it just sets nothing. */
static void test_timer_masked(void **state)
{
	(void)state;
	wr(TDCR, 0xb, 0);
	wr(LVTT, MASKED | PERIODIC | 0xef, 0);
	wr(TMICT, 100, 0);
	assert_int_equal(rd(TMCCT, 10), 90);
	assert_true(vlapic_timer_poll(&l, 100));
	assert_int_equal(vlapic_timer_due(&l), 200);
	assert_false(bank_bit(IRR, 0xef));
	wr(LVTT, PERIODIC | 0xef, 150);			/* unmask, same mode: still armed */
	assert_int_equal(vlapic_timer_due(&l), 200);
	assert_true(vlapic_timer_poll(&l, 200));
	assert_true(bank_bit(IRR, 0xef));
}

/* A write to LVT timer that changes the mode disarms the timer (SDM
 * 10.5.4.1); a write that keeps it does not. */
static void test_timer_mode_switch(void **state)
{
	(void)state;
	wr(TDCR, 0xb, 0);
	wr(LVTT, 0x30, 0);
	wr(TMICT, 1000, 0);
	wr(LVTT, MASKED | 0x30, 10);			/* mask only */
	assert_int_equal(vlapic_timer_due(&l), 1000);
	wr(LVTT, PERIODIC | 0x30, 20);
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_false(vlapic_timer_poll(&l, 1000));
	wr(TMICT, 1000, 30);				/* started again by a count */
	assert_int_equal(vlapic_timer_due(&l), 1030);
	/* Into TSC-deadline: disarmed, TMICT writes ignored, TMCCT reads 0. */
	wr(LVTT, DEADLINE | 0x30, 40);
	assert_int_equal(vlapic_timer_due(&l), 0);
	wr(TMICT, 500, 50);
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_int_equal(rd(TMCCT, 60), 0);
	assert_false(vlapic_timer_poll(&l, 10000));
	vlapic_set_tsc_deadline(&l, 20000);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 20000);
	/* Out of it: the deadline is gone. */
	wr(LVTT, 0x30, 100);
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
	assert_false(vlapic_timer_poll(&l, 20000));
	assert_false(bank_bit(IRR, 0x30));
	/* The reserved mode 3 is not TSC-deadline: the MSR stays inert. */
	wr(LVTT, 0x60030, 200);
	vlapic_set_tsc_deadline(&l, 300);
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
}

/* SDM 10.5.4.1: TSC-deadline mode, as Linux's lapic_next_deadline uses it. */
static void test_tsc_deadline(void **state)
{
	(void)state;
	/* Outside deadline mode the MSR is ignored and reads 0. */
	vlapic_set_tsc_deadline(&l, 5000);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
	assert_int_equal(vlapic_timer_due(&l), 0);
	wr(LVTT, DEADLINE | 0xec, 0);
	assert_int_equal(rd(LVTT, 0), DEADLINE | 0xec);
	vlapic_set_tsc_deadline(&l, 5000);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 5000);
	assert_int_equal(vlapic_timer_due(&l), 5000);
	assert_false(vlapic_timer_poll(&l, 4999));
	assert_true(vlapic_timer_poll(&l, 5000));
	assert_true(bank_bit(IRR, 0xec));
	/* Fired: disarmed and the MSR reads 0. */
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_false(vlapic_timer_poll(&l, 6000));
	/* Re-arming moves it; the last write wins. */
	vlapic_set_tsc_deadline(&l, 9000);
	vlapic_set_tsc_deadline(&l, 8000);
	assert_false(vlapic_timer_poll(&l, 7999));
	assert_true(vlapic_timer_poll(&l, 8000));
	vlapic_set_tsc_deadline(&l, 9000);
	vlapic_set_tsc_deadline(&l, 12000);
	assert_false(vlapic_timer_poll(&l, 9000));
	/* Writing 0 disarms. */
	vlapic_set_tsc_deadline(&l, 0);
	assert_int_equal(vlapic_timer_due(&l), 0);
	assert_false(vlapic_timer_poll(&l, 12000));
	/* A deadline already past fires at the next poll. */
	vlapic_set_tsc_deadline(&l, 100);
	assert_true(vlapic_timer_poll(&l, 13000));
	assert_false(vlapic_timer_poll(&l, 13001));
	/* Masked: disarms itself, sets nothing. */
	vlapic_ack(&l, 0xec);
	wr(EOI, 0, 0);
	wr(LVTT, MASKED | DEADLINE | 0xec, 0);
	assert_int_equal(vlapic_timer_due(&l), 0);
	vlapic_set_tsc_deadline(&l, 20000);
	assert_true(vlapic_timer_poll(&l, 20000));
	assert_false(bank_bit(IRR, 0xec));
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
}

/* A deadline more than 2^63 cycles ahead does not fire: SDM Vol 3A
 * 10.5.4.1 fires when "the value of the time-stamp counter is greater
 * than or equal to that of IA32_TSC_DEADLINE", an unsigned comparison; a
 * guest parking the timer at ~0ull means "never". */
static void test_tsc_deadline_far_future(void **state)
{
	(void)state;
	wr(LVTT, DEADLINE | 0xec, 0);
	vlapic_set_tsc_deadline(&l, ~0ull);
	assert_false(vlapic_timer_poll(&l, 1000000));
	assert_int_equal(vlapic_get_tsc_deadline(&l), ~0ull);
	vlapic_set_tsc_deadline(&l, (1ull << 63) + 5000);
	assert_false(vlapic_timer_poll(&l, 4000));
	assert_false(bank_bit(IRR, 0xec));
}

/* An illegal vector is logged in the ESR and raises the error interrupt
 * through LVT Error: SDM Vol 3A 10.5.3 ("the local APIC ...
 * generates an interrupt through the LVT error register") and Table
 * 10-1 / Figure 10-8 (LVT Error). Linux unmasks LVTERR with vector 0xfe
 * and logs "APIC error on CPU" from that handler. */
static void test_error_interrupt(void **state)
{
	(void)state;
	wr(LVTERR, 0xfe, 0);
	wr(ICR_HI, 0, 0);
	assert_int_equal(wr(ICR_LO, 0x4003, 0), 0);	/* send illegal vector */
	assert_true(bank_bit(IRR, 0xfe));
	vlapic_ack(&l, 0xfe);
	wr(EOI, 0, 0);
	vlapic_accept(&l, 7, false);			/* receive illegal vector */
	assert_true(bank_bit(IRR, 0xfe));
}

/* IA32_APIC_BASE (SDM 10.4.4): only the enable bit may change; clearing
 * it is a hardware disable that returns the APIC to its reset state. */
static void test_apic_base_msr(void **state)
{
	uint64_t on = LAPIC_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP;

	(void)state;
	assert_int_equal(vlapic_set_base(&l, on), 0);
	assert_int_equal(vlapic_set_base(&l, on | APIC_BASE_X2APIC), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, (on & ~LAPIC_BASE) | 0xfed00000), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, on | (1ull << 9)), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, on | (1ull << 36)), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, on | 0xff), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, on & ~APIC_BASE_BSP), -EINVAL);
	assert_int_equal(l.base_msr, on);
	/* Set up some state, then hardware-disable. */
	wr(TPR, 0x20, 0);
	wr(LVT0, 0x700, 0);
	wr(LDR, 0x01000000, 0);
	vlapic_accept(&l, 0x40, false);
	wr(LVTT, 0x30, 0);
	wr(TMICT, 100, 0);
	assert_int_equal(vlapic_set_base(&l, on & ~APIC_BASE_ENABLE), 0);
	assert_false(vlapic_enabled(&l));
	assert_int_equal(l.base_msr, on & ~APIC_BASE_ENABLE);
	assert_int_equal(vlapic_timer_due(&l), 0);
	vlapic_accept(&l, 0x50, false);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_set_base(&l, on), 0);
	assert_false(vlapic_enabled(&l));		/* SVR is back to 0xff */
	assert_int_equal(rd(SVR, 0), 0xff);
	assert_int_equal(rd(TPR, 0), 0);
	assert_int_equal(rd(LDR, 0), 0);
	assert_int_equal(rd(LVT0, 0), MASKED);
	assert_int_equal(rd(IRR + 2 * 16, 0), 0);
	assert_int_equal(rd(ID, 0), 0);
	/* An AP: the BSP flag may not be set. */
	vlapic_reset(&l, 5);
	assert_int_equal(vlapic_set_base(&l, on), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, on & ~APIC_BASE_BSP), 0);
	assert_int_equal(vlapic_set_base(&l, LAPIC_BASE), 0);
	assert_int_equal(rd(ID, 0), 0x05000000);	/* ID survives */
	/* Hardware-disabled but SVR set: still not enabled. */
	wr(SVR, 0x1ff, 0);
	assert_false(vlapic_enabled(&l));
	vlapic_accept(&l, 0x40, false);
	assert_false(bank_bit(IRR, 0x40));
}

/* A hostile guest: every offset, every value pattern, every timer mode;
 * ASan/UBSan watch, and the state stays within its own bits. */
static void test_hostile_sweep(void **state)
{
	static const uint32_t vals[] = { 0, 1, 0xff, 0x100, 0xffff, 0x10000, 0x60000,
		0x7fffffff, 0x80000000, 0xffffffff };
	uint64_t now = 1;

	(void)state;
	for (uint32_t off = 0; off < LAPIC_SIZE; off += 16)
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			if (off == SVR && !(vals[i] & 0x100))
				continue;			/* keep it enabled */
			(void)wr(off, vals[i], now);
			(void)rd(off, now);
			(void)rd(TMCCT, now);
			(void)vlapic_timer_poll(&l, now);
			vlapic_set_tsc_deadline(&l, now + vals[i]);
			now += 12345;
		}
	for (unsigned v = 0; v < 256; v++)
		vlapic_accept(&l, (uint8_t)v, v & 1);
	for (int i = 0; i < 300; i++) {
		int p = vlapic_pending(&l);

		if (p >= 0)
			vlapic_ack(&l, (uint8_t)p);
		(void)wr(EOI, 0, now);
	}
	assert_true(rd(TPR, 0) <= 0xff);
	assert_int_equal(rd(IRR, 0) & 0xffff, 0);	/* 0-15 never got in */
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_bad_access, setup),
		cmocka_unit_test_setup(test_read_only_and_reserved, setup),
		cmocka_unit_test_setup(test_reserved_bits, setup),
		cmocka_unit_test_setup(test_software_disable, setup),
		cmocka_unit_test_setup(test_priority_and_nesting, setup),
		cmocka_unit_test_setup(test_tpr_ppr_cr8, setup),
		cmocka_unit_test_setup(test_illegal_vectors_and_esr, setup),
		cmocka_unit_test_setup(test_eoi_nothing_in_service, setup),
		cmocka_unit_test_setup(test_eoi_level_broadcast, setup),
		cmocka_unit_test_setup(test_icr_messages, setup),
		cmocka_unit_test_setup(test_msi_decode, setup),
		cmocka_unit_test_setup(test_dest_physical, setup),
		cmocka_unit_test_setup(test_dest_logical_flat, setup),
		cmocka_unit_test_setup(test_dest_logical_cluster, setup),
		cmocka_unit_test_setup(test_timer_oneshot, setup),
		cmocka_unit_test_setup(test_timer_divide, setup),
		cmocka_unit_test_setup(test_timer_periodic, setup),
		cmocka_unit_test_setup(test_timer_masked, setup),
		cmocka_unit_test_setup(test_timer_mode_switch, setup),
		cmocka_unit_test_setup(test_tsc_deadline, setup),
		cmocka_unit_test_setup(test_apic_base_msr, setup),
		cmocka_unit_test_setup(test_hostile_sweep, setup),
		cmocka_unit_test_setup(test_tsc_deadline_far_future, setup),
		cmocka_unit_test_setup(test_error_interrupt, setup),
	};

	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
