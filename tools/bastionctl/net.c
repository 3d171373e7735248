/* The transports: TLS 1.2 with mutual authentication (mbedtls), or plain
 * TCP for tests (--insecure-plain). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tools/bastionctl/cli.h"

struct net {
	struct conn conn;
	int fd;
	int timeout_ms;
	bool tls;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	const unsigned char *pin;	/* --fingerprint, or NULL */
	bool pin_mismatch;
};

static enum net_fail say(char *err, size_t errlen, enum net_fail f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return f;
}

static int wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

static int fd_send(struct net *n, const unsigned char *buf, size_t len, size_t *done)
{
	ssize_t r = send(n->fd, buf, len, MSG_NOSIGNAL);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		int w = wait_fd(n->fd, POLLOUT, n->timeout_ms);

		if (w)
			return w;
		r = send(n->fd, buf, len, MSG_NOSIGNAL);
	}
	if (r < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	*done = (size_t)r;
	return 0;
}

static ssize_t fd_recv(struct net *n, void *buf, size_t len)
{
	int w = wait_fd(n->fd, POLLIN, n->timeout_ms);
	ssize_t r;

	if (w)
		return w;
	r = recv(n->fd, buf, len, 0);
	return r < 0 ? -errno : r;
}

/* ------------------------------------------------------------ plain */

static int plain_send(void *ctx, const void *buf, size_t len)
{
	struct net *n = ctx;

	while (len) {
		size_t done = 0;
		int r = fd_send(n, buf, len, &done);

		if (r)
			return r;
		buf = (const char *)buf + done;
		len -= done;
	}
	return 0;
}

static ssize_t plain_recv(void *ctx, void *buf, size_t len)
{
	return fd_recv(ctx, buf, len);
}

static const mbedtls_ecp_group_id curves[] = {
	MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE,
};

/* ------------------------------------------------------------ TLS */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	size_t done = 0;
	int r = fd_send(ctx, buf, len, &done);

	if (r == -ETIMEDOUT)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return r ? MBEDTLS_ERR_NET_SEND_FAILED : (int)done;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t r = fd_recv(ctx, buf, len);

	if (r == -ETIMEDOUT)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	if (r == -ECONNRESET)
		return MBEDTLS_ERR_NET_CONN_RESET;
	return r < 0 ? MBEDTLS_ERR_NET_RECV_FAILED : (int)r;
}

static int tls_send(void *ctx, const void *buf, size_t len)
{
	struct net *n = ctx;

	while (len) {
		int r = mbedtls_ssl_write(&n->ssl, buf, len);

		if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (r == MBEDTLS_ERR_SSL_TIMEOUT)
			return -ETIMEDOUT;
		if (r < 0)
			return -EIO;
		buf = (const char *)buf + r;
		len -= (size_t)r;
	}
	return 0;
}

static ssize_t tls_recv(void *ctx, void *buf, size_t len)
{
	struct net *n = ctx;
	int r;

	do
		r = mbedtls_ssl_read(&n->ssl, buf, len);
	while (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (r == MBEDTLS_ERR_SSL_TIMEOUT)
		return -ETIMEDOUT;
	if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == MBEDTLS_ERR_NET_CONN_RESET)
		return 0;
	return r < 0 ? -EIO : r;
}

/* mbedtls 2.28 matches DNS names only; an address is checked against the
 * certificate's iPAddress SANs (RFC 5280 4.2.1.6) here. */
