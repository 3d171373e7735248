/* Monotonic time since boot, from the calibrated TSC. */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

uint64_t time_ns(void);
uint64_t time_ms(void);
uint64_t tsc_hz(void);

/* Called first thing at boot: time counts from there. */
void time_mark_boot(void);

#endif
