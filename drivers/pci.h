/* Host PCI: enumeration through configuration mechanism #1 (ports
 * 0xCF8/0xCFC; PCI Local Bus Spec 3.0, 3.2.2.3.2), BAR sizing, capability
 * lists, and MMIO BAR mapping for the host's own drivers (the uplink NIC).
 * Boot-time only: call from one CPU, before other users exist. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_MAX_DEVS 64

#define PCI_VENDOR_ID  0x00
#define PCI_DEVICE_ID  0x02
#define PCI_COMMAND    0x04
#define PCI_STATUS     0x06
#define PCI_CLASS_REV  0x08
#define PCI_HEADER     0x0e
#define PCI_BAR0       0x10
#define PCI_SECONDARY  0x19	/* type 1 header: secondary bus number */
#define PCI_CAP_PTR    0x34
#define PCI_CMD_IO     (1u << 0)
#define PCI_CMD_MEM    (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)
#define PCI_STATUS_CAPS (1u << 4)
#define PCI_CAP_VENDOR 0x09

struct pci_bar {
	uint64_t base;		/* physical address or I/O port; 0: unused */
	uint64_t size;
	bool io, is64, prefetch;
};

/* [I] filled by pci_scan() */
struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if, rev;
	uint8_t hdr_type;	/* without the multi-function bit */
	struct pci_bar bar[6];	/* type 0 headers; the upper half of a 64-bit
				 * BAR is folded into the lower one */
};

/* Walks bus 0 and, depth first, every bridge's secondary bus, then the
 * buses 1..255 not reached that way (each bus once); all functions of
 * multi-function devices; records up to PCI_MAX_DEVS type-0 functions
 * with their BARs sized (bridges are walked, not recorded). Idempotent.
 * Returns the count. */
unsigned pci_scan(void);

/* The first recorded function with this vendor and one of the n device
 * ids. Returns 0 and *out, or -ENODEV. */
int pci_find(uint16_t vendor, const uint16_t *devices, size_t n,
	     struct pci_dev *out);

uint8_t pci_read8(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);

/* Sets memory space decoding and bus mastering, and masks INTx (the
 * host drivers poll). */
void pci_enable(const struct pci_dev *d);

/* Offset of the next capability with this id after offset after (0: from
 * the start of the list), or 0. Loops and bad pointers end the walk. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t after);

/* Maps memory BAR bar uncached (PCD|PWT), no-execute; returns its
 * virtual address, or NULL (I/O or unused BAR, no mapping possible). */
volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar);

#endif
