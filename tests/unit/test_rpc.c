/* Unit tests of the RPC console core (kernel/rpc.c): every JSON-RPC error
 * path (the standard codes and ours), ids and notifications, roles and the
 * audit hook, params schemas, handler misbehaviour, the core methods
 * against stub providers, and framing (every chunk boundary of a
 * multi-request stream, CR LF, blank and overlong lines), back-pressure,
 * the idle and request limits. Every response line any test produces is
 * checked to be a valid JSON-RPC 2.0 response. */
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
#include "kernel/rpc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* tests/unit/support/rpc_stubs.c */
extern char stub_log_last[512];
extern unsigned stub_log_count;
extern long stub_alloc_fail_at;

/* ---------------------------------------------------------------- stub host */

static uint64_t clock_ms;
static int host_info_rc;
static const char *log_text;
static size_t log_text_len;
static unsigned log_lines_asked;

struct audit_rec {
	char identity[RPC_IDENTITY_MAX + 1];
	char method[RPC_METHOD_MAX + 1];
	enum rpc_role role;
	int outcome;
	char message[RPC_MSG_MAX];
	bool notification;
};
static struct audit_rec audits[16];
static unsigned naudit;

static int stub_host_info(void *ctx, struct rpc_host_info *hi)
{
	assert_ptr_equal(ctx, &clock_ms);
	if (host_info_rc)
		return host_info_rc;
	hi->version = "0.1.0";
	hi->vmm = "svm";
	hi->cpus = 2;
	hi->mem_total = 268435456;
	hi->mem_free = 1000;
	hi->uptime_ms = 12345;
	hi->protections = 0xff;
	return 0;
}

static size_t stub_log_tail(void *ctx, char *buf, size_t len, unsigned lines)
{
	size_t n = log_text_len < len ? log_text_len : len;

	log_lines_asked = lines;
	memcpy(buf, log_text, n);
	return n;
}

static uint64_t stub_now(void *ctx)
{
	return clock_ms;
}

static void stub_audit(void *ctx, const struct rpc_audit *a)
{
	struct audit_rec *r = &audits[naudit++ % ARRAY_SIZE(audits)];

	snprintf(r->identity, sizeof(r->identity), "%s", a->identity);
	snprintf(r->method, sizeof(r->method), "%s", a->method);
	r->role = a->role;
	r->outcome = a->outcome;
	snprintf(r->message, sizeof(r->message), "%s", a->message ? a->message : "(none)");
	r->notification = a->notification;
	assert_true(a->outcome == 0 || a->message != NULL);
}

static const struct rpc_host_ops stub_ops = {
	.host_info = stub_host_info,
	.log_tail = stub_log_tail,
	.now_ms = stub_now,
	.audit = stub_audit,
};

/* ---------------------------------------------------------------- test methods */

static int test_value = -1;	/* what test.set changes */
static unsigned handler_calls;
static int echo_wrong_type, echo_missing;

static int h_set(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);
	int64_t v;

	handler_calls++;
	assert_int_equal(rpc_param_int(c, "value", &v), 0);
	test_value = (int)v;
	jw_obj_begin(w);
	jw_key(w, "value");
	jw_int(w, v);
	jw_obj_end(w);
	return 0;
}

static int h_not_found(struct rpc_call *c)
{
	handler_calls++;
	return rpc_fail(c, RPC_ERR_NOT_FOUND, "no such vm \"%s\"", "web");
}

static int h_conflict(struct rpc_call *c)
{
	handler_calls++;
	return rpc_fail(c, RPC_ERR_CONFLICT, "vm %d is running", 3);
}

static int h_nothing(struct rpc_call *c) { handler_calls++; return 0; }

static int h_two(struct rpc_call *c)
{
	jw_int(rpc_result(c), 1);
	jw_int(rpc_result(c), 2);
	return 0;
}

static int h_open(struct rpc_call *c)
{
	jw_obj_begin(rpc_result(c));
	jw_key(rpc_result(c), "a");
	jw_int(rpc_result(c), 1);
	return 0;
}

/* Tries to close the envelope and add a member of its own. */
static int h_escape(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);

	jw_int(w, 1);
	jw_obj_end(w);
	jw_key(w, "extra");
	jw_int(w, 2);
	return 0;
}

static int h_errno(struct rpc_call *c) { return -EINVAL; }
static int h_bad_code(struct rpc_call *c) { return rpc_fail(c, RPC_ERR_PARSE, "not mine"); }
static int h_zero_code(struct rpc_call *c) { return rpc_fail(c, 0, "zero"); }
static int h_fail_ret0(struct rpc_call *c) { rpc_fail(c, RPC_ERR_CONFLICT, "said so"); return 0; }

static int h_fail_after_write(struct rpc_call *c)
{
	jw_str(rpc_result(c), "half");
	return rpc_fail(c, RPC_ERR_PARAMS, "late refusal");
}

static int h_big(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);

	jw_arr_begin(w);
	for (int i = 0; i < RPC_RESPONSE_MAX / 8; i++)
		jw_str(w, "0123456789");
	jw_arr_end(w);
	return 0;
}

static int h_echo(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);
	const struct json_doc *d;
	const char *s;
	int64_t i;
	bool b;
	int t;

	echo_wrong_type = rpc_param_int(c, "s", &i);
	echo_missing = rpc_param_str(c, "zzz", &s, NULL);
	jw_obj_begin(w);
	if (!rpc_param_str(c, "s", &s, NULL)) {
		jw_key(w, "s");
		jw_str(w, s);
	}
	if (!rpc_param_int(c, "i", &i)) {
		jw_key(w, "i");
		jw_int(w, i);
	}
	if (!rpc_param_bool(c, "b", &b)) {
		jw_key(w, "b");
		jw_bool(w, b);
	}
	if ((t = rpc_param_tok(c, "a", &d)) >= 0) {
		jw_key(w, "a");
		jw_value(w, d, t);
	}
	if ((t = rpc_param_tok(c, "o", &d)) >= 0) {
		jw_key(w, "o");
		jw_value(w, d, t);
	}
	jw_key(w, "who");
	jw_str(w, rpc_identity(c));
	jw_key(w, "admin");
	jw_bool(w, rpc_role(c) == RPC_ROLE_ADMIN);
	jw_obj_end(w);
	return 0;
}

static int h_scratch(struct rpc_call *c)
{
	size_t n;
	char *p = rpc_scratch(c, &n);

	memset(p, 'x', n);	/* all of it is ours (ASan checks) */
	jw_uint(rpc_result(c), n);
	return 0;
}

static const struct rpc_param set_params[] = {
	{ .name = "value", .type = RPC_P_INT, .flags = RPC_P_REQUIRED, .min = 0, .max = 100 },
	{ .name = NULL },
};

static const struct rpc_param echo_params[] = {
	{ .name = "s", .type = RPC_P_STR, .min = 1, .max = 8 },
	{ .name = "i", .type = RPC_P_INT, .min = -5, .max = 5 },
	{ .name = "b", .type = RPC_P_BOOL },
	{ .name = "o", .type = RPC_P_OBJ, .min = 0, .max = 2 },
	{ .name = "a", .type = RPC_P_ARR, .min = 1, .max = 3 },
	{ .name = "r", .type = RPC_P_INT, .flags = RPC_P_REQUIRED, .min = 0, .max = 1 },
	{ .name = NULL },
};

