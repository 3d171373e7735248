/* The guest's CMOS clock (MC146818A datasheet; register B bit 2 DM
 * selects binary, bit 1 selects 24-hour). */
#include <string.h>
#include "vmm/dev/mc146818.h"

#define B_24H 0x02
#define B_BIN 0x04
#define B_SET 0x80

void mc146818_init(struct mc146818 *r)
{
	memset(r, 0, sizeof(*r));
	r->reg_b = B_24H;	/* BCD, 24-hour: what PC firmware sets */
}

/* Days from civil (Howard Hinnant's algorithm, public domain facts). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void rtc_from_unix(int64_t t, struct rtc_tm *tm)
{
	int64_t days = t / 86400, rem = t % 86400, z, era, doe, yoe, doy, mp;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	tm->hour = (int)(rem / 3600);
	tm->min = (int)(rem / 60 % 60);
	tm->sec = (int)(rem % 60);
	tm->wday = (int)((days % 7 + 11) % 7);	/* 1970-01-01 was a Thursday (4) */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (int)(yoe + era * 400 + (tm->mon <= 2));
}

int64_t rtc_to_unix(const struct rtc_tm *tm)
{
	return days_from_civil(tm->year, tm->mon, tm->mday) * 86400 +
	       tm->hour * 3600 + tm->min * 60 + tm->sec;
}

static uint8_t enc(const struct mc146818 *r, int v)
{
	return r->reg_b & B_BIN ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int dec(const struct mc146818 *r, uint8_t v)
{
	return r->reg_b & B_BIN ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t enc_hour(const struct mc146818 *r, int h)
{
	int h12;

	if (r->reg_b & B_24H)
		return enc(r, h);
	h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int dec_hour(const struct mc146818 *r, uint8_t v)
{
	int h;

	if (r->reg_b & B_24H)
		return dec(r, v);
	h = dec(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

/* Applies written clock registers (see struct mc146818). */
static void commit(struct mc146818 *r)
{
	if (!r->shadow_on || (r->reg_b & B_SET))
		return;
	r->offset = rtc_to_unix(&r->shadow) - r->shadow_at;
	r->shadow_on = false;
}

uint8_t mc146818_read(struct mc146818 *r, unsigned off, int64_t unix_now)
{
	struct rtc_tm tm;

	if (off == 0)
		return 0xff;		/* the index port is write-only */
	commit(r);
	if (r->shadow_on) {
		tm = r->shadow;		/* SET: the registers as written */
		tm.wday = (int)(((rtc_to_unix(&tm) / 86400) % 7 + 11) % 7);
	} else {
		rtc_from_unix(unix_now + r->offset, &tm);
	}
	switch (r->index) {
	case 0: return enc(r, tm.sec);
	case 2: return enc(r, tm.min);
	case 4: return enc_hour(r, tm.hour);
	case 6: return enc(r, tm.wday + 1);
	case 7: return enc(r, tm.mday);
	case 8: return enc(r, tm.mon);
	case 9: return enc(r, tm.year % 100);
	case 0x32: return enc(r, tm.year / 100);	/* century (PC convention) */
	case 0xa: return 0x26;	/* 32.768 kHz time base, 1024 Hz rate, UIP clear */
	case 0xb: return r->reg_b;
	case 0xc: return 0;	/* no interrupt flags */
	case 0xd: return 0x80;	/* valid RAM and time */
	case 1: case 3: case 5: return 0;	/* alarms: unset */
	default: return r->nvram[r->index & 0x7f];
	}
}

void mc146818_write(struct mc146818 *r, unsigned off, uint8_t val, int64_t unix_now)
{
	struct rtc_tm *tm = &r->shadow;
	int d;

	if (off == 0) {
		r->index = val & 0x7f;
		return;
	}
	switch (r->index) {
	case 0: case 2: case 4: case 7: case 8: case 9: case 0x32:
		if (!r->shadow_on) {
			rtc_from_unix(unix_now + r->offset, tm);
			r->shadow_at = unix_now;
			r->shadow_on = true;
		}
		d = r->index == 4 ? dec_hour(r, val) : dec(r, val);
		/* Out-of-range values are refused field by field. */
		if (r->index == 0 && d < 60) tm->sec = d;
		if (r->index == 2 && d < 60) tm->min = d;
		if (r->index == 4 && d < 24) tm->hour = d;
		if (r->index == 7 && d >= 1 && d <= 31) tm->mday = d;
		if (r->index == 8 && d >= 1 && d <= 12) tm->mon = d;
		if (r->index == 9 && d < 100) tm->year = tm->year / 100 * 100 + d;
		if (r->index == 0x32 && d < 100) tm->year = d * 100 + tm->year % 100;
		break;
	case 0xb:
		/* SET freezes the clock registers for a full write; no
		 * interrupts, no DST. */
		r->reg_b = val & (B_SET | B_24H | B_BIN);
		commit(r);
		break;
	case 0xa: case 0xc: case 0xd: case 6:
		break;		/* status and weekday: read-only here */
	default:
		if (r->index >= 0xe)
			r->nvram[r->index] = val;
		break;
	}
}
