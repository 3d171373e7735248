/* Unit tests of the strict JSON parser and writer (kernel/json.c):
 * acceptance and rejection tables over the RFC 8259 edge cases (each
 * rejection with its error code and, where it matters, its offset), the
 * limits at and beyond their bounds, the getters, the writer's escaping,
 * misuse detection and truncation at every buffer length, and round
 * trips. Every input is copied into a heap buffer of exactly its length,
 * so ASan catches a read past the end. */
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

#include "kernel/json.h"

#define NTOKS 4096
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct json_tok toks[NTOKS];
static struct json_doc doc;
static struct json_err err;
static char *text;		/* the copy being parsed (freed by the next parse) */

/* Parses s[0..n) from an exact-size heap copy. */
static int parse_n(const char *s, size_t n, size_t ntoks)
{
	free(text);
	text = malloc(n ? n : 1);
	assert_non_null(text);
	memcpy(text, s, n);
	return json_parse(&doc, text, n, toks, ntoks, &err);
}

static int parse(const char *s)
{
	return parse_n(s, strlen(s), NTOKS);
}

/* Writes the parsed document back into out (cap bytes); returns
 * jw_finish(). */
static int write_doc(char *out, size_t cap)
{
	struct jw w;

	jw_init(&w, out, cap);
	jw_value(&w, &doc, 0);
	return jw_finish(&w);
}

static char *repeat(const char *unit, size_t times, const char *head, const char *tail)
{
	size_t u = strlen(unit), h = strlen(head), t = strlen(tail);
	char *s = malloc(h + u * times + t + 1);

	assert_non_null(s);
	memcpy(s, head, h);
	for (size_t i = 0; i < times; i++)
		memcpy(s + h + i * u, unit, u);
	memcpy(s + h + u * times, tail, t + 1);
	return s;
}

/* ---------------------------------------------------------------- accepted */

struct accept_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *canon;	/* what the writer makes of it */
};

static const struct accept_case accepted[] = {
	{ "0", 0, "0" },
	{ "-0", 0, "0" },
	{ "-1", 0, "-1" },
	{ "42", 0, "42" },
	{ "9223372036854775807", 0, "9223372036854775807" },
	{ "-9223372036854775808", 0, "-9223372036854775808" },
	{ "true", 0, "true" },
	{ "false", 0, "false" },
	{ "null", 0, "null" },
	{ "\"\"", 0, "\"\"" },
	{ " \t\r\n1 \t\r\n", 0, "1" },
	{ "[]", 0, "[]" },
	{ "{}", 0, "{}" },
	{ "[ ]", 0, "[]" },
	{ "{ }", 0, "{}" },
	{ " [ 1 , 2 , [ ] , { } ] ", 0, "[1,2,[],{}]" },
	{ "{\"a\":{\"b\":[true,false,null]},\"c\":\"d\"}", 0,
	  "{\"a\":{\"b\":[true,false,null]},\"c\":\"d\"}" },
	{ "{\"a\":1,\"A\":2}", 0, "{\"a\":1,\"A\":2}" },		/* keys are case-sensitive */
	{ "{\"a\":1,\"b\":{\"a\":2}}", 0, "{\"a\":1,\"b\":{\"a\":2}}" },	/* same key, other object */
	{ "{\"\":1}", 0, "{\"\":1}" },
	{ "\"\\/\"", 0, "\"/\"" },
	{ "\"\\b\\f\\n\\r\\t\\\"\\\\\"", 0, "\"\\b\\f\\n\\r\\t\\\"\\\\\"" },
	{ "\"a\\u0041\"", 0, "\"aA\"" },
	{ "\"\\u00e9\"", 0, "\"\\u00e9\"" },
	{ "\"\\u00E9\"", 0, "\"\\u00e9\"" },
	{ "\"\xc3\xa9\"", 0, "\"\\u00e9\"" },
	{ "\"\\u20ac\xe2\x82\xac\"", 0, "\"\\u20ac\\u20ac\"" },
	{ "\"\\ud83d\\ude00\"", 0, "\"\\ud83d\\ude00\"" },
	{ "\"\xf0\x9f\x98\x80\"", 0, "\"\\ud83d\\ude00\"" },
	{ "\"\xf4\x8f\xbf\xbf\"", 0, "\"\\udbff\\udfff\"" },	/* U+10FFFF */
	{ "\"\xed\x9f\xbf\"", 0, "\"\\ud7ff\"" },		/* just below the surrogates */
	{ "\"\xee\x80\x80\"", 0, "\"\\ue000\"" },		/* just above them */
	{ "\"\\uffff\"", 0, "\"\\uffff\"" },
	{ "\"\xef\xbb\xbf\"", 0, "\"\\ufeff\"" },		/* U+FEFF inside a string */
	{ "\"\\u001f\"", 0, "\"\\u001f\"" },
	{ "\"\x7f\"", 0, "\"\\u007f\"" },			/* DEL is legal JSON */
	{ "\"\\u0001\"", 0, "\"\\u0001\"" },
	{ "[\"x\",-5,{\"k\":[[]]}]", 0, "[\"x\",-5,{\"k\":[[]]}]" },
};

