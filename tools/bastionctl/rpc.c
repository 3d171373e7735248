/* JSON-RPC client side of kernel/RPC.md: one request a line, one answer a
 * line, in order. Independent of the transport, so the unit test drives it
 * with a fake one. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/bastionctl/cli.h"

int lb_next(struct linebuf *b, char **line, size_t *n)
{
	char *s = b->buf + b->start;
	char *lf = memchr(s, '\n', b->len);
	size_t k;

	if (!lf) {
		if (b->start) {		/* keep the partial line at the front */
			memmove(b->buf, s, b->len);
			b->start = 0;
		}
		return b->len >= b->cap ? -E2BIG : 0;
	}
	k = (size_t)(lf - s);
	*line = s;
	*n = k && s[k - 1] == '\r' ? k - 1 : k;
	s[*n] = 0;
	b->start += k + 1;
	b->len -= k + 1;
	if (!b->len)
		b->start = 0;
	return 1;
}

char *lb_space(struct linebuf *b, size_t *room)
{
	*room = b->cap - b->start - b->len;
	return b->buf + b->start + b->len;
}

int client_init(struct client *cl, struct conn *conn)
{
	memset(cl, 0, sizeof(*cl));
	cl->conn = conn;
	cl->next_id = 1;
	cl->lb.cap = RPC_RESPONSE_MAX;
	cl->lb.buf = malloc(cl->lb.cap + 1);	/* + the NUL of a full line */
	cl->toks = calloc(ANSWER_TOKENS, sizeof(*cl->toks));
	if (!cl->lb.buf || !cl->toks) {
		client_free(cl);
		return -ENOMEM;
	}
	return 0;
}

void client_free(struct client *cl)
{
	free(cl->lb.buf);
	free(cl->toks);
	cl->lb.buf = NULL;
	cl->toks = NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EXIT_PROTO;
}

int rpc_check(struct client *cl, char *line, size_t n, int64_t id,
	      char *err, size_t errlen)
{
	struct json_err je;
	const char *s, *msg;
	int64_t got, code;
	int t, e;

	if (cl->conn && cl->conn->lenient && strncmp(line, "{\"jsonrpc\":\"2.0\"", 16))
		return -EAGAIN;		/* a log line on the serial console */
	if (json_parse(&cl->doc, line, n, cl->toks, ANSWER_TOKENS, &je))
		return cl->conn && cl->conn->lenient ? -EAGAIN :
			fail(err, errlen, "the answer is not JSON (%s at byte %u)",
			     json_strerror(je.code), (unsigned)je.offset);
	if (!json_is(&cl->doc, 0, JSON_OBJECT) ||
	    json_get_str(&cl->doc, 0, "jsonrpc", 8, &s, NULL) || strcmp(s, "2.0"))
		return fail(err, errlen, "the answer is no JSON-RPC 2.0 response");
	if (cl->conn && cl->conn->lenient && json_get(&cl->doc, 0, "method") >= 0)
		return -EAGAIN;		/* a console echoing our request */
	t = json_get(&cl->doc, 0, "id");
	if (t < 0)
		return fail(err, errlen, "the answer has no id");
	if (json_is(&cl->doc, t, JSON_INT)) {
		json_int(&cl->doc, t, INT64_MIN, INT64_MAX, &got);
		if (got != id)
			return cl->conn && cl->conn->lenient ? -EAGAIN :
				fail(err, errlen, "the answer is for request %lld, not %lld",
				     (long long)got, (long long)id);
	} else if (!json_is(&cl->doc, t, JSON_NULL)) {
		return fail(err, errlen, "the answer's id is not ours");
	}
	cl->result = json_get(&cl->doc, 0, "result");
	e = json_get(&cl->doc, 0, "error");
	if ((cl->result >= 0) == (e >= 0))
		return fail(err, errlen, "the answer needs exactly one of result and error");
	if (cl->result >= 0) {
		if (json_is(&cl->doc, t, JSON_NULL))
			return fail(err, errlen, "a result with id null");
		return EXIT_OK;
	}
	if (json_get_int(&cl->doc, e, "code", INT32_MIN, INT32_MAX, &code) ||
	    json_get_str(&cl->doc, e, "message", 4096, &msg, NULL))
		return fail(err, errlen, "the error in the answer has no code or message");
	cl->err_code = code;
	snprintf(cl->err_msg, sizeof(cl->err_msg), "%s", msg);
	return EXIT_HOST;
}

void rpc_error_text(const struct client *cl, char *buf, size_t len)
{
	const char *hint = "";

	switch (cl->err_code) {
	case -32601:
		if (!strncmp(cl->method, "image.", 6))
			hint = " (this host does not implement image upload yet)";
		else
			hint = " (this host does not know that method)";
		break;
	case -32001:
		hint = " (our certificate's role is read-only; mutating needs OU=admin)";
		break;
	}
	snprintf(buf, len, "%s: error %lld: %s%s", cl->method, (long long)cl->err_code,
		 cl->err_msg, hint);
}

