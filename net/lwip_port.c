/*
 * The lwIP adapter: lwIP's port to Bastion (NO_SYS=1, so no threads,
 * mailboxes or semaphores) and the netstack_*() calls of the network
 * service task. Besides net/lwip/ (lwipopts.h, arch/cc.h), no other file
 * of ours includes lwIP headers (STYLE: third-party code stays in
 * quarantine).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "kernel/entropy.h"
#include "kernel/heap.h"
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

/* ------------------------------------------------------------ interface */

static struct netif mgmt_if;
static bool if_up;
static uint8_t if_mac[6];
static void (*if_output)(const void *frame, size_t len);
static uint8_t tx_frame[1514];
static uint64_t rx_drops;

/* lwIP hands a frame as a chain of buffers; the switch takes it whole. */
static err_t if_linkoutput(struct netif *nif, struct pbuf *p)
{
	(void)nif;
	if (p->tot_len > sizeof(tx_frame))
		return ERR_IF;
	if_output(tx_frame, pbuf_copy_partial(p, tx_frame, p->tot_len, 0));
	return ERR_OK;
}

static err_t if_init(struct netif *nif)
{
	nif->name[0] = 'm';
	nif->name[1] = 'g';
	nif->output = etharp_output;
	nif->linkoutput = if_linkoutput;
	nif->mtu = 1500;
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, if_mac, 6);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

static void if_status(struct netif *nif)
{
	uint32_t a = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));

	if (a)
		pr_info("mgmt: address %u.%u.%u.%u%s", a >> 24, (a >> 16) & 255,
			(a >> 8) & 255, a & 255, dhcp_supplied_address(nif) ? " (DHCP)" : "");
}

int netstack_if_up(const struct netstack_if_cfg *cfg)
{
	ip4_addr_t a, m, g;

	if (if_up)
		return -EBUSY;
	memcpy(if_mac, cfg->mac, 6);
	if_output = cfg->output;
	ip4_addr_set_u32(&a, lwip_htonl(cfg->addr));
	ip4_addr_set_u32(&m, lwip_htonl(cfg->mask));
	ip4_addr_set_u32(&g, lwip_htonl(cfg->gateway));
	if (!netif_add(&mgmt_if, &a, &m, &g, NULL, if_init, ethernet_input))
		return -ENOMEM;
	netif_set_hostname(&mgmt_if, cfg->hostname);
	netif_set_status_callback(&mgmt_if, if_status);
	netif_set_default(&mgmt_if);
	netif_set_link_up(&mgmt_if);
	netif_set_up(&mgmt_if);
	if (!cfg->addr && dhcp_start(&mgmt_if) != ERR_OK) {
		netif_remove(&mgmt_if);
		return -ENOMEM;
	}
	if_up = true;
	return 0;
}

void netstack_input(const void *frame, size_t len)
{
	struct pbuf *p;

	if (!if_up || len > sizeof(tx_frame) + 4) {
		rx_drops++;
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		rx_drops++;
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	if (mgmt_if.input(p, &mgmt_if) != ERR_OK)
		pbuf_free(p);
}

uint32_t netstack_if_addr(void)
{
	return if_up ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&mgmt_if))) : 0;
}

/* ------------------------------------------------------------ TLS server */

/* mbedtls writes at most one record (16384 bytes) per call and lwIP
 * 2.1's altcp_tls asserts that a write goes out whole: never more. */
#define NS_WRITE_MAX 16000

struct ns_conn {
	struct altcp_pcb *pcb;		/* NULL once lwIP freed it or we closed it */
	const struct ns_listen_ops *ops;
	void *user;
	struct pbuf *held;		/* received, not yet taken by the owner */
	unsigned busy;			/* in one of our callbacks */
	bool closed;			/* ns_close() was called, or lwIP is done */
	bool gone_pending;		/* lwIP was done inside a callback: tell the
					 * owner when it has left */
};

static void conn_close(struct ns_conn *c);

static const struct ns_listen_ops *lops;	/* the TLS listener's */
static void *larg;

static void conn_free(struct ns_conn *c)
{
	if (c->held)
		pbuf_free(c->held);
	kfree(c);
}

/* Leaves a callback: an ns_close() made inside it takes effect now, once
 * what the owner took has been acknowledged. */
