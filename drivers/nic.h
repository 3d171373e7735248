/* The uplink NIC: one small interface over the host's physical network
 * drivers (virtio-net PCI, Intel e1000), polled by the network task.
 *
 * Bring-up: nic_probe(&nic) once at boot (after mm_init), then from one
 * task only: nic->poll(nic, rx, ctx, budget) and nic->tx(nic, frame, len).
 * No interrupts, no locks: the caller serialises all calls on one nic. */
#ifndef DRIVERS_NIC_H
#define DRIVERS_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NIC_FRAME_MIN 14	/* an Ethernet header */
#define NIC_FRAME_MAX 1518	/* 1500 + header + one 802.1Q tag, no FCS */
#define NIC_BUF_SIZE  2048	/* one receive or transmit buffer */

/* Frames are handed to rx() from inside poll(); the frame is valid only
 * during the call. */
typedef void (*nic_rx_fn)(void *ctx, const void *frame, size_t len);

struct nic_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_dropped;	/* bad length, error bits, oversize */
	uint64_t rx_oversize;	/* larger than one buffer */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_busy;	/* -EAGAIN: ring full */
	uint64_t dev_errors;	/* broken ring indices, needs-reset, gone */
	uint64_t resets;	/* resets after a device error */
};

/* [I] immutable after probe  [c] the polling task only */
struct nic {
	const char *name;				/* [I] */
	uint8_t mac[6];					/* [I] */
	/* Copies the frame into the TX ring. Returns 0, -EINVAL (len
	 * outside [NIC_FRAME_MIN, NIC_FRAME_MAX]), -EAGAIN (ring full: poll
	 * and retry), -EIO (the device failed and was reset: frame lost). */
	int (*tx)(struct nic *n, const void *frame, size_t len);	/* [c] */
	/* Reclaims sent buffers and hands at most budget received frames
	 * to rx. Returns the number delivered, or -EIO after a device
	 * error (logged, counted, the device reset and restarted). */
	int (*poll)(struct nic *n, nic_rx_fn rx, void *ctx, unsigned budget); /* [c] */
	bool (*link_up)(struct nic *n);					/* [c] */
	void (*get_stats)(struct nic *n, struct nic_stats *s);		/* [c] */
	void *priv;					/* [I] */
};

/* Physically contiguous, zeroed, page-aligned memory the device can DMA
 * to; the drivers' ring logic allocates through this so host tests can
 * hand it plain memory (pa == va there). */
struct nic_dma {
	void *(*alloc)(void *ctx, size_t bytes, uint64_t *pa);	/* NULL: no memory */
	void (*free)(void *ctx, void *va, uint64_t pa, size_t bytes);
	void *ctx;
};

/* Enumerates PCI once and starts the first supported NIC: virtio-net
 * (1af4:1041, or 1af4:1000 with modern capabilities), then Intel e1000
 * (8086:100e, 100f, 10d3). Returns 0 and *out, -ENODEV (none found or
 * none came up), -ENOMEM. */
int nic_probe(struct nic **out);

/* For the drivers (drivers/nic.c), kernel only: page_alloc()'d memory
 * reached through the direct map; a busy wait on the TSC clock; true at
 * most once a second per *last_ms (device error logs). */
extern const struct nic_dma nic_kernel_dma;
void nic_delay_us(void *ctx, unsigned us);
bool nic_log_ratelimit(uint64_t *last_ms);

#endif