static bool cert_has_ip(const mbedtls_x509_crt *crt, const char *host)
{
	unsigned char addr[16];
	size_t alen;
	const mbedtls_x509_sequence *s;

	if (inet_pton(AF_INET, host, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		alen = 16;
	else
		return false;
	for (s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && s->buf.len == alen &&
		    !memcmp(s->buf.p, addr, alen))
			return true;
	return false;
}

static bool is_address(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* With --fingerprint: the host's own certificate (depth 0) is trusted
 * when its SHA-256 is the one given, whoever signed it; anything else is
 * not. */
static int verify_pin(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct net *n = ctx;
	unsigned char h[32];

	if (depth) {
		*flags = 0;	/* a chain above it does not matter */
		return 0;
	}
	if (mbedtls_sha256_ret(crt->raw.p, crt->raw.len, h, 0) || memcmp(h, n->pin, 32)) {
		n->pin_mismatch = true;
		*flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
	} else {
		*flags = 0;
	}
	return 0;
}

static enum net_fail tls_setup(struct net *n, const struct opts *o, char *err, size_t errlen)
{
	static const char pers[] = "bastionctl";
	char ebuf[160];
	int r;

	mbedtls_ssl_init(&n->ssl);
	mbedtls_ssl_config_init(&n->conf);
	mbedtls_x509_crt_init(&n->ca);
	mbedtls_x509_crt_init(&n->cert);
	mbedtls_pk_init(&n->key);
	mbedtls_entropy_init(&n->entropy);
	mbedtls_ctr_drbg_init(&n->drbg);
	n->tls = true;
	if (!o->cert || !o->key || (!o->ca && !o->pinned))
		return say(err, errlen, NF_CONFIG, "TLS needs --cert, --key and --ca (or "
			   "BASTION_CERT, BASTION_KEY, BASTION_CA, or ~/.config/bastion/"
			   "{cert,key,ca}.pem)");
	if (mbedtls_ctr_drbg_seed(&n->drbg, mbedtls_entropy_func, &n->entropy,
				  (const unsigned char *)pers, sizeof(pers) - 1))
		return say(err, errlen, NF_CONFIG, "no entropy");
	if (o->ca && !o->pinned && (r = mbedtls_x509_crt_parse_file(&n->ca, o->ca))) {
		mbedtls_strerror(r, ebuf, sizeof(ebuf));
		return say(err, errlen, NF_CONFIG, "%s: %s", o->ca, ebuf);
	}
	if ((r = mbedtls_x509_crt_parse_file(&n->cert, o->cert))) {
		mbedtls_strerror(r, ebuf, sizeof(ebuf));
		return say(err, errlen, NF_CONFIG, "%s: %s", o->cert, ebuf);
	}
	if ((r = mbedtls_pk_parse_keyfile(&n->key, o->key, NULL))) {
		mbedtls_strerror(r, ebuf, sizeof(ebuf));
		return say(err, errlen, NF_CONFIG, "%s: %s", o->key, ebuf);
	}
	if (mbedtls_ssl_config_defaults(&n->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT))
		return say(err, errlen, NF_CONFIG, "mbedtls_ssl_config_defaults failed");
	mbedtls_ssl_conf_min_version(&n->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);	/* TLS 1.2 */
	mbedtls_ssl_conf_authmode(&n->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&n->conf, &n->ca, NULL);
	if (o->pinned) {
		n->pin = o->fingerprint;
		mbedtls_ssl_conf_verify(&n->conf, verify_pin, n);
	}
	/* P-256 first (mbedtls 2.28 would offer P-521): the host has P-256
	 * and P-384 only, and P-256 is the cheapest for both ends. */
	mbedtls_ssl_conf_curves(&n->conf, curves);
	mbedtls_ssl_conf_rng(&n->conf, mbedtls_ctr_drbg_random, &n->drbg);
	mbedtls_ssl_conf_read_timeout(&n->conf, (uint32_t)n->timeout_ms);
	if ((r = mbedtls_ssl_conf_own_cert(&n->conf, &n->cert, &n->key))) {
		mbedtls_strerror(r, ebuf, sizeof(ebuf));
		return say(err, errlen, NF_CONFIG, "%s and %s: %s", o->cert, o->key, ebuf);
	}
	if (mbedtls_ssl_setup(&n->ssl, &n->conf) ||
	    mbedtls_ssl_set_hostname(&n->ssl, is_address(o->host) || o->pinned ? NULL : o->host))
		return say(err, errlen, NF_CONFIG, "mbedtls_ssl_setup failed");
	mbedtls_ssl_set_bio(&n->ssl, n, bio_send, bio_recv, NULL);
	return NF_OK;
}

static enum net_fail tls_handshake(struct net *n, const struct opts *o, char *err, size_t errlen)
{
	char ebuf[160], vbuf[256];
	uint32_t flags;
	int r;

	do
		r = mbedtls_ssl_handshake(&n->ssl);
	while (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE);
	flags = mbedtls_ssl_get_verify_result(&n->ssl);
	if (n->pin_mismatch)
		return say(err, errlen, NF_SERVER_CERT, "the host's certificate does not have the "
			   "fingerprint given (--fingerprint)");
	if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (!r && flags)) {
		if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH && !(flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED))
			return say(err, errlen, NF_SERVER_NAME, "%s: %s", net_fail_text(NF_SERVER_NAME),
				   o->host);
		mbedtls_x509_crt_verify_info(vbuf, sizeof(vbuf), "", flags);
		vbuf[strcspn(vbuf, "\n")] = 0;
		if (flags & (MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_MISSING))
			return say(err, errlen, NF_SERVER_CERT, "%s (%s)", net_fail_text(NF_SERVER_CERT),
				   o->ca);
		return say(err, errlen, NF_SERVER_CERT, "the host's certificate is not valid: %s", vbuf);
	}
	if (r == MBEDTLS_ERR_SSL_TIMEOUT)
		return say(err, errlen, NF_TIMEOUT, "timeout: no TLS handshake in %d s",
			   o->timeout_s);
	/* The client's Certificate goes out after the server's has been
	 * verified (RFC 5246 7.3); a fatal alert or a hang-up after that is
	 * the server refusing ours. */
	if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE || r == MBEDTLS_ERR_NET_CONN_RESET ||
	    r == MBEDTLS_ERR_SSL_CONN_EOF || r == MBEDTLS_ERR_NET_RECV_FAILED ||
	    r == MBEDTLS_ERR_NET_SEND_FAILED) {
		if (n->ssl.state > MBEDTLS_SSL_CLIENT_CERTIFICATE)
			return say(err, errlen, NF_CLIENT_REJECTED, "%s (is it signed by the "
				   "host's operator CA, and still valid?)",
				   net_fail_text(NF_CLIENT_REJECTED));
		mbedtls_strerror(r, ebuf, sizeof(ebuf));
		return say(err, errlen, NF_TLS, "TLS handshake failed before authentication: %s "
			   "(is this a Bastion TLS port?)", ebuf);
	}
	if (r) {
		mbedtls_strerror(r, ebuf, sizeof(ebuf));
		return say(err, errlen, NF_TLS, "TLS handshake failed: %s", ebuf);
	}
	if (!o->pinned && is_address(o->host) && !cert_has_ip(mbedtls_ssl_get_peer_cert(&n->ssl), o->host))
		return say(err, errlen, NF_SERVER_NAME, "%s: %s", net_fail_text(NF_SERVER_NAME),
			   o->host);
	return NF_OK;
}

