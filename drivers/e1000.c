/*
 * Host Intel e1000 PCI driver: finds the device, maps BAR 0 (the register
 * window, 128 KiB) and runs drivers/e1000_ring.c over it.
 */
#include <errno.h>
#include "drivers/e1000.h"
#include "drivers/e1000_ring.h"
#include "drivers/pci.h"
#include "kernel/log.h"

#define INTEL_VENDOR 0x8086
#define E1000_BAR0_MIN 0x20000

/* [I] after probe; one uplink */
static struct {
	struct pci_dev pci;
	volatile uint8_t *regs;
	struct e1000_core core;
	struct nic nic;
	uint64_t last_log;
} e1k;

/* Offsets come from e1000_ring.c's constants only; still bounded. */
static uint32_t reg_read(void *ctx, uint32_t off)
{
	if (off > E1000_BAR0_MIN - 4)
		return 0xffffffff;
	return *(volatile uint32_t *)(e1k.regs + off);
}

static void reg_write(void *ctx, uint32_t off, uint32_t v)
{
	if (off <= E1000_BAR0_MIN - 4)
		*(volatile uint32_t *)(e1k.regs + off) = v;
}

static int nic_tx(struct nic *n, const void *frame, size_t len)
{
	return e1000_core_tx(&e1k.core, frame, len);
}

static int nic_poll(struct nic *n, nic_rx_fn rx, void *ctx, unsigned budget)
{
	int r = e1000_core_poll(&e1k.core, rx, ctx, budget);

	if (r < 0 && nic_log_ratelimit(&e1k.last_log))
		pr_warn("e1000: %s: device reset (%llu errors), %s",
			e1k.core.err ? e1k.core.err : "error",
			(unsigned long long)e1k.core.st.dev_errors,
			e1k.core.up ? "running again" : "still down");
	return r;
}

static bool nic_link_up(struct nic *n)
{
	return e1000_core_link_up(&e1k.core);
}

static void nic_stats(struct nic *n, struct nic_stats *s)
{
	*s = e1k.core.st;
}

int e1000_probe(struct nic **out)
{
	static const uint16_t ids[] = { 0x100e, 0x100f, 0x10d3 };
	int r;

	if (pci_find(INTEL_VENDOR, ids, 3, &e1k.pci))
		return -ENODEV;
	if (e1k.pci.bar[0].io || e1k.pci.bar[0].size < E1000_BAR0_MIN) {
		pr_warn("e1000: BAR 0 is not a 128 KiB memory window");
		return -ENODEV;
	}
	e1k.regs = pci_map_bar(&e1k.pci, 0);
	if (!e1k.regs)
		return -ENOMEM;
	pci_enable(&e1k.pci);
	e1k.core.regs.read = reg_read;
	e1k.core.regs.write = reg_write;
	e1k.core.regs.delay_us = nic_delay_us;
	e1k.core.dma = nic_kernel_dma;
	r = e1000_core_init(&e1k.core);
	if (r) {
		pr_warn("e1000: bring-up failed (%d)", r);
		return r;
	}
	e1k.nic.name = "e1000";
	for (int i = 0; i < 6; i++)
		e1k.nic.mac[i] = e1k.core.mac[i];
	e1k.nic.tx = nic_tx;
	e1k.nic.poll = nic_poll;
	e1k.nic.link_up = nic_link_up;
	e1k.nic.get_stats = nic_stats;
	e1k.nic.priv = &e1k.core;
	pr_info("e1000: %02x:%02x.%u %04x:%04x mac %02x:%02x:%02x:%02x:%02x:%02x, "
		"%u descriptors, link %s", e1k.pci.bus, e1k.pci.dev, e1k.pci.fn,
		e1k.pci.vendor, e1k.pci.device, e1k.nic.mac[0], e1k.nic.mac[1],
		e1k.nic.mac[2], e1k.nic.mac[3], e1k.nic.mac[4], e1k.nic.mac[5],
		E1000_NDESC, e1000_core_link_up(&e1k.core) ? "up" : "down");
	*out = &e1k.nic;
	return 0;
}
