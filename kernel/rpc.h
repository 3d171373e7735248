/* The RPC console's protocol core: JSON-RPC 2.0, one object per line, over
 * any byte stream (TLS over lwIP, the serial console). Pure logic: no
 * locks, no time source, no I/O of its own; kernel/RPC.md is the protocol
 * document.
 *
 * The pieces and who provides them:
 *   - a transport creates one session per connection with the peer's
 *     identity and role and an output callback, feeds it the bytes it
 *     receives (any chunking), flushes it when it can send again, polls it
 *     for the idle limit, and destroys it on close;
 *   - the kernel provides one struct rpc_server: the method tables, the
 *     host callbacks (host info, log tail, clock, audit) and their context;
 *   - modules provide method tables: a bounded const array of
 *     { name, handler, flags, params schema }. The framework checks the
 *     request, the role and the params against the schema before a handler
 *     runs, and wraps whatever the handler writes into the response, so a
 *     handler cannot produce a reply that is not valid JSON-RPC.
 *
 * A session is single-threaded: one context at a time calls its functions.
 * Sessions share nothing mutable, so different sessions may run on
 * different CPUs; the server and its tables are read-only.
 */
#ifndef KERNEL_RPC_H
#define KERNEL_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/json.h"

/* ---------------------------------------------------------------- limits */

#define RPC_LINE_MAX      65536	/* request bytes, excluding CR LF */
#define RPC_TOKENS_MAX    2048	/* JSON values in one request */
/* The fuzz target shrinks these two to reach their edges cheaply. */
#ifndef RPC_RESPONSE_MAX
#define RPC_RESPONSE_MAX  (256 * 1024)	/* response bytes, with the LF */
#endif
#ifndef RPC_SCRATCH_MAX
#define RPC_SCRATCH_MAX   (256 * 1024)	/* handler scratch per session */
#endif
#define RPC_IDENTITY_MAX  255	/* bytes of a session identity */
#define RPC_ID_MAX        128	/* bytes of a string request id */
#define RPC_METHOD_MAX    64	/* bytes of a method name */
#define RPC_MSG_MAX       200	/* bytes of an error message */

/* ---------------------------------------------------------------- errors */

#define RPC_ERR_PARSE      (-32700)	/* not JSON (or a number we reject) */
#define RPC_ERR_INVALID    (-32600)	/* not a valid request object */
#define RPC_ERR_NO_METHOD  (-32601)	/* no such method */
#define RPC_ERR_PARAMS     (-32602)	/* params do not fit the method */
#define RPC_ERR_INTERNAL   (-32603)	/* our fault */
#define RPC_ERR_DENIED     (-32001)	/* the session's role may not call it */
#define RPC_ERR_LIMIT      (-32002)	/* a size or count limit */
/* Reserved for the object methods to come (VMs, policies): */
#define RPC_ERR_NOT_FOUND  (-32003)	/* the named object does not exist */
#define RPC_ERR_CONFLICT   (-32004)	/* it exists already, or is in another state */

/* ---------------------------------------------------------------- roles */

enum rpc_role {
	RPC_ROLE_READONLY = 0,	/* the zero value is the least privilege */
	RPC_ROLE_ADMIN = 1,
};

/* ---------------------------------------------------------------- methods */

struct rpc_call;

/* Writes exactly one JSON value, the result, to rpc_result(c) and returns
 * 0; or returns rpc_fail(c, ...). Anything else (no value, two values, an
 * open container, a result too large) becomes an error reply. */
typedef int (*rpc_handler_fn)(struct rpc_call *c);

enum rpc_ptype {
	RPC_P_INT = 1,		/* min..max: the value */
	RPC_P_STR,		/* min..max: length in bytes */
	RPC_P_BOOL,
	RPC_P_OBJ,		/* min..max: members */
	RPC_P_ARR,		/* min..max: elements */
};

#define RPC_P_REQUIRED 0x1

/* One named parameter. params are always by name (an object). */
struct rpc_param {
	const char *name;
	uint8_t type;		/* enum rpc_ptype */
	uint8_t flags;		/* RPC_P_* */
	int64_t min, max;
};

#define RPC_MUTATING 0x1	/* changes the host: admin only, audited */

struct rpc_method {
	const char *name;
	rpc_handler_fn fn;
	unsigned flags;			/* RPC_MUTATING */
	const struct rpc_param *params;	/* ends with { NULL }; NULL: none */
};

struct rpc_table {
	const struct rpc_method *methods;
	size_t count;
};

/* host.info, log.tail, rpc.ping (kernel/RPC.md). */
extern const struct rpc_table rpc_core_table;

/* ---------------------------------------------------------------- host side */

/* Hardening of the running host, for host.info. */
#define RPC_PROT_NX          0x01
#define RPC_PROT_SMEP        0x02
#define RPC_PROT_SMAP        0x04
#define RPC_PROT_UMIP        0x08
#define RPC_PROT_WP          0x10
#define RPC_PROT_WX          0x20	/* W^X kernel mappings */
#define RPC_PROT_CANARY      0x40	/* stack protector */
#define RPC_PROT_GUARD_PAGES 0x80	/* guard pages under stacks */

struct rpc_host_info {
	const char *version;	/* BASTION_VERSION */
	const char *vmm;	/* "vmx", "svm", or NULL without one */
	uint32_t cpus;
	uint64_t mem_total;	/* bytes */
	uint64_t mem_free;	/* bytes */
	uint64_t uptime_ms;
	uint32_t protections;	/* RPC_PROT_* */
};

