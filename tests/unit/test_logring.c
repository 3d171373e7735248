/* Unit tests of the log ring (kernel/logring.c, formatting through
 * kernel/fmt.c): wrap-around, truncation, newline stripping, timestamps,
 * record selection, and output into small buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/logring.h"

#define NS 1000000000ull

/* ------------------------------------------------------------ helpers */

static struct logring_rec *storage;
static struct logring ring;

static void ring_new(uint32_t cap)
{
	free(storage);
	/* Exactly cap records, so ASan sees any access beyond them. */
	storage = malloc(cap ? cap * sizeof(*storage) : 1);
	assert_non_null(storage);
	memset(storage, 0xa5, cap * sizeof(*storage));
	logring_init(&ring, storage, cap);
}

static int teardown(void **state)
{
	(void)state;
	free(storage);
	storage = NULL;
	return 0;
}

/* Pushes a NUL-terminated string through an exactly sized, unterminated
 * copy, so any read past len is an ASan error. */
static void push(uint64_t ts, unsigned level, const char *text)
{
	size_t n = strlen(text);
	char *copy = malloc(n ? n : 1);

	memcpy(copy, text, n);
	logring_push(&ring, ts, level, copy, n);
	free(copy);
}

/* The whole ring formatted with a generous buffer. */
static char *format_all(unsigned max)
{
	static char buf[1 << 16];
	size_t n = logring_format(&ring, buf, sizeof(buf), max);

	assert_int_equal(n, strlen(buf));
	return buf;
}

/* ------------------------------------------------------------ basics */

static void test_empty(void **state)
{
	char buf[16] = "xxxxxxxxxxxxxxx";

	(void)state;
	ring_new(8);
	assert_int_equal(logring_format(&ring, buf, sizeof(buf), 100), 0);
	assert_string_equal(buf, "");
	assert_int_equal(ring.seq, 0);
}

static void test_one_record(void **state)
{
	(void)state;
	ring_new(8);
	push(12 * NS + 345678000, 1, "hello");
	assert_string_equal(format_all(10), "[   12.345678] I hello\n");
	assert_int_equal(ring.seq, 1);
}

static void test_levels(void **state)
{
	(void)state;
	ring_new(8);
	push(0, 0, "d");
	push(0, 1, "i");
	push(0, 2, "w");
	push(0, 3, "e");
	push(0, 4, "four");
	push(0, 255, "max");
	assert_string_equal(format_all(10),
			    "[    0.000000] D d\n"
			    "[    0.000000] I i\n"
			    "[    0.000000] W w\n"
			    "[    0.000000] E e\n"
			    "[    0.000000] ? four\n"
			    "[    0.000000] ? max\n");
}

static void test_timestamps(void **state)
{
	(void)state;
	ring_new(16);
	push(0, 1, "a");
	push(999, 1, "b");			/* below a microsecond */
	push(1000, 1, "c");
	push(NS - 1, 1, "d");
	push(NS, 1, "e");
	push(99999 * NS + 999999000, 1, "f");	/* the widest that fits %5 */
	push(123456 * NS + 7000, 1, "g");		/* wider: not cut */
	push(UINT64_MAX, 1, "h");
	assert_string_equal(format_all(16),
			    "[    0.000000] I a\n"
			    "[    0.000000] I b\n"
			    "[    0.000001] I c\n"
			    "[    0.999999] I d\n"
			    "[    1.000000] I e\n"
			    "[99999.999999] I f\n"
			    "[123456.000007] I g\n"
			    "[18446744073.709551] I h\n");
}

/* ------------------------------------------------------------ text */

static void test_trailing_newlines_stripped(void **state)
{
	(void)state;
	ring_new(16);
	push(0, 1, "lf\n");
	push(0, 1, "crlf\r\n");
	push(0, 1, "many\n\n\r\n\r");
	push(0, 1, "\n");
	push(0, 1, "");
	push(0, 1, "in\nside");		/* only trailing ones go */
	push(0, 1, "\n\nlead");
	assert_string_equal(format_all(16),
			    "[    0.000000] I lf\n"
			    "[    0.000000] I crlf\n"
			    "[    0.000000] I many\n"
			    "[    0.000000] I \n"
			    "[    0.000000] I \n"
			    "[    0.000000] I in\nside\n"
			    "[    0.000000] I \n\nlead\n");
	assert_int_equal(storage[0].len, 2);
	assert_int_equal(storage[2].len, 4);
	assert_int_equal(storage[3].len, 0);
	assert_int_equal(storage[0].truncated, 0);
}

