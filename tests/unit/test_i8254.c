/* The guest 8254 PIT (vmm/dev/i8254.c) against the 82C54 datasheet, on a
 * fake TSC: what Linux's PIT clockevent, its TSC calibration through
 * channel 2 and port 0x61 (arch/x86/kernel/tsc.c) and a hostile guest do.
 * Most tests run the TSC at the PIT's own rate, so one cycle is one
 * input clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev/i8254.h"

enum { CH0, CH1, CH2, CTRL, P61 };

#define OUT2 0x20

static struct i8254 p;

static int setup(void **state)
{
	(void)state;
	i8254_init(&p, I8254_HZ);		/* 1 TSC cycle = 1 PIT clock */
	return 0;
}

static void w(unsigned off, uint8_t v, uint64_t now)
{
	i8254_write(&p, off, v, now);
}

static uint8_t r(unsigned off, uint64_t now)
{
	return i8254_read(&p, off, now);
}

/* Control word: lsb then msb, mode m, binary; then the count. */
static void program(unsigned ch, unsigned mode, uint16_t count, uint64_t now)
{
	w(CTRL, (uint8_t)(ch << 6 | 0x30 | mode << 1), now);
	w(ch, (uint8_t)count, now);
	w(ch, (uint8_t)(count >> 8), now);
}

static uint16_t read16(unsigned ch, uint64_t now)
{
	uint16_t lo = r(ch, now);

	return (uint16_t)(lo | r(ch, now) << 8);
}

static void test_init_state(void **state)
{
	(void)state;
	assert_int_equal(i8254_due(&p), 0);
	assert_false(i8254_poll(&p, 1ull << 40));
	assert_int_equal(r(P61, 0), 0);			/* gate down, OUT2 low */
	assert_int_equal(r(CTRL, 0), 0xff);		/* control word is write-only */
	for (unsigned off = 5; off < 300; off++)
		assert_int_equal(r(off, 0), 0xff);
	/* tsc_hz 0 must not divide by zero. */
	i8254_init(&p, 0);
	program(CH0, 2, 100, 0);
	(void)read16(CH0, 1000);
	(void)i8254_poll(&p, 1000);
}

/* Linux's PIT clockevent in periodic mode: control 0x34, LATCH = 11932
 * (100 Hz), lsb then msb; IRQ 0 every LATCH clocks. */
static void test_ch0_periodic_irq(void **state)
{
	(void)state;
	w(CTRL, 0x34, 1000);
	w(CH0, 11932 & 0xff, 1000);
	assert_int_equal(i8254_due(&p), 0);		/* half a count: not started */
	w(CH0, 11932 >> 8, 1000);
	assert_int_equal(i8254_due(&p), 1000 + 11932);
	assert_false(i8254_poll(&p, 1000 + 11931));
	assert_true(i8254_poll(&p, 1000 + 11932));
	assert_int_equal(i8254_due(&p), 1000 + 2 * 11932);
	assert_false(i8254_poll(&p, 1000 + 2 * 11932 - 1));
	assert_true(i8254_poll(&p, 1000 + 2 * 11932));
	/* Held off for 5.5 periods: one interrupt, then the next boundary. */
	assert_true(i8254_poll(&p, 1000 + 7 * 11932 + 6000));
	assert_int_equal(i8254_due(&p), 1000 + 8 * 11932);
	assert_false(i8254_poll(&p, 1000 + 8 * 11932 - 1));
	/* Mode 3 (what the BIOS leaves, 18.2 Hz with count 0) is periodic too. */
	program(CH0, 3, 0, 5000000);
	assert_int_equal(i8254_due(&p), 5000000 + 65536);
	assert_true(i8254_poll(&p, 5000000 + 65536));
	assert_int_equal(i8254_due(&p), 5000000 + 2 * 65536);
	/* Modes 6 and 7 are 2 and 3 (the middle bit is don't-care). */
	w(CTRL, 0x3c, 6000000);				/* mode 6 */
	w(CH0, 100, 6000000);
	w(CH0, 0, 6000000);
	assert_true(i8254_poll(&p, 6000100));
	assert_int_equal(i8254_due(&p), 6000200);
	assert_int_equal(read16(CH0, 6000150), 50);
}

