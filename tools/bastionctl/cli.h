/* bastionctl: the operator's client for Bastion's JSON-RPC management
 * protocol (kernel/RPC.md) over mutual TLS.
 *
 * Modules:
 *   args.c   global options and verb arguments (pure)
 *   help.c   man-page-style help for every verb (pure)
 *   rpc.c    requests, answer framing and checking, exit codes (pure: the
 *            transport is a pair of callbacks)
 *   fmt.c    tables and renderers of results, policy.json, base64 (pure)
 *   verbs.c  the verbs: requests and their rendering
 *   net.c    TCP and TLS (the only file besides pki.c that includes mbedtls)
 *   pki.c    operator CA, client and host certificates (mbedtls)
 * The unit test links the pure modules only.
 */
#ifndef TOOLS_BASTIONCTL_CLI_H
#define TOOLS_BASTIONCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "kernel/json.h"

/* Exit statuses scripts can trust. */
enum {
	EXIT_OK = 0,
	EXIT_HOST = 1,		/* the host answered with an error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_CONNECT = 3,	/* cannot connect, TLS or certificate failure */
	EXIT_PROTO = 4,		/* garbled answer */
};

#define DEFAULT_PORT      4443
#define DEFAULT_TIMEOUT_S 10
#define RPC_LINE_MAX      65536		/* kernel/RPC.md */
#define RPC_RESPONSE_MAX  262144	/* with its LF */
#define ANSWER_TOKENS     65536

/* ------------------------------------------------------------------ args */

struct opts {
	const char *host;	/* without the port */
	unsigned port;
	const char *cert, *key, *ca;
	/* --fingerprint: the SHA-256 of the host's certificate, which then
	 * stands in for the CA's signature and the name check (a host that
	 * made its own key at boot prints it on its console). */
	bool pinned;
	unsigned char fingerprint[32];
	bool json, insecure_plain, help;
	int timeout_s;
	int argc;		/* the verb and its arguments */
	char **argv;
	char hostbuf[256];
	char pathbuf[3][512];	/* defaults under ~/.config/bastion */
};

struct verb;

struct verb_args {
	const struct verb *verb;
	const char *pos[2];	/* positional arguments */
	int npos;
	const char *image, *kernel, *cmdline, *out, *ca, *name, *role, *ip;
	const char *network, *gateway, *policy, *sha256;
	const char *labels[8];	/* vm run --label, repeatable */
	int nlabels;
	int64_t memory_mib, vcpus, lines, grace_s, days;
	bool follow, help, yes;
};

/* Looks a variable up (getenv in the program, a table in the tests). */
typedef const char *(*env_fn)(const char *name);

/* Parses the global options up to the verb; defaults come from env
 * (BASTION_HOST, BASTION_CERT, BASTION_KEY, BASTION_CA, HOME). Returns 0,
 * or -EINVAL with a message in err. */
int opts_parse(struct opts *o, int argc, char **argv, env_fn env,
	       char *err, size_t errlen);

/* Splits "H", "H:P", "[V6]:P" into o->host and o->port: 0 or -EINVAL. */
int opts_host(struct opts *o, const char *spec);

/* Finds the verb in argv ("vm ls", "raw") and parses its arguments.
 * Returns 0, or -EINVAL with a message in err (a->verb is set when the
 * verb itself was recognized, so its help can be pointed to). */
int verb_parse(struct verb_args *a, int argc, char **argv, bool *json,
	       char *err, size_t errlen);

/* ------------------------------------------------------------------ verbs */

struct client;
typedef int (*verb_fn)(struct client *cl, const struct verb_args *a);

enum verb_id {
	VB_HOST_INFO, VB_VM_LS, VB_VM_LOGS, VB_VM_RUN, VB_VM_START, VB_VM_STOP,
	VB_VM_RM, VB_VM_STATS, VB_VM_UPLOAD, VB_FW_GET, VB_FW_SET,
	VB_SWITCH_PORTS, VB_LOG_TAIL, VB_RAW, VB_PKI_CA, VB_PKI_CLIENT,
	VB_PKI_HOST, VB_IMAGE_LS, VB_IMAGE_RM, VB_HOST_REBOOT, VB_FW_SET_GROUP, VB_IMAGE_FETCH, VB_FW_GET_GROUP, VB_COUNT
};

