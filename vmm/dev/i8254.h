/*
 * An 8254 programmable interval timer (ports 0x40-0x43) and the PC's
 * port 0x61 (channel 2 gate and output, as Linux's TSC calibration and
 * its PC speaker code use them). Channel 0 drives ISA IRQ 0. Modes 0
 * (one-shot), 2 and 3 (periodic) count, in binary or BCD; the others
 * are accepted and behave as mode 0. The gate of channel 2 pauses mode 0
 * and stops and restarts modes 2 and 3 (82C54 datasheet, gate table).
 * Pure: time is the TSC, passed in, at tsc_hz.
 */
#ifndef VMM_DEV_I8254_H
#define VMM_DEV_I8254_H

#include <stdbool.h>
#include <stdint.h>

#define I8254_HZ 1193182ull

struct i8254_chan {
	uint8_t mode, rw;	/* rw: 1 lsb, 2 msb, 3 lsb then msb */
	bool bcd;		/* counts in four BCD decades */
	bool write_msb, read_msb;	/* next byte of a 16-bit access */
	bool latched, status_latched;
	uint16_t latch;
	uint8_t status;
	uint32_t reload;	/* in counts: 1..65536 (BCD 1..10000) */
	uint16_t partial;	/* the lsb written before the msb */
	bool loaded;		/* a count was written since the control word */
	bool running;		/* counting now (channel 2: gate up) */
	uint64_t base;		/* counts elapsed before run_start (mode 0 pauses) */
	uint64_t run_start;	/* TSC when counting last (re)started */
};

/* [v] under the VM's device lock. */
struct i8254 {
	struct i8254_chan ch[3];
	uint8_t port61;		/* bit 0: gate 2, bit 1: speaker data */
	uint64_t tsc_hz;
	uint64_t irq_due;	/* TSC of channel 0's next interrupt, 0: none */
};

void i8254_init(struct i8254 *p, uint64_t tsc_hz);

/* Port access: off 0-3 for 0x40-0x43, 4 for port 0x61. Byte accesses;
 * others read all ones and are ignored. */
uint8_t i8254_read(struct i8254 *p, unsigned off, uint64_t now);
void i8254_write(struct i8254 *p, unsigned off, uint8_t val, uint64_t now);

/* The TSC at which channel 0 next raises IRQ 0, 0 when it will not. */
uint64_t i8254_due(const struct i8254 *p);
/* Returns true (and moves the deadline on) when IRQ 0 is due at now. */
bool i8254_poll(struct i8254 *p, uint64_t now);

#endif