static void test_len_is_respected(void **state)
{
	(void)state;
	ring_new(4);
	logring_push(&ring, 0, 1, "abcdefgh", 3);
	logring_push(&ring, 0, 1, "xyz\n", 4);
	logring_push(&ring, 0, 1, "ignored", 0);
	assert_string_equal(format_all(4),
			    "[    0.000000] I abc\n"
			    "[    0.000000] I xyz\n"
			    "[    0.000000] I \n");
}

static void test_truncation(void **state)
{
	char t[LOGRING_TEXT + 10], want[1024];

	(void)state;
	ring_new(8);
	for (size_t i = 0; i < sizeof(t); i++)
		t[i] = (char)('a' + i % 26);
	/* Exactly LOGRING_TEXT: kept whole, no flag. */
	logring_push(&ring, 0, 2, t, LOGRING_TEXT);
	assert_int_equal(storage[0].truncated, 0);
	assert_int_equal(storage[0].len, LOGRING_TEXT);
	/* One more: cut and flagged. */
	logring_push(&ring, 0, 2, t, LOGRING_TEXT + 1);
	assert_int_equal(storage[1].truncated, 1);
	assert_int_equal(storage[1].len, LOGRING_TEXT);
	/* LOGRING_TEXT plus a newline: the newline goes first, no flag. */
	memcpy(want, t, LOGRING_TEXT);
	want[LOGRING_TEXT] = '\n';
	logring_push(&ring, 0, 2, want, LOGRING_TEXT + 1);
	assert_int_equal(storage[2].truncated, 0);
	/* Much longer, with the maximal timestamp: the line is still whole. */
	char *huge = malloc(100000);

	memset(huge, 'Z', 100000);
	logring_push(&ring, UINT64_MAX, 3, huge, 100000);
	free(huge);
	assert_int_equal(storage[3].truncated, 1);

	char *out = format_all(8);
	int n = snprintf(want, sizeof(want),
			 "[    0.000000] W %.*s\n"
			 "[    0.000000] W %.*s...\n"
			 "[    0.000000] W %.*s\n"
			 "[18446744073.709551] E %.*s...\n",
			 LOGRING_TEXT, t, LOGRING_TEXT, t, LOGRING_TEXT, t, LOGRING_TEXT,
			 "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"
			 "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"
			 "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ");
	assert_true(n > 0 && (size_t)n < sizeof(want));
	assert_string_equal(out, want);
}

/* A truncated record that is overwritten by a short one loses its flag. */
static void test_flag_does_not_stick(void **state)
{
	char t[LOGRING_TEXT * 2];

	(void)state;
	memset(t, 'x', sizeof(t));
	ring_new(1);
	logring_push(&ring, 0, 1, t, sizeof(t));
	push(0, 1, "short");
	assert_string_equal(format_all(1), "[    0.000000] I short\n");
}

/* ------------------------------------------------------------ the ring */

static void test_wraparound(void **state)
{
	char text[16];

	(void)state;
	ring_new(4);
	for (unsigned i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "m%u", i);
		push(i * NS, 1, text);
	}
	assert_int_equal(ring.seq, 10);
	assert_string_equal(format_all(100),
			    "[    6.000000] I m6\n"
			    "[    7.000000] I m7\n"
			    "[    8.000000] I m8\n"
			    "[    9.000000] I m9\n");
	/* Exactly full, and one past. */
	ring_new(3);
	push(0, 0, "a");
	push(0, 0, "b");
	push(0, 0, "c");
	assert_string_equal(format_all(100),
			    "[    0.000000] D a\n[    0.000000] D b\n[    0.000000] D c\n");
	push(0, 0, "d");
	assert_string_equal(format_all(100),
			    "[    0.000000] D b\n[    0.000000] D c\n[    0.000000] D d\n");
}

static void test_many_wraps(void **state)
{
	char text[32], want[64];

	(void)state;
	ring_new(7);
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "record %u", i);
		push((uint64_t)i * 1000, i % 4, text);
		if (i % 97 == 0 || i > 990) {
			/* The newest min(i+1, 7) records, oldest first. */
			char *out = format_all(100), *line = out;
			unsigned n = i + 1 < 7 ? i + 1 : 7;

			for (unsigned k = i + 1 - n; k <= i; k++) {
				snprintf(want, sizeof(want), "[    0.%06u] %c record %u\n",
					 k, "DIWE"[k % 4], k);
				assert_memory_equal(line, want, strlen(want));
				line += strlen(want);
			}
			assert_int_equal(*line, 0);
		}
	}
}

