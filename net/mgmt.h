/* The management port: the host's own IP stack (net/netstack.h) on a port
 * of the virtual switch, like ESXi's vmk0. The switch's firewall guards
 * it as any port: it admits the RPC console's TCP port, ICMP echo and
 * (with DHCP) the server's replies, from its own network only; the host
 * may send anything.
 *
 * One task owns it (the console service): mgmt_start() and mgmt_poll()
 * run there; frames from the switch arrive on any CPU and wake it. */
#ifndef NET_MGMT_H
#define NET_MGMT_H

#include <stdint.h>

struct bootcfg;
struct task;

/* Adds the port "mgmt" to the switch on the configured network and
 * brings lwIP's interface up on it (static address or DHCP). owner is
 * woken when frames arrive. Returns 0, -ENODEV (no switch), or the
 * switch's or lwIP's error (logged). */
int mgmt_start(const struct bootcfg *c, struct task *owner);

/* Feeds lwIP the frames that arrived and runs its timers. */
void mgmt_poll(void);

/* Frames dropped because the owner did not keep up. */
uint64_t mgmt_rx_drops(void);

#endif
