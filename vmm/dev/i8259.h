/*
 * The two 8259A PICs (0x20/0x21, 0xA0/0xA1) and their edge/level control
 * registers (0x4D0/0x4D1), as a register file only: a micro-VM routes
 * every interrupt through the I/O APIC (the MP table says so), and Linux
 * masks the PICs after initialising them. The model keeps the
 * initialisation sequence, the mask and the IRR/ISR reads honest, and
 * never raises an interrupt.
 */
#ifndef VMM_DEV_I8259_H
#define VMM_DEV_I8259_H

#include <stdint.h>

struct i8259_chip {
	uint8_t imr, icw_step, icw4_needed, single, read_isr, vector_base, elcr;
};

struct i8259 {
	struct i8259_chip c[2];
};

void i8259_init(struct i8259 *p);
/* chip 0 master, 1 slave; off 0 command, 1 data, 2 ELCR. */
uint8_t i8259_read(struct i8259 *p, unsigned chip, unsigned off);
void i8259_write(struct i8259 *p, unsigned chip, unsigned off, uint8_t val);

#endif
