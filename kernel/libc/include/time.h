/* The C clock subset mbedtls uses to check certificate dates
 * (MBEDTLS_HAVE_TIME, MBEDTLS_HAVE_TIME_DATE): time() is the host's wall
 * clock, from the RTC read at boot (drivers/cmos.h). Kernel time is
 * kernel/time.h. */
#ifndef _BASTION_TIME_H
#define _BASTION_TIME_H

typedef long long time_t;

struct tm {
	int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
};

time_t time(time_t *t);

#endif
