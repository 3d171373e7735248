/* The image's file system, built in memory from layers (never on the host
 * file system, so a hostile layer cannot make us write outside the image).
 *
 * Paths are normalised lexically under the root: leading '/', "." and
 * empty components are dropped, ".." pops a component and is refused when
 * it would leave the root. Symlinks are stored as they are (only the guest
 * resolves them); no entry is ever placed through one: an intermediate
 * component that is a symlink or a non-directory is an error, as is a hard
 * link whose target is missing, outside the tree, or not a regular file.
 *
 * Layers follow the OCI image spec (image-spec layer.md): an entry
 * replaces what is at its path (directories over directories only update
 * metadata), ".wh.NAME" removes NAME of lower layers, ".wh..wh..opq" hides
 * everything lower layers put in its directory. Device nodes and FIFOs are
 * skipped (devtmpfs provides /dev in the guest).
 */
#ifndef TOOLS_MKIMAGE_TREE_H
#define TOOLS_MKIMAGE_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/mkimage/tar.h"

#define TREE_MAX_NAME   255		/* bytes of one path component */
#define TREE_MAX_DEPTH  256		/* components of one path */
#define TREE_MAX_NODES  (1u << 20)

struct tree;

/* What a walk or lookup reports about one path. */
struct tree_stat {
	enum tar_type type;	/* TAR_FILE, TAR_DIR or TAR_SYMLINK */
	uint32_t mode;		/* permission bits only */
	uint32_t uid, gid;
	int64_t mtime;
	uint64_t size;		/* FILE: bytes */
	const uint8_t *data;	/* FILE: contents */
	const char *target;	/* SYMLINK: target as stored */
	uint32_t ino;		/* shared by hard links; 1.. in walk order */
	uint32_t nlink;		/* FILE: names of this inode in the tree */
	int data_here;		/* walk: 1 on the last name of an inode (where
				 * a newc archive carries the data) */
};

struct tree *tree_new(void);
void tree_free(struct tree *t);

/* Starts the next layer: whiteouts only remove what earlier layers made. */
void tree_begin_layer(struct tree *t);

/* Applies one member of the current layer; file data is copied. Returns 0,
 * 1 (skipped: a device node or an unknown whiteout, tree_error() says
 * why), -EINVAL (refused: escapes the root, through a symlink, bad hard
 * link, ...; tree_error() says why), -E2BIG (a limit), -ENOMEM. */
int tree_apply(struct tree *t, const struct tar_entry *e);

/* The message of the last refusal or skip. */
const char *tree_error(const struct tree *t);

/* Looks path up without following symlinks (at any component). Returns 0,
 * -ENOENT, -ENOTDIR (a component is not a directory), -EINVAL (bad path). */
int tree_lookup(const struct tree *t, const char *path, struct tree_stat *st);

/* Calls fn for every path, parents before children, siblings sorted by
 * name; the root is "" (reported first). Stops at fn's first non-zero
 * return and returns it. */
typedef int (*tree_visit_fn)(void *ctx, const char *path, const struct tree_stat *st);
int tree_walk(struct tree *t, tree_visit_fn fn, void *ctx);

/* Normalises in (see above) into out, without leading or trailing '/'
 * ("" is the root). Returns 0, -EINVAL (escapes the root), -ENAMETOOLONG
 * (a component longer than TREE_MAX_NAME), -E2BIG (too long or deep). */
int tree_normalize(const char *in, char *out, size_t outlen);

#endif
