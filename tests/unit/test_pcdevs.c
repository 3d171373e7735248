/* The small PC platform devices: the CMOS RTC (vmm/dev/mc146818.c,
 * MC146818A datasheet and the PC's century byte at 0x32), the 8042's
 * reset line (vmm/dev/i8042.c) and the 8259A register file
 * (vmm/dev/i8259.c), as Linux's rtc-cmos/mc146818-lib, reboot=k and
 * init_8259A drive them, and as a hostile guest might. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "vmm/dev/i8042.h"
#include "vmm/dev/i8259.h"
#include "vmm/dev/mc146818.h"

enum { SEC = 0, MIN = 2, HOUR = 4, WDAY = 6, MDAY = 7, MON = 8, YEAR = 9,
       REG_A = 0xa, REG_B = 0xb, REG_C = 0xc, REG_D = 0xd, CENTURY = 0x32 };

#define T_2024_02_29_134507 1709214307ll	/* a Thursday */
#define T_2024_06_15        1718409600ll	/* a Saturday, 00:00:00 */
#define T_2024_01_31_1200   1706702400ll

static struct mc146818 rtc;

static uint8_t cmos(uint8_t idx, int64_t now)
{
	mc146818_write(&rtc, 0, idx, now);
	return mc146818_read(&rtc, 1, now);
}

static void cmos_set(uint8_t idx, uint8_t v, int64_t now)
{
	mc146818_write(&rtc, 0, idx, now);
	mc146818_write(&rtc, 1, v, now);
}

static int rtc_setup(void **state)
{
	(void)state;
	mc146818_init(&rtc);
	return 0;
}

static void check_tm(int64_t t, int y, int mo, int d, int h, int mi, int s, int wd)
{
	struct rtc_tm tm;

	rtc_from_unix(t, &tm);
	assert_int_equal(tm.year, y);
	assert_int_equal(tm.mon, mo);
	assert_int_equal(tm.mday, d);
	assert_int_equal(tm.hour, h);
	assert_int_equal(tm.min, mi);
	assert_int_equal(tm.sec, s);
	assert_int_equal(tm.wday, wd);
	assert_int_equal(rtc_to_unix(&tm), t);
}

/* Known instants, leap days (2000 is a leap year, 2100 is not), the
 * 2038 boundary and times before 1970. */
static void test_rtc_calendar_known(void **state)
{
	(void)state;
	check_tm(0, 1970, 1, 1, 0, 0, 0, 4);
	check_tm(951782400, 2000, 2, 29, 0, 0, 0, 2);
	check_tm(946684799, 1999, 12, 31, 23, 59, 59, 5);
	check_tm(946684800, 2000, 1, 1, 0, 0, 0, 6);
	check_tm(4102444799ll, 2099, 12, 31, 23, 59, 59, 4);
	check_tm(4102444800ll, 2100, 1, 1, 0, 0, 0, 5);
	check_tm(4107542399ll, 2100, 2, 28, 23, 59, 59, 0);
	check_tm(4107542400ll, 2100, 3, 1, 0, 0, 0, 1);	/* no Feb 29, 2100 */
	check_tm(1677628799, 2023, 2, 28, 23, 59, 59, 2);
	check_tm(1677628800, 2023, 3, 1, 0, 0, 0, 3);
	check_tm(T_2024_02_29_134507, 2024, 2, 29, 13, 45, 7, 4);
	check_tm(2147483648ll, 2038, 1, 19, 3, 14, 8, 2);
	check_tm(-1, 1969, 12, 31, 23, 59, 59, 3);
	check_tm(-86400, 1969, 12, 31, 0, 0, 0, 3);
	check_tm(-86401, 1969, 12, 30, 23, 59, 59, 2);
}

/* Against the C library, day by day across 1900-2200 and at odd
 * seconds; to_unix inverts from_unix. */
