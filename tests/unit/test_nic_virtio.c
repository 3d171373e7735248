/* The host virtio-net driver core (drivers/virtio_net_ring.c) against a
 * fake modern virtio-pci network device in host memory (pa == va):
 * bring-up, TX backpressure, RX, and devices that break the rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/virtio_net_ring.h"

/* ---------------------------------------------------------- fake device */
struct fq {
	uint16_t max, size, enable, noff;
	uint64_t desc, avail, used;
	uint16_t last_avail, used_idx;
};

static struct fdev {
	uint8_t status;
	uint32_t dfsel, gfsel;
	uint64_t offer, got;
	uint16_t qsel;
	struct fq q[2];
	uint8_t mac[6];
	uint16_t netstatus;
	bool refuse_features;
	uint8_t gen;		/* config_generation */
	unsigned gen_bumps;	/* config changes while the MAC is read */
	unsigned mac_reads;
	bool tx_hold;
	unsigned resets, notifies[2];
	unsigned ntx;
	uint8_t last_tx[2048];
	uint32_t last_tx_len;
} fd;

static struct fq *selq(void)
{
	return fd.qsel < 2 ? &fd.q[fd.qsel] : NULL;
}

static void fdev_reset(void)
{
	fd.status = 0;
	fd.got = 0;
	fd.resets++;
	for (int i = 0; i < 2; i++) {
		uint16_t m = fd.q[i].max;

		memset(&fd.q[i], 0, sizeof(fd.q[i]));
		fd.q[i].max = fd.q[i].size = m;
		fd.q[i].noff = (uint16_t)i;
	}
}

static volatile struct vring_desc *qdesc(struct fq *q)
{
	return (volatile struct vring_desc *)(uintptr_t)q->desc;
}

static volatile struct vring_avail *qavail(struct fq *q)
{
	return (volatile struct vring_avail *)(uintptr_t)q->avail;
}

static volatile struct vring_used *qused(struct fq *q)
{
	return (volatile struct vring_used *)(uintptr_t)q->used;
}

static void push_used(struct fq *q, uint32_t id, uint32_t len)
{
	qused(q)->ring[q->used_idx % q->size].id = id;
	qused(q)->ring[q->used_idx % q->size].len = len;
	qused(q)->idx = ++q->used_idx;
}

/* The device sends what the driver queued on TX. */
static void fdev_tx_process(void)
{
	struct fq *q = &fd.q[1];

	while (q->last_avail != qavail(q)->idx) {
		uint16_t id = qavail(q)->ring[q->last_avail++ % q->size];
		volatile struct vring_desc *d = &qdesc(q)[id];

		assert_true(id < q->size);
		assert_true(d->len <= sizeof(fd.last_tx));
		memcpy(fd.last_tx, (void *)(uintptr_t)d->addr, d->len);
		fd.last_tx_len = d->len;
		fd.ntx++;
		push_used(q, id, 0);
	}
}

/* A frame arrives; used_len overrides what the device reports (0: the
 * real length). Returns false when no buffer is posted. */
static bool fdev_rx(const void *frame, uint32_t len, uint32_t used_len)
{
	struct fq *q = &fd.q[0];
	uint16_t id;
	volatile struct vring_desc *d;
	uint8_t *b;

	if (q->last_avail == qavail(q)->idx)
		return false;
	id = qavail(q)->ring[q->last_avail++ % q->size];
	assert_true(id < q->size);
	d = &qdesc(q)[id];
	assert_true(d->flags & VRING_DESC_F_WRITE);
	b = (uint8_t *)(uintptr_t)d->addr;
	memset(b, 0, VNET_HDR_LEN);
	if (len > d->len - VNET_HDR_LEN)
		len = d->len - VNET_HDR_LEN;
	memcpy(b + VNET_HDR_LEN, frame, len);
	push_used(q, id, used_len ? used_len : VNET_HDR_LEN + len);
	return true;
}

