/*
 * The PC keyboard controller, only as far as a micro-VM needs it: its
 * reset line. Command 0xFE (pulse the reset line) resets the machine,
 * which for a micro-VM is the end of the VM: a guest's reboot (reboot=k,
 * and panic=-1 after a panic) ends its container. Otherwise the
 * controller reads as absent, so that the guest does not probe it.
 */
#ifndef VMM_DEV_I8042_H
#define VMM_DEV_I8042_H

#include <stdint.h>

struct i8042 {
	void (*reset)(void *ctx);
	void *ctx;
};

void i8042_init(struct i8042 *k, void (*reset)(void *), void *ctx);
/* off 0: data port 0x60, off 4: status/command port 0x64. */
uint8_t i8042_read(struct i8042 *k, unsigned off);
void i8042_write(struct i8042 *k, unsigned off, uint8_t val);

#endif