static void test_accept_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(accepted); i++) {
		const struct accept_case *c = &accepted[i];
		char out[256];
		int rc = parse_n(c->in, c->len ? c->len : strlen(c->in), NTOKS);

		if (rc)
			print_error("case %zu: %s rejected: %s at %u\n", i, c->in,
				    json_strerror(err.code), err.offset);
		assert_int_equal(rc, 0);
		assert_int_equal(err.code, JSON_OK);
		assert_int_equal(write_doc(out, sizeof(out)), 0);
		if (strcmp(out, c->canon))
			print_error("case %zu: %s written as %s\n", i, c->in, out);
		assert_string_equal(out, c->canon);
	}
}

/* ---------------------------------------------------------------- rejected */

struct reject_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	enum json_error code;
	int offset;		/* -1: not checked */
};

static const struct reject_case rejected[] = {
	/* empty */
	{ "", 0, JSON_E_EMPTY, 0 },
	{ " \t\r\n", 0, JSON_E_EMPTY, 4 },
	/* numbers */
	{ "01", 0, JSON_E_NUMBER, 0 },
	{ "-01", 0, JSON_E_NUMBER, 0 },
	{ "00", 0, JSON_E_NUMBER, 0 },
	{ "-", 0, JSON_E_NUMBER, 0 },
	{ "-a", 0, JSON_E_NUMBER, 0 },
	{ "- 1", 0, JSON_E_NUMBER, 0 },
	{ "1.", 0, JSON_E_NUMBER, 0 },
	{ "1.e5", 0, JSON_E_NUMBER, 0 },
	{ "1e", 0, JSON_E_NUMBER, 0 },
	{ "1e+", 0, JSON_E_NUMBER, 0 },
	{ "[1.]", 0, JSON_E_NUMBER, 1 },
	{ "1.5", 0, JSON_E_NOT_INTEGER, 0 },
	{ "1.0", 0, JSON_E_NOT_INTEGER, 0 },
	{ "1e5", 0, JSON_E_NOT_INTEGER, 0 },
	{ "1E+5", 0, JSON_E_NOT_INTEGER, 0 },
	{ "-1.0e-3", 0, JSON_E_NOT_INTEGER, 0 },
	{ "0e0", 0, JSON_E_NOT_INTEGER, 0 },
	{ "[0,1.5]", 0, JSON_E_NOT_INTEGER, 3 },
	{ ".5", 0, JSON_E_SYNTAX, 0 },
	{ "+1", 0, JSON_E_SYNTAX, 0 },
	{ "0x10", 0, JSON_E_TRAILING, 1 },
	{ "NaN", 0, JSON_E_SYNTAX, 0 },
	{ "Infinity", 0, JSON_E_SYNTAX, 0 },
	{ "-Infinity", 0, JSON_E_NUMBER, 0 },
	{ "9223372036854775808", 0, JSON_E_RANGE, 0 },
	{ "-9223372036854775809", 0, JSON_E_RANGE, 0 },
	{ "99999999999999999999999", 0, JSON_E_RANGE, 0 },
	{ "[18446744073709551616]", 0, JSON_E_RANGE, 1 },
	/* structure */
	{ "[1,]", 0, JSON_E_SYNTAX, 3 },
	{ "{\"a\":1,}", 0, JSON_E_SYNTAX, 7 },
	{ "[,]", 0, JSON_E_SYNTAX, 1 },
	{ "[1,,2]", 0, JSON_E_SYNTAX, 3 },
	{ "{,}", 0, JSON_E_SYNTAX, 1 },
	{ "[1 2]", 0, JSON_E_SYNTAX, 3 },
	{ "{\"a\" 1}", 0, JSON_E_SYNTAX, 5 },
	{ "{\"a\":}", 0, JSON_E_SYNTAX, 5 },
	{ "{a:1}", 0, JSON_E_SYNTAX, 1 },
	{ "{'a':1}", 0, JSON_E_SYNTAX, 1 },
	{ "{1:1}", 0, JSON_E_SYNTAX, 1 },
	{ "[}", 0, JSON_E_SYNTAX, 1 },
	{ "{]", 0, JSON_E_SYNTAX, 1 },
	{ "]", 0, JSON_E_SYNTAX, 0 },
	{ ":", 0, JSON_E_SYNTAX, 0 },
	{ "'a'", 0, JSON_E_SYNTAX, 0 },
	{ "True", 0, JSON_E_SYNTAX, 0 },
	{ "trux", 0, JSON_E_SYNTAX, 0 },
	{ "truex", 0, JSON_E_TRAILING, 4 },
	{ "nulll", 0, JSON_E_TRAILING, 4 },
	{ "/* c */ 1", 0, JSON_E_SYNTAX, 0 },
	{ "1 // c", 0, JSON_E_TRAILING, 2 },
	{ "[1] x", 0, JSON_E_TRAILING, 4 },
	{ "1 2", 0, JSON_E_TRAILING, 2 },
	{ "{} {}", 0, JSON_E_TRAILING, 3 },
	{ "\"a\" \"b\"", 0, JSON_E_TRAILING, 4 },
	/* whitespace that JSON does not have */
	{ "\f1", 0, JSON_E_SYNTAX, 0 },
	{ "\v1", 0, JSON_E_SYNTAX, 0 },
	{ "\xc2\xa0" "1", 0, JSON_E_SYNTAX, 0 },
	{ "1\0", 2, JSON_E_TRAILING, 1 },
	{ "\0", 1, JSON_E_SYNTAX, 0 },
	{ "\xef\xbb\xbf" "1", 0, JSON_E_BOM, 0 },
	{ "\xef\xbb\xbf" "\"\"", 0, JSON_E_BOM, 0 },
	/* end of input */
	{ "[", 0, JSON_E_EOF, 1 },
	{ "[1", 0, JSON_E_EOF, 2 },
	{ "[1,", 0, JSON_E_EOF, 3 },
	{ "{", 0, JSON_E_EOF, 1 },
	{ "{\"a\"", 0, JSON_E_EOF, 4 },
	{ "{\"a\":", 0, JSON_E_EOF, 5 },
	{ "\"abc", 0, JSON_E_EOF, 4 },
	{ "\"\\", 0, JSON_E_EOF, 2 },
	{ "\"\\u12", 0, JSON_E_EOF, 5 },
	{ "\"\\ud83d", 0, JSON_E_EOF, 7 },
	{ "\"\\ud83d\\", 0, JSON_E_EOF, 8 },
	{ "\"\\ud83d\\ude0", 0, JSON_E_EOF, 12 },
	{ "tru", 0, JSON_E_EOF, 3 },
	{ "nul", 0, JSON_E_EOF, 3 },
	{ "f", 0, JSON_E_EOF, 1 },
	/* strings */
	{ "\"a\nb\"", 0, JSON_E_CTRL, 2 },
	{ "\"\x01\"", 0, JSON_E_CTRL, 1 },
	{ "\"\x1f\"", 0, JSON_E_CTRL, 1 },
	{ "\"\t\"", 0, JSON_E_CTRL, 1 },
	{ "\"a\0b\"", 5, JSON_E_NUL, 2 },
	{ "\"\\u0000\"", 0, JSON_E_NUL, 1 },
	{ "\"\\x41\"", 0, JSON_E_ESCAPE, 1 },
	{ "\"\\a\"", 0, JSON_E_ESCAPE, 1 },
	{ "\"\\U0041\"", 0, JSON_E_ESCAPE, 1 },
	{ "\"\\u12G4\"", 0, JSON_E_ESCAPE, 1 },
	{ "\"\\u12\"", 0, JSON_E_ESCAPE, 1 },
	{ "\"\\ud800\"", 0, JSON_E_SURROGATE, 1 },
	{ "\"\\udbff\"", 0, JSON_E_SURROGATE, 1 },
	{ "\"\\udc00\"", 0, JSON_E_SURROGATE, 1 },
	{ "\"\\ude00\\ud83d\"", 0, JSON_E_SURROGATE, 1 },	/* reversed pair */
	{ "\"\\ud800\\u0041\"", 0, JSON_E_SURROGATE, 1 },
	{ "\"\\ud800\\ud800\"", 0, JSON_E_SURROGATE, 1 },
	{ "\"\\ud800x\"", 0, JSON_E_SURROGATE, 1 },
	{ "\"\\ud800\\n\"", 0, JSON_E_SURROGATE, 1 },
	{ "\"\\ud800\\uzzzz\"", 0, JSON_E_ESCAPE, 7 },
	{ "\"\xc0\xaf\"", 0, JSON_E_UTF8, 1 },		/* overlong '/' */
	{ "\"\xc1\xbf\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xe0\x80\xaf\"", 0, JSON_E_UTF8, 1 },	/* overlong, 3 bytes */
	{ "\"\xe0\x9f\xbf\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xf0\x80\x80\xaf\"", 0, JSON_E_UTF8, 1 },	/* overlong, 4 bytes */
	{ "\"\xf0\x8f\xbf\xbf\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xed\xa0\x80\"", 0, JSON_E_UTF8, 1 },	/* raw high surrogate */
	{ "\"\xed\xbf\xbf\"", 0, JSON_E_UTF8, 1 },	/* raw low surrogate */
	{ "\"\xf4\x90\x80\x80\"", 0, JSON_E_UTF8, 1 },	/* above U+10FFFF */
	{ "\"\xf5\x80\x80\x80\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xf8\x88\x80\x80\x80\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xff\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xfe\"", 0, JSON_E_UTF8, 1 },
	{ "\"\x80\"", 0, JSON_E_UTF8, 1 },		/* stray continuation */
	{ "\"a\xbf\"", 0, JSON_E_UTF8, 2 },
	{ "\"\xc3\"", 0, JSON_E_UTF8, 1 },		/* cut short by the quote */
	{ "\"\xe2\x82\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xe2\x82", 0, JSON_E_UTF8, 1 },		/* cut short by the end */
	{ "\"\xf0\x9f\x98\"", 0, JSON_E_UTF8, 1 },
	{ "\"\xc3\x28\"", 0, JSON_E_UTF8, 1 },
	{ "{\"k\xff\":1}", 0, JSON_E_UTF8, 3 },
	/* duplicate keys, compared decoded */
	{ "{\"a\":1,\"a\":2}", 0, JSON_E_DUPKEY, 7 },
	{ "{\"a\":1,\"b\":2,\"a\":3}", 0, JSON_E_DUPKEY, 13 },
	{ "{\"ab\":1,\"\\u0061b\":2}", 0, JSON_E_DUPKEY, 8 },
	{ "{\"\":1,\"\":2}", 0, JSON_E_DUPKEY, 6 },
	{ "[{\"x\":{},\"x\":[]}]", 0, JSON_E_DUPKEY, 9 },
};

