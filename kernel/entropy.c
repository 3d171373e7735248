/*
 * Entropy: RDSEED, else RDRAND, else TSC jitter. RDRAND/RDSEED can fail
 * transiently (CF=0): retry a bounded number of times as the Intel DRNG
 * guide recommends, and treat a source that repeats itself as broken.
 * The fallback folds the low bits of TSC deltas across PIT reads, slow
 * I/O whose latency varies; it only seeds the DRBG, never serves keys
 * directly.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "kernel/entropy.h"

enum src { SRC_JITTER, SRC_RDRAND, SRC_RDSEED };
static enum src source = SRC_JITTER;
static uint64_t last_word;

static int rdrand64(uint64_t *v)
{
	unsigned char ok;

	for (int i = 0; i < 10; i++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return 0;
	}
	return -EIO;
}

static int rdseed64(uint64_t *v)
{
	unsigned char ok;

	for (int i = 0; i < 100; i++) {
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return 0;
		cpu_relax();
	}
	return -EIO;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	/* splitmix64 finaliser over an xor-accumulated state */
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static uint64_t jitter64(void)
{
	uint64_t h = rdtsc();

	for (int i = 0; i < 64; i++) {
		uint64_t t0 = rdtsc();

		(void)inb(0x61);	/* an I/O read: variable latency */
		h = mix(h, rdtsc() - t0);
	}
	return h;
}

static int word(uint64_t *v)
{
	int r = 0;

	switch (source) {
	case SRC_RDSEED:
		r = rdseed64(v);
		if (r)
			r = rdrand64(v);
		break;
	case SRC_RDRAND:
		r = rdrand64(v);
		break;
	default:
		*v = jitter64();
		break;
	}
	if (r)
		return r;
	/* Continuous test (NIST SP 800-90B 4.4.1 in spirit): never the same
	 * 64-bit word twice in a row. */
	if (*v == last_word)
		return -EIO;
	last_word = *v;
	return 0;
}

const char *entropy_init(void)
{
	uint64_t a, b;

	if (cpu_feat.rdseed && !rdseed64(&a) && !rdseed64(&b) && a != b) {
		source = SRC_RDSEED;
		return "RDSEED";
	}
	if (cpu_feat.rdrand && !rdrand64(&a) && !rdrand64(&b) && a != b) {
		source = SRC_RDRAND;
		return "RDRAND";
	}
	source = SRC_JITTER;
	return "TSC jitter (no RDSEED/RDRAND)";
}

int entropy_get(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		uint64_t v;
		size_t n = len < 8 ? len : 8;

		if (word(&v))
			return -EIO;
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
	return 0;
}

/* The stack-protector guard, set before any protected function returns:
 * called from entry.S ahead of kmain(), so it must not use a canary. */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

__attribute__((no_stack_protector)) void boot_seed_canary(void);
__attribute__((no_stack_protector)) void boot_seed_canary(void)
{
	uint32_t a, b, c, d;
	uint64_t v = 0;
	unsigned char ok = 0;

	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 30)) {
		for (int i = 0; i < 10 && !ok; i++)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	}
	for (int i = 0; i < 16; i++)
		v = mix(v, rdtsc());
	/* A zero low byte stops string overflows from copying the canary. */
	__stack_chk_guard = v & ~0xffull;
}

