/* Host stand-ins for kernel/heap.h and kernel/log.h (see net_stubs.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "tests/unit/support/net_stubs.h"

unsigned long stub_log_lines;
char stub_log_last[512];
int stub_log_echo;
unsigned long stub_allocs;
static long fail_after = -1;

void stub_alloc_fail_after(long n)
{
	fail_after = n;
}

static int fail_now(void)
{
	if (fail_after < 0)
		return 0;
	if (fail_after == 0)
		return 1;
	fail_after--;
	return 0;
}

void *kmalloc(size_t size)
{
	void *p;

	if (fail_now())
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		stub_allocs++;
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	if (fail_now())
		return NULL;
	p = calloc(n ? n : 1, size ? size : 1);
	if (p)
		stub_allocs++;
	return p;
}

void *krealloc(void *p, size_t size)
{
	void *q;

	if (!p)
		return kmalloc(size);
	if (fail_now())
		return NULL;
	q = realloc(p, size ? size : 1);
	return q;
}

void kfree(void *p)
{
	if (p)
		stub_allocs--;
	free(p);
}

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	kvsnprintf(stub_log_last, sizeof(stub_log_last), fmt, ap);
	stub_log_lines++;
	if (stub_log_echo)
		fprintf(stderr, "log[%d]: %s\n", (int)lvl, stub_log_last);
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(lvl, fmt, ap);
	va_end(ap);
}