static uint32_t f_read(void *ctx, enum vnet_area a, uint32_t off, unsigned size)
{
	struct fq *q = selq();

	if (a == VNET_DEVICE) {
		if (off == 5) {
			fd.mac_reads++;
			if (fd.gen_bumps) {
				fd.gen_bumps--;
				fd.gen++;
			}
		}
		if (off < 6)
			return fd.mac[off];
		if (off == 6)
			return fd.netstatus;
		return 0;
	}
	assert_int_equal(a, VNET_COMMON);
	switch (off) {
	case VCC_DF:
		return fd.dfsel == 0 ? (uint32_t)fd.offer :
		       fd.dfsel == 1 ? (uint32_t)(fd.offer >> 32) : 0;
	case VCC_NUMQ: return 3;
	case VCC_STATUS: return fd.status;
	case VCC_CFGGEN: return fd.gen;
	case VCC_Q_SIZE: return q ? q->size : 0;
	case VCC_Q_NOFF: return q ? q->noff : 0;
	case VCC_Q_ENABLE: return q ? q->enable : 0;
	}
	return 0;
}

static void f_write(void *ctx, enum vnet_area a, uint32_t off, unsigned size, uint32_t v)
{
	struct fq *q = selq();

	if (a == VNET_NOTIFY) {
		assert_int_equal(size, 2);
		assert_true(v < 2);
		assert_int_equal(off, fd.q[v].noff * 4);
		fd.notifies[v]++;
		if (v == 1 && !fd.tx_hold)
			fdev_tx_process();
		return;
	}
	assert_int_equal(a, VNET_COMMON);
	switch (off) {
	case VCC_DFSELECT: fd.dfsel = v; break;
	case VCC_GFSELECT: fd.gfsel = v; break;
	case VCC_GF:
		if (fd.gfsel == 0)
			fd.got = (fd.got & ~0xffffffffull) | v;
		else if (fd.gfsel == 1)
			fd.got = (fd.got & 0xffffffffull) | (uint64_t)v << 32;
		break;
	case VCC_STATUS:
		if (v == 0) {
			fdev_reset();
			break;
		}
		if ((v & VIRTIO_S_FEATURES_OK) &&
		    (fd.refuse_features || (fd.got & ~fd.offer)))
			v &= ~VIRTIO_S_FEATURES_OK;
		fd.status = (uint8_t)v;
		break;
	case VCC_Q_SELECT: fd.qsel = (uint16_t)v; break;
	case VCC_Q_SIZE:
		assert_non_null(q);
		assert_true(v <= q->max && v && !(v & (v - 1)));
		q->size = (uint16_t)v;
		break;
	case VCC_Q_MSIX: break;
	case VCC_Q_ENABLE: assert_non_null(q); q->enable = (uint16_t)v; break;
	case VCC_Q_DESCLO: q->desc = (q->desc & ~0xffffffffull) | v; break;
	case VCC_Q_DESCHI: q->desc = (q->desc & 0xffffffffull) | (uint64_t)v << 32; break;
	case VCC_Q_AVAILLO: q->avail = (q->avail & ~0xffffffffull) | v; break;
	case VCC_Q_AVAILHI: q->avail = (q->avail & 0xffffffffull) | (uint64_t)v << 32; break;
	case VCC_Q_USEDLO: q->used = (q->used & ~0xffffffffull) | v; break;
	case VCC_Q_USEDHI: q->used = (q->used & 0xffffffffull) | (uint64_t)v << 32; break;
	default: fail_msg("write to common config offset %#x", off);
	}
}

static void f_delay(void *ctx, unsigned us)
{
}

/* ---------------------------------------------------------- DMA memory */
static unsigned nalloc;

static void *m_alloc(void *ctx, size_t bytes, uint64_t *pa)
{
	size_t n = (bytes + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, n);

	if (!p)
		return NULL;
	memset(p, 0, n);
	*pa = (uint64_t)(uintptr_t)p;
	nalloc++;
	return p;
}

static void m_free(void *ctx, void *va, uint64_t pa, size_t bytes)
{
	assert_ptr_equal(va, (void *)(uintptr_t)pa);
	free(va);
	nalloc--;
}

/* ---------------------------------------------------------- fixture */
static struct vnet_core c;

