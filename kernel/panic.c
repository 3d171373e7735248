/* panic(): report, stop every CPU, halt. */
#include <stdarg.h>
#include "arch/x86_64/trap.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/system.h"

void panic(const char *fmt, ...)
{
	char line[240];
	va_list ap;
	int n;

	system_begin_stop();
	n = ksnprintf(line, sizeof(line), "\nPANIC: ");
	va_start(ap, fmt);
	n += kvsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	log_emergency(line, (size_t)n);
	{
		uint64_t *fp = __builtin_frame_address(0);

		backtrace_print(fp[1], fp[0], 16);
	}
	system_halt("panic");
}
