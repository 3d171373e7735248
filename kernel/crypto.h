/* SHA-256, certificates and TLS peers: the kernel's use of mbedtls beyond
 * the DRBG (kernel/drbg.h). Nothing here includes mbedtls: kernel/crypto.c
 * is the adapter (STYLE: third-party code stays in quarantine). */
#ifndef KERNEL_CRYPTO_H
#define KERNEL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* Incremental SHA-256. Returns NULL (no memory) or a context that
 * crypto_sha256_end() frees (and crypto_sha256_free() for a hash that is
 * abandoned). */
struct sha256;
struct sha256 *crypto_sha256_begin(void);
void crypto_sha256_update(struct sha256 *h, const void *data, size_t len);
void crypto_sha256_end(struct sha256 *h, uint8_t out[SHA256_LEN]);
void crypto_sha256_free(struct sha256 *h);

/* The operator CA: one or more PEM certificates (the NUL is added here).
 * Returns 0, -EINVAL (nothing parsable; err says why), -ENOMEM. */
struct crypto_ca;
int crypto_ca_parse(const char *pem, size_t len, struct crypto_ca **out, char *err, size_t errlen);

/* On an accepted TLS connection (its mbedtls context, from
 * net/netstack.h), before its handshake: the client must present a
 * certificate that chains to ca, or the handshake fails. Returns 0 or
 * -EINVAL. */
int crypto_tls_require_client(void *tls, const struct crypto_ca *ca);

/* After the handshake: the client certificate's subject (printable
 * ASCII, at most len - 1 bytes) and whether its role is admin: exactly
 * one organizationalUnitName, equal to "admin" (tools/bastionctl/README.md);
 * anything else is read-only. Returns 0, or -ENOENT (no certificate). */
int crypto_tls_peer(void *tls, char *subject, size_t len, bool *admin);

/* Whether the connection's handshake is over. */
bool crypto_tls_established(void *tls);

/* The same for a DER certificate (no chain check): 0 or -EINVAL. */
int crypto_cert_identity(const void *der, size_t der_len, char *subject, size_t len, bool *admin);

/* The SHA-256 of the first certificate in a PEM (the fingerprint
 * operators compare). Returns 0 or -EINVAL. */
int crypto_cert_fingerprint(const char *pem, size_t len, uint8_t out[SHA256_LEN]);

/* Makes a host key (ECDSA P-256) and a self-signed certificate for
 * hostname, valid from 2000 to 2100 (the host has no trusted clock), as
 * NUL-terminated PEM in heap buffers the caller keeps; lengths include
 * the NUL. Returns 0, -ENOMEM, -EIO (entropy). */
int crypto_host_selfsigned(const char *hostname, char **cert, size_t *cert_len,
			   char **key, size_t *key_len);

#endif
