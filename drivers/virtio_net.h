/* Host virtio-net PCI driver (the uplink NIC under QEMU/KVM and clouds):
 * the PCI and MMIO side of drivers/virtio_net_ring.c. */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H

#include "drivers/nic.h"

/* Finds and starts the first modern virtio-net function (1af4:1041, or
 * transitional 1af4:1000 that has the virtio 1.x capabilities). Returns 0
 * and *out, -ENODEV, -ENOMEM, -ETIMEDOUT. */
int virtio_net_probe(struct nic **out);

#endif