static void test_rtc_calendar_vs_libc(void **state)
{
	(void)state;
	for (int64_t t = -2208988800ll; t < 7258118400ll; t += 86400 * 3 + 3607) {
		time_t tt = (time_t)t;
		struct tm g;
		struct rtc_tm tm;

		assert_non_null(gmtime_r(&tt, &g));
		rtc_from_unix(t, &tm);
		assert_int_equal(tm.year, g.tm_year + 1900);
		assert_int_equal(tm.mon, g.tm_mon + 1);
		assert_int_equal(tm.mday, g.tm_mday);
		assert_int_equal(tm.hour, g.tm_hour);
		assert_int_equal(tm.min, g.tm_min);
		assert_int_equal(tm.sec, g.tm_sec);
		assert_int_equal(tm.wday, g.tm_wday);
		assert_int_equal(rtc_to_unix(&tm), t);
	}
}

/* Power-on state: BCD, 24-hour; the registers Linux reads. */
static void test_rtc_bcd_read(void **state)
{
	int64_t t = T_2024_02_29_134507;

	(void)state;
	assert_int_equal(cmos(SEC, t), 0x07);
	assert_int_equal(cmos(MIN, t), 0x45);
	assert_int_equal(cmos(HOUR, t), 0x13);
	assert_int_equal(cmos(WDAY, t), 0x05);		/* Sunday is 1 */
	assert_int_equal(cmos(MDAY, t), 0x29);
	assert_int_equal(cmos(MON, t), 0x02);
	assert_int_equal(cmos(YEAR, t), 0x24);
	assert_int_equal(cmos(CENTURY, t), 0x20);
	assert_int_equal(cmos(WDAY, T_2024_06_15), 0x07);	/* Saturday */
	assert_int_equal(cmos(WDAY, T_2024_06_15 + 86400), 0x01);
	assert_int_equal(cmos(YEAR, 946684799), 0x99);
	assert_int_equal(cmos(CENTURY, 946684799), 0x19);
	assert_int_equal(cmos(YEAR, 946684800), 0x00);
	assert_int_equal(cmos(CENTURY, 946684800), 0x20);
	assert_int_equal(cmos(CENTURY, 4102444800ll), 0x21);
	assert_int_equal(cmos(YEAR, 4102444800ll), 0x00);
	/* The clock runs with the caller's time. */
	assert_int_equal(cmos(SEC, t + 53), 0x00);
	assert_int_equal(cmos(MIN, t + 53), 0x46);
}

/* Status registers: UIP never set (Linux spins on it), 24-hour BCD,
 * no interrupt flags, valid RAM and time. */
static void test_rtc_status(void **state)
{
	(void)state;
	assert_int_equal(cmos(REG_A, 0), 0x26);
	assert_false(cmos(REG_A, 0) & 0x80);
	assert_int_equal(cmos(REG_B, 0), 0x02);
	assert_int_equal(cmos(REG_C, 0), 0);
	assert_int_equal(cmos(REG_D, 0), 0x80);
	for (uint8_t alarm = 1; alarm <= 5; alarm += 2)
		assert_int_equal(cmos(alarm, 0), 0);
	/* The index port is write-only; bit 7 (NMI mask) is not part of it. */
	assert_int_equal(mc146818_read(&rtc, 0, 0), 0xff);
	assert_int_equal(cmos(0x80 | REG_D, 0), 0x80);
	assert_int_equal(cmos(0x80 | SEC, T_2024_02_29_134507), 0x07);
	/* Read-only here: A, C, D and the weekday. */
	cmos_set(REG_A, 0x70, 0);			/* divider reset */
	cmos_set(REG_C, 0xff, 0);
	cmos_set(REG_D, 0x00, 0);
	cmos_set(WDAY, 0x03, 0);
	assert_int_equal(cmos(REG_A, 0), 0x26);
	assert_int_equal(cmos(REG_C, 0), 0);
	assert_int_equal(cmos(REG_D, 0), 0x80);
	assert_int_equal(cmos(WDAY, 0), 0x05);		/* 1970-01-01, Thursday */
	assert_int_equal(rtc.offset, 0);
	/* Register B keeps SET, DM and 24/12: no interrupts, no DST. */
	cmos_set(REG_B, 0xff, 0);
	assert_int_equal(cmos(REG_B, 0), 0x86);
	assert_int_equal(rtc.offset, 0);
}

