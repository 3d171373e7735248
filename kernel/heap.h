/* Kernel heap: small objects from size-class slabs, large ones as pages. */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include <stddef.h>

/* All return NULL on exhaustion or on size overflow. Memory from kzalloc
 * and kcalloc is zeroed; kfree poisons what it frees and accepts NULL. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kcalloc(size_t n, size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
/* Gives empty slabs back to the page allocator (for accounting checks). */
void kheap_trim(void);

#endif
