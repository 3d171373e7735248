/*
 * 16550A UART model (National Semiconductor PC16550D data sheet): enough
 * for Linux's 8250 driver and for firmware-style polled output. The
 * transmitter is infinitely fast (THR is always empty); the receiver has
 * the 16-byte FIFO. Modem lines report carrier and clear-to-send, and
 * loopback (MCR bit 4) feeds output back into the receiver as the chip
 * does, which the 8250 driver uses to probe the port.
 */
#include <string.h>
#include "vmm/dev/ns16550.h"

#define IER_RDA  0x01	/* received data available */
#define IER_THRE 0x02	/* transmitter holding register empty */
#define IER_RLS  0x04	/* receiver line status */
#define IER_MS   0x08	/* modem status */
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA  0x04
#define IIR_RLS  0x06

/* The byte at the head of the receive FIFO came with a break condition. */
static bool head_is_break(const struct ns16550 *u)
{
	return u->rx_count && (u->rx_brk & (1u << u->rx_head));
}

/* The highest-priority pending interrupt (data sheet table 4). */
static uint8_t iir_id(const struct ns16550 *u)
{
	if ((u->ier & IER_RLS) && (u->rx_overrun || head_is_break(u)))
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->rx_count)
		return IIR_RDA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	return IIR_NONE;
}

static void update_irq(struct ns16550 *u)
{
	/* OUT2 gates the interrupt onto the ISA line on PCs. */
	if (u->irq)
		u->irq(u->ctx, iir_id(u) != IIR_NONE && (u->mcr & 0x08));
}

void ns16550_init(struct ns16550 *u, void (*tx)(void *, uint8_t),
		  void (*irq)(void *, bool), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->irq = irq;
	u->ctx = ctx;
	u->dll = 1;			/* 115200 baud */
}

static void rx_push(struct ns16550 *u, uint8_t b, bool brk)
{
	unsigned slot = (u->rx_head + u->rx_count) % NS16550_FIFO;

	if (u->rx_count == NS16550_FIFO) {
		u->rx_overrun = true;
		return;
	}
	u->rx[slot] = b;
	u->rx_brk = (uint16_t)(brk ? u->rx_brk | (1u << slot) : u->rx_brk & ~(1u << slot));
	u->rx_count++;
}

bool ns16550_break(struct ns16550 *u)
{
	bool ok = u->rx_count < NS16550_FIFO;

	/* A break arrives as a zero character flagged BI in LSR. */
	rx_push(u, 0, true);
	update_irq(u);
	return ok;
}

bool ns16550_rx(struct ns16550 *u, uint8_t byte)
{
	bool ok = u->rx_count < NS16550_FIFO;

	rx_push(u, byte, false);
	update_irq(u);
	return ok;
}

uint8_t ns16550_read(struct ns16550 *u, unsigned off)
{
	uint8_t v = 0;

	switch (off & 7) {
	case 0:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_brk = (uint16_t)(u->rx_brk & ~(1u << u->rx_head));
			u->rx_head = (uint8_t)((u->rx_head + 1) % NS16550_FIFO);
			u->rx_count--;
		}
		break;
	case 1:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case 2:
		v = iir_id(u) | (u->fifo_on ? 0xc0 : 0);
		if ((v & 0x0f) == IIR_THRE)
			u->thre_pending = false;	/* reading IIR clears it */
		break;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) |
		    (u->rx_overrun ? LSR_OE : 0) | (head_is_break(u) ? LSR_BI : 0);
		u->rx_overrun = false;		/* reading LSR clears OE */
		break;
	case 6:
		/* CTS, DSR, DCD asserted; in loopback they follow MCR. */
		if (u->mcr & MCR_LOOP)
			return (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
					 ((u->mcr & 0x08) << 4) | ((u->mcr & 0x04) << 4));
		return 0xb0;
	default:
		return u->scr;
	}
	update_irq(u);
	return v;
}

void ns16550_write(struct ns16550 *u, unsigned off, uint8_t val)
{
	switch (off & 7) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return;
		}
		if (u->mcr & MCR_LOOP)
			rx_push(u, val, false);
		else if (u->tx)
			u->tx(u->ctx, val);
		u->thre_pending = true;		/* sent at once: empty again */
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			return;
		}
		/* Enabling THRE interrupts while THR is empty raises one
		 * (what the 8250 driver's UART_BUG_THRE probe expects). */
		if ((val & IER_THRE) && !(u->ier & IER_THRE))
			u->thre_pending = true;
		u->ier = val & 0x0f;
		break;
	case 2:
		u->fifo_on = val & 1;
		if (val & 2) {			/* clear the receive FIFO */
			u->rx_count = 0;
			u->rx_head = 0;
			u->rx_brk = 0;
		}
		break;
	case 3:
		u->lcr = val;
		return;
	case 4:
		u->mcr = val & 0x1f;
		break;
	case 7:
		u->scr = val;
		return;
	default:
		return;				/* LSR, MSR: read-only */
	}
	update_irq(u);
}
