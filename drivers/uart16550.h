/* 16550 UART: the host's serial console. */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include <stddef.h>
#include <stdint.h>

void uart_init(uint16_t port, uint32_t baud);
void uart_write(const char *s, size_t n);	/* '\n' becomes "\r\n" */
int uart_getc(void);				/* -1 when nothing is waiting */
void uart_drain(void);				/* until the shifter is empty */

#endif
