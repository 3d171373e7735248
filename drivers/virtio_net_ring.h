/* Host virtio-net driver core (virtio 1.1, 4.1 PCI transport, 2.6 split
 * virtqueues, 5.1 network device): feature negotiation, one RX and one TX
 * queue, polling. Pure logic: registers are reached through vnet_regs
 * (the PCI capabilities' windows), memory through nic_dma, so host tests
 * drive it against a fake device (tests/unit/test_nic_virtio.c).
 *
 * Nothing read from shared memory is trusted: used indices and ids are
 * checked against the ring, lengths against the buffer; a device that
 * breaks the rules or sets DEVICE_NEEDS_RESET is reset and restarted. */
#ifndef DRIVERS_VIRTIO_NET_RING_H
#define DRIVERS_VIRTIO_NET_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/nic.h"

#define VNET_QSIZE_MAX 256
#define VNET_HDR_LEN   12	/* struct virtio_net_hdr with VERSION_1 (5.1.6) */

/* The four windows of a modern virtio-pci device (4.1.4). */
enum vnet_area { VNET_COMMON, VNET_NOTIFY, VNET_ISR, VNET_DEVICE };

struct vnet_regs {
	uint32_t (*read)(void *ctx, enum vnet_area a, uint32_t off, unsigned size);
	void (*write)(void *ctx, enum vnet_area a, uint32_t off, unsigned size,
		      uint32_t v);
	void (*delay_us)(void *ctx, unsigned us);
	void *ctx;
	uint32_t notify_mult;	/* notify_off_multiplier of the notify cap */
};

struct vnet_vq {
	uint16_t size;		/* power of two */
	uint16_t notify_off;	/* queue_notify_off, times notify_mult */
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	uint64_t ring_pa;
	size_t ring_bytes;
	uint8_t *buf;		/* size buffers of NIC_BUF_SIZE; desc i uses buf i */
	uint64_t buf_pa;
	uint16_t avail_idx;	/* our copy of avail->idx */
	uint16_t last_used;	/* next used entry to consume */
	uint16_t nfree;		/* TX: ids on free_ids */
	uint16_t free_ids[VNET_QSIZE_MAX];
	bool busy[VNET_QSIZE_MAX];	/* owned by the device */
};

/* [c] the polling task only */
struct vnet_core {
	struct vnet_regs regs;
	struct nic_dma dma;
	uint64_t features;	/* negotiated */
	uint8_t mac[6];
	bool up;		/* DRIVER_OK given, rings consistent */
	const char *err;	/* last device error, for the log */
	struct vnet_vq rx, tx;
	struct nic_stats st;
};

/* Virtio status and feature bits (2.1, 6, 5.1.3). */
#define VIRTIO_S_ACKNOWLEDGE 1u
#define VIRTIO_S_DRIVER      2u
#define VIRTIO_S_DRIVER_OK   4u
#define VIRTIO_S_FEATURES_OK 8u
#define VIRTIO_S_NEEDS_RESET 64u
#define VIRTIO_S_FAILED      128u
#define VIRTIO_NET_F_MAC     5
#define VIRTIO_NET_F_STATUS  16
#define VIRTIO_F_VERSION_1   32
#define VIRTIO_NET_S_LINK_UP 1u

/* Common configuration layout (4.1.4.3). */
#define VCC_DFSELECT   0x00
#define VCC_DF         0x04
#define VCC_GFSELECT   0x08
#define VCC_GF         0x0c
#define VCC_MSIX       0x10
#define VCC_NUMQ       0x12
#define VCC_STATUS     0x14
#define VCC_CFGGEN     0x15
#define VCC_Q_SELECT   0x16
#define VCC_Q_SIZE     0x18
#define VCC_Q_MSIX     0x1a
#define VCC_Q_ENABLE   0x1c
#define VCC_Q_NOFF     0x1e
#define VCC_Q_DESCLO   0x20
#define VCC_Q_DESCHI   0x24
#define VCC_Q_AVAILLO  0x28
#define VCC_Q_AVAILHI  0x2c
#define VCC_Q_USEDLO   0x30
#define VCC_Q_USEDHI   0x34

/* Split virtqueue layout (2.6). */
struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VRING_DESC_F_WRITE 2u
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};
#define VRING_USED_F_NO_NOTIFY 1u
_Static_assert(sizeof(struct vring_desc) == 16, "virtio 2.6.5");
_Static_assert(sizeof(struct vring_used_elem) == 8, "virtio 2.6.8");

/* Resets the device, negotiates VERSION_1 (+ MAC, STATUS when offered),
 * sets up queues 0 (RX, all buffers posted) and 1 (TX) of at most
 * VNET_QSIZE_MAX entries, and sets DRIVER_OK. Memory is allocated on the
 * first call and kept for restarts. Returns 0, -ENODEV (no VERSION_1,
 * FEATURES_OK refused, a queue missing), -ETIMEDOUT (reset never
 * completed), -ENOMEM. */
int vnet_core_init(struct vnet_core *c);

/* Returns 0, -EINVAL, -EAGAIN, -EIO (see struct nic). */
int vnet_core_tx(struct vnet_core *c, const void *frame, size_t len);
/* Returns frames delivered, or -EIO (the device was reset and restarted;
 * c->err says why). */
int vnet_core_poll(struct vnet_core *c, nic_rx_fn rx, void *ctx, unsigned budget);
bool vnet_core_link_up(struct vnet_core *c);
/* Writes 0 to device_status and waits for it to read back 0 (4.1.4.3.2). */
int vnet_core_reset(struct vnet_core *c);

#endif
