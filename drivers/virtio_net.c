/*
 * Host virtio-net PCI driver: finds the device, locates its virtio 1.x
 * configuration windows through the vendor capabilities (virtio 1.1,
 * 4.1.4), maps them, and runs drivers/virtio_net_ring.c over them.
 */
#include <errno.h>
#include "drivers/pci.h"
#include "drivers/virtio_net.h"
#include "drivers/virtio_net_ring.h"
#include "kernel/log.h"

#define VIRTIO_PCI_VENDOR 0x1af4

/* virtio_pci_cap.cfg_type (4.1.4) */
#define VCAP_COMMON 1
#define VCAP_NOTIFY 2
#define VCAP_ISR    3
#define VCAP_DEVICE 4

struct window {
	volatile uint8_t *va;
	uint32_t len;
};

/* [I] after probe; one uplink */
static struct {
	struct pci_dev pci;
	struct window win[4];	/* by enum vnet_area */
	struct vnet_core core;
	struct nic nic;
	uint64_t last_log;
} vn;

/* Accesses outside a window read as ones and are not written: a short
 * BAR never makes us touch a neighbour's registers. */
static uint32_t win_read(void *ctx, enum vnet_area a, uint32_t off, unsigned size)
{
	const struct window *w = &vn.win[a];
	volatile uint8_t *p = w->va + off;

	if (!w->va || off > w->len || size > w->len - off)
		return 0xffffffff;
	switch (size) {
	case 1: return *p;
	case 2: return *(volatile uint16_t *)p;
	default: return *(volatile uint32_t *)p;
	}
}

static void win_write(void *ctx, enum vnet_area a, uint32_t off, unsigned size,
		      uint32_t v)
{
	const struct window *w = &vn.win[a];
	volatile uint8_t *p = w->va + off;

	if (!w->va || off > w->len || size > w->len - off)
		return;
	switch (size) {
	case 1: *p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	default: *(volatile uint32_t *)p = v; break;
	}
}

/* Maps the window of the first capability of each type (4.1.4.1: the
 * driver should use the first one it can). */
static int find_windows(const struct pci_dev *d)
{
	static const enum vnet_area area[5] = {
		[VCAP_COMMON] = VNET_COMMON, [VCAP_NOTIFY] = VNET_NOTIFY,
		[VCAP_ISR] = VNET_ISR, [VCAP_DEVICE] = VNET_DEVICE,
	};
	bool have[4] = { false };

	for (uint8_t p = pci_find_cap(d, PCI_CAP_VENDOR, 0); p;
	     p = pci_find_cap(d, PCI_CAP_VENDOR, p)) {
		uint8_t type = pci_read8(d, p + 3), bar = pci_read8(d, p + 4);
		uint32_t off = pci_read32(d, p + 8), len = pci_read32(d, p + 12);
		volatile uint8_t *base;
		enum vnet_area a;

		if (type < VCAP_COMMON || type > VCAP_DEVICE || bar >= 6)
			continue;
		a = area[type];
		if (have[a] || d->bar[bar].io ||
		    (uint64_t)off + len > d->bar[bar].size)
			continue;
		base = pci_map_bar(d, bar);
		if (!base)
			continue;
		if (type == VCAP_NOTIFY)
			vn.core.regs.notify_mult = pci_read32(d, p + 16);
		vn.win[a].va = base + off;
		vn.win[a].len = len;
		have[a] = true;
	}
	/* The device window is optional for the driver (MAC, STATUS). */
	return have[VNET_COMMON] && have[VNET_NOTIFY] ? 0 : -ENODEV;
}

static int nic_tx(struct nic *n, const void *frame, size_t len)
{
	return vnet_core_tx(&vn.core, frame, len);
}

static int nic_poll(struct nic *n, nic_rx_fn rx, void *ctx, unsigned budget)
{
	int r = vnet_core_poll(&vn.core, rx, ctx, budget);

	if (r < 0 && nic_log_ratelimit(&vn.last_log))
		pr_warn("virtio-net: %s: device reset (%llu errors), %s",
			vn.core.err ? vn.core.err : "error",
			(unsigned long long)vn.core.st.dev_errors,
			vn.core.up ? "running again" : "still down");
	return r;
}

static bool nic_link_up(struct nic *n)
{
	return vnet_core_link_up(&vn.core);
}

static void nic_stats(struct nic *n, struct nic_stats *s)
{
	*s = vn.core.st;
}

int virtio_net_probe(struct nic **out)
{
	static const uint16_t ids[] = { 0x1041, 0x1000 };
	int r;

	if (pci_find(VIRTIO_PCI_VENDOR, ids, 2, &vn.pci))
		return -ENODEV;
	/* A transitional 0x1000 is a network device only with subsystem id
	 * 1 (4.1.2.1); modern ids say so themselves. */
	if (vn.pci.device == 0x1000 && pci_read16(&vn.pci, 0x2e) != 1)
		return -ENODEV;
	if (find_windows(&vn.pci)) {
		pr_warn("virtio-net: %02x:%02x.%u has no virtio 1.x capabilities",
			vn.pci.bus, vn.pci.dev, vn.pci.fn);
		return -ENODEV;
	}
	pci_enable(&vn.pci);
	vn.core.regs.read = win_read;
	vn.core.regs.write = win_write;
	vn.core.regs.delay_us = nic_delay_us;
	vn.core.dma = nic_kernel_dma;
	r = vnet_core_init(&vn.core);
	if (r) {
		pr_warn("virtio-net: bring-up failed (%d)", r);
		return r;
	}
	vn.nic.name = "virtio-net";
	for (int i = 0; i < 6; i++)
		vn.nic.mac[i] = vn.core.mac[i];
	vn.nic.tx = nic_tx;
	vn.nic.poll = nic_poll;
	vn.nic.link_up = nic_link_up;
	vn.nic.get_stats = nic_stats;
	vn.nic.priv = &vn.core;
	pr_info("virtio-net: %02x:%02x.%u mac %02x:%02x:%02x:%02x:%02x:%02x, "
		"%u/%u descriptors, link %s",
		vn.pci.bus, vn.pci.dev, vn.pci.fn, vn.nic.mac[0], vn.nic.mac[1],
		vn.nic.mac[2], vn.nic.mac[3], vn.nic.mac[4], vn.nic.mac[5],
		vn.core.rx.size, vn.core.tx.size,
		vnet_core_link_up(&vn.core) ? "up" : "down");
	*out = &vn.nic;
	return 0;
}