static void test_max_records(void **state)
{
	char buf[256];

	(void)state;
	ring_new(8);
	push(1 * NS, 1, "one");
	push(2 * NS, 1, "two");
	push(3 * NS, 1, "three");
	assert_string_equal(format_all(2),
			    "[    2.000000] I two\n[    3.000000] I three\n");
	assert_string_equal(format_all(1), "[    3.000000] I three\n");
	assert_string_equal(format_all(3),
			    "[    1.000000] I one\n[    2.000000] I two\n[    3.000000] I three\n");
	assert_string_equal(format_all(UINT32_MAX),
			    "[    1.000000] I one\n[    2.000000] I two\n[    3.000000] I three\n");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(logring_format(&ring, buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "");
}

static void test_zero_capacity(void **state)
{
	char buf[64];

	(void)state;
	ring_new(0);
	push(0, 1, "dropped");
	assert_int_equal(ring.seq, 0);
	assert_int_equal(logring_format(&ring, buf, sizeof(buf), 10), 0);
	assert_string_equal(buf, "");
}

/* ------------------------------------------------------------ small buffers */

/* For every length 0..full+2: the output is the longest prefix of whole
 * lines of the full output that fits with its NUL, and nothing is written
 * past len (exactly sized buffers; NULL for 0). */
static void check_every_length(unsigned max)
{
	static char full[1 << 14];
	size_t fn = logring_format(&ring, full, sizeof(full), max);

	assert_int_equal(fn, strlen(full));
	for (size_t len = 0; len <= fn + 2; len++) {
		char *b = len ? malloc(len) : NULL;
		size_t want = 0, n;

		if (len)
			memset(b, 0x77, len);
		for (size_t i = 0; i < fn && i < len; i++)	/* the last '\n' that fits */
			if (full[i] == '\n' && i + 2 <= len)
				want = i + 1;
		n = logring_format(&ring, b, len, max);
		assert_int_equal(n, want);
		if (len) {
			assert_memory_equal(b, full, n);
			assert_int_equal(b[n], 0);
		}
		free(b);
	}
}

static void test_small_buffers(void **state)
{
	char buf[32];

	(void)state;
	ring_new(8);
	push(1 * NS, 1, "first line");
	push(2 * NS, 2, "second");
	push(3 * NS, 3, "third, a bit longer than the others");
	check_every_length(8);
	check_every_length(2);
	/* A line needs room for itself and the NUL. */
	const char *l1 = "[    1.000000] I first line\n";

	assert_int_equal(logring_format(&ring, buf, strlen(l1), 8), 0);
	assert_string_equal(buf, "");
	assert_int_equal(logring_format(&ring, buf, strlen(l1) + 1, 8), strlen(l1));
	assert_string_equal(buf, l1);
	/* len 0: nothing at all is written, not even a NUL. */
	buf[0] = 'q';
	assert_int_equal(logring_format(&ring, buf, 0, 8), 0);
	assert_int_equal(buf[0], 'q');
	assert_int_equal(logring_format(&ring, NULL, 0, 8), 0);
	assert_int_equal(logring_format(&ring, buf, 1, 8), 0);
	assert_int_equal(buf[0], 0);
}

static void test_small_buffers_long_records(void **state)
{
	char t[300];

	(void)state;
	ring_new(5);
	memset(t, 'L', sizeof(t));
	for (unsigned i = 0; i < 7; i++)
		logring_push(&ring, UINT64_MAX - i, i, t, 100 + 30 * i);
	check_every_length(5);
	check_every_length(3);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_one_record),
		T(test_levels),
		T(test_timestamps),
		T(test_trailing_newlines_stripped),
		T(test_len_is_respected),
		T(test_truncation),
		T(test_flag_does_not_stick),
		T(test_wraparound),
		T(test_many_wraps),
		T(test_max_records),
		T(test_zero_capacity),
		T(test_small_buffers),
		T(test_small_buffers_long_records),
	};

	return cmocka_run_group_tests_name("logring", tests, NULL, NULL);
}
