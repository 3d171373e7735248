/* virtio-pci, virtio-net and virtio-rng, seen from the guest: discovery
 * through conf1, negotiation and queue setup through the common config,
 * rings in a fake guest RAM (exact-size heap block: ASan fails the test
 * on any access outside it), MSI-X messages through the msi callback. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev/pci.h"
#include "vmm/dev/virtio_console.h"
#include "vmm/dev/virtio_net.h"
#include "vmm/dev/virtio_pci.h"
#include "vmm/dev/virtio_rng.h"
#include "tests/unit/support/fake_gm.h"
#include "tests/unit/support/virtio_drv.h"

#define RAM (1u << 20)
#define NET_SLOT 1
#define RNG_SLOT 2
#define NET_DEVFN (NET_SLOT << 3)
#define RNG_DEVFN (RNG_SLOT << 3)
#define CON_SLOT 3
#define CON_DEVFN (CON_SLOT << 3)
#define BASIC_NET (VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS)

static struct fake_gm g;
static struct pci_bus bus;
static struct virtio_net net;
static struct virtio_rng rng;
static struct virtio_console con;
static char con_out[512];
static size_t ncon_out;
static struct vdrv d;

static struct { uint64_t addr; uint32_t data; } msis[64];
static unsigned nmsi;
static uint8_t frames[8][2048];
static size_t frame_len[8];
static unsigned nframes;
static int fill_fail;

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	assert_true(nmsi < 64);
	msis[nmsi].addr = addr;
	msis[nmsi].data = data;
	nmsi++;
}

static void tx(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	assert_true(nframes < 8 && len <= 2048);
	memcpy(frames[nframes], frame, len);
	frame_len[nframes++] = len;
}

static int fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	if (fill_fail)
		return -EIO;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(0xa0 + i);
	return 0;
}

static void con_write(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	assert_true(len <= 256 && ncon_out + len <= sizeof(con_out));
	memcpy(con_out + ncon_out, buf, len);
	ncon_out += len;
}

static int setup(void **state)
{
	(void)state;
	fake_gm_init(&g, RAM);
	pci_bus_init(&bus);
	assert_int_equal(virtio_net_init(&net, &g.gm, msi, NULL, mac, tx, NULL), 0);
	assert_int_equal(virtio_rng_init(&rng, &g.gm, msi, NULL, fill, NULL), 0);
	assert_int_equal(pci_bus_add(&bus, &net.vp.pci, NET_SLOT), 0);
	assert_int_equal(pci_bus_add(&bus, &rng.vp.pci, RNG_SLOT), 0);
	assert_int_equal(virtio_console_init(&con, &g.gm, msi, NULL, con_write, NULL), 0);
	assert_int_equal(pci_bus_add(&bus, &con.vp.pci, CON_SLOT), 0);
	ncon_out = 0;
	nmsi = 0;
	nframes = 0;
	fill_fail = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_gm_free(&g);
	return 0;
}

static void net_up(void)
{
	assert_true(vdrv_probe(&d, &bus, &g, NET_DEVFN));
	assert_int_equal(vdrv_bringup(&d, BASIC_NET, 2, 256),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	nmsi = 0;
}

static uint8_t status(void)
{
	return (uint8_t)vdrv_common_read(&d, VIRTIO_PCI_COMMON_STATUS, 1);
}

/* ------------------------------------------------------------ discovery */

static void test_identity_and_caps(void **state)
{
	(void)state;
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, 0, 4), 0x10411af4u);
	assert_int_equal(vdrv_cfg_read(&bus, RNG_DEVFN, 0, 4), 0x10441af4u);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, PCI_REVISION_ID, 1), 1);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, 0x08, 4) >> 8, 0x020000);
	assert_true(vdrv_cfg_read(&bus, NET_DEVFN, PCI_SUBSYSTEM_ID, 2) >= 0x40);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	assert_true(vdrv_probe(&d, &bus, &g, NET_DEVFN));
	assert_int_equal(d.bar[0], PCI_MMIO_BASE + NET_SLOT * PCI_SLOT_WINDOW);
	assert_int_equal(d.bar[1], d.bar[0] + VIRTIO_PCI_BAR_SIZE);
	assert_int_equal(d.common, d.bar[0] + VIRTIO_PCI_COMMON);
	assert_int_equal(d.notify, d.bar[0] + VIRTIO_PCI_NOTIFY);
	assert_int_equal(d.notify_mult, VIRTIO_PCI_NOTIFY_MULT);
	assert_int_equal(d.isr, d.bar[0] + VIRTIO_PCI_ISR);
	assert_int_equal(d.device, d.bar[0] + VIRTIO_PCI_DEVCFG);
	assert_int_equal(d.device_len, VIRTIO_NET_CFG_LEN);
	assert_true(d.pcicfg_cap != 0);
	/* MSI-X: 3 vectors (config + rx + tx), table and PBA in BAR1. */
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, d.msix_cap + 2, 2), 2);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, d.msix_cap + 4, 4), 1);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, d.msix_cap + 8, 4),
			 VIRTIO_PCI_MSIX_PBA | 1);
	/* The rng has no device configuration. */
	assert_true(vdrv_probe(&d, &bus, &g, RNG_DEVFN));
	assert_int_equal(d.device_len, 0);
	assert_int_equal(vdrv_cfg_read(&bus, RNG_DEVFN, d.msix_cap + 2, 2), 1);
}

