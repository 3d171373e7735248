/* The guest's PCI bus 0: a host bridge at 00:00.0, configuration
 * mechanism #1 (ports 0xCF8-0xCFF) and an MMIO window in which every
 * function's memory BARs are pre-assigned. Pure device model: the caller
 * registers the two ranges below on the VM's buses with the io_dev
 * callbacks of this module, and serializes every entry point of one bus
 * (and of the functions on it) under the VM's lock.
 *
 * Wiring:
 *   pci_bus_init(&bus);
 *   pci_func_init(&dev.pci, ...); pci_func_set_bar(...); pci_func_add_cap(...)
 *   pci_bus_add(&bus, &dev.pci, slot);          BARs get their addresses
 *   struct io_dev c = pci_bus_conf1_dev(&bus), m = pci_bus_mmio_dev(&bus);
 *   iobus_register(pio,  PCI_CONF1_PORT, PCI_CONF1_LEN, &c);
 *   iobus_register(mmio, PCI_MMIO_BASE,  PCI_MMIO_SIZE, &m);
 *   on VM reset: pci_bus_reset(&bus) (every function's reset hook runs)
 */
#ifndef VMM_DEV_PCI_H
#define VMM_DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/iobus.h"

#define PCI_CONF1_PORT	0xcf8	/* CONFIG_ADDRESS; CONFIG_DATA at 0xcfc */
#define PCI_CONF1_LEN	8

/* The 32-bit MMIO window: above any guest RAM we give (e820 stops below
 * it), below the LAPIC/IOAPIC pages at 0xfec00000. Slot s's BARs are
 * packed, naturally aligned, from PCI_MMIO_BASE + s * PCI_SLOT_WINDOW. */
#define PCI_MMIO_BASE	0xe0000000u
#define PCI_MMIO_SIZE	0x10000000u
#define PCI_SLOT_WINDOW	0x00400000u	/* 4 MiB per slot, 32 slots: 128 MiB */

#define PCI_MAX_FUNCS	8		/* functions on bus 0, host bridge included */
#define PCI_CFG_SIZE	256
#define PCI_NUM_BARS	6

/* Host bridge identity (Red Hat's generic PCIe host bridge ID, which has
 * no quirks in Linux), class 06.00.00. */
#define PCI_HB_VENDOR	0x1b36
#define PCI_HB_DEVICE	0x0008

/* Type 0 header offsets (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_STATUS_CAP_LIST	0x0010

#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_MSIX		0x11

/* One PCI function. The device model embeds it and fills it with the
 * pci_func_* calls before pci_bus_add().
 * [I] immutable after pci_bus_add()  [v] the VM's lock (caller) */
struct pci_func {
	uint8_t cfg[PCI_CFG_SIZE];	/* [v] live config space */
	uint8_t wmask[PCI_CFG_SIZE];	/* [I] bits the guest may write */
	uint8_t reset_cfg[PCI_CFG_SIZE];	/* [I] config space after add/reset */
	uint32_t bar_size[PCI_NUM_BARS];	/* [I] 0: no BAR */
	uint8_t next_cap;		/* [I] where the next capability goes */
	uint8_t devfn;			/* [I] */
	/* BAR access at off (< bar_size) with size 1, 2, 4 or 8; what
	 * iobus's io_dev callbacks return (0, or -EINVAL to fault the VM). */
	int (*bar_read)(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t *val);
	int (*bar_write)(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val);
	/* Before a guest read of config space [off, off+size) (the device
	 * may refresh those bytes) and after a guest write to it; may be
	 * NULL. */
	void (*cfg_reading)(void *ctx, unsigned off, unsigned size);
	void (*cfg_written)(void *ctx, unsigned off, unsigned size);
	/* Function reset (VM reset); may be NULL. */
	void (*reset)(void *ctx);
	void *ctx;
};

/* [v] */
struct pci_bus {
	uint32_t addr;			/* CONFIG_ADDRESS */
	unsigned n;
	struct pci_func *fn[PCI_MAX_FUNCS];
	struct pci_func host;		/* 00:00.0 */
};

void pci_bus_init(struct pci_bus *b);

/* Puts f at slot (device number 1..31, function 0) and assigns its BARs
 * in the slot's part of the window. Returns 0, -EINVAL (slot out of
 * range), -EEXIST (slot taken), -ENOSPC (bus full or BARs too big). */
int pci_bus_add(struct pci_bus *b, struct pci_func *f, unsigned slot);

/* VM reset: every function's config space goes back to what
 * pci_bus_add() left (BARs at their assigned addresses, memory decoding
 * on, bus mastering off) and its reset hook runs. */
void pci_bus_reset(struct pci_bus *b);

/* io_dev callbacks (ctx = the bus) for [PCI_CONF1_PORT, +PCI_CONF1_LEN)
 * and [PCI_MMIO_BASE, +PCI_MMIO_SIZE). They never fail: what nobody
 * decodes reads all ones and drops writes, as a master abort does. */
int pci_conf1_read(void *ctx, uint64_t off, unsigned size, uint64_t *val);
int pci_conf1_write(void *ctx, uint64_t off, unsigned size, uint64_t val);
int pci_mmio_read(void *ctx, uint64_t off, unsigned size, uint64_t *val);
int pci_mmio_write(void *ctx, uint64_t off, unsigned size, uint64_t val);
struct io_dev pci_bus_conf1_dev(struct pci_bus *b);
struct io_dev pci_bus_mmio_dev(struct pci_bus *b);

/* Config space as the guest sees it through CONFIG_DATA (for tests and
 * the device models): off + size must stay inside the 256 bytes. */
uint32_t pci_cfg_read(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size);
void pci_cfg_write(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size, uint32_t val);

/* Building a function (before pci_bus_add). class is class<<16 |
 * subclass<<8 | prog-if. Identity registers are read-only. */
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device,
		   uint32_t class, uint8_t revision, uint16_t subsys_vendor,
		   uint16_t subsys_id);
/* A 32-bit non-prefetchable memory BAR; size a power of two, 4 KiB to
 * PCI_SLOT_WINDOW. Returns 0 or -EINVAL. */
int pci_func_set_bar(struct pci_func *f, unsigned bar, uint32_t size);
/* Links a capability of len bytes (header included) into the list, with
 * id set and its body zero and read-only. Returns its config offset, or
 * -ENOSPC (config space full) / -EINVAL (len < 2). */
int pci_func_add_cap(struct pci_func *f, uint8_t id, unsigned len);

/* Raw little-endian access to a function's config space for its device
 * model (no write mask). */
uint32_t pci_func_get(const struct pci_func *f, unsigned off, unsigned size);
void pci_func_put(struct pci_func *f, unsigned off, unsigned size, uint32_t val);
/* Marks [off, off+size) guest-writable under mask. */
void pci_func_writable(struct pci_func *f, unsigned off, unsigned size, uint32_t mask);

/* PCI 3.0 6.2.2: a function may master the bus (DMA, MSI) only with
 * Bus Master Enable set. */
bool pci_func_bus_master(const struct pci_func *f);
/* Guest-physical address of a BAR as the guest programmed it. */
uint32_t pci_func_bar_addr(const struct pci_func *f, unsigned bar);

#endif
