/*
 * The mbedtls adapter's second half (kernel/crypto.h): SHA-256, the
 * operator CA, TLS peers and the host's own certificate. The DRBG is the
 * first half (kernel/drbg.c). Besides kernel/mbedtls/, no other file of
 * ours includes mbedtls headers (STYLE: third-party code stays in
 * quarantine).
 */
#include <errno.h>
#include <string.h>
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecp.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "drivers/cmos.h"
#include "kernel/crypto.h"
#include "kernel/drbg.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "vmm/dev/mc146818.h"

struct sha256 {
	mbedtls_sha256_context c;
};

struct sha256 *crypto_sha256_begin(void)
{
	struct sha256 *h = kzalloc(sizeof(*h));

	if (!h)
		return NULL;
	mbedtls_sha256_init(&h->c);
	if (mbedtls_sha256_starts_ret(&h->c, 0)) {
		crypto_sha256_free(h);
		return NULL;
	}
	return h;
}

void crypto_sha256_update(struct sha256 *h, const void *data, size_t len)
{
	mbedtls_sha256_update_ret(&h->c, data, len);	/* cannot fail in software */
}

void crypto_sha256_end(struct sha256 *h, uint8_t out[SHA256_LEN])
{
	mbedtls_sha256_finish_ret(&h->c, out);
	crypto_sha256_free(h);
}

void crypto_sha256_free(struct sha256 *h)
{
	if (!h)
		return;
	mbedtls_sha256_free(&h->c);
	kfree(h);
}

struct crypto_ca {
	mbedtls_x509_crt chain;
};

/* mbedtls parses PEM only with its NUL, counted in the length. */
static unsigned char *with_nul(const char *pem, size_t len)
{
	unsigned char *b = kmalloc(len + 1);

	if (b) {
		memcpy(b, pem, len);
		b[len] = 0;
	}
	return b;
}

int crypto_ca_parse(const char *pem, size_t len, struct crypto_ca **out, char *err, size_t errlen)
{
	struct crypto_ca *ca = kzalloc(sizeof(*ca));
	unsigned char *b = with_nul(pem, len);
	int r;

	if (!ca || !b) {
		kfree(ca);
		kfree(b);
		return -ENOMEM;
	}
	mbedtls_x509_crt_init(&ca->chain);
	/* Positive: some certificates did not parse; the chain keeps the
	 * rest, and a CA bundle with one bad entry would silently trust
	 * less: refuse it whole. */
	r = mbedtls_x509_crt_parse(&ca->chain, b, len + 1);
	kfree(b);
	if (r) {
		ksnprintf(err, errlen, r > 0 ? "%d certificates did not parse" :
			  "not a PEM certificate (mbedtls -0x%04x)", r > 0 ? r : -r);
		mbedtls_x509_crt_free(&ca->chain);
		kfree(ca);
		return -EINVAL;
	}
	*out = ca;
	return 0;
}

#if defined(MBEDTLS_PLATFORM_GMTIME_R_ALT)
/* mbedtls's hook for certificate dates (MBEDTLS_PLATFORM_GMTIME_R_ALT). */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm)
{
	struct rtc_tm r;

	rtc_from_unix((int64_t)*tt, &r);
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = r.year - 1900;
	tm->tm_mon = r.mon - 1;
	tm->tm_mday = r.mday;
	tm->tm_hour = r.hour;
	tm->tm_min = r.min;
	tm->tm_sec = r.sec;
	tm->tm_wday = r.wday;
	return tm;
}
#endif

/* Without a plausible clock, the dates of a client's chain are not held
 * against it (each such handshake says so in the log): refusing every
 * operator of a host whose RTC battery died would lock them out. */
static int dates_untrusted(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	(void)ctx;
	(void)crt;
	if (*flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
		pr_warn("tls: certificate dates not checked at depth %d: the host's clock is not "
			"plausible", depth);
		*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	}
	return 0;
}

int crypto_tls_require_client(void *tls, const struct crypto_ca *ca)
{
	mbedtls_ssl_context *ssl = tls;

	if (!ssl || !ca)
		return -EINVAL;
	if (!time_unix_trusted())
		mbedtls_ssl_set_verify(ssl, dates_untrusted, NULL);
	/* The only per-connection way to get mutual authentication out of
	 * lwIP 2.1's altcp_tls, whose server config has no CA and
	 * VERIFY_OPTIONAL (kernel/mbedtls/mbedtls_config.h). */
	mbedtls_ssl_set_hs_ca_chain(ssl, (mbedtls_x509_crt *)&ca->chain, NULL);
	mbedtls_ssl_set_hs_authmode(ssl, MBEDTLS_SSL_VERIFY_REQUIRED);
	return 0;
}