static void test_negotiation(void **state)
{
	(void)state;
	assert_true(vdrv_probe(&d, &bus, &g, NET_DEVFN));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_DF, 4),
			 (uint32_t)(VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_F_INDIRECT_DESC));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_DF, 4), 1);	/* VERSION_1 */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_DFSELECT, 4, 7);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_DF, 4), 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_NUMQ, 2), 2);
	/* Refused: no VERSION_1 (a legacy driver), a feature not offered. */
	assert_false(vdrv_negotiate(&d, VIRTIO_NET_F_MAC));
	assert_false(vdrv_negotiate(&d, VIRTIO_F_VERSION_1 | (1ull << 0)));	/* CSUM */
	assert_false(vdrv_negotiate(&d, VIRTIO_F_VERSION_1 | (1ull << 29)));	/* EVENT_IDX */
	assert_false(vdrv_negotiate(&d, VIRTIO_F_VERSION_1 | (1ull << 40)));
	assert_true(vdrv_negotiate(&d, VIRTIO_F_VERSION_1));
	assert_true(vdrv_negotiate(&d, BASIC_NET | VIRTIO_F_INDIRECT_DESC));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_GF, 4),
			 (uint32_t)(VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_F_INDIRECT_DESC));
	/* Features are frozen once FEATURES_OK is set. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_GF, 4, 0xffffffffu);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_GF, 4),
			 (uint32_t)(VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_F_INDIRECT_DESC));
	/* The driver cannot clear bits, nor set NEEDS_RESET. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE |
			  VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			 VIRTIO_STATUS_FEATURES_OK);
}

static void test_queue_registers(void **state)
{
	(void)state;
	assert_true(vdrv_probe(&d, &bus, &g, NET_DEVFN));
	vdrv_enable_msix(&d, 3);
	assert_true(vdrv_negotiate(&d, BASIC_NET));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 1);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 256);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	/* Linux's vp_modern_queue_vector(): a vector that does not exist
	 * reads back NO_VECTOR. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_MSIX, 2, 3);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_MSIX, 2), 2);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_MSIX, 2, 0x100);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	/* 64-bit addresses as halves or whole. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x12345000);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0x9);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 8), 0x912345000ull);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, 0xabcdef000ull);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_AVAILLO, 4), 0xbcdef000u);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_AVAILHI, 4), 0xa);
	/* Wrong widths are ignored: a byte write to queue_select. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 1, 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	/* Byte reads of anything work (here: the high byte of num_queues). */
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_NUMQ, 1), 2);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_NUMQ + 1, 1), 0);
	/* A queue that does not exist has size 0 and takes no writes. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 2);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0xffff);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	/* Past the structure, inside the BAR: zero. */
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_SIZE, 4), 0);
	assert_int_equal(vdrv_common_read(&d, 0xffc, 4), 0);
	assert_int_equal(vdrv_mmio_read(&bus, d.bar[0] + 0x3ffc, 4), 0);
	/* Enabled: addresses and size are frozen. */
	assert_true(vdrv_setup_queue(&d, 0, 128));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 128);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 8), VDRV_DESC(0));
	/* Reset clears every queue and the status. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(status(), 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 256);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 8), 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_GF, 4), 0);
}

/* ------------------------------------------------------------ virtio-net */

static void test_net_config(void **state)
{
	uint8_t gen;

	(void)state;
	net_up();
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(vdrv_mmio_read(&bus, d.device + i, 1), mac[i]);
	assert_int_equal(vdrv_mmio_read(&bus, d.device, 4), 0x12005452u);
	assert_int_equal(vdrv_mmio_read(&bus, d.device + 6, 2), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(vdrv_mmio_read(&bus, d.device + 8, 2), 1);
	assert_int_equal(vdrv_mmio_read(&bus, d.device + 10, 2), 0);	/* past cfg_len */
	assert_int_equal(vdrv_mmio_read(&bus, d.device + 9, 2), 0);	/* straddles it */
	vdrv_mmio_write(&bus, d.device, 1, 0xff);			/* read-only */
	assert_int_equal(vdrv_mmio_read(&bus, d.device, 1), mac[0]);
	gen = (uint8_t)vdrv_common_read(&d, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	virtio_net_set_link(&net, false);
	assert_int_equal(vdrv_mmio_read(&bus, d.device + 6, 2), 0);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_CFGGENERATION, 1), (uint8_t)(gen + 1));
	/* The config change on vector 0; the ISR says so, once. */
	assert_int_equal(nmsi, 1);
	assert_int_equal(msis[0].addr, VDRV_MSI_ADDR);
	assert_int_equal(msis[0].data, VDRV_MSI_DATA(0));
	assert_int_equal(vdrv_mmio_read(&bus, d.isr, 1), 2);
	assert_int_equal(vdrv_mmio_read(&bus, d.isr, 1), 0);
	virtio_net_set_link(&net, false);
	assert_int_equal(nmsi, 1);
	assert_int_equal(virtio_net_rx(&net, "0123456789abcdef", 16), -ENODEV);
	assert_int_equal(net.st.rx_drop_down, 1);
}

