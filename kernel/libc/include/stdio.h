/* The subset of <stdio.h> lwIP and mbedtls use: formatting into buffers
 * (kernel/fmt.h semantics, no floating point) and printf, which goes to
 * the kernel log. There are no streams. */
#ifndef _BASTION_STDIO_H
#define _BASTION_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int snprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* One log record (LOG_INFO) per call; only mbedtls's verbose self-tests
 * reach it. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