static void test_reject_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(rejected); i++) {
		const struct reject_case *c = &rejected[i];
		int rc = parse_n(c->in, c->len ? c->len : strlen(c->in), NTOKS);
		int want = c->code == JSON_E_RANGE ? -ERANGE : -EINVAL;

		if (rc != want || err.code != c->code ||
		    (c->offset >= 0 && err.offset != (uint32_t)c->offset))
			print_error("case %zu (%s): rc %d, %s at %u; want %s at %d\n", i, c->in, rc,
				    json_strerror(err.code), err.offset,
				    json_strerror(c->code), c->offset);
		assert_int_equal(rc, want);
		assert_int_equal(err.code, c->code);
		if (c->offset >= 0)
			assert_int_equal(err.offset, c->offset);
		assert_int_equal(doc.ntoks, 0);	/* nothing half-parsed to read */
		assert_false(json_error_is_limit(err.code));
	}
}

/* Every error has its own message, and the limits are told apart. */
static void test_strerror(void **state)
{
	for (int i = 0; i < JSON_E_COUNT; i++) {
		assert_non_null(json_strerror(i));
		assert_string_not_equal(json_strerror(i), "unknown error");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(json_strerror(i), json_strerror(j));
		assert_int_equal(json_error_is_limit(i),
				 i == JSON_E_DEPTH || i == JSON_E_MEMBERS || i == JSON_E_STRLEN ||
				 i == JSON_E_TOKENS || i == JSON_E_TOOBIG);
	}
	assert_string_equal(json_strerror(JSON_E_COUNT), "unknown error");
	assert_string_equal(json_strerror(-1), "unknown error");
}

