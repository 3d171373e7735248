/*
 * Host virtio-net driver core: see virtio_net_ring.h. Section numbers are
 * those of the virtio 1.1 specification.
 */
#include <errno.h>
#include <string.h>
#include "drivers/virtio_net_ring.h"

/* x86 keeps stores in order and loads in order (SDM Vol 3A 8.2.2): the
 * compiler must not reorder around the index publications; a store
 * followed by a load of another location needs a full fence. */
#define barrier() __asm__ volatile("" ::: "memory")
#define full_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define RESET_WAIT_US 100000u

static uint32_t rd(struct vnet_core *c, enum vnet_area a, uint32_t off, unsigned sz)
{
	return c->regs.read(c->regs.ctx, a, off, sz);
}

static void wr(struct vnet_core *c, enum vnet_area a, uint32_t off, unsigned sz,
	       uint32_t v)
{
	c->regs.write(c->regs.ctx, a, off, sz, v);
}

static uint8_t status(struct vnet_core *c)
{
	return (uint8_t)rd(c, VNET_COMMON, VCC_STATUS, 1);
}

int vnet_core_reset(struct vnet_core *c)
{
	c->up = false;
	wr(c, VNET_COMMON, VCC_STATUS, 1, 0);
	/* 4.1.4.3.2: the reset is done when device_status reads 0. */
	for (unsigned t = 0; t < RESET_WAIT_US; t += 10) {
		if (status(c) == 0)
			return 0;
		c->regs.delay_us(c->regs.ctx, 10);
	}
	return -ETIMEDOUT;
}

/* Ring bytes: descriptors, then the avail ring (with used_event), then
 * the used ring (with avail_event) 4-aligned (2.6, Table 2.1). */
static size_t avail_off(uint16_t n)
{
	return 16u * n;
}

static size_t used_off(uint16_t n)
{
	return (avail_off(n) + 6u + 2u * n + 3u) & ~(size_t)3;
}

static size_t ring_bytes(uint16_t n)
{
	return used_off(n) + 6u + 8u * n;
}

static int vq_alloc(struct vnet_core *c, struct vnet_vq *q, uint16_t n)
{
	size_t rb = ring_bytes(n);
	uint8_t *r;

	if (q->buf) {
		/* A restart: the device may have shrunk the queue. */
		if (n > q->size)
			return -ENODEV;
		memset((void *)(uintptr_t)q->desc, 0, q->ring_bytes);
		q->size = n;
		return 0;
	}
	r = c->dma.alloc(c->dma.ctx, rb, &q->ring_pa);
	if (!r)
		return -ENOMEM;
	q->buf = c->dma.alloc(c->dma.ctx, (size_t)n * NIC_BUF_SIZE, &q->buf_pa);
	if (!q->buf) {
		c->dma.free(c->dma.ctx, r, q->ring_pa, rb);
		return -ENOMEM;
	}
	q->ring_bytes = rb;
	q->size = n;
	q->desc = (volatile struct vring_desc *)r;
	q->avail = (volatile struct vring_avail *)(r + avail_off(n));
	q->used = (volatile struct vring_used *)(r + used_off(n));
	return 0;
}

static int vq_setup(struct vnet_core *c, struct vnet_vq *q, uint16_t idx, bool rx)
{
	uint16_t n;
	int r;

	wr(c, VNET_COMMON, VCC_Q_SELECT, 2, idx);
	n = (uint16_t)rd(c, VNET_COMMON, VCC_Q_SIZE, 2);
	if (n == 0)
		return -ENODEV;
	/* 4.1.4.3.2: the driver may shrink queue_size; split queues need a
	 * power of two (2.6). */
	if (n > VNET_QSIZE_MAX)
		n = VNET_QSIZE_MAX;
	while (n & (n - 1))
		n &= (uint16_t)(n - 1);
	r = vq_alloc(c, q, n);
	if (r)
		return r;
	/* After vq_alloc(): the ring layout follows the final size. */
	q->avail = (volatile struct vring_avail *)((uint8_t *)q->desc + avail_off(n));
	q->used = (volatile struct vring_used *)((uint8_t *)q->desc + used_off(n));
	q->avail_idx = 0;
	q->last_used = 0;
	q->nfree = 0;
	for (uint16_t i = 0; i < n; i++) {
		q->desc[i].addr = q->buf_pa + (uint64_t)i * NIC_BUF_SIZE;
		q->desc[i].len = rx ? NIC_BUF_SIZE : 0;
		q->desc[i].flags = rx ? VRING_DESC_F_WRITE : 0;
		q->desc[i].next = 0;
		q->busy[i] = false;
		if (!rx)
			q->free_ids[q->nfree++] = (uint16_t)(n - 1 - i);
	}
	if (rx) {
		/* Every buffer goes to the device at once. */
		for (uint16_t i = 0; i < n; i++) {
			q->avail->ring[i] = i;
			q->busy[i] = true;
		}
		q->avail_idx = n;
		q->avail->idx = n;
	}
	wr(c, VNET_COMMON, VCC_Q_SIZE, 2, n);
	wr(c, VNET_COMMON, VCC_Q_MSIX, 2, 0xffff);	/* VIRTIO_MSI_NO_VECTOR */
	wr(c, VNET_COMMON, VCC_Q_DESCLO, 4, (uint32_t)q->ring_pa);
	wr(c, VNET_COMMON, VCC_Q_DESCHI, 4, (uint32_t)(q->ring_pa >> 32));
	wr(c, VNET_COMMON, VCC_Q_AVAILLO, 4, (uint32_t)(q->ring_pa + avail_off(n)));
	wr(c, VNET_COMMON, VCC_Q_AVAILHI, 4, (uint32_t)((q->ring_pa + avail_off(n)) >> 32));
	wr(c, VNET_COMMON, VCC_Q_USEDLO, 4, (uint32_t)(q->ring_pa + used_off(n)));
	wr(c, VNET_COMMON, VCC_Q_USEDHI, 4, (uint32_t)((q->ring_pa + used_off(n)) >> 32));
	q->notify_off = (uint16_t)rd(c, VNET_COMMON, VCC_Q_NOFF, 2);
	wr(c, VNET_COMMON, VCC_Q_ENABLE, 2, 1);
	return 0;
}

