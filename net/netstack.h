/* The management port's TCP/IP stack (lwIP, NO_SYS=1). One kernel service
 * task owns it: every call below, and every frame fed to it, comes from
 * that task, never concurrently. */
#ifndef NET_NETSTACK_H
#define NET_NETSTACK_H

/* Initialises lwIP, once, after the heap and entropy_init(). Returns 0. */
int netstack_init(void);

/* Runs lwIP's expired timers (TCP, ARP, DHCP). Call it at least every
 * 100 ms; lwIP's fastest timer (TCP) fires every 250 ms. */
void netstack_poll(void);

#endif