static void test_net_tx(void **state)
{
	uint8_t frame[60];
	uint32_t id, len;
	struct vdrv_seg s[2] = {
		{ VDRV_BUF_BASE, VIRTIO_NET_HDR_LEN, false },
		{ VDRV_BUF_BASE + 0x100, sizeof(frame), false },
	};

	(void)state;
	net_up();
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	memset(g.ram + VDRV_BUF_BASE, 0, VIRTIO_NET_HDR_LEN);
	memcpy(g.ram + VDRV_BUF_BASE + 0x100, frame, sizeof(frame));
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);
	assert_int_equal(nframes, 0);			/* nothing before the kick */
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 1);
	assert_int_equal(frame_len[0], sizeof(frame));
	assert_memory_equal(frames[0], frame, sizeof(frame));
	assert_true(vdrv_used(&d, VIRTIO_NET_TXQ, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	assert_int_equal(nmsi, 1);
	assert_int_equal(msis[0].data, VDRV_MSI_DATA(2));	/* tx queue -> vector 2 */
	assert_int_equal(net.st.tx_frames, 1);
	assert_int_equal(net.st.tx_bytes, sizeof(frame));
	/* Header and frame in one buffer (any layout, VERSION_1). */
	s[0].len = VIRTIO_NET_HDR_LEN + 20;
	memcpy(g.ram + VDRV_BUF_BASE + VIRTIO_NET_HDR_LEN, frame, 20);
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 1);
	/* The driver suppressed interrupts: used, but no message. */
	g.ram[VDRV_AVAIL(VIRTIO_NET_TXQ)] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 2);
	assert_int_equal(frame_len[1], 20);
	assert_true(vdrv_used(&d, VIRTIO_NET_TXQ, &id, &len));
	assert_int_equal(nmsi, 1);
	/* A kick on the receive queue, or on no queue, sends nothing. */
	vdrv_kick(&d, VIRTIO_NET_RXQ);
	vdrv_kick(&d, 3);
	vdrv_mmio_write(&bus, d.notify + 2, 2, 1);	/* not on a multiple */
	assert_int_equal(nframes, 2);
}

