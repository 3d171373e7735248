/* Unit tests of the in-memory image tree (tools/mkimage/tree.c): path
 * normalisation, layer order, OCI whiteouts and opaque directories,
 * symlinks and hard links, and every way a hostile layer could try to
 * leave the root or write through a symlink. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/mkimage/tree.h"

static struct tree *t;

static int setup(void **state)
{
	t = tree_new();
	tree_begin_layer(t);
	return t ? 0 : -1;
}

static int teardown(void **state)
{
	tree_free(t);
	t = NULL;
	return 0;
}

static int put(enum tar_type type, const char *path, const char *link_or_data)
{
	struct tar_entry e = {
		.type = type, .path = path, .link = "", .mode = 0640, .uid = 1, .gid = 2,
		.mtime = 1234,
	};

	if (type == TAR_SYMLINK || type == TAR_HARDLINK)
		e.link = link_or_data;
	else if (type == TAR_FILE && link_or_data) {
		e.data = (const uint8_t *)link_or_data;
		e.size = strlen(link_or_data);
	}
	return tree_apply(t, &e);
}

static void refused(enum tar_type type, const char *path, const char *arg, const char *msg)
{
	int rc = put(type, path, arg);

	if (rc != -EINVAL)
		fail_msg("\"%s\": expected -EINVAL, got %d", path, rc);
	if (!strstr(tree_error(t), msg))
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", path, tree_error(t), msg);
}

static bool exists(const char *path)
{
	struct tree_stat st;

	return tree_lookup(t, path, &st) == 0;
}

static const char *content(const char *path)
{
	static char buf[256];
	struct tree_stat st;

	if (tree_lookup(t, path, &st) < 0 || st.type != TAR_FILE)
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)st.size, st.data ? (const char *)st.data : "");
	return buf;
}

static void test_normalize(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "a/b", "a/b" }, { "/a/b/", "a/b" }, { "./a//./b", "a/b" }, { "", "" },
		{ "/", "" }, { "./", "" }, { "a/../b", "b" }, { "a/b/../../c", "c" },
		{ "a/..", "" }, { "///x", "x" },
	};
	static const char *const bad[] = {
		"..", "../x", "/../x", "a/../../x", "../../etc/passwd", "./..", "a/b/../../..",
	};
	char out[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(tree_normalize(ok[i].in, out, sizeof(out)), 0);
		assert_string_equal(out, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tree_normalize(bad[i], out, sizeof(out)), -EINVAL);
	assert_int_equal(tree_normalize("aaaaaaaaaa/bbbbbbbbbb", out, 10), -E2BIG);
	{
		char name[TREE_MAX_NAME + 2];

		memset(name, 'x', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		assert_int_equal(tree_normalize(name, out, sizeof(out)), -ENAMETOOLONG);
		refused(TAR_FILE, name, "x", "a name over 255 bytes");
	}
}

static void test_traversal_refused(void **state)
{
	refused(TAR_FILE, "../../etc/passwd", "x", "escapes the image root");
	refused(TAR_FILE, "/../x", "x", "escapes the image root");
	refused(TAR_FILE, "a/../../x", "x", "escapes the image root");
	refused(TAR_DIR, "..", NULL, "escapes");
	/* Absolute paths are rooted in the image. */
	assert_int_equal(put(TAR_FILE, "/etc/passwd", "root"), 0);
	assert_string_equal(content("etc/passwd"), "root");
	assert_false(exists("../etc"));
}

static void test_parents_created(void **state)
{
	struct tree_stat st;

	assert_int_equal(put(TAR_FILE, "x/y/z", "deep"), 0);
	assert_int_equal(tree_lookup(t, "x/y", &st), 0);
	assert_int_equal(st.type, TAR_DIR);
	assert_int_equal(st.mode, 0755);
	assert_int_equal(tree_lookup(t, "x/y/z", &st), 0);
	assert_int_equal(st.mode, 0640);
	assert_int_equal(st.uid, 1);
	assert_int_equal(st.gid, 2);
	assert_int_equal(st.mtime, 1234);
	/* A file is no directory. */
	refused(TAR_FILE, "x/y/z/w", "n", "is not a directory");
}

