/* Unit tests of the newc writer (tools/mkimage/cpio.c), read back by an
 * independent parser written here from the format description, and of
 * the run configuration encoding shared with the guest init
 * (tools/mkimage/config.c): round trips and every malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tools/mkimage/config.h"
#include "tools/mkimage/cpio.h"
#include "tools/mkimage/tree.h"

/* ---------------------------------------------------------------- sink */

static uint8_t out[1 << 16];
static size_t outlen;
static size_t fail_after = SIZE_MAX;

static int sink(void *ctx, const void *buf, size_t len)
{
	if (outlen + len > fail_after || outlen + len > sizeof(out))
		return -ENOSPC;
	memcpy(out + outlen, buf, len);
	outlen += len;
	return 0;
}

/* ---------------------------------------------------------------- reader */

struct member {
	char name[256];
	uint32_t ino, mode, uid, gid, nlink, mtime, size;
	const uint8_t *data;
};

static uint32_t hex8(const uint8_t *p)
{
	char b[9];

	memcpy(b, p, 8);
	b[8] = '\0';
	for (int i = 0; i < 8; i++)
		assert_non_null(strchr("0123456789ABCDEF", b[i]));
	return (uint32_t)strtoul(b, NULL, 16);
}

/* Parses out[] into m; returns the member count (trailer excluded). */
static int parse(struct member *m, int max)
{
	size_t pos = 0;
	int n = 0;

	for (;;) {
		struct member x;
		uint32_t namesize;

		assert_true(pos + CPIO_HDR <= outlen);
		assert_memory_equal(out + pos, "070701", 6);
		x.ino = hex8(out + pos + 6);
		x.mode = hex8(out + pos + 14);
		x.uid = hex8(out + pos + 22);
		x.gid = hex8(out + pos + 30);
		x.nlink = hex8(out + pos + 38);
		x.mtime = hex8(out + pos + 46);
		x.size = hex8(out + pos + 54);
		for (int f = 7; f < 11; f++)
			assert_int_equal(hex8(out + pos + 6 + 8 * f), 0);	/* dev numbers */
		namesize = hex8(out + pos + 94);
		assert_int_equal(hex8(out + pos + 102), 0);		/* check */
		assert_true(namesize >= 2 && namesize < sizeof(x.name));
		assert_true(pos + CPIO_HDR + namesize <= outlen);
		memcpy(x.name, out + pos + CPIO_HDR, namesize);
		assert_int_equal(x.name[namesize - 1], '\0');
		assert_int_equal(strlen(x.name), namesize - 1);
		pos = (pos + CPIO_HDR + namesize + 3) & ~(size_t)3;
		x.data = out + pos;
		assert_true(pos + x.size <= outlen);
		pos = (pos + x.size + 3) & ~(size_t)3;
		if (!strcmp(x.name, "TRAILER!!!")) {
			assert_int_equal(pos, outlen);
			return n;
		}
		assert_true(n < max);
		m[n++] = x;
	}
}

static void test_add_and_parse(void **state)
{
	struct cpio_writer w = { .sink = sink };
	struct member m[4];

	outlen = 0;
	assert_int_equal(cpio_add(&w, "a", S_IFREG | 0644, 7, 8, 1, 99, 5, "hello", 5), 0);
	assert_int_equal(cpio_add(&w, "dir/bb", S_IFDIR | 0755, 0, 0, 2, -5, 6, NULL, 0), 0);
	assert_int_equal(cpio_add(&w, "ccc", S_IFLNK | 0777, 0, 0, 1, 1LL << 40, 7, "a", 1), 0);
	assert_int_equal(cpio_finish(&w), 0);
	assert_int_equal(w.off, outlen);
	assert_int_equal(outlen % 4, 0);
	assert_int_equal(parse(m, 4), 3);
	assert_string_equal(m[0].name, "a");
	assert_int_equal(m[0].mode, S_IFREG | 0644);
	assert_int_equal(m[0].uid, 7);
	assert_int_equal(m[0].gid, 8);
	assert_int_equal(m[0].ino, 5);
	assert_int_equal(m[0].mtime, 99);
	assert_int_equal(m[0].size, 5);
	assert_memory_equal(m[0].data, "hello", 5);
	assert_int_equal(m[1].mtime, 0);		/* clamped */
	assert_int_equal(m[2].mtime, UINT32_MAX);	/* clamped */
	assert_int_equal(m[2].mode, S_IFLNK | 0777);
	assert_memory_equal(m[2].data, "a", 1);

	assert_int_equal(cpio_add(&w, "", S_IFREG, 0, 0, 1, 0, 1, NULL, 0), -EINVAL);
	assert_int_equal(cpio_add(&w, "big", S_IFREG, 0, 0, 1, 0, 1, NULL, 1ULL << 32), -EFBIG);
}

