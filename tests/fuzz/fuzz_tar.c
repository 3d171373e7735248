/* Fuzz target: a layer tar through the tar reader into the image tree,
 * applied twice (the second time as an upper layer, so its whiteouts and
 * replacements meet the first's entries), then written out as a newc
 * archive to a counting sink. Errors are expected; crashes, leaks and
 * undefined behaviour are not. */
#include <stddef.h>
#include <stdint.h>

#include "tools/mkimage/cpio.h"
#include "tools/mkimage/tar.h"
#include "tools/mkimage/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ctx, const void *buf, size_t len)
{
	*(size_t *)ctx += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tree *t = tree_new();
	size_t written = 0;
	struct cpio_writer w = { .sink = sink, .ctx = &written };

	if (!t)
		return 0;
	for (int layer = 0; layer < 2; layer++) {
		struct tar_reader r;
		struct tar_entry e;

		tree_begin_layer(t);
		tar_open(&r, data, size);
		while (tar_next(&r, &e) > 0)
			if (tree_apply(t, &e) < 0)
				break;
		tar_close(&r);
	}
	cpio_write_tree(&w, t);
	tree_free(t);
	return 0;
}
