/* <assert.h>: a failed assert() is a broken invariant, so it panics like
 * the kernel's ASSERT() (kernel/panic.h). Not reset by re-inclusion with
 * another NDEBUG, unlike ISO C: nobody here relies on that. */
#ifndef _BASTION_ASSERT_H
#define _BASTION_ASSERT_H

#define static_assert _Static_assert

__attribute__((noreturn))
void __assert_fail(const char *expr, const char *file, int line);

#ifdef NDEBUG
#define assert(x)	((void)0)
#else
#define assert(x)	((x) ? (void)0 : __assert_fail(#x, __FILE__, __LINE__))
#endif

#endif