static int setup(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memset(&fd, 0, sizeof(fd));
	fd.offer = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
		   1ull << VIRTIO_NET_F_STATUS | 1ull << 0 /* CSUM */ |
		   1ull << 15 /* MRG_RXBUF */;
	fd.q[0].max = fd.q[1].max = 1024;
	fdev_reset();
	fd.resets = 0;
	memcpy(fd.mac, mac, 6);
	fd.netstatus = VIRTIO_NET_S_LINK_UP;
	memset(&c, 0, sizeof(c));
	c.regs = (struct vnet_regs){ f_read, f_write, f_delay, NULL, 4 };
	c.dma = (struct nic_dma){ m_alloc, m_free, NULL };
	return 0;
}

static int teardown(void **state)
{
	if (c.rx.buf) {
		m_free(NULL, (void *)(uintptr_t)c.rx.desc, c.rx.ring_pa, 0);
		m_free(NULL, c.rx.buf, c.rx.buf_pa, 0);
	}
	if (c.tx.buf) {
		m_free(NULL, (void *)(uintptr_t)c.tx.desc, c.tx.ring_pa, 0);
		m_free(NULL, c.tx.buf, c.tx.buf_pa, 0);
	}
	assert_int_equal(nalloc, 0);
	return 0;
}

static uint8_t frame[NIC_FRAME_MAX];

static void make_frame(unsigned seq, size_t len)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seq * 7 + i);
}

struct got {
	unsigned n;
	size_t len[16];
	uint8_t first[16];
};

static void on_rx(void *ctx, const void *f, size_t len)
{
	struct got *g = ctx;

	if (g->n < 16) {
		g->len[g->n] = len;
		g->first[g->n] = ((const uint8_t *)f)[len - 1];
	}
	g->n++;
}

/* ---------------------------------------------------------- tests */
static void test_bringup(void **state)
{
	assert_int_equal(vnet_core_init(&c), 0);
	assert_true(fd.resets >= 1);
	assert_int_equal(fd.status, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
			 VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
	/* Only what we asked for, never CSUM or MRG_RXBUF. */
	assert_int_equal(fd.got, 1ull << VIRTIO_F_VERSION_1 |
			 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS);
	assert_memory_equal(c.mac, fd.mac, 6);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fd.q[i].size, VNET_QSIZE_MAX);
		assert_int_equal(fd.q[i].enable, 1);
		assert_int_equal(fd.q[i].desc % 16, 0);
		assert_int_equal(fd.q[i].avail % 2, 0);
		assert_int_equal(fd.q[i].used % 4, 0);
	}
	/* Every RX buffer posted, and the device told. */
	assert_int_equal(qavail(&fd.q[0])->idx, VNET_QSIZE_MAX);
	assert_int_equal(fd.notifies[0], 1);
	assert_true(vnet_core_link_up(&c));
}

static void test_mac_read_during_config_change(void **state)
{
	fd.gen_bumps = 2;
	assert_int_equal(vnet_core_init(&c), 0);
	assert_int_equal(fd.mac_reads, 3);
	assert_memory_equal(c.mac, fd.mac, 6);
}

static void test_small_queue_rounded_down(void **state)
{
	fd.q[0].max = fd.q[0].size = 100;
	assert_int_equal(vnet_core_init(&c), 0);
	assert_int_equal(fd.q[0].size, 64);
	assert_int_equal(c.rx.size, 64);
	assert_int_equal(qavail(&fd.q[0])->idx, 64);
}

static void test_no_version_1(void **state)
{
	fd.offer &= ~(1ull << VIRTIO_F_VERSION_1);
	assert_int_equal(vnet_core_init(&c), -ENODEV);
	assert_true(fd.status & VIRTIO_S_FAILED);
}

static void test_features_refused(void **state)
{
	fd.refuse_features = true;
	assert_int_equal(vnet_core_init(&c), -ENODEV);
	assert_true(fd.status & VIRTIO_S_FAILED);
}

static void test_missing_queue(void **state)
{
	fd.q[1].max = 0;
	fdev_reset();
	assert_int_equal(vnet_core_init(&c), -ENODEV);
	assert_false(c.up);
}

static void test_no_mac_feature(void **state)
{
	fd.offer &= ~(1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS);
	fd.netstatus = 0;
	assert_int_equal(vnet_core_init(&c), 0);
	assert_int_equal(c.mac[0] & 3, 2);	/* local, unicast */
	/* 5.1.4: without STATUS the link is up. */
	assert_true(vnet_core_link_up(&c));
}

