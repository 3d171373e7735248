/*
 * Host driver core for Intel 8254x-family NICs: see e1000_ring.h.
 * Section numbers are those of the PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual (8254x SDM).
 */
#include <errno.h>
#include <string.h>
#include "drivers/e1000_ring.h"

#define barrier() __asm__ volatile("" ::: "memory")

#define RESET_WAIT_US 100000u
#define RING_BYTES (E1000_NDESC * 16u)
#define BUF_BYTES  ((size_t)E1000_NDESC * NIC_BUF_SIZE)

static uint32_t rd(struct e1000_core *c, uint32_t off)
{
	return c->regs.read(c->regs.ctx, off);
}

static void wr(struct e1000_core *c, uint32_t off, uint32_t v)
{
	c->regs.write(c->regs.ctx, off, v);
}

static int alloc_rings(struct e1000_core *c)
{
	void *p[4];
	uint64_t pa[4];
	const size_t sz[4] = { RING_BYTES, RING_BYTES, BUF_BYTES, BUF_BYTES };

	if (c->rxd) {
		memset((void *)(uintptr_t)c->rxd, 0, RING_BYTES);
		memset((void *)(uintptr_t)c->txd, 0, RING_BYTES);
		return 0;
	}
	for (int i = 0; i < 4; i++) {
		p[i] = c->dma.alloc(c->dma.ctx, sz[i], &pa[i]);
		if (!p[i]) {
			while (i--)
				c->dma.free(c->dma.ctx, p[i], pa[i], sz[i]);
			return -ENOMEM;
		}
	}
	c->rxd = p[0];
	c->rxd_pa = pa[0];
	c->txd = p[1];
	c->txd_pa = pa[1];
	c->rxbuf = p[2];
	c->rxbuf_pa = pa[2];
	c->txbuf = p[3];
	c->txbuf_pa = pa[3];
	return 0;
}

/* 14.5: global reset, then wait for CTRL.RST to self-clear. */
static int reset(struct e1000_core *c)
{
	c->up = false;
	wr(c, E1000_IMC, 0xffffffff);
	wr(c, E1000_RCTL, 0);
	wr(c, E1000_TCTL, 0);
	wr(c, E1000_CTRL, rd(c, E1000_CTRL) | E1000_CTRL_RST);
	c->regs.delay_us(c->regs.ctx, 10);
	for (unsigned t = 0; t < RESET_WAIT_US; t += 10) {
		uint32_t v = rd(c, E1000_CTRL);

		if (v != 0xffffffff && !(v & E1000_CTRL_RST))
			return 0;
		c->regs.delay_us(c->regs.ctx, 10);
	}
	return -ENODEV;
}

