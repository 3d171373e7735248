/* libFuzzer target for the guest side of the virtio-pci devices
 * (vmm/dev/pci.c, virtqueue.c, virtio_pci.c, virtio_net.c, virtio_rng.c,
 * virtio_console.c).
 *
 * Guest RAM is one heap block of exactly RAM_BYTES (ASan catches any
 * access past it; everything else the devices may touch is their own
 * structs). The input is a sequence of operations a guest (or the host
 * switch) can perform: guest RAM writes, config space and BAR accesses of
 * any size at any offset, kicks, a well-behaved driver's bring-up and
 * buffer posting (so that fuzzing starts from live rings), received
 * frames, PCI resets. After every operation: a queue the guest broke has
 * put its device into DEVICE_NEEDS_RESET, transmitted frames are of a
 * legal size, and every MSI message is one the guest programmed. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/dev/pci.h"
#include "vmm/dev/virtio_console.h"
#include "vmm/dev/virtio_net.h"
#include "vmm/dev/virtio_pci.h"
#include "vmm/dev/virtio_rng.h"
#include "tests/unit/support/fake_gm.h"
#include "tests/unit/support/virtio_drv.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", \
				#c, __LINE__); abort(); } } while (0)

#define RAM_BYTES 0x90000u	/* rings at 0x10000-0x42fff, buffers from 0x80000 */

static struct fake_gm g;
static struct pci_bus bus;
static struct virtio_net net;
static struct virtio_rng rng;
static struct virtio_console con;
static struct vdrv drv;

static const uint8_t *in;
static size_t left;

static uint64_t take(unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		v |= (uint64_t)(left ? *in : 0) << (8 * i);
		if (left) {
			in++;
			left--;
		}
	}
	return v;
}

static void msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct virtio_pci *vp = ctx;
	bool known = false;

	/* Only a message the guest wrote into the table goes out. */
	for (unsigned v = 0; v < vp->nvec; v++)
		if (((uint64_t)vp->msix[v].addr_hi << 32 | vp->msix[v].addr_lo) == addr &&
		    vp->msix[v].data == data && !(vp->msix[v].ctrl & 1))
			known = true;
	CHECK(known);
	CHECK(pci_func_bus_master(&vp->pci));
}

static void tx(void *ctx, const void *frame, size_t len)
{
	volatile uint8_t sum = 0;

	CHECK(len >= VIRTIO_NET_MIN_FRAME && len <= VIRTIO_NET_MAX_FRAME);
	for (size_t i = 0; i < len; i++)	/* every byte must be readable */
		sum ^= ((const uint8_t *)frame)[i];
	(void)sum;
}

static void con_out(void *ctx, const void *buf, size_t len)
{
	volatile uint8_t sum = 0;

	CHECK(len && len <= sizeof(con.buf));
	for (size_t i = 0; i < len; i++)
		sum ^= ((const uint8_t *)buf)[i];
	(void)sum;
}

static int fill(void *ctx, void *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return 0;
}

/* Selector bits: 0 rng, 6 console, else net; bits 2:1 a queue; bit 7
 * lets a bring-up ask for a feature never offered. */
static struct virtio_pci *dev_of(unsigned sel)
{
	return sel & 1 ? &rng.vp : sel & 0x40 ? &con.vp : &net.vp;
}

static unsigned devfn_of(unsigned sel)
{
	return sel & 1 ? 2 << 3 : sel & 0x40 ? 3 << 3 : 1 << 3;
}