/* One call of a mutating method, whatever became of it. The strings are
 * printable ASCII (anything else replaced by '?'), safe to log as they
 * are. */
struct rpc_audit {
	const char *identity;
	enum rpc_role role;
	const char *method;
	int outcome;		/* 0, or the RPC_ERR_* the client got */
	const char *message;	/* the error message, NULL on success */
	bool notification;	/* no reply was sent */
};

/* Callbacks into the kernel; any may be NULL (the method that needs it
 * then fails with RPC_ERR_INTERNAL; without now_ms there is no idle
 * limit). ctx is rpc_server.ctx. */
struct rpc_host_ops {
	int (*host_info)(void *ctx, struct rpc_host_info *out);	/* 0, -errno */
	/* The newest `lines` log records, oldest first, one per line, whole
	 * lines only, at most len bytes; returns the bytes written. */
	size_t (*log_tail)(void *ctx, char *buf, size_t len, unsigned lines);
	uint64_t (*now_ms)(void *ctx);
	void (*audit)(void *ctx, const struct rpc_audit *a);
	/* More members of host.info's object (key, value pairs). */
	void (*host_info_more)(void *ctx, struct jw *w);
};

struct rpc_server {
	const struct rpc_table *const *tables;	/* looked up in order */
	size_t ntables;
	const struct rpc_host_ops *ops;
	void *ctx;
};

/* Checks the tables: names well formed (lower-case letters, digits, '.',
 * '_', '-'; at most RPC_METHOD_MAX) and unique, handlers set, schemas
 * sane. Returns 0 or -EINVAL. rpc_session_create() checks too. */
int rpc_server_check(const struct rpc_server *srv);

/* ---------------------------------------------------------------- sessions */

struct rpc_session;

/* Delivers response bytes to the peer. Returns how many of the len bytes
 * it took (0..len; 0 or -EAGAIN: none now, try later), or another
 * negative errno: the connection is broken. */
typedef int (*rpc_write_fn)(void *io, const void *buf, size_t len);

struct rpc_session_cfg {
	const char *identity;	/* the client certificate's subject; copied,
				 * cut at RPC_IDENTITY_MAX, non-printable
				 * bytes replaced by '?' */
	enum rpc_role role;
	uint32_t idle_ms;	/* close after this long without a request;
				 * 0: never */
	uint32_t max_requests;	/* requests per session; 0: no limit */
	rpc_write_fn write;
	void *io;
};

/* Allocates a session (its buffers come from the heap, here and only
 * here). Returns 0, -EINVAL (bad cfg or server), -ENOMEM. */
int rpc_session_create(const struct rpc_server *srv, const struct rpc_session_cfg *cfg,
		       struct rpc_session **out);
void rpc_session_destroy(struct rpc_session *s);

/* Takes received bytes, in chunks of any size, and answers every complete
 * line through the write callback. *consumed gets how many bytes were
 * taken. Returns
 *   0            all taken, all output delivered;
 *   -EAGAIN      the write callback is full: call rpc_session_flush()
 *                when it can take more, then feed the rest;
 *   -ECONNRESET  the session is over (request limit, idle limit, broken
 *                output): flush what is pending if you can, then close.
 */
int rpc_session_feed(struct rpc_session *s, const void *data, size_t len, size_t *consumed);

/* Writes pending output. Returns 0 (none left), -EAGAIN, -ECONNRESET
 * (the write callback failed). */
int rpc_session_flush(struct rpc_session *s);

/* Call now and then: -ETIMEDOUT once the session was idle for idle_ms
 * (it is then over), -ECONNRESET if it is over already, else 0. */
int rpc_session_poll(struct rpc_session *s);

/* ---------------------------------------------------------------- for handlers */

/* Where the handler writes its result (exactly one value). */
struct jw *rpc_result(struct rpc_call *c);

/* Records the error reply and returns code; for handlers to return.
 * code: RPC_ERR_PARAMS, RPC_ERR_INTERNAL, or -32099..-32000; anything
 * else is sent as RPC_ERR_INTERNAL. */
int rpc_fail(struct rpc_call *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parameters, already checked against the method's schema: 0, or
 * -ENOENT (not given), -EINVAL (not of the asked type: a handler bug). */
int rpc_param_int(const struct rpc_call *c, const char *name, int64_t *out);
int rpc_param_str(const struct rpc_call *c, const char *name, const char **s, size_t *len);
int rpc_param_bool(const struct rpc_call *c, const char *name, bool *out);
/* Objects and arrays: the document and the token, to walk with json_*;
 * returns the token index or -ENOENT. */
int rpc_param_tok(const struct rpc_call *c, const char *name, const struct json_doc **doc);

const char *rpc_identity(const struct rpc_call *c);
/* The session the call came on: a token that stays unique while the
 * session lives (what it started, e.g. an upload, is tied to it). */
const struct rpc_session *rpc_session_of(const struct rpc_call *c);
enum rpc_role rpc_role(const struct rpc_call *c);
const struct rpc_server *rpc_server(const struct rpc_call *c);

/* The session's scratch buffer (RPC_SCRATCH_MAX bytes), free for the
 * handler's use during the call. */
char *rpc_scratch(struct rpc_call *c, size_t *len);

#endif
