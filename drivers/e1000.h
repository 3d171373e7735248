/* Host Intel e1000 PCI driver (82540EM 8086:100e, 82545EM 8086:100f,
 * 82574L 8086:10d3): the PCI and MMIO side of drivers/e1000_ring.c. */
#ifndef DRIVERS_E1000_H
#define DRIVERS_E1000_H

#include "drivers/nic.h"

/* Finds and starts the first supported function. Returns 0 and *out,
 * -ENODEV, -ENOMEM. */
int e1000_probe(struct nic **out);

#endif
