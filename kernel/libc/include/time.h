/* Intentionally empty: mbedtls's x509_crt.c includes <time.h> whatever its
 * configuration, but uses it only with MBEDTLS_HAVE_TIME, which Bastion
 * leaves off (no wall clock yet). Kernel time is kernel/time.h. */
#ifndef _BASTION_TIME_H
#define _BASTION_TIME_H
#endif