static void test_tx_full_and_reclaim(void **state)
{
	unsigned i;

	assert_int_equal(vnet_core_init(&c), 0);
	fd.tx_hold = true;
	for (i = 0; i < VNET_QSIZE_MAX; i++) {
		make_frame(i, 60);
		assert_int_equal(vnet_core_tx(&c, frame, 60), 0);
	}
	assert_int_equal(vnet_core_tx(&c, frame, 60), -EAGAIN);
	assert_int_equal(vnet_core_tx(&c, frame, 60), -EAGAIN);
	assert_int_equal(c.st.tx_busy, 2);
	assert_int_equal(c.st.tx_frames, VNET_QSIZE_MAX);

	/* The device sends them all; the next tx reclaims. */
	fdev_tx_process();
	assert_int_equal(fd.ntx, VNET_QSIZE_MAX);
	fd.tx_hold = false;
	for (i = 0; i < 3 * VNET_QSIZE_MAX; i++) {	/* and wraps */
		make_frame(i, 100 + i % 1000);
		assert_int_equal(vnet_core_tx(&c, frame, 100 + i % 1000), 0);
		assert_int_equal(fd.last_tx_len, VNET_HDR_LEN + 100 + i % 1000);
		assert_memory_equal(fd.last_tx + VNET_HDR_LEN, frame, 100 + i % 1000);
		for (int b = 0; b < VNET_HDR_LEN; b++)
			assert_int_equal(fd.last_tx[b], 0);
	}
	assert_int_equal(fd.ntx, 4 * VNET_QSIZE_MAX);
}

static void test_tx_bad_length(void **state)
{
	assert_int_equal(vnet_core_init(&c), 0);
	assert_int_equal(vnet_core_tx(&c, frame, 0), -EINVAL);
	assert_int_equal(vnet_core_tx(&c, frame, NIC_FRAME_MIN - 1), -EINVAL);
	assert_int_equal(vnet_core_tx(&c, frame, NIC_FRAME_MAX + 1), -EINVAL);
	assert_int_equal(vnet_core_tx(&c, frame, NIC_FRAME_MAX), 0);
}

static void test_rx_frames_and_oversize(void **state)
{
	struct got g = { 0 };

	assert_int_equal(vnet_core_init(&c), 0);
	make_frame(1, 64);
	assert_true(fdev_rx(frame, 64, 0));
	make_frame(2, 1514);
	assert_true(fdev_rx(frame, 1514, 0));
	/* A device claiming more than the buffer holds. */
	assert_true(fdev_rx(frame, 100, NIC_BUF_SIZE + 1));
	/* Shorter than a header. */
	assert_true(fdev_rx(frame, 4, 0));
	make_frame(3, 200);
	assert_true(fdev_rx(frame, 200, 0));

	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), 3);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[0], 64);
	assert_int_equal(g.len[1], 1514);
	assert_int_equal(g.len[2], 200);
	make_frame(3, 200);
	assert_int_equal(g.first[2], frame[199]);
	assert_int_equal(c.st.rx_frames, 3);
	assert_int_equal(c.st.rx_oversize, 1);
	assert_int_equal(c.st.rx_dropped, 2);
	/* All five buffers went back. */
	assert_int_equal(qavail(&fd.q[0])->idx, VNET_QSIZE_MAX + 5);
	assert_int_equal(fd.notifies[0], 2);
	/* Nothing new: nothing delivered, no doorbell. */
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), 0);
	assert_int_equal(fd.notifies[0], 2);
}

static void test_rx_budget_and_wrap(void **state)
{
	struct got g = { 0 };
	unsigned total = 0;

	assert_int_equal(vnet_core_init(&c), 0);
	for (unsigned i = 0; i < 5; i++)
		assert_true(fdev_rx(frame, 60, 0));
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 2), 2);
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 2), 2);
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 2), 1);
	/* 16-bit indices wrap after 65536: run past that. */
	for (unsigned round = 0; round < 300; round++) {
		unsigned k = 0;

		while (k < 250 && fdev_rx(frame, 60, 0))
			k++;
		assert_int_equal(k, 250);
		total += (unsigned)vnet_core_poll(&c, on_rx, &g, 1000);
	}
	assert_int_equal(total, 300 * 250);
	assert_int_equal(c.st.dev_errors, 0);
}