static void test_sink_error(void **state)
{
	struct cpio_writer w = { .sink = sink };

	for (size_t cut = 0; cut < 128; cut += 3) {
		outlen = 0;
		fail_after = cut;
		w.off = 0;
		assert_int_equal(cpio_add(&w, "name", S_IFREG | 0644, 0, 0, 1, 0, 1, "0123456789", 10),
				 -ENOSPC);
	}
	fail_after = SIZE_MAX;
}

static void put(struct tree *t, enum tar_type type, const char *path, const char *arg,
		uint32_t mode)
{
	struct tar_entry e = { .type = type, .path = path, .link = "", .mode = mode,
			       .uid = 3, .gid = 4, .mtime = 1000 };

	if (type == TAR_FILE && arg) {
		e.data = (const uint8_t *)arg;
		e.size = strlen(arg);
	} else if (arg) {
		e.link = arg;
	}
	assert_int_equal(tree_apply(t, &e), 0);
}

static void test_tree_roundtrip(void **state)
{
	struct cpio_writer w = { .sink = sink };
	struct tree *t = tree_new();
	struct member m[16];
	int n;

	tree_begin_layer(t);
	put(t, TAR_DIR, "bin", NULL, 0755);
	put(t, TAR_FILE, "bin/busybox", "ELF...", 04755);
	put(t, TAR_HARDLINK, "bin/ash", "bin/busybox", 0);
	put(t, TAR_SYMLINK, "bin/sh", "busybox", 0777);
	put(t, TAR_FILE, "empty", NULL, 0600);
	outlen = 0;
	assert_int_equal(cpio_write_tree(&w, t), 0);
	n = parse(m, 16);
	assert_int_equal(n, 6);
	assert_string_equal(m[0].name, ".");
	assert_int_equal(m[0].mode, S_IFDIR | 0755);
	assert_string_equal(m[1].name, "bin");
	assert_int_equal(m[1].mode, S_IFDIR | 0755);
	assert_int_equal(m[1].uid, 3);
	assert_int_equal(m[1].mtime, 1000);
	/* ash and busybox: one inode, two links, the data on the last name. */
	assert_string_equal(m[2].name, "bin/ash");
	assert_string_equal(m[3].name, "bin/busybox");
	assert_int_equal(m[2].ino, m[3].ino);
	assert_int_equal(m[2].nlink, 2);
	assert_int_equal(m[3].nlink, 2);
	assert_int_equal(m[2].size, 0);
	assert_int_equal(m[3].size, 6);
	assert_memory_equal(m[3].data, "ELF...", 6);
	assert_int_equal(m[3].mode, S_IFREG | 04755);
	assert_string_equal(m[4].name, "bin/sh");
	assert_int_equal(m[4].mode, S_IFLNK | 0777);
	assert_int_equal(m[4].size, 7);
	assert_memory_equal(m[4].data, "busybox", 7);
	assert_string_equal(m[5].name, "empty");
	assert_int_equal(m[5].size, 0);
	/* Distinct inodes otherwise. */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (!(i == 2 && j == 3))
				assert_int_not_equal(m[i].ino, m[j].ino);
	tree_free(t);
}

/* ---------------------------------------------------------------- config */

