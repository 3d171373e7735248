/* The device side of a split virtqueue (virtio 1.1, 2.6), over guest RAM
 * reached only through struct guest_mem: every ring, descriptor and
 * buffer address is checked before it is touched. Pure: no allocation,
 * no locking (the owning device model serializes, under the VM's lock).
 *
 * Feature support: VIRTIO_F_VERSION_1 rings; VIRTIO_F_INDIRECT_DESC when
 * the device offers it and the driver negotiated it (indirect == true);
 * no VIRTIO_F_RING_EVENT_IDX (interrupts are suppressed with
 * VIRTQ_AVAIL_F_NO_INTERRUPT only, kicks are never suppressed).
 *
 * Errors a driver can cause, and what they mean for the device:
 *   fatal: the queue is marked broken (q->broken, reason in q->err) and
 *     processes nothing more until reset; the device model sets
 *     DEVICE_NEEDS_RESET (virtio 1.1, 2.1.2):
 *       -EOVERFLOW  avail index moved by more than the queue size
 *       -EFAULT     a ring, descriptor table or buffer outside guest RAM,
 *                   or wrapping the address space
 *       -EINVAL     head or next index >= queue size; an indirect table
 *                   of a bad size, nested, chained, or not negotiated
 *       -E2BIG      a chain longer than its table (a loop)
 *       -EPROTO     a device-readable descriptor after a device-writable
 *                   one (2.6.5.2)
 *   request-level: the chain is well-formed but more than this device
 *     takes; the head is consumed and must be returned with
 *     virtq_push(q, c->head, 0):
 *       -EMSGSIZE   more than VIRTQ_MAX_SEGS buffers, or more than
 *                   VIRTQ_MAX_CHAIN_BYTES in either direction
 */
#ifndef VMM_DEV_VIRTQUEUE_H
#define VMM_DEV_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/loader.h"

#define VIRTQ_MAX_SIZE		256	/* largest queue a device offers */
#define VIRTQ_MAX_SEGS		64	/* buffers of one chain we keep */
#define VIRTQ_MAX_CHAIN_BYTES	(1u << 20)

/* 2.6.5 */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
/* 2.6.7 */
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtio 1.1 2.6.5");

enum virtq_err {
	VQ_OK,
	VQ_ERR_NOT_READY,
	VQ_ERR_RING_ADDR,	/* a ring left guest RAM */
	VQ_ERR_AVAIL_IDX,	/* avail idx jumped by more than the size */
	VQ_ERR_HEAD,		/* head index out of range */
	VQ_ERR_NEXT,		/* next index out of range */
	VQ_ERR_LOOP,		/* chain longer than its table */
	VQ_ERR_DESC_ADDR,	/* buffer or indirect table outside RAM */
	VQ_ERR_ORDER,		/* readable after writable */
	VQ_ERR_INDIRECT_SIZE,	/* indirect table length */
	VQ_ERR_INDIRECT_NESTED,
	VQ_ERR_INDIRECT_NEXT,	/* INDIRECT together with NEXT */
	VQ_ERR_INDIRECT_FEATURE,	/* INDIRECT_DESC not negotiated */
	VQ_ERR_TOO_MANY_SEGS,	/* request-level */
	VQ_ERR_TOO_BIG,		/* request-level */
	VQ_ERR_COUNT
};

/* [v] the owning device's lock (the VM's lock) */
struct virtq {
	const struct guest_mem *gm;
	uint64_t desc, avail, used;	/* guest-physical */
	uint16_t size;
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	bool indirect;			/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool ready;
	bool broken;
	enum virtq_err err;		/* why broken (or the last request error) */
};

struct virtq_seg {
	uint64_t gpa;
	uint32_t len;
};

/* One chain: seg[0..nout) device-readable, then seg[nout..nout+nin)
 * device-writable; zero-length buffers are left out. */
struct virtq_chain {
	uint16_t head;
	unsigned nout, nin;
	uint64_t out_len, in_len;
	struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

/* Makes q ready on the rings the driver gave (2.6: size a power of two
 * up to VIRTQ_MAX_SIZE; descriptor table 16-byte, available ring 2-byte,
 * used ring 4-byte aligned, all three inside guest RAM). Returns 0,
 * -EINVAL (size or alignment), -EFAULT (outside guest RAM); q is left
 * not ready on error. */
int virtq_init(struct virtq *q, const struct guest_mem *gm, uint16_t size,
	       uint64_t desc, uint64_t avail, uint64_t used, bool indirect);

/* Back to not ready, indices zero (device reset). */
void virtq_reset(struct virtq *q);

/* Takes the next available chain into c and checks all of it. Returns 0,
 * -EAGAIN (nothing available), -ENODEV (not ready or broken), or an
 * error listed at the top of this header. */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/* Copies up to len bytes of the chain's readable part from byte off into
 * buf / of buf into its writable part from byte off. Return the bytes
 * copied (fewer when the chain ends). */
size_t virtq_chain_read(struct virtq *q, const struct virtq_chain *c,
			uint64_t off, void *buf, size_t len);
size_t virtq_chain_write(struct virtq *q, const struct virtq_chain *c,
			 uint64_t off, const void *buf, size_t len);

/* Host pointer to a segment of c (checked again), or NULL. */
void *virtq_seg_map(struct virtq *q, const struct virtq_seg *s);

/* Returns the chain at head to the driver with len bytes written (2.6.8).
 * Returns 0, -ENODEV (not ready or broken), -EFAULT (the used ring left
 * guest RAM: the queue is broken). */
int virtq_push(struct virtq *q, uint16_t head, uint32_t len);

/* After pushes: whether the driver wants an interrupt (2.6.7.2: unless it
 * set VIRTQ_AVAIL_F_NO_INTERRUPT). */
bool virtq_should_notify(struct virtq *q);

const char *virtq_strerror(enum virtq_err e);

#endif