enum {
	V_CONNECT = 1u << 0,	/* needs the host */
	/* options a verb takes */
	V_O_IMAGE = 1u << 1, V_O_KERNEL = 1u << 2, V_O_MEMORY = 1u << 3,
	V_O_VCPUS = 1u << 4, V_O_CMDLINE = 1u << 5, V_O_FOLLOW = 1u << 6,
	V_O_LINES = 1u << 7, V_O_GRACE = 1u << 8, V_O_OUT = 1u << 9,
	V_O_CA = 1u << 10, V_O_NAME = 1u << 11, V_O_ROLE = 1u << 12,
	V_O_IP = 1u << 13, V_O_DAYS = 1u << 14, V_O_NETWORK = 1u << 15,
	V_O_GATEWAY = 1u << 16, V_O_LABEL = 1u << 17, V_O_POLICY = 1u << 18,
	V_O_YES = 1u << 19, V_O_SHA256 = 1u << 20,
};

struct verb {
	const char *noun, *action;	/* action NULL: one-word verb */
	int min_pos, max_pos;
	unsigned flags;
	enum verb_id id;
	const char *synopsis;		/* after "bastionctl [OPTIONS] " */
	const char *summary;		/* one line */
	const char *description;
	const char *options;		/* the verb's own, may be NULL */
	const char *examples;
};

extern const struct verb verbs[VB_COUNT];	/* help.c, by id */

/* verbs.c: runs a parsed verb (cl NULL for those without V_CONNECT). */
int verb_run(struct client *cl, const struct verb_args *a);
/* upload.c: sends data as the image name (README.md's protocol: begin,
 * chunks of UPLOAD_CHUNK bytes, commit; image.abort after a refusal),
 * calling progress(ctx, done, total) before each chunk and at the end
 * (may be NULL). Returns EXIT_OK with cl->result the commit's result, or
 * another EXIT_* with a message printed. */
#define UPLOAD_CHUNK (32 * 1024)	/* 43,692 bytes of base64: one line < 64 KiB */
int upload_image(struct client *cl, const char *name, const void *data, size_t size,
		 void (*progress)(void *ctx, size_t done, size_t total), void *ctx);
/* pki.c */
int pki_ca(const struct verb_args *a);
int pki_client(const struct verb_args *a);
int pki_host(const struct verb_args *a);

/* help.c: the verb's manual page, or the overview with v NULL. */
void help_print(FILE *f, const struct verb *v);

/* ------------------------------------------------------------------ rpc */

/* A connection: send all of buf, or receive some bytes. recv returns the
 * count, 0 at end of stream, -ETIMEDOUT, or another -errno. */
struct conn {
	int (*send)(void *ctx, const void *buf, size_t len);
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	void *ctx;
	bool lenient;	/* serial console: skip lines that are not answers */
};

/* Assembles lines from what the transport delivers. */
struct linebuf {
	char *buf;
	size_t cap;		/* the longest line, LF included */
	size_t start, len;	/* unconsumed bytes: buf[start..start+len) */
};

/* Returns 1 with the next line in *line and *n (NUL-terminated, LF and one CR
 * before it stripped), 0 when no complete line is buffered, -E2BIG when
 * the buffered line is already longer than cap. */
int lb_next(struct linebuf *b, char **line, size_t *n);
/* Room to receive into: 0 when full. */
char *lb_space(struct linebuf *b, size_t *room);

struct client {
	struct conn *conn;
	struct linebuf lb;
	int64_t next_id;
	bool json;		/* --json */
	/* the last answer */
	struct json_doc doc;
	struct json_tok *toks;
	int result;		/* token index of result */
	int64_t err_code;
	char err_msg[256];
	char method[72];	/* of the last call, for messages */
};

/* Allocates the line buffer and tokens: 0 or -ENOMEM. */
int client_init(struct client *cl, struct conn *conn);
void client_free(struct client *cl);

/* Sends method with params (a JSON object, or NULL) and waits for its
 * answer. Returns EXIT_OK (cl->result is the result), EXIT_HOST (cl->err_*
 * say what), EXIT_CONNECT (the connection broke or timed out) or
 * EXIT_PROTO; a message for the last three is printed to stderr. */