static const struct rpc_method test_methods[] = {
	{ .name = "test.set", .fn = h_set, .flags = RPC_MUTATING, .params = set_params },
	{ .name = "test.conflict", .fn = h_conflict, .flags = RPC_MUTATING },
	{ .name = "test.not_found", .fn = h_not_found },
	{ .name = "test.nothing", .fn = h_nothing },
	{ .name = "test.two", .fn = h_two },
	{ .name = "test.open", .fn = h_open },
	{ .name = "test.escape", .fn = h_escape },
	{ .name = "test.errno", .fn = h_errno },
	{ .name = "test.bad_code", .fn = h_bad_code },
	{ .name = "test.zero_code", .fn = h_zero_code },
	{ .name = "test.fail_ret0", .fn = h_fail_ret0 },
	{ .name = "test.fail_after_write", .fn = h_fail_after_write },
	{ .name = "test.big", .fn = h_big },
	{ .name = "test.echo", .fn = h_echo, .params = echo_params },
	{ .name = "test.scratch", .fn = h_scratch },
};

static const struct rpc_table test_table = { test_methods, ARRAY_SIZE(test_methods) };
static const struct rpc_table *const tables[] = { &rpc_core_table, &test_table };
static const struct rpc_server server = {
	.tables = tables, .ntables = ARRAY_SIZE(tables), .ops = &stub_ops, .ctx = &clock_ms,
};

/* ---------------------------------------------------------------- transport */

static char out[2 << 20];
static size_t outlen;
static long write_budget = -1;	/* bytes the peer takes before blocking; -1: all */
static int write_err;		/* returned instead, when set */

static int out_write(void *io, const void *buf, size_t len)
{
	size_t n = len;

	assert_ptr_equal(io, out);
	assert_true(len > 0);
	if (write_err)
		return write_err;
	if (write_budget >= 0 && (size_t)write_budget < n)
		n = (size_t)write_budget;
	if (write_budget >= 0)
		write_budget -= (long)n;
	assert_true(outlen + n < sizeof(out));
	memcpy(out + outlen, buf, n);
	outlen += n;
	out[outlen] = 0;
	return (int)n;
}

static struct rpc_session *sess;

static struct rpc_session *open_session(const struct rpc_server *srv, enum rpc_role role,
					const char *identity, uint32_t idle_ms, uint32_t max)
{
	struct rpc_session_cfg cfg = {
		.identity = identity, .role = role, .idle_ms = idle_ms, .max_requests = max,
		.write = out_write, .io = out,
	};
	struct rpc_session *s;

	assert_int_equal(rpc_session_create(srv, &cfg, &s), 0);
	assert_non_null(s);
	return s;
}

static void reopen(enum rpc_role role)
{
	rpc_session_destroy(sess);
	sess = open_session(&server, role, "CN=tester", 0, 0);
}

static int setup(void **state)
{
	clock_ms = 1000;
	host_info_rc = 0;
	log_text = "";
	log_text_len = 0;
	log_lines_asked = 0;
	naudit = 0;
	test_value = -1;
	handler_calls = 0;
	outlen = 0;
	out[0] = 0;
	write_budget = -1;
	write_err = 0;
	stub_alloc_fail_at = -1;
	sess = open_session(&server, RPC_ROLE_ADMIN, "CN=tester", 0, 0);
	return 0;
}

static int teardown(void **state)
{
	rpc_session_destroy(sess);
	sess = NULL;
	return 0;
}

/* ---------------------------------------------------------------- response checks */

static const int known_codes[] = {
	RPC_ERR_PARSE, RPC_ERR_INVALID, RPC_ERR_NO_METHOD, RPC_ERR_PARAMS, RPC_ERR_INTERNAL,
	RPC_ERR_DENIED, RPC_ERR_LIMIT, RPC_ERR_NOT_FOUND, RPC_ERR_CONFLICT,
};

/* One response line (without its LF): printable ASCII, strict JSON, and a
 * JSON-RPC 2.0 response with exactly the members it should have. */
static void check_response(const char *line, size_t len)
{
	static struct json_tok t[RPC_TOKENS_MAX * 4];
	static char copy[RPC_RESPONSE_MAX];
	struct json_doc d;
	struct json_err e;
	int id, res, err, k, n = 0;
	bool known = false;
	int64_t code;
	const char *v;

	assert_true(len < RPC_RESPONSE_MAX);
	for (size_t i = 0; i < len; i++)
		assert_true(line[i] >= 0x20 && line[i] < 0x7f);
	memcpy(copy, line, len);
	assert_int_equal(json_parse(&d, copy, len, t, ARRAY_SIZE(t), &e), 0);
	assert_true(json_is(&d, 0, JSON_OBJECT));
	assert_int_equal(json_get_str(&d, 0, "jsonrpc", 3, &v, NULL), 0);
	assert_string_equal(v, "2.0");
	id = json_get(&d, 0, "id");
	assert_true(id > 0);
	assert_true(json_is(&d, id, JSON_INT) || json_is(&d, id, JSON_STRING) ||
		    json_is(&d, id, JSON_NULL));
	res = json_get(&d, 0, "result");
	err = json_get(&d, 0, "error");
	assert_true((res > 0) != (err > 0));
	assert_int_equal(d.toks[0].len, 3);
	if (err > 0) {
		assert_true(json_is(&d, err, JSON_OBJECT));
		assert_int_equal(json_get_int(&d, err, "code", INT32_MIN, INT32_MAX, &code), 0);
		assert_int_equal(json_get_str(&d, err, "message", RPC_MSG_MAX, &v, NULL), 0);
		assert_true(strlen(v) > 0);
		for (k = json_first(&d, err); k >= 0; k = json_next(&d, err, k))
			n++;
		assert_int_equal(n, 2);
		for (size_t i = 0; i < ARRAY_SIZE(known_codes); i++)
			known |= code == known_codes[i];
		assert_true(known);
	}
}

/* Checks every line of out[] and returns how many there are. */
static unsigned check_output(void)
{
	unsigned lines = 0;
	size_t pos = 0;

	while (pos < outlen) {
		char *nl = memchr(out + pos, '\n', outlen - pos);

		assert_non_null(nl);
		check_response(out + pos, (size_t)(nl - (out + pos)));
		pos = (size_t)(nl - out) + 1;
		lines++;
	}
	return lines;
}

/* Feeds all of in (one chunk), expects it all taken; returns the output. */
static const char *feed(const char *in, size_t len)
{
	size_t used = 0;

	outlen = 0;
	out[0] = 0;
	assert_int_equal(rpc_session_feed(sess, in, len, &used), 0);
	assert_int_equal(used, len);
	check_output();
	return out;
}

static const char *feeds(const char *in)
{
	return feed(in, strlen(in));
}

static const char *call(const char *req)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s\n", req);
	return feeds(line);
}

/* The one response in out[]: its error code (0 for a result) and its id,
 * written as JSON, into id_out. */
static int response_code(char *id_out, size_t id_len)
{
	static struct json_tok t[64];
	static char copy[RPC_RESPONSE_MAX];
	struct json_doc d;
	struct json_err e;
	int64_t code = 0;
	struct jw w;
	int err;

	assert_int_equal(check_output(), 1);
	memcpy(copy, out, outlen - 1);
	assert_int_equal(json_parse(&d, copy, outlen - 1, t, ARRAY_SIZE(t), &e), 0);
	jw_init(&w, id_out, id_len);
	jw_value(&w, &d, json_get(&d, 0, "id"));
	assert_int_equal(jw_finish(&w), 0);
	err = json_get(&d, 0, "error");
	if (err > 0)
		assert_int_equal(json_get_int(&d, err, "code", INT32_MIN, 0, &code), 0);
	return (int)code;
}