/* ---------------------------------------------------------------- limits */

static void test_depth_limit(void **state)
{
	char *ok_a = repeat("[", JSON_MAX_DEPTH, "", "");
	char *s;

	s = repeat("]", JSON_MAX_DEPTH, ok_a, "");
	assert_int_equal(parse(s), 0);
	assert_int_equal(doc.ntoks, JSON_MAX_DEPTH);
	free(s);
	free(ok_a);

	ok_a = repeat("[", JSON_MAX_DEPTH + 1, "", "");
	s = repeat("]", JSON_MAX_DEPTH + 1, ok_a, "");
	assert_int_equal(parse(s), -E2BIG);
	assert_int_equal(err.code, JSON_E_DEPTH);
	assert_int_equal(err.offset, JSON_MAX_DEPTH);
	assert_true(json_error_is_limit(err.code));
	free(s);
	free(ok_a);

	/* Objects count the same; scalars inside the deepest are fine. */
	ok_a = repeat("{\"a\":", JSON_MAX_DEPTH, "", "1");
	s = repeat("}", JSON_MAX_DEPTH, ok_a, "");
	assert_int_equal(parse(s), 0);
	free(s);
	free(ok_a);
	ok_a = repeat("{\"a\":", JSON_MAX_DEPTH + 1, "", "1");
	s = repeat("}", JSON_MAX_DEPTH + 1, ok_a, "");
	assert_int_equal(parse(s), -E2BIG);
	assert_int_equal(err.code, JSON_E_DEPTH);
	free(s);
	free(ok_a);

	/* Very deep input fails early and cheaply, unclosed or not. */
	s = repeat("[", 100000, "", "");
	assert_int_equal(parse(s), -E2BIG);
	assert_int_equal(err.code, JSON_E_DEPTH);
	free(s);
}

static void test_token_limit(void **state)
{
	assert_int_equal(parse_n("[1,2,3]", 7, 4), 0);
	assert_int_equal(doc.ntoks, 4);
	assert_int_equal(parse_n("[1,2,3]", 7, 3), -E2BIG);
	assert_int_equal(err.code, JSON_E_TOKENS);
	assert_int_equal(err.offset, 5);
	assert_int_equal(parse_n("{\"a\":1}", 7, 2), -E2BIG);	/* the value does not fit */
	assert_int_equal(parse_n("{\"a\":1}", 7, 1), -E2BIG);	/* nor the key */
	assert_int_equal(parse_n("1", 1, 0), -E2BIG);
	assert_int_equal(err.code, JSON_E_TOKENS);
}

static void test_member_limit(void **state)
{
	size_t cap = JSON_MAX_MEMBERS * 16 + 16, n;
	char *s = malloc(cap);

	assert_non_null(s);
	for (int members = JSON_MAX_MEMBERS; members <= JSON_MAX_MEMBERS + 1; members++) {
		n = 0;
		s[n++] = '{';
		for (int i = 0; i < members; i++)
			n += (size_t)snprintf(s + n, cap - n, "%s\"k%d\":%d", i ? "," : "", i, i);
		s[n++] = '}';
		if (members == JSON_MAX_MEMBERS) {
			assert_int_equal(parse_n(s, n, NTOKS), 0);
			assert_int_equal(doc.toks[0].len, JSON_MAX_MEMBERS);
		} else {
			assert_int_equal(parse_n(s, n, NTOKS), -E2BIG);
			assert_int_equal(err.code, JSON_E_MEMBERS);
		}
	}
	/* Arrays have no such bound beyond the tokens. */
	free(s);
	s = repeat("1,", 1000, "[", "1]");
	assert_int_equal(parse(s), 0);
	assert_int_equal(doc.toks[0].len, 1001);
	free(s);
}