/* Linux's oneshot clockevent: mode 0, one IRQ at terminal count. */
static void test_ch0_oneshot_irq(void **state)
{
	(void)state;
	program(CH0, 0, 1000, 500);
	assert_int_equal(i8254_due(&p), 1500);
	assert_false(i8254_poll(&p, 1499));
	assert_true(i8254_poll(&p, 1500));
	assert_int_equal(i8254_due(&p), 0);
	assert_false(i8254_poll(&p, 1501));
	assert_false(i8254_poll(&p, 100000000));
	/* Re-arming: a new count restarts from the write. */
	w(CH0, 0x10, 2000);
	w(CH0, 0x00, 2000);
	assert_int_equal(i8254_due(&p), 2016);
	/* A new control word stops the channel (shutdown). */
	w(CTRL, 0x30, 2010);
	assert_int_equal(i8254_due(&p), 0);
	assert_false(i8254_poll(&p, 3000));
	/* Other channels never drive IRQ 0. */
	program(CH2, 2, 10, 4000);
	program(CH1, 2, 10, 4000);
	assert_int_equal(i8254_due(&p), 0);
}

/* Reading the count mid-period (lsb then msb), modes 0 and 2. */
static void test_count_readout(void **state)
{
	(void)state;
	program(CH0, 2, 1000, 0);
	assert_int_equal(read16(CH0, 0), 1000);
	assert_int_equal(read16(CH0, 250), 750);
	assert_int_equal(read16(CH0, 999), 1);
	assert_int_equal(read16(CH0, 1000), 1000);	/* mode 2 reloads, never reads 0 */
	assert_int_equal(read16(CH0, 2300), 700);
	/* Mode 0 counts on through zero and wraps (datasheet, mode 0). */
	program(CH0, 0, 1000, 0);
	assert_int_equal(read16(CH0, 500), 500);
	assert_int_equal(read16(CH0, 1000), 0);
	assert_int_equal(read16(CH0, 1200), 0xff38);	/* 65536 - 200 */
	/* A count of 0 is 65536. */
	program(CH0, 0, 0, 0);
	assert_int_equal(i8254_due(&p), 65536);
	assert_int_equal(read16(CH0, 1), 0xffff);
}

/* The lsb/msb flip-flop survives a read of one byte only; a second
 * 16-bit read starts at the lsb again. */
static void test_lsb_msb_flipflop(void **state)
{
	(void)state;
	program(CH0, 2, 0x1234, 0);
	assert_int_equal(r(CH0, 0), 0x34);
	assert_int_equal(r(CH0, 0), 0x12);
	assert_int_equal(r(CH0, 0), 0x34);
	/* A new control word resets the flip-flop mid-read. */
	w(CTRL, 0x34, 0);
	w(CH0, 0x78, 0);
	w(CH0, 0x56, 0);
	assert_int_equal(r(CH0, 0), 0x78);
	w(CTRL, 0x34, 0);
	w(CH0, 0xbc, 0);
	w(CH0, 0x9a, 0);
	assert_int_equal(r(CH0, 0), 0xbc);		/* lsb, not the msb */
	assert_int_equal(r(CH0, 0), 0x9a);
}

/* rw = 1 (lsb only) and 2 (msb only): one byte per count, per read. */
static void test_lsb_only_msb_only(void **state)
{
	(void)state;
	w(CTRL, 0x14, 0);				/* ch0, lsb only, mode 2 */
	w(CH0, 0x64, 0);
	assert_int_equal(i8254_due(&p), 100);
	assert_int_equal(r(CH0, 30), 70);
	assert_int_equal(r(CH0, 30), 70);		/* no msb in between */
	w(CH0, 0, 1000);				/* 0: 65536 */
	assert_int_equal(i8254_due(&p), 1000 + 65536);
	w(CTRL, 0x24, 0);				/* msb only */
	w(CH0, 0x12, 0);
	assert_int_equal(i8254_due(&p), 0x1200);
	assert_int_equal(r(CH0, 0x100), 0x11);		/* 0x1100 left: msb */
	assert_int_equal(r(CH0, 0x100), 0x11);
}

/* Counter latch command (datasheet: "Counter Latch Command"): the count
 * freezes at the latch until read out completely; a second latch before
 * that is ignored. */
