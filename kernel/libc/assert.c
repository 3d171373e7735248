/* The target of <assert.h>'s assert(). */
#include <assert.h>
#include "kernel/panic.h"

void __assert_fail(const char *expr, const char *file, int line)
{
	panic("assertion failed: %s at %s:%d", expr, file, line);
}
