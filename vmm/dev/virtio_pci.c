/*
 * Modern virtio-pci transport (virtio 1.1, 4.1; see virtio_pci.h), with
 * MSI-X as in PCI Local Bus 3.0, 6.8.2.
 *
 * The guest reaches this file three ways: config space (through pci.c),
 * BAR0 (common cfg, ISR, device cfg, notifications) and BAR1 (MSI-X
 * table and PBA). Any value at any offset and size is accepted: what the
 * spec does not define reads as zero and is not written.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "vmm/dev/virtio_pci.h"

/* 4.1.4: virtio_pci_cap.cfg_type */
#define CAP_COMMON	1
#define CAP_NOTIFY	2
#define CAP_ISR		3
#define CAP_DEVICE	4
#define CAP_PCI_CFG	5
#define CAP_LEN		16	/* struct virtio_pci_cap */

/* PCI 3.0 6.8.2.3: MSI-X Message Control */
#define MSIX_ENABLE	0x8000
#define MSIX_FMASK	0x4000
#define MSIX_CTRL_MASKED 1	/* 6.8.2.9: vector control, mask bit */

static void put(uint8_t *p, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* ---------------------------------------------------------------- MSI-X */

static uint16_t msix_ctl(const struct virtio_pci *vp)
{
	return (uint16_t)pci_func_get(&vp->pci, vp->msix_cap + 2, 2);
}

static bool msix_can_send(const struct virtio_pci *vp, unsigned vec)
{
	/* 6.8.2.9: a masked vector (or function) records the message in
	 * the PBA instead; 6.2.2: no bus mastering, no memory write. */
	return !(msix_ctl(vp) & MSIX_FMASK) && !(vp->msix[vec].ctrl & MSIX_CTRL_MASKED) &&
	       pci_func_bus_master(&vp->pci);
}

static void msix_send(struct virtio_pci *vp, unsigned vec)
{
	const struct virtio_msix_entry *e = &vp->msix[vec];

	vp->msi_sent++;
	if (vp->msi)
		vp->msi(vp->msi_ctx, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
}

static void msix_fire(struct virtio_pci *vp, uint16_t vec)
{
	/* NO_VECTOR (4.1.5.1.2) and anything unmapped: no message. Without
	 * MSI-X enabled there is no INTx pin either: ISR only. */
	if (vec >= vp->nvec || !(msix_ctl(vp) & MSIX_ENABLE))
		return;
	if (msix_can_send(vp, vec))
		msix_send(vp, vec);
	else
		vp->pba |= 1u << vec;
}

/* Pending messages whose vector became deliverable go out now. */
static void msix_flush(struct virtio_pci *vp)
{
	if (!(msix_ctl(vp) & MSIX_ENABLE))
		return;
	for (unsigned v = 0; v < vp->nvec; v++)
		if ((vp->pba & (1u << v)) && msix_can_send(vp, v)) {
			vp->pba &= ~(1u << v);
			msix_send(vp, v);
		}
}

static void msix_read(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t *val)
{
	*val = 0;
	/* 6.8.2: table and PBA take aligned dword and qword accesses. */
	if ((size != 4 && size != 8) || (off & (size - 1)))
		return;
	if (off + size <= 16u * vp->nvec) {
		const uint32_t *w = (const uint32_t *)&vp->msix[off / 16];
		unsigned i = (unsigned)(off % 16) / 4;

		*val = w[i];
		if (size == 8)
			*val |= (uint64_t)w[i + 1] << 32;
	} else if (off == VIRTIO_PCI_MSIX_PBA) {
		*val = vp->pba;
	}
}

static void msix_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t val)
{
	if ((size != 4 && size != 8) || (off & (size - 1)) || off + size > 16u * vp->nvec)
		return;
	for (unsigned k = 0; k < size / 4; k++, off += 4, val >>= 32) {
		struct virtio_msix_entry *e = &vp->msix[off / 16];

		switch (off % 16) {
		case 0:
			e->addr_lo = (uint32_t)val & ~3u;	/* dword aligned */
			break;
		case 4:
			e->addr_hi = (uint32_t)val;
			break;
		case 8:
			e->data = (uint32_t)val;
			break;
		default:
			e->ctrl = (uint32_t)val & MSIX_CTRL_MASKED;	/* rest reserved */
			break;
		}
	}
	msix_flush(vp);
}

/* -------------------------------------------------------------- status */

bool virtio_pci_feature(const struct virtio_pci *vp, uint64_t bit)
{
	return (vp->driver_features & bit) && (vp->status & VIRTIO_STATUS_FEATURES_OK);
}

struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q)
{
	struct virtio_pci_queue *pq;

	if (q >= vp->d.nqueues)
		return NULL;
	pq = &vp->q[q];
	if (!pq->enabled || pq->vq.broken ||
	    (vp->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) !=
	    VIRTIO_STATUS_DRIVER_OK || !pci_func_bus_master(&vp->pci))
		return NULL;
	return &pq->vq;
}

