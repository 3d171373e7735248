/* panic(): only for states the host cannot survive. ASSERT(): our own
 * invariants. Neither is ever reachable from guest or network input. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);

#define ASSERT(x) do { \
	if (__builtin_expect(!(x), 0)) \
		panic("assertion failed: %s at %s:%d", #x, __FILE__, __LINE__); \
} while (0)

#endif
