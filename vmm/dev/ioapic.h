/*
 * An 82093AA-style I/O APIC for a guest (version 0x11, 24 pins, at
 * 0xFEC00000): indirect register access through IOREGSEL/IOWIN, edge and
 * level pins with remote IRR, messages handed to the VM for routing.
 * Pure; the VM serialises calls (one lock per I/O APIC).
 */
#ifndef VMM_DEV_IOAPIC_H
#define VMM_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/vlapic.h"

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_SIZE 0x20		/* IOREGSEL at 0, IOWIN at 0x10 */
#define IOAPIC_PINS 24

struct ioapic {
	uint32_t id;
	uint32_t regsel;
	uint64_t redir[IOAPIC_PINS];
	uint32_t level;		/* the input lines as the devices drive them */
	void (*deliver)(void *ctx, const struct apic_msg *m);
	void *ctx;
};

void ioapic_init(struct ioapic *io, uint32_t id,
		 void (*deliver)(void *, const struct apic_msg *), void *ctx);

/* Register window, as io_dev callbacks (vmm/iobus.h): ctx is the struct
 * ioapic. Accesses must be aligned dwords: -EINVAL otherwise. */
int ioapic_read(void *ctx, uint64_t off, unsigned size, uint64_t *val);
int ioapic_write(void *ctx, uint64_t off, unsigned size, uint64_t val);

/* A device drives pin to level. An edge pin sends on the rising edge; a
 * level pin sends while high and no EOI is outstanding (remote IRR).
 * Pins out of range are ignored. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* A local APIC's EOI of a level-triggered vector: clears remote IRR of
 * the pins using it, and re-sends those still asserted. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