static void test_string_limit(void **state)
{
	char *s = repeat("a", JSON_MAX_STRING, "\"", "\"");
	const char *v;
	size_t len;

	assert_int_equal(parse(s), 0);
	assert_int_equal(json_str(&doc, 0, SIZE_MAX, &v, &len), 0);
	assert_int_equal(len, JSON_MAX_STRING);
	free(s);
	s = repeat("a", JSON_MAX_STRING + 1, "\"", "\"");
	assert_int_equal(parse(s), -E2BIG);
	assert_int_equal(err.code, JSON_E_STRLEN);
	free(s);
	/* The bound is on decoded bytes: 2 per \u00e9. */
	s = repeat("\\u00e9", JSON_MAX_STRING / 2, "\"", "\"");
	assert_int_equal(parse(s), 0);
	assert_int_equal(doc.toks[0].len, JSON_MAX_STRING);
	free(s);
	s = repeat("\\u00e9", JSON_MAX_STRING / 2, "\"x", "\"");
	assert_int_equal(parse(s), -E2BIG);
	assert_int_equal(err.code, JSON_E_STRLEN);
	free(s);
	/* Keys too. */
	s = repeat("k", JSON_MAX_STRING + 1, "{\"", "\":1}");
	assert_int_equal(parse(s), -E2BIG);
	assert_int_equal(err.code, JSON_E_STRLEN);
	free(s);
}

static void test_input_limit(void **state)
{
	char one = '1';

	/* Refused before a byte is read (ASan would see a read past one). */
	assert_int_equal(json_parse(&doc, &one, (size_t)JSON_MAX_INPUT + 1, toks, NTOKS, &err),
			 -E2BIG);
	assert_int_equal(err.code, JSON_E_TOOBIG);
}

/* ---------------------------------------------------------------- reading */

