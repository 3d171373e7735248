/* newc cpio writer: see cpio.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/mkimage/cpio.h"

static int pad4(struct cpio_writer *w)
{
	static const char zero[4];
	size_t n = (size_t)((4 - (w->off & 3)) & 3);
	int rc = n ? w->sink(w->ctx, zero, n) : 0;

	w->off += n;
	return rc;
}

static int put(struct cpio_writer *w, const void *buf, size_t len)
{
	int rc = len ? w->sink(w->ctx, buf, len) : 0;

	w->off += len;
	return rc;
}

int cpio_add(struct cpio_writer *w, const char *name, uint32_t mode, uint32_t uid,
	     uint32_t gid, uint32_t nlink, int64_t mtime, uint32_t ino,
	     const void *data, uint64_t size)
{
	char hdr[CPIO_HDR + 1];
	size_t nlen = strlen(name);
	uint32_t mt = mtime < 0 ? 0 : mtime > UINT32_MAX ? UINT32_MAX : (uint32_t)mtime;
	int rc;

	if (nlen == 0)
		return -EINVAL;
	if (size > UINT32_MAX)
		return -EFBIG;
	snprintf(hdr, sizeof(hdr), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 CPIO_MAGIC, ino, mode, uid, gid, nlink, mt, (uint32_t)size,
		 0u, 0u, 0u, 0u, (uint32_t)(nlen + 1), 0u);
	if ((rc = put(w, hdr, CPIO_HDR)) < 0 || (rc = put(w, name, nlen + 1)) < 0 ||
	    (rc = pad4(w)) < 0 || (rc = put(w, data, (size_t)size)) < 0)
		return rc;
	return pad4(w);
}

int cpio_finish(struct cpio_writer *w)
{
	return cpio_add(w, "TRAILER!!!", 0, 0, 0, 1, 0, 0, NULL, 0);
}

static int visit(void *ctx, const char *path, const struct tree_stat *st)
{
	struct cpio_writer *w = ctx;
	const char *name = path[0] ? path : ".";

	switch (st->type) {
	case TAR_DIR:
		return cpio_add(w, name, S_IFDIR | st->mode, st->uid, st->gid, 2,
				st->mtime, st->ino, NULL, 0);
	case TAR_SYMLINK:
		return cpio_add(w, name, S_IFLNK | 0777, st->uid, st->gid, 1,
				st->mtime, st->ino, st->target, strlen(st->target));
	case TAR_FILE:
		return cpio_add(w, name, S_IFREG | st->mode, st->uid, st->gid, st->nlink,
				st->mtime, st->ino, st->data, st->data_here ? st->size : 0);
	default:
		return -EINVAL;		/* the tree holds no other type */
	}
}

int cpio_write_tree(struct cpio_writer *w, struct tree *t)
{
	int rc = tree_walk(t, visit, w);

	return rc ? rc : cpio_finish(w);
}
