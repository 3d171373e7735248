/* In-memory image tree: see tree.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/mkimage/tree.h"

/* A file's data and metadata, shared by its hard links. */
struct inode {
	enum tar_type type;
	uint32_t mode, uid, gid;
	int64_t mtime;
	uint8_t *data;
	uint64_t size;
	char *target;		/* SYMLINK */
	uint32_t nlink;		/* names referring to it */
	uint32_t ino, seen;	/* walk: number given, names visited */
};

struct node {
	char *name;
	struct inode *ino;
	struct node **kids;	/* DIR: sorted by name */
	size_t nkids, cap;
	unsigned layer;		/* layer that last created or updated it */
};

struct tree {
	struct node root;
	unsigned layer;
	size_t nodes;
	uint32_t next_ino;
	char err[512];
};

static int seterr(struct tree *t, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int seterr(struct tree *t, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return rc;
}

const char *tree_error(const struct tree *t)
{
	return t->err;
}

static struct inode *inode_new(enum tar_type type, uint32_t mode)
{
	struct inode *i = calloc(1, sizeof(*i));

	if (i) {
		i->type = type;
		i->mode = mode;
	}
	return i;
}

static void inode_put(struct inode *i)
{
	if (i && --i->nlink == 0) {
		free(i->data);
		free(i->target);
		free(i);
	}
}

static void node_free(struct tree *t, struct node *n)
{
	for (size_t k = 0; k < n->nkids; k++) {
		node_free(t, n->kids[k]);
		free(n->kids[k]);
	}
	free(n->kids);
	n->kids = NULL;
	n->nkids = n->cap = 0;
	free(n->name);
	n->name = NULL;
	inode_put(n->ino);
	n->ino = NULL;
	t->nodes--;
}

struct tree *tree_new(void)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->root.ino = inode_new(TAR_DIR, 0755);
	if (!t->root.ino) {
		free(t);
		return NULL;
	}
	t->root.ino->nlink = 1;
	t->nodes = 1;
	return t;
}

void tree_free(struct tree *t)
{
	if (!t)
		return;
	node_free(t, &t->root);
	free(t);
}

void tree_begin_layer(struct tree *t)
{
	t->layer++;
}

int tree_normalize(const char *in, char *out, size_t outlen)
{
	size_t len = 0, depth = 0;
	const char *p = in;

	if (outlen == 0)
		return -E2BIG;
	out[0] = '\0';
	while (*p) {
		const char *c = p;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (depth == 0)
				return -EINVAL;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;		/* the '/' before it */
			out[len] = '\0';
			depth--;
			continue;
		}
		if (n > TREE_MAX_NAME)
			return -ENAMETOOLONG;
		if (depth + 1 > TREE_MAX_DEPTH || len + (len ? 1 : 0) + n + 1 > outlen)
			return -E2BIG;
		if (len)
			out[len++] = '/';
		memcpy(out + len, c, n);
		len += n;
		out[len] = '\0';
		depth++;
	}
	return 0;
}