void virtio_pci_queue_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtq *vq = virtio_pci_queue(vp, q);

	if (!vq || !virtq_should_notify(vq))
		return;
	vp->isr |= 1;		/* 4.1.4.5: queue interrupt */
	msix_fire(vp, vp->q[q].vector);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vp->generation++;
	vp->isr |= 2;		/* 4.1.4.5: configuration change */
	msix_fire(vp, vp->msix_config);
}

void virtio_pci_needs_reset(struct virtio_pci *vp)
{
	if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* 2.1.2: with DRIVER_OK set, tell the driver by a configuration
	 * change notification. */
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_pci_config_changed(vp);
}

bool virtio_pci_queue_error(struct virtio_pci *vp, unsigned q, int err)
{
	if (!err || err == -EAGAIN || err == -EMSGSIZE)
		return false;
	if (q < vp->d.nqueues && vp->q[q].vq.broken)
		virtio_pci_needs_reset(vp);
	return true;
}

/* 2.4 / 4.1.4.3.2: writing 0 to device_status resets the device. The
 * MSI-X table belongs to PCI and survives; its pending bits do not. */
static void vp_reset_transport(struct virtio_pci *vp)
{
	vp->driver_features = 0;
	vp->dfsel = vp->gfsel = 0;
	vp->msix_config = VIRTIO_MSI_NO_VECTOR;
	vp->queue_sel = 0;
	vp->status = 0;
	vp->isr = 0;
	vp->pba = 0;
	for (unsigned i = 0; i < VIRTIO_PCI_MAX_QUEUES; i++) {
		struct virtio_pci_queue *pq = &vp->q[i];

		memset(pq, 0, sizeof(*pq));
		pq->vq.gm = vp->gm;
		pq->size = i < vp->d.nqueues ? vp->d.queue_size : 0;
		pq->vector = VIRTIO_MSI_NO_VECTOR;
	}
}

static void vp_reset(struct virtio_pci *vp)
{
	vp_reset_transport(vp);
	if (vp->d.ops && vp->d.ops->reset)
		vp->d.ops->reset(vp->d.dev);
}

static void msix_reset(struct virtio_pci *vp)
{
	memset(vp->msix, 0, sizeof(vp->msix));
	for (unsigned v = 0; v < VIRTIO_PCI_MAX_VECTORS; v++)
		vp->msix[v].ctrl = MSIX_CTRL_MASKED;
}

/* PCI function reset (VM reset): the MSI-X table too (6.8.2.9: vectors
 * come out of reset masked). */
static void vp_pci_reset(void *ctx)
{
	struct virtio_pci *vp = ctx;

	msix_reset(vp);
	vp_reset(vp);
}

static bool features_ok(const struct virtio_pci *vp)
{
	/* 2.2.1: nothing the device did not offer; 6.1: a modern device
	 * refuses a driver that did not accept VIRTIO_F_VERSION_1. */
	return !(vp->driver_features & ~vp->features) &&
	       (vp->driver_features & VIRTIO_F_VERSION_1);
}

