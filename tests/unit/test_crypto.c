/* Unit tests of kernel/crypto.c on the host's mbedtls: SHA-256 (the NIST
 * vectors, any split into updates, allocation failure), the identity and
 * role of a client certificate (admin only with exactly one OU, exactly
 * "admin"; the subject always printable and cut to the buffer), the
 * fingerprint against openssl's, the operator CA (a bundle with one bad
 * entry is refused whole) and the host's self-signed certificate.
 *
 * The certificates are made by openssl at build time (test_crypto.mk)
 * into CRYPTO_DATA_DIR. */
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

#include "kernel/base64.h"
#include "kernel/crypto.h"
#include "kernel/heap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* tests/unit/support/rpc_stubs.c, crypto_stubs.c */
extern long stub_alloc_fail_at;
extern bool stub_drbg_fail;
extern unsigned long stub_drbg_calls;

/* ---------------------------------------------------------------- helpers */

/* A fixture file, NUL-terminated (the NUL not counted in *len). */
static char *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *b;
	long n;

	snprintf(path, sizeof(path), "%s/%s", CRYPTO_DATA_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void sha(const void *data, size_t n, uint8_t out[SHA256_LEN])
{
	struct sha256 *h = crypto_sha256_begin();

	assert_non_null(h);
	crypto_sha256_update(h, data, n);
	crypto_sha256_end(h, out);
}

static void assert_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	assert_true(n < cap);
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			fail_msg("byte 0x%02x at %zu of \"%s\"", (unsigned char)s[i], i, s);
}

/* The identity of a fixture, with every check that holds for any. */
static int identity(const char *file, char *subject, size_t len, bool *admin)
{
	size_t n;
	char *der = slurp(file, &n);
	int r;

	memset(subject, 0x5a, len);
	*admin = true;
	r = crypto_cert_identity(der, n, subject, len, admin);
	free(der);
	if (!r)
		assert_printable(subject, len);
	else
		assert_false(*admin);
	return r;
}

/* The operator CAs parsed here: kept, as the kernel keeps its one (there
 * is no crypto_ca_free), so that LeakSanitizer sees them reachable. */
static struct crypto_ca *kept_cas[32];
static unsigned nkept;

static int ca_parse(const char *pem, size_t len, char *err, size_t errlen)
{
	struct crypto_ca *ca = NULL;
	int r = crypto_ca_parse(pem, len, &ca, err, errlen);

	if (r) {
		assert_null(ca);
	} else {
		assert_non_null(ca);
		assert_true(nkept < ARRAY_SIZE(kept_cas));
		kept_cas[nkept++] = ca;
	}
	return r;
}

/* The DER of the first certificate of a PEM (our own decoder). */
static size_t pem_to_der(const char *pem, uint8_t *der, size_t cap)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
	const char *p = strstr(pem, begin), *end;
	char *text;
	size_t n = 0;
	long r;

	assert_non_null(p);
	p += strlen(begin);
	end = strstr(p, "-----END CERTIFICATE-----");
	assert_non_null(end);
	text = malloc((size_t)(end - p));
	for (; p < end; p++)
		if (*p != '\n')
			text[n++] = *p;
	r = base64_decode(text, n, der, cap);
	free(text);
	assert_true(r > 0);
	return (size_t)r;
}

static int setup(void **state)
{
	stub_alloc_fail_at = -1;
	stub_drbg_fail = false;
	return 0;
}

static int teardown(void **state)
{
	stub_alloc_fail_at = -1;
	stub_drbg_fail = false;
	return 0;
}

/* ---------------------------------------------------------------- SHA-256 */

/* FIPS 180-2 appendix B and the empty message. */
static void test_sha256_vectors(void **state)
{
	static const struct { const char *msg, *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	uint8_t want[SHA256_LEN], got[SHA256_LEN];
	struct sha256 *h;
	char a[1000];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		unhex(v[i].hex, want, SHA256_LEN);
		sha(v[i].msg, strlen(v[i].msg), got);
		assert_memory_equal(got, want, SHA256_LEN);
	}
	/* A million 'a', a thousand at a time. */
	memset(a, 'a', sizeof(a));
	h = crypto_sha256_begin();
	assert_non_null(h);
	for (int i = 0; i < 1000; i++)
		crypto_sha256_update(h, a, sizeof(a));
	crypto_sha256_end(h, got);
	unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want, SHA256_LEN);
	assert_memory_equal(got, want, SHA256_LEN);
}

