/*
 * Split virtqueue, device side (virtio 1.1, 2.6; see virtqueue.h).
 *
 * The driver owns the descriptor table and the available ring and may
 * change them while we read (another vCPU): every field is read once into
 * a local copy, and every address is checked (through guest_mem, which
 * refuses anything outside guest RAM) right before it is used. Indices
 * are loaded with acquire and the used index stored with release, the
 * order 2.6.13 (virtqueue operation) asks of both sides.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "vmm/dev/virtqueue.h"

static void *gmap(const struct virtq *q, uint64_t gpa, uint64_t len)
{
	if (!len || gpa + len < gpa)
		return NULL;
	return q->gm->map(q->gm->ctx, gpa, len);
}

static size_t avail_bytes(uint16_t size)
{
	return 6 + 2 * (size_t)size;	/* flags, idx, ring[], used_event */
}

static size_t used_bytes(uint16_t size)
{
	return 6 + 8 * (size_t)size;	/* flags, idx, ring[], avail_event */
}

void virtq_reset(struct virtq *q)
{
	const struct guest_mem *gm = q->gm;

	memset(q, 0, sizeof(*q));
	q->gm = gm;
}

int virtq_init(struct virtq *q, const struct guest_mem *gm, uint16_t size,
	       uint64_t desc, uint64_t avail, uint64_t used, bool indirect)
{
	memset(q, 0, sizeof(*q));
	q->gm = gm;
	/* 2.6: Queue Size is a power of 2 (and at most what we offered). */
	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -EINVAL;
	/* 2.6 table "Alignment": 16, 2 and 4 bytes. */
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	if (!gmap(q, desc, 16 * (uint64_t)size) || !gmap(q, avail, avail_bytes(size)) ||
	    !gmap(q, used, used_bytes(size)))
		return -EFAULT;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->size = size;
	q->indirect = indirect;
	q->ready = true;
	return 0;
}

static int fail(struct virtq *q, enum virtq_err e, int err)
{
	q->err = e;
	if (err != -EMSGSIZE)
		q->broken = true;
	return err;
}

/* Adds one buffer; false when there is no room left in c. */
static bool add_seg(struct virtq_chain *c, const struct virtq_desc *d)
{
	unsigned n = c->nout + c->nin;

	if (d->flags & VIRTQ_DESC_F_WRITE) {
		c->in_len += d->len;
		if (!d->len)
			return true;
		c->nin++;
	} else {
		c->out_len += d->len;
		if (!d->len)
			return true;
		c->nout++;
	}
	if (n >= VIRTQ_MAX_SEGS)
		return false;
	c->seg[n].gpa = d->addr;
	c->seg[n].len = d->len;
	return true;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	const uint8_t *avail, *table;
	uint16_t idx, head, i, tsize;
	unsigned steps = 0;
	bool in_indirect = false, overflow = false, seen_write = false;

	memset(c, 0, offsetof(struct virtq_chain, seg));
	if (!q->ready || q->broken)
		return -ENODEV;
	avail = gmap(q, q->avail, avail_bytes(q->size));
	table = gmap(q, q->desc, 16 * (uint64_t)q->size);
	if (!avail || !table)
		return fail(q, VQ_ERR_RING_ADDR, -EFAULT);
	idx = __atomic_load_n((const uint16_t *)(avail + 2), __ATOMIC_ACQUIRE);
	/* 2.6.6: the driver never gets more than a ring ahead of us. */
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return fail(q, VQ_ERR_AVAIL_IDX, -EOVERFLOW);
	if (idx == q->last_avail)
		return -EAGAIN;
	head = __atomic_load_n((const uint16_t *)(avail + 4 + 2 * (q->last_avail % q->size)),
			       __ATOMIC_RELAXED);
	q->last_avail++;
	c->head = head;
	if (head >= q->size)
		return fail(q, VQ_ERR_HEAD, -EINVAL);

	i = head;
	tsize = q->size;
	for (;;) {
		struct virtq_desc d;

		/* A chain visits each entry of its table once at most; more
		 * steps than entries is a loop (2.6.5.2: no chain is longer
		 * than the queue). */
		if (++steps > tsize)
			return fail(q, VQ_ERR_LOOP, -E2BIG);
		memcpy(&d, table + 16 * (size_t)i, sizeof(d));
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* 2.6.5.3.1: only if negotiated, never with NEXT,
			 * never inside an indirect table; its length is a
			 * whole number of descriptors, and we take no more
			 * than a queue's worth. */
			if (!q->indirect)
				return fail(q, VQ_ERR_INDIRECT_FEATURE, -EINVAL);
			if (in_indirect)
				return fail(q, VQ_ERR_INDIRECT_NESTED, -EINVAL);
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return fail(q, VQ_ERR_INDIRECT_NEXT, -EINVAL);
			if (!d.len || (d.len & 15) || d.len / 16 > q->size)
				return fail(q, VQ_ERR_INDIRECT_SIZE, -EINVAL);
			table = gmap(q, d.addr, d.len);
			if (!table)
				return fail(q, VQ_ERR_DESC_ADDR, -EFAULT);
			in_indirect = true;
			tsize = (uint16_t)(d.len / 16);
			steps = 0;
			i = 0;
			continue;
		}
		/* 2.6.5.2: device-writable buffers come last. */
		if (d.flags & VIRTQ_DESC_F_WRITE)
			seen_write = true;
		else if (seen_write)
			return fail(q, VQ_ERR_ORDER, -EPROTO);
		if (d.len && !gmap(q, d.addr, d.len))
			return fail(q, VQ_ERR_DESC_ADDR, -EFAULT);
		if (!add_seg(c, &d))
			overflow = true;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= tsize)
			return fail(q, VQ_ERR_NEXT, -EINVAL);
		i = d.next;
	}
	if (overflow)
		return fail(q, VQ_ERR_TOO_MANY_SEGS, -EMSGSIZE);
	if (c->out_len > VIRTQ_MAX_CHAIN_BYTES || c->in_len > VIRTQ_MAX_CHAIN_BYTES)
		return fail(q, VQ_ERR_TOO_BIG, -EMSGSIZE);
	return 0;
}

