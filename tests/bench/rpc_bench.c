/* Management port benchmark (a host program, not a test): how fast a
 * Bastion host answers JSON-RPC over mutual TLS (kernel/RPC.md).
 *
 *   rpc     one connection, host.info requests back to back (one
 *           outstanding): round trips per second;
 *   handshake  connect, full TLS 1.2 handshake with both certificates,
 *           one rpc.ping, close: handshakes per second;
 *   upload  image.begin, image.chunk (32 KiB a chunk, as `bastionctl vm
 *           upload` sends), image.commit of --upload-mib MiB of random
 *           data: MiB per second.
 *
 * --raw is for the comparison with `openssl s_server -rev` (which sends
 * every line back reversed): the same request lines go out, but any line
 * back is the answer. The raw handshake does one such line round trip
 * instead of rpc.ping, so both sides do one handshake and one round trip
 * per connection. Upload has nothing to compare with there.
 *
 * The client is bastionctl's own: net.c for TCP and TLS (mbedtls), rpc.c
 * for requests and line framing, fmt.c for base64 and the table, args.c
 * for --host. So a connection here costs what it costs bastionctl,
 * including loading the certificate, key and CA on every net_open(): that
 * client-side share is the same against either server.
 * net.c sets TCP_NODELAY and offers P-256 first, as bastionctl does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/bastionctl/cli.h"

#define MIB           (1024 * 1024)

enum mode { M_RPC, M_HANDSHAKE, M_UPLOAD, M_COUNT };

static const char *const mode_name[M_COUNT] = {
	[M_RPC] = "rpc", [M_HANDSHAKE] = "handshake", [M_UPLOAD] = "upload",
};

static const char *const mode_unit[M_COUNT] = {
	[M_RPC] = "round trips/s", [M_HANDSHAKE] = "handshakes/s", [M_UPLOAD] = "MiB/s",
};

struct bench {
	struct opts o;		/* what net_open() reads: host, port, cert, key, ca, timeout */
	double seconds;
	unsigned upload_mib;
	bool raw;
	bool modes[M_COUNT];
};

struct result {
	double count;		/* round trips, handshakes, MiB */
	double seconds;
	int status;		/* EXIT_*; -1: not run */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int connect_host(const struct bench *b, struct conn **c)
{
	char err[512];
	enum net_fail f = net_open(&b->o, c, err, sizeof(err));

	if (f)
		fprintf(stderr, "rpc_bench: %s port %u: %s\n", b->o.host, b->o.port, err);
	return net_fail_exit(f);
}

/* A client on a fresh connection: the line buffer starts empty. */
static void client_attach(struct client *cl, struct conn *c)
{
	cl->conn = c;
	cl->lb.start = cl->lb.len = 0;
}

static int host_error(struct client *cl)
{
	char msg[512];

	rpc_error_text(cl, msg, sizeof(msg));
	fprintf(stderr, "rpc_bench: %s\n", msg);
	return EXIT_HOST;
}

/* The request rpc_call() would send, but any line back is the answer; it
 * must be ours reversed, so a server that is not `s_server -rev` is
 * noticed. */
static int raw_call(struct client *cl, const char *method)
{
	char req[160], *line, *space;
	size_t n, room;
	ssize_t got;
	int len, r;

	len = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"%s\"}\n",
		       (long long)cl->next_id++, method);
	if (cl->conn->send(cl->conn->ctx, req, (size_t)len)) {
		fprintf(stderr, "rpc_bench: raw: sending failed\n");
		return EXIT_CONNECT;
	}
	for (;;) {
		r = lb_next(&cl->lb, &line, &n);
		if (r == 1) {
			bool reversed = n == (size_t)len - 1;

			for (size_t i = 0; reversed && i < n; i++)
				reversed = line[i] == req[n - 1 - i];
			if (reversed)
				return EXIT_OK;
			fprintf(stderr, "rpc_bench: raw: the answer is not our line reversed "
				"(is the server `openssl s_server -rev`?)\n");
			return EXIT_PROTO;
		}
		if (r < 0) {
			fprintf(stderr, "rpc_bench: raw: an answer longer than %d bytes\n",
				RPC_RESPONSE_MAX);
			return EXIT_PROTO;
		}
		space = lb_space(&cl->lb, &room);
		got = cl->conn->recv(cl->conn->ctx, space, room);
		if (got <= 0) {
			fprintf(stderr, "rpc_bench: raw: %s\n", got == -ETIMEDOUT ? "timeout" :
				got == 0 ? "the server closed the connection" : strerror((int)-got));
			return EXIT_CONNECT;
		}
		cl->lb.len += (size_t)got;
	}
}