static void expect_error(const char *req, int code, const char *id, const char *msg_part)
{
	char idj[256];

	call(req);
	if (response_code(idj, sizeof(idj)) != code || strcmp(idj, id) ||
	    (msg_part && !strstr(out, msg_part)))
		print_error("request %s\n  got %s  want code %d id %s message ~ %s\n", req, out,
			    code, id, msg_part ? msg_part : "");
	assert_int_equal(response_code(idj, sizeof(idj)), code);
	assert_string_equal(idj, id);
	if (msg_part)
		assert_non_null(strstr(out, msg_part));
}

#define REQ(id, method, rest) \
	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"" method "\"" rest "}"

/* ---------------------------------------------------------------- basics */

static void test_ping(void **state)
{
	assert_string_equal(call(REQ("1", "rpc.ping", "")),
			    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"pong\"}\n");
	/* Members in any order, whitespace anywhere. */
	assert_string_equal(call(" { \"method\" : \"rpc.ping\" , \"id\" : \"a\" , \"jsonrpc\" : \"2.0\" ,"
				 " \"params\" : { } } "),
			    "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":\"pong\"}\n");
}

static void test_ids(void **state)
{
	static const struct { const char *in, *echo; } ids[] = {
		{ "0", "0" },
		{ "-1", "-1" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "-9223372036854775808", "-9223372036854775808" },
		{ "\"\"", "\"\"" },
		{ "\"req-7\"", "\"req-7\"" },
		{ "\"\\u00e9\\n\"", "\"\\u00e9\\n\"" },
		{ "\"\xc3\xa9\"", "\"\\u00e9\"" },
		{ "null", "null" },	/* a request with a null id is answered */
	};
	char line[512], idj[256];

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"rpc.ping\"}",
			 ids[i].in);
		call(line);
		assert_int_equal(response_code(idj, sizeof(idj)), 0);
		assert_string_equal(idj, ids[i].echo);
	}
	/* RPC_ID_MAX bytes is the longest id. */
	memset(idj, 'i', RPC_ID_MAX);
	idj[RPC_ID_MAX] = 0;
	snprintf(line, sizeof(line), REQ("\"%s\"", "rpc.ping", ""), idj);
	call(line);
	assert_non_null(strstr(out, "\"result\":\"pong\""));
	snprintf(line, sizeof(line), REQ("\"%si\"", "rpc.ping", ""), idj);
	expect_error(line, RPC_ERR_INVALID, "null", "id longer than 128 bytes");
}

static void test_notifications(void **state)
{
	/* Not answered, whatever happens to them... */
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"rpc.ping\"}"), "");
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"no.such\"}"), "");
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"log.tail\",\"params\":{\"lines\":0}}"), "");
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.not_found\"}"), "");
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.two\"}"), "");
	assert_int_equal(handler_calls, 1);
	/* ...but they do run: */
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.set\",\"params\":{\"value\":9}}"), "");
	assert_int_equal(test_value, 9);
	/* ...and what is no valid request is no notification either. */
	expect_error("{\"method\":\"rpc.ping\"}", RPC_ERR_INVALID, "null", "jsonrpc");
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"rpc.ping\",\"x\":1}", RPC_ERR_INVALID, "null",
		     "unknown member \\\"x\\\"");
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":7}", RPC_ERR_INVALID, "null", NULL);
}

/* ---------------------------------------------------------------- error paths */

static void test_parse_errors(void **state)
{
	expect_error("{", RPC_ERR_PARSE, "null", "parse error at byte 1: unexpected end of input");
	expect_error("garbage", RPC_ERR_PARSE, "null", "parse error at byte 0: unexpected character");
	expect_error(REQ("1.5", "rpc.ping", ""), RPC_ERR_PARSE, "null",
		     "numbers must be integers (no fraction or exponent)");
	expect_error(REQ("1e3", "rpc.ping", ""), RPC_ERR_PARSE, "null", "numbers must be integers");
	expect_error(REQ("01", "rpc.ping", ""), RPC_ERR_PARSE, "null", "malformed number");
	expect_error(REQ("99999999999999999999", "rpc.ping", ""), RPC_ERR_PARSE, "null",
		     "integer out of 64-bit range");
	expect_error(REQ("1", "rpc.ping", ",\"id\":2"), RPC_ERR_PARSE, "null", "duplicate key");
	expect_error(REQ("1", "rpc.ping", ","), RPC_ERR_PARSE, "null", NULL);
	expect_error(REQ("1", "rpc.ping", "") " x", RPC_ERR_PARSE, "null", "unexpected data");
	expect_error("\xef\xbb\xbf" REQ("1", "rpc.ping", ""), RPC_ERR_PARSE, "null", "byte order mark");
	expect_error(REQ("\"\xff\"", "rpc.ping", ""), RPC_ERR_PARSE, "null", "invalid UTF-8");
	expect_error(REQ("\"\\ud800\"", "rpc.ping", ""), RPC_ERR_PARSE, "null", "surrogate");
	expect_error(REQ("\"a\\u0000\"", "rpc.ping", ""), RPC_ERR_PARSE, "null", "NUL");
	expect_error(REQ("1", "rpc.ping", "") "/* c */", RPC_ERR_PARSE, "null", NULL);
	/* A NUL byte on the line. */
	feed(REQ("1", "rpc.ping", "") "\0\n", sizeof(REQ("1", "rpc.ping", "")) + 1);
	assert_non_null(strstr(out, "-32700"));
}

static void test_invalid_requests(void **state)
{
	static const struct { const char *req, *id, *msg; } cases[] = {
		{ "1", "null", "a request must be a JSON object" },
		{ "\"x\"", "null", "a request must be a JSON object" },
		{ "null", "null", "a request must be a JSON object" },
		{ "[]", "null", "batch requests are not supported" },
		{ "[" REQ("1", "rpc.ping", "") "]", "null", "batch requests are not supported" },
		{ "{}", "null", "jsonrpc must be \\\"2.0\\\"" },
		{ "{\"id\":1,\"method\":\"rpc.ping\"}", "1", "jsonrpc must be" },
		{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"rpc.ping\"}", "1", "jsonrpc must be" },
		{ "{\"jsonrpc\":\"2.00\",\"id\":1,\"method\":\"rpc.ping\"}", "1", "jsonrpc must be" },
		{ "{\"jsonrpc\":\"2\",\"id\":1,\"method\":\"rpc.ping\"}", "1", "jsonrpc must be" },
		{ "{\"jsonrpc\":2,\"id\":1,\"method\":\"rpc.ping\"}", "1", "jsonrpc must be" },
		{ "{\"jsonrpc\":null,\"id\":1,\"method\":\"rpc.ping\"}", "1", "jsonrpc must be" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1}", "1", "method must be a string" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":1}", "1", "method must be a string" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null}", "1", "method must be a string" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":[\"rpc.ping\"]}", "1", "method must be" },
		{ REQ("1", "rpc.ping", ",\"params\":\"x\""), "1", "params must be an object" },
		{ REQ("1", "rpc.ping", ",\"params\":1"), "1", "params must be an object" },
		{ REQ("1", "rpc.ping", ",\"params\":null"), "1", "params must be an object" },
		{ REQ("1", "rpc.ping", ",\"params\":true"), "1", "params must be an object" },
		{ REQ("\"q\"", "rpc.ping", ",\"result\":1"), "\"q\"", "unknown member \\\"result\\\"" },
		{ REQ("1", "rpc.ping", ",\"Method\":1"), "1", "unknown member" },
		{ REQ("true", "rpc.ping", ""), "null", "id must be a string, an integer or null" },
		{ REQ("false", "rpc.ping", ""), "null", "id must be" },
		{ REQ("{}", "rpc.ping", ""), "null", "id must be" },
		{ REQ("[1]", "rpc.ping", ""), "null", "id must be" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_error(cases[i].req, RPC_ERR_INVALID, cases[i].id, cases[i].msg);
	assert_int_equal(naudit, 0);
}

