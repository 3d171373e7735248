/* printf-style formatting without libc: %d %i %u %x %X %o %p %s %c %%,
 * flags '-' '0' '+' ' ' '#', width and precision (also '*'), length
 * modifiers hh h l ll z t j. Unknown conversions are copied verbatim. */
#ifndef KERNEL_FMT_H
#define KERNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Like vsnprintf(): returns the length the full output would have had;
 * writes at most len bytes including the NUL (nothing when len == 0). */
int kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
