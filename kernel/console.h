/* The console service: the RPC protocol (kernel/RPC.md) for physical
 * access, one admin session on COM1, and over the network (the management
 * port and its TLS sessions, kernel/remote.h), on one task. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct bootcfg;

/* Finds a boot module by name: its bytes and length, or NULL. */
typedef const void *(*console_module_fn)(const char *name, size_t *len);

/* Starts the console task on CPU 0 (after the switch: it adds the
 * management port); vm.create finds images among the uploaded ones, then
 * with modules. serial: also serve COM1. cfg is kept. Returns 0, -ENOMEM
 * or -EINVAL. */
int console_start(console_module_fn modules, const struct bootcfg *cfg, bool serial);

#endif