static void test_method_not_found(void **state)
{
	char name[RPC_METHOD_MAX + 2], line[256];

	expect_error(REQ("1", "no.such", ""), RPC_ERR_NO_METHOD, "1", "method not found: no.such");
	expect_error(REQ("2", "RPC.PING", ""), RPC_ERR_NO_METHOD, "2", NULL);
	expect_error(REQ("3", "rpc.ping ", ""), RPC_ERR_NO_METHOD, "3", NULL);
	expect_error(REQ("4", "", ""), RPC_ERR_NO_METHOD, "4", NULL);
	expect_error(REQ("5", "rpc.ping\\u0000x", ""), RPC_ERR_PARSE, "null", "NUL");
	expect_error(REQ("6", "\\u001b[2J", ""), RPC_ERR_NO_METHOD, "6", "\\u001b[2J");
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	snprintf(line, sizeof(line), REQ("7", "%s", ""), name);
	expect_error(line, RPC_ERR_NO_METHOD, "7", NULL);
	assert_int_equal(naudit, 0);
}

static void test_invalid_params(void **state)
{
	static const struct { const char *params, *msg; } cases[] = {
		{ "[]", "params must be an object (parameters by name)" },
		{ "[1]", "params must be an object" },
		{ "{\"r\":0,\"zz\":1}", "unknown parameter \\\"zz\\\"" },
		{ "{}", "missing parameter params.r" },
		{ "{\"s\":\"x\"}", "missing parameter params.r" },
		{ "{\"r\":2}", "params.r must be an integer in 0..1" },
		{ "{\"r\":-1}", "params.r must be an integer in 0..1" },
		{ "{\"r\":\"0\"}", "params.r must be an integer in 0..1" },
		{ "{\"r\":null}", "params.r must be an integer" },
		{ "{\"r\":0,\"s\":\"\"}", "params.s must be a string of 1..8 bytes" },
		{ "{\"r\":0,\"s\":\"123456789\"}", "params.s must be a string of 1..8 bytes" },
		{ "{\"r\":0,\"s\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}", "params.s must be a string" },
		{ "{\"r\":0,\"s\":1}", "params.s must be a string" },
		{ "{\"r\":0,\"i\":6}", "params.i must be an integer in -5..5" },
		{ "{\"r\":0,\"i\":-6}", "params.i must be an integer in -5..5" },
		{ "{\"r\":0,\"b\":1}", "params.b must be true or false" },
		{ "{\"r\":0,\"b\":\"true\"}", "params.b must be true or false" },
		{ "{\"r\":0,\"o\":{\"a\":1,\"b\":2,\"c\":3}}", "params.o must be an object of 0..2 members" },
		{ "{\"r\":0,\"o\":[]}", "params.o must be an object" },
		{ "{\"r\":0,\"a\":[]}", "params.a must be an array of 1..3 elements" },
		{ "{\"r\":0,\"a\":[1,2,3,4]}", "params.a must be an array of 1..3 elements" },
		{ "{\"r\":0,\"a\":{}}", "params.a must be an array" },
	};
	char line[512], id[16];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(line, sizeof(line), REQ("%zu", "test.echo", ",\"params\":%s"), i,
			 cases[i].params);
		snprintf(id, sizeof(id), "%zu", i);
		expect_error(line, RPC_ERR_PARAMS, id, cases[i].msg);
	}
	/* Methods without params take none, but an empty object is fine. */
	expect_error(REQ("1", "rpc.ping", ",\"params\":{\"x\":1}"), RPC_ERR_PARAMS, "1",
		     "unknown parameter \\\"x\\\"");
	expect_error(REQ("1", "rpc.ping", ",\"params\":[]"), RPC_ERR_PARAMS, "1", NULL);
	assert_non_null(strstr(call(REQ("1", "rpc.ping", ",\"params\":{}")), "pong"));
	assert_int_equal(handler_calls, 0);
}

static void test_params_reach_handler(void **state)
{
	call(REQ("1", "test.echo", ",\"params\":{\"r\":1,\"s\":\"\\u00e9t\\u00e9\",\"i\":-5,\"b\":false,"
		 "\"o\":{\"k\":[1]},\"a\":[null,\"x\",{}]}"));
	assert_string_equal(out, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"s\":\"\\u00e9t\\u00e9\","
			    "\"i\":-5,\"b\":false,\"a\":[null,\"x\",{}],\"o\":{\"k\":[1]},"
			    "\"who\":\"CN=tester\",\"admin\":true}}\n");
	assert_int_equal(echo_wrong_type, -EINVAL);
	assert_int_equal(echo_missing, -ENOENT);
	call(REQ("2", "test.echo", ",\"params\":{\"r\":0}"));
	assert_string_equal(out, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"who\":\"CN=tester\","
			    "\"admin\":true}}\n");
}

/* Handlers can fail only with a proper error, and cannot break the
 * response whatever they write. */
static void test_handler_errors(void **state)
{
	unsigned logs = stub_log_count;

	expect_error(REQ("1", "test.not_found", ""), RPC_ERR_NOT_FOUND, "1", "no such vm \\\"web\\\"");
	expect_error(REQ("1", "test.nothing", ""), RPC_ERR_INTERNAL, "1", "invalid result");
	expect_error(REQ("1", "test.two", ""), RPC_ERR_INTERNAL, "1", "invalid result");
	expect_error(REQ("1", "test.open", ""), RPC_ERR_INTERNAL, "1", "invalid result");
	expect_error(REQ("1", "test.escape", ""), RPC_ERR_INTERNAL, "1", "invalid result");
	assert_int_equal(stub_log_count, logs + 4);	/* handler bugs are logged */
	assert_non_null(strstr(stub_log_last, "test.escape"));
	expect_error(REQ("1", "test.errno", ""), RPC_ERR_INTERNAL, "1", "internal error (-22)");
	expect_error(REQ("1", "test.bad_code", ""), RPC_ERR_INTERNAL, "1", "not mine");
	expect_error(REQ("1", "test.zero_code", ""), RPC_ERR_INTERNAL, "1", "zero");
	expect_error(REQ("1", "test.fail_ret0", ""), RPC_ERR_CONFLICT, "1", "said so");
	expect_error(REQ("1", "test.fail_after_write", ""), RPC_ERR_PARAMS, "1", "late refusal");
	assert_null(strstr(out, "half"));
	expect_error(REQ("1", "test.big", ""), RPC_ERR_LIMIT, "1", "result too large");
	/* The session carries on. */
	assert_non_null(strstr(call(REQ("2", "rpc.ping", "")), "pong"));
}

static void test_limits(void **state)
{
	char *line = malloc(RPC_LINE_MAX);
	size_t n;

	assert_non_null(line);
	/* Nesting beyond JSON_MAX_DEPTH in params. */
	n = (size_t)snprintf(line, RPC_LINE_MAX, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\","
			     "\"params\":{\"r\":0,\"o\":{\"k\":");
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		line[n++] = '[';
	line[n] = 0;
	expect_error(line, RPC_ERR_LIMIT, "null", "request too large at byte");
	assert_non_null(strstr(out, "nested too deeply"));
	/* More values than RPC_TOKENS_MAX. */
	n = (size_t)snprintf(line, RPC_LINE_MAX, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rpc.ping\","
			     "\"params\":{\"x\":[");
	for (int i = 0; i < RPC_TOKENS_MAX; i++)
		n += (size_t)snprintf(line + n, RPC_LINE_MAX - n, "%s1", i ? "," : "");
	n += (size_t)snprintf(line + n, RPC_LINE_MAX - n, "]}}\n");
	feed(line, n);
	assert_non_null(strstr(out, "\"code\":-32002"));
	assert_non_null(strstr(out, "too many values"));
	free(line);
}