void *virtq_seg_map(struct virtq *q, const struct virtq_seg *s)
{
	return gmap(q, s->gpa, s->len);
}

/* Copies between buf and the segments [first, first+n) of c. */
static size_t copy(struct virtq *q, const struct virtq_chain *c, unsigned first,
		   unsigned n, uint64_t off, void *buf, size_t len, bool to_guest)
{
	size_t done = 0;

	for (unsigned k = first; k < first + n && k < VIRTQ_MAX_SEGS && done < len; k++) {
		const struct virtq_seg *s = &c->seg[k];
		uint8_t *p;
		size_t chunk;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		chunk = s->len - off;
		if (chunk > len - done)
			chunk = len - done;
		p = gmap(q, s->gpa + off, chunk);
		if (!p)
			break;
		if (to_guest)
			memcpy(p, (uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, p, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t virtq_chain_read(struct virtq *q, const struct virtq_chain *c,
			uint64_t off, void *buf, size_t len)
{
	return copy(q, c, 0, c->nout, off, buf, len, false);
}

size_t virtq_chain_write(struct virtq *q, const struct virtq_chain *c,
			 uint64_t off, const void *buf, size_t len)
{
	/* 2.6.5.1: never write a device-readable buffer. */
	return copy(q, c, c->nout, c->nin, off, (void *)buf, len, true);
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *used;
	uint32_t elem[2] = { head, len };

	if (!q->ready || q->broken)
		return -ENODEV;
	used = gmap(q, q->used, used_bytes(q->size));
	if (!used)
		return fail(q, VQ_ERR_RING_ADDR, -EFAULT);
	/* 2.6.8: the element first, then the index that publishes it. */
	memcpy(used + 4 + 8 * (size_t)(q->used_idx % q->size), elem, sizeof(elem));
	q->used_idx++;
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

bool virtq_should_notify(struct virtq *q)
{
	const uint8_t *avail;
	uint16_t flags;

	if (!q->ready || q->broken)
		return false;
	avail = gmap(q, q->avail, avail_bytes(q->size));
	if (!avail)
		return false;
	/* 2.6.7.2: the used index must be visible before we look at the
	 * driver's suppression flag, or a wakeup can be lost. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n((const uint16_t *)avail, __ATOMIC_RELAXED);
	return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

static const char *const err_names[VQ_ERR_COUNT] = {
	[VQ_OK] = "ok",
	[VQ_ERR_NOT_READY] = "queue not ready",
	[VQ_ERR_RING_ADDR] = "ring outside guest RAM",
	[VQ_ERR_AVAIL_IDX] = "avail index jumped past the queue size",
	[VQ_ERR_HEAD] = "head index out of range",
	[VQ_ERR_NEXT] = "next index out of range",
	[VQ_ERR_LOOP] = "descriptor chain loops",
	[VQ_ERR_DESC_ADDR] = "buffer outside guest RAM",
	[VQ_ERR_ORDER] = "readable descriptor after a writable one",
	[VQ_ERR_INDIRECT_SIZE] = "bad indirect table length",
	[VQ_ERR_INDIRECT_NESTED] = "nested indirect table",
	[VQ_ERR_INDIRECT_NEXT] = "indirect descriptor with NEXT",
	[VQ_ERR_INDIRECT_FEATURE] = "indirect descriptor not negotiated",
	[VQ_ERR_TOO_MANY_SEGS] = "too many buffers in one chain",
	[VQ_ERR_TOO_BIG] = "chain too long in bytes",
};

const char *virtq_strerror(enum virtq_err e)
{
	return (unsigned)e < VQ_ERR_COUNT ? err_names[e] : "?";
}
