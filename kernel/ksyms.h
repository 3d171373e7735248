/* The kernel's own text symbols (embedded at link time), for backtraces. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* Returns the name of the function containing addr and the offset into
 * it, or NULL when addr is outside the kernel text. */
const char *ksyms_lookup(uint64_t addr, uint64_t *off);

#endif
