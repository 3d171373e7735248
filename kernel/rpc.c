/* The RPC console's protocol core (see rpc.h, RPC.md): line framing,
 * JSON-RPC 2.0 request checks, dispatch through const method tables with
 * roles, params schemas and the audit hook, and the core methods. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/json.h"
#include "kernel/log.h"
#include "kernel/rpc.h"
#include "kernel/rpc_priv.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- tables */

static bool name_ok(const char *n)
{
	size_t i;

	if (!n || !n[0])
		return false;
	for (i = 0; n[i]; i++) {
		char c = n[i];

		if (i >= RPC_METHOD_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool schema_ok(const struct rpc_param *p)
{
	if (!p)
		return true;
	for (size_t i = 0; p[i].name; i++) {
		if (i >= JSON_MAX_MEMBERS || !name_ok(p[i].name) ||
		    p[i].type < RPC_P_INT || p[i].type > RPC_P_ARR ||
		    (p[i].flags & ~RPC_P_REQUIRED) || p[i].min > p[i].max ||
		    (p[i].type != RPC_P_INT && p[i].min < 0))
			return false;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p[i].name, p[j].name))
				return false;
	}
	return true;
}

static const struct rpc_method *lookup(const struct rpc_server *srv, const char *name)
{
	for (size_t t = 0; t < srv->ntables; t++) {
		const struct rpc_table *tab = srv->tables[t];

		for (size_t i = 0; i < tab->count; i++)
			if (!strcmp(tab->methods[i].name, name))
				return &tab->methods[i];
	}
	return NULL;
}

int rpc_server_check(const struct rpc_server *srv)
{
	bool mutating = false;

	if (!srv || (srv->ntables && !srv->tables))
		return -EINVAL;
	for (size_t t = 0; t < srv->ntables; t++) {
		const struct rpc_table *tab = srv->tables[t];

		if (!tab || (tab->count && !tab->methods))
			return -EINVAL;
		for (size_t i = 0; i < tab->count; i++) {
			const struct rpc_method *m = &tab->methods[i];

			if (!name_ok(m->name) || !m->fn || (m->flags & ~RPC_MUTATING) ||
			    !schema_ok(m->params) || lookup(srv, m->name) != m)
				return -EINVAL;	/* lookup: a name seen before */
			mutating |= m->flags & RPC_MUTATING;
		}
	}
	/* Every mutating call is audited: no hook, no server. */
	if (mutating && (!srv->ops || !srv->ops->audit))
		return -EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- sessions */

/* Copies src as printable ASCII, '?' for anything else, cut to fit cap:
 * what reaches logs and audit records cannot drive a terminal. */
static void copy_printable(char *dst, const char *src, size_t cap)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < cap; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = 0;
}

static uint64_t now(const struct rpc_session *s)
{
	const struct rpc_host_ops *ops = s->srv->ops;

	return ops && ops->now_ms ? ops->now_ms(s->srv->ctx) : 0;
}

void rpc_session_destroy(struct rpc_session *s)
{
	if (!s)
		return;
	kfree(s->line);
	kfree(s->toks);
	kfree(s->out);
	kfree(s->scratch);
	kfree(s);
}

int rpc_session_create(const struct rpc_server *srv, const struct rpc_session_cfg *cfg,
		       struct rpc_session **out)
{
	struct rpc_session *s;

	*out = NULL;
	if (!cfg || !cfg->write || rpc_server_check(srv) ||
	    (cfg->role != RPC_ROLE_READONLY && cfg->role != RPC_ROLE_ADMIN))
		return -EINVAL;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->line = kmalloc(RPC_LINE_MAX + 2);
	s->toks = kcalloc(RPC_TOKENS_MAX, sizeof(*s->toks));
	s->out = kmalloc(RPC_RESPONSE_MAX);
	s->scratch = kmalloc(RPC_SCRATCH_MAX);
	if (!s->line || !s->toks || !s->out || !s->scratch) {
		rpc_session_destroy(s);
		return -ENOMEM;
	}
	s->srv = srv;
	s->role = cfg->role;
	s->idle_ms = cfg->idle_ms;
	s->max_requests = cfg->max_requests;
	s->write = cfg->write;
	s->io = cfg->io;
	copy_printable(s->identity, cfg->identity ? cfg->identity : "", sizeof(s->identity));
	s->last_ms = now(s);
	*out = s;
	return 0;
}

int rpc_session_flush(struct rpc_session *s)
{
	while (s->out_off < s->out_len) {
		size_t left = s->out_len - s->out_off;
		int n = s->write(s->io, s->out + s->out_off, left);

		if (n == 0 || n == -EAGAIN)
			return -EAGAIN;
		if (n < 0 || (size_t)n > left) {
			s->over = true;
			s->out_len = s->out_off = 0;
			return -ECONNRESET;
		}
		s->out_off += (size_t)n;
	}
	s->out_len = s->out_off = 0;
	return 0;
}

int rpc_session_poll(struct rpc_session *s)
{
	const struct rpc_host_ops *ops = s->srv->ops;

	if (s->over)
		return -ECONNRESET;
	if (s->idle_ms && ops && ops->now_ms && now(s) - s->last_ms >= s->idle_ms) {
		s->over = true;
		return -ETIMEDOUT;
	}
	return 0;
}

/* ---------------------------------------------------------------- replies */

/* Starts a response in s->out: {"jsonrpc":"2.0","id":ID (null when id < 0). */
static void reply_head(struct rpc_session *s, struct jw *w, const struct json_doc *d, int id)
{
	jw_init(w, s->out, RPC_RESPONSE_MAX - 1);	/* room for the LF */
	jw_obj_begin(w);
	jw_key(w, "jsonrpc");
	jw_str(w, "2.0");
	jw_key(w, "id");
	if (d && id >= 0)
		jw_value(w, d, id);
	else
		jw_null(w);
}

static void reply_send(struct rpc_session *s, size_t len)
{
	s->out[len] = '\n';
	s->out_len = len + 1;
	s->out_off = 0;
}

static void reply_error(struct rpc_session *s, const struct json_doc *d, int id,
			int code, const char *msg)
{
	static const char fallback[] =
		"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,\"message\":\"internal error\"}}";
	struct jw w;

	reply_head(s, &w, d, id);
	jw_key(&w, "error");
	jw_obj_begin(&w);
	jw_key(&w, "code");
	jw_int(&w, code);
	jw_key(&w, "message");
	jw_str(&w, msg);
	jw_obj_end(&w);
	jw_obj_end(&w);
	if (jw_finish(&w)) {
		/* Cannot happen: ids and messages are bounded. */
		memcpy(s->out, fallback, sizeof(fallback) - 1);
		reply_send(s, sizeof(fallback) - 1);
		return;
	}
	reply_send(s, jw_len(&w));
}

static void reply_errorf(struct rpc_session *s, const struct json_doc *d, int id,
			 int code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void reply_errorf(struct rpc_session *s, const struct json_doc *d, int id,
			 int code, const char *fmt, ...)
{
	char msg[RPC_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_error(s, d, id, code, msg);
}

/* ---------------------------------------------------------------- for handlers */

struct jw *rpc_result(struct rpc_call *c)
{
	return &c->result;
}

static bool handler_code_ok(int code)
{
	return code == RPC_ERR_PARAMS || code == RPC_ERR_INTERNAL ||
	       (code >= -32099 && code <= -32000);
}

int rpc_fail(struct rpc_call *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->code = handler_code_ok(code) ? code : RPC_ERR_INTERNAL;
	return c->code;
}

static int param(const struct rpc_call *c, const char *name)
{
	int t;

	if (c->params < 0)
		return -ENOENT;
	t = json_get(c->doc, c->params, name);
	return t < 0 ? -ENOENT : t;
}

int rpc_param_int(const struct rpc_call *c, const char *name, int64_t *out)
{
	int t = param(c, name);

	return t < 0 ? t : json_int(c->doc, t, INT64_MIN, INT64_MAX, out);
}

int rpc_param_str(const struct rpc_call *c, const char *name, const char **s, size_t *len)
{
	int t = param(c, name);

	return t < 0 ? t : json_str(c->doc, t, SIZE_MAX, s, len);
}

int rpc_param_bool(const struct rpc_call *c, const char *name, bool *out)
{
	int t = param(c, name);

	return t < 0 ? t : json_bool(c->doc, t, out);
}

int rpc_param_tok(const struct rpc_call *c, const char *name, const struct json_doc **doc)
{
	int t = param(c, name);

	if (t >= 0)
		*doc = c->doc;
	return t;
}

const char *rpc_identity(const struct rpc_call *c)
{
	return c->s->identity;
}

const struct rpc_session *rpc_session_of(const struct rpc_call *c)
{
	return c->s;
}

enum rpc_role rpc_role(const struct rpc_call *c)
{
	return c->s->role;
}

const struct rpc_server *rpc_server(const struct rpc_call *c)
{
	return c->s->srv;
}

char *rpc_scratch(struct rpc_call *c, size_t *len)
{
	*len = RPC_SCRATCH_MAX;
	return c->s->scratch;
}

/* ---------------------------------------------------------------- dispatch */

/* Checks the params against the method's schema; 0, or the error is in c. */
static int check_params(struct rpc_call *c)
{
	static const char *const shape[] = {
		[RPC_P_INT]  = "an integer in %lld..%lld",
		[RPC_P_STR]  = "a string of %lld..%lld bytes",
		[RPC_P_BOOL] = "true or false",
		[RPC_P_OBJ]  = "an object of %lld..%lld members",
		[RPC_P_ARR]  = "an array of %lld..%lld elements",
	};
	static const uint8_t jtype[] = {
		[RPC_P_INT] = JSON_INT, [RPC_P_STR] = JSON_STRING, [RPC_P_BOOL] = JSON_TRUE,
		[RPC_P_OBJ] = JSON_OBJECT, [RPC_P_ARR] = JSON_ARRAY,
	};
	const struct rpc_param *schema = c->m->params;
	const struct json_doc *d = c->doc;
	int k;

	if (c->params >= 0 && !json_is(d, c->params, JSON_OBJECT))
		return rpc_fail(c, RPC_ERR_PARAMS, "params must be an object (parameters by name)");
	for (k = c->params >= 0 ? json_first(d, c->params) : -ENOENT; k >= 0;
	     k = json_next(d, c->params, k)) {
		const char *name = d->text + d->toks[k].v.off;
		const struct json_tok *v = &d->toks[k + 1];
		const struct rpc_param *p = NULL;
		uint8_t type = v->type == JSON_FALSE ? JSON_TRUE : v->type;
		int64_t n = v->type == JSON_INT ? v->v.i : (int64_t)v->len;
		char want[64];

		for (size_t i = 0; schema && schema[i].name; i++)
			if (!strcmp(schema[i].name, name))
				p = &schema[i];
		if (!p)
			return rpc_fail(c, RPC_ERR_PARAMS, "unknown parameter \"%.32s\"", name);
		if (type == jtype[p->type] && (p->type == RPC_P_BOOL || (n >= p->min && n <= p->max)))
			continue;
		ksnprintf(want, sizeof(want), shape[p->type], (long long)p->min, (long long)p->max);
		return rpc_fail(c, RPC_ERR_PARAMS, "params.%s must be %s", p->name, want);
	}
	for (size_t i = 0; schema && schema[i].name; i++)
		if ((schema[i].flags & RPC_P_REQUIRED) && param(c, schema[i].name) < 0)
			return rpc_fail(c, RPC_ERR_PARAMS, "missing parameter params.%s", schema[i].name);
	return 0;
}

/* Runs the handler with the response head already in s->out; 0 with the
 * whole response written, or the error in c. */
static int run_handler(struct rpc_call *c, struct jw *head)
{
	int rc;

	jw_key(head, "result");
	if (jw_failed(head))
		return rpc_fail(c, RPC_ERR_INTERNAL, "internal error: response head");
	/* The result goes right after the head; '}' and the LF follow it. */
	jw_init(&c->result, c->s->out + jw_len(head), RPC_RESPONSE_MAX - 2 - jw_len(head));
	rc = c->m->fn(c);
	if (rc || c->code)
		return c->code ? c->code : rpc_fail(c, RPC_ERR_INTERNAL, "internal error (%d)", rc);
	rc = jw_finish(&c->result);
	if (rc == -ENOSPC)
		return rpc_fail(c, RPC_ERR_LIMIT, "result too large (limit %u bytes)",
				(unsigned)RPC_RESPONSE_MAX);
	if (rc) {
		pr_warn("rpc: %s wrote an invalid result", c->m->name);
		return rpc_fail(c, RPC_ERR_INTERNAL, "internal error: invalid result");
	}
	c->s->out[jw_len(head) + jw_len(&c->result)] = '}';
	reply_send(c->s, jw_len(head) + jw_len(&c->result) + 1);
	return 0;
}

static bool is_member(const char *k)
{
	return !strcmp(k, "jsonrpc") || !strcmp(k, "id") || !strcmp(k, "method") ||
	       !strcmp(k, "params");
}

/* One request line, parsed in place into the session's tokens. */
static void dispatch(struct rpc_session *s, char *line, size_t len)
{
	const struct rpc_host_ops *ops = s->srv->ops;
	struct rpc_call c = { .s = s };
	struct json_doc d;
	struct json_err err;
	const char *v;
	size_t vlen;
	struct jw head;
	bool mutating;
	int id, rc, k;

	if (json_parse(&d, line, len, s->toks, RPC_TOKENS_MAX, &err)) {
		bool limit = json_error_is_limit(err.code);

		reply_errorf(s, NULL, -1, limit ? RPC_ERR_LIMIT : RPC_ERR_PARSE,
			     "%s at byte %u: %s", limit ? "request too large" : "parse error",
			     (unsigned)err.offset, json_strerror(err.code));
		return;
	}
	if (json_is(&d, 0, JSON_ARRAY)) {
		reply_error(s, NULL, -1, RPC_ERR_INVALID, "batch requests are not supported");
		return;
	}
	if (!json_is(&d, 0, JSON_OBJECT)) {
		reply_error(s, NULL, -1, RPC_ERR_INVALID, "a request must be a JSON object");
		return;
	}
	id = json_get(&d, 0, "id");
	if (id >= 0 && !json_is(&d, id, JSON_STRING) && !json_is(&d, id, JSON_INT) &&
	    !json_is(&d, id, JSON_NULL)) {
		reply_error(s, NULL, -1, RPC_ERR_INVALID, "id must be a string, an integer or null");
		return;
	}
	if (id >= 0 && json_str(&d, id, RPC_ID_MAX, &v, NULL) == -ERANGE) {
		reply_errorf(s, NULL, -1, RPC_ERR_INVALID, "id longer than %u bytes",
			     (unsigned)RPC_ID_MAX);
		return;
	}
	for (k = json_first(&d, 0); k >= 0; k = json_next(&d, 0, k)) {
		if (!is_member(d.text + d.toks[k].v.off)) {
			reply_errorf(s, &d, id, RPC_ERR_INVALID, "unknown member \"%.32s\" in request",
				     d.text + d.toks[k].v.off);
			return;
		}
	}
	if (json_get_str(&d, 0, "jsonrpc", 3, &v, &vlen) || vlen != 3 || memcmp(v, "2.0", 3)) {
		reply_error(s, &d, id, RPC_ERR_INVALID, "jsonrpc must be \"2.0\"");
		return;
	}
	if (json_get_str(&d, 0, "method", SIZE_MAX, &v, &vlen)) {
		reply_error(s, &d, id, RPC_ERR_INVALID, "method must be a string");
		return;
	}
	c.params = json_get(&d, 0, "params");
	if (c.params >= 0 && !json_is(&d, c.params, JSON_OBJECT) &&
	    !json_is(&d, c.params, JSON_ARRAY)) {
		reply_error(s, &d, id, RPC_ERR_INVALID, "params must be an object");
		return;
	}

	c.m = vlen <= RPC_METHOD_MAX ? lookup(s->srv, v) : NULL;
	if (!c.m) {
		if (id >= 0)	/* not for notifications */
			reply_errorf(s, &d, id, RPC_ERR_NO_METHOD, "method not found: %.64s", v);
		return;
	}
	c.doc = &d;
	mutating = c.m->flags & RPC_MUTATING;
	/* Role first: a read-only session learns nothing more and changes
	 * nothing. */
	if (mutating && s->role != RPC_ROLE_ADMIN) {
		rc = rpc_fail(&c, RPC_ERR_DENIED, "permission denied: %s needs the admin role",
			      c.m->name);
	} else if ((rc = check_params(&c)) == 0) {
		reply_head(s, &head, &d, id);
		rc = run_handler(&c, &head);
	}
	if (mutating) {
		/* Error messages may quote the client: keep them printable. */
		char msg[RPC_MSG_MAX];
		struct rpc_audit a = {
			.identity = s->identity, .role = s->role, .method = c.m->name,
			.outcome = rc, .message = rc ? msg : NULL, .notification = id < 0,
		};

		copy_printable(msg, c.msg, sizeof(msg));
		ops->audit(s->srv->ctx, &a);	/* rpc_server_check: set */
	}
	if (id < 0)
		s->out_len = 0;		/* a notification: never answered */
	else if (rc)
		reply_error(s, &d, id, rc, c.msg);
}

/* ---------------------------------------------------------------- framing */

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* Counts a request against the session's limit; false (and the session
 * is over, with a last error reply) beyond it. */
static bool take_request(struct rpc_session *s)
{
	s->requests++;
	s->last_ms = now(s);
	if (s->max_requests && s->requests > s->max_requests) {
		reply_errorf(s, NULL, -1, RPC_ERR_LIMIT,
			     "request limit reached (%u per session), closing",
			     (unsigned)s->max_requests);
		s->over = true;
		return false;
	}
	return true;
}

static void overlong(struct rpc_session *s)
{
	if (take_request(s))
		reply_errorf(s, NULL, -1, RPC_ERR_LIMIT, "request line too long (limit %u bytes)",
			     (unsigned)RPC_LINE_MAX);
}

static void line_done(struct rpc_session *s)
{
	size_t len = s->line_len;

	s->line_len = 0;
	if (len && s->line[len - 1] == '\r')
		len--;
	if (blank(s->line, len))
		return;
	if (len > RPC_LINE_MAX) {
		overlong(s);
		return;
	}
	if (take_request(s))
		dispatch(s, s->line, len);
}

int rpc_session_feed(struct rpc_session *s, const void *data, size_t len, size_t *consumed)
{
	const char *p = data;
	size_t i = 0;
	int rc = 0;

	for (;;) {
		const char *nl;
		size_t chunk;

		if (s->out_off < s->out_len && (rc = rpc_session_flush(s)))
			break;
		if (s->over) {
			rc = -ECONNRESET;
			break;
		}
		if (i >= len)
			break;
		nl = memchr(p + i, '\n', len - i);
		chunk = nl ? (size_t)(nl - (p + i)) : len - i;
		if (s->discarding) {
			i += chunk + (nl != NULL);
			s->discarding = !nl;
			continue;
		}
		/* The buffer holds RPC_LINE_MAX bytes and a CR; anything more
		 * before the LF is too long, whatever follows. */
		if (chunk > RPC_LINE_MAX + 1 - s->line_len) {
			s->line_len = 0;
			i += chunk + (nl != NULL);
			s->discarding = !nl;
			overlong(s);
			continue;
		}
		memcpy(s->line + s->line_len, p + i, chunk);
		s->line_len += chunk;
		i += chunk;
		if (!nl)
			continue;
		i++;
		line_done(s);
	}
	*consumed = i;
	return rc;
}

/* ---------------------------------------------------------------- core methods */

static int m_ping(struct rpc_call *c)
{
	jw_str(rpc_result(c), "pong");
	return 0;
}

static int m_host_info(struct rpc_call *c)
{
	static const char *const prot[] = {
		"nx", "smep", "smap", "umip", "wp", "w^x", "stack-protector", "guard-pages",
	};
	const struct rpc_server *srv = rpc_server(c);
	struct rpc_host_info hi;
	struct jw *w = rpc_result(c);
	int rc;

	memset(&hi, 0, sizeof(hi));
	if (!srv->ops || !srv->ops->host_info)
		return rpc_fail(c, RPC_ERR_INTERNAL, "host.info: no provider");
	rc = srv->ops->host_info(srv->ctx, &hi);
	if (rc)
		return rpc_fail(c, RPC_ERR_INTERNAL, "host.info: provider failed (%d)", rc);
	jw_obj_begin(w);
	jw_key(w, "version");
	if (hi.version)
		jw_str(w, hi.version);
	else
		jw_null(w);
	jw_key(w, "vmm");
	if (hi.vmm)
		jw_str(w, hi.vmm);
	else
		jw_null(w);
	jw_key(w, "cpus");
	jw_uint(w, hi.cpus);
	jw_key(w, "memory");
	jw_obj_begin(w);
	jw_key(w, "total_bytes");
	jw_uint(w, hi.mem_total);
	jw_key(w, "free_bytes");
	jw_uint(w, hi.mem_free);
	jw_obj_end(w);
	jw_key(w, "uptime_ms");
	jw_uint(w, hi.uptime_ms);
	jw_key(w, "protections");
	jw_arr_begin(w);
	for (size_t i = 0; i < ARRAY_SIZE(prot); i++)
		if (hi.protections & (1u << i))
			jw_str(w, prot[i]);
	jw_arr_end(w);
	if (srv->ops->host_info_more)
		srv->ops->host_info_more(srv->ctx, w);
	jw_obj_end(w);
	return 0;
}

#define LOG_TAIL_DEFAULT 100
#define LOG_TAIL_MAX     1000

/* The newest lines that fit in the response, oldest first. */
static int m_log_tail(struct rpc_call *c)
{
	const struct rpc_server *srv = rpc_server(c);
	struct jw *w = rpc_result(c);
	int64_t want = LOG_TAIL_DEFAULT;
	size_t cap, n, pos, start, budget, total = 0;
	char *buf = rpc_scratch(c, &cap);
	bool truncated = false;

	rpc_param_int(c, "lines", &want);	/* -ENOENT: the default */
	if (!srv->ops || !srv->ops->log_tail)
		return rpc_fail(c, RPC_ERR_INTERNAL, "log.tail: no provider");
	n = srv->ops->log_tail(srv->ctx, buf, cap, (unsigned)want);
	if (n > cap)
		n = cap;
	jw_obj_begin(w);
	jw_key(w, "lines");
	jw_arr_begin(w);
	/* Room for the lines, less the closing `],"truncated":false}`. */
	budget = jw_room(w) > 32 ? jw_room(w) - 32 : 0;
	pos = start = n;
	for (int64_t kept = 0; pos > 0 && kept < want; kept++) {
		size_t e = buf[pos - 1] == '\n' ? pos - 1 : pos, b = e, size;

		while (b > 0 && buf[b - 1] != '\n')
			b--;
		size = jw_str_size(buf + b, e - b) + 1;	/* and a comma */
		if (size > budget - total) {
			truncated = true;
			break;
		}
		total += size;
		start = pos = b;
	}
	for (pos = start; pos < n;) {
		const char *nl = memchr(buf + pos, '\n', n - pos);
		size_t e = nl ? (size_t)(nl - buf) : n;

		jw_strn(w, buf + pos, e - pos);
		pos = e + 1;
	}
	jw_arr_end(w);
	jw_key(w, "truncated");
	jw_bool(w, truncated);
	jw_obj_end(w);
	return 0;
}

static const struct rpc_param log_tail_params[] = {
	{ .name = "lines", .type = RPC_P_INT, .min = 1, .max = LOG_TAIL_MAX },
	{ .name = NULL },
};

static const struct rpc_method core_methods[] = {
	{ .name = "host.info", .fn = m_host_info },
	{ .name = "log.tail",  .fn = m_log_tail, .params = log_tail_params },
	{ .name = "rpc.ping",  .fn = m_ping },
};

const struct rpc_table rpc_core_table = { core_methods, ARRAY_SIZE(core_methods) };