static void test_net_tx_drops(void **state)
{
	uint32_t id, len;
	struct vdrv_seg s[2] = {
		{ VDRV_BUF_BASE, VIRTIO_NET_HDR_LEN, false },
		{ VDRV_BUF_BASE + 0x1000, 13, false },
	};

	(void)state;
	net_up();
	memset(g.ram + VDRV_BUF_BASE, 0, 0x2000);
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);		/* 13 bytes: runt */
	s[1].len = VIRTIO_NET_MAX_FRAME + 1;
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);		/* giant */
	s[0].len = 11;
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 1);		/* no room for the header */
	s[0].len = VIRTIO_NET_HDR_LEN;
	s[1].len = 60;
	g.ram[VDRV_BUF_BASE + 1] = 1;			/* gso_type TCPv4 */
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 0);
	assert_int_equal(net.st.tx_drop_size, 2);
	assert_int_equal(net.st.tx_drop_hdr, 2);
	/* Every buffer came back, the device still works. */
	for (int i = 0; i < 4; i++)
		assert_true(vdrv_used(&d, VIRTIO_NET_TXQ, &id, &len));
	assert_false(vdrv_used(&d, VIRTIO_NET_TXQ, &id, &len));
	g.ram[VDRV_BUF_BASE + 1] = 0;
	s[1].len = VIRTIO_NET_MAX_FRAME;
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 1);
	assert_int_equal(frame_len[0], VIRTIO_NET_MAX_FRAME);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_net_rx(void **state)
{
	static const char frame[] = "\xff\xff\xff\xff\xff\xff\x52\x54\x00\x00\x00\x01\x08\x06payload";
	size_t flen = sizeof(frame) - 1;
	uint32_t id, len;
	struct vdrv_seg s = { VDRV_BUF_BASE, 1526, true };

	(void)state;
	net_up();
	assert_int_equal(virtio_net_rx(&net, frame, flen), -ENOSPC);
	assert_int_equal(net.st.rx_drop_nobuf, 1);
	memset(g.ram + VDRV_BUF_BASE, 0xee, 2048);
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	vdrv_kick(&d, VIRTIO_NET_RXQ);
	assert_int_equal(virtio_net_rx(&net, frame, flen), 0);
	assert_true(vdrv_used(&d, VIRTIO_NET_RXQ, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, VIRTIO_NET_HDR_LEN + flen);
	/* 5.1.6.4: no offload info, num_buffers 1. */
	assert_int_equal(g.ram[VDRV_BUF_BASE], 0);
	assert_int_equal(g.ram[VDRV_BUF_BASE + 1], 0);
	assert_int_equal(g.ram[VDRV_BUF_BASE + 10], 1);
	assert_int_equal(g.ram[VDRV_BUF_BASE + 11], 0);
	assert_memory_equal(g.ram + VDRV_BUF_BASE + VIRTIO_NET_HDR_LEN, frame, flen);
	assert_int_equal(g.ram[VDRV_BUF_BASE + VIRTIO_NET_HDR_LEN + flen], 0xee);
	assert_int_equal(nmsi, 1);
	assert_int_equal(msis[0].data, VDRV_MSI_DATA(1));	/* rx queue -> vector 1 */
	assert_int_equal(net.st.rx_frames, 1);
	assert_int_equal(net.st.rx_bytes, flen);
	/* Consumed: the next frame has no buffer. */
	assert_int_equal(virtio_net_rx(&net, frame, flen), -ENOSPC);
	assert_int_equal(net.st.rx_drop_nobuf, 2);
	/* Sizes the device refuses before touching the queue. */
	assert_int_equal(virtio_net_rx(&net, frame, 13), -EMSGSIZE);
	assert_int_equal(virtio_net_rx(&net, g.ram, VIRTIO_NET_MAX_FRAME + 1), -EMSGSIZE);
	assert_int_equal(net.st.rx_drop_size, 2);
	/* A buffer too small for the frame comes back empty. */
	s.len = VIRTIO_NET_HDR_LEN + 10;
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	assert_int_equal(virtio_net_rx(&net, frame, flen), -EMSGSIZE);
	assert_true(vdrv_used(&d, VIRTIO_NET_RXQ, &id, &len));
	assert_int_equal(len, 0);
	assert_int_equal(net.st.rx_drop_small_buf, 1);
	/* Split header/data buffers (what a driver with big buffers posts). */
	struct vdrv_seg two[2] = {
		{ VDRV_BUF_BASE + 0x1000, VIRTIO_NET_HDR_LEN, true },
		{ VDRV_BUF_BASE + 0x2000, 1514, true },
	};
	vdrv_post(&d, VIRTIO_NET_RXQ, two, 2);
	assert_int_equal(virtio_net_rx(&net, frame, flen), 0);
	assert_memory_equal(g.ram + VDRV_BUF_BASE + 0x2000, frame, flen);
	assert_int_equal(g.ram[VDRV_BUF_BASE + 0x1000 + 10], 1);
}

static void test_net_rx_before_driver_ok(void **state)
{
	static const char frame[20] = "0123456789abcdefghi";
	struct vdrv_seg s = { VDRV_BUF_BASE, 1526, true };

	(void)state;
	assert_true(vdrv_probe(&d, &bus, &g, NET_DEVFN));
	vdrv_enable_msix(&d, 3);
	assert_true(vdrv_negotiate(&d, BASIC_NET));
	assert_true(vdrv_setup_queue(&d, 0, 64));
	assert_true(vdrv_setup_queue(&d, 1, 64));
	/* virtio-net posts receive buffers before DRIVER_OK: kept, unused. */
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	vdrv_kick(&d, VIRTIO_NET_RXQ);
	assert_int_equal(virtio_net_rx(&net, frame, sizeof(frame)), -ENODEV);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_STATUS, 1, status() | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(virtio_net_rx(&net, frame, sizeof(frame)), 0);
}

/* ----------------------------------------------------- MSI-X and PCI */

static void test_msix_masking(void **state)
{
	static const char frame[20] = "0123456789abcdefghi";
	struct vdrv_seg s = { VDRV_BUF_BASE, 1526, true };
	uint64_t tbl;

	(void)state;
	net_up();
	tbl = d.bar[1];
	/* Mask vector 1 (rx): the message waits in the PBA. */
	vdrv_mmio_write(&bus, tbl + 16 + 12, 4, 1);
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	assert_int_equal(virtio_net_rx(&net, frame, sizeof(frame)), 0);
	assert_int_equal(nmsi, 0);
	assert_int_equal(vdrv_mmio_read(&bus, tbl + VIRTIO_PCI_MSIX_PBA, 8), 2);
	assert_int_equal(vdrv_mmio_read(&bus, tbl + VIRTIO_PCI_MSIX_PBA, 4), 2);
	/* Table reads back what was written, dword or qword. */
	assert_int_equal(vdrv_mmio_read(&bus, tbl + 16, 4), VDRV_MSI_ADDR);
	assert_int_equal(vdrv_mmio_read(&bus, tbl + 16 + 8, 8), VDRV_MSI_DATA(1) | 1ull << 32);
	/* Odd sizes and offsets: nothing. */
	assert_int_equal(vdrv_mmio_read(&bus, tbl + 16, 2), 0);
	assert_int_equal(vdrv_mmio_read(&bus, tbl + 18, 4), 0);
	vdrv_mmio_write(&bus, tbl + 16 + 12, 1, 0);
	vdrv_mmio_write(&bus, tbl + 16 + 14, 2, 0);
	assert_int_equal(nmsi, 0);
	/* Unmask: delivered, pending bit cleared. */
	vdrv_mmio_write(&bus, tbl + 16 + 12, 4, 0);
	assert_int_equal(nmsi, 1);
	assert_int_equal(msis[0].data, VDRV_MSI_DATA(1));
	assert_int_equal(vdrv_mmio_read(&bus, tbl + VIRTIO_PCI_MSIX_PBA, 8), 0);
	/* Function mask through config space: same. */
	vdrv_cfg_write(&bus, NET_DEVFN, d.msix_cap + 2, 2, 0xc000);
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	assert_int_equal(virtio_net_rx(&net, frame, sizeof(frame)), 0);
	assert_int_equal(nmsi, 1);
	assert_int_equal(vdrv_mmio_read(&bus, tbl + VIRTIO_PCI_MSIX_PBA, 4), 2);
	vdrv_cfg_write(&bus, NET_DEVFN, d.msix_cap + 2, 2, 0x8000);
	assert_int_equal(nmsi, 2);
	/* The PBA and table-size bits are read-only. */
	vdrv_mmio_write(&bus, tbl + VIRTIO_PCI_MSIX_PBA, 4, 0xff);
	assert_int_equal(vdrv_mmio_read(&bus, tbl + VIRTIO_PCI_MSIX_PBA, 4), 0);
	vdrv_cfg_write(&bus, NET_DEVFN, d.msix_cap + 2, 2, 0xffff);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, d.msix_cap + 2, 2), 0xc002);
	/* Table entries past the last vector do not exist. */
	vdrv_mmio_write(&bus, tbl + 48, 4, 0x1234);
	assert_int_equal(vdrv_mmio_read(&bus, tbl + 48, 4), 0);
	/* MSI-X disabled: no message at all (no INTx either), ISR only. */
	vdrv_cfg_write(&bus, NET_DEVFN, d.msix_cap + 2, 2, 0);
	vdrv_mmio_read(&bus, d.isr, 1);
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	assert_int_equal(virtio_net_rx(&net, frame, sizeof(frame)), 0);
	assert_int_equal(nmsi, 2);
	assert_int_equal(vdrv_mmio_read(&bus, d.isr, 1), 1);
}

