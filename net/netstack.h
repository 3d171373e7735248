/* The management port's TCP/IP stack (lwIP, NO_SYS=1) and its TLS
 * listener. One kernel task owns it: every call below, every frame fed to
 * it and every callback it makes happen on that task, never concurrently.
 * Nothing here includes lwIP: net/lwip_port.c is the adapter. */
#ifndef NET_NETSTACK_H
#define NET_NETSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Initialises lwIP, once, after the heap and entropy_init(). Returns 0. */
int netstack_init(void);

/* Runs lwIP's expired timers (TCP, ARP, DHCP). Call it at least every
 * 100 ms; lwIP's fastest timer (TCP) fires every 250 ms. */
void netstack_poll(void);

/* The one interface: the management port. Addresses in host byte order;
 * addr 0 means DHCP. */
struct netstack_if_cfg {
	uint8_t mac[6];
	uint32_t addr, mask, gateway;
	const char *hostname;		/* DHCP option 12; kept, not copied */
	/* A frame to send (whole, without FCS); lwIP's buffer, valid during
	 * the call only. */
	void (*output)(const void *frame, size_t len);
};

/* Brings the interface up (static address, or starts DHCP). Returns 0,
 * -EBUSY (already up), -ENOMEM. */
int netstack_if_up(const struct netstack_if_cfg *cfg);

/* A frame received for the interface; copied. Dropped (counted) when
 * lwIP's receive pool is empty or the interface is down. */
void netstack_input(const void *frame, size_t len);

/* The interface's address (host byte order), 0 while DHCP has none. */
uint32_t netstack_if_addr(void);

/* ------------------------------------------------------------ TLS server */

/* One TLS connection. Opaque; valid from accept until gone or ns_close. */
struct ns_conn;

struct ns_listen_ops {
	/* A TCP connection was accepted; the TLS handshake has not started.
	 * tls is the connection's mbedtls context (for kernel/crypto.h).
	 * Returns the connection's owner state, or NULL to abort it. */
	void *(*accept)(void *arg, struct ns_conn *c, void *tls);
	/* Application data (the handshake is done). Returns how many bytes it
	 * took (0..len); the rest is offered again after sent() or poll(),
	 * and TCP's window stays closed by that much meanwhile. */
	size_t (*recv)(void *user, const void *data, size_t len);
	/* The peer acknowledged data: there may be room to write again. */
	void (*sent)(void *user);
	/* Every 500 ms while the connection lives. */
	void (*poll)(void *user);
	/* The connection is gone (peer closed or reset it, the handshake
	 * failed, out of memory). c is invalid from now on; the owner
	 * frees its state. Not called after ns_close(). */
	void (*gone)(void *user);
};

/* Listens on TCP port with TLS 1.2 (server certificate and key in PEM,
 * NUL-terminated, lengths including the NUL as mbedtls wants them).
 * Returns 0, -EINVAL (key or certificate refused), -ENOMEM, -EADDRINUSE. */
int netstack_tls_listen(uint16_t port, const char *cert, size_t cert_len,
			const char *key, size_t key_len,
			const struct ns_listen_ops *ops, void *arg);

/* Opens a plain TCP connection to addr:port (host byte order), served
 * through ops as a TLS connection is (accept unused): sent() once it is
 * established (write the request then), gone() if it cannot be made.
 * Returns 0 and *c, -ENETDOWN (no interface), -ENOMEM. */
int ns_tcp_connect(uint32_t addr, uint16_t port, const struct ns_listen_ops *ops, void *user,
		   struct ns_conn **c);

/* Queues up to len bytes for the peer. Returns how many it took (0: no
 * room now, try after sent(); always 0 before a TLS handshake is done),
 * or -ECONNRESET (closed or broken). */
int ns_write(struct ns_conn *c, const void *buf, size_t len);

/* Closes gracefully (queued data still goes out); c is invalid after
 * it, and gone() is not called. */
void ns_close(struct ns_conn *c);

/* Offers held received data again (after the owner made room). */
void ns_resume(struct ns_conn *c);

/* The peer's address, for the log (host byte order) and port. */
void ns_peer(const struct ns_conn *c, uint32_t *addr, uint16_t *port);

#endif
