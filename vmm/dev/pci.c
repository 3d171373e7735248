/*
 * PCI bus 0 of a guest (see pci.h): configuration mechanism #1 (PCI Local
 * Bus 3.0, 3.2.2.3.2), type 0 headers with per-bit write masks, BAR sizing
 * (6.2.5.1), a capability list (6.7), and the MMIO window that routes
 * accesses to whichever BAR the guest's BAR registers currently name.
 *
 * BARs are pre-assigned; Linux keeps them (arch/x86/pci/i386.c claims
 * firmware-assigned resources). A guest that rewrites a BAR moves where
 * the function answers, as on hardware; an address outside the window is
 * simply not decoded (the caller only forwards the window), and where two
 * BARs overlap the lowest slot wins.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "vmm/dev/pci.h"

#define CONF1_ENABLE	0x80000000u
/* CONFIG_ADDRESS: enable, bus, device, function, register; bits 30:24
 * are reserved and bits 1:0 read as zero. */
#define CONF1_MASK	0x80fffffcu

/* Writable command bits: I/O, memory, bus master, parity and SERR#
 * response, INTx disable (PCI 3.0 6.2.2). */
#define COMMAND_WMASK	0x0547

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

uint32_t pci_func_get(const struct pci_func *f, unsigned off, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size && off + i < PCI_CFG_SIZE; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

void pci_func_put(struct pci_func *f, unsigned off, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size && off + i < PCI_CFG_SIZE; i++)
		f->cfg[off + i] = (uint8_t)(val >> (8 * i));
}

void pci_func_writable(struct pci_func *f, unsigned off, unsigned size, uint32_t mask)
{
	for (unsigned i = 0; i < size && off + i < PCI_CFG_SIZE; i++)
		f->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device,
		   uint32_t class, uint8_t revision, uint16_t subsys_vendor,
		   uint16_t subsys_id)
{
	memset(f, 0, sizeof(*f));
	pci_func_put(f, PCI_VENDOR_ID, 2, vendor);
	pci_func_put(f, PCI_DEVICE_ID, 2, device);
	pci_func_put(f, PCI_REVISION_ID, 1, revision);
	pci_func_put(f, PCI_CLASS_PROG, 3, class);
	pci_func_put(f, PCI_HEADER_TYPE, 1, 0);		/* type 0, single function */
	pci_func_put(f, PCI_SUBSYSTEM_VENDOR_ID, 2, subsys_vendor);
	pci_func_put(f, PCI_SUBSYSTEM_ID, 2, subsys_id);
	/* No INTx pin: interrupts are MSI-X only. */
	pci_func_put(f, PCI_INTERRUPT_PIN, 1, 0);
	pci_func_writable(f, PCI_COMMAND, 2, COMMAND_WMASK);
	pci_func_writable(f, PCI_CACHE_LINE_SIZE, 1, 0xff);
	pci_func_writable(f, PCI_LATENCY_TIMER, 1, 0xff);
	pci_func_writable(f, PCI_INTERRUPT_LINE, 1, 0xff);
	f->next_cap = 0x40;
}

int pci_func_set_bar(struct pci_func *f, unsigned bar, uint32_t size)
{
	if (bar >= PCI_NUM_BARS || size < 0x1000 || size > PCI_SLOT_WINDOW ||
	    (size & (size - 1)))
		return -EINVAL;
	f->bar_size[bar] = size;
	/* 6.2.5.1: the size is the number of low address bits that read
	 * back zero after writing all ones; bits 3:0 (memory, 32-bit,
	 * non-prefetchable) are read-only. */
	pci_func_writable(f, PCI_BAR0 + 4 * bar, 4, ~(size - 1) & ~0xfu);
	return 0;
}

