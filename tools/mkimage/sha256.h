/* SHA-256 (FIPS 180-4), to check OCI blobs against their digests. */
#ifndef TOOLS_MKIMAGE_SHA256_H
#define TOOLS_MKIMAGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* out: 32 bytes. */
void sha256(const void *data, size_t len, uint8_t out[32]);

#endif