/* Any split into updates (empty ones too) gives the one-shot hash. */
static void test_sha256_pieces(void **state)
{
	static uint8_t data[300];
	uint8_t whole[SHA256_LEN], got[SHA256_LEN];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	sha(data, sizeof(data), whole);
	for (size_t a = 0; a <= sizeof(data); a++) {
		size_t b = a + (sizeof(data) - a) / 2;
		struct sha256 *h = crypto_sha256_begin();

		assert_non_null(h);
		crypto_sha256_update(h, data, a);
		crypto_sha256_update(h, data + a, 0);
		crypto_sha256_update(h, data + a, b - a);
		crypto_sha256_update(h, data + b, sizeof(data) - b);
		crypto_sha256_end(h, got);
		assert_memory_equal(got, whole, SHA256_LEN);
	}
}

static void test_sha256_free_nomem(void **state)
{
	struct sha256 *h = crypto_sha256_begin();

	assert_non_null(h);
	crypto_sha256_update(h, "abandoned", 9);
	crypto_sha256_free(h);		/* LeakSanitizer checks it is gone */
	crypto_sha256_free(NULL);
	stub_alloc_fail_at = 0;
	assert_null(crypto_sha256_begin());
	stub_alloc_fail_at = -1;
}

/* ---------------------------------------------------------------- identity */

/* Admin exactly when the subject has one OU and it is "admin": not the
 * issuer's OU, not a CN or O of "admin", not a near miss. */
static void test_identity_roles(void **state)
{
	static const struct { const char *file, *subject; bool admin; } v[] = {
		{ "admin.der", "CN=a, O=Bastion, OU=admin", true },
		{ "read-only.der", "CN=b, O=Bastion, OU=read-only", false },
		{ "no-ou.der", "CN=c, O=Bastion", false },
		{ "admin-admin.der", "CN=d, O=Bastion, OU=admin, OU=admin", false },
		{ "admin-x.der", "CN=e, OU=admin, OU=x", false },
		{ "x-admin.der", "CN=e, OU=x, OU=admin", false },
		{ "cap-admin.der", "CN=f, OU=Admin", false },
		{ "admin-space.der", "CN=g, OU=admin ", false },
		{ "space-admin.der", "CN=g, OU= admin", false },
		{ "adminx.der", "CN=h, OU=adminx", false },
		{ "admi.der", "CN=h, OU=admi", false },
		{ "cn-admin.der", "CN=admin, O=admin", false },
		{ "only-ou.der", "OU=admin", true },
		{ "multi-rdn.der", NULL, true },
		{ "multi-rdn-two.der", NULL, false },
		{ "printable.der", "CN=p, O=Bastion, OU=admin", true },
		{ "issued.der", "CN=j, O=Bastion", false },
		{ "issued-admin.der", "CN=k, O=Bastion, OU=admin", true },
		{ "ca.der", "CN=Bastion test CA, O=Bastion, OU=admin", true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char subject[256];
		bool admin;

		assert_int_equal(identity(v[i].file, subject, sizeof(subject), &admin), 0);
		if (v[i].subject && strcmp(subject, v[i].subject))
			fail_msg("%s: subject \"%s\", not \"%s\"", v[i].file, subject, v[i].subject);
		if (admin != v[i].admin)
			fail_msg("%s (%s): admin %d", v[i].file, subject, admin);
	}
}

/* Control characters, DEL and bytes past ASCII come out as '?'. */
static void test_identity_printable(void **state)
{
	char subject[256];
	bool admin;

	assert_int_equal(identity("control.der", subject, sizeof(subject), &admin), 0);
	assert_string_equal(subject, "CN=c?x?y??z, OU=read-only");
	assert_false(admin);
}

/* Every buffer size: NUL-terminated inside it, printable, and the role
 * does not depend on it. */
static void test_identity_buffer_sizes(void **state)
{
	static const char *const files[] = { "admin.der", "read-only.der", "control.der", "long.der" };
	char full[1024], *subject;
	bool admin, full_admin;

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		size_t n;

		assert_int_equal(identity(files[f], full, sizeof(full), &full_admin), 0);
		n = strlen(full);
		for (size_t len = 1; len <= n + 2; len++) {
			subject = malloc(len);	/* exactly len bytes, for ASan */
			assert_int_equal(identity(files[f], subject, len, &admin), 0);
			assert_int_equal(admin, full_admin);
			if (len > n)
				assert_string_equal(subject, full);
			free(subject);
		}
		subject = malloc(1);
		*subject = 'x';
		admin = true;
		assert_int_equal(crypto_cert_identity("", 0, subject, 0, &admin), -EINVAL);
		assert_false(admin);
		assert_int_equal(*subject, 'x');
		free(subject);
	}
	/* The long one is longer than a session identity, and admin. */
	assert_int_equal(identity("long.der", full, sizeof(full), &admin), 0);
	assert_true(strlen(full) > 255);
	assert_true(admin);
	/* In a session identity's 256 bytes it is cut, not replaced. */
	{
		char cut[256];

		assert_int_equal(identity("long.der", cut, sizeof(cut), &admin), 0);
		assert_int_equal(strlen(cut), 255);
		assert_memory_equal(cut, full, 255);
	}
}

