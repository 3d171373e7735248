/* The guest's 8042 (reset line only; see i8042.h). */
#include <string.h>
#include "vmm/dev/i8042.h"

#define ST_OBF 0x01		/* output buffer full */
#define ST_SYS 0x04		/* system flag: self-test passed at power-on */
#define ST_UNLOCKED 0x10	/* keyboard not inhibited (the bit is active low) */

void i8042_init(struct i8042 *k, void (*reset)(void *), void *ctx)
{
	memset(k, 0, sizeof(*k));
	k->reset = reset;
	k->ctx = ctx;
}

uint8_t i8042_read(struct i8042 *k, unsigned off)
{
	if (off == 4)
		return ST_SYS | ST_UNLOCKED | (k->has_out ? ST_OBF : 0);
	if (off == 0 && k->has_out) {
		k->has_out = 0;
		return k->out;
	}
	return 0;
}

void i8042_write(struct i8042 *k, unsigned off, uint8_t val)
{
	if (off != 4)
		return;		/* data for a keyboard that is not there */
	switch (val) {
	case 0xaa:		/* controller self-test: "failed", no 8042 here */
		k->out = 0xfc;
		k->has_out = 1;
		break;
	case 0x20:		/* read command byte: interrupts and ports off */
		k->out = 0x30;
		k->has_out = 1;
		break;
	default:
		break;
	}
	/* 0xF0-0xFF pulse the output lines whose bits are clear; line 0 is
	 * the CPU's reset (0xFE is what everybody sends). */
	if ((val & 0xf0) == 0xf0 && !(val & 1))
		k->reset(k->ctx);
}