static void status_write(struct virtio_pci *vp, uint8_t val)
{
	uint8_t old = vp->status, now;

	if (!val) {
		vp_reset(vp);
		return;
	}
	/* The driver only adds bits until it resets (3.1.1), and
	 * DEVICE_NEEDS_RESET is the device's to set. */
	now = (uint8_t)((val | old) & ~VIRTIO_STATUS_NEEDS_RESET) |
	      (old & VIRTIO_STATUS_NEEDS_RESET);
	/* 3.1.1 step 5-6: FEATURES_OK only sticks if we accept the set. */
	if ((now & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_ok(vp))
		now &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	vp->status = now;
	if ((now & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (!(now & VIRTIO_STATUS_FEATURES_OK)) {
			virtio_pci_needs_reset(vp);
			return;
		}
		/* Buffers made available before DRIVER_OK (virtio-net fills
		 * its receive queue early) are looked at now. */
		for (unsigned i = 0; i < vp->d.nqueues; i++)
			if (vp->q[i].enabled && vp->d.ops && vp->d.ops->kick)
				vp->d.ops->kick(vp->d.dev, i);
	}
}

/* --------------------------------------------------------- common cfg */

static void queue_enable(struct virtio_pci *vp, struct virtio_pci_queue *pq)
{
	int r;

	/* 3.1.1: queues are set up after FEATURES_OK (INDIRECT_DESC must be
	 * known); 4.1.4.3.2: a size we cannot take, or rings outside guest
	 * RAM, refuse the queue and the device needs a reset. */
	if (!(vp->status & VIRTIO_STATUS_FEATURES_OK) || pq->size > vp->d.queue_size) {
		virtio_pci_needs_reset(vp);
		return;
	}
	r = virtq_init(&pq->vq, vp->gm, pq->size, pq->desc, pq->driver, pq->device,
		       virtio_pci_feature(vp, VIRTIO_F_INDIRECT_DESC));
	if (r) {
		virtio_pci_needs_reset(vp);
		return;
	}
	pq->enabled = true;
}

static void common_read(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t *val)
{
	uint8_t s[VIRTIO_PCI_COMMON_SIZE + 8];
	uint64_t df = vp->dfsel == 0 ? vp->features : vp->dfsel == 1 ? vp->features >> 32 : 0;
	uint64_t gf = vp->gfsel == 0 ? vp->driver_features :
		      vp->gfsel == 1 ? vp->driver_features >> 32 : 0;

	memset(s, 0, sizeof(s));
	put(s + VIRTIO_PCI_COMMON_DFSELECT, 4, vp->dfsel);
	put(s + VIRTIO_PCI_COMMON_DF, 4, df);
	put(s + VIRTIO_PCI_COMMON_GFSELECT, 4, vp->gfsel);
	put(s + VIRTIO_PCI_COMMON_GF, 4, gf);
	put(s + VIRTIO_PCI_COMMON_MSIX, 2, vp->msix_config);
	put(s + VIRTIO_PCI_COMMON_NUMQ, 2, vp->d.nqueues);
	put(s + VIRTIO_PCI_COMMON_STATUS, 1, vp->status);
	put(s + VIRTIO_PCI_COMMON_CFGGENERATION, 1, vp->generation);
	put(s + VIRTIO_PCI_COMMON_Q_SELECT, 2, vp->queue_sel);
	/* 4.1.4.3.2: an absent queue has size 0. */
	if (vp->queue_sel < vp->d.nqueues) {
		const struct virtio_pci_queue *pq = &vp->q[vp->queue_sel];

		put(s + VIRTIO_PCI_COMMON_Q_SIZE, 2, pq->size);
		put(s + VIRTIO_PCI_COMMON_Q_MSIX, 2, pq->vector);
		put(s + VIRTIO_PCI_COMMON_Q_ENABLE, 2, pq->enabled);
		put(s + VIRTIO_PCI_COMMON_Q_NOFF, 2, vp->queue_sel);
		put(s + VIRTIO_PCI_COMMON_Q_DESCLO, 8, pq->desc);
		put(s + VIRTIO_PCI_COMMON_Q_AVAILLO, 8, pq->driver);
		put(s + VIRTIO_PCI_COMMON_Q_USEDLO, 8, pq->device);
	}
	*val = off + size <= VIRTIO_PCI_COMMON_SIZE ? get(s + off, size) : 0;
}

/* A 64-bit ring address written whole or as two dword halves (4.1.3.1). */
static void addr_write(uint64_t *a, uint64_t off, unsigned size, uint64_t val)
{
	if (size == 8 && !(off & 7))
		*a = val;
	else if (size == 4 && !(off & 4))
		*a = (*a & ~0xffffffffull) | (uint32_t)val;
	else if (size == 4)
		*a = (*a & 0xffffffffull) | (uint64_t)(uint32_t)val << 32;
}

static void common_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_pci_queue *pq =
		vp->queue_sel < vp->d.nqueues ? &vp->q[vp->queue_sel] : NULL;
	/* 4.1.4.3.2: queue fields are the driver's only while disabled. */
	bool qw = pq && !pq->enabled;

	/* 4.1.3.1: natural width; the 64-bit fields also as dword halves. */
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		if (size == 4)
			vp->dfsel = (uint32_t)val;
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		if (size == 4)
			vp->gfsel = (uint32_t)val;
		break;
	case VIRTIO_PCI_COMMON_GF:
		/* 3.1.1: features are fixed once FEATURES_OK is set. */
		if (size != 4 || (vp->status & VIRTIO_STATUS_FEATURES_OK) || vp->gfsel > 1)
			break;
		if (vp->gfsel == 0)
			vp->driver_features = (vp->driver_features & ~0xffffffffull) | (uint32_t)val;
		else
			vp->driver_features = (vp->driver_features & 0xffffffffull) |
					      (uint64_t)(uint32_t)val << 32;
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		/* 4.1.5.1.2.1: a vector we cannot map reads back NO_VECTOR. */
		if (size == 2)
			vp->msix_config = val < vp->nvec ? (uint16_t)val : VIRTIO_MSI_NO_VECTOR;
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		if (size == 1)
			status_write(vp, (uint8_t)val);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		if (size == 2)
			vp->queue_sel = (uint16_t)val;
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		if (size == 2 && qw)
			pq->size = (uint16_t)val;
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		if (size == 2 && pq)
			pq->vector = val < vp->nvec ? (uint16_t)val : VIRTIO_MSI_NO_VECTOR;
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		/* 4.1.4.3.2: the driver never writes 0 here. */
		if (size == 2 && qw && val == 1)
			queue_enable(vp, pq);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		if (qw)
			addr_write(&pq->desc, off, size, val);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		if (qw)
			addr_write(&pq->driver, off, size, val);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		if (qw)
			addr_write(&pq->device, off, size, val);
		break;
	default:
		break;
	}
}