/* ------------------------------------------------------------ connect */

static enum net_fail tcp_connect(struct net *n, const struct opts *o, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	enum net_fail f = NF_UNREACHABLE;
	char port[8];
	int r, e = 0;

	snprintf(port, sizeof(port), "%u", o->port);
	r = getaddrinfo(o->host, port, &hints, &res);
	if (r)
		return say(err, errlen, NF_RESOLVE, "%s: %s: %s", net_fail_text(NF_RESOLVE),
			   o->host, gai_strerror(r));
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t elen = sizeof(e);
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);

		if (fd < 0)
			continue;
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r && errno == EINPROGRESS) {
			r = wait_fd(fd, POLLOUT, n->timeout_ms);
			if (r == -ETIMEDOUT) {
				e = ETIMEDOUT;
			} else if (!getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen)) {
				r = e ? -1 : 0;
			}
		} else if (r) {
			e = errno;
		}
		if (!r) {
			int one = 1;

			/* Requests, upload chunks and handshake flights go out in
			 * several writes: without this, Nagle holds each one back
			 * until the host's delayed ACK. */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			n->fd = fd;
			freeaddrinfo(res);
			return NF_OK;
		}
		close(fd);
		if (e == ECONNREFUSED && f != NF_TIMEOUT)
			f = NF_REFUSED;
		else if (e == ETIMEDOUT)
			f = NF_TIMEOUT;
	}
	freeaddrinfo(res);
	return say(err, errlen, f, "%s: %s port %u%s%s", net_fail_text(f), o->host, o->port,
		   f == NF_UNREACHABLE ? ": " : "", f == NF_UNREACHABLE ? strerror(e) : "");
}

enum net_fail net_open(const struct opts *o, struct conn **c, char *err, size_t errlen)
{
	struct net *n = calloc(1, sizeof(*n));
	enum net_fail f;

	if (!n)
		return say(err, errlen, NF_CONFIG, "out of memory");
	n->fd = -1;
	n->timeout_ms = o->timeout_s * 1000;
	n->conn.ctx = n;
	if (!o->host) {
		free(n);
		return say(err, errlen, NF_CONFIG, "no host: give --host or set BASTION_HOST");
	}
	if (!o->insecure_plain && (f = tls_setup(n, o, err, errlen)))
		goto fail;
	if ((f = tcp_connect(n, o, err, errlen)))
		goto fail;
	if (o->insecure_plain) {
		n->conn.send = plain_send;
		n->conn.recv = plain_recv;
		n->conn.lenient = true;
	} else {
		if ((f = tls_handshake(n, o, err, errlen)))
			goto fail;
		n->conn.send = tls_send;
		n->conn.recv = tls_recv;
	}
	*c = &n->conn;
	return NF_OK;
fail:
	net_close(&n->conn);
	return f;
}

void net_close(struct conn *c)
{
	struct net *n = c ? c->ctx : NULL;

	if (!n)
		return;
	if (n->tls) {
		if (n->fd >= 0 && n->conn.send)
			mbedtls_ssl_close_notify(&n->ssl);
		mbedtls_ssl_free(&n->ssl);
		mbedtls_ssl_config_free(&n->conf);
		mbedtls_x509_crt_free(&n->ca);
		mbedtls_x509_crt_free(&n->cert);
		mbedtls_pk_free(&n->key);
		mbedtls_ctr_drbg_free(&n->drbg);
		mbedtls_entropy_free(&n->entropy);
	}
	if (n->fd >= 0)
		close(n->fd);
	free(n);
}
