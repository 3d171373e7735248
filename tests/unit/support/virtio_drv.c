/* Miniature virtio-pci guest driver (see virtio_drv.h). */
#include <string.h>
#include "tests/unit/support/virtio_drv.h"
#include "vmm/dev/virtio_pci.h"
#include "vmm/dev/virtqueue.h"

uint32_t vdrv_cfg_read(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size)
{
	uint64_t v;

	pci_conf1_write(b, 0, 4, 0x80000000u | devfn << 8 | (off & 0xfc));
	pci_conf1_read(b, 4 + (off & 3), size, &v);
	return (uint32_t)v;
}

void vdrv_cfg_write(struct pci_bus *b, unsigned devfn, unsigned off, unsigned size, uint32_t v)
{
	pci_conf1_write(b, 0, 4, 0x80000000u | devfn << 8 | (off & 0xfc));
	pci_conf1_write(b, 4 + (off & 3), size, v);
}

uint64_t vdrv_mmio_read(struct pci_bus *b, uint64_t addr, unsigned size)
{
	uint64_t v = 0;

	pci_mmio_read(b, addr - PCI_MMIO_BASE, size, &v);
	return v;
}

void vdrv_mmio_write(struct pci_bus *b, uint64_t addr, unsigned size, uint64_t v)
{
	pci_mmio_write(b, addr - PCI_MMIO_BASE, size, v);
}

bool vdrv_probe(struct vdrv *d, struct pci_bus *b, struct fake_gm *gm, unsigned devfn)
{
	unsigned p, guard = 0;
	bool common = false, notify = false, isr = false;

	memset(d, 0, sizeof(*d));
	d->bus = b;
	d->gm = gm;
	d->devfn = devfn;
	for (unsigned i = 0; i < 6; i++)
		d->bar[i] = vdrv_cfg_read(b, devfn, PCI_BAR0 + 4 * i, 4) & ~0xfu;
	p = vdrv_cfg_read(b, devfn, PCI_CAPABILITY_LIST, 1);
	while (p && guard++ < 48) {
		unsigned id = vdrv_cfg_read(b, devfn, p, 1);

		if (id == PCI_CAP_ID_MSIX) {
			d->msix_cap = (uint8_t)p;
		} else if (id == PCI_CAP_ID_VNDR) {
			unsigned type = vdrv_cfg_read(b, devfn, p + 3, 1);
			unsigned bar = vdrv_cfg_read(b, devfn, p + 4, 1);
			uint32_t off = vdrv_cfg_read(b, devfn, p + 8, 4);
			uint32_t len = vdrv_cfg_read(b, devfn, p + 12, 4);

			switch (type) {
			case 1:
				d->common = d->bar[bar] + off;
				common = true;
				break;
			case 2:
				d->notify = d->bar[bar] + off;
				d->notify_mult = vdrv_cfg_read(b, devfn, p + 16, 4);
				notify = true;
				break;
			case 3:
				d->isr = d->bar[bar] + off;
				isr = true;
				break;
			case 4:
				d->device = d->bar[bar] + off;
				d->device_len = len;
				break;
			case 5:
				d->pcicfg_cap = (uint8_t)p;
				break;
			}
		}
		p = vdrv_cfg_read(b, devfn, p + 1, 1);
	}
	return common && notify && isr && d->msix_cap;
}

uint64_t vdrv_common_read(struct vdrv *d, unsigned off, unsigned size)
{
	return vdrv_mmio_read(d->bus, d->common + off, size);
}

void vdrv_common_write(struct vdrv *d, unsigned off, unsigned size, uint64_t v)
{
	vdrv_mmio_write(d->bus, d->common + off, size, v);
}

