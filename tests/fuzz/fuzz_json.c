/* libFuzzer target: the strict JSON parser and writer (kernel/json.c).
 *
 * For every input: a failed parse names an error and an offset inside the
 * input; a successful one writes back (printable ASCII, no truncation
 * with a big enough buffer), parses again to an equal document, writes
 * again to the very same bytes (the writer is canonical), needs exactly
 * the tokens it reported (one fewer fails with JSON_E_TOKENS), finds
 * every key with json_get, and reports truncation into a short buffer
 * without writing past it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/json.h"

#define NTOKS 1024
#define CHECK(x) do { if (!(x)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_tok t1[NTOKS], t2[NTOKS];

static char *dup_exact(const void *p, size_t n)
{
	char *s = malloc(n ? n : 1);

	CHECK(s);
	memcpy(s, p, n);
	return s;
}

static void check_keys(const struct json_doc *d)
{
	for (uint32_t i = 0; i < d->ntoks; i++) {
		if (d->toks[i].type != JSON_OBJECT)
			continue;
		for (int k = json_first(d, (int)i); k >= 0; k = json_next(d, (int)i, k)) {
			const char *key = d->text + d->toks[k].v.off;

			CHECK(d->toks[k].type == JSON_STRING);
			CHECK(strlen(key) == d->toks[k].len);	/* no NUL inside */
			CHECK(json_get(d, (int)i, key) == k + 1);	/* unique */
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc d1, d2;
	struct json_err e;
	char *a, *b, *o, *o2;
	size_t cap, len;
	struct jw w;
	int rc;

	if (size > 256 * 1024)
		return 0;
	a = dup_exact(data, size);
	rc = json_parse(&d1, a, size, t1, NTOKS, &e);
	if (rc) {
		CHECK(e.code != JSON_OK && e.code < JSON_E_COUNT);
		CHECK(e.offset <= size);
		CHECK(rc == (e.code == JSON_E_RANGE ? -ERANGE :
			     json_error_is_limit(e.code) ? -E2BIG : -EINVAL));
		CHECK(d1.ntoks == 0);
		free(a);
		return 0;
	}
	CHECK(e.code == JSON_OK && d1.ntoks >= 1 && d1.toks[0].end == d1.ntoks);
	check_keys(&d1);

	/* Exactly d1.ntoks tokens are needed. */
	b = dup_exact(data, size);
	CHECK(json_parse(&d2, b, size, t2, d1.ntoks, &e) == 0);
	free(b);
	b = dup_exact(data, size);
	CHECK(json_parse(&d2, b, size, t2, d1.ntoks - 1, &e) == -E2BIG && e.code == JSON_E_TOKENS);
	free(b);

	/* Written back: at most 3 bytes per input byte (a 2-byte UTF-8
	 * character becomes a 6-byte \u escape), so 6 leaves room. */
	cap = 6 * size + 16;
	o = malloc(cap);
	CHECK(o);
	jw_init(&w, o, cap);
	jw_value(&w, &d1, 0);
	CHECK(jw_finish(&w) == 0);
	len = jw_len(&w);
	CHECK(len == strlen(o));
	for (size_t i = 0; i < len; i++)
		CHECK(o[i] >= 0x20 && o[i] < 0x7f);

	/* ... parses to an equal document ... */
	b = dup_exact(o, len);
	CHECK(json_parse(&d2, b, len, t2, NTOKS, &e) == 0);
	CHECK(d2.ntoks == d1.ntoks);
	CHECK(json_equal(&d1, 0, &d2, 0));
	CHECK(json_equal(&d2, 0, &d1, 0));

	/* ... which writes to the same bytes. */
	o2 = malloc(len + 1);
	CHECK(o2);
	jw_init(&w, o2, len + 1);
	jw_value(&w, &d2, 0);
	CHECK(jw_finish(&w) == 0);
	CHECK(!memcmp(o, o2, len + 1));

	/* Short of room by one, or by half: truncation, a clean prefix. */
	for (size_t c = len; c >= 1; c = c / 2) {
		jw_init(&w, o2, c);
		jw_value(&w, &d2, 0);
		CHECK(jw_finish(&w) == -ENOSPC);
		CHECK(strlen(o2) < c && !memcmp(o2, o, strlen(o2)));
		if (c == 1)
			break;
	}

	/* jw_str_size agrees with what the writer writes for every string. */
	for (uint32_t i = 0; i < d1.ntoks; i++) {
		const struct json_tok *t = &d1.toks[i];

		if (t->type != JSON_STRING)
			continue;
		jw_init(&w, o2, len + 1);
		jw_strn(&w, d1.text + t->v.off, t->len);
		CHECK(jw_finish(&w) == 0);
		CHECK(jw_len(&w) == jw_str_size(d1.text + t->v.off, t->len));
	}

	free(o2);
	free(b);
	free(o);
	free(a);
	return 0;
}
