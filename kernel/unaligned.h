/* Little-endian loads from byte buffers of firmware, loader or guest
 * origin, at any alignment (memcpy compiles to one load on x86). */
#ifndef KERNEL_UNALIGNED_H
#define KERNEL_UNALIGNED_H

#include <stdint.h>
#include <string.h>

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

#endif
