/* Fake guest RAM (see fake_gm.h). */
#include <stdlib.h>
#include <string.h>
#include "tests/unit/support/fake_gm.h"

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	struct fake_gm *f = ctx;

	f->maps++;
	if (gpa > f->size || len > f->size - gpa) {
		f->refused++;
		return NULL;
	}
	return f->ram + gpa;
}

void fake_gm_init(struct fake_gm *f, size_t size)
{
	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, size);
	if (!f->ram)
		abort();
	f->size = size;
	f->gm.map = fake_map;
	f->gm.ctx = f;
	f->gm.ram_bytes = size;
}

void fake_gm_free(struct fake_gm *f)
{
	free(f->ram);
	f->ram = NULL;
}
