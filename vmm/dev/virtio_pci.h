/* The modern virtio-pci transport (virtio 1.1, 4.1) for the device models
 * (virtio_net.c, virtio_rng.c): one PCI function with
 *   BAR0 (16 KiB): common cfg at 0x0000, ISR at 0x1000, device cfg at
 *                  0x2000, notifications at 0x3000 + 4 * queue;
 *   BAR1 (4 KiB):  MSI-X table at 0x000, PBA at 0x800;
 * capabilities: the five virtio ones (common, notify, ISR, device,
 * PCI cfg access) and MSI-X with one vector per queue plus one for
 * configuration changes. No INTx: without MSI-X enabled, interrupts are
 * only visible in the ISR register.
 *
 * The device model embeds struct virtio_pci, fills a virtio_pci_desc and
 * calls virtio_pci_init(); the VM then puts &vp->pci on its PCI bus with
 * pci_bus_add(). Every entry point runs under the VM's lock.
 */
#ifndef VMM_DEV_VIRTIO_PCI_H
#define VMM_DEV_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/pci.h"
#include "vmm/dev/virtqueue.h"
#include "vmm/loader.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040	/* + virtio device type (4.1.2.1) */
#define VIRTIO_PCI_MAX_QUEUES	4
#define VIRTIO_PCI_MAX_VECTORS	(VIRTIO_PCI_MAX_QUEUES + 1)
#define VIRTIO_MSI_NO_VECTOR	0xffff

/* BAR layout. */
#define VIRTIO_PCI_BAR		0
#define VIRTIO_PCI_BAR_SIZE	0x4000
#define VIRTIO_PCI_COMMON	0x0000
#define VIRTIO_PCI_ISR		0x1000
#define VIRTIO_PCI_DEVCFG	0x2000
#define VIRTIO_PCI_NOTIFY	0x3000
#define VIRTIO_PCI_NOTIFY_MULT	4
#define VIRTIO_PCI_MSIX_BAR	1
#define VIRTIO_PCI_MSIX_SIZE	0x1000
#define VIRTIO_PCI_MSIX_PBA	0x800

/* Device status (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Transport feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC	(1ull << 28)
#define VIRTIO_F_VERSION_1	(1ull << 32)

/* Common configuration structure offsets (4.1.4.3). */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00
#define VIRTIO_PCI_COMMON_DF		0x04
#define VIRTIO_PCI_COMMON_GFSELECT	0x08
#define VIRTIO_PCI_COMMON_GF		0x0c
#define VIRTIO_PCI_COMMON_MSIX		0x10
#define VIRTIO_PCI_COMMON_NUMQ		0x12
#define VIRTIO_PCI_COMMON_STATUS	0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION	0x15
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO	0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI	0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO	0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI	0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO	0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI	0x34
#define VIRTIO_PCI_COMMON_SIZE		0x38

/* What a device model implements. dev is virtio_pci_desc.dev. */
struct virtio_dev_ops {
	/* The driver notified queue q (after DRIVER_OK only; kicks before
	 * are replayed when DRIVER_OK is set). */
	void (*kick)(void *dev, unsigned q);
	/* Device-specific configuration (off + size <= cfg_len); NULL:
	 * reads zero, writes ignored. */
	void (*cfg_read)(void *dev, unsigned off, unsigned size, uint64_t *val);
	void (*cfg_write)(void *dev, unsigned off, unsigned size, uint64_t val);
	/* Device reset (status 0 or VM reset); the transport state is
	 * already cleared. May be NULL. */
	void (*reset)(void *dev);
};

struct virtio_pci_desc {
	uint16_t type;		/* virtio device ID (5): 1 net, 3 console, 4 rng */
	uint16_t nqueues;	/* 1..VIRTIO_PCI_MAX_QUEUES */
	uint16_t queue_size;	/* max size of every queue, <= VIRTQ_MAX_SIZE */
	uint64_t features;	/* device bits; VERSION_1 is always added */
	uint32_t cfg_len;	/* device configuration bytes, <= 0x1000 */
	const struct virtio_dev_ops *ops;
	void *dev;
};

struct virtio_pci_queue {
	struct virtq vq;
	uint16_t size;		/* as the driver set it */
	uint16_t vector;
	uint64_t desc, driver, device;
	bool enabled;
};

struct virtio_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

/* [I] set by virtio_pci_init()  [v] the VM's lock */
struct virtio_pci {
	struct pci_func pci;			/* [v] */
	struct virtio_pci_desc d;		/* [I] */
	const struct guest_mem *gm;		/* [I] */
	void (*msi)(void *ctx, uint64_t addr, uint32_t data);	/* [I] */
	void *msi_ctx;				/* [I] */
	uint8_t msix_cap, pcicfg_cap;		/* [I] config offsets */
	uint16_t nvec;				/* [I] */
	uint64_t features;			/* [I] offered */
	uint64_t driver_features;		/* [v] */
	uint32_t dfsel, gfsel;			/* [v] */
	uint16_t msix_config, queue_sel;	/* [v] */
	uint8_t status, generation, isr;	/* [v] */
	struct virtio_pci_queue q[VIRTIO_PCI_MAX_QUEUES];	/* [v] */
	struct virtio_msix_entry msix[VIRTIO_PCI_MAX_VECTORS];	/* [v] */
	uint32_t pba;				/* [v] pending vectors */
	unsigned msi_sent;			/* [v] messages delivered */
};

/* Builds the function: identity 1af4:1040+type revision 1, BARs,
 * capabilities. msi(ctx, addr, data) delivers one MSI message (to the
 * virtual LAPIC). Returns 0 or -EINVAL (bad desc). */
int virtio_pci_init(struct virtio_pci *vp, const struct virtio_pci_desc *d,
		    const struct guest_mem *gm,
		    void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx);

/* For the device model. */

/* Queue q if the device may process it now (DRIVER_OK, enabled, not
 * needing reset, bus mastering on), else NULL. */
struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q);
/* After pushing used buffers on q: interrupt the driver unless it
 * suppressed it (ISR bit 0, the queue's MSI-X vector). */
void virtio_pci_queue_notify(struct virtio_pci *vp, unsigned q);
/* Device configuration changed (4.1.4.3: generation, ISR bit 1, the
 * config vector). */
void virtio_pci_config_changed(struct virtio_pci *vp);
/* Sets DEVICE_NEEDS_RESET (2.1.2) and tells the driver: what a device
 * does when the driver broke a queue. Nothing is processed until reset. */
void virtio_pci_needs_reset(struct virtio_pci *vp);
/* Whether err from virtq_pop()/virtq_push() broke the queue; if so, the
 * device is marked as needing reset. */
bool virtio_pci_queue_error(struct virtio_pci *vp, unsigned q, int err);
bool virtio_pci_feature(const struct virtio_pci *vp, uint64_t bit);

#endif
