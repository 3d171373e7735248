/* Entropy from RDSEED/RDRAND, with a TSC-jitter fallback. */
#ifndef KERNEL_ENTROPY_H
#define KERNEL_ENTROPY_H

#include <stddef.h>

/* Detects the sources; returns a name for the boot report. */
const char *entropy_init(void);

/* Fills buf with len bytes of entropy. Returns 0, or -EIO if every source
 * failed its health check (the buffer is then unusable). */
int entropy_get(void *buf, size_t len);

#endif