int pci_func_add_cap(struct pci_func *f, uint8_t id, unsigned len)
{
	unsigned off = (f->next_cap + 3u) & ~3u;

	if (len < 2)
		return -EINVAL;
	if (off < 0x40 || off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	/* 6.7: the list starts at 0x34 and every entry's second byte points
	 * at the next; the status register says the list exists. */
	if (!f->cfg[PCI_CAPABILITY_LIST]) {
		f->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	} else {
		unsigned p = f->cfg[PCI_CAPABILITY_LIST];

		for (int guard = 0; f->cfg[p + 1] && guard < 64; guard++)
			p = f->cfg[p + 1];
		f->cfg[p + 1] = (uint8_t)off;
	}
	f->cfg[off] = id;
	f->cfg[off + 1] = 0;
	pci_func_put(f, PCI_STATUS, 2,
		     pci_func_get(f, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	/* 0xff when full: the next add rounds past the end and fails. */
	f->next_cap = (uint8_t)(off + len < PCI_CFG_SIZE ? off + len : 0xff);
	return (int)off;
}

bool pci_func_bus_master(const struct pci_func *f)
{
	return pci_func_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
}

uint32_t pci_func_bar_addr(const struct pci_func *f, unsigned bar)
{
	if (bar >= PCI_NUM_BARS)
		return 0;
	return pci_func_get(f, PCI_BAR0 + 4 * bar, 4) & ~0xfu;
}

void pci_bus_init(struct pci_bus *b)
{
	memset(b, 0, sizeof(*b));
	pci_func_init(&b->host, PCI_HB_VENDOR, PCI_HB_DEVICE, 0x060000, 0,
		      PCI_HB_VENDOR, PCI_HB_DEVICE);
	/* The host bridge decodes memory and masters the bus, always. */
	pci_func_put(&b->host, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_func_writable(&b->host, PCI_COMMAND, 2, 0);
	memcpy(b->host.reset_cfg, b->host.cfg, PCI_CFG_SIZE);
	b->fn[0] = &b->host;
	b->n = 1;
}

static struct pci_func *find(struct pci_bus *b, unsigned devfn)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->fn[i]->devfn == devfn)
			return b->fn[i];
	return NULL;
}

int pci_bus_add(struct pci_bus *b, struct pci_func *f, unsigned slot)
{
	uint64_t base = PCI_MMIO_BASE + (uint64_t)slot * PCI_SLOT_WINDOW;
	uint64_t end = base + PCI_SLOT_WINDOW, p = base;

	if (slot < 1 || slot > 31)
		return -EINVAL;
	if (find(b, slot << 3))
		return -EEXIST;
	if (b->n >= PCI_MAX_FUNCS)
		return -ENOSPC;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t sz = f->bar_size[i];

		if (!sz)
			continue;
		p = (p + sz - 1) & ~(uint64_t)(sz - 1);	/* natural alignment */
		if (p + sz > end)
			return -ENOSPC;
		pci_func_put(f, PCI_BAR0 + 4 * i, 4, (uint32_t)p);
		p += sz;
	}
	/* As firmware leaves it: memory decoding on, bus mastering off
	 * until the driver enables it (pci_set_master()). */
	pci_func_put(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	f->devfn = (uint8_t)(slot << 3);
	memcpy(f->reset_cfg, f->cfg, PCI_CFG_SIZE);
	b->fn[b->n++] = f;
	return 0;
}

void pci_bus_reset(struct pci_bus *b)
{
	b->addr = 0;
	for (unsigned i = 0; i < b->n; i++) {
		struct pci_func *f = b->fn[i];

		memcpy(f->cfg, f->reset_cfg, PCI_CFG_SIZE);
		if (f->reset)
			f->reset(f->ctx);
	}
}

uint32_t pci_cfg_read(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size)
{
	struct pci_func *f = find(b, devfn);

	/* 3.2.2.3.2: no device answers, the read master-aborts: all ones,
	 * which is how Linux tells an empty slot (vendor 0xffff). */
	if (!f || size < 1 || size > 4 || off + size > PCI_CFG_SIZE)
		return ones(size);
	if (f->cfg_reading)
		f->cfg_reading(f->ctx, off, size);
	return pci_func_get(f, off, size);
}

void pci_cfg_write(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size, uint32_t val)
{
	struct pci_func *f = find(b, devfn);

	if (!f || size < 1 || size > 4 || off + size > PCI_CFG_SIZE)
		return;
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = f->wmask[off + i];

		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) |
					    ((uint8_t)(val >> (8 * i)) & m));
	}
	if (f->cfg_written)
		f->cfg_written(f->ctx, off, size);
}

