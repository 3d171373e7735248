/* Kernel log: every record goes to the ring; those at or above the console
 * level also go to the serial console, whole lines under one lock so CPUs
 * never interleave. */
#include "drivers/uart16550.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/logring.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"

#define LOG_RECORDS 512

static struct logring_rec ring_storage[LOG_RECORDS];
static struct logring ring = { ring_storage, LOG_RECORDS, 0 };
static struct spinlock log_lock = SPINLOCK_INIT;
static enum log_level console_level = LOG_INFO;

void log_set_console_level(enum log_level lvl)
{
	console_level = lvl;
}

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[256];
	int n;
	uint64_t flags;

	n = kvsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;

	flags = spin_lock_irqsave(&log_lock);
	logring_push(&ring, time_ns(), lvl, line, (size_t)n);
	if (lvl >= console_level) {
		uart_write(line, (size_t)n);
		if (n == 0 || line[n - 1] != '\n')
			uart_write("\n", 1);
	}
	spin_unlock_irqrestore(&log_lock, flags);
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(lvl, fmt, ap);
	va_end(ap);
}

size_t log_tail(char *buf, size_t len, unsigned max_records)
{
	uint64_t flags = spin_lock_irqsave(&log_lock);
	size_t n = logring_format(&ring, buf, len, max_records);

	spin_unlock_irqrestore(&log_lock, flags);
	return n;
}

void log_emergency(const char *s, size_t n)
{
	uart_write(s, n);
}
