/* virtio entropy device (virtio 1.1, 5.4) on the virtio-pci transport:
 * one request queue whose device-writable buffers are filled from the
 * caller's generator (the host DRBG). No feature bits, no configuration.
 *
 * Wiring: virtio_rng_init(&r, gm, msi, msi_ctx, fill, ctx), then
 * pci_bus_add(bus, &r.vp.pci, slot). Kicks arrive through the BAR; all
 * entry points run under the VM's lock. */
#ifndef VMM_DEV_VIRTIO_RNG_H
#define VMM_DEV_VIRTIO_RNG_H

#include <stddef.h>
#include <stdint.h>
#include "vmm/dev/virtio_pci.h"

#define VIRTIO_ID_RNG		4
#define VIRTIO_RNG_QUEUE_SIZE	64

/* [I] set by virtio_rng_init()  [v] the VM's lock */
struct virtio_rng {
	struct virtio_pci vp;			/* [v] */
	/* Fills buf with len random bytes; 0 or -errno (then the request
	 * completes with the bytes filled so far). */
	int (*fill)(void *ctx, void *buf, size_t len);	/* [I] */
	void *ctx;				/* [I] */
	struct virtq_chain chain;		/* [v] scratch */
	uint64_t requests, bytes, fill_errors, bad_requests;	/* [v] */
};

/* Returns 0 or -EINVAL. */
int virtio_rng_init(struct virtio_rng *r, const struct guest_mem *gm,
		    void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx,
		    int (*fill)(void *ctx, void *buf, size_t len), void *ctx);

#endif
