/* A 16550A UART for a guest (the console at 0x3f8). Pure device model:
 * output bytes go to a callback (the VM's console ring), the interrupt
 * line through another; input comes from ns16550_rx(). */
#ifndef VMM_DEV_NS16550_H
#define VMM_DEV_NS16550_H

#include <stdbool.h>
#include <stdint.h>

#define NS16550_FIFO 16

struct ns16550 {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;
	bool thre_pending;	/* a THR-empty interrupt is owed */
	uint8_t rx[NS16550_FIFO];
	uint8_t rx_head, rx_count;
	uint16_t rx_brk;	/* FIFO slots holding a break */
	bool rx_overrun;
	void (*tx)(void *ctx, uint8_t byte);
	void (*irq)(void *ctx, bool level);	/* may be NULL */
	void *ctx;
};

void ns16550_init(struct ns16550 *u, void (*tx)(void *, uint8_t),
		  void (*irq)(void *, bool), void *ctx);

/* Register access at offset 0..7 from the base port; any value is fine
 * (the guest controls it). Reads return the register, writes never fail. */
uint8_t ns16550_read(struct ns16550 *u, unsigned off);
void ns16550_write(struct ns16550 *u, unsigned off, uint8_t val);

/* Host-side input (a byte for the guest). Returns false when the FIFO is
 * full (the byte is dropped and an overrun is flagged, as on the chip). */
bool ns16550_rx(struct ns16550 *u, uint8_t byte);
/* A break condition on the line (what a serial console's magic SysRq
 * starts with). Same return as ns16550_rx. */
bool ns16550_break(struct ns16550 *u);

#endif