static int round_trip(const struct bench *b, struct client *cl, const char *method)
{
	int r;

	if (b->raw)
		return raw_call(cl, method);
	r = rpc_call(cl, method, NULL);
	return r == EXIT_HOST ? host_error(cl) : r;
}

/* ------------------------------------------------------------ modes */

static int bench_rpc(const struct bench *b, struct client *cl, struct result *res)
{
	struct conn *c;
	double t0;
	int r;

	if ((r = connect_host(b, &c)))
		return r;
	client_attach(cl, c);
	r = round_trip(b, cl, "host.info");	/* not counted: warms both ends */
	t0 = now();
	while (!r && now() - t0 < b->seconds) {
		r = round_trip(b, cl, "host.info");
		if (!r)
			res->count++;
	}
	res->seconds = now() - t0;
	net_close(c);
	return r;
}

static int bench_handshake(const struct bench *b, struct client *cl, struct result *res)
{
	double t0 = now();
	int r = 0;

	while (!r && now() - t0 < b->seconds) {
		struct conn *c;

		if ((r = connect_host(b, &c)))
			break;
		client_attach(cl, c);
		r = round_trip(b, cl, "rpc.ping");
		net_close(c);
		if (!r)
			res->count++;
	}
	res->seconds = now() - t0;
	return r;
}

static int fill_random(unsigned char *p, size_t n)
{
	while (n) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int bench_upload(const struct bench *b, struct client *cl, struct result *res)
{
	size_t size = (size_t)b->upload_mib * MIB;
	unsigned char *data = malloc(size ? size : 1);
	char name[64], p[128];
	struct conn *c = NULL;
	struct jw w;
	double t0;
	int r = EXIT_CONNECT;

	if (!data || fill_random(data, size)) {
		fprintf(stderr, "rpc_bench: upload: no memory or no random bytes for %u MiB\n",
			b->upload_mib);
		goto out;
	}
	/* Unique per run: image.begin refuses a name that exists (-32004). */
	snprintf(name, sizeof(name), "rpc-bench-%lld-%ld", (long long)time(NULL), (long)getpid());
	if ((r = connect_host(b, &c)))
		goto out;
	client_attach(cl, c);
	t0 = now();
	r = upload_image(cl, name, data, size, NULL, NULL);	/* SHA-256, begin, chunks, commit */
	res->seconds = now() - t0;
	if (!r) {
		res->count = (double)b->upload_mib;
		jw_init(&w, p, sizeof(p));
		jw_obj_begin(&w);
		jw_key(&w, "name");
		jw_str(&w, name);
		jw_obj_end(&w);
		if (!jw_finish(&w))
			rpc_call(cl, "image.rm", p);	/* the host's memory back */
	}
out:
	net_close(c);
	free(data);
	return r;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rpc_bench --host H[:PORT] --cert FILE --key FILE --ca FILE\n"
		"                 [--seconds N] [--mode rpc|handshake|upload|all]\n"
		"                 [--upload-mib M] [--timeout S] [--raw]\n"
		"  --host     the management port (default port %d; $BASTION_HOST)\n"
		"  --cert, --key, --ca  client certificate, its key, the operator CA\n"
		"             ($BASTION_CERT, $BASTION_KEY, $BASTION_CA)\n"
		"  --seconds  how long rpc and handshake run each (default 5)\n"
		"  --mode     rpc, handshake, upload, a list (rpc,handshake) or all (default)\n"
		"  --upload-mib  image size for upload (default 8)\n"
		"  --timeout  for each connect, handshake and answer (default %d)\n"
		"  --raw      against `openssl s_server -rev`: lines, not JSON-RPC\n"
		"",
		DEFAULT_PORT, DEFAULT_TIMEOUT_S);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "ca", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "upload-mib", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *host = getenv("BASTION_HOST"), *mode = "all";
	char *end;
	long v;
	int ch;

	b->o.cert = getenv("BASTION_CERT");
	b->o.key = getenv("BASTION_KEY");
	b->o.ca = getenv("BASTION_CA");
	b->o.timeout_s = DEFAULT_TIMEOUT_S;
	b->seconds = 5;
	b->upload_mib = 8;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H': host = optarg; break;
		case 'c': b->o.cert = optarg; break;
		case 'k': b->o.key = optarg; break;
		case 'a': b->o.ca = optarg; break;
		case 'm': mode = optarg; break;
		case 'r': b->raw = true; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 's': case 'u': case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 4096) {
				fprintf(stderr, "rpc_bench: --%s: an integer in 1..4096, not %s\n",
					ch == 's' ? "seconds" : ch == 'u' ? "upload-mib" : "timeout",
					optarg);
				return -EINVAL;
			}
			if (ch == 's')
				b->seconds = (double)v;
			else if (ch == 'u')
				b->upload_mib = (unsigned)v;
			else
				b->o.timeout_s = (int)v;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rpc_bench: unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}
	if (!host || opts_host(&b->o, host)) {
		fprintf(stderr, "rpc_bench: --host H[:PORT] is needed (%s)\n",
			host ? host : "none given");
		return -EINVAL;
	}
	for (const char *s = mode;; s++) {	/* s: a name; s++ skips its comma */
		size_t n = strcspn(s, ",");
		bool found = false;

		for (int m = 0; m < M_COUNT; m++)
			if ((n == 3 && !strncmp(s, "all", 3)) ||
			    (n == strlen(mode_name[m]) && !strncmp(s, mode_name[m], n)))
				b->modes[m] = found = true;
		if (!found)
			break;
		if (!s[n])
			return 0;
		s += n;
	}
	fprintf(stderr, "rpc_bench: --mode: rpc, handshake, upload or all (or a list: "
		"rpc,handshake), not %s\n", mode);
	return -EINVAL;
}