/* Register B bit 2: binary; bit 1 clear: 12-hour with PM in bit 7
 * (datasheet, Table 3 "time, calendar and alarm data modes"). */
static void test_rtc_binary_and_12h(void **state)
{
	static const struct { int h; uint8_t bcd12, bin12; } hours[] = {
		{ 0, 0x12, 0x0c },	/* midnight is 12 AM */
		{ 1, 0x01, 0x01 },
		{ 9, 0x09, 0x09 },
		{ 11, 0x11, 0x0b },
		{ 12, 0x92, 0x8c },	/* noon is 12 PM */
		{ 13, 0x81, 0x81 },
		{ 19, 0x87, 0x87 },
		{ 23, 0x91, 0x8b },
	};
	int64_t t = T_2024_02_29_134507;

	(void)state;
	cmos_set(REG_B, 0x06, t);			/* binary, 24-hour */
	assert_int_equal(cmos(SEC, t), 7);
	assert_int_equal(cmos(MIN, t), 45);
	assert_int_equal(cmos(HOUR, t), 13);
	assert_int_equal(cmos(MDAY, t), 29);
	assert_int_equal(cmos(MON, t), 2);
	assert_int_equal(cmos(YEAR, t), 24);
	assert_int_equal(cmos(CENTURY, t), 20);
	assert_int_equal(cmos(WDAY, t), 5);
	for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
		int64_t at = T_2024_06_15 + hours[i].h * 3600 + 59 * 60;

		cmos_set(REG_B, 0x00, at);		/* BCD, 12-hour */
		assert_int_equal(cmos(HOUR, at), hours[i].bcd12);
		cmos_set(REG_B, 0x04, at);		/* binary, 12-hour */
		assert_int_equal(cmos(HOUR, at), hours[i].bin12);
		cmos_set(REG_B, 0x02, at);
		assert_int_equal(cmos(HOUR, at), (hours[i].h / 10) << 4 | hours[i].h % 10);
	}
	/* Writing hours in 12-hour mode: 12 AM is 0, 12 PM is 12. */
	cmos_set(REG_B, 0x00, T_2024_06_15);
	cmos_set(HOUR, 0x12, T_2024_06_15);
	cmos_set(REG_B, 0x02, T_2024_06_15);
	assert_int_equal(cmos(HOUR, T_2024_06_15), 0x00);
	cmos_set(REG_B, 0x00, T_2024_06_15);
	cmos_set(HOUR, 0x92, T_2024_06_15);
	cmos_set(REG_B, 0x02, T_2024_06_15);
	assert_int_equal(cmos(HOUR, T_2024_06_15), 0x12);
	cmos_set(REG_B, 0x04, T_2024_06_15);
	cmos_set(HOUR, 0x8b, T_2024_06_15);		/* 11 PM, binary */
	cmos_set(REG_B, 0x02, T_2024_06_15);
	assert_int_equal(cmos(HOUR, T_2024_06_15), 0x23);
	assert_int_equal(cmos(MDAY, T_2024_06_15), 0x15);	/* same day */
}

/* A guest setting the clock (Linux's mc146818_set_time: year, month,
 * day, hour, minute, second): the time it wrote then runs on with the
 * host's, as an offset. */
