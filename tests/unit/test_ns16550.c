/* The guest UART model (vmm/dev/ns16550.c): what a driver polls and what
 * interrupts it sees, against the PC16550D data sheet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev/ns16550.h"

static char out[64];
static size_t nout;
static int irq_level = -1, irq_calls;

static void tx(void *ctx, uint8_t b)
{
	(void)ctx;
	if (nout < sizeof(out))
		out[nout++] = (char)b;
}

static void irq(void *ctx, bool level)
{
	(void)ctx;
	irq_level = level;
	irq_calls++;
}

static struct ns16550 u;

static int setup(void **state)
{
	(void)state;
	nout = 0;
	irq_level = -1;
	irq_calls = 0;
	ns16550_init(&u, tx, irq, NULL);
	return 0;
}

static void test_polled_output(void **state)
{
	(void)state;
	for (const char *s = "hello\n"; *s; s++) {
		assert_true(ns16550_read(&u, 5) & 0x20);	/* THRE: ready */
		ns16550_write(&u, 0, (uint8_t)*s);
	}
	assert_int_equal(nout, 6);
	assert_memory_equal(out, "hello\n", 6);
	assert_int_equal(ns16550_read(&u, 5) & 0x60, 0x60);	/* THRE | TEMT */
}

static void test_divisor_latch(void **state)
{
	(void)state;
	ns16550_write(&u, 3, 0x80);		/* DLAB */
	ns16550_write(&u, 0, 0x0c);
	ns16550_write(&u, 1, 0x00);
	assert_int_equal(ns16550_read(&u, 0), 0x0c);
	ns16550_write(&u, 3, 0x03);		/* 8N1, DLAB off */
	ns16550_write(&u, 0, 'x');		/* a data byte, not the latch */
	assert_int_equal(nout, 1);
	ns16550_write(&u, 3, 0x83);
	assert_int_equal(ns16550_read(&u, 0), 0x0c);	/* unchanged */
}

static void test_receive_fifo_and_overrun(void **state)
{
	(void)state;
	assert_false(ns16550_read(&u, 5) & 0x01);
	for (int i = 0; i < NS16550_FIFO; i++)
		assert_true(ns16550_rx(&u, (uint8_t)('a' + i)));
	assert_false(ns16550_rx(&u, '!'));		/* 17th: overrun */
	assert_int_equal(ns16550_read(&u, 5) & 0x03, 0x03);	/* DR, OE */
	assert_int_equal(ns16550_read(&u, 5) & 0x02, 0);	/* OE cleared by the read */
	for (int i = 0; i < NS16550_FIFO; i++)
		assert_int_equal(ns16550_read(&u, 0), 'a' + i);
	assert_false(ns16550_read(&u, 5) & 0x01);
	assert_int_equal(ns16550_read(&u, 0), 0);		/* empty reads 0 */
	ns16550_rx(&u, 'z');
	ns16550_write(&u, 2, 0x03);				/* FIFO on, clear RX */
	assert_false(ns16550_read(&u, 5) & 0x01);
	assert_int_equal(ns16550_read(&u, 2) & 0xc0, 0xc0);	/* FIFOs enabled */
}

static void test_interrupts(void **state)
{
	(void)state;
	ns16550_write(&u, 4, 0x08);			/* OUT2: IRQ onto the bus */
	assert_int_equal(ns16550_read(&u, 2) & 0x0f, 0x01);	/* nothing pending */
	assert_int_equal(irq_level, 0);
	ns16550_write(&u, 1, 0x02);			/* THRE interrupt on */
	assert_int_equal(irq_level, 1);
	assert_int_equal(ns16550_read(&u, 2) & 0x0f, 0x02);	/* THRE, cleared by the read */
	assert_int_equal(irq_level, 0);
	ns16550_write(&u, 0, 'q');			/* sent: THRE owed again */
	assert_int_equal(irq_level, 1);
	ns16550_write(&u, 1, 0x03);			/* + receive */
	ns16550_rx(&u, 'k');
	assert_int_equal(ns16550_read(&u, 2) & 0x0f, 0x04);	/* RDA beats THRE */
	assert_int_equal(ns16550_read(&u, 0), 'k');
	assert_int_equal(ns16550_read(&u, 2) & 0x0f, 0x02);
	assert_int_equal(irq_level, 0);
	ns16550_write(&u, 4, 0x00);			/* OUT2 off: line stays low */
	ns16550_rx(&u, 'm');
	assert_int_equal(irq_level, 0);
}

static void test_loopback(void **state)
{
	(void)state;
	ns16550_write(&u, 4, 0x10 | 0x0b);		/* loop, OUT2, RTS, DTR */
	ns16550_write(&u, 0, 0x5a);
	assert_int_equal(nout, 0);			/* nothing leaves the chip */
	assert_int_equal(ns16550_read(&u, 0), 0x5a);
	assert_int_equal(ns16550_read(&u, 6) & 0xf0, 0xb0);	/* CTS DSR DCD from MCR */
	ns16550_write(&u, 4, 0x10);
	assert_int_equal(ns16550_read(&u, 6) & 0xf0, 0x00);
}

static void test_hostile_offsets(void **state)
{
	(void)state;
	/* Any offset and value: wraps to 0..7, never out of the struct. */
	for (unsigned off = 0; off < 64; off++)
		for (unsigned v = 0; v < 256; v += 17) {
			ns16550_write(&u, off, (uint8_t)v);
			(void)ns16550_read(&u, off);
		}
	ns16550_write(&u, 7, 0x42);
	assert_int_equal(ns16550_read(&u, 7), 0x42);	/* scratch */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_polled_output, setup),
		cmocka_unit_test_setup(test_divisor_latch, setup),
		cmocka_unit_test_setup(test_receive_fifo_and_overrun, setup),
		cmocka_unit_test_setup(test_interrupts, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_hostile_offsets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
