/* <stdlib.h> allocation for third-party code, on the kernel heap. */
#include <limits.h>
#include <stdlib.h>
#include "kernel/entropy.h"
#include "kernel/heap.h"

void *malloc(size_t size)
{
	return kmalloc(size);
}

/* kcalloc checks n * size for overflow and zeroes the memory. */
void *calloc(size_t n, size_t size)
{
	return kcalloc(n, size);
}

void free(void *p)
{
	kfree(p);
}

/* Decimal only, as lwIP's netif_find() uses it on names like "en0".
 * ISO C leaves overflow undefined; here it saturates. */
int atoi(const char *s)
{
	unsigned long v = 0, max;
	int neg = 0;

	while (*s == ' ' || (unsigned)*s - '\t' < 5)
		s++;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	max = neg ? (unsigned long)INT_MAX + 1 : INT_MAX;
	for (; (unsigned)*s - '0' < 10; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max) {
			v = max;
			break;
		}
	}
	return neg ? (int)-(long)v : (int)v;
}

int rand(void)
{
	unsigned int v;

	if (entropy_get(&v, sizeof(v)))
		return 0;
	return (int)(v & RAND_MAX);
}
