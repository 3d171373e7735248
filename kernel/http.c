/* URLs and HTTP/1.x response heads (kernel/http.h). */
#include <errno.h>
#include <string.h>
#include "kernel/fmt.h"
#include "kernel/http.h"

static int bad(char *err, size_t errlen, const char *why)
{
	ksnprintf(err, errlen, "%s", why);
	return -EINVAL;
}

/* A decimal number of at most max; *p advances past it. */
static int decimal(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s == end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int http_parse_url(const char *url, struct http_url *u, char *err, size_t errlen)
{
	const char *p = url, *end = url + strlen(url);
	uint64_t v, port = 80;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncmp(p, "http://", 7))
		return bad(err, errlen, "only http:// URLs (the image's SHA-256 protects it)");
	p += 7;
	for (int k = 0; k < 4; k++) {
		if (k && (p == end || *p++ != '.'))
			return bad(err, errlen, "the host must be a dotted IPv4 address (no DNS)");
		if (decimal(&p, end, 255, &v))
			return bad(err, errlen, "the host must be a dotted IPv4 address (no DNS)");
		u->addr = u->addr << 8 | (uint32_t)v;
	}
	if (p < end && *p == ':') {
		p++;
		if (decimal(&p, end, 65535, &port) || !port)
			return bad(err, errlen, "bad port");
	}
	u->port = (uint16_t)port;
	if (p == end) {
		memcpy(u->path, "/", 2);
		return 0;
	}
	if (*p != '/')
		return bad(err, errlen, "junk after the host");
	n = (size_t)(end - p);
	if (n >= sizeof(u->path))
		return bad(err, errlen, "path too long");
	for (size_t i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] > 0x7e)
			return bad(err, errlen, "the path must be printable ASCII without spaces");
	memcpy(u->path, p, n);
	u->path[n] = 0;
	return 0;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Whether line[0..n) starts with name (any case) and a colon. */
static bool is_header(const char *line, size_t n, const char *name, const char **val)
{
	size_t k = strlen(name);

	if (n <= k || line[k] != ':')
		return false;
	for (size_t i = 0; i < k; i++)
		if (lower(line[i]) != name[i])
			return false;
	*val = line + k + 1;
	return true;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

int http_parse_head(const char *buf, size_t len, struct http_head *h, char *err, size_t errlen)
{
	const char *p = buf, *end, *eol, *v;
	uint64_t status;
	bool first = true;

	memset(h, 0, sizeof(*h));
	if (len > HTTP_HEAD_MAX)
		len = HTTP_HEAD_MAX;
	end = buf + len;
	for (;;) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return len == HTTP_HEAD_MAX ? bad(err, errlen, "response head too long") : 0;
		/* The line without its LF and an optional CR before it. */
		size_t n = (size_t)(eol - p) - (eol > p && eol[-1] == '\r');

		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
				return bad(err, errlen, "control character in the response head");
		if (first) {
			const char *q = p + 9;

			if (n < 12 || strncmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1') ||
			    p[8] != ' ' || decimal(&q, p + 12, 999, &status) || q != p + 12 ||
			    status < 100 || (n > 12 && p[12] != ' '))
				return bad(err, errlen, "not an HTTP/1.x status line");
			h->status = (int)status;
			first = false;
		} else if (!n) {
			h->head_len = (size_t)(eol + 1 - buf);
			return 1;
		} else if (p[0] == ' ' || p[0] == '\t') {
			return bad(err, errlen, "folded header lines are not accepted");
		} else if (is_header(p, n, "content-length", &v)) {
			uint64_t cl;

			v = skip_ws(v, p + n);
			if (h->has_length || decimal(&v, p + n, (1ull << 53), &cl) ||
			    skip_ws(v, p + n) != p + n)
				return bad(err, errlen, "bad or repeated Content-Length");
			h->has_length = true;
			h->length = cl;
		} else if (is_header(p, n, "transfer-encoding", &v)) {
			v = skip_ws(v, p + n);
			if ((size_t)(p + n - v) != 8 || strncmp(v, "identity", 8))
				h->chunked = true;
		}
		p = eol + 1;
	}
}
