/* virtio network device (virtio 1.1, 5.1) on the virtio-pci transport:
 * one receive and one transmit queue, a MAC and link status in the
 * device configuration, no offloads (the 12-byte virtio_net_hdr of
 * VIRTIO_F_VERSION_1, flags and gso_type zero).
 *
 * Wiring: virtio_net_init(&n, gm, msi, msi_ctx, mac, tx, tx_ctx), then
 * pci_bus_add(bus, &n.vp.pci, slot). Frames the guest sends go to tx();
 * frames for the guest go in with virtio_net_rx(). All entry points of
 * one device (the BAR accesses of its vCPUs and virtio_net_rx() from the
 * switch) must be serialized by the caller under the VM's lock. */
#ifndef VMM_DEV_VIRTIO_NET_H
#define VMM_DEV_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/dev/virtio_pci.h"

#define VIRTIO_ID_NET		1
#define VIRTIO_NET_F_MAC	(1ull << 5)
#define VIRTIO_NET_F_STATUS	(1ull << 16)
#define VIRTIO_NET_S_LINK_UP	1

#define VIRTIO_NET_RXQ		0
#define VIRTIO_NET_TXQ		1
#define VIRTIO_NET_QUEUE_SIZE	256
#define VIRTIO_NET_HDR_LEN	12	/* 5.1.6: with VERSION_1, num_buffers included */
#define VIRTIO_NET_MIN_FRAME	14	/* an Ethernet header */
#define VIRTIO_NET_MAX_FRAME	1518	/* 1514 + an 802.1Q tag, no FCS */
#define VIRTIO_NET_CFG_LEN	10	/* mac, status, max_virtqueue_pairs */

/* [v] */
struct virtio_net_stats {
	uint64_t tx_frames, tx_bytes;
	uint64_t rx_frames, rx_bytes;
	uint64_t tx_drop_size;		/* shorter than 14 or longer than 1518 bytes */
	uint64_t tx_drop_hdr;		/* no room for the header, or offloads asked */
	uint64_t tx_drop_chain;		/* chain refused (too many buffers/bytes) */
	uint64_t rx_drop_down;		/* driver not ready, link down, bus master off */
	uint64_t rx_drop_nobuf;		/* no receive buffer posted */
	uint64_t rx_drop_size;		/* frame too short or too long */
	uint64_t rx_drop_small_buf;	/* posted buffer smaller than the frame */
	uint64_t ring_errors;		/* the guest broke a queue (needs reset) */
};

/* [I] set by virtio_net_init()  [v] the VM's lock */
struct virtio_net {
	struct virtio_pci vp;				/* [v] */
	uint8_t mac[6];					/* [I] */
	bool link_up;					/* [v] */
	void (*tx)(void *ctx, const void *frame, size_t len);	/* [I] */
	void *tx_ctx;					/* [I] */
	struct virtq_chain chain;			/* [v] scratch */
	uint8_t buf[VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME];	/* [v] scratch */
	struct virtio_net_stats st;			/* [v] */
};

/* Link starts up. Returns 0 or -EINVAL. */
int virtio_net_init(struct virtio_net *n, const struct guest_mem *gm,
		    void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx,
		    const uint8_t mac[6],
		    void (*tx)(void *ctx, const void *frame, size_t len), void *tx_ctx);

/* Puts one frame in the guest's next receive buffer and interrupts it.
 * Returns 0; -ENOSPC (no buffer posted); -EMSGSIZE (frame outside 14..1518
 * bytes, or the posted buffer too small: that buffer is returned empty);
 * -ENODEV (driver not ready, link down); -EIO (the guest broke the queue:
 * the device now needs a reset). Every failure is a counted drop. */
int virtio_net_rx(struct virtio_net *n, const void *frame, size_t len);

/* Link status as the guest sees it (5.1.4; a configuration change). */
void virtio_net_set_link(struct virtio_net *n, bool up);

#endif
