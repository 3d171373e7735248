/* A fake guest RAM for device-model tests and fuzzers: one malloc'd block
 * of exactly ram_bytes (so ASan catches any access past it) behind a
 * struct guest_mem whose map() refuses what is not inside. */
#ifndef TESTS_FAKE_GM_H
#define TESTS_FAKE_GM_H

#include <stddef.h>
#include <stdint.h>
#include "vmm/loader.h"

struct fake_gm {
	struct guest_mem gm;
	uint8_t *ram;
	size_t size;
	unsigned long maps, refused;	/* map() calls, of which refused */
};

void fake_gm_init(struct fake_gm *f, size_t size);
void fake_gm_free(struct fake_gm *f);

#endif
