/*
 * virtio-console (virtio 1.1, 5.3), port 0 only: output chains are copied
 * out in small pieces to the callback (5.3.6: the buffers of transmitq
 * are device-readable), input is written into receiveq buffers, one
 * buffer per used element, as many as the data needs.
 */
#include <errno.h>
#include <stddef.h>
#include "vmm/dev/virtio_console.h"

static void console_kick(void *dev, unsigned qi)
{
	struct virtio_console *c = dev;
	struct virtq *q;
	bool pushed = false;

	/* Input buffers are taken when input arrives. */
	if (qi != VIRTIO_CONSOLE_TXQ)
		return;
	q = virtio_pci_queue(&c->vp, qi);
	if (!q)
		return;
	for (unsigned k = 0; k < q->size; k++) {
		int err = virtq_pop(q, &c->chain);

		if (!err) {
			uint64_t off = 0;
			size_t n;

			while ((n = virtq_chain_read(q, &c->chain, off, c->buf, sizeof(c->buf)))) {
				c->out(c->ctx, c->buf, n);
				off += n;
			}
			c->tx_bytes += off;
		} else if (err != -EMSGSIZE) {
			if (virtio_pci_queue_error(&c->vp, qi, err) && err != -ENODEV)
				c->ring_errors++;
			break;
		}
		err = virtq_push(q, c->chain.head, 0);
		if (err) {
			virtio_pci_queue_error(&c->vp, qi, err);
			c->ring_errors++;
			break;
		}
		pushed = true;
	}
	if (pushed)
		virtio_pci_queue_notify(&c->vp, qi);
}

int virtio_console_rx(struct virtio_console *c, const void *buf, size_t len)
{
	struct virtq *q = virtio_pci_queue(&c->vp, VIRTIO_CONSOLE_RXQ);
	size_t done = 0;
	int ret = 0;

	if (!q) {
		c->rx_drops += len;
		return -ENODEV;
	}
	while (done < len) {
		int err = virtq_pop(q, &c->chain);
		size_t n = 0;

		if (err == -EAGAIN) {
			ret = done ? 0 : -ENOSPC;
			break;
		}
		if (err && err != -EMSGSIZE) {
			virtio_pci_queue_error(&c->vp, VIRTIO_CONSOLE_RXQ, err);
			c->ring_errors++;
			ret = -EIO;
			break;
		}
		if (!err)
			n = virtq_chain_write(q, &c->chain, 0, (const uint8_t *)buf + done,
					      len - done);
		if (virtq_push(q, c->chain.head, (uint32_t)n)) {
			virtio_pci_queue_error(&c->vp, VIRTIO_CONSOLE_RXQ, -EFAULT);
			c->ring_errors++;
			ret = -EIO;
			break;
		}
		done += n;
	}
	if (done)
		virtio_pci_queue_notify(&c->vp, VIRTIO_CONSOLE_RXQ);
	c->rx_bytes += done;
	c->rx_drops += len - done;
	return ret ? ret : (int)(done > 0x7fffffff ? 0x7fffffff : done);
}

static const struct virtio_dev_ops console_ops = {
	.kick = console_kick,
	/* 5.3.4: without SIZE/MULTIPORT/EMERG_WRITE the fields read zero. */
};

int virtio_console_init(struct virtio_console *c, const struct guest_mem *gm,
			void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx,
			void (*out)(void *ctx, const void *buf, size_t len), void *ctx)
{
	struct virtio_pci_desc d = {
		.type = VIRTIO_ID_CONSOLE,
		.nqueues = 2,
		.queue_size = VIRTIO_CONSOLE_QUEUE_SIZE,
		.features = VIRTIO_F_INDIRECT_DESC,
		.cfg_len = VIRTIO_CONSOLE_CFG_LEN,
		.ops = &console_ops,
		.dev = c,
	};
	int err;

	if (!out)
		return -EINVAL;
	err = virtio_pci_init(&c->vp, &d, gm, msi, msi_ctx);
	if (err)
		return err;
	c->out = out;
	c->ctx = ctx;
	c->tx_bytes = c->rx_bytes = c->rx_drops = c->ring_errors = 0;
	return 0;
}
