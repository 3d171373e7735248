/*
 * Host PCI enumeration through configuration mechanism #1 (PCI Local Bus
 * Spec 3.0, 3.2.2.3.2) and BAR sizing (6.2.5.1).
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "drivers/pci.h"
#include "kernel/log.h"
#include "kernel/mm.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc

static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned ndevs;
static bool scanned;

/* cpu.h has only the byte and dword forms it needs itself. */
static inline uint32_t pci_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	outl(CFG_ADDR, 1u << 31 | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
	     (uint32_t)fn << 8 | (off & 0xfc));
	return pci_inl(CFG_DATA);
}

static void cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v)
{
	outl(CFG_ADDR, 1u << 31 | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
	     (uint32_t)fn << 8 | (off & 0xfc));
	outl(CFG_DATA, v);
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
	return cfg_read(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
	return (uint16_t)(pci_read32(d, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
	return (uint8_t)(pci_read32(d, off) >> (8 * (off & 3)));
}

void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	cfg_write(d->bus, d->dev, d->fn, off, v);
}

/* Read-modify-write of the dword: fine for COMMAND (STATUS bits are
 * write-one-to-clear, so they are written back as zero). */
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	uint32_t old = pci_read32(d, off & 0xfc);
	unsigned sh = 8 * (off & 2);

	if ((off & 0xfc) == PCI_COMMAND)
		old &= 0x0000ffff;
	old = (old & ~(0xffffu << sh)) | (uint32_t)v << sh;
	pci_write32(d, off & 0xfc, old);
}

/* 6.2.5.1: write all ones, read back the size mask, restore; decoding is
 * off meanwhile so the BAR never claims a bogus window. */
static void size_bars(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < 6; i++) {
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
		uint32_t lo = pci_read32(d, off), mlo, hi = 0, mhi = 0xffffffff;
		struct pci_bar *b = &d->bar[i];

		pci_write32(d, off, 0xffffffff);
		mlo = pci_read32(d, off);
		pci_write32(d, off, lo);
		if (lo & 1) {
			b->io = true;
			b->base = lo & ~3u;
			mlo = (mlo & ~3u) | 0xffff0000u;
			b->size = mlo ? (uint32_t)(~mlo + 1) & 0xffff : 0;
			continue;
		}
		b->prefetch = lo & 8;
		if (((lo >> 1) & 3) == 2 && i < 5) {
			b->is64 = true;
			hi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, 0xffffffff);
			mhi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, hi);
		}
		b->base = ((uint64_t)hi << 32) | (lo & ~0xfu);
		{
			uint64_t m = ((uint64_t)mhi << 32) | (mlo & ~0xfu);

			b->size = (mlo & ~0xfu) ? ~m + 1 : 0;
		}
		if (!b->size)
			b->base = 0;
		if (b->is64)
			i++;
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

static void scan_bus(uint8_t bus, uint8_t *seen);

static void scan_fn(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t *seen)
{
	uint32_t id = cfg_read(bus, dev, fn, PCI_VENDOR_ID);
	uint32_t cls = cfg_read(bus, dev, fn, PCI_CLASS_REV);
	uint8_t hdr = (uint8_t)(cfg_read(bus, dev, fn, 0x0c) >> 16) & 0x7f;
	struct pci_dev *d;

	if ((id & 0xffff) == 0xffff)
		return;
	if (hdr == 1 && (cls >> 16) == 0x0604) {
		/* PCI-to-PCI bridge: what sits behind it (Bridge Spec 3.2.5.3). */
		uint8_t sec = (uint8_t)(cfg_read(bus, dev, fn, 0x18) >> 8);

		if (sec && sec != bus)
			scan_bus(sec, seen);
		return;
	}
	if (ndevs == PCI_MAX_DEVS || hdr != 0)
		return;
	d = &devs[ndevs++];
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->class = (uint8_t)(cls >> 24);
	d->subclass = (uint8_t)(cls >> 16);
	d->prog_if = (uint8_t)(cls >> 8);
	d->rev = (uint8_t)cls;
	d->hdr_type = hdr;
	size_bars(d);
}

static void scan_bus(uint8_t bus, uint8_t *seen)
{
	if (seen[bus / 8] & (1u << (bus % 8)))
		return;		/* a loop in a broken bridge setup */
	seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (uint8_t dev = 0; dev < 32; dev++) {
		uint32_t id = cfg_read(bus, dev, 0, PCI_VENDOR_ID);
		uint8_t nfn;

		if ((id & 0xffff) == 0xffff)
			continue;
		/* Header type bit 7: a multi-function device (6.2.1). */
		nfn = (cfg_read(bus, dev, 0, 0x0c) >> 16) & 0x80 ? 8 : 1;
		for (uint8_t fn = 0; fn < nfn; fn++)
			scan_fn(bus, dev, fn, seen);
	}
}

unsigned pci_scan(void)
{
	uint8_t seen[32] = { 0 };

	if (scanned)
		return ndevs;
	scanned = true;
	/* Bus 0 and what hangs below its bridges first; then every other
	 * bus, for host bridges whose root bus no bridge leads to (a second
	 * socket's root complex, QEMU's pxb). */
	scan_bus(0, seen);
	for (unsigned b = 1; b < 256; b++)
		scan_bus((uint8_t)b, seen);
	for (unsigned i = 0; i < ndevs; i++)
		pr_debug("pci: %02x:%02x.%u %04x:%04x class %02x%02x",
			 devs[i].bus, devs[i].dev, devs[i].fn, devs[i].vendor,
			 devs[i].device, devs[i].class, devs[i].subclass);
	pr_info("pci: %u function(s)", ndevs);
	return ndevs;
}

int pci_find(uint16_t vendor, const uint16_t *devices, size_t n, struct pci_dev *out)
{
	pci_scan();
	for (unsigned i = 0; i < ndevs; i++) {
		if (devs[i].vendor != vendor)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (devs[i].device == devices[j]) {
				*out = devs[i];
				return 0;
			}
		}
	}
	return -ENODEV;
}

void pci_enable(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t after)
{
	uint8_t p;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	p = after ? pci_read8(d, after + 1) : pci_read8(d, PCI_CAP_PTR);
	/* 6.7: pointers are dword aligned into 0x40..0xff; at most 48 fit. */
	for (int n = 0; n < 48 && p >= 0x40; n++) {
		p &= 0xfc;
		if (pci_read8(d, p) == id)
			return p;
		p = pci_read8(d, p + 1);
	}
	return 0;
}

volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar)
{
	const struct pci_bar *b;

	if (bar >= 6)
		return NULL;
	b = &d->bar[bar];
	if (b->io || !b->base || !b->size || b->size > (1ull << 30))
		return NULL;
	return mm_map_phys(b->base, (size_t)b->size, 1);
}
