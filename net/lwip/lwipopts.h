/*
 * lwIP 2.1 options for Bastion's management port (the host's own IP stack,
 * like ESXi's vmk0): IPv4 with ARP, ICMP echo, a DHCP client, UDP, and TCP
 * for the RPC console over altcp_tls (mbedtls). Options not set here keep
 * lwIP's defaults (lwip/opt.h).
 */
#ifndef BASTION_LWIPOPTS_H
#define BASTION_LWIPOPTS_H

/* ---------------------------------------------------------- system */

/* No OS layer: lwIP runs on one kernel service task, which feeds it
 * received frames and calls netstack_poll() for its timers. Nothing else
 * enters lwIP, so it needs no locks (SYS_LIGHTWEIGHT_PROT, whose NO_SYS
 * default is 1, would only disable interrupts around pool operations). */
#define NO_SYS				1
#define SYS_LIGHTWEIGHT_PROT		0
#define LWIP_NETCONN			0	/* need an OS layer */
#define LWIP_SOCKET			0

/* ---------------------------------------------------------- memory */

/* Fixed-size objects (PCBs, segments, received-frame pbufs, timeouts)
 * come from lwIP's static pools (MEMP_MEM_MALLOC off): they are capped,
 * so a flood on the management network exhausts at most these pools and
 * never the kernel heap the VMs allocate from. Variable-size buffers
 * (PBUF_RAM for sending, TLS records via altcp) come from the kernel heap
 * (MEM_LIBC_MALLOC: malloc/free of kernel/libc), which poisons freed
 * memory and spares us sizing a second heap (MEM_SIZE); how much they
 * take is bounded by TCP_SND_BUF per connection times MEMP_NUM_TCP_PCB. */
#define MEM_LIBC_MALLOC			1
#define MEMP_MEM_MALLOC			0
#define MEM_ALIGNMENT			8

/* Console sessions (kernel/remote.h: 4, and one being refused) and
 * connections closing (TIME_WAIT, LAST_ACK). */
#define MEMP_NUM_TCP_PCB		12
#define MEMP_NUM_TCP_PCB_LISTEN		2
/* altcp_tls stacks two altcp PCBs (TLS over TCP) on every connection and
 * listener: lwIP's default of MEMP_NUM_TCP_PCB left room for three
 * sessions beside the listener. */
#define MEMP_NUM_ALTCP_PCB		(2 * (MEMP_NUM_TCP_PCB + MEMP_NUM_TCP_PCB_LISTEN))
#define MEMP_NUM_UDP_PCB		2	/* the DHCP client */
#define MEMP_NUM_TCP_SEG		128	/* >= TCP_SND_QUEUELEN (64) */
#define PBUF_POOL_SIZE			64	/* received frames in flight: > TCP_WND */

/* ---------------------------------------------------------- interfaces */

/* One interface: the management port on the virtual switch. */
#define LWIP_SINGLE_NETIF		1
#define LWIP_NETIF_HOSTNAME		1	/* DHCP option 12 */
#define LWIP_NETIF_STATUS_CALLBACK	1	/* log the leased address */
#define LWIP_NETIF_LINK_CALLBACK	1

/* ---------------------------------------------------------- IPv4 */

#define LWIP_IPV4			1
#define LWIP_IPV6			0	/* not yet */
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define LWIP_ICMP			1
#define LWIP_DHCP			1
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_RAW			0
#define LWIP_DNS			0
#define LWIP_IGMP			0
#define LWIP_AUTOIP			0

/* No fragments: everything the management plane sends fits the MTU
 * (TCP segments by MSS), and reassembly is attack surface we need not
 * carry. Fragments received are dropped. */
#define IP_REASSEMBLY			0
#define IP_FRAG				0

/* ---------------------------------------------------------- TCP */

/* A receive window of 40 segments (57 KiB): above one full TLS record
 * (16 KiB), without which altcp_tls can stall waiting for a record the
 * window cannot hold, and above one upload chunk (a 44 KB line), so a
 * chunk arrives in one round trip; below 64 KiB, so no window scaling.
 * The send buffer: 16 segments (23 KiB). */
#define TCP_MSS				1460
#define TCP_WND				(40 * TCP_MSS)
#define TCP_SND_BUF			(16 * TCP_MSS)
/* Out-of-order segments held per connection: at most these, so one peer
 * cannot hold the whole PBUF_POOL. */
#define TCP_OOSEQ_MAX_PBUFS		8
#define TCP_OOSEQ_MAX_BYTES		TCP_WND
/* Connections accepted but not yet taken by the console are capped. */
#define TCP_LISTEN_BACKLOG		1
#define TCP_DEFAULT_LISTEN_BACKLOG	4
/* Frees the state of operators that vanished without closing. */
#define LWIP_TCP_KEEPALIVE		1

/* lwIP's default ISN is a global counter bumped by the tick count: a
 * blind attacker can guess it and inject RSTs (RFC 6528, section 1).
 * Random ISNs instead; TIME_WAIT guards against old duplicates. */
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport)	lwip_port_rand()

/* ---------------------------------------------------------- TLS */

#define LWIP_ALTCP			1
#define LWIP_ALTCP_TLS			1
#define LWIP_ALTCP_TLS_MBEDTLS		1

/* ---------------------------------------------------------- debugging */

/* Counters are not exposed anywhere yet; LWIP_DEBUG stays undefined
 * (LWIP_ASSERT remains active: see arch/cc.h). */
#define LWIP_STATS			0

#endif