static void test_bus_master_off_no_dma(void **state)
{
	static const char frame[20] = "0123456789abcdefghi";
	struct vdrv_seg s = { VDRV_BUF_BASE, 1526, true };
	struct vdrv_seg t[1] = { { VDRV_BUF_BASE + 0x1000, 40, false } };
	unsigned long maps;

	(void)state;
	net_up();
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	vdrv_post(&d, VIRTIO_NET_TXQ, t, 1);
	vdrv_cfg_write(&bus, NET_DEVFN, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	maps = g.maps;
	assert_int_equal(virtio_net_rx(&net, frame, sizeof(frame)), -ENODEV);
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(g.maps, maps);		/* guest RAM untouched */
	assert_int_equal(nframes, 0);
	assert_int_equal(vdrv_used_idx(&d, VIRTIO_NET_RXQ), 0);
	/* Back on: work resumes. */
	vdrv_cfg_write(&bus, NET_DEVFN, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 1);
	assert_int_equal(virtio_net_rx(&net, frame, sizeof(frame)), 0);
	/* Memory decoding off: the BAR does not answer at all. */
	vdrv_cfg_write(&bus, NET_DEVFN, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_NUMQ, 2), 0xffff);
}

static void test_pci_cfg_window(void **state)
{
	unsigned c;

	(void)state;
	net_up();
	c = d.pcicfg_cap;
	/* 4.1.4.7: read num_queues through config space. */
	vdrv_cfg_write(&bus, NET_DEVFN, c + 4, 1, 0);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 8, 4, VIRTIO_PCI_COMMON + VIRTIO_PCI_COMMON_NUMQ);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 12, 4, 2);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, c + 16, 2), 2);
	/* Write the status through it: reset. */
	vdrv_cfg_write(&bus, NET_DEVFN, c + 8, 4, VIRTIO_PCI_COMMON + VIRTIO_PCI_COMMON_STATUS);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 12, 4, 1);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, c + 16, 1) & VIRTIO_STATUS_DRIVER_OK,
			 VIRTIO_STATUS_DRIVER_OK);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 16, 1, 0);
	assert_int_equal(status(), 0);
	/* Bad windows do nothing: length 3, unaligned, other BAR, past it. */
	vdrv_cfg_write(&bus, NET_DEVFN, c + 12, 4, 3);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, c + 16, 1), 0);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 12, 4, 2);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 8, 4, VIRTIO_PCI_COMMON + 0x13);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 16, 4, 0xffffffffu);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 8, 4, 0xfffffffeu);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 16, 4, 0xffffffffu);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 4, 1, 1);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 8, 4, 0);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 16, 4, 0xffffffffu);
	assert_int_equal(status(), 0);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 4, 1, 0);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 8, 4, VIRTIO_PCI_ISR);
	vdrv_cfg_write(&bus, NET_DEVFN, c + 12, 4, 1);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, c + 16, 1), 0);
}

