/*
 * libfdt's environment for Bastion: the types and byte-order helpers
 * libfdt expects from its host. Used both by the kernel (freestanding,
 * kernel/libc headers) and by host unit tests (the system's libc), so it
 * includes only ISO C headers and relies on nothing but gcc/clang
 * builtins.
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

/* On the host, libfdt's strnlen() is POSIX 2008, which glibc hides under
 * a strict -std=c11; libfdt's .c files include this header first. */
#if __STDC_HOSTED__ && defined(__STRICT_ANSI__) && \
	!defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A devicetree blob stores every integer big-endian. */
typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FDT_SWAP16(x)	__builtin_bswap16(x)
#define FDT_SWAP32(x)	__builtin_bswap32(x)
#define FDT_SWAP64(x)	__builtin_bswap64(x)
#else
#define FDT_SWAP16(x)	(x)
#define FDT_SWAP32(x)	(x)
#define FDT_SWAP64(x)	(x)
#endif

static inline uint16_t fdt16_to_cpu(fdt16_t x) { return FDT_SWAP16(x); }
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return FDT_SWAP16(x); }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return FDT_SWAP32(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return FDT_SWAP32(x); }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return FDT_SWAP64(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return FDT_SWAP64(x); }

#undef FDT_SWAP16
#undef FDT_SWAP32
#undef FDT_SWAP64

#endif