/* ---------------------------------------------------------------- roles, audit */

static void test_readonly_cannot_mutate(void **state)
{
	reopen(RPC_ROLE_READONLY);
	expect_error(REQ("1", "test.set", ",\"params\":{\"value\":5}"), RPC_ERR_DENIED, "1",
		     "permission denied: test.set needs the admin role");
	assert_int_equal(test_value, -1);	/* nothing happened */
	assert_int_equal(handler_calls, 0);
	assert_int_equal(naudit, 1);
	assert_string_equal(audits[0].method, "test.set");
	assert_string_equal(audits[0].identity, "CN=tester");
	assert_int_equal(audits[0].role, RPC_ROLE_READONLY);
	assert_int_equal(audits[0].outcome, RPC_ERR_DENIED);
	assert_false(audits[0].notification);
	/* The role is checked before the params: bad params are still -32001. */
	expect_error(REQ("2", "test.set", ",\"params\":{\"value\":500}"), RPC_ERR_DENIED, "2", NULL);
	expect_error(REQ("3", "test.conflict", ""), RPC_ERR_DENIED, "3", NULL);
	assert_int_equal(handler_calls, 0);
	assert_int_equal(naudit, 3);
	/* As a notification: no reply, still refused, still audited. */
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.set\",\"params\":{\"value\":5}}"), "");
	assert_int_equal(test_value, -1);
	assert_int_equal(naudit, 4);
	assert_true(audits[3].notification);
	assert_int_equal(audits[3].outcome, RPC_ERR_DENIED);
	/* Reading is fine, and not audited. */
	assert_non_null(strstr(call(REQ("4", "host.info", "")), "\"result\""));
	assert_non_null(strstr(call(REQ("5", "log.tail", "")), "\"result\""));
	assert_non_null(strstr(call(REQ("6", "test.echo", ",\"params\":{\"r\":1}")), "\"admin\":false"));
	assert_int_equal(naudit, 4);
}

static void test_audit_admin(void **state)
{
	/* Success: audited once, outcome 0, no message. */
	assert_string_equal(call(REQ("1", "test.set", ",\"params\":{\"value\":42}")),
			    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"value\":42}}\n");
	assert_int_equal(test_value, 42);
	assert_int_equal(naudit, 1);
	assert_string_equal(audits[0].method, "test.set");
	assert_int_equal(audits[0].role, RPC_ROLE_ADMIN);
	assert_int_equal(audits[0].outcome, 0);
	assert_string_equal(audits[0].message, "(none)");
	/* Bad params: refused, nothing changed, audited with -32602. */
	expect_error(REQ("2", "test.set", ",\"params\":{\"value\":101}"), RPC_ERR_PARAMS, "2", NULL);
	expect_error(REQ("3", "test.set", ""), RPC_ERR_PARAMS, "3", "missing parameter params.value");
	assert_int_equal(test_value, 42);
	assert_int_equal(naudit, 3);
	assert_int_equal(audits[1].outcome, RPC_ERR_PARAMS);
	assert_string_equal(audits[1].message, "params.value must be an integer in 0..100");
	assert_int_equal(audits[2].outcome, RPC_ERR_PARAMS);
	/* Messages quoting the client reach the audit hook printable. */
	expect_error(REQ("3", "test.set", ",\"params\":{\"value\":1,\"\\u001b[2J\\u00e9\":1}"),
		     RPC_ERR_PARAMS, "3", "unknown parameter \\\"\\u001b[2J\\u00e9\\\"");
	assert_int_equal(naudit, 4);
	assert_string_equal(audits[3].message, "unknown parameter \"?[2J??\"");
	naudit = 3;
	/* A handler's refusal is audited with its code and message. */
	expect_error(REQ("4", "test.conflict", ""), RPC_ERR_CONFLICT, "4", "vm 3 is running");
	assert_int_equal(naudit, 4);
	assert_int_equal(audits[3].outcome, RPC_ERR_CONFLICT);
	assert_string_equal(audits[3].message, "vm 3 is running");
	/* Read-only methods, unknown methods and bad requests are not. */
	call(REQ("5", "rpc.ping", ""));
	call(REQ("6", "host.info", ""));
	call(REQ("7", "test.not_found", ""));
	call(REQ("8", "nope", ""));
	call("{\"jsonrpc\":\"1.0\",\"id\":9,\"method\":\"test.set\",\"params\":{\"value\":1}}");
	call("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"test.set\",\"params\":{\"value\":1.0}}");
	assert_int_equal(naudit, 4);
	assert_int_equal(test_value, 42);
	/* A mutating notification: runs, audited, not answered. */
	assert_string_equal(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.set\",\"params\":{\"value\":7}}"), "");
	assert_int_equal(test_value, 7);
	assert_int_equal(naudit, 5);
	assert_int_equal(audits[4].outcome, 0);
	assert_true(audits[4].notification);
}

static void test_identity_sanitized(void **state)
{
	char long_id[400];

	rpc_session_destroy(sess);
	sess = open_session(&server, RPC_ROLE_ADMIN, "CN=evil\x1b[2J\n\xc3\xa9", 0, 0);
	call(REQ("1", "test.set", ",\"params\":{\"value\":1}"));
	assert_string_equal(audits[0].identity, "CN=evil?[2J???");
	rpc_session_destroy(sess);
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = 0;
	sess = open_session(&server, RPC_ROLE_ADMIN, long_id, 0, 0);
	call(REQ("1", "test.set", ",\"params\":{\"value\":1}"));
	assert_int_equal(strlen(audits[1].identity), RPC_IDENTITY_MAX);
	rpc_session_destroy(sess);
	sess = open_session(&server, RPC_ROLE_ADMIN, NULL, 0, 0);
	call(REQ("1", "test.set", ",\"params\":{\"value\":1}"));
	assert_string_equal(audits[2].identity, "");
}

/* ---------------------------------------------------------------- core methods */

static void test_host_info(void **state)
{
	assert_string_equal(call(REQ("1", "host.info", "")),
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"version\":\"0.1.0\",\"vmm\":\"svm\","
		"\"cpus\":2,\"memory\":{\"total_bytes\":268435456,\"free_bytes\":1000},"
		"\"uptime_ms\":12345,\"protections\":[\"nx\",\"smep\",\"smap\",\"umip\",\"wp\","
		"\"w^x\",\"stack-protector\",\"guard-pages\"]}}\n");
	host_info_rc = -EIO;
	expect_error(REQ("2", "host.info", ""), RPC_ERR_INTERNAL, "2", "host.info: provider failed (-5)");
	expect_error(REQ("3", "host.info", ",\"params\":{\"verbose\":true}"), RPC_ERR_PARAMS, "3", NULL);
}

static int partial_info(void *ctx, struct rpc_host_info *hi)
{
	hi->cpus = 1;
	hi->protections = RPC_PROT_NX | RPC_PROT_SMAP | 0x100;	/* unknown bits ignored */
	return 0;
}

