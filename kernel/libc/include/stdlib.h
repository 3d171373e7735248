/* The subset of <stdlib.h> lwIP and mbedtls use. Allocation is the kernel
 * heap (kernel/heap.h): calloc zeroes, as mbedtls requires, and free
 * accepts NULL and poisons what it frees. */
#ifndef _BASTION_STDLIB_H
#define _BASTION_STDLIB_H

#include <stddef.h>

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *p);

int atoi(const char *s);

/* Every value comes from entropy_get(), so rand() can never be the weak
 * generator ISO C allows. Only mbedtls's RSA self-test calls it. Returns
 * 0 if the entropy sources failed. */
#define RAND_MAX	0x7fffffff
int rand(void);

#endif
