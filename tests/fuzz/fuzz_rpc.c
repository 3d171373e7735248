/* libFuzzer target: the whole request path of the RPC console
 * (kernel/rpc.c with kernel/json.c): line framing over arbitrary chunks,
 * back-pressure, request checks, dispatch with roles, params schemas and
 * the audit hook, and the core methods against stub providers.
 *
 * Input: a 4-byte header, then the byte stream a client sends.
 *   h[0] bit 0: admin (else read-only)    bit 1: a slow peer (partial and
 *        refused writes)   bits 2-3: request limit (0: none)   bit 4: an
 *        idle limit   bit 5: prefix the stream with h[3] KiB of filler
 *        (bit 6: spaces, else 'x'), to reach the line limit cheaply
 *   h[1] seed of the chunk sizes    h[2] largest chunk (0: all at once)
 *
 * Checked: every output line is printable ASCII and a valid JSON-RPC 2.0
 * response (exactly jsonrpc "2.0", id string/integer/null, and result or
 * error {code, message} with a documented code); there are no more
 * responses than lines; a read-only session never reaches a mutating
 * handler, and no mutating handler runs unaudited. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/json.h"
#include "kernel/rpc.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } } while (0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---------------------------------------------------------------- stub host */

static uint64_t clock_ms;
static unsigned audits, mutating_calls;
static bool admin;

static int host_info(void *ctx, struct rpc_host_info *hi)
{
	hi->version = "0.1.0-fuzz";
	hi->vmm = "vmx";
	hi->cpus = 4;
	hi->mem_total = 1ull << 30;
	hi->mem_free = 1ull << 29;
	hi->uptime_ms = clock_ms;
	hi->protections = 0x5a;
	return 0;
}

/* `lines` records, whole lines only, some with bytes to escape. */
static size_t log_tail(void *ctx, char *buf, size_t len, unsigned lines)
{
	size_t n = 0;

	CHECK(lines >= 1 && lines <= 1000);
	for (unsigned i = 0; i < lines; i++) {
		char line[64];
		int l = snprintf(line, sizeof(line), "[%6u.000000] %c record %u%s\n", i, "DIWE"[i % 4], i,
				 i % 3 ? "" : " \x1b[0m \xff\xfe \"q\" \\ \xc3\xa9");

		if (n + (size_t)l > len)
			break;
		memcpy(buf + n, line, (size_t)l);
		n += (size_t)l;
	}
	return n;
}

static uint64_t now_ms(void *ctx)
{
	return clock_ms;
}

static void audit(void *ctx, const struct rpc_audit *a)
{
	CHECK(a->method && a->identity);
	CHECK(a->outcome == 0 || a->message);
	CHECK(a->outcome != 0 || a->role == RPC_ROLE_ADMIN);
	audits++;
}

static const struct rpc_host_ops ops = {
	.host_info = host_info, .log_tail = log_tail, .now_ms = now_ms, .audit = audit,
};

/* ---------------------------------------------------------------- methods */

static int h_set(struct rpc_call *c)
{
	int64_t v = 0;
	const char *s;
	bool b;

	CHECK(admin);
	mutating_calls++;
	CHECK(rpc_param_int(c, "value", &v) == 0 && v >= 0 && v <= 10);
	if (rpc_param_str(c, "name", &s, NULL) == 0 && s[0] == 'x')
		return rpc_fail(c, RPC_ERR_CONFLICT, "name %s taken", s);
	if (rpc_param_bool(c, "flag", &b) == 0 && b)
		return rpc_fail(c, RPC_ERR_NOT_FOUND, "nothing");
	jw_int(rpc_result(c), v);
	return 0;
}

/* Echoes its params back: the writer on every decoded string. */
static int h_echo(struct rpc_call *c)
{
	static const char *const names[] = { "o", "a", "s", "i" };
	const struct json_doc *d;
	struct jw *w = rpc_result(c);

	jw_obj_begin(w);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		int t = rpc_param_tok(c, names[i], &d);

		if (t < 0)
			continue;
		jw_key(w, names[i]);
		jw_value(w, d, t);
	}
	jw_obj_end(w);
	return 0;
}

