/*
 * lwIP's architecture header for Bastion: the compiler is gcc (lwIP's
 * defaults for packing and types fit), the byte order is lwIP's default
 * (little endian), and diagnostics, assertions and random numbers go to
 * the kernel through net/lwip_port.c, the only file that implements them.
 */
#ifndef BASTION_LWIP_ARCH_CC_H
#define BASTION_LWIP_ARCH_CC_H

#include <stdint.h>

/* LWIP_DEBUGF output (only with LWIP_DEBUG), as LOG_DEBUG records. */
void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define LWIP_PLATFORM_DIAG(x)	do { lwip_port_diag x; } while (0)

/* LWIP_ASSERT guards lwIP's own invariants (input checks use LWIP_ERROR,
 * which returns an error), so a failure is a kernel bug: panic, as our
 * ASSERT() does (STYLE: three tiers of errors). */
__attribute__((noreturn))
void lwip_port_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_ASSERT(x)	lwip_port_assert((x), __FILE__, __LINE__)

/* DHCP transaction ids, first local ports, TCP initial sequence numbers
 * (LWIP_HOOK_TCP_ISN in lwipopts.h): from entropy_get(). */
uint32_t lwip_port_rand(void);
#define LWIP_RAND()		lwip_port_rand()

#endif
