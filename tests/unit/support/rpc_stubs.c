/* Host stand-ins for the kernel services kernel/json.c and kernel/rpc.c
 * use: the log (kept in memory for tests to read) and the heap (the C
 * library's, with a switch to make the Nth allocation fail). Tests
 * declare the stub_* variables they use themselves. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/heap.h"
#include "kernel/log.h"

/* What tests read and set (they declare these themselves). */
extern char stub_log_last[512];
extern unsigned stub_log_count;
extern long stub_alloc_fail_at;

char stub_log_last[512];	/* the last log message */
unsigned stub_log_count;	/* log messages so far */
long stub_alloc_fail_at = -1;	/* allocations that succeed before one
				 * fails (once); -1: all succeed */

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	(void)lvl;
	vsnprintf(stub_log_last, sizeof(stub_log_last), fmt, ap);
	stub_log_count++;
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(lvl, fmt, ap);
	va_end(ap);
}

static int fail_now(void)
{
	if (stub_alloc_fail_at < 0)
		return 0;
	return stub_alloc_fail_at-- == 0;
}

void *kmalloc(size_t size)
{
	return fail_now() ? NULL : malloc(size ? size : 1);
}

void *kzalloc(size_t size)
{
	return fail_now() ? NULL : calloc(1, size ? size : 1);
}

void *kcalloc(size_t n, size_t size)
{
	return fail_now() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *krealloc(void *p, size_t size)
{
	return fail_now() ? NULL : realloc(p, size ? size : 1);
}

void kfree(void *p)
{
	free(p);
}