int e1000_core_init(struct e1000_core *c)
{
	uint32_t ral, rah;
	int r;

	r = reset(c);
	if (r)
		return r;
	wr(c, E1000_IMC, 0xffffffff);	/* polling: no interrupts (13.4.20) */
	(void)rd(c, E1000_ICR);
	ral = rd(c, E1000_RAL0);
	rah = rd(c, E1000_RAH0);
	if (!(rah & E1000_RAH_AV))
		return -ENODEV;
	for (int i = 0; i < 4; i++)
		c->mac[i] = (uint8_t)(ral >> (8 * i));
	c->mac[4] = (uint8_t)rah;
	c->mac[5] = (uint8_t)(rah >> 8);
	r = alloc_rings(c);
	if (r)
		return r;
	/* 14.3: link set up by the MAC's auto-speed detection. */
	wr(c, E1000_CTRL, (rd(c, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE));
	for (uint32_t i = 0; i < 128; i++)
		wr(c, E1000_MTA + 4 * i, 0);

	/* 14.4 receive initialization. */
	for (uint32_t i = 0; i < E1000_NDESC; i++) {
		c->rxd[i].addr = c->rxbuf_pa + (uint64_t)i * NIC_BUF_SIZE;
		c->rxd[i].status = 0;
	}
	wr(c, E1000_RDBAL, (uint32_t)c->rxd_pa);
	wr(c, E1000_RDBAH, (uint32_t)(c->rxd_pa >> 32));
	wr(c, E1000_RDLEN, RING_BYTES);
	wr(c, E1000_RDH, 0);
	/* One descriptor stays unposted: head == tail means empty. */
	wr(c, E1000_RDT, E1000_NDESC - 1);
	c->rx_next = 0;
	c->in_long = false;
	/* Promiscuous: the NIC is a switch's uplink, and the frames for the
	 * VMs behind it carry their MACs, not the NIC's (8254x manual
	 * 13.4.22: UPE, MPE). */
	wr(c, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_UPE | E1000_RCTL_MPE | E1000_RCTL_BAM |
	   E1000_RCTL_SECRC);

	/* 14.5 transmit initialization. */
	for (uint32_t i = 0; i < E1000_NDESC; i++)
		c->txd[i].addr = c->txbuf_pa + (uint64_t)i * NIC_BUF_SIZE;
	wr(c, E1000_TDBAL, (uint32_t)c->txd_pa);
	wr(c, E1000_TDBAH, (uint32_t)(c->txd_pa >> 32));
	wr(c, E1000_TDLEN, RING_BYTES);
	wr(c, E1000_TDH, 0);
	wr(c, E1000_TDT, 0);
	c->tx_tail = 0;
	c->tx_clean = 0;
	/* 13.4.34: IPGT 10, IPGR1 8, IPGR2 6 for IEEE 802.3 copper. */
	wr(c, E1000_TIPG, 10 | 8u << 10 | 6u << 20);
	/* CT 0x0f, COLD 0x40 (full duplex), short frames padded. */
	wr(c, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | 0x0fu << 4 | 0x40u << 12);
	c->up = true;
	return 0;
}

static int dev_error(struct e1000_core *c, const char *why)
{
	c->err = why;
	c->st.dev_errors++;
	c->st.resets++;
	if (e1000_core_init(c))
		c->up = false;
	return -EIO;
}

static void tx_reclaim(struct e1000_core *c)
{
	while (c->tx_clean != c->tx_tail &&
	       (c->txd[c->tx_clean].status & E1000_TXD_DD))
		c->tx_clean = (uint16_t)((c->tx_clean + 1) % E1000_NDESC);
}

int e1000_core_tx(struct e1000_core *c, const void *frame, size_t len)
{
	uint16_t i = c->tx_tail, next = (uint16_t)((i + 1) % E1000_NDESC);
	volatile struct e1000_tx_desc *d = &c->txd[i];

	if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX)
		return -EINVAL;
	if (!c->up)
		return -EIO;
	tx_reclaim(c);
	if (next == c->tx_clean) {
		c->st.tx_busy++;
		return -EAGAIN;
	}
	memcpy(c->txbuf + (size_t)i * NIC_BUF_SIZE, frame, len);
	d->addr = c->txbuf_pa + (uint64_t)i * NIC_BUF_SIZE;
	d->length = (uint16_t)len;
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	/* RS: the device writes DD back when done, which tx_reclaim follows. */
	d->cmd = E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS;
	barrier();	/* the descriptor before the tail (x86 stores in order) */
	c->tx_tail = next;
	wr(c, E1000_TDT, next);
	c->st.tx_frames++;
	c->st.tx_bytes += len;
	return 0;
}

int e1000_core_poll(struct e1000_core *c, nic_rx_fn rx, void *ctx, unsigned budget)
{
	unsigned done = 0, seen = 0;
	uint16_t last = 0;

	if (!c->up)
		return dev_error(c, c->err ? c->err : "device not running");
	/* A device that fell off the bus reads all ones. */
	if (rd(c, E1000_STATUS) == 0xffffffff)
		return dev_error(c, "device reads all ones");
	tx_reclaim(c);
	/* Bounded by the ring: a device that keeps setting DD cannot keep us
	 * here. */
	while (done < budget && seen < E1000_NDESC) {
		volatile struct e1000_rx_desc *d = &c->rxd[c->rx_next];
		uint8_t st = d->status, err;
		uint16_t len;

		if (!(st & E1000_RXD_DD))
			break;
		barrier();	/* status before the rest (x86 loads in order) */
		len = d->length;
		err = d->errors;
		if (!(st & E1000_RXD_EOP)) {
			/* The frame did not fit one buffer: drop all of it. */
			if (!c->in_long) {
				c->st.rx_oversize++;
				c->st.rx_dropped++;
			}
			c->in_long = true;
		} else if (c->in_long) {
			c->in_long = false;	/* its last piece */
		} else if (len > NIC_BUF_SIZE) {
			c->st.rx_oversize++;
			c->st.rx_dropped++;
		} else if ((err & E1000_RXE_MASK) || len < NIC_FRAME_MIN) {
			c->st.rx_dropped++;
		} else {
			c->st.rx_frames++;
			c->st.rx_bytes += len;
			done++;
			rx(ctx, c->rxbuf + (size_t)c->rx_next * NIC_BUF_SIZE, len);
		}
		d->addr = c->rxbuf_pa + (uint64_t)c->rx_next * NIC_BUF_SIZE;
		d->status = 0;
		last = c->rx_next;
		c->rx_next = (uint16_t)((c->rx_next + 1) % E1000_NDESC);
		seen++;
	}
	if (seen) {
		barrier();
		wr(c, E1000_RDT, last);	/* the buffers just read go back */
	}
	return (int)done;
}

bool e1000_core_link_up(struct e1000_core *c)
{
	uint32_t s;

	if (!c->up)
		return false;
	s = rd(c, E1000_STATUS);
	return s != 0xffffffff && (s & E1000_STATUS_LU);
}