static void test_rtc_set_time(void **state)
{
	int64_t t = T_2024_06_15;

	(void)state;
	cmos_set(REG_B, 0x82, t);			/* SET while writing */
	cmos_set(YEAR, 0x31, t);
	cmos_set(MON, 0x06, t);
	cmos_set(MDAY, 0x20, t);
	cmos_set(HOUR, 0x08, t);
	cmos_set(MIN, 0x30, t);
	cmos_set(SEC, 0x15, t);
	cmos_set(REG_B, 0x02, t);
	assert_int_equal(cmos(YEAR, t), 0x31);
	assert_int_equal(cmos(CENTURY, t), 0x20);
	assert_int_equal(cmos(MON, t), 0x06);
	assert_int_equal(cmos(MDAY, t), 0x20);
	assert_int_equal(cmos(HOUR, t), 0x08);
	assert_int_equal(cmos(MIN, t), 0x30);
	assert_int_equal(cmos(SEC, t), 0x15);
	assert_int_equal(cmos(WDAY, t), 0x06);		/* 2031-06-20 is a Friday */
	/* An hour and a minute later on the host: the same on the guest. */
	assert_int_equal(cmos(HOUR, t + 3660), 0x09);
	assert_int_equal(cmos(MIN, t + 3660), 0x31);
	assert_int_equal(rtc.offset, 1939710615ll - t);	/* 2031-06-20 08:30:15 */
	/* Binary writes. */
	cmos_set(REG_B, 0x06, t);
	cmos_set(MIN, 59, t);
	assert_int_equal(cmos(MIN, t), 59);
	/* Century write moves the year to another century, 2000-2099 kept
	 * as the two digits. */
	cmos_set(REG_B, 0x02, t);
	cmos_set(CENTURY, 0x21, t);
	assert_int_equal(cmos(CENTURY, t), 0x21);
	assert_int_equal(cmos(YEAR, t), 0x31);
	cmos_set(YEAR, 0x45, t);			/* the century stays */
	assert_int_equal(cmos(CENTURY, t), 0x21);
	assert_int_equal(cmos(YEAR, t), 0x45);
	cmos_set(CENTURY, 0x20, t);
	cmos_set(YEAR, 0x99, t);
	assert_int_equal(cmos(YEAR, t), 0x99);
	assert_int_equal(cmos(CENTURY, t), 0x20);
	cmos_set(YEAR, 0x00, t);
	assert_int_equal(cmos(CENTURY, t), 0x20);	/* 2000, not 2100 */
}

/* Leap days as the running clock crosses them. */
static void test_rtc_leap_years(void **state)
{
	(void)state;
	assert_int_equal(cmos(MDAY, 1677628799 + 1), 0x01);	/* 2023: no Feb 29 */
	assert_int_equal(cmos(MON, 1677628799 + 1), 0x03);
	assert_int_equal(cmos(MDAY, 1709164799 + 1), 0x29);	/* 2024 */
	assert_int_equal(cmos(MON, 1709164799 + 1), 0x02);
	assert_int_equal(cmos(MDAY, 951782400), 0x29);		/* 2000 */
	assert_int_equal(cmos(MON, 4107542400ll), 0x03);	/* 2100: no */
	assert_int_equal(cmos(MDAY, 4107542400ll), 0x01);
	/* Set to 2024-02-28 23:59:50 and let 10 s pass. */
	cmos_set(YEAR, 0x24, 0);
	cmos_set(MON, 0x02, 0);
	cmos_set(MDAY, 0x28, 0);
	cmos_set(HOUR, 0x23, 0);
	cmos_set(MIN, 0x59, 0);
	cmos_set(SEC, 0x50, 0);
	assert_int_equal(cmos(MDAY, 9), 0x28);
	assert_int_equal(cmos(MDAY, 10), 0x29);
	assert_int_equal(cmos(HOUR, 10), 0x00);
}

/* Out-of-range values from a hostile guest: rejected or reduced, never
 * a time the registers cannot show. */
static void test_rtc_hostile_writes(void **state)
{
	int64_t t = T_2024_06_15;

	(void)state;
	cmos_set(MDAY, 0x00, t);			/* day 0: ignored */
	cmos_set(MDAY, 0x32, t);			/* day 32: ignored */
	cmos_set(MON, 0x00, t);
	cmos_set(MON, 0x13, t);
	assert_int_equal(cmos(MDAY, t), 0x15);
	assert_int_equal(cmos(MON, t), 0x06);
	for (unsigned idx = 0; idx < 256; idx++)
		for (unsigned v = 0; v < 256; v += 5) {
			if ((idx & 0x7f) == REG_B)
				continue;
			cmos_set((uint8_t)idx, (uint8_t)v, t);
			(void)cmos((uint8_t)idx, t);
		}
	for (uint8_t r = 0; r <= 9; r++) {
		uint8_t v = cmos(r, t);

		if (r == 1 || r == 3 || r == 5)
			continue;
		assert_true((v & 0xf) <= 9 && (v >> 4) <= 9);	/* valid BCD */
	}
	assert_in_range(cmos(SEC, t), 0x00, 0x59);
	assert_in_range(cmos(HOUR, t), 0x00, 0x23);
	assert_in_range(cmos(MON, t), 0x01, 0x12);
	assert_in_range(cmos(MDAY, t), 0x01, 0x31);
}