/* ----------------------------------------------------------------- BARs */

static bool bar0_read(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t *val)
{
	*val = 0;
	if (off < VIRTIO_PCI_ISR) {
		common_read(vp, off, size, val);
	} else if (off < VIRTIO_PCI_DEVCFG) {
		/* 4.1.4.5.1: reading the ISR status clears it. */
		if (off == VIRTIO_PCI_ISR) {
			*val = vp->isr;
			vp->isr = 0;
		}
	} else if (off < VIRTIO_PCI_NOTIFY) {
		uint64_t rel = off - VIRTIO_PCI_DEVCFG;

		if (rel + size <= vp->d.cfg_len && vp->d.ops && vp->d.ops->cfg_read)
			vp->d.ops->cfg_read(vp->d.dev, (unsigned)rel, size, val);
	}
	return true;
}

static void bar0_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t val)
{
	if (off < VIRTIO_PCI_ISR) {
		common_write(vp, off, size, val);
	} else if (off >= VIRTIO_PCI_DEVCFG && off < VIRTIO_PCI_NOTIFY) {
		uint64_t rel = off - VIRTIO_PCI_DEVCFG;

		if (rel + size <= vp->d.cfg_len && vp->d.ops && vp->d.ops->cfg_write)
			vp->d.ops->cfg_write(vp->d.dev, (unsigned)rel, size, val);
	} else if (off >= VIRTIO_PCI_NOTIFY) {
		/* 4.1.4.4: queue q is notified at q * notify_off_multiplier;
		 * the value written (the queue index) adds nothing. */
		uint64_t rel = off - VIRTIO_PCI_NOTIFY;
		unsigned q = (unsigned)(rel / VIRTIO_PCI_NOTIFY_MULT);

		if (rel % VIRTIO_PCI_NOTIFY_MULT || q >= vp->d.nqueues)
			return;
		if (virtio_pci_queue(vp, q) && vp->d.ops && vp->d.ops->kick)
			vp->d.ops->kick(vp->d.dev, q);
	}
}