/* Anything but a DER certificate: -EINVAL, never admin. */
static void test_identity_garbage(void **state)
{
	static uint8_t junk[512];
	char subject[256], *pem;
	size_t n, pn;
	bool admin;
	char *der = slurp("admin.der", &n);

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 17);
	admin = true;
	assert_int_equal(crypto_cert_identity(junk, sizeof(junk), subject, sizeof(subject), &admin),
			 -EINVAL);
	assert_false(admin);
	admin = true;
	assert_int_equal(crypto_cert_identity(junk, 0, subject, sizeof(subject), &admin), -EINVAL);
	assert_false(admin);
	/* Every truncation of a good one. */
	for (size_t len = 0; len < n; len++) {
		uint8_t *p = malloc(len ? len : 1);

		memcpy(p, der, len);
		admin = true;
		assert_int_equal(crypto_cert_identity(p, len, subject, sizeof(subject), &admin),
				 -EINVAL);
		assert_false(admin);
		free(p);
	}
	/* mbedtls refuses an empty subject (and issuer). */
	assert_int_equal(identity("empty.der", subject, sizeof(subject), &admin), -EINVAL);
	/* PEM is not DER. */
	pem = slurp("ca.pem", &pn);
	admin = true;
	assert_int_equal(crypto_cert_identity(pem, pn, subject, sizeof(subject), &admin), -EINVAL);
	assert_int_equal(crypto_cert_identity(pem, pn + 1, subject, sizeof(subject), &admin),
			 -EINVAL);
	assert_false(admin);
	free(pem);
	free(der);
}

/* ---------------------------------------------------------------- fingerprint */

/* PEM blocks that are no certificate: a DER SEQUENCE { INTEGER 0 }, and
 * not base64. */
static const char bad_entry[] =
	"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
static const char bad_base64[] =
	"-----BEGIN CERTIFICATE-----\nMAMC!!!!\n-----END CERTIFICATE-----\n";


/* "sha256 Fingerprint=AB:CD:..." as openssl prints it. */
static void openssl_fp(const char *file, uint8_t out[SHA256_LEN])
{
	size_t n;
	char *t = slurp(file, &n), *p = strchr(t, '=');

	assert_non_null(p);
	p++;
	for (int i = 0; i < SHA256_LEN; i++) {
		unsigned v;

		assert_int_equal(sscanf(p + 3 * i, "%2X", &v), 1);
		assert_true(i == SHA256_LEN - 1 || p[3 * i + 2] == ':');
		out[i] = (uint8_t)v;
	}
	free(t);
}

