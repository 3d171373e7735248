/* A miniature guest driver for the virtio-pci device models, doing what
 * Linux's virtio_pci_modern does, only through the guest-visible
 * interfaces: conf1 ports for config space, the MMIO window for BARs, and
 * rings in a fake guest RAM. Shared by test_virtio and fuzz_virtq. */
#ifndef TESTS_VIRTIO_DRV_H
#define TESTS_VIRTIO_DRV_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/pci.h"
#include "tests/unit/support/fake_gm.h"

#define VDRV_MAXQ 4
#define VDRV_MSI_ADDR 0xfee00000u
#define VDRV_MSI_DATA(v) (0x40u + (v))

/* Where queue q's rings go in guest RAM (size <= 256). */
#define VDRV_RING_BASE(q) (0x10000u * ((q) + 1))
#define VDRV_DESC(q)  (VDRV_RING_BASE(q))
#define VDRV_AVAIL(q) (VDRV_RING_BASE(q) + 0x1000)
#define VDRV_USED(q)  (VDRV_RING_BASE(q) + 0x2000)
/* Buffers for tests live from here up. */
#define VDRV_BUF_BASE 0x80000u

struct vdrv_seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

struct vdrv {
	struct pci_bus *bus;
	struct fake_gm *gm;
	unsigned devfn;
	uint32_t bar[6];
	/* BAR-relative offsets of the virtio structures, from the caps. */
	uint32_t common, notify, isr, device, notify_mult, device_len;
	uint8_t msix_cap, pcicfg_cap;
	struct {
		uint16_t size, avail_idx, used_seen, next_desc;
	} q[VDRV_MAXQ];
};

/* Config space through ports 0xcf8/0xcfc, as the guest does it. */
uint32_t vdrv_cfg_read(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size);
void vdrv_cfg_write(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size, uint32_t v);
/* Guest-physical MMIO. */
uint64_t vdrv_mmio_read(struct pci_bus *b, uint64_t addr, unsigned size);
void vdrv_mmio_write(struct pci_bus *b, uint64_t addr, unsigned size, uint64_t v);

/* Finds the virtio capabilities of devfn. Returns false if any of
 * common/notify/ISR or MSI-X is missing. */
bool vdrv_probe(struct vdrv *d, struct pci_bus *b, struct fake_gm *gm, unsigned devfn);

/* Common cfg access. */
uint64_t vdrv_common_read(struct vdrv *d, unsigned off, unsigned size);
void vdrv_common_write(struct vdrv *d, unsigned off, unsigned size, uint64_t v);

/* Bus master + MSI-X on, every vector pointed at VDRV_MSI_ADDR with
 * VDRV_MSI_DATA(v) and unmasked. */
void vdrv_enable_msix(struct vdrv *d, unsigned nvec);

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. Returns whether
 * FEATURES_OK stuck. */
bool vdrv_negotiate(struct vdrv *d, uint64_t features);
/* Queue q of size at VDRV_RING_BASE(q), vector q + 1. Returns queue_enable
 * as read back. */
bool vdrv_setup_queue(struct vdrv *d, unsigned q, uint16_t size);
/* All of the above for nq queues, then DRIVER_OK. Returns the status. */
uint8_t vdrv_bringup(struct vdrv *d, uint64_t features, unsigned nq, uint16_t size);

/* Posts one chain (consecutive descriptors), publishes it. Returns the head. */
uint16_t vdrv_post(struct vdrv *d, unsigned q, const struct vdrv_seg *s, unsigned n);
void vdrv_kick(struct vdrv *d, unsigned q);
/* The next used element, if any. */
bool vdrv_used(struct vdrv *d, unsigned q, uint32_t *id, uint32_t *len);
uint16_t vdrv_used_idx(struct vdrv *d, unsigned q);

#endif
