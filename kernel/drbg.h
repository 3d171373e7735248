/* The kernel's random bit generator: CTR-DRBG (NIST SP 800-90A, AES-256,
 * mbedtls) seeded from entropy_get(). Use it for keys, nonces and tokens;
 * it is cheaper than entropy_get() and reseeds itself. */
#ifndef KERNEL_DRBG_H
#define KERNEL_DRBG_H

#include <stddef.h>

/* Seeds the generator, once, after entropy_init() (no heap needed).
 * Returns 0, or -EIO if the entropy sources failed. */
int drbg_init(void);

/* Fills buf with len random bytes; any CPU, any context (interrupts are
 * off while each 1 KiB block is generated). Returns 0, or -EIO if
 * drbg_init() has not succeeded or a due reseed failed (buf is then
 * unusable). */
int drbg_random(void *buf, size_t len);

/* mbedtls's CTR-DRBG known-answer tests; at boot, on one CPU (they use
 * state of their own, not the generator's). Returns 0 or -EIO (failed). */
int drbg_selftest(void);

#endif
