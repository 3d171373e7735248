/* Port I/O and MMIO buses: devices register ranges, exits are routed by
 * address. Bounded arrays, looked up linearly (a handful of devices). */
#ifndef VMM_IOBUS_H
#define VMM_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct spinlock;

struct io_dev {
	const char *name;
	/* Return 0, or -EINVAL to make the access fault the VM. */
	int (*read)(void *ctx, uint64_t off, unsigned size, uint64_t *val);
	int (*write)(void *ctx, uint64_t off, unsigned size, uint64_t val);
	void *ctx;
	/* Taken around read and write when set: the device is shared by the
	 * VM's vCPUs (and perhaps other tasks). NULL: the device needs none. */
	struct spinlock *lock;
};

#define IOBUS_MAX 16

struct io_range {
	uint64_t base, len;
	struct io_dev dev;
};

struct iobus {
	unsigned n;
	struct io_range r[IOBUS_MAX];
};

/* Returns 0, -EEXIST (overlap), -ENOSPC, -EINVAL (empty or wrapping). */
int iobus_register(struct iobus *b, uint64_t base, uint64_t len, const struct io_dev *d);

/* The range holding [addr, addr+size), or NULL. */
const struct io_range *iobus_find(const struct iobus *b, uint64_t addr, unsigned size);

#endif
