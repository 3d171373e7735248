/* Kernel log: a ring of records with levels, echoed to the console. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERR, LOG_LEVELS };

void log_printf(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vprintf(enum log_level lvl, const char *fmt, va_list ap);

/* Records at or above lvl reach the console (all are kept in the ring). */
void log_set_console_level(enum log_level lvl);

/* Copies the newest records, oldest first, as text lines into buf.
 * Returns the number of bytes written (always NUL-terminated). */
size_t log_tail(char *buf, size_t len, unsigned max_records);

/* Writes straight to the console, bypassing the lock and the ring: only for
 * panic and exception reports, when the lock holder may be dead. */
void log_emergency(const char *s, size_t n);

#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define pr_err(...)   log_printf(LOG_ERR, __VA_ARGS__)

#endif
