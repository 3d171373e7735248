/*
 * virtio-rng (virtio 1.1, 5.4): every chain on the request queue is one
 * request, answered by filling its device-writable buffers (5.4.6.1) and
 * returning it with the number of bytes written.
 */
#include <errno.h>
#include <stddef.h>
#include "vmm/dev/virtio_rng.h"

static void rng_kick(void *dev, unsigned qi)
{
	struct virtio_rng *r = dev;
	struct virtq *q = virtio_pci_queue(&r->vp, qi);
	struct virtq_chain *c = &r->chain;
	bool pushed = false;

	if (!q || qi != 0)
		return;
	/* At most one ring's worth per kick: the driver is never further
	 * ahead than that (2.6.6). */
	for (unsigned n = 0; n < q->size; n++) {
		int err = virtq_pop(q, c);
		uint32_t done = 0;

		if (err == -EMSGSIZE) {
			r->bad_requests++;
		} else if (err) {
			virtio_pci_queue_error(&r->vp, qi, err);
			break;
		} else {
			for (unsigned k = c->nout; k < c->nout + c->nin; k++) {
				void *p = virtq_seg_map(q, &c->seg[k]);

				if (!p || r->fill(r->ctx, p, c->seg[k].len)) {
					r->fill_errors++;
					break;
				}
				done += c->seg[k].len;
			}
			r->requests++;
			r->bytes += done;
		}
		if (virtio_pci_queue_error(&r->vp, qi, virtq_push(q, c->head, done)))
			break;
		pushed = true;
	}
	if (pushed)
		virtio_pci_queue_notify(&r->vp, qi);
}

static const struct virtio_dev_ops rng_ops = {
	.kick = rng_kick,
};

int virtio_rng_init(struct virtio_rng *r, const struct guest_mem *gm,
		    void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx,
		    int (*fill)(void *ctx, void *buf, size_t len), void *ctx)
{
	struct virtio_pci_desc d = {
		.type = VIRTIO_ID_RNG,
		.nqueues = 1,
		.queue_size = VIRTIO_RNG_QUEUE_SIZE,
		.features = VIRTIO_F_INDIRECT_DESC,
		.cfg_len = 0,
		.ops = &rng_ops,
		.dev = r,
	};
	int err;

	if (!fill)
		return -EINVAL;
	err = virtio_pci_init(&r->vp, &d, gm, msi, msi_ctx);
	if (err)
		return err;
	r->fill = fill;
	r->ctx = ctx;
	r->requests = r->bytes = r->fill_errors = r->bad_requests = 0;
	return 0;
}
