/* The guest's 8259A pair as registers (8259A datasheet: ICW1-4, OCW1-3). */
#include <string.h>
#include "vmm/dev/i8259.h"

void i8259_init(struct i8259 *p)
{
	memset(p, 0, sizeof(*p));
	p->c[0].imr = p->c[1].imr = 0xff;
}

uint8_t i8259_read(struct i8259 *p, unsigned chip, unsigned off)
{
	struct i8259_chip *c = &p->c[chip & 1];

	if (off == 1)
		return c->imr;
	if (off == 2)
		return c->elcr;
	return 0;		/* IRR or ISR (OCW3 chooses): nothing pending here */
}

void i8259_write(struct i8259 *p, unsigned chip, unsigned off, uint8_t val)
{
	struct i8259_chip *c = &p->c[chip & 1];

	if (off == 2) {
		/* ELCR: IRQ 0-2 (master) and 8, 13 (slave) are always edge. */
		c->elcr = val & (chip ? 0xde : 0xf8);
		return;
	}
	if (off == 0) {
		if (val & 0x10) {		/* ICW1 starts initialisation */
			c->icw_step = 2;
			c->icw4_needed = val & 1;
			c->single = val & 2;	/* SNGL: no ICW3 follows */
			c->imr = 0;
		} else if ((val & 0x18) == 0x08) {
			c->read_isr = val & 3;	/* OCW3 */
		}
		return;				/* OCW2 (EOI): nothing is in service */
	}
	switch (c->icw_step) {
	case 2:
		c->vector_base = val & 0xf8;
		c->icw_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
		break;
	case 3:
		c->icw_step = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->icw_step = 0;
		break;
	default:
		c->imr = val;			/* OCW1 */
		break;
	}
}
