/* The test guests' runtime (see guest.h). */
#include <stdarg.h>
#include "kernel/fmt.h"
#include "guest.h"

unsigned failures;
volatile unsigned irq_count[256];
static volatile int fault_vec = -1, fault_armed;
static volatile unsigned fault_skip;
static volatile uint32_t fault_err;

static void puts_raw(const char *s)
{
	while (*s)
		outb(PORT_CONSOLE, (uint8_t)*s++);
}

void print(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts_raw(buf);
}

void check(bool ok, const char *name, const char *fmt, ...)
{
	char buf[120];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ok) {
		print("PASS %s\n", name);
	} else {
		failures++;
		print("FAIL %s: %s\n", name, buf);
	}
}

void guest_exit(uint32_t status)
{
	outl(PORT_EXIT, status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void expect_fault(unsigned skip)
{
	fault_vec = -1;
	fault_skip = skip;
	fault_armed = 1;
}

int fault_vector(void)
{
	return fault_vec;
}

uint32_t fault_error(void)
{
	return fault_err;
}

void timer_arm(uint32_t us, uint8_t vector)
{
	outb(PORT_TIMER_VEC, vector);
	outl(PORT_TIMER, us);
}

void guest_trap(struct trap_frame *f);
void guest_trap(struct trap_frame *f)
{
	if (f->vector >= 32) {
		irq_count[f->vector]++;
		return;
	}
	if (fault_armed) {
		fault_armed = 0;
		fault_vec = (int)f->vector;
		fault_err = (uint32_t)f->error;
		f->rip += fault_skip;
		return;
	}
	print("FAIL unexpected exception %lu (error %#lx) at rip %#lx\n",
	      f->vector, f->error, f->rip);
	guest_exit(99);
}
