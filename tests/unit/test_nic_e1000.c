/* The host e1000 driver core (drivers/e1000_ring.c) against a fake
 * 82540EM in host memory (pa == va): bring-up, TX backpressure, RX with
 * oversize and error frames, and devices that break the rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/e1000_ring.h"

/* ---------------------------------------------------------- fake device */
static struct fdev {
	uint32_t r[0x20000 / 4];
	uint8_t mac[6];
	bool mac_valid;
	bool rst_stuck;		/* CTRL.RST never clears */
	bool gone;		/* every read is all ones */
	bool tx_hold;
	unsigned resets, ntx;
	uint8_t last_tx[2048];
	uint16_t last_tx_len;
	uint8_t last_tx_cmd;
} fd;

#define R(off) fd.r[(off) / 4]

static volatile struct e1000_rx_desc *rxd(void)
{
	return (volatile struct e1000_rx_desc *)(uintptr_t)((uint64_t)R(E1000_RDBAH) << 32 | R(E1000_RDBAL));
}

static volatile struct e1000_tx_desc *txd(void)
{
	return (volatile struct e1000_tx_desc *)(uintptr_t)((uint64_t)R(E1000_TDBAH) << 32 | R(E1000_TDBAL));
}

static void fdev_reset(void)
{
	uint32_t status = R(E1000_STATUS);

	memset(fd.r, 0, sizeof(fd.r));
	R(E1000_STATUS) = status;
	fd.resets++;
	/* The EEPROM load after reset fills RAL0/RAH0 (8254x SDM 5.6). */
	if (fd.mac_valid) {
		R(E1000_RAL0) = fd.mac[0] | fd.mac[1] << 8 | fd.mac[2] << 16 |
				(uint32_t)fd.mac[3] << 24;
		R(E1000_RAH0) = fd.mac[4] | fd.mac[5] << 8 | E1000_RAH_AV;
	}
	if (fd.rst_stuck)
		R(E1000_CTRL) = E1000_CTRL_RST;
}

static unsigned ndesc(uint32_t len_reg)
{
	return R(len_reg) / 16;
}

static void fdev_tx_process(void)
{
	unsigned n = ndesc(E1000_TDLEN);

	if (!(R(E1000_TCTL) & E1000_TCTL_EN))
		return;
	while (R(E1000_TDH) != R(E1000_TDT)) {
		volatile struct e1000_tx_desc *d = &txd()[R(E1000_TDH)];

		assert_true(d->length <= sizeof(fd.last_tx));
		memcpy(fd.last_tx, (void *)(uintptr_t)d->addr, d->length);
		fd.last_tx_len = d->length;
		fd.last_tx_cmd = d->cmd;
		fd.ntx++;
		if (d->cmd & E1000_TXD_RS)
			d->status |= E1000_TXD_DD;
		R(E1000_TDH) = (R(E1000_TDH) + 1) % n;
	}
}

/* Stores one descriptor's worth; false when no buffer is posted. */
static bool fdev_rx_desc(const void *data, uint16_t len, uint16_t report_len,
			 uint8_t status, uint8_t errors)
{
	unsigned n = ndesc(E1000_RDLEN);
	volatile struct e1000_rx_desc *d;

	if (!(R(E1000_RCTL) & E1000_RCTL_EN) || R(E1000_RDH) == R(E1000_RDT))
		return false;
	d = &rxd()[R(E1000_RDH)];
	assert_true(len <= NIC_BUF_SIZE);
	memcpy((void *)(uintptr_t)d->addr, data, len);
	d->length = report_len;
	d->errors = errors;
	d->status = status | E1000_RXD_DD;
	R(E1000_RDH) = (R(E1000_RDH) + 1) % n;
	return true;
}

/* A frame, spread over 2048-byte buffers as the device does when it does
 * not fit one (8254x SDM 3.2.3: EOP on the last). */
static bool fdev_rx(const uint8_t *f, size_t len)
{
	while (len > NIC_BUF_SIZE) {
		if (!fdev_rx_desc(f, NIC_BUF_SIZE, NIC_BUF_SIZE, 0, 0))
			return false;
		f += NIC_BUF_SIZE;
		len -= NIC_BUF_SIZE;
	}
	return fdev_rx_desc(f, (uint16_t)len, (uint16_t)len, E1000_RXD_EOP, 0);
}

static uint32_t f_read(void *ctx, uint32_t off)
{
	uint32_t v;

	assert_true(off % 4 == 0 && off < sizeof(fd.r));
	if (fd.gone)
		return 0xffffffff;
	v = fd.r[off / 4];
	if (off == E1000_ICR)
		R(E1000_ICR) = 0;	/* read to clear */
	return v;
}

static void f_write(void *ctx, uint32_t off, uint32_t v)
{
	assert_true(off % 4 == 0 && off < sizeof(fd.r));
	if (fd.gone)
		return;
	if (off == E1000_CTRL && (v & E1000_CTRL_RST)) {
		fdev_reset();
		return;
	}
	fd.r[off / 4] = v;
	if (off == E1000_TDT && !fd.tx_hold)
		fdev_tx_process();
}

