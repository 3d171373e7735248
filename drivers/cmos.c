/* The host RTC (MC146818 registers 0-9, A, B, 0x32), read once. */
#include <errno.h>
#include "arch/x86_64/cpu.h"
#include <time.h>
#include "drivers/cmos.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "vmm/dev/mc146818.h"

static int64_t boot_unix = 1767225600;	/* 2026-01-01T00:00:00Z */
static uint64_t boot_ms;
static bool trusted;

static uint8_t rd(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int bcd(uint8_t v, uint8_t b)
{
	return (b & 4) ? v : (v >> 4) * 10 + (v & 0xf);
}

int cmos_init(void)
{
	struct rtc_tm tm;
	uint8_t b, h, sec;
	int i;

	/* Update-in-progress lasts under 2 ms; read between updates and
	 * twice, so a carry between registers is not half seen. */
	for (i = 0; i < 100000 && (rd(0xa) & 0x80); i++)
		;
	do {
		sec = rd(0);
		b = rd(0xb);
		tm.min = bcd(rd(2), b);
		h = rd(4);
		tm.mday = bcd(rd(7), b);
		tm.mon = bcd(rd(8), b);
		tm.year = bcd(rd(9), b) + 2000;
	} while (sec != rd(0) && ++i < 100010);
	tm.sec = bcd(sec, b);
	tm.hour = bcd(h & 0x7f, b);
	if (!(b & 2) && (h & 0x80))
		tm.hour = (tm.hour % 12) + 12;
	else if (!(b & 2))
		tm.hour %= 12;
	boot_ms = time_ms();
	if (tm.sec > 59 || tm.min > 59 || tm.hour > 23 || tm.mday < 1 || tm.mday > 31 ||
	    tm.mon < 1 || tm.mon > 12) {
		pr_warn("rtc: no plausible clock; guests start at 2026-01-01");
		return -EIO;
	}
	boot_unix = rtc_to_unix(&tm);
	/* Before this code was written: a clock that was never set. */
	trusted = boot_unix >= 1796601600;	/* 2026-12-07 */
	if (!trusted)
		pr_warn("rtc: the clock says %d-%02d-%02d, which cannot be right", tm.year,
			tm.mon, tm.mday);
	return 0;
}

bool time_unix_trusted(void)
{
	return trusted;
}

/* C's time(), for mbedtls (kernel/libc/include/time.h). */
time_t time(time_t *t)
{
	time_t now = (time_t)time_unix();

	if (t)
		*t = now;
	return now;
}

int64_t time_unix(void)
{
	return boot_unix + (int64_t)((time_ms() - boot_ms) / 1000);
}
