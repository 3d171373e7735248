/* libFuzzer target: kernel/http.c, what a web server (or anyone on the
 * path to it) sends the host when it fetches an image, and the URLs an
 * operator gives.
 *
 * For every input: the head parser reads only inside the buffer (ASan),
 * never reports a head longer than the input or than HTTP_HEAD_MAX, is
 * monotonic (a complete head stays complete, with the same result, when
 * more bytes follow, and a prefix of an incomplete input is incomplete
 * too), and says why when it refuses; the URL parser never leaves a path
 * that is not a printable "/..." string. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/http.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head h, h2;
	struct http_url u;
	char err[96], err2[96], *buf, *url;
	int r, r2;

	buf = malloc(size ? size : 1);
	CHECK(buf);
	memcpy(buf, data, size);
	err[0] = 0;
	r = http_parse_head(buf, size, &h, err, sizeof(err));
	CHECK(r == 1 || r == 0 || r == -22);
	if (r < 0)
		CHECK(err[0]);
	if (r == 1) {
		CHECK(h.head_len <= size && h.head_len <= HTTP_HEAD_MAX);
		CHECK(h.status >= 100 && h.status <= 999);
		CHECK(buf[h.head_len - 1] == '\n');
		/* Exactly the head: the same answer. */
		r2 = http_parse_head(buf, h.head_len, &h2, err2, sizeof(err2));
		CHECK(r2 == 1 && !memcmp(&h, &h2, sizeof(h)));
	}
	if (r == 0 && size) {
		CHECK(size < HTTP_HEAD_MAX);
		r2 = http_parse_head(buf, size - 1, &h2, err2, sizeof(err2));
		CHECK(r2 == 0);
	}
	free(buf);

	url = malloc(size + 1);
	CHECK(url);
	memcpy(url, data, size);
	url[size] = 0;
	if (!http_parse_url(url, &u, err, sizeof(err))) {
		CHECK(u.path[0] == '/' && strlen(u.path) < HTTP_PATH_MAX);
		for (const char *p = u.path; *p; p++)
			CHECK(*p > 0x20 && *p < 0x7f);
		CHECK(u.port != 0);
	}
	free(url);
	return 0;
}