static unsigned delays;

static void f_delay(void *ctx, unsigned us)
{
	delays++;
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
	free(va);
	nalloc--;
}

static unsigned fail_alloc_at;	/* 1-based; 0: never */

static void *m_alloc_failing(void *ctx, size_t bytes, uint64_t *pa)
{
	if (nalloc + 1 == fail_alloc_at)
		return NULL;
	return m_alloc(ctx, bytes, pa);
}

/* ---------------------------------------------------------- fixture */
static struct e1000_core c;

static int setup(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

	memset(&fd, 0, sizeof(fd));
	memcpy(fd.mac, mac, 6);
	fd.mac_valid = true;
	R(E1000_STATUS) = E1000_STATUS_LU;
	fdev_reset();
	fd.resets = 0;
	memset(&c, 0, sizeof(c));
	c.regs = (struct e1000_regs){ f_read, f_write, f_delay, NULL };
	c.dma = (struct nic_dma){ m_alloc, m_free, NULL };
	fail_alloc_at = 0;
	return 0;
}

static int teardown(void **state)
{
	if (c.rxd) {
		m_free(NULL, (void *)(uintptr_t)c.rxd, 0, 0);
		m_free(NULL, (void *)(uintptr_t)c.txd, 0, 0);
		m_free(NULL, c.rxbuf, 0, 0);
		m_free(NULL, c.txbuf, 0, 0);
	}
	assert_int_equal(nalloc, 0);
	return 0;
}

static uint8_t frame[4096];

static void make_frame(unsigned seq, size_t len)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seq * 13 + i);
}

struct got {
	unsigned n;
	size_t len[16];
	uint8_t last[16];
};

static void on_rx(void *ctx, const void *f, size_t len)
{
	struct got *g = ctx;

	if (g->n < 16) {
		g->len[g->n] = len;
		g->last[g->n] = ((const uint8_t *)f)[len - 1];
	}
	g->n++;
}

/* ---------------------------------------------------------- tests */
static void test_bringup(void **state)
{
	assert_int_equal(e1000_core_init(&c), 0);
	assert_int_equal(fd.resets, 1);
	assert_memory_equal(c.mac, fd.mac, 6);
	assert_int_equal(R(E1000_IMC), 0xffffffff);
	assert_true(R(E1000_CTRL) & E1000_CTRL_SLU);
	assert_int_equal(R(E1000_RDLEN), E1000_NDESC * 16);
	assert_int_equal(R(E1000_TDLEN), E1000_NDESC * 16);
	assert_int_equal(R(E1000_RDLEN) % 128, 0);	/* 13.4.27 */
	assert_int_equal(R(E1000_RDBAL) % 16, 0);
	assert_int_equal(R(E1000_RDH), 0);
	assert_int_equal(R(E1000_RDT), E1000_NDESC - 1);
	assert_true(R(E1000_RCTL) & E1000_RCTL_EN);
	assert_int_equal(R(E1000_RCTL) & (3u << 16), 0);	/* 2048-byte buffers */
	/* An uplink takes every frame: the VMs behind it have their own MACs. */
	assert_true(R(E1000_RCTL) & E1000_RCTL_UPE);
	assert_true(R(E1000_RCTL) & E1000_RCTL_MPE);
	assert_true(R(E1000_TCTL) & E1000_TCTL_EN);
	assert_true(e1000_core_link_up(&c));
	assert_int_equal(nalloc, 4);
}

static void test_no_mac(void **state)
{
	fd.mac_valid = false;
	assert_int_equal(e1000_core_init(&c), -ENODEV);
	assert_false(c.up);
}

static void test_reset_stuck(void **state)
{
	fd.rst_stuck = true;
	assert_int_equal(e1000_core_init(&c), -ENODEV);
	assert_true(delays > 100);	/* waited, then gave up */
	assert_false(c.up);
}

static void test_out_of_memory(void **state)
{
	c.dma.alloc = m_alloc_failing;
	fail_alloc_at = 3;
	assert_int_equal(e1000_core_init(&c), -ENOMEM);
	assert_int_equal(nalloc, 0);	/* the first two went back */
	assert_null(c.rxd);
}

static void test_tx_full_and_reclaim(void **state)
{
	unsigned i;

	assert_int_equal(e1000_core_init(&c), 0);
	fd.tx_hold = true;
	/* One descriptor stays empty: head == tail means an empty ring. */
	for (i = 0; i < E1000_NDESC - 1; i++) {
		make_frame(i, 60);
		assert_int_equal(e1000_core_tx(&c, frame, 60), 0);
	}
	assert_int_equal(e1000_core_tx(&c, frame, 60), -EAGAIN);
	assert_int_equal(c.st.tx_busy, 1);
	assert_int_equal(R(E1000_TDT), E1000_NDESC - 1);

	fdev_tx_process();
	assert_int_equal(fd.ntx, E1000_NDESC - 1);
	fd.tx_hold = false;
	for (i = 0; i < 3 * E1000_NDESC; i++) {	/* and wraps */
		size_t len = 14 + i % 1500;

		make_frame(i, len);
		assert_int_equal(e1000_core_tx(&c, frame, len), 0);
		assert_int_equal(fd.last_tx_len, len);
		assert_memory_equal(fd.last_tx, frame, len);
		assert_int_equal(fd.last_tx_cmd, E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS);
	}
	assert_int_equal(c.st.tx_frames, 4 * E1000_NDESC - 1);
}

