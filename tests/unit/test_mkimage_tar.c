/* Unit tests of the tar reader (tools/mkimage/tar.c): archives are built
 * here header by header, then every field is broken in turn; each broken
 * archive must give -EINVAL with a message naming the problem. Buffers
 * are heap copies of exactly their length, so ASan catches overreads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/mkimage/tar.h"

#define MAXAR (64 * 1024)

static uint8_t ar[MAXAR];
static size_t arlen;

static void hdr_sum(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* Appends a ustar header (and data) for name; returns the header. */
static uint8_t *add(const char *name, char type, const char *link, const void *data,
		    size_t size)
{
	uint8_t *h = ar + arlen;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 1000);
	snprintf((char *)h + 116, 8, "%07o", 100);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 1700000000);
	h[156] = (uint8_t)type;
	if (link)
		memcpy(h + 157, link, strlen(link));
	memcpy(h + 257, "ustar\0" "00", 8);
	hdr_sum(h);
	arlen += 512;
	if (size) {
		memcpy(ar + arlen, data, size);
		arlen += (size + 511) & ~(size_t)511;
	}
	return h;
}

static void finish(void)
{
	memset(ar + arlen, 0, 1024);
	arlen += 1024;
}

static void reset(void)
{
	memset(ar, 0, sizeof(ar));
	arlen = 0;
}

static struct tar_reader r;
static uint8_t *copy;

static void open_copy(size_t len)
{
	tar_close(&r);
	free(copy);
	copy = malloc(len ? len : 1);
	memcpy(copy, ar, len);
	tar_open(&r, copy, len);
}

/* Reads the whole archive; returns the last tar_next() result, and the
 * number of entries read in *n. */
static int read_all(size_t len, int *n)
{
	struct tar_entry e;
	int rc;

	open_copy(len);
	*n = 0;
	while ((rc = tar_next(&r, &e)) > 0)
		(*n)++;
	return rc;
}

static void expect_error(size_t len, const char *msg)
{
	int n, rc = read_all(len, &n);

	assert_int_equal(rc, -EINVAL);
	if (!strstr(r.err, msg))
		fail_msg("error \"%s\" lacks \"%s\"", r.err, msg);
	/* Sticky: the reader stays failed. */
	struct tar_entry e;
	assert_int_equal(tar_next(&r, &e), -EINVAL);
	tar_close(&r);
}

static int teardown(void **state)
{
	tar_close(&r);
	free(copy);
	copy = NULL;
	return 0;
}

static void test_basic(void **state)
{
	struct tar_entry e;

	reset();
	add("dir/", '5', NULL, NULL, 0);
	add("dir/file", '0', NULL, "hello", 5);
	add("dir/sym", '2', "file", NULL, 0);
	add("dir/hard", '1', "dir/file", NULL, 0);
	add("oldstyle", '\0', NULL, "x", 1);
	finish();
	open_copy(arlen);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_int_equal(e.type, TAR_DIR);
	assert_string_equal(e.path, "dir/");
	assert_int_equal(e.mode, 0644);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 100);
	assert_int_equal(e.mtime, 1700000000);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_int_equal(e.type, TAR_FILE);
	assert_int_equal(e.size, 5);
	assert_memory_equal(e.data, "hello", 5);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_int_equal(e.type, TAR_SYMLINK);
	assert_string_equal(e.link, "file");
	assert_int_equal(tar_next(&r, &e), 1);
	assert_int_equal(e.type, TAR_HARDLINK);
	assert_string_equal(e.link, "dir/file");
	assert_int_equal(tar_next(&r, &e), 1);
	assert_int_equal(e.type, TAR_FILE);
	assert_int_equal(tar_next(&r, &e), 0);
	assert_int_equal(tar_next(&r, &e), 0);
}

static void test_prefix(void **state)
{
	struct tar_entry e;
	uint8_t *h;

	reset();
	h = add("name", '0', NULL, NULL, 0);
	memcpy(h + 345, "some/prefix", 11);
	hdr_sum(h);
	finish();
	open_copy(arlen);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_string_equal(e.path, "some/prefix/name");
}

