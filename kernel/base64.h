/* RFC 4648 base64 (the standard alphabet, with padding), strictly. */
#ifndef KERNEL_BASE64_H
#define KERNEL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes n characters of in into out (at most cap bytes). Whitespace,
 * the URL-safe alphabet, missing or misplaced padding and non-zero bits
 * after the last byte are errors. Returns the bytes written, or -1
 * (malformed) or -2 (more than cap bytes). */
long base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