static int vp_bar_read(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t *val)
{
	struct virtio_pci *vp = ctx;

	*val = 0;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	if (bar == VIRTIO_PCI_BAR)
		bar0_read(vp, off, size, val);
	else if (bar == VIRTIO_PCI_MSIX_BAR)
		msix_read(vp, off, size, val);
	return 0;
}

static int vp_bar_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_pci *vp = ctx;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	if (size < 8)
		val &= (1ull << (8 * size)) - 1;
	if (bar == VIRTIO_PCI_BAR)
		bar0_write(vp, off, size, val);
	else if (bar == VIRTIO_PCI_MSIX_BAR)
		msix_write(vp, off, size, val);
	return 0;
}

/* --------------------------------------------------------- config space */

static bool overlaps(unsigned off, unsigned size, unsigned start, unsigned len)
{
	return off < start + len && start < off + size;
}

/* 4.1.4.7: the VIRTIO_PCI_CAP_PCI_CFG window, an access of cap.length
 * bytes at cap.offset in BAR0 through pci_cfg_data. */
static bool pcicfg_window(const struct virtio_pci *vp, uint32_t *off, unsigned *len)
{
	unsigned c = vp->pcicfg_cap;
	uint32_t bar = pci_func_get(&vp->pci, c + 4, 1);

	*off = pci_func_get(&vp->pci, c + 8, 4);
	*len = pci_func_get(&vp->pci, c + 12, 4);
	return bar == VIRTIO_PCI_BAR && (*len == 1 || *len == 2 || *len == 4) &&
	       !(*off & (*len - 1)) && *off < VIRTIO_PCI_BAR_SIZE;
}

static void vp_cfg_reading(void *ctx, unsigned off, unsigned size)
{
	struct virtio_pci *vp = ctx;
	uint32_t boff;
	unsigned len;
	uint64_t v;

	if (!overlaps(off, size, vp->pcicfg_cap + 16u, 4) || !pcicfg_window(vp, &boff, &len))
		return;
	bar0_read(vp, boff, len, &v);
	pci_func_put(&vp->pci, vp->pcicfg_cap + 16u, len, (uint32_t)v);
}

static void vp_cfg_written(void *ctx, unsigned off, unsigned size)
{
	struct virtio_pci *vp = ctx;
	uint32_t boff;
	unsigned len;

	if (overlaps(off, size, vp->pcicfg_cap + 16u, 4) && pcicfg_window(vp, &boff, &len))
		bar0_write(vp, boff, len, pci_func_get(&vp->pci, vp->pcicfg_cap + 16u, len));
	/* Unmasking the function, enabling MSI-X or bus mastering may let
	 * pending messages out (6.8.2.9). */
	if (overlaps(off, size, PCI_COMMAND, 2) || overlaps(off, size, vp->msix_cap + 2u, 2))
		msix_flush(vp);
}

static int add_vcap(struct virtio_pci *vp, uint8_t type, unsigned len,
		    uint32_t off, uint32_t blen)
{
	int c = pci_func_add_cap(&vp->pci, PCI_CAP_ID_VNDR, len);

	if (c < 0)
		return c;
	pci_func_put(&vp->pci, c + 2, 1, len);		/* cap_len */
	pci_func_put(&vp->pci, c + 3, 1, type);		/* cfg_type */
	pci_func_put(&vp->pci, c + 4, 1, VIRTIO_PCI_BAR);
	pci_func_put(&vp->pci, c + 8, 4, off);
	pci_func_put(&vp->pci, c + 12, 4, blen);
	return c;
}

static uint32_t pci_class(uint16_t type)
{
	switch (type) {
	case 1:
		return 0x020000;	/* network, ethernet */
	case 3:
		return 0x078000;	/* communication, other */
	default:
		return 0xff0000;	/* unassigned class, as QEMU's rng */
	}
}

