/*
 * TLS sessions of the RPC console (kernel/remote.h): one rpc_session per
 * connection once its handshake is done, fed by the management port's
 * TLS listener.
 */
#include <errno.h>
#include <string.h>
#include "kernel/bootcfg.h"
#include "kernel/crypto.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/imgstore.h"
#include "kernel/log.h"
#include "kernel/remote.h"
#include "kernel/rpc.h"
#include "kernel/time.h"
#include "net/netstack.h"

/* Sessions, and room beside them for handshakes (and for telling one
 * client it is one too many). */
#define SLOTS (REMOTE_SESSIONS + 2)

struct remote {
	struct ns_conn *c;
	void *tls;
	struct rpc_session *s;		/* after the handshake */
	uint64_t start_ms;
	uint64_t seq;			/* accept order */
	uint32_t addr;
	uint16_t port;
};

static struct remote *slots[SLOTS];	/* [T] */
static const struct rpc_server *server;	/* [I] */
static struct crypto_ca *ca;		/* [I] */

/* Sessions: connections that authenticated and were let in. */
unsigned remote_sessions(void)
{
	unsigned n = 0;

	for (int i = 0; i < SLOTS; i++)
		n += slots[i] && slots[i]->s;
	return n;
}

static void say(const struct remote *r, enum log_level lvl, const char *what)
{
	log_printf(lvl, "remote: %u.%u.%u.%u:%u %s", r->addr >> 24, (r->addr >> 16) & 255,
		   (r->addr >> 8) & 255, r->addr & 255, r->port, what);
}

static void release(struct remote *r)
{
	for (int i = 0; i < SLOTS; i++)
		if (slots[i] == r)
			slots[i] = NULL;
	if (r->s) {
		/* A half-uploaded image dies with its session. */
		img_abort_owner(r->s);
		rpc_session_destroy(r->s);
	}
	kfree(r);
}

/* Ends a session from our side: what is queued still goes out. */
static void end(struct remote *r)
{
	if (r->s)
		rpc_session_flush(r->s);
	ns_close(r->c);
	release(r);
}

static int net_write(void *io, const void *buf, size_t len)
{
	struct remote *r = io;
	int n = ns_write(r->c, buf, len);

	return n < 0 ? -ECONNRESET : n;
}

static void *on_accept(void *arg, struct ns_conn *c, void *tls)
{
	static uint64_t seq;
	struct remote *r, *oldest = NULL;
	uint32_t addr;
	uint16_t port;
	unsigned pending = 0;
	int slot = -1;

	(void)arg;
	ns_peer(c, &addr, &port);
	for (int i = 0; i < SLOTS; i++) {
		struct remote *o = slots[i];

		if (!o && slot < 0)
			slot = i;
		if (!o || o->s)
			continue;
		pending += o->addr == addr && !crypto_tls_established(o->tls);
		if (!oldest || o->seq < oldest->seq)
			oldest = o;
	}
	/* One address cannot hold slots with handshakes it never finishes
	 * (each would hold one for REMOTE_HANDSHAKE_MS); and when every slot
	 * is taken, the oldest connection not yet let in makes room, so
	 * connections that never authenticate cannot keep operators out. */
	if (pending >= REMOTE_PENDING_PER_ADDR)
		return NULL;
	if (slot < 0 && oldest) {
		say(oldest, LOG_WARN, "closed: making room for a new connection");
		end(oldest);
		for (int i = 0; i < SLOTS && slot < 0; i++)
			if (!slots[i])
				slot = i;
	}
	if (slot < 0 || crypto_tls_require_client(tls, ca))
		return NULL;
	r = kzalloc(sizeof(*r));
	if (!r)
		return NULL;
	r->c = c;
	r->tls = tls;
	r->start_ms = time_ms();
	r->seq = ++seq;
	r->addr = addr;
	r->port = port;
	slots[slot] = r;
	return r;
}