static void test_host_info_partial_and_missing(void **state)
{
	static const struct rpc_host_ops ops = { .host_info = partial_info };
	static const struct rpc_table *const core[] = { &rpc_core_table };
	static const struct rpc_server bare = { .tables = core, .ntables = 1 };
	static const struct rpc_server part = { .tables = core, .ntables = 1, .ops = &ops };

	rpc_session_destroy(sess);
	sess = open_session(&part, RPC_ROLE_READONLY, "x", 0, 0);
	assert_string_equal(call(REQ("1", "host.info", "")),
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"version\":null,\"vmm\":null,"
		"\"cpus\":1,\"memory\":{\"total_bytes\":0,\"free_bytes\":0},"
		"\"uptime_ms\":0,\"protections\":[\"nx\",\"smap\"]}}\n");
	expect_error(REQ("2", "log.tail", ""), RPC_ERR_INTERNAL, "2", "log.tail: no provider");
	rpc_session_destroy(sess);
	sess = open_session(&bare, RPC_ROLE_READONLY, "x", 0, 0);
	expect_error(REQ("3", "host.info", ""), RPC_ERR_INTERNAL, "3", "host.info: no provider");
	expect_error(REQ("4", "log.tail", ""), RPC_ERR_INTERNAL, "4", "log.tail: no provider");
	assert_non_null(strstr(call(REQ("5", "rpc.ping", "")), "pong"));
	assert_int_equal(rpc_session_poll(sess), 0);	/* no clock: no idle limit */
}

static void test_log_tail(void **state)
{
	log_text = "[    1.000000] I first\n[    2.000000] W second \x1b[31m\xff\n";
	log_text_len = strlen(log_text);
	assert_string_equal(call(REQ("1", "log.tail", "")),
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"lines\":[\"[    1.000000] I first\","
		"\"[    2.000000] W second \\u001b[31m\\ufffd\"],\"truncated\":false}}\n");
	assert_int_equal(log_lines_asked, 100);
	/* lines is honoured, also when the provider gives more. */
	log_text = "a\nb\nc\nd";	/* and a last line without its LF */
	log_text_len = strlen(log_text);
	assert_string_equal(call(REQ("2", "log.tail", ",\"params\":{\"lines\":2}")),
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"lines\":[\"c\",\"d\"],\"truncated\":false}}\n");
	assert_int_equal(log_lines_asked, 2);
	call(REQ("3", "log.tail", ",\"params\":{\"lines\":1000}"));
	assert_int_equal(log_lines_asked, 1000);
	assert_non_null(strstr(out, "[\"a\",\"b\",\"c\",\"d\"]"));
	log_text = "\n\nx\n";		/* empty lines are lines */
	log_text_len = strlen(log_text);
	assert_non_null(strstr(call(REQ("4", "log.tail", "")), "[\"\",\"\",\"x\"]"));
	log_text_len = 0;
	assert_non_null(strstr(call(REQ("5", "log.tail", "")), "{\"lines\":[],\"truncated\":false}"));
	expect_error(REQ("6", "log.tail", ",\"params\":{\"lines\":0}"), RPC_ERR_PARAMS, "6",
		     "params.lines must be an integer in 1..1000");
	expect_error(REQ("7", "log.tail", ",\"params\":{\"lines\":1001}"), RPC_ERR_PARAMS, "7", NULL);
	expect_error(REQ("8", "log.tail", ",\"params\":{\"lines\":\"5\"}"), RPC_ERR_PARAMS, "8", NULL);
	expect_error(REQ("9", "log.tail", ",\"params\":{\"line\":5}"), RPC_ERR_PARAMS, "9", NULL);
}

/* More log than a response holds: the newest lines, and truncated. */
static void test_log_tail_truncated(void **state)
{
	size_t cap = RPC_SCRATCH_MAX, n = 0;
	char *text = malloc(cap), last[32];
	int i;

	assert_non_null(text);
	for (i = 0; n + 200 < cap; i++) {
		n += (size_t)snprintf(text + n, cap - n, "L%05d:", i);
		memset(text + n, 0x01, 150);	/* 6 bytes each, escaped */
		n += 150;
		text[n++] = '\n';
	}
	snprintf(last, sizeof(last), "L%05d:", i - 1);
	log_text = text;
	log_text_len = n;
	call(REQ("1", "log.tail", ",\"params\":{\"lines\":1000}"));
	assert_true(outlen <= RPC_RESPONSE_MAX);
	assert_true(outlen > RPC_RESPONSE_MAX - 2000);	/* filled, not wasted */
	assert_non_null(strstr(out, last));		/* the newest is there */
	assert_null(strstr(out, "L00000:"));		/* the oldest is not */
	assert_non_null(strstr(out, "\"truncated\":true}}\n"));
	free(text);
}

static void test_scratch(void **state)
{
	char want[64];

	snprintf(want, sizeof(want), "\"result\":%u}", (unsigned)RPC_SCRATCH_MAX);
	assert_non_null(strstr(call(REQ("1", "test.scratch", "")), want));
}

/* ---------------------------------------------------------------- framing */

static const char stream[] =
	REQ("1", "rpc.ping", "") "\n"
	"\n"
	REQ("\"two\"", "host.info", "") "\r\n"
	"   \t \r\n"
	"{\"jsonrpc\":\"2.0\",\"method\":\"rpc.ping\"}\n"
	"{bad json\n"
	REQ("3", "test.set", ",\"params\":{\"value\":3}") "\n"
	"\r\n"
	REQ("4", "log.tail", ",\"params\":{\"lines\":2}") "\r\n"
	REQ("5", "nope", "") "\n";

static void test_stream_every_split(void **state)
{
	size_t len = sizeof(stream) - 1, used;
	char *want;
	unsigned lines;

	log_text = "one\ntwo\n";
	log_text_len = 8;
	feeds(stream);
	lines = check_output();
	assert_int_equal(lines, 6);
	assert_int_equal(naudit, 1);
	want = strdup(out);
	for (size_t k = 0; k <= len; k++) {
		reopen(RPC_ROLE_ADMIN);
		outlen = 0;
		assert_int_equal(rpc_session_feed(sess, stream, k, &used), 0);
		assert_int_equal(used, k);
		assert_int_equal(rpc_session_feed(sess, stream + k, len - k, &used), 0);
		assert_int_equal(used, len - k);
		assert_int_equal(check_output(), lines);
		assert_string_equal(out, want);
	}
	/* One byte at a time. */
	reopen(RPC_ROLE_ADMIN);
	outlen = 0;
	for (size_t k = 0; k < len; k++) {
		assert_int_equal(rpc_session_feed(sess, stream + k, 1, &used), 0);
		assert_int_equal(used, 1);
	}
	assert_string_equal(out, want);
	assert_int_equal(naudit, 1 + len + 2);
	free(want);
}

static void test_blank_lines(void **state)
{
	rpc_session_destroy(sess);
	sess = open_session(&server, RPC_ROLE_ADMIN, "x", 0, 1);
	/* Blank lines get no answer and do not count as requests. */
	assert_string_equal(feeds("\n\r\n \t\r\n\n"), "");
	assert_non_null(strstr(call(REQ("1", "rpc.ping", "")), "pong"));
	/* A lone CR inside a line is JSON whitespace. */
	rpc_session_destroy(sess);
	sess = open_session(&server, RPC_ROLE_ADMIN, "x", 0, 0);
	assert_non_null(strstr(feeds("{\"jsonrpc\":\"2.0\",\r\"id\":1,\"method\":\"rpc.ping\"}\r\n"), "pong"));
	/* Only one trailing CR is the line ending. */
	assert_non_null(strstr(feeds(REQ("1", "rpc.ping", "") "\r\r\n"), "pong"));
}