static int send_request(struct client *cl, const char *method, const char *params, int64_t id)
{
	size_t cap = RPC_LINE_MAX + 2;
	char *buf = malloc(cap);
	struct jw w;
	int r;

	if (!buf)
		return -ENOMEM;
	jw_init(&w, buf, cap);
	jw_obj_begin(&w);
	jw_key(&w, "jsonrpc");
	jw_str(&w, "2.0");
	jw_key(&w, "id");
	jw_int(&w, id);
	jw_key(&w, "method");
	jw_str(&w, method);
	jw_obj_end(&w);
	if (jw_finish(&w)) {
		free(buf);
		return -E2BIG;
	}
	/* params is spliced in as text: it was written by jw or checked by
	 * json_parse; the host checks it once more. */
	if (params) {
		size_t n = strlen(params);

		if (w.len + n + 12 > cap) {
			free(buf);
			return -E2BIG;
		}
		memcpy(buf + w.len - 1, ",\"params\":", 10);
		memcpy(buf + w.len + 9, params, n);
		w.len += 9 + n;
		buf[w.len++] = '}';
	}
	if (w.len > RPC_LINE_MAX) {
		free(buf);
		return -E2BIG;
	}
	buf[w.len++] = '\n';
	r = cl->conn->send(cl->conn->ctx, buf, w.len);
	free(buf);
	return r;
}

int rpc_call(struct client *cl, const char *method, const char *params)
{
	int64_t id = cl->next_id++;
	char err[160];
	int r;

	snprintf(cl->method, sizeof(cl->method), "%s", method);
	cl->err_code = 0;
	cl->err_msg[0] = 0;
	r = send_request(cl, method, params, id);
	if (r == -E2BIG) {
		fprintf(stderr, "bastionctl: %s: the request is longer than %d bytes\n",
			method, RPC_LINE_MAX);
		return EXIT_USAGE;
	}
	if (r) {
		fprintf(stderr, "bastionctl: %s: sending failed: %s\n", method, strerror(-r));
		return EXIT_CONNECT;
	}
	for (;;) {
		char *line, *space;
		size_t n, room;
		ssize_t got;

		r = lb_next(&cl->lb, &line, &n);
		if (r == -E2BIG) {
			fprintf(stderr, "bastionctl: %s: protocol error: an answer longer than "
				"%d bytes\n", method, RPC_RESPONSE_MAX);
			return EXIT_PROTO;
		}
		if (r == 1) {
			if (!n || strspn(line, " \t\r") == n)
				continue;
			r = rpc_check(cl, line, n, id, err, sizeof(err));
			if (r == -EAGAIN)
				continue;
			if (r == EXIT_PROTO)
				fprintf(stderr, "bastionctl: %s: protocol error: %s\n", method, err);
			return r;
		}
		space = lb_space(&cl->lb, &room);
		got = cl->conn->recv(cl->conn->ctx, space, room);
		if (got == -ETIMEDOUT) {
			fprintf(stderr, "bastionctl: %s: timeout: no answer from the host\n", method);
			return EXIT_CONNECT;
		}
		if (got == 0 && cl->lb.len) {
			fprintf(stderr, "bastionctl: %s: protocol error: the connection closed "
				"in the middle of an answer\n", method);
			return EXIT_PROTO;
		}
		if (got == 0) {
			fprintf(stderr, "bastionctl: %s: the host closed the connection "
				"without answering\n", method);
			return EXIT_CONNECT;
		}
		if (got < 0) {
			fprintf(stderr, "bastionctl: %s: receiving failed: %s\n", method,
				strerror((int)-got));
			return EXIT_CONNECT;
		}
		cl->lb.len += (size_t)got;
	}
}

static const char *const fail_text[NF_COUNT] = {
	[NF_OK] = "connected",
	[NF_RESOLVE] = "cannot resolve the host name",
	[NF_REFUSED] = "connection refused",
	[NF_TIMEOUT] = "timeout: the host did not answer",
	[NF_UNREACHABLE] = "cannot reach the host",
	[NF_CONFIG] = "cannot load our certificate, key or CA",
	[NF_SERVER_CERT] = "the host's certificate is not signed by our CA",
	[NF_SERVER_NAME] = "the host's certificate is not for this host name or address",
	[NF_CLIENT_REJECTED] = "the host rejected our certificate",
	[NF_TLS] = "TLS handshake failed",
};

int net_fail_exit(enum net_fail f)
{
	return f == NF_OK ? EXIT_OK : EXIT_CONNECT;
}

const char *net_fail_text(enum net_fail f)
{
	return (unsigned)f < NF_COUNT ? fail_text[f] : "connection failed";
}