static void conn_leave(struct ns_conn *c)
{
	const struct ns_listen_ops *ops = c->ops;
	void *user = c->user;
	bool gone;

	if (--c->busy || !c->closed)
		return;
	gone = c->gone_pending;
	conn_close(c);
	conn_free(c);
	if (gone)
		ops->gone(user);
}

/* Offers held data to the owner and acknowledges what it takes. */
static void deliver(struct ns_conn *c)
{
	while (c->held && !c->closed) {
		struct pbuf *p = c->held;
		u16_t len = p->len;
		size_t took = c->ops->recv(c->user, p->payload, len);

		if (!c->pcb)
			return;		/* lwIP is done with it meanwhile */
		if (took > len)
			took = len;
		if (took) {
			c->held = pbuf_free_header(p, (u16_t)took);
			altcp_recved(c->pcb, (u16_t)took);
		}
		if (took < len)
			return;
	}
}

/* The connection is over from lwIP's side; pcb is freed or being freed. */
static void conn_gone(struct ns_conn *c)
{
	const struct ns_listen_ops *ops = c->ops;
	void *user = c->user;
	bool notify = !c->closed;	/* never after ns_close() */

	c->pcb = NULL;
	c->closed = true;
	if (c->busy) {
		/* Inside one of our callbacks the owner is using its state:
		 * it hears of this when the callback is over. */
		c->gone_pending = notify;
		return;
	}
	conn_free(c);
	if (notify)
		ops->gone(user);
}

static void on_err(void *arg, err_t err)
{
	(void)err;
	if (arg)
		conn_gone(arg);
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct ns_conn *c = arg;

	(void)err;
	if (!c || c->closed) {
		if (p) {
			altcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		/* The peer closed its side: nothing more will come and the
		 * answers in flight are for no one. */
		altcp_arg(pcb, NULL);
		if (altcp_close(pcb) != ERR_OK) {
			altcp_abort(pcb);
			conn_gone(c);
			return ERR_ABRT;
		}
		conn_gone(c);
		return ERR_OK;
	}
	if (c->held)
		pbuf_cat(c->held, p);
	else
		c->held = p;
	c->busy++;
	deliver(c);
	/* altcp_tls hands each record over in a receive-pool buffer, the
	 * pool every frame of the management port needs: what the owner does
	 * not take now (its answers are backed up) is held as one heap copy,
	 * so a client that stops reading and sends tiny records cannot drain
	 * the pool. The window bounds the bytes held. */
	if (!c->closed && c->held && (c->held->next || pbuf_get_allocsrc(c->held) ==
					PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL)) {
		struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, c->held);

		if (q) {
			pbuf_free(c->held);
			c->held = q;
		}
	}
	conn_leave(c);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	struct ns_conn *c = arg;

	(void)pcb;
	(void)len;
	if (!c || c->closed)
		return ERR_OK;
	c->busy++;
	c->ops->sent(c->user);	/* room for answers first, then more requests */
	deliver(c);
	conn_leave(c);
	return ERR_OK;
}

static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
	struct ns_conn *c = arg;

	(void)pcb;
	if (!c || c->closed)
		return ERR_OK;
	c->busy++;
	c->ops->poll(c->user);
	deliver(c);
	conn_leave(c);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct ns_conn *c;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	c = kzalloc(sizeof(*c));
	if (!c) {
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	c->pcb = pcb;
	c->ops = lops;
	c->busy = 1;
	c->user = lops->accept(larg, c, altcp_tls_context(pcb));
	c->busy = 0;
	if (!c->user || c->closed) {
		kfree(c);
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	altcp_arg(pcb, c);
	altcp_recv(pcb, on_recv);
	altcp_sent(pcb, on_sent);
	altcp_err(pcb, on_err);
	altcp_poll(pcb, on_poll, 1);	/* every 500 ms */
	altcp_nagle_disable(pcb);	/* one answer a request: no waiting */
	return ERR_OK;
}

int netstack_tls_listen(uint16_t port, const char *cert, size_t cert_len,
			const char *key, size_t key_len,
			const struct ns_listen_ops *ops, void *arg)
{
	struct altcp_tls_config *conf;
	struct altcp_pcb *pcb, *l;
	err_t e;

	conf = altcp_tls_create_config_server_privkey_cert((const u8_t *)key, key_len, NULL, 0,
							   (const u8_t *)cert, cert_len);
	if (!conf)
		return -EINVAL;
	pcb = altcp_tls_new(conf, IPADDR_TYPE_V4);
	if (!pcb) {
		altcp_tls_free_config(conf);
		return -ENOMEM;
	}
	e = altcp_bind(pcb, IP4_ADDR_ANY, port);
	if (e != ERR_OK) {
		altcp_close(pcb);
		altcp_tls_free_config(conf);
		return e == ERR_USE ? -EADDRINUSE : -ENOMEM;
	}
	l = altcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
	if (!l) {
		altcp_close(pcb);
		altcp_tls_free_config(conf);
		return -ENOMEM;
	}
	lops = ops;
	larg = arg;
	altcp_accept(l, on_accept);
	return 0;
}

/* ------------------------------------------------------------ TCP client */

static err_t on_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct ns_conn *c = arg;

	(void)pcb;
	if (!c || c->closed || err != ERR_OK)
		return ERR_OK;
	c->busy++;
	c->ops->sent(c->user);		/* writable: the owner sends its request */
	conn_leave(c);
	return ERR_OK;
}