int virtio_pci_init(struct virtio_pci *vp, const struct virtio_pci_desc *d,
		    const struct guest_mem *gm,
		    void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx)
{
	int c;

	if (!d->nqueues || d->nqueues > VIRTIO_PCI_MAX_QUEUES || !d->queue_size ||
	    d->queue_size > VIRTQ_MAX_SIZE || (d->queue_size & (d->queue_size - 1)) ||
	    d->cfg_len > VIRTIO_PCI_NOTIFY - VIRTIO_PCI_DEVCFG)
		return -EINVAL;
	memset(vp, 0, sizeof(*vp));
	vp->d = *d;
	vp->gm = gm;
	vp->msi = msi;
	vp->msi_ctx = msi_ctx;
	vp->nvec = (uint16_t)(d->nqueues + 1);
	vp->features = d->features | VIRTIO_F_VERSION_1;

	/* 4.1.2.1: non-transitional IDs, revision 1, subsystem >= 0x40. */
	pci_func_init(&vp->pci, VIRTIO_PCI_VENDOR, (uint16_t)(VIRTIO_PCI_DEVICE_BASE + d->type),
		      pci_class(d->type), 1, VIRTIO_PCI_VENDOR, 0x1100);
	if (pci_func_set_bar(&vp->pci, VIRTIO_PCI_BAR, VIRTIO_PCI_BAR_SIZE) ||
	    pci_func_set_bar(&vp->pci, VIRTIO_PCI_MSIX_BAR, VIRTIO_PCI_MSIX_SIZE))
		return -EINVAL;
	vp->pci.bar_read = vp_bar_read;
	vp->pci.bar_write = vp_bar_write;
	vp->pci.cfg_reading = vp_cfg_reading;
	vp->pci.cfg_written = vp_cfg_written;
	vp->pci.reset = vp_pci_reset;
	vp->pci.ctx = vp;

	/* PCI 3.0 6.8.2: MSI-X, table and PBA in BAR1; only Enable and
	 * Function Mask are writable. */
	c = pci_func_add_cap(&vp->pci, PCI_CAP_ID_MSIX, 12);
	if (c < 0)
		return -EINVAL;
	vp->msix_cap = (uint8_t)c;
	pci_func_put(&vp->pci, c + 2, 2, vp->nvec - 1u);
	pci_func_put(&vp->pci, c + 4, 4, 0 | VIRTIO_PCI_MSIX_BAR);
	pci_func_put(&vp->pci, c + 8, 4, VIRTIO_PCI_MSIX_PBA | VIRTIO_PCI_MSIX_BAR);
	pci_func_writable(&vp->pci, c + 2, 2, MSIX_ENABLE | MSIX_FMASK);

	/* 4.1.4: the virtio structures. */
	if (add_vcap(vp, CAP_COMMON, CAP_LEN, VIRTIO_PCI_COMMON, VIRTIO_PCI_COMMON_SIZE) < 0)
		return -EINVAL;
	c = add_vcap(vp, CAP_NOTIFY, CAP_LEN + 4, VIRTIO_PCI_NOTIFY,
		     VIRTIO_PCI_NOTIFY_MULT * d->nqueues);
	if (c < 0)
		return -EINVAL;
	pci_func_put(&vp->pci, c + CAP_LEN, 4, VIRTIO_PCI_NOTIFY_MULT);
	if (add_vcap(vp, CAP_ISR, CAP_LEN, VIRTIO_PCI_ISR, 1) < 0)
		return -EINVAL;
	if (d->cfg_len && add_vcap(vp, CAP_DEVICE, CAP_LEN, VIRTIO_PCI_DEVCFG, d->cfg_len) < 0)
		return -EINVAL;
	/* 4.1.4.7: bar, offset and length are unset (bar 0 here is no
	 * accident: it is the only BAR the window reaches). */
	c = add_vcap(vp, CAP_PCI_CFG, CAP_LEN + 4, 0, 0);
	if (c < 0)
		return -EINVAL;
	vp->pcicfg_cap = (uint8_t)c;
	pci_func_writable(&vp->pci, c + 4, 1, 0xff);
	pci_func_writable(&vp->pci, c + 8, 4, 0xffffffff);
	pci_func_writable(&vp->pci, c + 12, 4, 0xffffffff);
	pci_func_writable(&vp->pci, c + 16, 4, 0xffffffff);

	/* The device model is not built yet: no reset hook now. */
	msix_reset(vp);
	vp_reset_transport(vp);
	return 0;
}
