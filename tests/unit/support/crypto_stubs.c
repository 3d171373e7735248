/* Host stand-in for the kernel's DRBG (kernel/drbg.h), which
 * kernel/crypto.c calls for host keys and certificate serials: a fixed
 * splitmix64 stream, so that runs repeat, with a switch to make it fail.
 * Tests declare the stub_* variables they use themselves. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drivers/cmos.h"
#include "kernel/drbg.h"

/* What tests read and set (they declare these themselves). */
extern bool stub_drbg_fail;
extern unsigned long stub_drbg_calls;

bool stub_drbg_fail;		/* drbg_random() returns -EIO */
unsigned long stub_drbg_calls;	/* drbg_random() calls so far */

static uint64_t state = 0x42617374696f6eull;

static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int drbg_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	stub_drbg_calls++;
	if (stub_drbg_fail)
		return -EIO;
	while (len) {
		uint64_t v = next();
		size_t n = len < sizeof(v) ? len : sizeof(v);

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
	return 0;
}

/* drivers/cmos.c: the host's clock, trusted (host mbedtls checks dates
 * against the machine's own time anyway). */
bool time_unix_trusted(void)
{
	return true;
}
