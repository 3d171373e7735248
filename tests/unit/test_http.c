/* kernel/http.c: image URLs and HTTP/1.x response heads, with the hostile
 * heads a web server (or whoever sits between it and the host) can send. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/http.h"

static char err[128];

static int url(const char *s, struct http_url *u)
{
	err[0] = 0;
	return http_parse_url(s, u, err, sizeof(err));
}

static void test_urls(void **state)
{
	struct http_url u;

	(void)state;
	assert_int_equal(url("http://10.0.2.2:8000/images/web.cpio", &u), 0);
	assert_int_equal(u.addr, 0x0a000202);
	assert_int_equal(u.port, 8000);
	assert_string_equal(u.path, "/images/web.cpio");
	assert_int_equal(url("http://192.168.1.1", &u), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");
	assert_int_equal(url("http://0.0.0.0:65535/?a=b&c", &u), 0);
	assert_int_equal(u.port, 65535);
	assert_string_equal(u.path, "/?a=b&c");
}

static void test_bad_urls(void **state)
{
	static const struct { const char *url, *why; } bad[] = {
		{ "https://10.0.0.1/x", "only http://" },
		{ "ftp://10.0.0.1/x", "only http://" },
		{ "HTTP://10.0.0.1/x", "only http://" },
		{ "http://example.com/x", "IPv4" },
		{ "http://10.0.0/x", "IPv4" },
		{ "http://10.0.0.256/x", "IPv4" },
		{ "http://10.0.0.1.5/x", "junk" },
		{ "http://10.0.0.1:0/x", "port" },
		{ "http://10.0.0.1:65536/x", "port" },
		{ "http://10.0.0.1:99999999999999999999/x", "port" },
		{ "http://10.0.0.1:/x", "port" },
		{ "http://10.0.0.1x", "junk" },
		{ "http://10.0.0.1/a b", "printable" },
		{ "http://10.0.0.1/a\x01", "printable" },
		{ "http://10.0.0.1/\xc3\xa9", "printable" },
		{ "http://", "IPv4" },
		{ "", "only http://" },
	};
	struct http_url u;
	char longurl[400];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(url(bad[i].url, &u), -EINVAL);
		if (!strstr(err, bad[i].why))
			fail_msg("%s: \"%s\" does not say %s", bad[i].url, err, bad[i].why);
	}
	memcpy(longurl, "http://1.2.3.4/", 15);
	memset(longurl + 15, 'a', sizeof(longurl) - 16);
	longurl[sizeof(longurl) - 1] = 0;
	assert_int_equal(url(longurl, &u), -EINVAL);
	assert_non_null(strstr(err, "too long"));
}

static int head(const char *s, struct http_head *h)
{
	err[0] = 0;
	return http_parse_head(s, strlen(s), h, err, sizeof(err));
}

static void test_heads(void **state)
{
	struct http_head h;
	const char *ok = "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-LENGTH:  3347748 \r\n\r\nBODY";

	(void)state;
	assert_int_equal(head(ok, &h), 1);
	assert_int_equal(h.status, 200);
	assert_true(h.has_length);
	assert_int_equal(h.length, 3347748);
	assert_false(h.chunked);
	assert_int_equal(h.head_len, strlen(ok) - 4);
	/* Bare LFs, HTTP/1.0, no reason phrase. */
	assert_int_equal(head("HTTP/1.0 404\n\n", &h), 1);
	assert_int_equal(h.status, 404);
	assert_false(h.has_length);
	assert_int_equal(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &h), 1);
	assert_true(h.chunked);
	assert_int_equal(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", &h), 1);
	assert_false(h.chunked);
	assert_int_equal(head("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &h), 1);
	assert_int_equal(h.length, 0);
	assert_int_equal(head("HTTP/1.1 200 OK\r\nContent-Length: 9007199254740992\r\n\r\n", &h), 1);
}

static void test_incomplete(void **state)
{
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
	struct http_head h;

	(void)state;
	/* Every proper prefix asks for more; the whole answers. */
	for (size_t n = 0; n < strlen(ok); n++)
		assert_int_equal(http_parse_head(ok, n, &h, err, sizeof(err)), 0);
	assert_int_equal(http_parse_head(ok, strlen(ok), &h, err, sizeof(err)), 1);
}

static void test_hostile_heads(void **state)
{
	static const struct { const char *head, *why; } bad[] = {
		{ "HTTP/2 200 OK\r\n\r\n", "status line" },
		{ "HTTP/1.2 200 OK\r\n\r\n", "status line" },
		{ "HTTP/1.1 20 OK\r\n\r\n", "status line" },
		{ "HTTP/1.1 2000 OK\r\n\r\n", "status line" },
		{ "HTTP/1.1 099 OK\r\n\r\n", "status line" },
		{ "HTTP/1.1 -20 OK\r\n\r\n", "status line" },
		{ "HTTP/1.1  200 OK\r\n\r\n", "status line" },
		{ "ICY 200 OK\r\n\r\n", "status line" },
		{ "\r\n\r\n", "status line" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", "Content-Length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", "Content-Length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\n", "Content-Length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "Content-Length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 9007199254740993\r\n\r\n", "Content-Length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "Content-Length" },
		{ "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n", "control character" },
		{ "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "control character" },
		{ "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "folded" },
	};
	struct http_head h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(head(bad[i].head, &h), -EINVAL);
		if (!strstr(err, bad[i].why))
			fail_msg("%zu: \"%s\" does not say %s", i, err, bad[i].why);
	}
}

static void test_head_limit(void **state)
{
	static char big[HTTP_HEAD_MAX + 100];
	struct http_head h;
	size_t n;

	(void)state;
	/* Headers without end: refused at the limit, not read past it. */
	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	while (n + 8 < sizeof(big))
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X: y\r\n");
	assert_int_equal(http_parse_head(big, HTTP_HEAD_MAX - 1, &h, err, sizeof(err)), 0);
	assert_int_equal(http_parse_head(big, n, &h, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	/* One line longer than the limit, no LF at all. */
	memset(big, 'A', sizeof(big));
	assert_int_equal(http_parse_head(big, sizeof(big), &h, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_heads),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_hostile_heads),
		cmocka_unit_test(test_head_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
