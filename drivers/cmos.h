/* The host's CMOS clock, read once at boot: wall time for guest RTCs. */
#ifndef DRIVERS_CMOS_H
#define DRIVERS_CMOS_H

#include <stdbool.h>
#include <stdint.h>

/* Reads the RTC (bounded wait for an update to finish). Returns 0, or
 * -EIO when no plausible clock answers (then time_unix() counts from
 * 2026-01-01). */
int cmos_init(void);
/* Seconds since 1970 (UTC, as the RTC keeps it on servers). */
int64_t time_unix(void);
/* Whether time_unix() comes from a plausible RTC (not the fallback). */
bool time_unix_trusted(void);

#endif