static void test_counter_latch(void **state)
{
	(void)state;
	program(CH0, 2, 1000, 0);
	w(CTRL, 0x00, 250);				/* latch ch0 */
	w(CTRL, 0x00, 400);				/* ignored: still latched */
	assert_int_equal(r(CH0, 600), 750 & 0xff);
	assert_int_equal(r(CH0, 900), 750 >> 8);
	assert_int_equal(read16(CH0, 900), 100);	/* live again */
	/* Latch with lsb-only access: one read releases it. */
	w(CTRL, 0x14, 0);
	w(CH0, 200, 0);
	w(CTRL, 0x00, 50);
	assert_int_equal(r(CH0, 100), 150);
	assert_int_equal(r(CH0, 100), 100);
	/* A latch of channel 2 leaves channel 0 alone. */
	program(CH0, 2, 1000, 0);
	w(CTRL, 0x80, 10);
	assert_int_equal(read16(CH0, 20), 980);
}

/* Read-back command (datasheet, "Read-Back Command"): bits 3:1 name the
 * channels, bit 5 clear latches their counts. */
static void test_read_back_count(void **state)
{
	(void)state;
	w(P61, 1, 0);
	program(CH0, 2, 1000, 0);
	program(CH1, 2, 2000, 0);
	program(CH2, 0, 3000, 0);
	w(CTRL, 0xde, 100);				/* counts of 0, 1, 2; no status */
	assert_int_equal(read16(CH2, 500), 2900);
	assert_int_equal(read16(CH1, 500), 1900);
	assert_int_equal(read16(CH0, 500), 900);
	assert_int_equal(read16(CH0, 500), 500);	/* released */
	w(CTRL, 0xd4, 600);				/* channel 1 only */
	assert_int_equal(read16(CH0, 700), 300);
	assert_int_equal(read16(CH1, 700), 1400);
	w(CTRL, 0xfe, 800);				/* COUNT bit set: no latch */
	assert_int_equal(read16(CH0, 900), 100);
}

/* Linux's pit_calibrate_tsc: gate high, speaker off, channel 2 mode 0
 * with a count, then spin on port 0x61 bit 5 (OUT2) going high. */
static void test_ch2_out_after_count(void **state)
{
	uint8_t v;

	(void)state;
	v = r(P61, 0);
	w(P61, (uint8_t)((v & ~0x02) | 0x01), 0);
	program(CH2, 0, 1000, 100);
	assert_int_equal(r(P61, 100), 0x01);		/* gate up, OUT2 low */
	assert_int_equal(r(P61, 1099), 0x01);
	assert_int_equal(r(P61, 1100), 0x01 | OUT2);
	assert_int_equal(r(P61, 70000), 0x01 | OUT2);	/* stays high after the wrap */
	assert_int_equal(i8254_due(&p), 0);		/* not IRQ 0 */
	/* A new mode 0 control word drops OUT2 (datasheet, mode 0). */
	w(CTRL, 0xb0, 80000);
	assert_int_equal(r(P61, 80000) & OUT2, 0);
	/* Speaker data bit and gate read back; 4, 6, 7 do not. */
	w(P61, 0xff, 90000);
	assert_int_equal(r(P61, 90000) & 0xdf, 0x0f);
}

/* Linux's quick_pit_calibrate: mode 0 from 0xffff, watch the msb fall
 * by one every 256 clocks. */
static void test_quick_pit_calibrate(void **state)
{
	(void)state;
	w(P61, 0x01, 0);
	w(CTRL, 0xb0, 0);
	w(CH2, 0xff, 10);
	w(CH2, 0xff, 10);
	for (unsigned i = 0; i < 200; i++) {
		uint64_t t = 10 + 256ull * i + 1;

		assert_int_equal(r(CH2, t), 0xfe);		/* lsb */
		assert_int_equal(r(CH2, t), 0xff - i);
	}
}

/* Channel 2 counts only with its gate up: a count written with the gate
 * down waits, and raising the gate starts it (modes 0-3). */
