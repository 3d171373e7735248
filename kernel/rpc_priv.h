/* RPC session and call layouts: only kernel/rpc.c (and its tests) look
 * inside. */
#ifndef KERNEL_RPC_PRIV_H
#define KERNEL_RPC_PRIV_H

#include "kernel/json.h"
#include "kernel/rpc.h"

/* [I] immutable after create  [c] the context that owns the session */
struct rpc_session {
	const struct rpc_server *srv;		/* [I] */
	char identity[RPC_IDENTITY_MAX + 1];	/* [I] */
	enum rpc_role role;			/* [I] */
	uint32_t idle_ms;			/* [I] */
	uint32_t max_requests;			/* [I] */
	rpc_write_fn write;			/* [I] */
	void *io;				/* [I] */

	char *line;		/* [c] RPC_LINE_MAX + 2: the line being assembled */
	size_t line_len;	/* [c] */
	bool discarding;	/* [c] inside an overlong line, until its LF */
	struct json_tok *toks;	/* [c] RPC_TOKENS_MAX */
	char *out;		/* [c] RPC_RESPONSE_MAX: one response line */
	size_t out_len;		/* [c] bytes of it to send */
	size_t out_off;		/* [c] bytes of it sent */
	char *scratch;		/* [c] RPC_SCRATCH_MAX, for handlers */
	uint64_t requests;	/* [c] lines answered or refused */
	uint64_t last_ms;	/* [c] time of the last request */
	bool over;		/* [c] no more input is taken */
};

/* [c] One request on its way through dispatch. */
struct rpc_call {
	struct rpc_session *s;
	const struct rpc_method *m;
	const struct json_doc *doc;
	int params;		/* token of the params object, or -ENOENT */
	struct jw result;
	int code;		/* set by rpc_fail() */
	char msg[RPC_MSG_MAX];
};

#endif
