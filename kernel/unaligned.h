/* Little-endian loads from byte buffers of firmware, loader, guest or
 * network origin, at any alignment. The kernel is built freestanding
 * (-fno-builtin): a plain memcpy() there is a call, too slow for the
 * per-frame path; __builtin_memcpy of a constant size is always expanded
 * in place, to one load on x86. */
#ifndef KERNEL_UNALIGNED_H
#define KERNEL_UNALIGNED_H

#include <stdint.h>

static inline uint16_t ld16(const void *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, 2);
	return v;
}

static inline uint32_t ld32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline uint64_t ld64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

#endif
