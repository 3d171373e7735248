/*
 * The lwIP adapter: lwIP's port to Bastion (NO_SYS=1, so no threads,
 * mailboxes or semaphores) and the netstack_*() calls of the network
 * service task. Besides net/lwip/ (lwipopts.h, arch/cc.h), no other file
 * of ours includes lwIP headers (STYLE: third-party code stays in
 * quarantine).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "kernel/entropy.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "net/netstack.h"

int netstack_init(void)
{
	lwip_init();
	return 0;
}

void netstack_poll(void)
{
	sys_check_timeouts();
}

/* lwIP's clock, in ms. It wraps after 49 days, which lwIP's timer list
 * expects (timeouts.c compares with TIME_LESS_THAN). */
u32_t sys_now(void)
{
	return (u32_t)time_ms();
}

/* LWIP_RAND(): TCP initial sequence numbers, first local ports, DHCP
 * transaction ids. If every entropy source failed (a hardware fault), the
 * stack keeps running on the clock's low bits, loudly: those values only
 * make blind spoofing harder, and TLS, whose DRBG fails closed, still
 * protects the console. */
uint32_t lwip_port_rand(void)
{
	static bool warned;
	uint32_t v;

	if (!entropy_get(&v, sizeof(v)))
		return v;
	if (!warned) {
		warned = true;
		pr_err("lwip: entropy failed, TCP/DHCP numbers are guessable");
	}
	return (uint32_t)time_ns();
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
	panic("lwip: assertion \"%s\" failed at %s:%d", msg, file, line);
}
