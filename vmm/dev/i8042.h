/*
 * The PC keyboard controller, only as far as a micro-VM needs it: the
 * status port reads idle (no keyboard, no data), the self-test answers
 * honestly that nothing is there, and command 0xFE (pulse the reset
 * line) resets the machine: for a micro-VM that is the end of the VM,
 * which is how a guest's reboot (reboot=k) ends its container.
 */
#ifndef VMM_DEV_I8042_H
#define VMM_DEV_I8042_H

#include <stdint.h>

struct i8042 {
	uint8_t out;		/* pending byte on the data port */
	uint8_t has_out;
	void (*reset)(void *ctx);
	void *ctx;
};

void i8042_init(struct i8042 *k, void (*reset)(void *), void *ctx);
/* off 0: data port 0x60, off 4: status/command port 0x64. */
uint8_t i8042_read(struct i8042 *k, unsigned off);
void i8042_write(struct i8042 *k, unsigned off, uint8_t val);

#endif
