/* 16550 UART (National Semiconductor PC16550D data sheet), polled. */
#include "arch/x86_64/cpu.h"
#include "drivers/uart16550.h"

#define THR 0	/* transmit holding (write), DLAB=0 */
#define RBR 0	/* receive buffer (read) */
#define DLL 0	/* divisor low, DLAB=1 */
#define IER 1
#define DLM 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static uint16_t base;

void uart_init(uint16_t port, uint32_t baud)
{
	uint16_t div = (uint16_t)(115200 / (baud ? baud : 115200));

	base = port;
	outb(base + IER, 0x00);
	outb(base + LCR, 0x80);		/* DLAB */
	outb(base + DLL, div & 0xff);
	outb(base + DLM, div >> 8);
	outb(base + LCR, 0x03);		/* 8N1 */
	outb(base + FCR, 0x07);		/* FIFOs on, cleared */
	outb(base + MCR, 0x03);		/* DTR, RTS */
}

static void put_raw(char c)
{
	/* Bounded wait: a missing UART (reads 0xff or never ready) must not
	 * hang the kernel. */
	for (unsigned spin = 0; spin < 1000000; spin++) {
		if (inb(base + LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(base + THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
	if (!base)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put_raw('\r');
		put_raw(s[i]);
	}
}

int uart_getc(void)
{
	if (!base || !(inb(base + LSR) & LSR_DR))
		return -1;
	return inb(base + RBR);
}

void uart_drain(void)
{
	if (!base)
		return;
	for (unsigned spin = 0; spin < 10000000; spin++) {
		if ((inb(base + LSR) & (LSR_THRE | LSR_TEMT)) == (LSR_THRE | LSR_TEMT))
			return;
		cpu_relax();
	}
}