/* --------------------------------------------------------- hostile guest */

static void expect_needs_reset_with_config_irq(void)
{
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(nmsi >= 1);
	assert_int_equal(msis[nmsi - 1].data, VDRV_MSI_DATA(0));
}

static void test_tx_loop_breaks_device(void **state)
{
	uint8_t *desc = g.ram + VDRV_DESC(VIRTIO_NET_TXQ);
	struct vdrv_seg s[2] = {
		{ VDRV_BUF_BASE, VIRTIO_NET_HDR_LEN, false },
		{ VDRV_BUF_BASE + 0x100, 60, false },
	};
	uint16_t next = 0;

	(void)state;
	net_up();
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);
	memcpy(desc + 16 + 14, &next, 2);		/* desc 1 -> desc 0 */
	desc[16 + 12] |= VIRTQ_DESC_F_NEXT;
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	expect_needs_reset_with_config_irq();
	assert_int_equal(net.st.ring_errors, 1);
	assert_int_equal(nframes, 0);
	assert_int_equal(vdrv_used_idx(&d, VIRTIO_NET_TXQ), 0);
	/* Nothing is processed until reset... */
	memcpy(desc + 16 + 12, &next, 2);
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 0);
	assert_int_equal(virtio_net_rx(&net, "0123456789abcdef", 16), -ENODEV);
	/* ...and a reset brings it back. */
	net_up();
	memset(g.ram + VDRV_BUF_BASE, 0, VIRTIO_NET_HDR_LEN);
	vdrv_post(&d, VIRTIO_NET_TXQ, s, 2);
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 1);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_rx_bad_buffer_breaks_device(void **state)
{
	struct vdrv_seg s = { RAM - 100, 1526, true };	/* past the end of RAM */

	(void)state;
	net_up();
	vdrv_post(&d, VIRTIO_NET_RXQ, &s, 1);
	assert_int_equal(virtio_net_rx(&net, "0123456789abcdef", 16), -EIO);
	expect_needs_reset_with_config_irq();
	assert_int_equal(net.vp.q[VIRTIO_NET_RXQ].vq.err, VQ_ERR_DESC_ADDR);
}

static void test_avail_jump_breaks_device(void **state)
{
	uint16_t idx = 257;

	(void)state;
	net_up();
	memcpy(g.ram + VDRV_AVAIL(VIRTIO_NET_TXQ) + 2, &idx, 2);
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	expect_needs_reset_with_config_irq();
	assert_int_equal(net.vp.q[VIRTIO_NET_TXQ].vq.err, VQ_ERR_AVAIL_IDX);
}

static void test_indirect_only_if_negotiated(void **state)
{
	uint8_t *desc = g.ram + VDRV_DESC(VIRTIO_NET_TXQ);
	struct virtq_desc ind[2] = {
		{ VDRV_BUF_BASE, VIRTIO_NET_HDR_LEN, VIRTQ_DESC_F_NEXT, 1 },
		{ VDRV_BUF_BASE + 0x100, 60, 0, 0 },
	};
	struct vdrv_seg s = { VDRV_BUF_BASE + 0x800, sizeof(ind), false };

	(void)state;
	memcpy(g.ram + VDRV_BUF_BASE + 0x800, ind, sizeof(ind));
	memset(g.ram + VDRV_BUF_BASE, 0, VIRTIO_NET_HDR_LEN);
	/* Negotiated: Linux's indirect transmit works. */
	assert_true(vdrv_probe(&d, &bus, &g, NET_DEVFN));
	vdrv_bringup(&d, BASIC_NET | VIRTIO_F_INDIRECT_DESC, 2, 256);
	vdrv_post(&d, VIRTIO_NET_TXQ, &s, 1);
	desc[12] |= VIRTQ_DESC_F_INDIRECT;
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 1);
	assert_int_equal(frame_len[0], 60);
	/* Not negotiated: the device refuses the ring. */
	nmsi = 0;
	vdrv_bringup(&d, BASIC_NET, 2, 256);
	vdrv_post(&d, VIRTIO_NET_TXQ, &s, 1);
	desc[12] |= VIRTQ_DESC_F_INDIRECT;
	vdrv_kick(&d, VIRTIO_NET_TXQ);
	assert_int_equal(nframes, 1);
	expect_needs_reset_with_config_irq();
}

