/* The RPC console over the network: TLS 1.2 with mutual authentication
 * on the management port (net/netstack.h). Clients present a certificate
 * signed by the boot config's operator CA; its subject is the session's
 * identity in the audit log and its OU the role (kernel/crypto.h). Limits:
 * REMOTE_SESSIONS at once (one more gets a JSON-RPC error and is closed),
 * a handshake and first request within REMOTE_HANDSHAKE_MS, at most
 * REMOTE_PENDING_PER_ADDR handshakes in progress from one address, and an
 * idle limit.
 *
 * [T] Runs on the console service task, as the management port does. */
#ifndef KERNEL_REMOTE_H
#define KERNEL_REMOTE_H

#include <stdint.h>

struct bootcfg;
struct rpc_server;

#define REMOTE_SESSIONS      4
#define REMOTE_PENDING_PER_ADDR 2	/* handshakes in progress from one address */
#define REMOTE_HANDSHAKE_MS  10000
#define REMOTE_IDLE_MS       300000	/* 5 minutes without a request */

/* Listens on the configured port. Without an operator CA remote
 * management stays off (returns -ENOENT, logged); without a host key and
 * certificate in the config, makes them and logs the certificate's
 * fingerprint. Returns 0 or a negative errno (logged). */
int remote_start(const struct bootcfg *c, const struct rpc_server *srv);

/* Live sessions (handshakes included). */
unsigned remote_sessions(void);

#endif
