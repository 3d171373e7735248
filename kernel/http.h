/* The little HTTP the host speaks to fetch images (kernel/fetch.c): URLs
 * of the form http://A.B.C.D[:PORT]/PATH and the head of an HTTP/1.x
 * response. Pure logic: a network peer controls every byte it reads, so
 * it is tested with hostile input and fuzzed (fuzz_http). */
#ifndef KERNEL_HTTP_H
#define KERNEL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX 8192	/* status line and headers, with the blank line */
#define HTTP_PATH_MAX 256

struct http_url {
	uint32_t addr;			/* host byte order */
	uint16_t port;			/* 80 unless given */
	char path[HTTP_PATH_MAX];	/* from the first '/'; "/" if none */
};

/* Parses an http:// URL with a dotted IPv4 host (the host has no DNS).
 * The path must be printable ASCII without spaces. Returns 0 or -EINVAL
 * (err says why). */
int http_parse_url(const char *url, struct http_url *u, char *err, size_t errlen);

struct http_head {
	int status;			/* 100..999 */
	bool has_length;
	uint64_t length;		/* Content-Length */
	bool chunked;			/* Transfer-Encoding other than identity */
	size_t head_len;		/* bytes up to and including the blank line */
};

/* Looks for a complete response head at the start of buf. Returns 1 (h
 * filled: the body starts at buf + h->head_len), 0 (incomplete: read
 * more, unless len is already HTTP_HEAD_MAX), or -EINVAL (not HTTP/1.x,
 * a malformed line, a bad or repeated Content-Length; err says why). */
int http_parse_head(const char *buf, size_t len, struct http_head *h, char *err, size_t errlen);

#endif
