/* newc ("070701") cpio writer: the format Linux unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Output
 * goes to a caller-supplied sink, so the writer is pure. */
#ifndef TOOLS_MKIMAGE_CPIO_H
#define TOOLS_MKIMAGE_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include "tools/mkimage/tree.h"

#define CPIO_MAGIC "070701"
#define CPIO_HDR   110		/* bytes of a newc header */

/* sink returns 0 or -errno. [c] one caller only. */
struct cpio_writer {
	int (*sink)(void *ctx, const void *buf, size_t len);
	void *ctx;
	uint64_t off;		/* bytes written so far (for 4-byte padding) */
};

/* One member: mode holds the file type bits (S_IFREG, ...). Data for a
 * symlink is its target. mtime outside 0..2^32-1 is clamped (newc has 32
 * bits). Returns 0, -EINVAL (empty name), -EFBIG (data of
 * 4 GiB or more), or the sink's error. */
int cpio_add(struct cpio_writer *w, const char *name, uint32_t mode, uint32_t uid,
	     uint32_t gid, uint32_t nlink, int64_t mtime, uint32_t ino,
	     const void *data, uint64_t size);

/* The "TRAILER!!!" member. Returns 0 or the sink's error. */
int cpio_finish(struct cpio_writer *w);

/* Every path of t, parents first ("." for the root); hard links share an
 * inode number, their data travels with the last name (as GNU cpio
 * writes it; Linux's unpacker links the names and appends the data).
 * Then the trailer. Returns 0 or an error of cpio_add(). */
int cpio_write_tree(struct cpio_writer *w, struct tree *t);

#endif
