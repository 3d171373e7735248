/* Host stand-ins for the kernel services net/ uses: the heap (malloc,
 * with an optional failure after N allocations) and the log (counted,
 * the last line kept). Shared by the net unit tests, fuzzers and the
 * switch benchmark. */
#ifndef TESTS_NET_STUBS_H
#define TESTS_NET_STUBS_H

#include <stddef.h>

extern unsigned long stub_log_lines;      /* log_printf() calls so far */
extern char stub_log_last[512];           /* the text of the last one */
extern int stub_log_echo;                 /* print log lines to stderr */

/* The allocation after the next n succeeds no more (until reset with
 * a negative n). */
void stub_alloc_fail_after(long n);
extern unsigned long stub_allocs;         /* live allocations */

#endif
