/*
 * The test device: a console byte port (like QEMU's/Bochs's 0xe9), an
 * exit port (like isa-debug-exit), a one-shot timer that raises a chosen
 * vector, and a page of scratch MMIO registers that exercise the MMIO
 * decoder with every access size.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "vmm/dev/testdev.h"
#include "vmm/vm.h"

struct testdev {
	struct vm *vm;
	uint8_t *regs;		/* the scratch MMIO page (test guests only) */
};

static int port_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	(void)ctx;
	(void)off;
	(void)size;
	*val = 0xe9;		/* reading the console port answers 0xe9, as Bochs */
	return 0;
}

static int port_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct testdev *t = ctx;
	struct vm *vm = t->vm;
	uint16_t port = (uint16_t)(TESTDEV_CONSOLE + off);

	(void)size;
	if (port == TESTDEV_CONSOLE) {
		vm_console_putc(vm, (char)val);
		return 0;
	}
	return -EINVAL;
}

static int ctl_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	(void)ctx;
	(void)off;
	(void)size;
	*val = 0;
	return 0;
}

static int ctl_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct testdev *t = ctx;
	struct vm *vm = t->vm;
	struct vcpu *v = vm->vcpus[0];
	uint16_t port = (uint16_t)(TESTDEV_EXIT + off);

	if (port == TESTDEV_EXIT && size == 4) {
		vm_stop_reason(vm, "exited with status %u", (uint32_t)val);
		vm->exit_status = (int)(uint32_t)val;
		return 0;
	}
	if (port == TESTDEV_TIMER && size == 4) {
		v->timer_tsc = val ? rdtsc() + tsc_hz() / 1000000 * val : 0;
		return 0;
	}
	if (port == TESTDEV_TIMER_VEC && size == 1) {
		if (val < 32)
			return -EINVAL;		/* exceptions are not timer vectors */
		v->timer_vector = (uint8_t)val;
		return 0;
	}
	return -EINVAL;
}

static int mmio_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	struct testdev *t = ctx;

	*val = 0;
	memcpy(val, t->regs + off, size);
	return 0;
}

static int mmio_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct testdev *t = ctx;

	memcpy(t->regs + off, &val, size);
	return 0;
}

int testdev_attach(struct vm *vm, bool scratch)
{
	struct testdev *t = kzalloc(sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->vm = vm;
	vm->testdev = t;		/* freed by testdev_free */
	{
		struct io_dev con = { "testdev-console", port_read, port_write, t, NULL };
		struct io_dev ctl = { "testdev-control", ctl_read, ctl_write, t, NULL };
		struct io_dev mm = { "testdev-mmio", mmio_read, mmio_write, t, NULL };

		r = iobus_register(&vm->pio, TESTDEV_CONSOLE, 1, &con);
		r = r ? r : iobus_register(&vm->pio, TESTDEV_EXIT, 12, &ctl);
		if (!r && scratch) {
			t->regs = kzalloc(TESTDEV_MMIO_LEN);
			r = t->regs ? iobus_register(&vm->mmio, TESTDEV_MMIO_BASE,
						     TESTDEV_MMIO_LEN, &mm) : -ENOMEM;
		}
	}
	return r;
}

void testdev_free(struct vm *vm)
{
	struct testdev *t = vm->testdev;

	if (t)
		kfree(t->regs);
	kfree(t);
	vm->testdev = NULL;
}

void testdev_poll(struct vcpu *v)
{
	if (v->timer_tsc && (int64_t)(rdtsc() - v->timer_tsc) >= 0) {
		v->timer_tsc = 0;
		vcpu_post_irq(v, v->timer_vector ? v->timer_vector : 0x30);
	}
}