/* Misbehaves in ways the framework must contain, chosen by `how`. */
static int h_bad(struct rpc_call *c)
{
	struct jw *w = rpc_result(c);
	int64_t how = 0;

	rpc_param_int(c, "how", &how);
	switch (how) {
	case 0: return 0;
	case 1: jw_int(w, 1); jw_int(w, 2); return 0;
	case 2: jw_obj_begin(w); return 0;
	case 3: jw_int(w, 1); jw_obj_end(w); jw_key(w, "x"); jw_int(w, 2); return 0;
	case 4: return -EIO;
	case 5: return rpc_fail(c, 12345, "odd code");
	case 6: jw_str(w, "partial"); return rpc_fail(c, RPC_ERR_INTERNAL, "late");
	default:
		/* Too large a result, stopping once the writer says so. */
		jw_arr_begin(w);
		for (int i = 0; i < 40000 && jw_finish(w) != -ENOSPC; i++)
			jw_str(w, "0123456789");
		jw_arr_end(w);
		return 0;
	}
}

static const struct rpc_param set_params[] = {
	{ .name = "value", .type = RPC_P_INT, .flags = RPC_P_REQUIRED, .min = 0, .max = 10 },
	{ .name = "name", .type = RPC_P_STR, .min = 1, .max = 16 },
	{ .name = "flag", .type = RPC_P_BOOL },
	{ .name = NULL },
};

static const struct rpc_param echo_params[] = {
	{ .name = "o", .type = RPC_P_OBJ, .min = 0, .max = JSON_MAX_MEMBERS },
	{ .name = "a", .type = RPC_P_ARR, .min = 0, .max = RPC_TOKENS_MAX },
	{ .name = "s", .type = RPC_P_STR, .min = 0, .max = RPC_LINE_MAX },
	{ .name = "i", .type = RPC_P_INT, .min = INT64_MIN, .max = INT64_MAX },
	{ .name = NULL },
};

static const struct rpc_param bad_params[] = {
	{ .name = "how", .type = RPC_P_INT, .min = 0, .max = 7 },
	{ .name = NULL },
};

static const struct rpc_method fuzz_methods[] = {
	{ .name = "fuzz.set", .fn = h_set, .flags = RPC_MUTATING, .params = set_params },
	{ .name = "fuzz.echo", .fn = h_echo, .params = echo_params },
	{ .name = "fuzz.bad", .fn = h_bad, .params = bad_params },
};

static const struct rpc_table fuzz_table = { fuzz_methods, ARRAY_SIZE(fuzz_methods) };
static const struct rpc_table *const tables[] = { &rpc_core_table, &fuzz_table };
static const struct rpc_server server = {
	.tables = tables, .ntables = ARRAY_SIZE(tables), .ops = &ops,
};

/* ---------------------------------------------------------------- the peer */

static char pending[RPC_RESPONSE_MAX + 1];	/* a response line being received */
static size_t pending_len;
static unsigned responses;
static bool slow;
static uint32_t rng;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void check_response(const char *line, size_t len)
{
	static const int codes[] = {
		RPC_ERR_PARSE, RPC_ERR_INVALID, RPC_ERR_NO_METHOD, RPC_ERR_PARAMS,
		RPC_ERR_INTERNAL, RPC_ERR_DENIED, RPC_ERR_LIMIT, RPC_ERR_NOT_FOUND, RPC_ERR_CONFLICT,
	};
	static struct json_tok t[RPC_TOKENS_MAX * 8];
	static char copy[RPC_RESPONSE_MAX];
	struct json_doc d;
	struct json_err e;
	int id, res, err, n = 0;
	bool known = false;
	const char *v;
	int64_t code;

	CHECK(len < RPC_RESPONSE_MAX);
	for (size_t i = 0; i < len; i++)
		CHECK(line[i] >= 0x20 && line[i] < 0x7f);
	memcpy(copy, line, len);
	CHECK(json_parse(&d, copy, len, t, ARRAY_SIZE(t), &e) == 0);
	CHECK(json_is(&d, 0, JSON_OBJECT) && d.toks[0].len == 3);
	CHECK(json_get_str(&d, 0, "jsonrpc", 3, &v, NULL) == 0 && !strcmp(v, "2.0"));
	id = json_get(&d, 0, "id");
	CHECK(json_is(&d, id, JSON_INT) || json_is(&d, id, JSON_NULL) ||
	      (json_is(&d, id, JSON_STRING) && d.toks[id].len <= RPC_ID_MAX));
	res = json_get(&d, 0, "result");
	err = json_get(&d, 0, "error");
	CHECK((res > 0) != (err > 0));
	if (err > 0) {
		CHECK(json_is(&d, err, JSON_OBJECT) && d.toks[err].len == 2);
		CHECK(json_get_int(&d, err, "code", INT32_MIN, INT32_MAX, &code) == 0);
		CHECK(json_get_str(&d, err, "message", RPC_MSG_MAX, &v, NULL) == 0 && v[0]);
		for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
			known |= code == codes[i];
		CHECK(known);
		n++;
	}
	responses++;
}