static void test_decoded_in_place(void **state)
{
	static const char in[] = "{\"k\\u00e9y\":\"a\\\"b\\n\\ud83d\\ude00\", \"n\": -12}";
	const char *v;
	size_t len;

	assert_int_equal(parse(in), 0);
	assert_int_equal(json_get_str(&doc, 0, "k\xc3\xa9y", 64, &v, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(v, "a\"b\n\xf0\x9f\x98\x80", 9);	/* with its NUL */
	assert_true(v > text && v < text + sizeof(in) - 1);
	/* Outside strings nothing moved. */
	assert_memory_equal(text + sizeof(in) - 5, "-12}", 4);
	assert_memory_equal(text, "{\"k", 3);
}

static void test_getters(void **state)
{
	int64_t i;
	const char *s;
	size_t len;
	bool b;

	assert_int_equal(parse("{\"i\":7,\"s\":\"abc\",\"t\":true,\"f\":false,\"z\":null,"
			       "\"big\":-9223372036854775808,\"o\":{\"i\":1},\"a\":[1,[2,3],4]}"), 0);
	assert_int_equal(json_get_int(&doc, 0, "i", 0, 10, &i), 0);
	assert_int_equal(i, 7);
	assert_int_equal(json_get_int(&doc, 0, "i", 8, 10, &i), -ERANGE);
	assert_int_equal(json_get_int(&doc, 0, "i", 0, 6, &i), -ERANGE);
	assert_int_equal(json_get_int(&doc, 0, "big", INT64_MIN, 0, &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(json_get_int(&doc, 0, "s", 0, 10, &i), -EINVAL);
	assert_int_equal(json_get_int(&doc, 0, "z", 0, 10, &i), -EINVAL);
	assert_int_equal(json_get_int(&doc, 0, "nope", 0, 10, &i), -ENOENT);
	assert_int_equal(json_get_str(&doc, 0, "s", 3, &s, &len), 0);
	assert_string_equal(s, "abc");
	assert_int_equal(len, 3);
	assert_int_equal(json_get_str(&doc, 0, "s", 3, &s, NULL), 0);
	assert_int_equal(json_get_str(&doc, 0, "s", 2, &s, &len), -ERANGE);
	assert_int_equal(json_get_str(&doc, 0, "i", 9, &s, &len), -EINVAL);
	assert_int_equal(json_get_str(&doc, 0, "nope", 9, &s, &len), -ENOENT);
	assert_int_equal(json_get_bool(&doc, 0, "t", &b), 0);
	assert_true(b);
	assert_int_equal(json_get_bool(&doc, 0, "f", &b), 0);
	assert_false(b);
	assert_int_equal(json_get_bool(&doc, 0, "z", &b), -EINVAL);
	assert_int_equal(json_get_bool(&doc, 0, "nope", &b), -ENOENT);
	/* Lookups stay in their object: "i" inside "o" is another value. */
	assert_int_equal(json_get_int(&doc, json_get(&doc, 0, "o"), "i", 0, 10, &i), 0);
	assert_int_equal(i, 1);
	/* Not an object. */
	assert_int_equal(json_get(&doc, json_get(&doc, 0, "a"), "i"), -EINVAL);
	assert_int_equal(json_get(&doc, -1, "i"), -EINVAL);
	assert_int_equal(json_get(&doc, 9999, "i"), -EINVAL);
	assert_int_equal(json_int(&doc, -3, 0, 1, &i), -EINVAL);
	assert_int_equal(json_str(&doc, (int)doc.ntoks, 9, &s, &len), -EINVAL);
	assert_int_equal(json_bool(&doc, 0, &b), -EINVAL);
	assert_true(json_is(&doc, 0, JSON_OBJECT));
	assert_false(json_is(&doc, 0, JSON_ARRAY));
	assert_false(json_is(&doc, -1, JSON_OBJECT));
	assert_true(json_is(&doc, json_get(&doc, 0, "z"), JSON_NULL));
}

static void test_iteration(void **state)
{
	int a, k, n = 0;
	int64_t v, want[] = { 1, 4 };

	assert_int_equal(parse("{\"x\":[1,[2,3],4],\"y\":{\"p\":{\"q\":1}},\"z\":[],\"w\":{}}"), 0);
	a = json_get(&doc, 0, "x");
	for (k = json_first(&doc, a); k >= 0; k = json_next(&doc, a, k)) {
		if (json_is(&doc, k, JSON_INT)) {
			assert_int_equal(json_int(&doc, k, 0, 9, &v), 0);
			assert_int_equal(v, want[n == 0 ? 0 : 1]);
		} else {
			assert_true(json_is(&doc, k, JSON_ARRAY));
		}
		n++;
	}
	assert_int_equal(k, -ENOENT);
	assert_int_equal(n, 3);
	/* Object members: keys, skipping whole values. */
	n = 0;
	for (k = json_first(&doc, 0); k >= 0; k = json_next(&doc, 0, k)) {
		static const char *const keys[] = { "x", "y", "z", "w" };

		assert_true(json_is(&doc, k, JSON_STRING));
		assert_string_equal(doc.text + doc.toks[k].v.off, keys[n]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(json_first(&doc, json_get(&doc, 0, "z")), -ENOENT);
	assert_int_equal(json_first(&doc, json_get(&doc, 0, "w")), -ENOENT);
	assert_int_equal(json_first(&doc, json_first(&doc, 0)), -EINVAL);	/* a key */
	assert_int_equal(json_next(&doc, a, a), -EINVAL);
	assert_int_equal(json_next(&doc, a, (int)doc.toks[a].end), -EINVAL);
}

static void test_equal(void **state)
{
	static const char *const same[][2] = {
		{ "{\"a\":[1,\"x\",null]}", " { \"a\" : [ 1 , \"\\u0078\" , null ] } " },
		{ "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" },
		{ "-0", "0" },
	};
	static const char *const differ[][2] = {
		{ "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}" },	/* order is kept */
		{ "[1,2]", "[1,3]" },
		{ "[1,[2]]", "[1,2]" },
		{ "[[1],2]", "[[1,2]]" },
		{ "\"ab\"", "\"ac\"" },
		{ "\"ab\"", "\"abc\"" },
		{ "true", "false" },
		{ "null", "0" },
		{ "{}", "[]" },
	};
	static struct json_tok t2[64];
	struct json_doc d2;
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(same) + ARRAY_SIZE(differ); i++) {
		bool eq = i < ARRAY_SIZE(same);
		const char *const *pair = eq ? same[i] : differ[i - ARRAY_SIZE(same)];

		strcpy(buf, pair[1]);
		assert_int_equal(json_parse(&d2, buf, strlen(buf), t2, 64, &err), 0);
		assert_int_equal(parse(pair[0]), 0);
		assert_int_equal(json_equal(&doc, 0, &d2, 0), eq);
		assert_int_equal(json_equal(&d2, 0, &doc, 0), eq);
	}
	assert_false(json_equal(&doc, -1, &d2, 0));
}

/* ---------------------------------------------------------------- writer */

static void test_writer_structure(void **state)
{
	char buf[256];
	struct jw w;

	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "a");
	jw_arr_begin(&w);
	jw_int(&w, INT64_MIN);
	jw_int(&w, INT64_MAX);
	jw_int(&w, 0);
	jw_int(&w, -1);
	jw_uint(&w, UINT64_MAX);
	jw_bool(&w, true);
	jw_bool(&w, false);
	jw_null(&w);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "b\"");
	jw_str(&w, "c");
	jw_obj_end(&w);
	assert_int_equal(jw_finish(&w), 0);
	assert_string_equal(buf, "{\"a\":[-9223372036854775808,9223372036854775807,0,-1,"
			    "18446744073709551615,true,false,null,[],{}],\"b\\\"\":\"c\"}");
	assert_int_equal(jw_len(&w), strlen(buf));
}

struct esc_case {
	const char *in;
	size_t len;
	const char *out;
};

static const struct esc_case escapes[] = {
	{ "plain /<>&'~", 0, "\"plain /<>&'~\"" },
	{ "\"\\", 0, "\"\\\"\\\\\"" },
	{ "\b\f\n\r\t", 0, "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01\x1b[31m", 0, "\"\\u0001\\u001b[31m\"" },	/* no terminal escapes */
	{ "\x7f", 0, "\"\\u007f\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "\xc3\xa9", 0, "\"\\u00e9\"" },
	{ "\xe2\x82\xac", 0, "\"\\u20ac\"" },
	{ "\xef\xbb\xbf", 0, "\"\\ufeff\"" },
	{ "\xf0\x9f\x98\x80", 0, "\"\\ud83d\\ude00\"" },
	{ "\xf4\x8f\xbf\xbf", 0, "\"\\udbff\\udfff\"" },
	/* invalid UTF-8: one replacement character per bad byte */
	{ "\xff", 0, "\"\\ufffd\"" },
	{ "\xc0\xaf", 0, "\"\\ufffd\\ufffd\"" },
	{ "\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xe2\x82", 0, "\"\\ufffd\\ufffd\"" },
	{ "x\xe2\x82y", 0, "\"x\\ufffd\\ufffdy\"" },
	{ "\xf4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "", 0, "\"\"" },
};

static void test_writer_escaping(void **state)
{
	char buf[128];
	struct jw w;

	for (size_t i = 0; i < ARRAY_SIZE(escapes); i++) {
		const struct esc_case *c = &escapes[i];
		size_t n = c->len ? c->len : strlen(c->in);

		jw_init(&w, buf, sizeof(buf));
		jw_strn(&w, c->in, n);
		assert_int_equal(jw_finish(&w), 0);
		assert_string_equal(buf, c->out);
		assert_int_equal(jw_str_size(c->in, n), strlen(c->out));
	}
	/* Every byte value: printable ASCII out, and it parses back. */
	for (int b = 0; b < 256; b++) {
		char in = (char)b;

		jw_init(&w, buf, sizeof(buf));
		jw_strn(&w, &in, 1);
		assert_int_equal(jw_finish(&w), 0);
		for (size_t k = 0; buf[k]; k++)
			assert_true(buf[k] >= 0x20 && buf[k] < 0x7f);
		assert_int_equal(jw_str_size(&in, 1), strlen(buf));
		if (b && b < 0x80) {
			assert_int_equal(parse(buf), 0);
			assert_int_equal(doc.toks[0].len, 1);
			assert_int_equal((unsigned char)text[doc.toks[0].v.off], b);
		}
	}
	/* Keys are escaped the same way. */
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "\n\xff");
	jw_null(&w);
	jw_obj_end(&w);
	assert_string_equal(buf, "{\"\\n\\ufffd\":null}");
}

typedef void (*misuse_fn)(struct jw *w);

static void mis_key_top(struct jw *w) { jw_key(w, "k"); }
static void mis_two_top(struct jw *w) { jw_int(w, 1); jw_int(w, 2); }
static void mis_value_no_key(struct jw *w) { jw_obj_begin(w); jw_int(w, 1); }
static void mis_key_in_array(struct jw *w) { jw_arr_begin(w); jw_key(w, "k"); }
static void mis_two_keys(struct jw *w) { jw_obj_begin(w); jw_key(w, "a"); jw_key(w, "b"); }
static void mis_close_pending(struct jw *w) { jw_obj_begin(w); jw_key(w, "a"); jw_obj_end(w); }
static void mis_close_wrong(struct jw *w) { jw_obj_begin(w); jw_arr_end(w); }
static void mis_close_wrong2(struct jw *w) { jw_arr_begin(w); jw_obj_end(w); }
static void mis_close_top(struct jw *w) { jw_obj_end(w); }
static void mis_unclosed(struct jw *w) { jw_arr_begin(w); jw_int(w, 1); }
static void mis_nothing(struct jw *w) { (void)w; }
static void mis_extra_close(struct jw *w) { jw_arr_begin(w); jw_arr_end(w); jw_arr_end(w); }
static void mis_deep(struct jw *w)
{
	for (int i = 0; i <= JW_MAX_DEPTH; i++)
		jw_arr_begin(w);
	for (int i = 0; i <= JW_MAX_DEPTH; i++)
		jw_arr_end(w);
}

static void test_writer_misuse(void **state)
{
	static const misuse_fn bad[] = {
		mis_key_top, mis_two_top, mis_value_no_key, mis_key_in_array, mis_two_keys,
		mis_close_pending, mis_close_wrong, mis_close_wrong2, mis_close_top,
		mis_unclosed, mis_nothing, mis_extra_close, mis_deep,
	};
	char buf[256];
	struct jw w;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		jw_init(&w, buf, sizeof(buf));
		bad[i](&w);
		if (jw_finish(&w) != -EINVAL)
			print_error("misuse %zu accepted: %s\n", i, buf);
		assert_int_equal(jw_finish(&w), -EINVAL);
		assert_true(strlen(buf) < sizeof(buf));
	}
	/* JW_MAX_DEPTH itself is fine. */
	jw_init(&w, buf, sizeof(buf));
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_arr_begin(&w);
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_arr_end(&w);
	assert_int_equal(jw_finish(&w), 0);
}

/* A fixed document written into buffers of every size: truncation is
 * reported, nothing is written past the buffer (exact-size heap buffers
 * under ASan), the buffer stays a NUL-terminated prefix. */
static void write_sample(struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n");
	jw_key(w, "list");
	jw_arr_begin(w);
	for (int i = -3; i < 3; i++)
		jw_int(w, i * 1000003);
	jw_arr_end(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_obj_end(w);
}

static void test_writer_truncation(void **state)
{
	char full[512];
	struct jw w;
	size_t n;

	jw_init(&w, full, sizeof(full));
	write_sample(&w);
	assert_int_equal(jw_finish(&w), 0);
	n = jw_len(&w);
	for (size_t cap = 0; cap <= n + 1; cap++) {
		char *b = malloc(cap ? cap : 1);

		assert_non_null(b);
		jw_init(&w, cap ? b : NULL, cap);
		write_sample(&w);
		if (cap == n + 1) {
			assert_int_equal(jw_finish(&w), 0);
			assert_string_equal(b, full);
		} else {
			assert_int_equal(jw_finish(&w), -ENOSPC);
			if (cap) {
				assert_true(strlen(b) < cap);
				assert_memory_equal(b, full, strlen(b));
			}
		}
		free(b);
	}
}

static void test_writer_rollback(void **state)
{
	char buf[24];
	struct jw w;
	struct jw_mark m;

	jw_init(&w, buf, sizeof(buf));
	jw_arr_begin(&w);
	jw_int(&w, 1);
	m = jw_mark(&w);
	jw_str(&w, "this does not fit in the buffer");
	assert_int_equal(jw_finish(&w), -ENOSPC);
	jw_rollback(&w, m);
	assert_string_equal(buf, "[1");
	jw_int(&w, 2);			/* the comma state came back too */
	m = jw_mark(&w);
	jw_obj_end(&w);			/* misuse, undone */
	jw_rollback(&w, m);
	jw_arr_end(&w);
	assert_int_equal(jw_finish(&w), 0);
	assert_string_equal(buf, "[1,2]");
	/* Rolling back across closed containers restores their state. */
	jw_init(&w, buf, sizeof(buf));
	jw_arr_begin(&w);
	jw_arr_begin(&w);
	m = jw_mark(&w);
	jw_arr_end(&w);
	jw_int(&w, 5);
	jw_rollback(&w, m);
	jw_int(&w, 7);
	jw_arr_end(&w);
	jw_arr_end(&w);
	assert_int_equal(jw_finish(&w), 0);
	assert_string_equal(buf, "[[7]]");
}

static void test_writer_value_errors(void **state)
{
	struct json_tok bad[2] = {
		{ .type = JSON_ARRAY, .len = 1, .end = 5 },	/* end beyond ntoks */
		{ .type = JSON_INT, .end = 2 },
	};
	struct json_doc d = { .text = "", .toks = bad, .ntoks = 2 };
	char buf[32];
	struct jw w;

	jw_init(&w, buf, sizeof(buf));
	jw_value(&w, &d, 0);
	assert_int_equal(jw_finish(&w), -EINVAL);
	jw_init(&w, buf, sizeof(buf));
	jw_value(&w, &d, 7);
	assert_int_equal(jw_finish(&w), -EINVAL);
	bad[0].type = 99;
	bad[0].end = 1;
	jw_init(&w, buf, sizeof(buf));
	jw_value(&w, &d, 0);
	assert_int_equal(jw_finish(&w), -EINVAL);
}

/* ---------------------------------------------------------------- round trips */

static void test_round_trip(void **state)
{
	static const char *const docs[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":\"\\u0000x\\n\",\"method\":\"m\"}",
		"[\"\xe2\x82\xac\\ud83d\\ude00\\u001f\\\\\",{\"\":[[[]]]},-9223372036854775808]",
		"{\"a\":{\"b\":{\"c\":{\"d\":[true,false,null,\"\\u007f\"]}}}}",
	};
	static struct json_tok t2[64];
	char out[512], out2[512];
	struct json_doc d2;

	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		int rc = parse(docs[i]);

		if (i == 0) {		/* \u0000 is refused */
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(write_doc(out, sizeof(out)), 0);
		strcpy(out2, out);
		assert_int_equal(json_parse(&d2, out2, strlen(out2), t2, 64, &err), 0);
		assert_true(json_equal(&doc, 0, &d2, 0));
		/* Writing is canonical: once written, it stays the same. */
		{
			struct jw w;
			char again[512];

			jw_init(&w, again, sizeof(again));
			jw_value(&w, &d2, 0);
			assert_int_equal(jw_finish(&w), 0);
			assert_string_equal(again, out);
		}
		/* Sub-values write on their own. */
		{
			struct jw w;
			char sub[512];

			jw_init(&w, sub, sizeof(sub));
			jw_value(&w, &doc, json_first(&doc, 0));
			assert_int_equal(jw_finish(&w), 0);
		}
	}
}

static int teardown(void **state)
{
	free(text);
	text = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_accept_table, teardown),
		cmocka_unit_test_teardown(test_reject_table, teardown),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test_teardown(test_depth_limit, teardown),
		cmocka_unit_test_teardown(test_token_limit, teardown),
		cmocka_unit_test_teardown(test_member_limit, teardown),
		cmocka_unit_test_teardown(test_string_limit, teardown),
		cmocka_unit_test(test_input_limit),
		cmocka_unit_test_teardown(test_decoded_in_place, teardown),
		cmocka_unit_test_teardown(test_getters, teardown),
		cmocka_unit_test_teardown(test_iteration, teardown),
		cmocka_unit_test_teardown(test_equal, teardown),
		cmocka_unit_test(test_writer_structure),
		cmocka_unit_test_teardown(test_writer_escaping, teardown),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_writer_truncation),
		cmocka_unit_test(test_writer_rollback),
		cmocka_unit_test(test_writer_value_errors),
		cmocka_unit_test_teardown(test_round_trip, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