static void vq_notify(struct vnet_core *c, struct vnet_vq *q, uint16_t idx)
{
	/* 2.6.10.2: skip the doorbell (a VM exit under a hypervisor) when
	 * the device says so; the fence orders our avail->idx store before
	 * the flags load. */
	full_fence();
	if (q->used->flags & VRING_USED_F_NO_NOTIFY)
		return;
	wr(c, VNET_NOTIFY, (uint32_t)q->notify_off * c->regs.notify_mult, 2, idx);
}

static uint64_t dev_features(struct vnet_core *c)
{
	uint64_t f;

	wr(c, VNET_COMMON, VCC_DFSELECT, 4, 0);
	f = rd(c, VNET_COMMON, VCC_DF, 4);
	wr(c, VNET_COMMON, VCC_DFSELECT, 4, 1);
	return f | (uint64_t)rd(c, VNET_COMMON, VCC_DF, 4) << 32;
}

int vnet_core_init(struct vnet_core *c)
{
	uint64_t want = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
			1ull << VIRTIO_NET_F_STATUS;
	uint64_t f;
	int r;

	r = vnet_core_reset(c);
	if (r)
		return r;
	/* 3.1.1 device initialization, in order. */
	wr(c, VNET_COMMON, VCC_STATUS, 1, VIRTIO_S_ACKNOWLEDGE);
	wr(c, VNET_COMMON, VCC_STATUS, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	f = dev_features(c) & want;
	if (!(f & 1ull << VIRTIO_F_VERSION_1)) {
		r = -ENODEV;
		goto fail;
	}
	c->features = f;
	wr(c, VNET_COMMON, VCC_GFSELECT, 4, 0);
	wr(c, VNET_COMMON, VCC_GF, 4, (uint32_t)f);
	wr(c, VNET_COMMON, VCC_GFSELECT, 4, 1);
	wr(c, VNET_COMMON, VCC_GF, 4, (uint32_t)(f >> 32));
	wr(c, VNET_COMMON, VCC_STATUS, 1,
	   VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	if (!(status(c) & VIRTIO_S_FEATURES_OK)) {
		r = -ENODEV;
		goto fail;
	}
	if (f & 1ull << VIRTIO_NET_F_MAC) {
		/* 2.4.1: a read wider than 32 bits is consistent only if
		 * config_generation did not move meanwhile. */
		uint8_t gen;
		unsigned tries = 0;

		do {
			gen = (uint8_t)rd(c, VNET_COMMON, VCC_CFGGEN, 1);
			for (unsigned i = 0; i < 6; i++)
				c->mac[i] = (uint8_t)rd(c, VNET_DEVICE, i, 1);
		} while (gen != (uint8_t)rd(c, VNET_COMMON, VCC_CFGGEN, 1) && ++tries < 16);
	} else if (!(c->mac[0] | c->mac[1] | c->mac[2] | c->mac[3] | c->mac[4] | c->mac[5])) {
		/* Locally administered, unicast (IEEE 802 9.2). */
		static const uint8_t def[6] = { 0x02, 0x42, 0x41, 0x53, 0xff, 0x01 };

		memcpy(c->mac, def, 6);
	}
	r = vq_setup(c, &c->rx, 0, true);
	if (!r)
		r = vq_setup(c, &c->tx, 1, false);
	if (r)
		goto fail;
	wr(c, VNET_COMMON, VCC_STATUS, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
	   VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
	c->up = true;
	vq_notify(c, &c->rx, 0);
	return 0;
fail:
	wr(c, VNET_COMMON, VCC_STATUS, 1, VIRTIO_S_FAILED);
	return r;
}

/* Entries the device has added to q's used ring since we last looked, or
 * -1 if the index moved by more than the ring holds (2.6.8: the device
 * can only return what it was given). */
static int used_pending(struct vnet_vq *q)
{
	uint16_t n = (uint16_t)(q->used->idx - q->last_used);

	barrier();	/* the index before the entries it covers */
	return n > q->size ? -1 : n;
}

/* Reads one used entry; false when its id is not a buffer the device
 * owns. */
static bool used_take(struct vnet_vq *q, uint16_t *id, uint32_t *len)
{
	volatile struct vring_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
	uint32_t i = e->id;

	*len = e->len;
	if (i >= q->size || !q->busy[i])
		return false;
	q->busy[i] = false;
	q->last_used++;
	*id = (uint16_t)i;
	return true;
}

/* A device error: restart the device; the caller returns -EIO. */
static int dev_error(struct vnet_core *c, const char *why)
{
	c->err = why;
	c->st.dev_errors++;
	c->up = false;
	c->st.resets++;
	if (vnet_core_init(c))
		c->up = false;
	return -EIO;
}

static int tx_reclaim(struct vnet_core *c)
{
	struct vnet_vq *q = &c->tx;
	int n = used_pending(q);

	if (n < 0)
		return dev_error(c, "TX used index out of range");
	while (n--) {
		uint16_t id;
		uint32_t len;

		if (!used_take(q, &id, &len))
			return dev_error(c, "TX used id not in flight");
		q->free_ids[q->nfree++] = id;
	}
	return 0;
}

int vnet_core_tx(struct vnet_core *c, const void *frame, size_t len)
{
	struct vnet_vq *q = &c->tx;
	uint16_t id;
	uint8_t *b;

	if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX)
		return -EINVAL;
	if (!c->up)
		return -EIO;
	if (tx_reclaim(c))
		return -EIO;
	if (!q->nfree) {
		c->st.tx_busy++;
		return -EAGAIN;
	}
	id = q->free_ids[--q->nfree];
	b = q->buf + (size_t)id * NIC_BUF_SIZE;
	memset(b, 0, VNET_HDR_LEN);	/* no checksum or GSO offload */
	memcpy(b + VNET_HDR_LEN, frame, len);
	/* Address and flags are ours: rewrite them, the device may not. */
	q->desc[id].addr = q->buf_pa + (uint64_t)id * NIC_BUF_SIZE;
	q->desc[id].len = (uint32_t)(VNET_HDR_LEN + len);
	q->desc[id].flags = 0;
	q->busy[id] = true;
	q->avail->ring[q->avail_idx & (q->size - 1)] = id;
	barrier();	/* the entry before the index (2.6.13) */
	q->avail->idx = ++q->avail_idx;
	c->st.tx_frames++;
	c->st.tx_bytes += len;
	vq_notify(c, q, 1);
	return 0;
}

int vnet_core_poll(struct vnet_core *c, nic_rx_fn rx, void *ctx, unsigned budget)
{
	struct vnet_vq *q = &c->rx;
	int n, done = 0;
	uint16_t posted = 0, ids[VNET_QSIZE_MAX];

	if (!c->up)
		return dev_error(c, c->err ? c->err : "device not running");
	if (status(c) & VIRTIO_S_NEEDS_RESET)
		return dev_error(c, "DEVICE_NEEDS_RESET");
	if (tx_reclaim(c))
		return -EIO;
	n = used_pending(q);
	if (n < 0)
		return dev_error(c, "RX used index out of range");
	while (n-- && (unsigned)done < budget) {
		uint16_t id;
		uint32_t len;
		const uint8_t *b;

		if (!used_take(q, &id, &len))
			return dev_error(c, "RX used id not in flight");
		b = q->buf + (size_t)id * NIC_BUF_SIZE;
		if (len > NIC_BUF_SIZE) {
			c->st.rx_oversize++;
			c->st.rx_dropped++;
		} else if (len < VNET_HDR_LEN + NIC_FRAME_MIN) {
			c->st.rx_dropped++;
		} else {
			c->st.rx_frames++;
			c->st.rx_bytes += len - VNET_HDR_LEN;
			done++;
			rx(ctx, b + VNET_HDR_LEN, len - VNET_HDR_LEN);
		}
		/* Give the buffer back, with our own address and length. */
		q->desc[id].addr = q->buf_pa + (uint64_t)id * NIC_BUF_SIZE;
		q->desc[id].len = NIC_BUF_SIZE;
		q->desc[id].flags = VRING_DESC_F_WRITE;
		q->avail->ring[(uint16_t)(q->avail_idx + posted) & (q->size - 1)] = id;
		ids[posted++] = id;
	}
	if (posted) {
		/* Ours again only now: until avail->idx moves, the device
		 * cannot have them, so a used entry naming one is an error. */
		for (uint16_t i = 0; i < posted; i++)
			q->busy[ids[i]] = true;
		q->avail_idx = (uint16_t)(q->avail_idx + posted);
		barrier();
		q->avail->idx = q->avail_idx;
		vq_notify(c, q, 0);
	}
	return done;
}

bool vnet_core_link_up(struct vnet_core *c)
{
	if (!c->up)
		return false;
	/* 5.1.4: without VIRTIO_NET_F_STATUS the link is assumed up. */
	if (!(c->features & 1ull << VIRTIO_NET_F_STATUS))
		return true;
	return rd(c, VNET_DEVICE, 6, 2) & VIRTIO_NET_S_LINK_UP;
}