static void test_queue_enable_refused(void **state)
{
	(void)state;
	assert_true(vdrv_probe(&d, &bus, &g, NET_DEVFN));
	vdrv_enable_msix(&d, 3);
	/* Before FEATURES_OK. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_false(vdrv_setup_queue(&d, 0, 256));
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	/* Rings outside RAM. */
	assert_true(vdrv_negotiate(&d, BASIC_NET));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 8, RAM - 0x100);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, VDRV_AVAIL(0));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_USEDLO, 8, VDRV_USED(0));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	/* Sizes: not a power of two, bigger than offered, zero. */
	static const uint16_t bad[] = { 100, 512, 0 };
	for (unsigned k = 0; k < 3; k++) {
		assert_true(vdrv_negotiate(&d, BASIC_NET));
		vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 1);
		vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SIZE, 2, bad[k]);
		vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 8, VDRV_DESC(1));
		vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, VDRV_AVAIL(1));
		vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_USEDLO, 8, VDRV_USED(1));
		vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
		assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
		assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	}
	/* Misaligned used ring. */
	assert_true(vdrv_negotiate(&d, BASIC_NET));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 1);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_DESCLO, 8, VDRV_DESC(1));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, VDRV_AVAIL(1));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_USEDLO, 8, VDRV_USED(1) + 2);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	/* DRIVER_OK without FEATURES_OK. */
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE |
			  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_odd_bar_accesses(void **state)
{
	(void)state;
	net_up();
	/* Sizes the bus never produces, offsets everywhere: no crash, no
	 * effect, the device keeps working. */
	for (uint64_t off = 0; off < VIRTIO_PCI_BAR_SIZE; off += 0x7f) {
		for (unsigned size = 0; size <= 9; size++) {
			uint64_t v;

			if (off == VIRTIO_PCI_COMMON_STATUS || off == VIRTIO_PCI_COMMON_Q_ENABLE)
				continue;
			pci_mmio_read(&bus, d.bar[0] + off - PCI_MMIO_BASE, size, &v);
			if (off >= VIRTIO_PCI_NOTIFY)
				continue;
			pci_mmio_write(&bus, d.bar[0] + off - PCI_MMIO_BASE, size, 0);
		}
	}
	for (uint64_t off = 0; off < VIRTIO_PCI_MSIX_SIZE; off += 3) {
		uint64_t v;

		pci_mmio_read(&bus, d.bar[1] + off - PCI_MMIO_BASE, 4, &v);
	}
	assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, 0);
	assert_true(status() & VIRTIO_STATUS_DRIVER_OK);
}

/* ------------------------------------------------------------ virtio-rng */

static void test_rng(void **state)
{
	uint32_t id, len;
	struct vdrv_seg s[2] = {
		{ VDRV_BUF_BASE, 16, true },
		{ VDRV_BUF_BASE + 0x100, 8, true },
	};

	(void)state;
	assert_true(vdrv_probe(&d, &bus, &g, RNG_DEVFN));
	assert_true(vdrv_bringup(&d, VIRTIO_F_VERSION_1, 1, 64) & VIRTIO_STATUS_DRIVER_OK);
	vdrv_post(&d, 0, s, 2);
	vdrv_kick(&d, 0);
	assert_true(vdrv_used(&d, 0, &id, &len));
	assert_int_equal(len, 24);
	assert_int_equal(g.ram[VDRV_BUF_BASE], 0xa0);
	assert_int_equal(g.ram[VDRV_BUF_BASE + 15], 0xaf);
	assert_int_equal(g.ram[VDRV_BUF_BASE + 0x107], 0xa7);
	assert_int_equal(nmsi, 1);
	assert_int_equal(msis[0].data, VDRV_MSI_DATA(1));
	assert_int_equal(rng.bytes, 24);
	/* The generator fails: the request completes empty. */
	fill_fail = 1;
	vdrv_post(&d, 0, s, 1);
	vdrv_kick(&d, 0);
	assert_true(vdrv_used(&d, 0, &id, &len));
	assert_int_equal(len, 0);
	assert_int_equal(rng.fill_errors, 1);
	/* A readable-only request gets nothing (no buffer to fill). */
	fill_fail = 0;
	s[0].write = false;
	vdrv_post(&d, 0, s, 1);
	vdrv_kick(&d, 0);
	assert_true(vdrv_used(&d, 0, &id, &len));
	assert_int_equal(len, 0);
	assert_int_equal(g.ram[VDRV_BUF_BASE], 0xa0);
}

static void test_rng_kick_before_driver_ok_replayed(void **state)
{
	uint32_t id, len;
	struct vdrv_seg s = { VDRV_BUF_BASE, 4, true };

	(void)state;
	assert_true(vdrv_probe(&d, &bus, &g, RNG_DEVFN));
	vdrv_enable_msix(&d, 2);
	assert_true(vdrv_negotiate(&d, VIRTIO_F_VERSION_1));
	assert_true(vdrv_setup_queue(&d, 0, 64));
	vdrv_post(&d, 0, &s, 1);
	vdrv_kick(&d, 0);
	assert_false(vdrv_used(&d, 0, &id, &len));
	vdrv_common_write(&d, VIRTIO_PCI_COMMON_STATUS, 1, status() | VIRTIO_STATUS_DRIVER_OK);
	assert_true(vdrv_used(&d, 0, &id, &len));
	assert_int_equal(len, 4);
}