static void test_fingerprint(void **state)
{
	uint8_t want[SHA256_LEN], want2[SHA256_LEN], got[SHA256_LEN], der[2048];
	size_t n, n2, dn;
	char *pem = slurp("ca.pem", &n), *pem2 = slurp("ca2.pem", &n2), *b;

	openssl_fp("ca.fp", want);
	openssl_fp("ca2.fp", want2);
	assert_memory_not_equal(want, want2, SHA256_LEN);
	assert_int_equal(crypto_cert_fingerprint(pem, n, got), 0);
	assert_memory_equal(got, want, SHA256_LEN);
	assert_int_equal(crypto_cert_fingerprint(pem2, n2, got), 0);
	assert_memory_equal(got, want2, SHA256_LEN);
	/* With its NUL counted, too. */
	assert_int_equal(crypto_cert_fingerprint(pem, n + 1, got), 0);
	assert_memory_equal(got, want, SHA256_LEN);
	/* It is the SHA-256 of the DER. */
	dn = pem_to_der(pem, der, sizeof(der));
	sha(der, dn, got);
	assert_memory_equal(got, want, SHA256_LEN);

	/* A bundle: the first certificate's. */
	b = malloc(n + n2);
	memcpy(b, pem, n);
	memcpy(b + n, pem2, n2);
	assert_int_equal(crypto_cert_fingerprint(b, n + n2, got), 0);
	assert_memory_equal(got, want, SHA256_LEN);
	memcpy(b, pem2, n2);
	memcpy(b + n2, pem, n);
	assert_int_equal(crypto_cert_fingerprint(b, n + n2, got), 0);
	assert_memory_equal(got, want2, SHA256_LEN);
	free(b);
	/* A first block that does not parse: not the second's fingerprint. */
	{
		static const char junk[] = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n"
					   "-----END CERTIFICATE-----\n";

		b = malloc(sizeof(junk) - 1 + n);
		memcpy(b, junk, sizeof(junk) - 1);
		memcpy(b + sizeof(junk) - 1, pem, n);
		assert_int_equal(crypto_cert_fingerprint(b, sizeof(junk) - 1 + n, got), -EINVAL);
		free(b);
	}

	/* Not a certificate. */
	assert_int_equal(crypto_cert_fingerprint("", 0, got), -EINVAL);
	assert_int_equal(crypto_cert_fingerprint("hello", 5, got), -EINVAL);
	assert_int_equal(crypto_cert_fingerprint(pem, n / 2, got), -EINVAL);
	assert_int_equal(crypto_cert_fingerprint(bad_entry, strlen(bad_entry), got), -EINVAL);
	stub_alloc_fail_at = 0;
	assert_int_equal(crypto_cert_fingerprint(pem, n, got), -ENOMEM);
	stub_alloc_fail_at = -1;
	free(pem);
	free(pem2);
}

/* ---------------------------------------------------------------- operator CA */