/* A request padded with spaces to n bytes, then end. */
static char *padded(size_t n, const char *end, size_t *len)
{
	static const char req[] = REQ("1", "rpc.ping", "");
	size_t e = strlen(end);
	char *s = malloc(n + e);

	assert_non_null(s);
	memcpy(s, req, sizeof(req) - 1);
	memset(s + sizeof(req) - 1, ' ', n - (sizeof(req) - 1));
	memcpy(s + n, end, e);
	*len = n + e;
	return s;
}

static void test_line_limit(void **state)
{
	size_t len;
	char *s;

	/* RPC_LINE_MAX bytes, with LF or CR LF: fine. */
	s = padded(RPC_LINE_MAX, "\n", &len);
	assert_non_null(strstr(feed(s, len), "pong"));
	free(s);
	s = padded(RPC_LINE_MAX, "\r\n", &len);
	assert_non_null(strstr(feed(s, len), "pong"));
	free(s);
	/* One more: one error, then the next line is served. */
	s = padded(RPC_LINE_MAX + 1, "\n" REQ("2", "rpc.ping", "") "\n", &len);
	feed(s, len);
	assert_int_equal(check_output(), 2);
	assert_non_null(strstr(out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32002,"
				    "\"message\":\"request line too long (limit 65536 bytes)\"}}\n"));
	assert_non_null(strstr(out, "\"id\":2,\"result\":\"pong\""));
	free(s);
	s = padded(RPC_LINE_MAX + 1, "\r\n", &len);
	assert_non_null(strstr(feed(s, len), "-32002"));
	free(s);
	s = padded(RPC_LINE_MAX + 1, "\r\r\n", &len);
	assert_non_null(strstr(feed(s, len), "-32002"));
	free(s);
}

static void test_overlong_streamed(void **state)
{
	char chunk[1000];
	size_t used;

	/* A megabyte without a newline, in pieces: one error, as soon as the
	 * line is known to be too long, and nothing is kept. */
	memset(chunk, 'x', sizeof(chunk));
	outlen = 0;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(rpc_session_feed(sess, chunk, sizeof(chunk), &used), 0);
		assert_int_equal(used, sizeof(chunk));
		assert_int_equal(check_output(), i < RPC_LINE_MAX / (int)sizeof(chunk) ? 0 : 1);
	}
	/* Its end, and the next request in the same chunk. */
	assert_int_equal(rpc_session_feed(sess, "xx\n" REQ("1", "rpc.ping", "") "\n",
					  strlen("xx\n" REQ("1", "rpc.ping", "") "\n"), &used), 0);
	assert_int_equal(check_output(), 2);
	assert_non_null(strstr(out, "\"id\":1,\"result\":\"pong\""));
	/* One big chunk holding an overlong line and the next request. */
	{
		size_t len;
		char *s = padded(RPC_LINE_MAX + 100, "\n" REQ("2", "rpc.ping", "") "\n", &len);

		feed(s, len);
		assert_int_equal(check_output(), 2);
		free(s);
	}
}

/* ---------------------------------------------------------------- transport */

