/* The serial console: the RPC protocol (kernel/RPC.md) for physical
 * access, one admin session on COM1. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

/* Starts the console task on CPU 0. Returns 0, -ENOMEM or -EINVAL. */
int console_start(void);

#endif