static void test_ch2_gate(void **state)
{
	(void)state;
	program(CH2, 0, 500, 0);
	assert_int_equal(read16(CH2, 1000), 500);	/* not counting */
	assert_int_equal(r(P61, 1000) & OUT2, 0);
	w(P61, 0x01, 2000);
	assert_int_equal(read16(CH2, 2100), 400);
	assert_int_equal(r(P61, 2499) & OUT2, 0);
	assert_int_equal(r(P61, 2500) & OUT2, OUT2);
	/* Gate low in mode 2 or 3 forces OUT high (datasheet, gate table). */
	w(P61, 0x00, 3000);
	program(CH2, 3, 100, 3000);
	assert_int_equal(r(P61, 3010) & OUT2, OUT2);
	assert_int_equal(read16(CH2, 3010), 100);
	/* Gate up: the square wave, high for the first half of each period. */
	w(P61, 0x01, 4000);
	assert_int_equal(r(P61, 4000) & OUT2, OUT2);
	assert_int_equal(r(P61, 4049) & OUT2, OUT2);
	assert_int_equal(r(P61, 4050) & OUT2, 0);
	assert_int_equal(r(P61, 4099) & OUT2, 0);
	assert_int_equal(r(P61, 4100) & OUT2, OUT2);
	assert_int_equal(r(P61, 4170) & OUT2, 0);
	/* Gate going low in mode 3 forces OUT high at once, mid-period. */
	assert_int_equal(r(P61, 4160) & OUT2, 0);
	w(P61, 0x00, 4160);
	assert_int_equal(r(P61, 4160) & OUT2, OUT2);
	assert_int_equal(r(P61, 4180) & OUT2, OUT2);
	w(P61, 0x01, 4200);
	/* Mode 2 OUT is high but for one clock per period. */
	program(CH2, 2, 100, 5000);
	assert_int_equal(r(P61, 5050) & OUT2, OUT2);
	/* Modes 6 and 7 are 2 and 3 on OUT as well. */
	w(CTRL, 0xbc, 5200);				/* ch2, mode 6 */
	w(CH2, 100, 5200);
	w(CH2, 0, 5200);
	assert_int_equal(r(P61, 5260) & OUT2, OUT2);	/* mode 2: high */
	w(CTRL, 0xbe, 5300);				/* ch2, mode 7 */
	w(CH2, 100, 5300);
	w(CH2, 0, 5300);
	assert_int_equal(r(P61, 5310) & OUT2, OUT2);	/* mode 3: first half high */
	assert_int_equal(r(P61, 5360) & OUT2, 0);
	assert_int_equal(r(P61, 5410) & OUT2, OUT2);
	/* Gate never touches channel 0. */
	program(CH0, 2, 100, 6000);
	w(P61, 0x00, 6000);
	assert_int_equal(i8254_due(&p), 6100);
	assert_int_equal(read16(CH0, 6030), 70);
}

/* The TSC runs much faster than the PIT: counts scale, no drift in the
 * conversion, no overflow on large TSC values. */
static void test_tsc_scaling(void **state)
{
	uint64_t hz = I8254_HZ * 1000, t0 = 1ull << 50;

	(void)state;
	i8254_init(&p, hz);
	program(CH0, 2, 1000, t0);
	assert_int_equal(i8254_due(&p), t0 + 1000 * 1000);
	assert_int_equal(read16(CH0, t0 + 500 * 1000), 500);
	assert_int_equal(read16(CH0, t0 + 500 * 1000 + 999), 500);
	assert_int_equal(read16(CH0, t0 + 500 * 1000 + 1000), 499);
	assert_true(i8254_poll(&p, t0 + 1000 * 1000));
	assert_int_equal(i8254_due(&p), t0 + 2000 * 1000);
	/* A 2.5 GHz TSC: 100 Hz is 2.5e7 cycles, give or take rounding. */
	i8254_init(&p, 2500000000ull);
	program(CH0, 2, 11932, 0);
	assert_in_range(i8254_due(&p), 25000000 - 2000, 25000000 + 2000);
	/* A day later the count is exact: no overflow in cycles * PIT Hz. */
	assert_int_equal(read16(CH0, 86400 * 2500000000ull),
			 11932 - (86400ull * I8254_HZ) % 11932);
}

