/* The test device every VM gets: the ports test guests report through. */
#ifndef VMM_DEV_TESTDEV_H
#define VMM_DEV_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define TESTDEV_CONSOLE   0xe9	/* out: one byte of console output */
#define TESTDEV_EXIT      0xf4	/* out (4 bytes): the VM ends with this status */
#define TESTDEV_TIMER     0xf8	/* out (4): one-shot timer in microseconds */
#define TESTDEV_TIMER_VEC 0xfc	/* out (1): the vector the timer raises */
#define TESTDEV_MMIO_BASE 0xd0000000ull	/* a page of scratch MMIO registers */
#define TESTDEV_MMIO_LEN  0x1000

/* The ports, and with scratch the MMIO page (the test guests'; a 4 KiB
 * page a Linux guest has no use for). Returns 0, -ENOMEM or an iobus
 * error. */
int testdev_attach(struct vm *vm, bool scratch);
void testdev_free(struct vm *vm);

/* Called by the vCPU loop: raises the timer interrupt when it is due. */
struct vcpu;
void testdev_poll(struct vcpu *v);

#endif
