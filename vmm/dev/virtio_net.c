/*
 * virtio-net (virtio 1.1, 5.1) without offloads: the driver negotiates at
 * most VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_F_VERSION_1 and
 * VIRTIO_F_INDIRECT_DESC, so every packet is one virtio_net_hdr (12
 * bytes, 5.1.6) followed by one whole Ethernet frame (no FCS), and every
 * receive buffer holds one frame (no VIRTIO_NET_F_MRG_RXBUF).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "vmm/dev/virtio_net.h"

/* 5.1.6: struct virtio_net_hdr */
#define HDR_FLAGS	0
#define HDR_GSO_TYPE	1
#define HDR_NUM_BUFFERS	10

static void tx_one(struct virtio_net *n, struct virtq *q)
{
	struct virtq_chain *c = &n->chain;
	uint64_t flen;

	/* 5.1.6.2: header then frame, all device-readable (device-writable
	 * buffers in a transmit chain are ignored). */
	if (c->out_len < VIRTIO_NET_HDR_LEN) {
		n->st.tx_drop_hdr++;
		return;
	}
	flen = c->out_len - VIRTIO_NET_HDR_LEN;
	if (flen < VIRTIO_NET_MIN_FRAME || flen > VIRTIO_NET_MAX_FRAME) {
		n->st.tx_drop_size++;
		return;
	}
	if (virtq_chain_read(q, c, 0, n->buf, VIRTIO_NET_HDR_LEN + flen) !=
	    VIRTIO_NET_HDR_LEN + flen) {
		n->st.tx_drop_chain++;
		return;
	}
	/* 5.1.6.2.1: without VIRTIO_NET_F_CSUM / HOST_TSO* the driver sets
	 * neither NEEDS_CSUM nor a GSO type; a frame asking for them would
	 * leave here unfinished. */
	if (n->buf[HDR_FLAGS] || n->buf[HDR_GSO_TYPE]) {
		n->st.tx_drop_hdr++;
		return;
	}
	n->st.tx_frames++;
	n->st.tx_bytes += flen;
	n->tx(n->tx_ctx, n->buf + VIRTIO_NET_HDR_LEN, (size_t)flen);
}

static void net_kick(void *dev, unsigned qi)
{
	struct virtio_net *n = dev;
	struct virtq *q;
	bool pushed = false;

	/* Receive buffers are taken when frames arrive. */
	if (qi != VIRTIO_NET_TXQ)
		return;
	q = virtio_pci_queue(&n->vp, qi);
	if (!q)
		return;
	for (unsigned k = 0; k < q->size; k++) {
		int err = virtq_pop(q, &n->chain);

		if (err == -EMSGSIZE) {
			n->st.tx_drop_chain++;
		} else if (err) {
			if (virtio_pci_queue_error(&n->vp, qi, err) && err != -ENODEV)
				n->st.ring_errors++;
			break;
		} else {
			tx_one(n, q);
		}
		/* 5.1.6.2.2: the buffer goes back whatever became of it. */
		err = virtq_push(q, n->chain.head, 0);
		if (err) {
			virtio_pci_queue_error(&n->vp, qi, err);
			n->st.ring_errors++;
			break;
		}
		pushed = true;
	}
	if (pushed)
		virtio_pci_queue_notify(&n->vp, qi);
}

int virtio_net_rx(struct virtio_net *n, const void *frame, size_t len)
{
	struct virtq_chain *c = &n->chain;
	uint8_t hdr[VIRTIO_NET_HDR_LEN];
	struct virtq *q;
	uint32_t used = 0;
	int err, ret = 0;

	if (len < VIRTIO_NET_MIN_FRAME || len > VIRTIO_NET_MAX_FRAME) {
		n->st.rx_drop_size++;
		return -EMSGSIZE;
	}
	q = virtio_pci_queue(&n->vp, VIRTIO_NET_RXQ);
	if (!q || !n->link_up) {
		n->st.rx_drop_down++;
		return -ENODEV;
	}
	err = virtq_pop(q, c);
	if (err == -EAGAIN) {
		n->st.rx_drop_nobuf++;
		return -ENOSPC;
	}
	if (err == -EMSGSIZE) {
		n->st.rx_drop_small_buf++;
		ret = -EMSGSIZE;
	} else if (err) {
		virtio_pci_queue_error(&n->vp, VIRTIO_NET_RXQ, err);
		n->st.ring_errors++;
		return -EIO;
	} else if (c->in_len < VIRTIO_NET_HDR_LEN + len) {
		/* 5.1.6.3.1: buffers hold a whole frame without MRG_RXBUF;
		 * Linux counts a short one as a length error and reposts. */
		n->st.rx_drop_small_buf++;
		ret = -EMSGSIZE;
	} else {
		/* 5.1.6.4: no offload information; num_buffers is 1 without
		 * VIRTIO_NET_F_MRG_RXBUF. */
		memset(hdr, 0, sizeof(hdr));
		hdr[HDR_NUM_BUFFERS] = 1;
		virtq_chain_write(q, c, 0, hdr, sizeof(hdr));
		virtq_chain_write(q, c, sizeof(hdr), frame, len);
		used = (uint32_t)(sizeof(hdr) + len);
		n->st.rx_frames++;
		n->st.rx_bytes += len;
	}
	err = virtq_push(q, c->head, used);
	if (err) {
		virtio_pci_queue_error(&n->vp, VIRTIO_NET_RXQ, err);
		n->st.ring_errors++;
		return -EIO;
	}
	virtio_pci_queue_notify(&n->vp, VIRTIO_NET_RXQ);
	return ret;
}

void virtio_net_set_link(struct virtio_net *n, bool up)
{
	if (n->link_up == up)
		return;
	n->link_up = up;
	virtio_pci_config_changed(&n->vp);
}

/* 5.1.4: mac[6], status, max_virtqueue_pairs (1: no VIRTIO_NET_F_MQ). */
static void net_cfg_read(void *dev, unsigned off, unsigned size, uint64_t *val)
{
	struct virtio_net *n = dev;
	uint8_t cfg[VIRTIO_NET_CFG_LEN] = { 0 };

	memcpy(cfg, n->mac, 6);
	cfg[6] = n->link_up ? VIRTIO_NET_S_LINK_UP : 0;
	cfg[8] = 1;
	*val = 0;
	for (unsigned i = 0; i < size && off + i < sizeof(cfg); i++)
		*val |= (uint64_t)cfg[off + i] << (8 * i);
}

static const struct virtio_dev_ops net_ops = {
	.kick = net_kick,
	.cfg_read = net_cfg_read,
	/* 5.1.4.2: the driver writes no field of the configuration. */
};

int virtio_net_init(struct virtio_net *n, const struct guest_mem *gm,
		    void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx,
		    const uint8_t mac[6],
		    void (*tx)(void *ctx, const void *frame, size_t len), void *tx_ctx)
{
	struct virtio_pci_desc d = {
		.type = VIRTIO_ID_NET,
		.nqueues = 2,
		.queue_size = VIRTIO_NET_QUEUE_SIZE,
		.features = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_F_INDIRECT_DESC,
		.cfg_len = VIRTIO_NET_CFG_LEN,
		.ops = &net_ops,
		.dev = n,
	};
	int err;

	if (!tx)
		return -EINVAL;
	err = virtio_pci_init(&n->vp, &d, gm, msi, msi_ctx);
	if (err)
		return err;
	memcpy(n->mac, mac, 6);
	n->link_up = true;
	n->tx = tx;
	n->tx_ctx = tx_ctx;
	memset(&n->st, 0, sizeof(n->st));
	return 0;
}