int pci_conf1_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	struct pci_bus *b = ctx;

	*val = ones(size);
	if (off == 0 && size == 4) {
		*val = b->addr;
		return 0;
	}
	/* Byte and word accesses to 0xcf8-0xcfb are not CONFIG_ADDRESS
	 * (3.2.2.3.2); nothing else lives there. */
	if (off < 4 || off + size > 8 || !(b->addr & CONF1_ENABLE))
		return 0;
	/* Only bus 0 exists; bits 27:24 (AMD's extended register number)
	 * are reserved here and read as zero, so addr names bus 0..255. */
	if ((b->addr >> 16) & 0xff)
		return 0;
	*val = pci_cfg_read(b, (b->addr >> 8) & 0xff,
			    (b->addr & 0xfc) + (unsigned)(off - 4), size);
	return 0;
}

int pci_conf1_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct pci_bus *b = ctx;

	if (off == 0 && size == 4) {
		b->addr = (uint32_t)val & CONF1_MASK;
		return 0;
	}
	/* Linux's pci_check_type1() writes 0x01 to 0xcfb (the old
	 * mechanism-select register) first: ignored, as is 0xcf9 (the reset
	 * control register of PC chipsets: reset goes through the i8042). */
	if (off < 4 || off + size > 8 || !(b->addr & CONF1_ENABLE))
		return 0;
	if ((b->addr >> 16) & 0xff)
		return 0;
	pci_cfg_write(b, (b->addr >> 8) & 0xff,
		      (b->addr & 0xfc) + (unsigned)(off - 4), size, (uint32_t)val);
	return 0;
}

/* The function and BAR decoding [addr, addr+size), or NULL. */
static struct pci_func *decode(struct pci_bus *b, uint64_t addr, unsigned size,
			       unsigned *bar, uint64_t *boff)
{
	for (unsigned i = 1; i < b->n; i++) {
		struct pci_func *f = b->fn[i];

		if (!(pci_func_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
			continue;
		for (unsigned j = 0; j < PCI_NUM_BARS; j++) {
			uint64_t base = pci_func_bar_addr(f, j), sz = f->bar_size[j];

			/* Address 0 is "unassigned" (and what a guest leaves
			 * while sizing with decoding off). */
			if (!sz || !base)
				continue;
			if (addr >= base && addr - base < sz && size <= sz - (addr - base)) {
				*bar = j;
				*boff = addr - base;
				return f;
			}
		}
	}
	return NULL;
}

int pci_mmio_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	unsigned bar;
	uint64_t boff;
	struct pci_func *f = decode(ctx, PCI_MMIO_BASE + off, size, &bar, &boff);

	*val = size >= 8 ? ~0ull : ones(size);
	if (!f || !f->bar_read)
		return 0;
	return f->bar_read(f->ctx, bar, boff, size, val);
}

int pci_mmio_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	unsigned bar;
	uint64_t boff;
	struct pci_func *f = decode(ctx, PCI_MMIO_BASE + off, size, &bar, &boff);

	if (!f || !f->bar_write)
		return 0;
	return f->bar_write(f->ctx, bar, boff, size, val);
}

struct io_dev pci_bus_conf1_dev(struct pci_bus *b)
{
	struct io_dev d = { "pci-conf1", pci_conf1_read, pci_conf1_write, b, NULL };

	return d;
}

struct io_dev pci_bus_mmio_dev(struct pci_bus *b)
{
	struct io_dev d = { "pci-mmio", pci_mmio_read, pci_mmio_write, b, NULL };

	return d;
}