static int peer_write(void *io, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n = len;

	if (slow) {
		uint32_t r = next_rand();

		if (r % 4 == 0)
			return r % 8 ? 0 : -EAGAIN;
		n = 1 + r % len;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			check_response(pending, pending_len);
			pending_len = 0;
			continue;
		}
		CHECK(pending_len < RPC_RESPONSE_MAX);
		pending[pending_len++] = p[i];
	}
	return (int)n;
}

/* Flushes until the session's output is all out (a slow peer gets there
 * in the end). */
static int drain(struct rpc_session *s)
{
	int rc;

	while ((rc = rpc_session_flush(s)) == -EAGAIN)
		;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_session_cfg cfg = { .identity = "CN=fuzz", .write = peer_write };
	struct rpc_session *s;
	size_t filler = 0, len, pos = 0, lines = 0, maxchunk;
	char *stream;
	int rc = 0;

	if (size < 4 || size > 128 * 1024)
		return 0;
	admin = data[0] & 1;
	slow = data[0] & 2;
	cfg.role = admin ? RPC_ROLE_ADMIN : RPC_ROLE_READONLY;
	cfg.max_requests = (data[0] >> 2) & 3;
	cfg.idle_ms = data[0] & 0x10 ? 50 : 0;
	if (data[0] & 0x20)
		filler = (size_t)data[3] * 1024;
	rng = data[1];
	maxchunk = data[2] ? data[2] : SIZE_MAX;
	audits = mutating_calls = responses = 0;
	pending_len = 0;
	clock_ms = 0;

	len = filler + size - 4;
	stream = malloc(len ? len : 1);
	CHECK(stream);
	memset(stream, data[0] & 0x40 ? ' ' : 'x', filler);
	memcpy(stream + filler, data + 4, size - 4);
	for (const char *p = stream; (p = memchr(p, '\n', len - (size_t)(p - stream))); p++)
		lines++;

	CHECK(rpc_session_create(&server, &cfg, &s) == 0);
	while (pos < len && rc != -ECONNRESET) {
		size_t chunk = len - pos, used;

		if (pos < filler) {
			chunk = filler - pos;	/* the filler whole: it is about size */
		} else if (maxchunk != SIZE_MAX) {
			size_t c = 1 + next_rand() % maxchunk;

			if (c < chunk)
				chunk = c;
		}
		rc = rpc_session_feed(s, stream + pos, chunk, &used);
		CHECK(used <= chunk);
		CHECK(rc == 0 || rc == -EAGAIN || rc == -ECONNRESET);
		CHECK(rc != 0 || used == chunk);
		pos += used;
		if (rc == -EAGAIN)
			CHECK(drain(s) == 0);
		clock_ms += 3;
		if (rpc_session_poll(s) < 0)
			break;
	}
	CHECK(drain(s) == 0 || rc == -ECONNRESET);
	rpc_session_destroy(s);
	free(stream);

	CHECK(pending_len == 0);		/* only whole lines were sent */
	CHECK(responses <= lines + 1);		/* an unfinished overlong line too */
	CHECK(audits >= mutating_calls);
	if (!admin)
		CHECK(mutating_calls == 0);
	return 0;
}