static void test_symlinks(void **state)
{
	struct tree_stat st;

	/* Stored as-is, even when absolute or pointing "outside". */
	assert_int_equal(put(TAR_SYMLINK, "etc", "/host/etc"), 0);
	assert_int_equal(put(TAR_SYMLINK, "up", "../../../../"), 0);
	assert_int_equal(tree_lookup(t, "etc", &st), 0);
	assert_int_equal(st.type, TAR_SYMLINK);
	assert_string_equal(st.target, "/host/etc");
	/* Never written through. */
	refused(TAR_FILE, "etc/passwd", "pwned", "is a symlink");
	refused(TAR_DIR, "up/x", NULL, "is a symlink");
	refused(TAR_SYMLINK, "etc/x", "y", "is a symlink");
	refused(TAR_FILE, "etc/../etc/passwd", "x", "is a symlink");
	assert_int_equal(tree_lookup(t, "etc/passwd", &st), -ENOTDIR);
	/* But a symlink can be replaced by a directory. */
	assert_int_equal(put(TAR_DIR, "etc", NULL), 0);
	assert_int_equal(put(TAR_FILE, "etc/passwd", "ok"), 0);
	assert_string_equal(content("etc/passwd"), "ok");
}

static void test_hardlinks(void **state)
{
	struct tree_stat st;

	assert_int_equal(put(TAR_FILE, "bin/busybox", "BB"), 0);
	assert_int_equal(put(TAR_HARDLINK, "bin/sh", "bin/busybox"), 0);
	assert_int_equal(put(TAR_HARDLINK, "usr/sh", "/bin/busybox"), 0);
	assert_int_equal(tree_lookup(t, "bin/sh", &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_string_equal(content("usr/sh"), "BB");
	/* Replacing one name leaves the others. */
	assert_int_equal(put(TAR_FILE, "bin/busybox", "new"), 0);
	assert_int_equal(tree_lookup(t, "bin/sh", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_string_equal(content("bin/sh"), "BB");
	/* A link to itself keeps the file. */
	assert_int_equal(put(TAR_HARDLINK, "bin/sh", "bin/sh"), 0);
	assert_string_equal(content("bin/sh"), "BB");

	refused(TAR_HARDLINK, "a", "../../etc/shadow", "outside the image");
	refused(TAR_HARDLINK, "a", "/", "outside the image");
	refused(TAR_HARDLINK, "a", "nonexistent", "does not exist");
	refused(TAR_HARDLINK, "a", "bin", "not a regular file");
	assert_int_equal(put(TAR_SYMLINK, "lnk", "bin"), 0);
	refused(TAR_HARDLINK, "a", "lnk/sh", "does not exist");
	refused(TAR_HARDLINK, "a", "lnk", "not a regular file");
	assert_false(exists("a"));
}

static void test_layers_and_whiteouts(void **state)
{
	/* layer 1 */
	assert_int_equal(put(TAR_FILE, "etc/secret", "s"), 0);
	assert_int_equal(put(TAR_FILE, "etc/keep", "k"), 0);
	assert_int_equal(put(TAR_FILE, "data/old/a", "a"), 0);
	assert_int_equal(put(TAR_FILE, "data/b", "b"), 0);
	assert_int_equal(put(TAR_FILE, "f", "v1"), 0);
	/* layer 2 */
	tree_begin_layer(t);
	assert_int_equal(put(TAR_FILE, "f", "v2"), 0);
	assert_int_equal(put(TAR_FILE, "etc/.wh.secret", ""), 0);
	assert_int_equal(put(TAR_FILE, "etc/.wh.nothing", ""), 0);
	assert_int_equal(put(TAR_FILE, "nodir/.wh.x", ""), 0);
	assert_false(exists("nodir"));		/* whiteouts create nothing */
	/* This layer's own entry survives its opaque marker, in any order. */
	assert_int_equal(put(TAR_FILE, "data/new", "n"), 0);
	assert_int_equal(put(TAR_FILE, "data/.wh..wh..opq", ""), 0);
	assert_int_equal(put(TAR_FILE, "data/later", "l"), 0);

	assert_string_equal(content("f"), "v2");
	assert_false(exists("etc/secret"));
	assert_false(exists("etc/.wh.secret"));
	assert_string_equal(content("etc/keep"), "k");
	assert_false(exists("data/old"));
	assert_false(exists("data/b"));
	assert_false(exists("data/.wh..wh..opq"));
	assert_string_equal(content("data/new"), "n");
	assert_string_equal(content("data/later"), "l");

	/* A whiteout in the same layer as its target does not remove it
	 * (it applies to lower layers only). */
	tree_begin_layer(t);
	assert_int_equal(put(TAR_FILE, "same", "x"), 0);
	assert_int_equal(put(TAR_FILE, ".wh.same", ""), 0);
	assert_true(exists("same"));

	/* Unknown whiteout metadata is skipped with a message. */
	assert_int_equal(put(TAR_FILE, ".wh..wh.plnk", ""), 1);
	assert_non_null(strstr(tree_error(t), "unknown whiteout"));
	refused(TAR_FILE, "etc/.wh.", "", "names nothing");
	/* A whiteout below a symlink is refused like any other entry. */
	assert_int_equal(put(TAR_SYMLINK, "sl", "etc"), 0);
	tree_begin_layer(t);
	refused(TAR_FILE, "sl/.wh.keep", "", "is a symlink");
	assert_true(exists("etc/keep"));
}

static void test_opaque_keeps_new_descendants(void **state)
{
	assert_int_equal(put(TAR_FILE, "d/sub/lower", "1"), 0);
	tree_begin_layer(t);
	assert_int_equal(put(TAR_FILE, "d/sub/upper", "2"), 0);
	assert_int_equal(put(TAR_FILE, "d/.wh..wh..opq", ""), 0);
	assert_false(exists("d/sub/lower"));
	assert_string_equal(content("d/sub/upper"), "2");
}

static void test_replace_types(void **state)
{
	struct tree_stat st;

	assert_int_equal(put(TAR_FILE, "d/x", "x"), 0);
	/* Directory over directory keeps the contents, updates metadata. */
	assert_int_equal(put(TAR_DIR, "d", NULL), 0);
	assert_int_equal(tree_lookup(t, "d", &st), 0);
	assert_int_equal(st.mode, 0640);
	assert_true(exists("d/x"));
	/* A file replaces a directory and everything in it. */
	assert_int_equal(put(TAR_FILE, "d", "file"), 0);
	assert_false(exists("d/x"));
	assert_string_equal(content("d"), "file");
	/* The root only takes directory metadata. */
	assert_int_equal(put(TAR_DIR, "./", NULL), 0);
	refused(TAR_FILE, "/", "x", "image root");
}

static void test_devices_skipped(void **state)
{
	assert_int_equal(put(TAR_CHAR, "dev/null", NULL), 1);
	assert_non_null(strstr(tree_error(t), "skipped char device"));
	assert_int_equal(put(TAR_BLOCKDEV, "dev/sda", NULL), 1);
	assert_int_equal(put(TAR_FIFO, "p", NULL), 1);
	assert_false(exists("dev/null"));
	assert_false(exists("p"));
}

struct walk_rec {
	char paths[32][64];
	struct tree_stat st[32];
	int n;
};

static int rec_visit(void *ctx, const char *path, const struct tree_stat *st)
{
	struct walk_rec *w = ctx;

	if (w->n < 32) {
		snprintf(w->paths[w->n], 64, "%s", path);
		w->st[w->n++] = *st;
	}
	return 0;
}

static void test_walk(void **state)
{
	static const char *const want[] = { "", "a", "a/f", "a/h", "b", "b/link" };
	struct walk_rec w = { .n = 0 };

	assert_int_equal(put(TAR_FILE, "b/link", NULL), 0);
	assert_int_equal(put(TAR_FILE, "a/h", "data"), 0);
	assert_int_equal(put(TAR_HARDLINK, "a/f", "a/h"), 0);
	assert_int_equal(put(TAR_SYMLINK, "b/link", "../a/f"), 0);
	assert_int_equal(tree_walk(t, rec_visit, &w), 0);
	assert_int_equal(w.n, 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(w.paths[i], want[i]);
	/* Parents before children, one inode for both names of a/h, the
	 * data with the last of them. */
	assert_int_equal(w.st[2].ino, w.st[3].ino);
	assert_int_equal(w.st[2].nlink, 2);
	assert_false(w.st[2].data_here);
	assert_true(w.st[3].data_here);
	assert_int_not_equal(w.st[1].ino, w.st[2].ino);
	assert_int_equal(w.st[5].type, TAR_SYMLINK);
	assert_string_equal(w.st[5].target, "../a/f");
	/* A second walk numbers the same way. */
	w.n = 0;
	assert_int_equal(tree_walk(t, rec_visit, &w), 0);
	assert_true(w.st[3].data_here);
	assert_int_equal(w.st[0].ino, 1);
}

static void test_many_children(void **state)
{
	char name[32];

	/* Sorted insertion and lookup in a wide directory. */
	for (int i = 999; i >= 0; i--) {
		snprintf(name, sizeof(name), "d/%d", (i * 7919) % 1000);
		assert_int_equal(put(TAR_FILE, name, name), 0);
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "d/%d", i);
		assert_string_equal(content(name), name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_normalize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traversal_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parents_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layers_and_whiteouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opaque_keeps_new_descendants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_children, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