/* 114 bytes of NVRAM at 0x0e-0x7f (0x32 is the century). */
static void test_rtc_nvram(void **state)
{
	(void)state;
	for (unsigned i = 0x0e; i < 0x80; i++)
		assert_int_equal(cmos((uint8_t)i, 0), i == CENTURY ? 0x19 : 0);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			cmos_set((uint8_t)i, (uint8_t)(i ^ 0xa5), 0);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			assert_int_equal(cmos((uint8_t)i, 0), (uint8_t)(i ^ 0xa5));
	assert_int_equal(cmos(0x80 | 0x40, 0), 0x40 ^ 0xa5);	/* index bit 7 dropped */
	cmos_set(1, 0x30, 0);					/* alarm: not kept */
	assert_int_equal(cmos(1, 0), 0);
	assert_int_equal(cmos(SEC, 0), 0);
}

/* Date registers are independent bytes: a month write that makes an
 * impossible date (day 31 of February) must not roll into the next month
 * before the day write that follows fixes it. Linux's mc146818_set_time writes year, month,
 * day in that order: on Jan 31, setting Feb 15 gives Mar 15. The
 * MC146818A's date registers are independent bytes (datasheet, "Time,
 * Calendar and Alarm Locations"; SET in register B freezes them while
 * software writes a full date). */
static void test_rtc_set_date_across_month_lengths(void **state)
{
	int64_t t = T_2024_01_31_1200;

	(void)state;
	cmos_set(REG_B, 0x82, t);
	cmos_set(YEAR, 0x24, t);
	cmos_set(MON, 0x02, t);
	cmos_set(MDAY, 0x15, t);
	cmos_set(HOUR, 0x12, t);
	cmos_set(MIN, 0x00, t);
	cmos_set(SEC, 0x00, t);
	cmos_set(REG_B, 0x02, t);
	assert_int_equal(cmos(MON, t), 0x02);
	assert_int_equal(cmos(MDAY, t), 0x15);
	/* Same on April 30th -> setting 2024-02-10 via year, month, day. */
	mc146818_init(&rtc);
	t = 1714478400;					/* 2024-04-30 12:00 */
	cmos_set(MON, 0x02, t);
	cmos_set(MDAY, 0x10, t);
	assert_int_equal(cmos(MON, t), 0x02);
	assert_int_equal(cmos(MDAY, t), 0x10);
}

/* ---- 8042 ---- */

static int resets;

static void on_reset(void *ctx)
{
	assert_ptr_equal(ctx, &resets);
	resets++;
}

static struct i8042 kbc;

static int kbc_setup(void **state)
{
	(void)state;
	resets = 0;
	i8042_init(&kbc, on_reset, &resets);
	return 0;
}

/* No controller: the status reads as lines floating high except input
 * buffer full (so a guest flushes 16 bytes and gives up, and the reset
 * command needs no wait); data reads all ones, whatever was sent. */
static void test_kbc_absent(void **state)
{
	(void)state;
	assert_int_equal(i8042_read(&kbc, 4), 0xfd);
	assert_int_equal(i8042_read(&kbc, 0), 0xff);
	i8042_write(&kbc, 4, 0xaa);			/* self-test: no answer */
	assert_int_equal(i8042_read(&kbc, 0), 0xff);
	assert_int_equal(i8042_read(&kbc, 4) & 0x02, 0);	/* never busy */
	assert_int_equal(resets, 0);
}

/* 0xF0-0xFF pulse the output lines whose bit is clear; line 0 is reset:
 * 0xFE (reboot=k), 0xF0, 0xF2... reset; 0xFF and the odd ones do not. */