static void test_needs_reset(void **state)
{
	struct got g = { 0 };

	assert_int_equal(vnet_core_init(&c), 0);
	fd.status |= VIRTIO_S_NEEDS_RESET;
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_string_equal(c.err, "DEVICE_NEEDS_RESET");
	assert_int_equal(c.st.dev_errors, 1);
	assert_int_equal(c.st.resets, 1);
	/* Reset and started again, with the same memory. */
	assert_int_equal(fd.status & VIRTIO_S_DRIVER_OK, VIRTIO_S_DRIVER_OK);
	assert_int_equal(nalloc, 4);
	assert_true(fdev_rx(frame, 60, 0));
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), 1);
	assert_int_equal(vnet_core_tx(&c, frame, 60), 0);
	assert_int_equal(fd.ntx, 1);
}

static void test_bad_used_index(void **state)
{
	struct got g = { 0 };

	assert_int_equal(vnet_core_init(&c), 0);
	/* A broken device claims 1000 buffers used out of 256. */
	qused(&fd.q[0])->idx = 1000;
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_int_equal(g.n, 0);
	assert_int_equal(c.st.dev_errors, 1);
	assert_true(c.up);

	/* A used id outside the ring. */
	push_used(&fd.q[0], 5000, 100);
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_int_equal(c.st.dev_errors, 2);

	/* A TX id the driver never gave: the ring is empty. */
	push_used(&fd.q[1], 3, 0);
	assert_int_equal(vnet_core_tx(&c, frame, 60), -EIO);
	assert_int_equal(c.st.dev_errors, 3);

	/* The same RX buffer returned twice. */
	assert_true(fdev_rx(frame, 60, 0));
	push_used(&fd.q[0], qused(&fd.q[0])->ring[0].id, 60);
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_int_equal(g.n, 1);
	assert_int_equal(c.st.dev_errors, 4);
	assert_int_equal(c.st.resets, 4);
	assert_int_equal(fd.resets, 5);
}

static void test_restart_fails_then_recovers(void **state)
{
	struct got g = { 0 };

	assert_int_equal(vnet_core_init(&c), 0);
	fd.status |= VIRTIO_S_NEEDS_RESET;
	fd.refuse_features = true;
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_false(c.up);
	assert_false(vnet_core_link_up(&c));
	assert_int_equal(vnet_core_tx(&c, frame, 60), -EIO);
	fd.refuse_features = false;
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_true(c.up);
	assert_int_equal(vnet_core_poll(&c, on_rx, &g, 64), 0);
	assert_int_equal(vnet_core_tx(&c, frame, 60), 0);
}

static void test_link_down(void **state)
{
	assert_int_equal(vnet_core_init(&c), 0);
	assert_true(vnet_core_link_up(&c));
	fd.netstatus = 0;
	assert_false(vnet_core_link_up(&c));
	fd.netstatus = VIRTIO_NET_S_LINK_UP;
	assert_true(vnet_core_link_up(&c));
}

static void test_no_notify_flag(void **state)
{
	assert_int_equal(vnet_core_init(&c), 0);
	qused(&fd.q[1])->flags = VRING_USED_F_NO_NOTIFY;
	assert_int_equal(vnet_core_tx(&c, frame, 60), 0);
	assert_int_equal(fd.notifies[1], 0);
	assert_int_equal(qavail(&fd.q[1])->idx, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bringup),
		T(test_mac_read_during_config_change),
		T(test_small_queue_rounded_down),
		T(test_no_version_1),
		T(test_features_refused),
		T(test_missing_queue),
		T(test_no_mac_feature),
		T(test_tx_full_and_reclaim),
		T(test_tx_bad_length),
		T(test_rx_frames_and_oversize),
		T(test_rx_budget_and_wrap),
		T(test_needs_reset),
		T(test_bad_used_index),
		T(test_restart_fails_then_recovers),
		T(test_link_down),
		T(test_no_notify_flag),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
