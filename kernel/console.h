/* The serial console: the RPC protocol (kernel/RPC.md) for physical
 * access, one admin session on COM1. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>

/* Finds a boot module by name: its bytes and length, or NULL. */
typedef const void *(*console_module_fn)(const char *name, size_t *len);

/* Starts the console task on CPU 0; vm.create finds images with
 * modules. Returns 0, -ENOMEM or -EINVAL. */
int console_start(console_module_fn modules);

#endif