/* Index of name among n's kids, or -(insertion point) - 1. */
static long kid_find(const struct node *n, const char *name)
{
	size_t lo = 0, hi = n->nkids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(n->kids[mid]->name, name);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static void kid_remove(struct tree *t, struct node *dir, size_t idx)
{
	struct node *k = dir->kids[idx];

	node_free(t, k);
	free(k);
	memmove(dir->kids + idx, dir->kids + idx + 1,
		(dir->nkids - idx - 1) * sizeof(*dir->kids));
	dir->nkids--;
}

/* A new, empty child called name[0..n) at insertion point pos. */
static struct node *kid_insert(struct tree *t, struct node *dir, size_t pos,
			       const char *name, size_t n)
{
	struct node *k;

	if (t->nodes >= TREE_MAX_NODES)
		return NULL;
	if (dir->nkids == dir->cap) {
		size_t cap = dir->cap ? dir->cap * 2 : 4;
		struct node **kids = realloc(dir->kids, cap * sizeof(*kids));

		if (!kids)
			return NULL;
		dir->kids = kids;
		dir->cap = cap;
	}
	k = calloc(1, sizeof(*k));
	if (!k || !(k->name = strndup(name, n))) {
		free(k);
		return NULL;
	}
	memmove(dir->kids + pos + 1, dir->kids + pos, (dir->nkids - pos) * sizeof(*dir->kids));
	dir->kids[pos] = k;
	dir->nkids++;
	t->nodes++;
	return k;
}

/* The directory holding normalised path np (creating missing parents when
 * create is set) and the last component in *leaf. Never passes through a
 * symlink. */
static int parent_of(struct tree *t, const char *np, bool create, struct node **out,
		     const char **leaf, const char *what)
{
	struct node *d = &t->root;
	const char *p = np, *slash;

	while ((slash = strchr(p, '/'))) {
		char name[TREE_MAX_NAME + 1];
		size_t n = (size_t)(slash - p);
		long i;

		memcpy(name, p, n);
		name[n] = '\0';
		i = kid_find(d, name);
		if (i >= 0) {
			struct node *k = d->kids[i];

			if (k->ino->type == TAR_SYMLINK)
				return seterr(t, -EINVAL, "%s \"%s\": refused, \"%.*s\" is a symlink "
					      "(would write through it)", what, np, (int)(slash - np), np);
			if (k->ino->type != TAR_DIR)
				return seterr(t, -ENOTDIR, "%s \"%s\": \"%.*s\" is not a directory",
					      what, np, (int)(slash - np), np);
			d = k;
		} else if (!create) {
			return seterr(t, -ENOENT, "%s \"%s\": \"%.*s\" does not exist", what, np,
				      (int)(slash - np), np);
		} else {
			/* Layers may omit parents; make them as tar would. */
			struct node *k = kid_insert(t, d, (size_t)(-i - 1), name, n);

			if (!k || !(k->ino = inode_new(TAR_DIR, 0755)))
				return seterr(t, t->nodes >= TREE_MAX_NODES ? -E2BIG : -ENOMEM,
					      "%s \"%s\": out of memory or too many files", what, np);
			k->ino->nlink = 1;
			k->layer = t->layer;
			d = k;
		}
		p = slash + 1;
	}
	*out = d;
	*leaf = p;
	return 0;
}

/* Removes from dir everything older than layer, keeping directories that
 * hold something of this layer (their older contents go). Returns true
 * if anything of this layer remains in dir. */
static bool prune_lower(struct tree *t, struct node *dir, unsigned layer)
{
	bool kept = false;

	for (size_t k = dir->nkids; k-- > 0;) {
		struct node *c = dir->kids[k];

		if (c->layer >= layer) {
			kept = true;
		} else if (c->ino->type == TAR_DIR && prune_lower(t, c, layer)) {
			kept = true;
		} else {
			kid_remove(t, dir, k);
		}
	}
	return kept;
}

static int apply_whiteout(struct tree *t, struct node *dir, const char *np,
			  const char *leaf)
{
	const char *name = leaf + 4;	/* after ".wh." */
	long i;

	if (!strcmp(name, ".wh..opq")) {
		prune_lower(t, dir, t->layer);
		return 0;
	}
	if (!strncmp(name, ".wh.", 4))
		return seterr(t, 1, "skipped \"%s\": unknown whiteout metadata", np);
	if (!name[0])
		return seterr(t, -EINVAL, "whiteout \"%s\" names nothing", np);
	i = kid_find(dir, name);
	if (i >= 0 && dir->kids[i]->layer < t->layer)
		kid_remove(t, dir, (size_t)i);
	return 0;
}

int tree_apply(struct tree *t, const struct tar_entry *e)
{
	static const char *const kind[] = {
		[TAR_FILE] = "file", [TAR_HARDLINK] = "hard link", [TAR_SYMLINK] = "symlink",
		[TAR_CHAR] = "char device", [TAR_BLOCKDEV] = "block device",
		[TAR_DIR] = "directory", [TAR_FIFO] = "fifo",
	};
	char np[TAR_MAX_PATH + 1];
	struct inode *in = NULL;
	struct node *dir, *n;
	const char *leaf;
	long i;
	int rc;

	t->err[0] = '\0';
	rc = tree_normalize(e->path, np, sizeof(np));
	if (rc == -EINVAL)
		return seterr(t, rc, "refused \"%s\": escapes the image root", e->path);
	if (rc == -ENAMETOOLONG)
		return seterr(t, -EINVAL, "refused \"%.200s...\": a name over %d bytes",
			      e->path, TREE_MAX_NAME);
	if (rc < 0)
		return seterr(t, rc, "refused \"%.200s...\": path too long or too deep", e->path);

	if (e->type == TAR_CHAR || e->type == TAR_BLOCKDEV || e->type == TAR_FIFO)
		return seterr(t, 1, "skipped %s \"%s\" (devtmpfs provides /dev)",
			      kind[e->type], np);
	if (np[0] == '\0') {
		if (e->type != TAR_DIR)
			return seterr(t, -EINVAL, "refused %s at the image root", kind[e->type]);
		t->root.ino->mode = e->mode;
		t->root.ino->uid = e->uid;
		t->root.ino->gid = e->gid;
		t->root.ino->mtime = e->mtime;
		return 0;
	}
	leaf = strrchr(np, '/');
	leaf = leaf ? leaf + 1 : np;
	if (!strncmp(leaf, ".wh.", 4)) {
		/* Whiting out below a missing directory removes nothing. */
		rc = parent_of(t, np, false, &dir, &leaf, "whiteout");
		if (rc == -ENOENT)
			return 0;
		if (rc < 0)
			return -EINVAL;
		return apply_whiteout(t, dir, np, leaf);
	}
	if ((rc = parent_of(t, np, true, &dir, &leaf, kind[e->type])) < 0)
		return rc == -ENOTDIR ? -EINVAL : rc;

	if (e->type == TAR_HARDLINK) {
		char tp[TAR_MAX_PATH + 1];
		struct tree_stat st;
		struct node *tdir;
		const char *tleaf;
		long j;

		rc = tree_normalize(e->link, tp, sizeof(tp));
		if (rc < 0 || !tp[0])
			return seterr(t, -EINVAL, "refused hard link \"%s\": target \"%s\" is "
				      "outside the image", np, e->link);
		if (tree_lookup(t, tp, &st) < 0 ||
		    parent_of(t, tp, false, &tdir, &tleaf, "hard link target") < 0 ||
		    (j = kid_find(tdir, tleaf)) < 0)
			return seterr(t, -EINVAL, "refused hard link \"%s\": target \"%s\" does "
				      "not exist in the image", np, tp);
		if (st.type != TAR_FILE)
			return seterr(t, -EINVAL, "refused hard link \"%s\": target \"%s\" is not "
				      "a regular file", np, tp);
		in = tdir->kids[j]->ino;
		in->nlink++;		/* held across the removal below */
	}

	i = kid_find(dir, leaf);
	if (i >= 0) {
		n = dir->kids[i];
		if (e->type == TAR_DIR && n->ino->type == TAR_DIR) {
			/* A directory over a directory keeps its contents. */
			n->ino->mode = e->mode;
			n->ino->uid = e->uid;
			n->ino->gid = e->gid;
			n->ino->mtime = e->mtime;
			n->layer = t->layer;
			return 0;
		}
		kid_remove(t, dir, (size_t)i);
		i = kid_find(dir, leaf);
	}
	n = kid_insert(t, dir, (size_t)(-i - 1), leaf, strlen(leaf));
	if (!n) {
		inode_put(in);
		return seterr(t, t->nodes >= TREE_MAX_NODES ? -E2BIG : -ENOMEM,
			      "%s \"%s\": out of memory or too many files", kind[e->type], np);
	}
	n->layer = t->layer;
	if (in) {
		n->ino = in;
		return 0;
	}
	n->ino = in = inode_new(e->type, e->mode);
	if (!in)
		goto nomem;
	in->nlink = 1;
	in->uid = e->uid;
	in->gid = e->gid;
	in->mtime = e->mtime;
	if (e->type == TAR_SYMLINK && !(in->target = strdup(e->link)))
		goto nomem;
	if (e->type == TAR_FILE && e->size) {
		if (e->size > SIZE_MAX || !(in->data = malloc((size_t)e->size)))
			goto nomem;
		memcpy(in->data, e->data, (size_t)e->size);
		in->size = e->size;
	}
	return 0;
nomem:
	/* Leave no half-made entry behind. */
	i = kid_find(dir, leaf);
	if (i >= 0)
		kid_remove(t, dir, (size_t)i);
	return seterr(t, -ENOMEM, "%s \"%s\": out of memory", kind[e->type], np);
}

static void fill_stat(const struct inode *in, struct tree_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = in->type;
	st->mode = in->mode;
	st->uid = in->uid;
	st->gid = in->gid;
	st->mtime = in->mtime;
	st->size = in->size;
	st->data = in->data;
	st->target = in->target;
	st->ino = in->ino;
	st->nlink = in->nlink;
}

int tree_lookup(const struct tree *t, const char *path, struct tree_stat *st)
{
	char np[TAR_MAX_PATH + 1];
	const struct node *d = &t->root;
	char *p, *c;

	if (tree_normalize(path, np, sizeof(np)) < 0)
		return -EINVAL;
	for (p = np; *p; p = c) {
		long i;

		if (d->ino->type != TAR_DIR)
			return -ENOTDIR;
		c = strchr(p, '/');
		if (c)
			*c++ = '\0';
		else
			c = p + strlen(p);
		i = kid_find(d, p);
		if (i < 0)
			return -ENOENT;
		d = d->kids[i];
	}
	fill_stat(d->ino, st);
	return 0;
}

static int walk(struct tree *t, struct node *n, char *path, size_t len,
		tree_visit_fn fn, void *ctx)
{
	struct tree_stat st;
	int rc;

	if (!n->ino->ino) {
		n->ino->ino = ++t->next_ino;
		n->ino->seen = 0;
	}
	n->ino->seen++;
	fill_stat(n->ino, &st);
	st.data_here = n->ino->seen == n->ino->nlink;
	if ((rc = fn(ctx, path, &st)))
		return rc;
	for (size_t k = 0; k < n->nkids; k++) {
		size_t l = strlen(n->kids[k]->name), nl = len + (len ? 1 : 0) + l;

		if (nl > TAR_MAX_PATH)
			return -E2BIG;
		if (len)
			path[len] = '/';
		memcpy(path + len + (len ? 1 : 0), n->kids[k]->name, l + 1);
		if ((rc = walk(t, n->kids[k], path, nl, fn, ctx)))
			return rc;
		path[len] = '\0';
	}
	return 0;
}

static void reset_ino(struct node *n)
{
	n->ino->ino = 0;
	n->ino->seen = 0;
	for (size_t k = 0; k < n->nkids; k++)
		reset_ino(n->kids[k]);
}

int tree_walk(struct tree *t, tree_visit_fn fn, void *ctx)
{
	char path[TAR_MAX_PATH + 1] = "";

	reset_ino(&t->root);
	t->next_ino = 0;
	return walk(t, &t->root, path, 0, fn, ctx);
}