int ns_tcp_connect(uint32_t addr, uint16_t port, const struct ns_listen_ops *ops, void *user,
		   struct ns_conn **out)
{
	struct ns_conn *c;
	struct altcp_pcb *pcb;
	ip_addr_t ip;

	if (!if_up)
		return -ENETDOWN;
	c = kzalloc(sizeof(*c));
	pcb = c ? altcp_tcp_new_ip_type(IPADDR_TYPE_V4) : NULL;
	if (!pcb) {
		kfree(c);
		return -ENOMEM;
	}
	c->pcb = pcb;
	c->ops = ops;
	c->user = user;
	altcp_arg(pcb, c);
	altcp_recv(pcb, on_recv);
	altcp_sent(pcb, on_sent);
	altcp_err(pcb, on_err);
	altcp_poll(pcb, on_poll, 1);
	ip_addr_set_ip4_u32(&ip, lwip_htonl(addr));
	if (altcp_connect(pcb, &ip, port, on_connected) != ERR_OK) {
		altcp_arg(pcb, NULL);
		altcp_abort(pcb);
		kfree(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

int ns_write(struct ns_conn *c, const void *buf, size_t len)
{
	size_t room, segs;

	if (!c->pcb || c->closed)
		return -ECONNRESET;
	room = altcp_sndbuf(c->pcb);
	if (len > NS_WRITE_MAX)
		len = NS_WRITE_MAX;
	if (len > room)
		len = room;
	/* The record must fit lwIP's segment queue too, or altcp_tls would
	 * half send it and then send it again (see NS_WRITE_MAX). */
	segs = len / TCP_MSS + 2;
	if (!len || altcp_sndqueuelen(c->pcb) + segs > TCP_SND_QUEUELEN)
		return 0;
	if (altcp_write(c->pcb, buf, (u16_t)len, TCP_WRITE_FLAG_COPY) != ERR_OK)
		return 0;
	altcp_output(c->pcb);
	return (int)len;
}

/* Closes the TCP side. Everything received is acknowledged first: lwIP
 * answers a close with data still unread by a reset, which would throw
 * away the answers queued before it (a last error line, say). */
static void conn_close(struct ns_conn *c)
{
	struct altcp_pcb *pcb = c->pcb;

	c->pcb = NULL;
	if (!pcb)
		return;
	if (c->held) {
		altcp_recved(pcb, c->held->tot_len);
		pbuf_free(c->held);
		c->held = NULL;
	}
	altcp_arg(pcb, NULL);
	if (altcp_close(pcb) != ERR_OK)
		altcp_abort(pcb);
}

void ns_close(struct ns_conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	if (c->busy)
		return;		/* conn_leave() finishes it */
	conn_close(c);
	conn_free(c);
}

void ns_resume(struct ns_conn *c)
{
	if (c->closed || c->busy)
		return;
	c->busy++;
	deliver(c);
	conn_leave(c);
}

void ns_peer(const struct ns_conn *c, uint32_t *addr, uint16_t *port)
{
	const ip_addr_t *ip = c->pcb ? altcp_get_ip(c->pcb, 0) : NULL;

	*addr = ip ? lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(ip))) : 0;
	*port = c->pcb ? altcp_get_port(c->pcb, 0) : 0;
}