static void test_kbc_reset_pulse(void **state)
{
	(void)state;
	i8042_write(&kbc, 4, 0xfe);
	assert_int_equal(resets, 1);
	for (unsigned v = 0; v < 256; v++) {
		int before = resets;

		i8042_write(&kbc, 4, (uint8_t)v);
		assert_int_equal(resets - before, (v & 0xf1) == 0xf0 ? 1 : 0);
	}
	assert_int_equal(resets, 1 + 8);
	/* Bytes to the data port, or any other port, never reset. */
	for (unsigned off = 0; off < 8; off++)
		if (off != 4)
			for (unsigned v = 0; v < 256; v++)
				i8042_write(&kbc, off, (uint8_t)v);
	assert_int_equal(resets, 9);
}

/* ---- 8259A ---- */

static struct i8259 pic;

static int pic_setup(void **state)
{
	(void)state;
	i8259_init(&pic);
	return 0;
}

/* Linux's init_8259A and probe_8259A: mask all, ICW1-4 on each chip,
 * then the mask must read back (else "Using NULL legacy PIC"). */
static void test_pic_linux_init(void **state)
{
	(void)state;
	assert_int_equal(i8259_read(&pic, 0, 1), 0xff);
	assert_int_equal(i8259_read(&pic, 1, 1), 0xff);
	i8259_write(&pic, 0, 1, 0xff);
	i8259_write(&pic, 1, 1, 0xff);
	i8259_write(&pic, 0, 0, 0x11);			/* ICW1: edge, cascade, ICW4 */
	assert_int_equal(i8259_read(&pic, 0, 1), 0);	/* ICW1 clears the IMR */
	i8259_write(&pic, 0, 1, 0x30);			/* ICW2: vectors 0x30-0x37 */
	i8259_write(&pic, 0, 1, 0x04);			/* ICW3: slave on IR2 */
	i8259_write(&pic, 0, 1, 0x01);			/* ICW4: 8086 mode */
	i8259_write(&pic, 1, 0, 0x11);
	i8259_write(&pic, 1, 1, 0x38);
	i8259_write(&pic, 1, 1, 0x02);			/* slave ID 2 */
	i8259_write(&pic, 1, 1, 0x01);
	assert_int_equal(pic.c[0].vector_base, 0x30);
	assert_int_equal(pic.c[1].vector_base, 0x38);
	i8259_write(&pic, 0, 1, 0xfb);			/* OCW1 */
	i8259_write(&pic, 1, 1, 0xff);
	assert_int_equal(i8259_read(&pic, 0, 1), 0xfb);
	assert_int_equal(i8259_read(&pic, 1, 1), 0xff);
	/* OCW2 (EOI) and OCW3 (read ISR/IRR) leave the mask alone and read
	 * 0: nothing is ever pending or in service. */
	i8259_write(&pic, 0, 0, 0x20);
	i8259_write(&pic, 0, 0, 0x0b);			/* read ISR */
	assert_int_equal(i8259_read(&pic, 0, 0), 0);
	i8259_write(&pic, 0, 0, 0x0a);			/* read IRR */
	assert_int_equal(i8259_read(&pic, 0, 0), 0);
	assert_int_equal(i8259_read(&pic, 0, 1), 0xfb);
	i8259_write(&pic, 0, 1, 0x5a);
	assert_int_equal(i8259_read(&pic, 0, 1), 0x5a);
	assert_int_equal(i8259_read(&pic, 1, 1), 0xff);	/* chips independent */
}

/* Without ICW4 (ICW1 bit 0 clear) the byte after ICW3 is already OCW1;
 * ICW2's low three bits are not part of the base. */
static void test_pic_no_icw4(void **state)
{
	(void)state;
	i8259_write(&pic, 0, 0, 0x10);
	i8259_write(&pic, 0, 1, 0x27);
	i8259_write(&pic, 0, 1, 0x04);
	i8259_write(&pic, 0, 1, 0xa5);
	assert_int_equal(pic.c[0].vector_base, 0x20);
	assert_int_equal(i8259_read(&pic, 0, 1), 0xa5);
	/* Re-initialising restarts the sequence mid-way. */
	i8259_write(&pic, 0, 0, 0x11);
	i8259_write(&pic, 0, 1, 0x08);
	i8259_write(&pic, 0, 0, 0x11);
	i8259_write(&pic, 0, 1, 0x70);
	i8259_write(&pic, 0, 1, 0x04);
	i8259_write(&pic, 0, 1, 0x01);
	i8259_write(&pic, 0, 1, 0x3c);
	assert_int_equal(pic.c[0].vector_base, 0x70);
	assert_int_equal(i8259_read(&pic, 0, 1), 0x3c);
}

