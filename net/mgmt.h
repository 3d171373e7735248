/* The management port: the host's own IP stack (net/netstack.h) on a port
 * of the virtual switch, like ESXi's vmk0. The switch's firewall guards
 * it as any port: it admits the RPC console's TCP port, ICMP echo and
 * (with DHCP) the server's replies, from its own network only; the host
 * may send anything.
 *
 * One task owns it (the console service): mgmt_poll() runs there, after
 * mgmt_start() ran before it; frames from the switch arrive on any CPU
 * and wake it. */
#ifndef NET_MGMT_H
#define NET_MGMT_H

#include <stdint.h>

struct bootcfg;
struct task;

/* Adds the port "mgmt" to the switch on the configured network and
 * brings lwIP's interface up on it (static address or DHCP). Runs before
 * the owner task exists (its memory is then counted before any VM's);
 * frames that arrive until mgmt_set_owner() wait in the ring. Returns 0,
 * -ENODEV (no switch), or the switch's or lwIP's error (logged). */
int mgmt_start(const struct bootcfg *c);

/* The task woken when frames arrive, the only one to call mgmt_poll(). */
void mgmt_set_owner(struct task *owner);

/* Feeds lwIP the frames that arrived and runs its timers. */
void mgmt_poll(void);

/* Frames dropped because the owner did not keep up. */
uint64_t mgmt_rx_drops(void);

#endif