static void test_config_roundtrip(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo \"hi\"\n\x01\xff", NULL };
	char *env[] = { "PATH=/bin", "EMPTY=", "X==y", NULL };
	struct bcfg c = { .argv = argv, .argc = 3, .env = env, .envc = 3,
			  .workdir = "/srv/app", .uid = 1000, .gid = 4294967294u };
	struct bcfg d;
	uint8_t *buf;
	size_t len;

	assert_int_equal(bcfg_encode(&c, &buf, &len), 0);
	assert_memory_equal(buf, "BCFG\x01\0\0\0", 8);
	assert_int_equal(bcfg_decode(buf, len, &d), 0);
	assert_int_equal(d.argc, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(d.argv[i], argv[i]);
	assert_null(d.argv[3]);
	assert_int_equal(d.envc, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(d.env[i], env[i]);
	assert_null(d.env[3]);
	assert_string_equal(d.workdir, "/srv/app");
	assert_int_equal(d.uid, 1000);
	assert_int_equal(d.gid, 4294967294u);
	bcfg_free(&d);

	/* Every cut is refused (the end record is mandatory). */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		memcpy(p, buf, cut);
		assert_int_equal(bcfg_decode(p, cut, &d), -EINVAL);
		assert_null(d.argv);
		free(p);
	}
	free(buf);

	/* No env: an empty but NULL-terminated vector. */
	c.env = NULL;
	c.envc = 0;
	c.workdir = NULL;
	assert_int_equal(bcfg_encode(&c, &buf, &len), 0);
	assert_int_equal(bcfg_decode(buf, len, &d), 0);
	assert_non_null(d.env);
	assert_null(d.env[0]);
	assert_null(d.workdir);
	bcfg_free(&d);
	free(buf);
}

static void test_config_encode_refuses(void **state)
{
	char *argv[] = { "x", NULL }, *bad_env[] = { "NOEQUALS", NULL }, *bad_env2[] = { "=v", NULL };
	struct bcfg c = { .argv = argv, .argc = 0 };
	uint8_t *buf;
	size_t len;

	assert_int_equal(bcfg_encode(&c, &buf, &len), -EINVAL);		/* no argv */
	c.argc = 1;
	c.env = bad_env;
	c.envc = 1;
	assert_int_equal(bcfg_encode(&c, &buf, &len), -EINVAL);
	c.env = bad_env2;
	assert_int_equal(bcfg_encode(&c, &buf, &len), -EINVAL);
	c.envc = 0;
	c.workdir = "relative";
	assert_int_equal(bcfg_encode(&c, &buf, &len), -EINVAL);
}

/* Hand-made records, each malformed in one way. */
static size_t rec(uint8_t *p, char tag, const void *v, uint32_t len)
{
	p[0] = (uint8_t)tag;
	memcpy(p + 1, &len, 4);		/* the tests run little endian */
	memcpy(p + 5, v, len);
	return 5 + len;
}

static void test_config_decode_bad(void **state)
{
	uint8_t b[256];
	struct bcfg d;
	size_t n;

#define START() (memcpy(b, "BCFG\x01\0\0\0", 8), n = 8)
#define BAD(what) assert_int_equal(bcfg_decode(b, n, &d), -EINVAL)

	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'Z', "", 0);
	assert_int_equal(bcfg_decode(b, n, &d), 0);
	bcfg_free(&d);

	START(); n += rec(b + n, 'Z', "", 0); BAD("no argv");
	START(); n += rec(b + n, 'A', "sh", 2); BAD("no end");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'Z', "", 0); b[n++] = 0; BAD("trailing");
	START(); n += rec(b + n, 'A', "s\0h", 3); n += rec(b + n, 'Z', "", 0); BAD("NUL");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'Q', "", 0); n += rec(b + n, 'Z', "", 0); BAD("tag");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'E', "NOEQ", 4); n += rec(b + n, 'Z', "", 0); BAD("env");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'W', "rel", 3); n += rec(b + n, 'Z', "", 0); BAD("workdir");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'W', "/a", 2); n += rec(b + n, 'W', "/b", 2);
	n += rec(b + n, 'Z', "", 0); BAD("two workdirs");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'U', "1234567", 7); n += rec(b + n, 'Z', "", 0); BAD("user length");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'Z', "x", 1); BAD("end length");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'Z', "", 0);
	b[9] = 0xff; b[10] = 0xff; b[11] = 0xff; b[12] = 0xff;	/* argv length */
	BAD("length past the end");
	START(); n += rec(b + n, 'A', "sh", 2); n += rec(b + n, 'Z', "", 0);
	b[4] = 2; BAD("version");
	b[4] = 1; b[0] = 'X'; BAD("magic");
	assert_int_equal(bcfg_decode(b, BCFG_MAX_SIZE + 1, &d), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_parse),
		cmocka_unit_test(test_sink_error),
		cmocka_unit_test(test_tree_roundtrip),
		cmocka_unit_test(test_config_roundtrip),
		cmocka_unit_test(test_config_encode_refuses),
		cmocka_unit_test(test_config_decode_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