static void test_ca_parse(void **state)
{
	size_t n, n2;
	char *pem = slurp("ca.pem", &n), *pem2 = slurp("ca2.pem", &n2), *b, err[128];

	err[0] = 0;
	assert_int_equal(ca_parse(pem, n, err, sizeof(err)), 0);
	assert_int_equal(ca_parse(pem, n + 1, err, sizeof(err)), 0);	/* NUL counted */
	assert_int_equal(ca_parse(pem2, n2, err, sizeof(err)), 0);
	/* Two good ones. */
	b = malloc(2 * n + 2 * n2 + 2 * sizeof(bad_entry));
	memcpy(b, pem, n);
	memcpy(b + n, pem2, n2);
	assert_int_equal(ca_parse(b, n + n2, err, sizeof(err)), 0);

	/* Garbage, and nothing. */
	assert_int_equal(ca_parse("hello", 5, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a PEM certificate (mbedtls -0x"));
	assert_int_equal(ca_parse("", 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(ca_parse(pem, n / 2, err, sizeof(err)), -EINVAL);
	assert_int_equal(ca_parse(bad_entry, strlen(bad_entry), err, sizeof(err)), -EINVAL);
	assert_int_equal(ca_parse(bad_base64, strlen(bad_base64), err, sizeof(err)), -EINVAL);

	/* A bundle with one bad entry, wherever it is, is refused whole. */
	static const struct { const char *bad; } bads[] = { { bad_entry }, { bad_base64 } };

	for (size_t k = 0; k < ARRAY_SIZE(bads); k++) {
		size_t bl = strlen(bads[k].bad);

		for (int where = 0; where < 3; where++) {
			size_t o = 0;

			if (where == 0) {
				memcpy(b + o, bads[k].bad, bl), o += bl;
			}
			memcpy(b + o, pem, n), o += n;
			if (where == 1) {
				memcpy(b + o, bads[k].bad, bl), o += bl;
			}
			memcpy(b + o, pem2, n2), o += n2;
			if (where == 2) {
				memcpy(b + o, bads[k].bad, bl), o += bl;
			}
			err[0] = 0;
			if (ca_parse(b, o, err, sizeof(err)) != -EINVAL)
				fail_msg("bundle with a bad entry (%zu) at %d accepted", k, where);
			assert_string_equal(err, "1 certificates did not parse");
		}
	}

	/* A short err is cut, NUL-terminated. */
	memset(err, 0x5a, sizeof(err));
	assert_int_equal(ca_parse("hello", 5, err, 8), -EINVAL);
	assert_int_equal(strlen(err), 7);
	assert_int_equal((unsigned char)err[8], 0x5a);

	/* Each allocation of ours failing. */
	for (long i = 0; i < 2; i++) {
		stub_alloc_fail_at = i;
		assert_int_equal(ca_parse(pem, n, err, sizeof(err)), -ENOMEM);
		stub_alloc_fail_at = -1;
	}
	free(b);
	free(pem);
	free(pem2);
}

/* ---------------------------------------------------------------- host certificate */

static void test_host_selfsigned(void **state)
{
	char *cert = NULL, *key = NULL, subject[256], err[128];
	size_t cert_len = 0, key_len = 0, dn;
	uint8_t der[2048], fp[SHA256_LEN], h[SHA256_LEN];
	unsigned long calls = stub_drbg_calls;
	bool admin = true;

	assert_int_equal(crypto_host_selfsigned("bastion-test", &cert, &cert_len, &key, &key_len), 0);
	assert_true(stub_drbg_calls > calls);	/* the serial and the key */
	assert_non_null(cert);
	assert_non_null(key);
	assert_int_equal(cert_len, strlen(cert) + 1);
	assert_int_equal(key_len, strlen(key) + 1);
	assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(key, "-----BEGIN EC PRIVATE KEY-----"));
	for (size_t i = 0; i + 1 < cert_len; i++)
		assert_true(cert[i] == '\n' || (cert[i] >= 0x20 && cert[i] <= 0x7e));
	/* Ours to parse back. */
	assert_int_equal(ca_parse(cert, cert_len - 1, err, sizeof(err)), 0);
	assert_int_equal(crypto_cert_fingerprint(cert, cert_len, fp), 0);
	dn = pem_to_der(cert, der, sizeof(der));
	sha(der, dn, h);
	assert_memory_equal(fp, h, SHA256_LEN);
	assert_int_equal(crypto_cert_identity(der, dn, subject, sizeof(subject), &admin), 0);
	assert_string_equal(subject, "CN=bastion-test, O=Bastion");
	assert_false(admin);
	kfree(cert);
	kfree(key);

	/* No entropy, no memory: nothing returned, nothing leaked. */
	cert = key = NULL;
	stub_drbg_fail = true;
	assert_int_equal(crypto_host_selfsigned("h", &cert, &cert_len, &key, &key_len), -EIO);
	stub_drbg_fail = false;
	for (long i = 0; i < 2; i++) {
		stub_alloc_fail_at = i;
		assert_int_equal(crypto_host_selfsigned("h", &cert, &cert_len, &key, &key_len),
				 -ENOMEM);
		stub_alloc_fail_at = -1;
	}
	assert_null(cert);
	assert_null(key);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sha256_vectors),
		T(test_sha256_pieces),
		T(test_sha256_free_nomem),
		T(test_identity_roles),
		T(test_identity_printable),
		T(test_identity_buffer_sizes),
		T(test_identity_garbage),
		T(test_fingerprint),
		T(test_ca_parse),
		T(test_host_selfsigned),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