static void test_backpressure(void **state)
{
	static const char two[] = REQ("1", "rpc.ping", "") "\n" REQ("2", "rpc.ping", "") "\n";
	static const char want[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"pong\"}\n"
				   "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"pong\"}\n";
	size_t used, first = strlen(REQ("1", "rpc.ping", "")) + 1;

	write_budget = 0;
	assert_int_equal(rpc_session_feed(sess, two, sizeof(two) - 1, &used), -EAGAIN);
	assert_int_equal(used, first);		/* stops after the blocked answer */
	assert_int_equal(outlen, 0);
	assert_int_equal(rpc_session_feed(sess, two + used, sizeof(two) - 1 - used, &used), -EAGAIN);
	assert_int_equal(used, 0);		/* nothing more until it drains */
	write_budget = 10;
	assert_int_equal(rpc_session_flush(sess), -EAGAIN);
	assert_int_equal(outlen, 10);
	write_budget = -1;
	assert_int_equal(rpc_session_flush(sess), 0);
	assert_int_equal(rpc_session_flush(sess), 0);
	assert_int_equal(rpc_session_feed(sess, two + first, sizeof(two) - 1 - first, &used), 0);
	assert_int_equal(used, sizeof(two) - 1 - first);
	assert_string_equal(out, want);
}

static void test_write_error(void **state)
{
	size_t used;

	write_err = -EAGAIN;		/* the same as 0: try later */
	assert_int_equal(rpc_session_feed(sess, REQ("1", "rpc.ping", "") "\n",
					  strlen(REQ("1", "rpc.ping", "")) + 1, &used), -EAGAIN);
	write_err = -EIO;
	assert_int_equal(rpc_session_flush(sess), -ECONNRESET);
	assert_int_equal(rpc_session_poll(sess), -ECONNRESET);
	assert_int_equal(rpc_session_feed(sess, "\n", 1, &used), -ECONNRESET);
	assert_int_equal(used, 0);
	assert_int_equal(rpc_session_flush(sess), 0);	/* nothing left to send */
}

static int greedy_write(void *io, const void *buf, size_t len)
{
	return (int)len + 1;		/* a broken transport */
}

static void test_write_overclaim(void **state)
{
	struct rpc_session_cfg cfg = { .write = greedy_write, .role = RPC_ROLE_ADMIN };
	struct rpc_session *s;
	size_t used;

	assert_int_equal(rpc_session_create(&server, &cfg, &s), 0);
	assert_int_equal(rpc_session_feed(s, REQ("1", "rpc.ping", "") "\n",
					  strlen(REQ("1", "rpc.ping", "")) + 1, &used), -ECONNRESET);
	rpc_session_destroy(s);
}

static void test_idle_limit(void **state)
{
	rpc_session_destroy(sess);
	clock_ms = 1000;
	sess = open_session(&server, RPC_ROLE_ADMIN, "x", 5000, 0);
	clock_ms = 5999;
	assert_int_equal(rpc_session_poll(sess), 0);
	call(REQ("1", "rpc.ping", ""));			/* a request restarts it */
	feeds("\n  \n");				/* blank lines do not */
	feeds("{\"jsonrpc\":");				/* nor do partial lines */
	clock_ms = 10998;
	assert_int_equal(rpc_session_poll(sess), 0);
	clock_ms = 10999;
	assert_int_equal(rpc_session_poll(sess), -ETIMEDOUT);
	assert_int_equal(rpc_session_poll(sess), -ECONNRESET);
	{
		size_t used;

		assert_int_equal(rpc_session_feed(sess, "\n", 1, &used), -ECONNRESET);
		assert_int_equal(used, 0);
	}
	/* idle_ms 0: never. */
	rpc_session_destroy(sess);
	sess = open_session(&server, RPC_ROLE_ADMIN, "x", 0, 0);
	clock_ms = UINT64_MAX / 2;
	assert_int_equal(rpc_session_poll(sess), 0);
}

static void test_request_limit(void **state)
{
	static const char four[] = REQ("1", "rpc.ping", "") "\n" "{oops\n"
				   REQ("3", "rpc.ping", "") "\n" REQ("4", "rpc.ping", "") "\n";
	size_t used, three = sizeof(four) - 1 - strlen(REQ("4", "rpc.ping", "")) - 1;

	rpc_session_destroy(sess);
	sess = open_session(&server, RPC_ROLE_ADMIN, "x", 0, 2);
	outlen = 0;
	assert_int_equal(rpc_session_feed(sess, four, sizeof(four) - 1, &used), -ECONNRESET);
	assert_int_equal(used, three);		/* the fourth is never read */
	assert_int_equal(check_output(), 3);
	assert_non_null(strstr(out, "\"id\":1,\"result\":\"pong\""));
	assert_non_null(strstr(out, "-32700"));	/* bad requests count too */
	assert_non_null(strstr(out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32002,"
				    "\"message\":\"request limit reached (2 per session), closing\"}}\n"));
	assert_null(strstr(out, "\"id\":3"));
	assert_int_equal(rpc_session_poll(sess), -ECONNRESET);
	/* The last answer is delivered even when the peer was slow. */
	rpc_session_destroy(sess);
	sess = open_session(&server, RPC_ROLE_ADMIN, "x", 0, 1);
	outlen = 0;
	write_budget = 0;
	assert_int_equal(rpc_session_feed(sess, four, sizeof(four) - 1, &used), -EAGAIN);
	write_budget = -1;
	assert_int_equal(rpc_session_flush(sess), 0);
	assert_int_equal(rpc_session_feed(sess, four + used, sizeof(four) - 1 - used, &used), -ECONNRESET);
	assert_int_equal(rpc_session_flush(sess), 0);
	assert_int_equal(check_output(), 2);
	assert_non_null(strstr(out, "request limit reached"));
}

/* ---------------------------------------------------------------- setup errors */

static int h_any(struct rpc_call *c) { return 0; }

static void test_server_check(void **state)
{
	static const struct rpc_param p_minmax[] = {
		{ .name = "a", .type = RPC_P_INT, .min = 2, .max = 1 }, { .name = NULL } };
	static const struct rpc_param p_dup[] = {
		{ .name = "a", .type = RPC_P_INT }, { .name = "a", .type = RPC_P_STR }, { .name = NULL } };
	static const struct rpc_param p_type0[] = { { .name = "a" }, { .name = NULL } };
	static const struct rpc_param p_type6[] = { { .name = "a", .type = 6 }, { .name = NULL } };
	static const struct rpc_param p_neglen[] = {
		{ .name = "a", .type = RPC_P_STR, .min = -1, .max = 3 }, { .name = NULL } };
	static const struct rpc_param p_flag[] = {
		{ .name = "a", .type = RPC_P_BOOL, .flags = 2 }, { .name = NULL } };
	static const struct rpc_param p_name[] = {
		{ .name = "A", .type = RPC_P_BOOL }, { .name = NULL } };
	static const struct rpc_method bad[][2] = {
		{ { .name = "Host.info", .fn = h_any } },
		{ { .name = "", .fn = h_any } },
		{ { .name = NULL, .fn = h_any } },
		{ { .name = "a b", .fn = h_any } },
		{ { .name = "a\"b", .fn = h_any } },
		{ { .name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", .fn = h_any } },
		{ { .name = "a.b" } },
		{ { .name = "a.b", .fn = h_any }, { .name = "a.b", .fn = h_any } },
		{ { .name = "rpc.ping", .fn = h_any } },	/* clashes with the core table */
		{ { .name = "a.b", .fn = h_any, .flags = 2 } },
		{ { .name = "a.b", .fn = h_any, .params = p_minmax } },
		{ { .name = "a.b", .fn = h_any, .params = p_dup } },
		{ { .name = "a.b", .fn = h_any, .params = p_type0 } },
		{ { .name = "a.b", .fn = h_any, .params = p_type6 } },
		{ { .name = "a.b", .fn = h_any, .params = p_neglen } },
		{ { .name = "a.b", .fn = h_any, .params = p_flag } },
		{ { .name = "a.b", .fn = h_any, .params = p_name } },
	};
	static const struct rpc_method good[] = {
		{ .name = "a.b-c_d.0123456789", .fn = h_any },
		{ .name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", .fn = h_any },
		{ .name = "m.set", .fn = h_any, .flags = RPC_MUTATING, .params = set_params },
	};
	static const struct rpc_host_ops no_audit = { .now_ms = stub_now };
	struct rpc_table t;
	const struct rpc_table *tabs[2] = { &rpc_core_table, &t };
	struct rpc_server srv = { .tables = tabs, .ntables = 2, .ops = &stub_ops };

	assert_int_equal(rpc_server_check(&server), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		t.methods = bad[i];
		t.count = bad[i][1].name ? 2 : 1;
		if (rpc_server_check(&srv) != -EINVAL)
			print_error("bad table %zu accepted\n", i);
		assert_int_equal(rpc_server_check(&srv), -EINVAL);
	}
	t.methods = good;
	t.count = ARRAY_SIZE(good);
	assert_int_equal(rpc_server_check(&srv), 0);
	/* Mutating methods need the audit hook. */
	srv.ops = &no_audit;
	assert_int_equal(rpc_server_check(&srv), -EINVAL);
	srv.ops = NULL;
	assert_int_equal(rpc_server_check(&srv), -EINVAL);
	t.count = 2;		/* without the mutating one: fine */
	assert_int_equal(rpc_server_check(&srv), 0);
	tabs[1] = NULL;
	assert_int_equal(rpc_server_check(&srv), -EINVAL);
	t.methods = NULL;
	tabs[1] = &t;
	assert_int_equal(rpc_server_check(&srv), -EINVAL);
	t.count = 0;
	assert_int_equal(rpc_server_check(&srv), 0);
	srv.tables = NULL;
	assert_int_equal(rpc_server_check(&srv), -EINVAL);
	srv.ntables = 0;
	assert_int_equal(rpc_server_check(&srv), 0);
	assert_int_equal(rpc_server_check(NULL), -EINVAL);
}

static void test_session_create_errors(void **state)
{
	struct rpc_session_cfg cfg = { .write = out_write, .io = out, .role = RPC_ROLE_ADMIN };
	struct rpc_session *s = (void *)1;
	const struct rpc_table *const bad_tabs[] = { NULL };
	struct rpc_server bad = { .tables = bad_tabs, .ntables = 1 };

	assert_int_equal(rpc_session_create(&server, NULL, &s), -EINVAL);
	assert_null(s);
	assert_int_equal(rpc_session_create(NULL, &cfg, &s), -EINVAL);
	assert_int_equal(rpc_session_create(&bad, &cfg, &s), -EINVAL);
	cfg.role = 2;
	assert_int_equal(rpc_session_create(&server, &cfg, &s), -EINVAL);
	cfg.role = RPC_ROLE_READONLY;
	cfg.write = NULL;
	assert_int_equal(rpc_session_create(&server, &cfg, &s), -EINVAL);
	cfg.write = out_write;
	/* Each of its five allocations failing (LeakSanitizer checks the
	 * others are given back). */
	for (long i = 0; i < 5; i++) {
		stub_alloc_fail_at = i;
		assert_int_equal(rpc_session_create(&server, &cfg, &s), -ENOMEM);
		assert_null(s);
	}
	stub_alloc_fail_at = 5;
	assert_int_equal(rpc_session_create(&server, &cfg, &s), 0);
	stub_alloc_fail_at = -1;
	rpc_session_destroy(s);
	rpc_session_destroy(NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_ping),
		T(test_ids),
		T(test_notifications),
		T(test_parse_errors),
		T(test_invalid_requests),
		T(test_method_not_found),
		T(test_invalid_params),
		T(test_params_reach_handler),
		T(test_handler_errors),
		T(test_limits),
		T(test_readonly_cannot_mutate),
		T(test_audit_admin),
		T(test_identity_sanitized),
		T(test_host_info),
		T(test_host_info_partial_and_missing),
		T(test_log_tail),
		T(test_log_tail_truncated),
		T(test_scratch),
		T(test_stream_every_split),
		T(test_blank_lines),
		T(test_line_limit),
		T(test_overlong_streamed),
		T(test_backpressure),
		T(test_write_error),
		T(test_write_overclaim),
		T(test_idle_limit),
		T(test_request_limit),
		T(test_server_check),
		T(test_session_create_errors),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
