/*
 * The guest's I/O APIC (82093AA datasheet, section 3). Redirection entry
 * bits: vector 0-7, delivery mode 8-10, destination mode 11, delivery
 * status 12 (ours is always idle), polarity 13, remote IRR 14, trigger
 * 15, mask 16, destination 56-63.
 */
#include <errno.h>
#include <string.h>
#include "vmm/dev/ioapic.h"

#define RE_REMOTE_IRR (1ull << 14)
#define RE_LEVEL      (1ull << 15)
#define RE_MASKED     (1ull << 16)
/* What a guest may write: everything but delivery status and remote IRR,
 * and the reserved bits 17-55. */
#define RE_WRITABLE   (0xff000000000000ffull | 0x1af00ull)

void ioapic_init(struct ioapic *io, uint32_t id,
		 void (*deliver)(void *, const struct apic_msg *), void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	io->deliver = deliver;
	io->ctx = ctx;
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RE_MASKED;
}

static void send(struct ioapic *io, unsigned pin)
{
	uint64_t re = io->redir[pin];
	struct apic_msg m = {
		.vector = re & 0xff,
		.dm = (re >> 8) & 7,
		.logical = re & (1ull << 11),
		.level = re & RE_LEVEL,
		.dest = (uint8_t)(re >> 56),
		.assert = true,
	};

	if (m.level)
		io->redir[pin] |= RE_REMOTE_IRR;
	io->deliver(io->ctx, &m);
}

static void check_pin(struct ioapic *io, unsigned pin)
{
	uint64_t re = io->redir[pin];

	if ((re & RE_LEVEL) && (io->level & (1u << pin)) && !(re & (RE_MASKED | RE_REMOTE_IRR)))
		send(io, pin);
}

int ioapic_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	struct ioapic *io = ctx;
	uint32_t r = io->regsel, v = 0;

	if (size != 4 || (off != 0 && off != 0x10))
		return -EINVAL;
	if (off == 0) {
		*val = io->regsel;
		return 0;
	}
	if (r == 0)
		v = io->id << 24;
	else if (r == 1)
		v = ((IOAPIC_PINS - 1) << 16) | 0x11;
	else if (r == 2)
		v = io->id << 24;	/* arbitration ID */
	else if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS)
		v = (uint32_t)(io->redir[(r - 0x10) / 2] >> (r & 1 ? 32 : 0));
	*val = v;
	return 0;
}

int ioapic_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct ioapic *io = ctx;
	uint32_t r = io->regsel, v = (uint32_t)val;

	if (size != 4 || (off != 0 && off != 0x10))
		return -EINVAL;
	if (off == 0) {
		io->regsel = v & 0xff;
		return 0;
	}
	if (r == 0) {
		io->id = (v >> 24) & 0xf;
	} else if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
		unsigned pin = (r - 0x10) / 2;
		uint64_t re = io->redir[pin], nv = r & 1 ?
			(re & 0xffffffffull) | ((uint64_t)v << 32) :
			(re & 0xffffffff00000000ull) | v;

		nv = (nv & RE_WRITABLE) | (re & RE_REMOTE_IRR);
		if (!(nv & RE_LEVEL))
			nv &= ~RE_REMOTE_IRR;
		io->redir[pin] = nv;
		/* Unmasking a level pin that is still asserted sends it. */
		check_pin(io, pin);
	}
	return 0;	/* version and arbitration are read-only */
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	uint32_t bit;
	bool rising;

	if (pin >= IOAPIC_PINS)
		return;
	bit = 1u << pin;
	rising = level && !(io->level & bit);
	io->level = level ? io->level | bit : io->level & ~bit;
	if (io->redir[pin] & RE_LEVEL)
		check_pin(io, pin);
	else if (rising && !(io->redir[pin] & RE_MASKED))
		send(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		if ((io->redir[pin] & 0xff) != vector || !(io->redir[pin] & RE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RE_REMOTE_IRR;
		check_pin(io, pin);
	}
}