static void test_octal(void **state)
{
	uint64_t v;

	assert_int_equal(tar_octal("0000755\0", 8, &v), 0);
	assert_int_equal(v, 0755);
	assert_int_equal(tar_octal("  755 \0\0", 8, &v), 0);
	assert_int_equal(v, 0755);
	assert_int_equal(tar_octal("\0\0\0\0\0\0\0\0", 8, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tar_octal("0000758\0", 8, &v), -EINVAL);
	assert_int_equal(tar_octal("00 0755\0", 8, &v), -EINVAL);
	assert_int_equal(tar_octal("-000755\0", 8, &v), -EINVAL);
	assert_int_equal(tar_octal("77777777777777777777777", 23, &v), -EINVAL);
}

/* Every numeric field, broken in turn (checksum fixed up). */
static void test_bad_fields(void **state)
{
	static const struct { int off, len; const char *name; } f[] = {
		{ 100, 8, "mode" }, { 108, 8, "uid" }, { 116, 8, "gid" },
		{ 124, 12, "size" }, { 136, 12, "mtime" },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint8_t *h;
		char msg[64];

		reset();
		h = add("f", '0', NULL, NULL, 0);
		memcpy(h + f[i].off, "12x4", 4);
		hdr_sum(h);
		finish();
		snprintf(msg, sizeof(msg), "%s field is not octal", f[i].name);
		expect_error(arlen, msg);

		/* GNU base-256 negative */
		reset();
		h = add("f", '0', NULL, NULL, 0);
		memset(h + f[i].off, 0xff, (size_t)f[i].len);
		hdr_sum(h);
		finish();
		snprintf(msg, sizeof(msg), "negative %s", f[i].name);
		expect_error(arlen, msg);
	}
	/* devmajor of a device node */
	{
		uint8_t *h;

		reset();
		h = add("dev", '3', NULL, NULL, 0);
		memcpy(h + 329, "9z", 2);
		hdr_sum(h);
		finish();
		expect_error(arlen, "devmajor field is not octal");
	}
}

static void test_base256(void **state)
{
	struct tar_entry e;
	uint8_t *h;

	reset();
	h = add("f", '0', NULL, NULL, 0);
	memset(h + 108, 0, 8);
	h[108] = 0x80;
	h[114] = 0x12;
	h[115] = 0x34;		/* uid 0x1234 */
	hdr_sum(h);
	finish();
	open_copy(arlen);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_int_equal(e.uid, 0x1234);

	/* uid beyond 32 bits */
	reset();
	h = add("f", '0', NULL, NULL, 0);
	memset(h + 108, 0, 8);
	h[108] = 0x80;
	h[110] = 0x01;
	hdr_sum(h);
	finish();
	expect_error(arlen, "uid");
}

static void test_checksum(void **state)
{
	uint8_t *h;

	reset();
	h = add("f", '0', NULL, NULL, 0);
	h[0] = 'g';		/* no fix-up */
	finish();
	expect_error(arlen, "checksum mismatch");

	reset();
	h = add("f", '0', NULL, NULL, 0);
	memcpy(h + 148, "zzzzzz", 6);
	finish();
	expect_error(arlen, "checksum field is not octal");
}

static void test_truncation(void **state)
{
	char data[1000];
	int n;

	memset(data, 'a', sizeof(data));
	reset();
	add("f", '0', NULL, data, sizeof(data));
	finish();
	/* Every cut: never a crash, never success before the end marker. */
	for (size_t cut = 0; cut < arlen - 1024; cut++) {
		assert_int_equal(read_all(cut, &n), -EINVAL);
		assert_non_null(strstr(r.err, "truncated"));
		tar_close(&r);
	}
	expect_error(512, "entry data of 1000 bytes runs past the end");
	expect_error(512 + 1000, "padding");
	expect_error(512 + 1024, "no end-of-archive marker");
	/* One zero block at the very end is accepted. */
	assert_int_equal(read_all(arlen - 512, &n), 0);
	assert_int_equal(n, 1);
	tar_close(&r);
	assert_int_equal(read_all(arlen, &n), 0);
	tar_close(&r);
}

static void test_huge_size(void **state)
{
	uint8_t *h;

	reset();
	h = add("f", '0', NULL, NULL, 0);
	memcpy(h + 124, "77777777777", 11);
	hdr_sum(h);
	finish();
	expect_error(arlen, "runs past the end");
}

static void test_types(void **state)
{
	reset();
	add("sparse", 'S', NULL, NULL, 0);
	finish();
	expect_error(arlen, "unsupported entry type 'S'");

	reset();
	add("", '0', NULL, NULL, 0);
	finish();
	expect_error(arlen, "empty name");

	reset();
	add("s", '2', NULL, NULL, 0);
	finish();
	expect_error(arlen, "empty target");
}

static void test_gnu_longname(void **state)
{
	char name[300], link[200];
	struct tar_entry e;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(link, 'l', sizeof(link) - 1);
	link[sizeof(link) - 1] = '\0';
	reset();
	add("././@LongLink", 'L', NULL, name, strlen(name) + 1);
	add("././@LongLink", 'K', NULL, link, strlen(link) + 1);
	add("truncated-name", '2', "truncated-link", NULL, 0);
	add("short", '0', NULL, NULL, 0);
	finish();
	open_copy(arlen);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_string_equal(e.path, name);
	assert_string_equal(e.link, link);
	/* Long names apply to one entry only. */
	assert_int_equal(tar_next(&r, &e), 1);
	assert_string_equal(e.path, "short");
	assert_int_equal(tar_next(&r, &e), 0);

	reset();
	add("././@LongLink", 'L', NULL, "a\0b", 3);
	add("x", '0', NULL, NULL, 0);
	finish();
	expect_error(arlen, "contains a NUL");

	reset();
	add("././@LongLink", 'L', NULL, NULL, 0);
	add("x", '0', NULL, NULL, 0);
	finish();
	expect_error(arlen, "bad length");

	{
		static char big[TAR_MAX_PATH + 10];

		memset(big, 'b', sizeof(big));
		reset();
		add("././@LongLink", 'L', NULL, big, sizeof(big));
		add("x", '0', NULL, NULL, 0);
		finish();
		expect_error(arlen, "bad length");
	}

	/* A long name with nothing after it. */
	reset();
	add("././@LongLink", 'L', NULL, "abc", 4);
	finish();
	expect_error(arlen, "not followed by an entry");
}

static void pax(const char *recs)
{
	add("PaxHeaders/x", 'x', NULL, recs, strlen(recs));
}

static void test_pax(void **state)
{
	struct tar_entry e;

	reset();
	pax("29 path=a/very/long/pax/path\n"
	    "19 linkpath=target\n"
	    "12 uid=4242\n"
	    "9 gid=77\n"
	    "27 mtime=1700000123.456789\n"
	    "15 atime=123.4\n"
	    "29 SCHILY.xattr.user.x=hello\n"
	    "9 size=3\n");
	add("short-name", '0', NULL, "abc", 3);
	finish();
	open_copy(arlen);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_string_equal(e.path, "a/very/long/pax/path");
	assert_int_equal(e.uid, 4242);
	assert_int_equal(e.gid, 77);
	assert_int_equal(e.mtime, 1700000123);
	assert_int_equal(e.size, 3);
	assert_memory_equal(e.data, "abc", 3);
	assert_string_equal(e.link, "");	/* not a link */
	assert_int_equal(tar_next(&r, &e), 0);

	/* A global header's harmless keys are accepted. */
	reset();
	add("pax_global_header", 'g', NULL, "17 comment=hello\n", 17);
	add("f", '0', NULL, NULL, 0);
	finish();
	open_copy(arlen);
	assert_int_equal(tar_next(&r, &e), 1);
	assert_string_equal(e.path, "f");
}

static void test_pax_bad(void **state)
{
	static const struct { const char *recs, *msg; } bad[] = {
		{ "99 path=x\n", "malformed pax record length" },
		{ "3 p\n", "malformed pax record length" },
		{ "09 path=x\n", "malformed pax record length" },
		{ "x path=abc\n", "malformed pax record length" },
		{ "11 path=abc", "does not end in a newline" },
		{ "11 pathabc\n", "no key=value" },
		{ "8 =abcd\n", "no key=value" },
		{ "8 path=\n", "empty" },
		{ "11 size=-5\n", "bad pax size" },
		{ "13 size=1x00\n", "bad pax size" },
		{ "29 size=99999999999999999999\n", "bad pax size" },
		{ "18 uid=4294967296\n", "bad pax uid" },
		{ "9 gid=1.\n", "bad pax gid" },
		{ "12 mtime=1a\n", "bad pax mtime" },
		{ "22 GNU.sparse.major=1\n", "sparse" },
		{ "99999999 path=x\n", "malformed pax record length" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset();
		pax(bad[i].recs);
		add("f", '0', NULL, NULL, 0);
		finish();
		expect_error(arlen, bad[i].msg);
	}
	/* A NUL inside a pax path. */
	reset();
	add("PaxHeaders/x", 'x', NULL, "12 path=a\0b\n", 12);
	add("f", '0', NULL, NULL, 0);
	finish();
	expect_error(arlen, "NUL");

	/* A global header may not rename entries. */
	reset();
	add("g", 'g', NULL, "11 path=ab\n", 11);
	add("f", '0', NULL, NULL, 0);
	finish();
	expect_error(arlen, "global pax header sets a path");

	/* pax size makes the data run past the end. */
	reset();
	pax("16 size=1000000\n");
	add("f", '0', NULL, NULL, 0);
	finish();
	expect_error(arlen, "runs past the end");
}

static void test_zero_block_inside(void **state)
{
	reset();
	add("a", '0', NULL, NULL, 0);
	arlen += 512;			/* one zero block */
	add("b", '0', NULL, NULL, 0);
	finish();
	expect_error(arlen, "zero block inside the archive");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_basic, teardown),
		cmocka_unit_test_teardown(test_prefix, teardown),
		cmocka_unit_test_teardown(test_octal, teardown),
		cmocka_unit_test_teardown(test_bad_fields, teardown),
		cmocka_unit_test_teardown(test_base256, teardown),
		cmocka_unit_test_teardown(test_checksum, teardown),
		cmocka_unit_test_teardown(test_truncation, teardown),
		cmocka_unit_test_teardown(test_huge_size, teardown),
		cmocka_unit_test_teardown(test_types, teardown),
		cmocka_unit_test_teardown(test_gnu_longname, teardown),
		cmocka_unit_test_teardown(test_pax, teardown),
		cmocka_unit_test_teardown(test_pax_bad, teardown),
		cmocka_unit_test_teardown(test_zero_block_inside, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