static int (*const bench_fn[M_COUNT])(const struct bench *, struct client *, struct result *) = {
	[M_RPC] = bench_rpc, [M_HANDSHAKE] = bench_handshake, [M_UPLOAD] = bench_upload,
};

int main(int argc, char **argv)
{
	static const char *const head[] = { "MODE", "COUNT", "SECONDS", "MS/OP", "RATE", "UNIT" };
	static const bool right[] = { false, true, true, true, true, false };
	struct bench b = { 0 };
	struct result res[M_COUNT];
	struct client cl;
	struct table t;
	int status = EXIT_OK;

	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (client_init(&cl, NULL)) {
		fprintf(stderr, "rpc_bench: out of memory\n");
		return EXIT_CONNECT;
	}
	printf("rpc_bench: %s port %u, %s over TLS 1.2 with client certificates, "
	       "%.0f s per mode\n", b.o.host, b.o.port,
	       b.raw ? "raw lines (s_server -rev)" : "JSON-RPC", b.seconds);
	fflush(stdout);
	for (int m = 0; m < M_COUNT; m++) {
		res[m] = (struct result){ .status = -1 };
		if (!b.modes[m] || (m == M_UPLOAD && b.raw))
			continue;
		res[m].status = bench_fn[m](&b, &cl, &res[m]);
		if (res[m].status && !status)
			status = res[m].status;
	}
	client_free(&cl);

	table_init(&t, 6, head, right);
	for (int m = 0; m < M_COUNT; m++) {
		char count[32], secs[32], ms[32], rate[32];
		const struct result *r = &res[m];

		if (!b.modes[m])
			continue;
		if (r->status) {
			table_row(&t, mode_name[m], "-", "-", "-", r->status < 0 ? "n/a" : "failed",
				  mode_unit[m]);
			continue;
		}
		snprintf(count, sizeof(count), "%.0f", r->count);
		snprintf(secs, sizeof(secs), "%.3f", r->seconds);
		snprintf(ms, sizeof(ms), "%.3f", r->count ? r->seconds * 1e3 / r->count : 0.0);
		snprintf(rate, sizeof(rate), "%.1f", r->seconds > 0 ? r->count / r->seconds : 0.0);
		table_row(&t, mode_name[m], count, secs, ms, rate, mode_unit[m]);
	}
	table_print(stdout, &t);
	table_free(&t);
	if (b.modes[M_UPLOAD])
		printf("upload: COUNT is MiB, MS/OP ms per MiB%s\n", b.raw ?
		       "; not run: s_server stores nothing, so there is nothing to "
		       "compare with" : "");
	return status;
}