static void test_tx_bad_length(void **state)
{
	assert_int_equal(e1000_core_init(&c), 0);
	assert_int_equal(e1000_core_tx(&c, frame, 13), -EINVAL);
	assert_int_equal(e1000_core_tx(&c, frame, NIC_FRAME_MAX + 1), -EINVAL);
	assert_int_equal(fd.ntx, 0);
}

static void test_rx_frames_oversize_errors(void **state)
{
	struct got g = { 0 };
	unsigned rdt0;

	assert_int_equal(e1000_core_init(&c), 0);
	rdt0 = R(E1000_RDT);
	make_frame(1, 64);
	assert_true(fdev_rx(frame, 64));
	/* Larger than a buffer: two descriptors, dropped as one frame. */
	make_frame(2, 3000);
	assert_true(fdev_rx(frame, 3000));
	make_frame(3, 1514);
	assert_true(fdev_rx(frame, 1514));
	/* A CRC error. */
	assert_true(fdev_rx_desc(frame, 100, 100, E1000_RXD_EOP, 0x01));
	/* A device reporting more than the buffer holds. */
	assert_true(fdev_rx_desc(frame, 100, 5000, E1000_RXD_EOP, 0));
	make_frame(4, 60);
	assert_true(fdev_rx(frame, 60));

	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 64), 3);
	assert_int_equal(g.len[0], 64);
	assert_int_equal(g.len[1], 1514);
	assert_int_equal(g.len[2], 60);
	assert_int_equal(g.last[2], frame[59]);
	assert_int_equal(c.st.rx_frames, 3);
	assert_int_equal(c.st.rx_oversize, 2);
	assert_int_equal(c.st.rx_dropped, 3);
	/* Seven descriptors back to the device. */
	assert_int_equal(R(E1000_RDT), (rdt0 + 7) % E1000_NDESC);
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 64), 0);
}

static void test_rx_budget_and_wrap(void **state)
{
	struct got g = { 0 };
	unsigned total = 0;

	assert_int_equal(e1000_core_init(&c), 0);
	for (int i = 0; i < 5; i++)
		assert_true(fdev_rx(frame, 60));
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 2), 2);
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 2), 2);
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 2), 1);
	for (int round = 0; round < 20; round++) {
		unsigned k = 0;

		while (fdev_rx(frame, 60))
			k++;
		/* All but one descriptor were free. */
		assert_int_equal(k, E1000_NDESC - 1);
		total += (unsigned)e1000_core_poll(&c, on_rx, &g, 1000);
	}
	assert_int_equal(total, 20 * (E1000_NDESC - 1));
}

static void test_broken_dd_everywhere(void **state)
{
	struct got g = { 0 };

	assert_int_equal(e1000_core_init(&c), 0);
	/* A device that marks every descriptor done, itself included. */
	for (unsigned i = 0; i < E1000_NDESC; i++) {
		c.rxd[i].status = E1000_RXD_DD | E1000_RXD_EOP;
		c.rxd[i].length = 60;
	}
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 100000), E1000_NDESC);
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 100000), 0);
}

static void test_device_gone_and_back(void **state)
{
	struct got g = { 0 };

	assert_int_equal(e1000_core_init(&c), 0);
	fd.gone = true;
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_int_equal(c.st.dev_errors, 1);
	assert_false(c.up);
	assert_false(e1000_core_link_up(&c));
	assert_int_equal(e1000_core_tx(&c, frame, 60), -EIO);
	fd.gone = false;
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 64), -EIO);
	assert_true(c.up);
	assert_int_equal(nalloc, 4);	/* the same memory */
	assert_int_equal(e1000_core_tx(&c, frame, 60), 0);
	assert_int_equal(fd.ntx, 1);
	assert_true(fdev_rx(frame, 60));
	assert_int_equal(e1000_core_poll(&c, on_rx, &g, 64), 1);
}

static void test_link_down(void **state)
{
	assert_int_equal(e1000_core_init(&c), 0);
	R(E1000_STATUS) &= ~E1000_STATUS_LU;
	assert_false(e1000_core_link_up(&c));
	R(E1000_STATUS) |= E1000_STATUS_LU;
	assert_true(e1000_core_link_up(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bringup),
		T(test_no_mac),
		T(test_reset_stuck),
		T(test_out_of_memory),
		T(test_tx_full_and_reclaim),
		T(test_tx_bad_length),
		T(test_rx_frames_oversize_errors),
		T(test_rx_budget_and_wrap),
		T(test_broken_dd_everywhere),
		T(test_device_gone_and_back),
		T(test_link_down),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