int rpc_call(struct client *cl, const char *method, const char *params);

/* Checks one answer line to request id. Returns EXIT_OK, EXIT_HOST,
 * EXIT_PROTO (why in err) or -EAGAIN (lenient and the line is no answer
 * to this request: skip it). */
int rpc_check(struct client *cl, char *line, size_t n, int64_t id,
	      char *err, size_t errlen);

/* A human message for a host error, with hints for common codes. */
void rpc_error_text(const struct client *cl, char *buf, size_t len);

/* ------------------------------------------------------------------ net */

enum net_fail {
	NF_OK = 0,
	NF_RESOLVE,		/* no such host */
	NF_REFUSED,		/* connection refused */
	NF_TIMEOUT,		/* no answer in time */
	NF_UNREACHABLE,		/* other socket errors */
	NF_CONFIG,		/* cannot load our cert, key or the CA */
	NF_SERVER_CERT,		/* server cert not signed by the CA */
	NF_SERVER_NAME,		/* server cert is not for that host name */
	NF_CLIENT_REJECTED,	/* the server refused our certificate */
	NF_TLS,			/* another handshake failure */
	NF_COUNT
};

/* The exit status for a connection failure (always EXIT_CONNECT but for
 * NF_OK) and a sentence describing it. */
int net_fail_exit(enum net_fail f);
const char *net_fail_text(enum net_fail f);

/* Connects per o (TLS, or plain TCP with --insecure-plain). Returns NF_OK
 * and *c, or a failure with details in err. */
enum net_fail net_open(const struct opts *o, struct conn **c, char *err, size_t errlen);
void net_close(struct conn *c);

/* ------------------------------------------------------------------ fmt */

#define TABLE_MAX_COLS 8

struct table {
	int ncols;
	const char *head[TABLE_MAX_COLS];
	bool right[TABLE_MAX_COLS];	/* right-align (numbers) */
	size_t nrows, cap;
	char **cells;			/* nrows * ncols, owned */
};

void table_init(struct table *t, int ncols, const char *const *head, const bool *right);
/* Adds a row of ncols printf-formatted cells: 0 or -ENOMEM. */
int table_row(struct table *t, ...);
void table_print(FILE *f, const struct table *t);
void table_free(struct table *t);

/* Renderers of results (human form). */
int show_host_info(FILE *f, const struct json_doc *d, int r);
int show_vm_list(FILE *f, const struct json_doc *d, int r);
int show_vm_stats(FILE *f, const struct json_doc *d, int r);
int show_fw(FILE *f, const struct json_doc *d, int r);
/* fw.get with a label: each member's name, then its policy as show_fw. */
int show_fw_group(FILE *f, const struct json_doc *d, int r);
int show_images(FILE *f, const struct json_doc *d, int r);
int show_ports(FILE *f, const struct json_doc *d, int r);
int show_log(FILE *f, const struct json_doc *d, int r);
/* {"KEY": VALUE} in buf, or NULL if it does not fit: the params of the
 * methods that name one thing (a VM, an upload, a group). */
const char *key_params(char *buf, size_t len, const char *key, const char *value);
/* Writes value r as one line of JSON. */
int show_json(FILE *f, const struct json_doc *d, int r);

/* Builds fw.set params {"name":NAME,"ingress":[...],"egress":[...]} from
 * the text of a policy file. Returns 0, or -EINVAL with a message. */
int policy_params(const char *name, char *text, size_t len, char *out, size_t outlen,
		  char *err, size_t errlen);
/* The same with {KEY_NAME: NAME} ("label" for a group). */
int policy_params_for(const char *key_name, const char *name, char *text, size_t len,
		      char *out, size_t outlen, char *err, size_t errlen);


/* Copies console text to f with terminal controls (ESC, C1, ...) made '?'. */
void put_console(FILE *f, const char *s, size_t n);

/* RFC 4648 base64 of in[0..n) into out (NUL-terminated); out must hold
 * 4 * ((n + 2) / 3) + 1 bytes. Returns the length. */
size_t base64_encode(const void *in, size_t n, char *out);

#endif