void vdrv_enable_msix(struct vdrv *d, unsigned nvec)
{
	uint32_t tbl = vdrv_cfg_read(d->bus, d->devfn, d->msix_cap + 4, 4);
	uint64_t base = d->bar[tbl & 7] + (tbl & ~7u);
	uint16_t cmd = (uint16_t)vdrv_cfg_read(d->bus, d->devfn, PCI_COMMAND, 2);

	vdrv_cfg_write(d->bus, d->devfn, PCI_COMMAND, 2,
		       cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	vdrv_cfg_write(d->bus, d->devfn, d->msix_cap + 2, 2, 0x8000);
	for (unsigned v = 0; v < nvec; v++) {
		vdrv_mmio_write(d->bus, base + 16 * v, 4, VDRV_MSI_ADDR);
		vdrv_mmio_write(d->bus, base + 16 * v + 4, 4, 0);
		vdrv_mmio_write(d->bus, base + 16 * v + 8, 4, VDRV_MSI_DATA(v));
		vdrv_mmio_write(d->bus, base + 16 * v + 12, 4, 0);
	}
}

bool vdrv_negotiate(struct vdrv *d, uint64_t features)
{
	vdrv_common_write(d, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_STATUS, 1,
			  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)features);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(features >> 32));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE |
			  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return vdrv_common_read(d, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK;
}

bool vdrv_setup_queue(struct vdrv *d, unsigned q, uint16_t size)
{
	memset(d->gm->ram + VDRV_RING_BASE(q), 0, 0x3000);
	memset(&d->q[q], 0, sizeof(d->q[q]));
	d->q[q].size = size;
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_MSIX, 2, q + 1);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_DESCLO, 4, VDRV_DESC(q));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, VDRV_AVAIL(q));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_AVAILHI, 4, 0);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_USEDLO, 4, VDRV_USED(q));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_USEDHI, 4, 0);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	return vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_ENABLE, 2) == 1;
}

uint8_t vdrv_bringup(struct vdrv *d, uint64_t features, unsigned nq, uint16_t size)
{
	vdrv_enable_msix(d, nq + 1);
	if (!vdrv_negotiate(d, features))
		return (uint8_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_STATUS, 1);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	for (unsigned q = 0; q < nq; q++)
		vdrv_setup_queue(d, q, size);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE |
			  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			  VIRTIO_STATUS_DRIVER_OK);
	return (uint8_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_STATUS, 1);
}

uint16_t vdrv_post(struct vdrv *d, unsigned q, const struct vdrv_seg *s, unsigned n)
{
	uint8_t *ram = d->gm->ram;
	uint16_t size = d->q[q].size, head = d->q[q].next_desc % size;

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % size);
		struct virtq_desc desc = {
			.addr = s[i].gpa,
			.len = s[i].len,
			.flags = (uint16_t)((s[i].write ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
			.next = (uint16_t)((idx + 1) % size),
		};

		memcpy(ram + VDRV_DESC(q) + 16 * idx, &desc, sizeof(desc));
	}
	d->q[q].next_desc = (uint16_t)((head + n) % size);
	memcpy(ram + VDRV_AVAIL(q) + 4 + 2 * (d->q[q].avail_idx % size), &head, 2);
	d->q[q].avail_idx++;
	__atomic_store_n((uint16_t *)(ram + VDRV_AVAIL(q) + 2), d->q[q].avail_idx,
			 __ATOMIC_RELEASE);
	return head;
}

void vdrv_kick(struct vdrv *d, unsigned q)
{
	vdrv_mmio_write(d->bus, d->notify + q * d->notify_mult, 2, q);
}

uint16_t vdrv_used_idx(struct vdrv *d, unsigned q)
{
	uint16_t idx;

	memcpy(&idx, d->gm->ram + VDRV_USED(q) + 2, 2);
	return idx;
}

bool vdrv_used(struct vdrv *d, unsigned q, uint32_t *id, uint32_t *len)
{
	const uint8_t *e;

	if (vdrv_used_idx(d, q) == d->q[q].used_seen)
		return false;
	e = d->gm->ram + VDRV_USED(q) + 4 + 8 * (d->q[q].used_seen % d->q[q].size);
	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
	d->q[q].used_seen++;
	return true;
}