/* The handshake is done: who is it, and may they have a session? */
static int open_session(struct remote *r)
{
	static const char busy[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32002,"
		"\"message\":\"too many sessions: this host serves 4 at once; try again later\"}}\n";
	struct rpc_session_cfg cfg = { 0 };
	char subject[RPC_IDENTITY_MAX + 1], line[RPC_IDENTITY_MAX + 64];
	bool admin;

	if (crypto_tls_peer(r->tls, subject, sizeof(subject), &admin)) {
		say(r, LOG_WARN, "closed: no client certificate");
		return -EACCES;
	}
	if (remote_sessions() >= REMOTE_SESSIONS) {
		ksnprintf(line, sizeof(line), "refused (%s): %u sessions already", subject,
			  REMOTE_SESSIONS);
		say(r, LOG_WARN, line);
		ns_write(r->c, busy, sizeof(busy) - 1);
		return -EBUSY;
	}
	cfg.identity = subject;
	cfg.role = admin ? RPC_ROLE_ADMIN : RPC_ROLE_READONLY;
	cfg.idle_ms = REMOTE_IDLE_MS;
	cfg.write = net_write;
	cfg.io = r;
	if (rpc_session_create(server, &cfg, &r->s)) {
		say(r, LOG_ERR, "closed: no memory for a session");
		return -ENOMEM;
	}
	ksnprintf(line, sizeof(line), "session of %s (%s)", subject, admin ? "admin" : "read-only");
	say(r, LOG_INFO, line);
	return 0;
}

static size_t on_recv(void *user, const void *data, size_t len)
{
	struct remote *r = user;
	size_t used = 0;
	int e;

	if (!r->s && open_session(r)) {
		end(r);
		return len;
	}
	e = rpc_session_feed(r->s, data, len, &used);
	if (e == -ECONNRESET) {
		say(r, LOG_INFO, "session over");
		end(r);
		return len;
	}
	return used;	/* -EAGAIN: the rest waits for room to answer */
}

static void on_sent(void *user)
{
	struct remote *r = user;

	if (!r->s)
		return;
	if (rpc_session_flush(r->s) == -ECONNRESET) {
		end(r);
		return;
	}
	ns_resume(r->c);
}

static void on_poll(void *user)
{
	struct remote *r = user;

	if (!r->s) {
		/* No handshake, or no request after it, in time: either holds
		 * a slot another operator may need. */
		if (time_ms() - r->start_ms > REMOTE_HANDSHAKE_MS) {
			say(r, LOG_WARN, crypto_tls_established(r->tls) ?
			    "closed: no request after the handshake" :
			    "closed: no TLS handshake in time");
			end(r);
		}
		return;
	}
	if (rpc_session_poll(r->s) == -ETIMEDOUT) {
		say(r, LOG_INFO, "closed: idle");
		end(r);
		return;
	}
	on_sent(r);
}

static void on_gone(void *user)
{
	struct remote *r = user;

	if (r->s || crypto_tls_established(r->tls))
		say(r, LOG_INFO, "disconnected");
	else
		say(r, LOG_WARN, "closed: TLS handshake failed (no or untrusted client certificate?)");
	release(r);
}

static const struct ns_listen_ops ops = { on_accept, on_recv, on_sent, on_poll, on_gone };

static void print_fingerprint(const char *pem, size_t len)
{
	uint8_t fp[SHA256_LEN];
	char hex[SHA256_LEN * 3];

	if (crypto_cert_fingerprint(pem, len, fp))
		return;
	for (int i = 0; i < SHA256_LEN; i++)
		ksnprintf(hex + 3 * i, 4, "%02X%s", fp[i], i + 1 < SHA256_LEN ? ":" : "");
	pr_info("remote: host certificate SHA-256 fingerprint %s", hex);
}

int remote_start(const struct bootcfg *c, const struct rpc_server *srv)
{
	const struct bootcfg_mgmt *m = &c->mgmt;
	const char *cert = m->host_cert, *key = m->host_key;
	size_t cert_len = m->host_cert_len, key_len = m->host_key_len;
	char *gcert = NULL, *gkey = NULL;
	char err[96];
	int r;

	if (!m->operator_ca) {
		pr_info("remote: off (no operator-ca in the boot config); the serial console still works");
		return -ENOENT;
	}
	r = crypto_ca_parse(m->operator_ca, m->operator_ca_len, &ca, err, sizeof(err));
	if (r) {
		pr_err("remote: off: operator-ca refused: %s", err);
		return r;
	}
	server = srv;
	if (!cert) {
		r = crypto_host_selfsigned(c->hostname, &gcert, &cert_len, &gkey, &key_len);
		if (r) {
			pr_err("remote: off: cannot make a host key (%d)", r);
			return r;
		}
		cert = gcert;
		key = gkey;
		pr_info("remote: no host-cert in the boot config: made a key and a self-signed "
			"certificate for this boot");
	} else {
		cert_len++;	/* the PEMs end with NUL in the blob (kernel/bootcfg.h) */
		key_len++;
	}
	print_fingerprint(cert, cert_len - 1);
	r = netstack_tls_listen(m->port, cert, cert_len, key, key_len, &ops, NULL);
	if (gkey)
		memset(gkey, 0, key_len);	/* mbedtls keeps its own parsed copy */
	kfree(gkey);
	kfree(gcert);
	if (r) {
		pr_err("remote: off: cannot listen on TCP port %u (%d)", m->port, r);
		return r;
	}
	pr_info("remote: JSON-RPC over mutual TLS on TCP port %u", m->port);
	return 0;
}