/* A hostile guest: any port, any byte, any order. */
static void test_hostile(void **state)
{
	uint64_t now = 0;

	(void)state;
	for (unsigned off = 0; off < 8; off++)
		for (unsigned v = 0; v < 256; v++) {
			w(off, (uint8_t)v, now);
			(void)r(off % 5, now);
			(void)i8254_poll(&p, now);
			now += 37;
		}
	for (unsigned v = 0; v < 256; v++) {
		w(CTRL, (uint8_t)v, now);
		w(CH0, (uint8_t)v, now);
		w(CH0, (uint8_t)~v, now);
		(void)read16(CH0, now + v);
		(void)i8254_poll(&p, now + 100000);
		now += 100001;
	}
	/* Count 1 in mode 2 (illegal on the chip): IRQ 0 every clock, but a
	 * late poll is still one interrupt. */
	program(CH0, 2, 1, 0);
	assert_true(i8254_poll(&p, 1000000));
	assert_int_equal(i8254_due(&p), 1000001);
	i8254_init(&p, 1);				/* a 1 Hz "TSC" */
	program(CH0, 2, 1, 5);				/* rounds to 0 cycles */
	assert_int_equal(i8254_due(&p), 5);
	assert_true(i8254_poll(&p, 10));
	assert_int_equal(i8254_due(&p), 11);
}

/* The read-back command's status latch (bit 4 clear): the next read
 * returns the status byte (bit 7
 * OUT, bit 6 null count, bits 5:0 the control word's RW, mode, BCD).
 * 82C54 datasheet, "Read-Back Command" and "Status Byte"; when both are
 * latched the status comes first. */
static void test_read_back_status(void **state)
{
	(void)state;
	w(P61, 1, 0);
	program(CH2, 0, 1000, 0);			/* control 0xb0 */
	w(CTRL, 0xe8, 100);				/* latch status of ch 2 only */
	assert_int_equal(r(CH2, 100), 0x30);		/* OUT low, RW 3, mode 0 */
	w(CTRL, 0xe8, 2000);
	assert_int_equal(r(CH2, 2000), 0xb0);		/* OUT high now */
	w(CTRL, 0xc8, 2000);				/* status and count */
	assert_int_equal(r(CH2, 2000), 0xb0);
	assert_int_equal(read16(CH2, 2000), (uint16_t)(1000 - 2000));
}

/* In mode 0 the gate only pauses and resumes counting, and "GATE has
 * no effect on OUT" (82C54 datasheet, Mode 0, and the Gate Pin
 * Operations Summary: a rising gate starts counting only in modes 1, 2, 3
 * and 5). */
static void test_mode0_gate(void **state)
{
	(void)state;
	w(P61, 1, 0);
	program(CH2, 0, 1000, 0);
	w(P61, 0, 300);					/* pause at 700 */
	assert_int_equal(read16(CH2, 500), 700);
	w(P61, 1, 600);					/* resume from 700 */
	assert_int_equal(read16(CH2, 700), 600);
	assert_int_equal(r(P61, 1299) & OUT2, 0);
	assert_int_equal(r(P61, 1300) & OUT2, OUT2);
	w(P61, 0, 2000);				/* OUT stays high */
	assert_int_equal(r(P61, 2000) & OUT2, OUT2);
}

/* Control word bit 0 (BCD counting): with BCD set the
 * counter counts in four decades, so 0x0100 is one hundred (82C54
 * datasheet, control word format, BCD). */
static void test_bcd_count(void **state)
{
	(void)state;
	w(CTRL, 0x35, 0);				/* ch0, lsb/msb, mode 2, BCD */
	w(CH0, 0x00, 0);
	w(CH0, 0x01, 0);
	assert_int_equal(i8254_due(&p), 100);
	assert_int_equal(read16(CH0, 1), 0x0099);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_state, setup),
		cmocka_unit_test_setup(test_ch0_periodic_irq, setup),
		cmocka_unit_test_setup(test_ch0_oneshot_irq, setup),
		cmocka_unit_test_setup(test_count_readout, setup),
		cmocka_unit_test_setup(test_lsb_msb_flipflop, setup),
		cmocka_unit_test_setup(test_lsb_only_msb_only, setup),
		cmocka_unit_test_setup(test_counter_latch, setup),
		cmocka_unit_test_setup(test_read_back_count, setup),
		cmocka_unit_test_setup(test_ch2_out_after_count, setup),
		cmocka_unit_test_setup(test_quick_pit_calibrate, setup),
		cmocka_unit_test_setup(test_ch2_gate, setup),
		cmocka_unit_test_setup(test_tsc_scaling, setup),
		cmocka_unit_test_setup(test_hostile, setup),
		cmocka_unit_test_setup(test_read_back_status, setup),
		cmocka_unit_test_setup(test_mode0_gate, setup),
		cmocka_unit_test_setup(test_bcd_count, setup),
	};

	return cmocka_run_group_tests_name("i8254", tests, NULL, NULL);
}
