/* The operator PKI: an ECDSA P-256 CA, client certificates that carry the
 * role in the subject's OU, and host (server) certificates. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "tools/bastionctl/cli.h"

#define PEM_MAX 4096

struct pki {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key, ca_key;
	mbedtls_x509_crt ca_crt;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
};

static int pfail(const char *fmt, ...)
{
	va_list ap;

	fputs("bastionctl: pki: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_HOST;
}

static int tls_fail(const char *what, int r)
{
	char buf[160];

	mbedtls_strerror(r, buf, sizeof(buf));
	return pfail("%s: %s", what, buf);
}

static void pki_init(struct pki *p)
{
	mbedtls_entropy_init(&p->entropy);
	mbedtls_ctr_drbg_init(&p->drbg);
	mbedtls_pk_init(&p->key);
	mbedtls_pk_init(&p->ca_key);
	mbedtls_x509_crt_init(&p->ca_crt);
	mbedtls_x509write_crt_init(&p->crt);
	mbedtls_mpi_init(&p->serial);
}

static void pki_free(struct pki *p)
{
	mbedtls_mpi_free(&p->serial);
	mbedtls_x509write_crt_free(&p->crt);
	mbedtls_x509_crt_free(&p->ca_crt);
	mbedtls_pk_free(&p->ca_key);
	mbedtls_pk_free(&p->key);
	mbedtls_ctr_drbg_free(&p->drbg);
	mbedtls_entropy_free(&p->entropy);
}

/* Names go into distinguished names unescaped, so only harmless bytes. */
static bool good_name(const char *s, bool spaces)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-@", *s) || (spaces && *s == ' ')))
			return false;
	return true;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return pfail("%s: %s%s", path, strerror(errno),
			     errno == EEXIST ? " (not overwritten)" : "");
	if (fchmod(fd, mode) || write(fd, data, len) != (ssize_t)len || close(fd)) {
		int e = errno;

		unlink(path);
		return pfail("%s: %s", path, strerror(e));
	}
	printf("wrote %s\n", path);
	return 0;
}

/* mkdir -p, private to us. */
static int make_dir(const char *dir)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return pfail("%s: %s", path, strerror(errno));
		*s = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return pfail("%s: %s", path, strerror(errno));
	return 0;
}

/* Refuses early, before any file is written, when one already exists. */
static int check_free(const char *dir, const char *const *names)
{
	char path[1024];

	for (; *names; names++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *names);
		if (!access(path, F_OK))
			return pfail("%s exists (not overwritten)", path);
	}
	return 0;
}

static int new_key(struct pki *p)
{
	static const char pers[] = "bastionctl pki";
	int r;

	if ((r = mbedtls_ctr_drbg_seed(&p->drbg, mbedtls_entropy_func, &p->entropy,
				       (const unsigned char *)pers, sizeof(pers) - 1)))
		return tls_fail("random generator", r);
	if ((r = mbedtls_pk_setup(&p->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) ||
	    (r = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(p->key),
				     mbedtls_ctr_drbg_random, &p->drbg)))
		return tls_fail("key generation", r);
	return 0;
}