/* -------------------------------------------------------- virtio-console */

static void test_console(void **state)
{
	uint32_t id, len;
	struct vdrv_seg out[2] = {
		{ VDRV_BUF_BASE, 5, false },
		{ VDRV_BUF_BASE + 0x1000, 300, false },
	};
	struct vdrv_seg in[2] = {
		{ VDRV_BUF_BASE + 0x2000, 4, true },
		{ VDRV_BUF_BASE + 0x3000, 4, true },
	};

	(void)state;
	assert_int_equal(vdrv_cfg_read(&bus, CON_DEVFN, 0, 4), 0x10431af4u);
	assert_true(vdrv_probe(&d, &bus, &g, CON_DEVFN));
	assert_int_equal(d.device_len, VIRTIO_CONSOLE_CFG_LEN);
	assert_int_equal(virtio_console_rx(&con, "x", 1), -ENODEV);
	assert_true(vdrv_bringup(&d, VIRTIO_F_VERSION_1, 2, 64) & VIRTIO_STATUS_DRIVER_OK);
	nmsi = 0;
	/* Output: 305 bytes over two buffers, handed out in pieces. */
	memcpy(g.ram + VDRV_BUF_BASE, "hello", 5);
	memset(g.ram + VDRV_BUF_BASE + 0x1000, '.', 300);
	vdrv_post(&d, VIRTIO_CONSOLE_TXQ, out, 2);
	vdrv_kick(&d, VIRTIO_CONSOLE_TXQ);
	assert_int_equal(ncon_out, 305);
	assert_memory_equal(con_out, "hello..", 7);
	assert_int_equal(con.tx_bytes, 305);
	assert_true(vdrv_used(&d, VIRTIO_CONSOLE_TXQ, &id, &len));
	assert_int_equal(nmsi, 1);
	assert_int_equal(msis[0].data, VDRV_MSI_DATA(2));
	/* Input: none posted, then two 4-byte buffers for 10 bytes. */
	assert_int_equal(virtio_console_rx(&con, "0123456789", 10), -ENOSPC);
	vdrv_post(&d, VIRTIO_CONSOLE_RXQ, &in[0], 1);
	vdrv_post(&d, VIRTIO_CONSOLE_RXQ, &in[1], 1);
	assert_int_equal(virtio_console_rx(&con, "0123456789", 10), 8);
	assert_memory_equal(g.ram + VDRV_BUF_BASE + 0x2000, "0123", 4);
	assert_memory_equal(g.ram + VDRV_BUF_BASE + 0x3000, "4567", 4);
	assert_true(vdrv_used(&d, VIRTIO_CONSOLE_RXQ, &id, &len));
	assert_int_equal(len, 4);
	assert_true(vdrv_used(&d, VIRTIO_CONSOLE_RXQ, &id, &len));
	assert_int_equal(len, 4);
	assert_int_equal(con.rx_drops, 1 + 10 + 2);
	/* A broken receive ring: the device needs a reset. */
	in[0].gpa = RAM - 2;
	vdrv_post(&d, VIRTIO_CONSOLE_RXQ, &in[0], 1);
	assert_int_equal(virtio_console_rx(&con, "ab", 2), -EIO);
	expect_needs_reset_with_config_irq();
}

static void test_vm_reset(void **state)
{
	(void)state;
	net_up();
	pci_bus_reset(&bus);
	assert_int_equal(vdrv_common_read(&d, VIRTIO_PCI_COMMON_STATUS, 1), 0);
	/* Vectors come out of reset masked, MSI-X off, bus master off. */
	assert_int_equal(vdrv_mmio_read(&bus, d.bar[1] + 12, 4), 1);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, d.msix_cap + 2, 2), 2);
	assert_int_equal(vdrv_cfg_read(&bus, NET_DEVFN, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	/* And it comes up again. */
	net_up();
	assert_true(status() & VIRTIO_STATUS_DRIVER_OK);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity_and_caps),
		T(test_negotiation),
		T(test_queue_registers),
		T(test_net_config),
		T(test_net_tx),
		T(test_net_tx_drops),
		T(test_net_rx),
		T(test_net_rx_before_driver_ok),
		T(test_msix_masking),
		T(test_bus_master_off_no_dma),
		T(test_pci_cfg_window),
		T(test_tx_loop_breaks_device),
		T(test_rx_bad_buffer_breaks_device),
		T(test_avail_jump_breaks_device),
		T(test_indirect_only_if_negotiated),
		T(test_queue_enable_refused),
		T(test_odd_bar_accesses),
		T(test_rng),
		T(test_rng_kick_before_driver_ok_replayed),
		T(test_console),
		T(test_vm_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
