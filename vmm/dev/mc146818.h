/*
 * An MC146818 CMOS RTC (ports 0x70/0x71): the clock in BCD or binary,
 * 24- or 12-hour, status registers A-D, 114 bytes of NVRAM (zero). The
 * time is the caller's (Unix seconds); the update-in-progress bit never
 * reads set, so Linux's wait for it ends at once. Writes to the clock
 * registers are kept as an offset. No alarm or periodic interrupt.
 */
#ifndef VMM_DEV_MC146818_H
#define VMM_DEV_MC146818_H

#include <stdbool.h>
#include <stdint.h>

/* Unix seconds <-> calendar (UTC, proleptic Gregorian), for the model
 * and its tests. */
struct rtc_tm { int year, mon, mday, hour, min, sec, wday; };

struct mc146818 {
	uint8_t index;
	uint8_t reg_b;
	uint8_t nvram[128];
	int64_t offset;		/* guest-set time minus host time, seconds */
	/* Clock registers being written: independent bytes (a date may be
	 * impossible between two writes), applied when register B's SET
	 * bit clears, or at the next read when SET was never used. */
	bool shadow_on;
	struct rtc_tm shadow;
	int64_t shadow_at;	/* host time the shadow was taken */
};

void mc146818_init(struct mc146818 *r);
/* off 0: index (bit 7 is the NMI mask, ignored), off 1: data. */
uint8_t mc146818_read(struct mc146818 *r, unsigned off, int64_t unix_now);
void mc146818_write(struct mc146818 *r, unsigned off, uint8_t val, int64_t unix_now);

void rtc_from_unix(int64_t t, struct rtc_tm *tm);
int64_t rtc_to_unix(const struct rtc_tm *tm);

#endif