static void stamp(char out[15], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

/* Fields every certificate has: version 3, SHA-256, a random positive
 * 128-bit serial (RFC 5280 4.1.2.2), validity from an hour ago. */
static int cert_common(struct pki *p, const char *subject, int64_t days)
{
	unsigned char rnd[16];
	char from[15], to[15];
	time_t now = time(NULL);
	int r;

	mbedtls_x509write_crt_set_version(&p->crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&p->crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&p->crt, &p->key);
	if ((r = mbedtls_ctr_drbg_random(&p->drbg, rnd, sizeof(rnd))))
		return tls_fail("serial", r);
	rnd[0] &= 0x7f;
	rnd[0] |= 0x40;
	if ((r = mbedtls_mpi_read_binary(&p->serial, rnd, sizeof(rnd))) ||
	    (r = mbedtls_x509write_crt_set_serial(&p->crt, &p->serial)))
		return tls_fail("serial", r);
	stamp(from, now - 3600);
	stamp(to, now + (time_t)days * 86400);
	if ((r = mbedtls_x509write_crt_set_validity(&p->crt, from, to)))
		return tls_fail("validity", r);
	if ((r = mbedtls_x509write_crt_set_subject_name(&p->crt, subject)))
		return tls_fail("subject", r);
	if ((r = mbedtls_x509write_crt_set_subject_key_identifier(&p->crt)))
		return tls_fail("subject key identifier", r);
	return 0;
}

static int write_key_and_cert(struct pki *p, const char *dir, const char *crt_name,
			      const char *key_name)
{
	unsigned char pem[PEM_MAX];
	int r;

	if ((r = mbedtls_x509write_crt_pem(&p->crt, pem, sizeof(pem), mbedtls_ctr_drbg_random,
					   &p->drbg)))
		return tls_fail("signing", r);
	if (write_file(dir, crt_name, pem, strlen((char *)pem), 0644))
		return EXIT_HOST;
	if ((r = mbedtls_pk_write_key_pem(&p->key, pem, sizeof(pem))))
		return tls_fail("key", r);
	r = write_file(dir, key_name, pem, strlen((char *)pem), 0600);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return r ? EXIT_HOST : 0;
}

int pki_ca(const struct verb_args *a)
{
	static const char *const files[] = { "ca.pem", "ca-key.pem", NULL };
	const char *name = a->name ? a->name : "Bastion operator CA";
	char subject[160];
	struct pki p;
	int r;

	if (!good_name(name, true))
		return pfail("--name: letters, digits, spaces and ._-@ only, at most 64");
	if (make_dir(a->out) || check_free(a->out, files))
		return EXIT_HOST;
	pki_init(&p);
	snprintf(subject, sizeof(subject), "CN=%s,O=Bastion", name);
	r = new_key(&p);
	if (!r)
		r = cert_common(&p, subject, a->days ? a->days : 3650);
	if (!r) {
		mbedtls_x509write_crt_set_issuer_key(&p.crt, &p.key);
		if ((r = mbedtls_x509write_crt_set_issuer_name(&p.crt, subject)) ||
		    (r = mbedtls_x509write_crt_set_basic_constraints(&p.crt, 1, 0)) ||
		    (r = mbedtls_x509write_crt_set_key_usage(&p.crt, MBEDTLS_X509_KU_KEY_CERT_SIGN |
							     MBEDTLS_X509_KU_CRL_SIGN)) ||
		    (r = mbedtls_x509write_crt_set_authority_key_identifier(&p.crt)))
			r = tls_fail("CA extensions", r);
	}
	if (!r)
		r = write_key_and_cert(&p, a->out, "ca.pem", "ca-key.pem");
	pki_free(&p);
	return r;
}

/* Loads the CA from dir and makes it the issuer. */
static int load_ca(struct pki *p, const char *dir)
{
	char path[1024], dn[512], *s, *d;
	int r;

	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	if ((r = mbedtls_x509_crt_parse_file(&p->ca_crt, path)))
		return tls_fail(path, r);
	snprintf(path, sizeof(path), "%s/ca-key.pem", dir);
	if ((r = mbedtls_pk_parse_keyfile(&p->ca_key, path, NULL)))
		return tls_fail(path, r);
	if (mbedtls_pk_check_pair(&p->ca_crt.pk, &p->ca_key))
		return pfail("%s does not belong to %s/ca.pem", path, dir);
	/* dn_gets writes "CN=x, O=y"; our names hold no commas (good_name),
	 * so dropping the space after each comma gives back the subject. */
	if (mbedtls_x509_dn_gets(dn, sizeof(dn), &p->ca_crt.subject) < 0)
		return pfail("%s/ca.pem: subject too long", dir);
	for (s = d = dn; *s; s++)
		if (!(*s == ' ' && s > dn && s[-1] == ','))
			*d++ = *s;
	*d = 0;
	if ((r = mbedtls_x509write_crt_set_issuer_name(&p->crt, dn)))
		return tls_fail("issuer", r);
	mbedtls_x509write_crt_set_issuer_key(&p->crt, &p->ca_key);
	return 0;
}

/* extKeyUsage with one purpose (RFC 5280 4.2.1.12). */
static int set_eku(struct pki *p, const char *oid, size_t oid_len)
{
	unsigned char buf[32], *c = buf + sizeof(buf);
	int len = 0, r;

	if ((r = mbedtls_asn1_write_oid(&c, buf, oid, oid_len)) < 0)
		return r;
	len += r;
	if ((r = mbedtls_asn1_write_len(&c, buf, (size_t)len)) < 0)
		return r;
	len += r;
	if ((r = mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return r;
	len += r;
	return mbedtls_x509write_crt_set_extension(&p->crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
						   0, c, (size_t)len);
}

/* subjectAltName: dNSName [2] and iPAddress [7] (RFC 5280 4.2.1.6);
 * mbedtls 2.28 has no writer for it. */
static int set_san(struct pki *p, const char *dns, const unsigned char *ip, size_t iplen)
{
	unsigned char buf[256], *c = buf + sizeof(buf);
	int len = 0, r;

	if (ip) {
		if ((r = mbedtls_asn1_write_raw_buffer(&c, buf, ip, iplen)) < 0)
			return r;
		len += r;
		if ((r = mbedtls_asn1_write_len(&c, buf, iplen)) < 0 ||
		    (len += r, r = mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)) < 0)
			return r;
		len += r;
	}
	if ((r = mbedtls_asn1_write_raw_buffer(&c, buf, (const unsigned char *)dns, strlen(dns))) < 0)
		return r;
	len += r;
	if ((r = mbedtls_asn1_write_len(&c, buf, strlen(dns))) < 0 ||
	    (len += r, r = mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)) < 0)
		return r;
	len += r;
	if ((r = mbedtls_asn1_write_len(&c, buf, (size_t)len)) < 0)
		return r;
	len += r;
	if ((r = mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return r;
	len += r;
	return mbedtls_x509write_crt_set_extension(&p->crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
						   0, c, (size_t)len);
}

static int copy_ca(const char *ca_dir, const char *out)
{
	char path[1024], buf[PEM_MAX];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca.pem", ca_dir);
	f = fopen(path, "r");
	if (!f)
		return pfail("%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return write_file(out, "ca.pem", buf, n, 0644) ? EXIT_HOST : 0;
}

static int issue(const struct verb_args *a, const char *subject, bool server,
		 const unsigned char *ip, size_t iplen)
{
	static const char *const files[] = { "cert.pem", "key.pem", "ca.pem", NULL };
	struct pki p;
	int r;

	if (make_dir(a->out) || check_free(a->out, files))
		return EXIT_HOST;
	pki_init(&p);
	r = new_key(&p);
	if (!r)
		r = load_ca(&p, a->ca);
	if (!r)
		r = cert_common(&p, subject, a->days ? a->days : 825);
	if (!r) {
		int e;

		if ((e = mbedtls_x509write_crt_set_basic_constraints(&p.crt, 0, -1)) ||
		    (e = mbedtls_x509write_crt_set_key_usage(&p.crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) ||
		    (e = mbedtls_x509write_crt_set_authority_key_identifier(&p.crt)) ||
		    (e = server ? set_eku(&p, MBEDTLS_OID_SERVER_AUTH,
					  MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH))
				: set_eku(&p, MBEDTLS_OID_CLIENT_AUTH,
					  MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH))) ||
		    (server && (e = set_san(&p, a->name, ip, iplen))))
			r = tls_fail("extensions", e);
	}
	if (!r)
		r = write_key_and_cert(&p, a->out, "cert.pem", "key.pem");
	if (!r)
		r = copy_ca(a->ca, a->out);
	pki_free(&p);
	return r;
}

int pki_client(const struct verb_args *a)
{
	char subject[160];

	if (!good_name(a->name, false))
		return pfail("--name: letters, digits and ._-@ only, at most 64");
	/* The role is the subject's OU: the host maps OU=admin to the admin
	 * role and OU=read-only to read-only (tools/bastionctl/README.md). */
	snprintf(subject, sizeof(subject), "CN=%s,O=Bastion,OU=%s", a->name, a->role);
	return issue(a, subject, false, NULL, 0);
}

int pki_host(const struct verb_args *a)
{
	unsigned char ip[16];
	size_t iplen = 0;
	char subject[160];

	if (!good_name(a->name, false) || strchr(a->name, '@'))
		return pfail("--name: a host name (letters, digits, '.', '-')");
	if (a->ip) {
		if (inet_pton(AF_INET, a->ip, ip) == 1)
			iplen = 4;
		else if (inet_pton(AF_INET6, a->ip, ip) == 1)
			iplen = 16;
		else
			return pfail("--ip: not an IPv4 or IPv6 address: %s", a->ip);
	}
	snprintf(subject, sizeof(subject), "CN=%s,O=Bastion", a->name);
	return issue(a, subject, true, iplen ? ip : NULL, iplen);
}
