/*
 * The mbedtls adapter: drbg_*() on mbedtls's CTR-DRBG, and the one hook
 * mbedtls needs from the kernel, its entropy source. calloc/free need no
 * hook: mbedtls calls the plain C names, which kernel/libc maps onto the
 * kernel heap (see kernel/mbedtls/mbedtls_config.h). Besides that config
 * header, no other file of ours includes mbedtls headers (STYLE:
 * third-party code stays in quarantine).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/entropy_poll.h"
#include "kernel/drbg.h"
#include "kernel/entropy.h"
#include "kernel/spinlock.h"

/* "bastion": personalization string (SP 800-90A 8.7.1), separating our
 * output from any other instance seeded with the same entropy. */
static const unsigned char drbg_pers[] = "bastion";

/* [l] drbg_lock. irqsave: an interrupt or a preempting task on the same
 * CPU may ask for random bytes while a generation is in progress. */
static struct spinlock drbg_lock = SPINLOCK_INIT;
static mbedtls_ctr_drbg_context drbg;	/* [l] */
static bool drbg_ready;			/* [l] */

static int drbg_entropy(void *unused, unsigned char *buf, size_t len)
{
	if (entropy_get(buf, len))
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	return 0;
}

int drbg_init(void)
{
	uint64_t flags = spin_lock_irqsave(&drbg_lock);
	int ret = 0;

	if (!drbg_ready) {
		mbedtls_ctr_drbg_init(&drbg);
		ret = mbedtls_ctr_drbg_seed(&drbg, drbg_entropy, NULL, drbg_pers,
					    sizeof(drbg_pers) - 1);
		if (ret)
			mbedtls_ctr_drbg_free(&drbg);
		drbg_ready = !ret;
	}
	spin_unlock_irqrestore(&drbg_lock, flags);
	return ret ? -EIO : 0;
}

int drbg_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		/* One request at most: mbedtls's limit, and it bounds how
		 * long interrupts stay off. */
		size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ?
			   len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
		uint64_t flags = spin_lock_irqsave(&drbg_lock);
		int ret = drbg_ready ? mbedtls_ctr_drbg_random(&drbg, p, n) : -1;

		spin_unlock_irqrestore(&drbg_lock, flags);
		if (ret)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int drbg_selftest(void)
{
	return mbedtls_ctr_drbg_self_test(0) ? -EIO : 0;
}

/* mbedtls's strong entropy source (MBEDTLS_ENTROPY_HARDWARE_ALT), polled
 * by mbedtls_entropy_func(): altcp_tls seeds its own CTR-DRBG with it. */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len,
			  size_t *olen)
{
	*olen = 0;
	if (entropy_get(output, len))
		return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
	*olen = len;
	return 0;
}
