/* Reached only through gcc's own <limits.h>, which does
 * "#include_next <limits.h>" to find the C library's half. gcc's half
 * already defines every ISO C limit; the kernel has no POSIX limits to add.
 * (In particular no SSIZE_MAX: lwIP then defines ssize_t itself.) */
#ifndef _LIBC_LIMITS_H_
#define _LIBC_LIMITS_H_
#endif
