/* The guest's 8042: its reset line, and otherwise a controller that is
 * not there (see i8042.h). */
#include <string.h>
#include "vmm/dev/i8042.h"

/* An absent controller's lines float high, so its status reads as a full
 * output buffer that never drains: Linux's i8042 driver flushes 16 bytes,
 * says "No controller found" and stops probing, instead of waiting out
 * one timeout per command (20,000 port reads, half a second of boot).
 * Bit 1 (input buffer full) reads clear, so whoever writes the reset
 * command does not wait for the buffer first (Linux's kb_wait()). */
#define ST_ABSENT 0xfd

void i8042_init(struct i8042 *k, void (*reset)(void *), void *ctx)
{
	memset(k, 0, sizeof(*k));
	k->reset = reset;
	k->ctx = ctx;
}

uint8_t i8042_read(struct i8042 *k, unsigned off)
{
	(void)k;
	return off == 4 ? ST_ABSENT : 0xff;
}

void i8042_write(struct i8042 *k, unsigned off, uint8_t val)
{
	/* Only the command port's 0xF0-0xFF commands mean anything: they
	 * pulse the output lines whose bits are clear, and line 0 is the
	 * CPU's reset (0xFE is what everybody sends). */
	if (off == 4 && (val & 0xf0) == 0xf0 && !(val & 1))
		k->reset(k->ctx);
}
