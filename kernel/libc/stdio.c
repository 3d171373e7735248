/* <stdio.h> formatting for third-party code, on kernel/fmt.c. */
#include <stdio.h>
#include "kernel/fmt.h"
#include "kernel/log.h"

int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	return kvsnprintf(buf, len, fmt, ap);
}

int snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap, aq;
	int n;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = kvsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	log_vprintf(LOG_INFO, fmt, ap);
	va_end(ap);
	return n;
}