/* ELCR (PIIX: 0x4D0/0x4D1): IRQ 0, 1, 2, 8 and 13 are always edge. */
static void test_pic_elcr(void **state)
{
	(void)state;
	assert_int_equal(i8259_read(&pic, 0, 2), 0);
	assert_int_equal(i8259_read(&pic, 1, 2), 0);
	i8259_write(&pic, 0, 2, 0xff);
	i8259_write(&pic, 1, 2, 0xff);
	assert_int_equal(i8259_read(&pic, 0, 2), 0xf8);
	assert_int_equal(i8259_read(&pic, 1, 2), 0xde);
	i8259_write(&pic, 0, 2, 0x20);			/* IRQ 5 level */
	assert_int_equal(i8259_read(&pic, 0, 2), 0x20);
	assert_int_equal(i8259_read(&pic, 0, 1), 0xff);	/* IMR untouched */
}

/* Chip numbers and offsets out of range stay inside the model. */
static void test_pic_hostile(void **state)
{
	(void)state;
	for (unsigned chip = 0; chip < 8; chip++)
		for (unsigned off = 0; off < 8; off++)
			for (unsigned v = 0; v < 256; v += 3) {
				i8259_write(&pic, chip, off, (uint8_t)v);
				(void)i8259_read(&pic, chip, off);
			}
	i8259_init(&pic);
	i8259_write(&pic, 3, 1, 0x42);			/* chip 3 is the slave */
	assert_int_equal(i8259_read(&pic, 1, 1), 0x42);
	assert_int_equal(i8259_read(&pic, 1, 9), 0);
}

/* No ICW3 in single mode. ICW1 bit 1 (SNGL) set means
 * there is no ICW3 (8259A datasheet, "Initialization Command Words",
 * Figure 6 flow chart: "In cascade mode? yes: ICW3"); taking the third
 * byte as ICW3 would lose the guest's mask. */
static void test_pic_single_mode(void **state)
{
	(void)state;
	i8259_write(&pic, 0, 0, 0x13);			/* ICW1: single, ICW4 */
	i8259_write(&pic, 0, 1, 0x08);			/* ICW2 */
	i8259_write(&pic, 0, 1, 0x01);			/* ICW4 */
	i8259_write(&pic, 0, 1, 0xbc);			/* OCW1 */
	assert_int_equal(i8259_read(&pic, 0, 1), 0xbc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rtc_calendar_known, rtc_setup),
		cmocka_unit_test_setup(test_rtc_calendar_vs_libc, rtc_setup),
		cmocka_unit_test_setup(test_rtc_bcd_read, rtc_setup),
		cmocka_unit_test_setup(test_rtc_status, rtc_setup),
		cmocka_unit_test_setup(test_rtc_binary_and_12h, rtc_setup),
		cmocka_unit_test_setup(test_rtc_set_time, rtc_setup),
		cmocka_unit_test_setup(test_rtc_leap_years, rtc_setup),
		cmocka_unit_test_setup(test_rtc_hostile_writes, rtc_setup),
		cmocka_unit_test_setup(test_rtc_nvram, rtc_setup),
		cmocka_unit_test_setup(test_kbc_absent, kbc_setup),
		cmocka_unit_test_setup(test_kbc_reset_pulse, kbc_setup),
		cmocka_unit_test_setup(test_pic_linux_init, pic_setup),
		cmocka_unit_test_setup(test_pic_no_icw4, pic_setup),
		cmocka_unit_test_setup(test_pic_elcr, pic_setup),
		cmocka_unit_test_setup(test_rtc_set_date_across_month_lengths, rtc_setup),
		cmocka_unit_test_setup(test_pic_single_mode, pic_setup),
		cmocka_unit_test_setup(test_pic_hostile, pic_setup),
	};
	return cmocka_run_group_tests_name("pcdevs", tests, NULL, NULL);
}
