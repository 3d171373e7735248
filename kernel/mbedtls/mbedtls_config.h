/*
 * mbedtls 2.28 configuration for Bastion (used through
 * -DMBEDTLS_CONFIG_FILE, replacing mbedtls/config.h wholesale).
 *
 * What it is for: the RPC console, a TLS 1.2 server with mutual
 * certificate authentication over lwIP's altcp_tls, and TLS 1.2 clients
 * (fetching images). Everything else is off: each module here is code a
 * network peer can reach. Built with the kernel's flags, so no SSE, no
 * libc beyond kernel/libc, no files, sockets or OS entropy.
 */
#ifndef BASTION_MBEDTLS_CONFIG_H
#define BASTION_MBEDTLS_CONFIG_H

/* ---------------------------------------------------------- platform */

/* x86_64 inline assembly in bignum (mulq, adc): general registers only. */
#define MBEDTLS_HAVE_ASM

/* Without this, bignum divides a 128-bit value by a 64-bit one in C,
 * which gcc turns into a call to libgcc's __udivti3: the kernel does
 * not link libgcc. */
#define MBEDTLS_NO_UDBL_DIVISION

/* mbedtls_platform_zeroize() and friends. calloc/free are the plain C
 * names, which kernel/libc maps onto the kernel heap (kcalloc zeroes and
 * checks n * size for overflow, as mbedtls requires).
 * MBEDTLS_PLATFORM_MEMORY stays off on purpose: with it, lwIP's
 * altcp_tls_mbedtls_mem.c would reroute every mbedtls allocation into
 * lwIP's mem_malloc() behind a size check that trusts c * len. */
#define MBEDTLS_PLATFORM_C

/* Certificate validity dates are checked against the host's RTC: time()
 * is drivers/cmos.c's, and gmtime_r is ours (kernel/crypto.c: the C
 * library's needs <unistd.h> and POSIX). When the RTC is not plausible
 * the dates are not checked, loudly (kernel/crypto.c). */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_GMTIME_R_ALT

/* Entropy: no /dev/urandom, no timing or HAVEGE sources. The one strong
 * source is mbedtls_hardware_poll() in kernel/drbg.c, on entropy_get()
 * (RDSEED/RDRAND). altcp_tls_mbedtls.c seeds its own CTR-DRBG from it. */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_C

/* Known-answer tests, so the kernel can check the primitives at boot
 * (drbg_selftest()). */
#define MBEDTLS_SELF_TEST

/* ---------------------------------------------------------- primitives */

#define MBEDTLS_AES_C
/* Constant tables in .rodata instead of tables generated on first use
 * into .bss: nothing to race on between CPUs, and read-only (W^X). */
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C

#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C		/* also SHA-384 */

#define MBEDTLS_CTR_DRBG_C
/* Deterministic ECDSA (RFC 6979) needs HMAC-DRBG: a signature nonce
 * that does not depend on the RNG, so a weak RNG cannot leak the key. */
#define MBEDTLS_HMAC_DRBG_C

#define MBEDTLS_BIGNUM_C
/* RSA is for verifying peer certificates only; 4096-bit moduli at most.
 * The default (8192 bits) doubles the stack buffers rsa.c sizes by it. */
#define MBEDTLS_MPI_MAX_SIZE		512

#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM		/* fast reduction for NIST primes */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15

/* ---------------------------------------------------------- keys, X.509 */

#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C		/* ECDSA signatures are DER */
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C		/* the operator CA comes as PEM */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* A host without a key in its boot config makes one at boot, with a
 * self-signed certificate whose fingerprint it prints (kernel/crypto.c). */
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_PEM_WRITE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C
/* Enforce keyUsage and extendedKeyUsage (serverAuth/clientAuth): an
 * operator's client certificate must not pass as a server's, and back. */
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

/* ---------------------------------------------------------- TLS */

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2	/* and nothing older */

#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
/* Lets our clients talk to servers with RSA certificates. */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED

/* Forward-secret AEAD suites only. ChaCha20-Poly1305 first: without
 * AES-NI (ruled out by -mgeneral-regs-only) AES runs on lookup tables,
 * which are slower and leak key bits through cache timing; ChaCha20 is
 * constant-time in plain C. The server's order wins (mbedtls default). */
#define MBEDTLS_SSL_CIPHERSUITES \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, \
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, \
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256

/* RFC 7627: binds the master secret to the handshake transcript. */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Peers learn why a handshake failed (STYLE: a clear error). */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
/* The console logs which operator certificate made each audited call. */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
/* SNI for our clients (virtual-hosted image servers). It also brings
 * mbedtls_ssl_set_hs_ca_chain()/_set_hs_authmode(), the only way to get
 * mutual authentication out of lwIP 2.1's altcp_tls, which configures
 * every server with no CA and MBEDTLS_SSL_VERIFY_OPTIONAL: the console
 * sets the operator CA and VERIFY_REQUIRED on each accepted connection
 * (its accept callback runs before the handshake). */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION

/* No renegotiation, session tickets, session cache, DTLS, compression or
 * debug output: unused surface. Record buffers keep the 16 KiB default,
 * as a TLS 1.2 peer may send full-size records. */

#include "mbedtls/check_config.h"

#endif