static void check_broken(const struct virtio_pci *vp)
{
	for (unsigned i = 0; i < vp->d.nqueues; i++)
		if (vp->q[i].vq.broken)
			CHECK(vp->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void one_op(void)
{
	unsigned op = (unsigned)take(1) % 14, sel, size;
	uint64_t v, off;
	uint8_t frame[VIRTIO_NET_MAX_FRAME + 2];

	switch (op) {
	case 0: {	/* guest RAM write */
		uint64_t at = take(3) % RAM_BYTES;
		unsigned n = (unsigned)take(1);

		for (unsigned i = 0; i < n && left; i++)
			g.ram[(at + i) % RAM_BYTES] = (uint8_t)take(1);
		break;
	}
	case 1:		/* config space write through the ports */
		sel = (unsigned)take(1);
		off = take(1);
		size = 1u << (take(1) % 3);
		vdrv_cfg_write(&bus, sel & 0x80 ? (unsigned)take(1) : devfn_of(sel),
			       (unsigned)off, size, (uint32_t)take(4));
		break;
	case 2:		/* config space read */
		sel = (unsigned)take(1);
		(void)vdrv_cfg_read(&bus, devfn_of(sel), (unsigned)take(1), 1u << (take(1) % 3));
		break;
	case 3:		/* BAR write, any size */
		sel = (unsigned)take(1);
		off = take(2) % (VIRTIO_PCI_BAR_SIZE + VIRTIO_PCI_MSIX_SIZE + 16);
		size = (unsigned)take(1) % 9;
		v = take(8);
		pci_mmio_write(&bus, pci_func_bar_addr(&dev_of(sel)->pci, 0) + off - PCI_MMIO_BASE,
			       size, v);
		break;
	case 4:		/* BAR read */
		sel = (unsigned)take(1);
		off = take(2) % (VIRTIO_PCI_BAR_SIZE + VIRTIO_PCI_MSIX_SIZE + 16);
		pci_mmio_read(&bus, pci_func_bar_addr(&dev_of(sel)->pci, 0) + off - PCI_MMIO_BASE,
			      (unsigned)take(1) % 9, &v);
		break;
	case 5:		/* kick */
		sel = (unsigned)take(1);
		pci_mmio_write(&bus, pci_func_bar_addr(&dev_of(sel)->pci, 0) + VIRTIO_PCI_NOTIFY +
			       4 * (sel >> 1 & 3) - PCI_MMIO_BASE, 2, sel >> 1 & 3);
		break;
	case 6:		/* a well-behaved bring-up */
		sel = (unsigned)take(1);
		if (vdrv_probe(&drv, &bus, &g, devfn_of(sel)))
			vdrv_bringup(&drv, take(8) & (dev_of(sel)->features | (sel & 0x80 ? 1 : 0)),
				     dev_of(sel)->d.nqueues, (uint16_t)(1u << (take(1) % 9)));
		break;
	case 7: {	/* post a chain on the driver's last device */
		struct vdrv_seg s[8];
		unsigned q = (unsigned)take(1) % 2, n = 1 + (unsigned)take(1) % 8;

		if (!drv.bus || !drv.q[q].size)
			break;
		for (unsigned i = 0; i < n; i++) {
			s[i].gpa = VDRV_BUF_BASE + take(2);
			s[i].len = (uint32_t)take(2) % 0x2000;
			s[i].write = take(1) & 1;
		}
		vdrv_post(&drv, q, s, n);
		break;
	}
	case 8: {	/* a frame from the switch */
		size_t len = (size_t)take(2) % sizeof(frame);
		int r;

		memset(frame, (int)take(1), len);
		r = virtio_net_rx(&net, frame, len);
		CHECK(r == 0 || r == -ENOSPC || r == -EMSGSIZE || r == -ENODEV || r == -EIO);
		break;
	}
	case 9:
		pci_bus_reset(&bus);
		break;
	case 10:
		virtio_net_set_link(&net, take(1) & 1);
		break;
	case 11:	/* raw conf1 port access */
		off = take(1) % 8;
		size = 1u << (take(1) % 3);
		pci_conf1_write(&bus, off, size, take(4));
		break;
	case 13: {	/* console input */
		size_t len = (size_t)take(1) * 4;
		int r;

		memset(frame, (int)take(1), len);
		r = virtio_console_rx(&con, frame, len);
		CHECK((r >= 0 && (size_t)r <= len) || r == -ENOSPC || r == -ENODEV || r == -EIO);
		break;
	}
	case 12:	/* anywhere in the window */
		off = take(4) % PCI_MMIO_SIZE;
		size = (unsigned)take(1) % 9;
		if (take(1) & 1)
			pci_mmio_write(&bus, off, size, take(8));
		else
			pci_mmio_read(&bus, off, size, &v);
		break;
	}
	check_broken(&net.vp);
	check_broken(&rng.vp);
	check_broken(&con.vp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g.ram)
		fake_gm_init(&g, RAM_BYTES);
	memset(g.ram, 0, RAM_BYTES);
	memset(&drv, 0, sizeof(drv));
	pci_bus_init(&bus);
	CHECK(virtio_net_init(&net, &g.gm, msi, &net.vp, (const uint8_t *)"\x52\x54\0\0\0\1",
			      tx, NULL) == 0);
	CHECK(virtio_rng_init(&rng, &g.gm, msi, &rng.vp, fill, NULL) == 0);
	CHECK(pci_bus_add(&bus, &net.vp.pci, 1) == 0);
	CHECK(pci_bus_add(&bus, &rng.vp.pci, 2) == 0);
	CHECK(virtio_console_init(&con, &g.gm, msi, &con.vp, con_out, NULL) == 0);
	CHECK(pci_bus_add(&bus, &con.vp.pci, 3) == 0);
	in = data;
	left = size;
	for (unsigned n = 0; left && n < 256; n++)
		one_op();
	return 0;
}
