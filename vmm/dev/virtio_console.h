/* virtio console device (virtio 1.1, 5.3) on the virtio-pci transport:
 * one port (no VIRTIO_CONSOLE_F_MULTIPORT, no SIZE, no EMERG_WRITE), so
 * queue 0 carries input to the guest and queue 1 its output; Linux makes
 * it hvc0. Output bytes go to a callback (the VM's console ring); input
 * comes in with virtio_console_rx().
 *
 * Wiring: virtio_console_init(&c, gm, msi, msi_ctx, out, ctx), then
 * pci_bus_add(bus, &c.vp.pci, slot). All entry points run under the VM's
 * lock. */
#ifndef VMM_DEV_VIRTIO_CONSOLE_H
#define VMM_DEV_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include "vmm/dev/virtio_pci.h"

#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_CONSOLE_RXQ		0
#define VIRTIO_CONSOLE_TXQ		1
#define VIRTIO_CONSOLE_QUEUE_SIZE	64
#define VIRTIO_CONSOLE_CFG_LEN		12	/* cols, rows, max_nr_ports, emerg_wr */

/* [I] set by virtio_console_init()  [v] the VM's lock */
struct virtio_console {
	struct virtio_pci vp;					/* [v] */
	void (*out)(void *ctx, const void *buf, size_t len);	/* [I] */
	void *ctx;						/* [I] */
	struct virtq_chain chain;				/* [v] scratch */
	uint8_t buf[256];					/* [v] scratch */
	uint64_t tx_bytes, rx_bytes, rx_drops, ring_errors;	/* [v] */
};

/* Returns 0 or -EINVAL. */
int virtio_console_init(struct virtio_console *c, const struct guest_mem *gm,
			void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx,
			void (*out)(void *ctx, const void *buf, size_t len), void *ctx);

/* Hands up to len input bytes to the guest, filling as many of its posted
 * buffers as needed. Returns the bytes taken (the rest is dropped and
 * counted: the caller may keep and retry it), -ENOSPC (no buffer posted),
 * -ENODEV (driver not ready), -EIO (the guest broke the queue). */
int virtio_console_rx(struct virtio_console *c, const void *buf, size_t len);

#endif