/* The subject and role of a parsed certificate (crypto_cert_identity). */
static void identity(const mbedtls_x509_crt *crt, char *subject, size_t len, bool *admin)
{
	const mbedtls_x509_name *n;
	unsigned ous = 0;
	bool is_admin = false;

	int r = mbedtls_x509_dn_gets(subject, len, &crt->subject);

	/* Too long: what was written is a terminated prefix (mbedtls writes
	 * with snprintf), the identity cut as rpc.h says. */
	if (r == MBEDTLS_ERR_X509_BUFFER_TOO_SMALL)
		subject[len - 1] = 0;
	else if (r < 0)
		ksnprintf(subject, len, "(unprintable subject)");
	for (size_t i = 0; subject[i]; i++)
		if (subject[i] < 0x20 || subject[i] > 0x7e)
			subject[i] = '?';
	for (n = &crt->subject; n; n = n->next) {
		if (!n->oid.p || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORG_UNIT, &n->oid))
			continue;
		ous++;
		is_admin = n->val.len == 5 && !memcmp(n->val.p, "admin", 5);
	}
	*admin = ous == 1 && is_admin;
}

int crypto_cert_identity(const void *der, size_t der_len, char *subject, size_t len, bool *admin)
{
	mbedtls_x509_crt crt;
	int r;

	*admin = false;
	if (!len)
		return -EINVAL;
	mbedtls_x509_crt_init(&crt);
	r = mbedtls_x509_crt_parse_der(&crt, der, der_len);
	if (!r)
		identity(&crt, subject, len, admin);
	mbedtls_x509_crt_free(&crt);
	return r ? -EINVAL : 0;
}

bool crypto_tls_established(void *tls)
{
	return tls && ((mbedtls_ssl_context *)tls)->state == MBEDTLS_SSL_HANDSHAKE_OVER;
}

int crypto_tls_peer(void *tls, char *subject, size_t len, bool *admin)
{
	const mbedtls_x509_crt *crt = tls ? mbedtls_ssl_get_peer_cert(tls) : NULL;

	*admin = false;
	if (!crt || !len)
		return -ENOENT;
	identity(crt, subject, len, admin);
	return 0;
}

int crypto_cert_fingerprint(const char *pem, size_t len, uint8_t out[SHA256_LEN])
{
	unsigned char *b = with_nul(pem, len);
	mbedtls_x509_crt crt;
	int r;

	if (!b)
		return -ENOMEM;
	mbedtls_x509_crt_init(&crt);
	/* Positive: some block did not parse, maybe the first. */
	r = mbedtls_x509_crt_parse(&crt, b, len + 1);
	if (!r)
		r = mbedtls_sha256_ret(crt.raw.p, crt.raw.len, out, 0);
	mbedtls_x509_crt_free(&crt);
	kfree(b);
	return r ? -EINVAL : 0;
}

static int rng(void *unused, unsigned char *buf, size_t len)
{
	(void)unused;
	return drbg_random(buf, len) ? MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED : 0;
}

#define PEM_MAX 2048

int crypto_host_selfsigned(const char *hostname, char **cert, size_t *cert_len,
			   char **key, size_t *key_len)
{
	mbedtls_pk_context pk;
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	unsigned char sn[16];
	char name[96];
	char *c = kzalloc(PEM_MAX), *k = kzalloc(PEM_MAX);
	int r;

	mbedtls_pk_init(&pk);
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	r = !c || !k ? -ENOMEM : 0;
	if (!r && (drbg_random(sn, sizeof(sn)) ||
		   mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
		   mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), rng, NULL)))
		r = -EIO;
	if (!r) {
		sn[0] &= 0x7f;	/* a positive serial number (RFC 5280 4.1.2.2) */
		ksnprintf(name, sizeof(name), "CN=%s,O=Bastion", hostname);
		mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
		mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
		mbedtls_x509write_crt_set_subject_key(&w, &pk);
		mbedtls_x509write_crt_set_issuer_key(&w, &pk);
		if (mbedtls_mpi_read_binary(&serial, sn, sizeof(sn)) ||
		    mbedtls_x509write_crt_set_serial(&w, &serial) ||
		    mbedtls_x509write_crt_set_subject_name(&w, name) ||
		    mbedtls_x509write_crt_set_issuer_name(&w, name) ||
		    mbedtls_x509write_crt_set_validity(&w, "20000101000000", "20991231235959") ||
		    mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1) ||
		    mbedtls_x509write_crt_pem(&w, (unsigned char *)c, PEM_MAX, rng, NULL) ||
		    mbedtls_pk_write_key_pem(&pk, (unsigned char *)k, PEM_MAX))
			r = -ENOMEM;
	}
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&w);
	mbedtls_pk_free(&pk);
	if (r) {
		if (k)
			memset(k, 0, PEM_MAX);
		kfree(c);
		kfree(k);
		return r;
	}
	*cert = c;
	*cert_len = strlen(c) + 1;
	*key = k;
	*key_len = strlen(k) + 1;
	return 0;
}
