/* Classifier benchmark against DPDK's rte_acl (a host program, not a
 * test): `make bench-acl`. Issue 6.
 *
 * On the same generated rule sets (100, 1,000, 10,000 IPv4 5-tuple rules
 * with /12 to /32 prefixes and port ranges, first match wins) and the
 * same packet traces, side by side in one run:
 *   - ours: net/fw.c's bit-vector classifier (fw_compile, fw_lookup);
 *   - DPDK's rte_acl (librte_acl, Debian's DPDK 22.11), one rule per
 *     generated rule with a unique priority, higher for earlier rules, so
 *     that its highest-priority match is our first match; userdata =
 *     rule index + 1 (0 is rte_acl's "no match");
 *   - a naive linear scan of the rules.
 * All three must agree on every packet of every trace (rte_acl with every
 * classify algorithm the CPU has, one at a time and in bursts); the first
 * mismatch is printed and the program fails.
 *
 * Measured: ns per lookup one packet at a time (how a connection's first
 * packet arrives) and in bursts of 64; policy build time and memory; the
 * switch's full per-frame path for an established flow. Rounds are
 * interleaved (every implementation and rule set once per round) so that
 * a noisy machine hurts all alike; medians are reported.
 *
 * net/ has no burst lookup: "ours" in bursts is a loop of 64 single
 * fw_lookup() calls.
 *
 * The rule and trace generator, the linear scan and the UDP frame are
 * switch_bench.c's (tests/bench/bench_gen.c), so the rule shapes are the
 * same; the established-flow setup follows switch_bench's.
 *
 * Memory, three ways:
 *   - ours: fw_policy_mem(), the bytes the compiled policy holds;
 *   - rte_acl: its own accounting, read from the debug log rte_acl_build
 *     writes ("runtime memory footprint ... total" for the run-time
 *     tables, "memory consumed" for the build phase's temporary pool),
 *     plus the rule array rte_acl_create allocates (max_rules x rule_size);
 *   - both: peak resident memory added by one build, measured in a fresh
 *     child process (this program re-executed with --peak): VmHWM after
 *     the build minus VmRSS before it, with the peak reset through
 *     /proc/self/clear_refs. That counts temporaries and allocator slack.
 *
 * The net/ objects are those of mk/bench.mk (kernel flags, kernel string
 * functions), linked with their string symbols made local so that DPDK's
 * libraries keep glibc's memcpy/memset (mk/bench_acl.mk). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

/* rte_vect_{get,set}_max_simd_bitwidth are experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API 1
#include <rte_acl.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_vect.h>
#include <rte_version.h>

#include "net/switch.h"
#include "tests/bench/bench_gen.h"
#include "tests/unit/support/net_frames.h"

#define ROUNDS       7       /* lookup rounds */
#define BUILD_ROUNDS 5       /* policy builds per implementation and size */
#define TRACE        65536   /* packets per trace */
#define BURST        64
#define NFLOWS       1024    /* established flows, round robin */

static const size_t sizes[] = { 100, 1000, 10000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* EAL arguments: the issue's, plus --no-shconf so that the --peak child
 * processes (each a primary process of its own) share no runtime files
 * with this one (--in-memory would, but --no-huge implies legacy memory,
 * which --in-memory refuses), and -m for the run-time tables of 10,000
 * rules (--no-huge defaults to 64 MiB). */
static const char *const eal_args[] = {
	"acl_bench", "--no-huge", "--no-pci", "-l", "0", "--log-level=1", "--no-shconf",
	"-m", "1024",
};
#define NEAL (sizeof(eal_args) / sizeof(eal_args[0]))

static void die(const char *what);

/* rte_eal_init permutes its argv (getopt): hand it a writable copy. */
static void eal_init(void)
{
	static char buf[NEAL][32];
	static char *argv[NEAL + 1];

	for (size_t i = 0; i < NEAL; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s", eal_args[i]);
		argv[i] = buf[i];
	}
	if (rte_eal_init((int)NEAL, argv) < 0)
		die("rte_eal_init failed");
}

static const struct {
	enum rte_acl_classify_alg alg;
	const char *name;
} algs[] = {
	{ RTE_ACL_CLASSIFY_SCALAR, "scalar" },
	{ RTE_ACL_CLASSIFY_SSE, "sse" },
	{ RTE_ACL_CLASSIFY_AVX2, "avx2" },
	{ RTE_ACL_CLASSIFY_AVX512X16, "avx512x16" },
	{ RTE_ACL_CLASSIFY_AVX512X32, "avx512x32" },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[32];

	memcpy(s, v, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return s[n / 2];
}

static void die(const char *what)
{
	fprintf(stderr, "acl_bench: %s\n", what);
	exit(1);
}

/* ------------------------------------------------------------ rte_acl */

/* The classified bytes, as rte_acl wants them: the first field one byte
 * on its own, the others in 4-byte input groups (the two ports share
 * one), values in network byte order as in the packet. */
struct acl_key {
	uint8_t  proto;
	uint8_t  pad[3];
	uint32_t src, dst;
	uint16_t sport, dport;
};

enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, F_N };

RTE_ACL_RULE_DEF(acl_rule5, F_N);

static const struct rte_acl_field_def acl_defs[F_N] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint8_t), .field_index = F_PROTO,
	  .input_index = 0, .offset = offsetof(struct acl_key, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t), .field_index = F_SRC,
	  .input_index = 1, .offset = offsetof(struct acl_key, src) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t), .field_index = F_DST,
	  .input_index = 2, .offset = offsetof(struct acl_key, dst) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t), .field_index = F_SPORT,
	  .input_index = 3, .offset = offsetof(struct acl_key, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t), .field_index = F_DPORT,
	  .input_index = 3, .offset = offsetof(struct acl_key, dport) },
};

/* Rules in host byte order; priority n - i: the earliest rule wins. */
static struct acl_rule5 *acl_rules(const struct fw_rule *r, size_t n)
{
	struct acl_rule5 *a = calloc(n, sizeof(*a));

	if (!a)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		a[i].data.category_mask = 1;
		a[i].data.priority = (int32_t)(n - i);
		a[i].data.userdata = (uint32_t)i + 1;
		a[i].field[F_PROTO].value.u8 = (uint8_t)r[i].proto;
		a[i].field[F_PROTO].mask_range.u8 = 0xff;
		a[i].field[F_SRC].value.u32 = bench_be32(r[i].src.cidr.addr) & ~bench_host_mask(r[i].src.cidr.plen);
		a[i].field[F_SRC].mask_range.u32 = r[i].src.cidr.plen;
		a[i].field[F_DST].value.u32 = bench_be32(r[i].dst.cidr.addr) & ~bench_host_mask(r[i].dst.cidr.plen);
		a[i].field[F_DST].mask_range.u32 = r[i].dst.cidr.plen;
		a[i].field[F_SPORT].value.u16 = r[i].sport.lo;
		a[i].field[F_SPORT].mask_range.u16 = r[i].sport.hi;
		a[i].field[F_DPORT].value.u16 = r[i].dport.lo;
		a[i].field[F_DPORT].mask_range.u16 = r[i].dport.hi;
	}
	return a;
}

static void acl_key_of(struct acl_key *k, const struct pkt_tuple *t)
{
	memset(k, 0, sizeof(*k));
	k->proto = t->proto;
	memcpy(&k->src, t->src, 4);
	memcpy(&k->dst, t->dst, 4);
	k->sport = htons(t->sport);
	k->dport = htons(t->dport);
}

struct acl_mem {
	size_t runtime;      /* rte_acl's "total" of the generated tables */
	size_t build_pool;   /* its "memory consumed" by the build phase */
	size_t rules;        /* the rule array of rte_acl_create */
};

/* Sums what rte_acl_build reported in its debug log. */
static void acl_parse_log(const char *log, struct acl_mem *m)
{
	const char *p;
	size_t v;

	for (p = log; (p = strstr(p, "memory consumed: ")); p++)
		if (sscanf(p, "memory consumed: %zu", &v) == 1 && v > m->build_pool)
			m->build_pool = v;
	for (p = log; (p = strstr(p, "total: ")); p++)
		if (sscanf(p, "total: %zu bytes", &v) == 1)
			m->runtime = v;
}

/* Creates, fills and builds a context; returns the time of
 * rte_acl_add_rules + rte_acl_build in ns, and what rte_acl reports of
 * its memory when m is not NULL. */
static double acl_build(const struct acl_rule5 *rules, size_t n, struct rte_acl_ctx **out,
			struct acl_mem *m)
{
	static unsigned serial;
	struct rte_acl_param prm;
	struct rte_acl_config cfg;
	struct rte_acl_ctx *ctx;
	char name[RTE_ACL_NAMESIZE];
	char *log = NULL;
	size_t loglen = 0;
	FILE *logf = NULL;
	uint32_t glevel = rte_log_get_global_level();
	int tlevel = rte_log_get_level(RTE_LOGTYPE_ACL);
	double t0, t1;
	int e;

	snprintf(name, sizeof(name), "bench-%u", serial++);
	memset(&prm, 0, sizeof(prm));
	prm.name = name;
	prm.socket_id = SOCKET_ID_ANY;
	prm.rule_size = RTE_ACL_RULE_SZ(F_N);
	prm.max_rule_num = (uint32_t)n;
	ctx = rte_acl_create(&prm);
	if (!ctx)
		die("rte_acl_create failed");
	memset(&cfg, 0, sizeof(cfg));
	cfg.num_categories = 1;
	cfg.num_fields = F_N;
	memcpy(cfg.defs, acl_defs, sizeof(acl_defs));
	if (m) {
		logf = open_memstream(&log, &loglen);
		if (!logf)
			die("open_memstream failed");
		rte_openlog_stream(logf);
		rte_log_set_global_level(RTE_LOG_DEBUG);
		rte_log_set_level(RTE_LOGTYPE_ACL, RTE_LOG_DEBUG);
	}
	t0 = bench_now_ns();
	e = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)rules, (uint32_t)n);
	if (!e)
		e = rte_acl_build(ctx, &cfg);
	t1 = bench_now_ns();
	if (m) {
		rte_log_set_global_level(glevel);
		rte_log_set_level(RTE_LOGTYPE_ACL, (uint32_t)tlevel);
		rte_openlog_stream(NULL);
		fclose(logf);
		memset(m, 0, sizeof(*m));
		acl_parse_log(log, m);
		m->rules = n * RTE_ACL_RULE_SZ(F_N);
		free(log);
	}
	if (e) {
		fprintf(stderr, "acl_bench: rte_acl build failed: %s\n", strerror(-e));
		exit(1);
	}
	*out = ctx;
	return t1 - t0;
}

/* The algorithm rte_acl_create chose for ctx, from rte_acl_dump's
 * "alg=" line (the context is opaque). */
static int acl_ctx_alg(const struct rte_acl_ctx *ctx)
{
	char buf[4096];
	FILE *tmp = tmpfile();
	int saved, alg = -1;
	size_t n;
	char *p;

	if (!tmp)
		return -1;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(tmp), STDOUT_FILENO);
	rte_acl_dump(ctx);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
	p = strstr(buf, "alg=");
	if (p)
		alg = atoi(p + 4);
	return alg;
}

static const char *alg_name(int alg)
{
	for (size_t a = 0; a < NALGS; a++)
		if ((int)algs[a].alg == alg)
			return algs[a].name;
	return "?";
}

static int acl_answer(uint32_t userdata)
{
	return userdata ? (int)userdata - 1 : FW_NOMATCH;
}

/* ------------------------------------------------------------ memory */

static long status_kib(const char *field)
{
	char line[256];
	size_t fl = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, fl) && line[fl] == ':') {
			v = atol(line + fl + 1);
			break;
		}
	fclose(f);
	return v;
}

/* Resets VmHWM to the current RSS (Linux 4.0+); false if it cannot. */
static int reset_peak(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ok;

	if (fd < 0)
		return 0;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok;
}

static void gen_sets(struct fw_rule *gen[NSIZES])
{
	for (size_t k = 0; k < NSIZES; k++) {
		gen[k] = calloc(sizes[k], sizeof(struct fw_rule));
		if (!gen[k])
			die("out of memory");
		for (size_t i = 0; i < sizes[k]; i++)
			gen_rule(&gen[k][i], (uint32_t)i);
	}
}

/* Child mode (--peak ours|acl K): one build of rule set K in a fresh
 * process; prints the peak RSS it added and the RSS it kept, in KiB. */
static int peak_child(const char *which, size_t k)
{
	struct fw_rule *gen[NSIZES];
	struct acl_rule5 *ar = NULL;
	struct fw_policy *pol;
	struct rte_acl_ctx *ctx;
	long before, peak, after;
	int acl = !strcmp(which, "acl");

	gen_sets(gen);
	if (acl) {
		eal_init();
		ar = acl_rules(gen[k], sizes[k]);
	}
	if (!reset_peak())
		fprintf(stderr, "acl_bench: cannot reset VmHWM; peak is since start\n");
	before = status_kib("VmRSS");
	if (acl)
		acl_build(ar, sizes[k], &ctx, NULL);
	else if (fw_compile(gen[k], sizes[k], NULL, NULL, &pol))
		die("fw_compile failed");
	peak = status_kib("VmHWM");
	after = status_kib("VmRSS");
	printf("%ld %ld\n", peak - before, after - before);
	fflush(stdout);
	_exit(0);	/* no rte_eal_cleanup: the process is done */
}

/* Runs this program as a --peak child; fills peak and kept (KiB). */
static void peak_of(const char *self, const char *which, size_t k, long *peak, long *kept)
{
	char cmd[PATH_MAX + 64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' --peak %s %zu", self, which, k);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%ld %ld", peak, kept) != 2)
		die("peak-memory child failed");
	if (pclose(p) != 0)
		die("peak-memory child failed");
}

/* ------------------------------------------------ switch path (switch_bench.c) */

static struct sw_out out;

/* web (10.0.0.1) -> db (10.0.0.2) on one network, as switch_bench's
 * established-flow setup: web's egress allows udp and tcp to db, db's
 * ingress allows everything. */
static struct sw *sw_setup(uint32_t *web)
{
	struct fw_rule r[2];
	struct sw_config cfg;
	struct sw_port_cfg c;
	uint32_t net, po, pi, db;
	struct sw *sw;

	memset(&cfg, 0, sizeof(cfg));
	cfg.port_quota = 1u << 16;
	memcpy(cfg.seed, "bench-seed-01234", 16);
	sw = sw_create(&cfg);
	if (!sw || sw_net_set(sw, "app", 0, false, &net))
		die("switch setup failed");
	fw_rule_parse("allow proto udp to 10.0.0.2", 900000, &r[0], NULL, 0);
	fw_rule_parse("allow proto tcp to 10.0.0.2", 900001, &r[1], NULL, 0);
	if (sw_policy_set(sw, "web-out", r, 2, &po))
		die("switch policy failed");
	fw_rule_parse("allow", 1, &r[0], NULL, 0);
	if (sw_policy_set(sw, "db-in", r, 1, &pi))
		die("switch policy failed");
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "web");
	c.kind = SW_PORT_VM;
	c.net = net;
	fs_mac(c.mac, 1);
	c.nip4 = 1;
	fs_ip(c.ip4[0], "10.0.0.1");
	c.policy_out = po;
	if (sw_port_set(sw, &c, web))
		die("switch port failed");
	strcpy(c.name, "db");
	fs_mac(c.mac, 2);
	fs_ip(c.ip4[0], "10.0.0.2");
	c.policy_out = 0;
	c.policy_in = pi;
	if (sw_port_set(sw, &c, &db))
		die("switch port failed");
	return sw;
}

/* ------------------------------------------------------------ main */

struct set {
	struct fw_rule *gen;
	struct lin_rule *lin;
	struct acl_rule5 *ar;
	struct pkt_tuple *trace;
	struct acl_key *keys;
	const uint8_t **kp;
	struct fw_policy *pol;
	struct rte_acl_ctx *ctx;
	struct acl_mem am;
	long peak_ours, kept_ours, peak_acl, kept_acl;
	double b_ours[BUILD_ROUNDS], b_acl[BUILD_ROUNDS], f_ours[BUILD_ROUNDS];
	double f_acl[BUILD_ROUNDS];
	double t_ours[ROUNDS], t_ours_b[ROUNDS], t_lin[ROUNDS];
	double t_acl[NALGS][ROUNDS], t_acl_b[NALGS][ROUNDS];
};

static struct set S[NSIZES];
static int have_alg[NALGS];
static volatile int sink;

static void mismatch(size_t k, size_t i, const char *who, int got, int want)
{
	const struct pkt_tuple *t = &S[k].trace[i];

	fprintf(stderr,
		"acl_bench: MISMATCH, %zu rules, packet %zu (proto %u %u.%u.%u.%u:%u -> "
		"%u.%u.%u.%u:%u): %s says rule %d, linear scan says %d\n",
		sizes[k], i, t->proto, t->src[0], t->src[1], t->src[2], t->src[3], t->sport, t->dst[0],
		t->dst[1], t->dst[2], t->dst[3], t->dport, who, got, want);
	exit(1);
}

/* Every implementation, every algorithm, one at a time and in bursts,
 * against the linear scan, on every packet. */
static void check_agree(size_t k)
{
	struct set *s = &S[k];
	uint32_t res[BURST];
	int want;

	for (size_t i = 0; i < TRACE; i++) {
		want = lin_lookup(s->lin, sizes[k], &s->trace[i]);
		if (fw_lookup(s->pol, &s->trace[i]) != want)
			mismatch(k, i, "fw_lookup", fw_lookup(s->pol, &s->trace[i]), want);
		if (fw_lookup_linear(s->pol, &s->trace[i]) != want)
			mismatch(k, i, "fw_lookup_linear", fw_lookup_linear(s->pol, &s->trace[i]), want);
	}
	for (size_t a = 0; a < NALGS; a++) {
		if (!have_alg[a])
			continue;
		rte_acl_set_ctx_classify(s->ctx, algs[a].alg);
		for (size_t i = 0; i < TRACE; i += BURST) {
			if (rte_acl_classify(s->ctx, s->kp + i, res, BURST, 1))
				die("rte_acl_classify failed");
			for (size_t j = 0; j < BURST; j++) {
				want = lin_lookup(s->lin, sizes[k], &s->trace[i + j]);
				if (acl_answer(res[j]) != want)
					mismatch(k, i + j, algs[a].name, acl_answer(res[j]), want);
			}
			for (size_t j = 0; j < BURST; j++) {
				if (rte_acl_classify(s->ctx, s->kp + i + j, res, 1, 1))
					die("rte_acl_classify failed");
				want = lin_lookup(s->lin, sizes[k], &s->trace[i + j]);
				if (acl_answer(res[0]) != want)
					mismatch(k, i + j, algs[a].name, acl_answer(res[0]), want);
			}
		}
	}
}

static double time_ours(size_t k, int burst)
{
	struct set *s = &S[k];
	int res[BURST];
	double t0 = bench_now_ns();

	if (!burst) {
		for (size_t i = 0; i < TRACE; i++)
			sink += fw_lookup(s->pol, &s->trace[i]);
	} else {
		/* No burst API in net/fw: a burst is 64 single lookups. */
		for (size_t i = 0; i < TRACE; i += BURST) {
			for (size_t j = 0; j < BURST; j++)
				res[j] = fw_lookup(s->pol, &s->trace[i + j]);
			sink += res[i % BURST];
		}
	}
	return (bench_now_ns() - t0) / TRACE;
}

static double time_acl(size_t k, size_t a, int burst)
{
	struct set *s = &S[k];
	uint32_t res[BURST];
	double t0;

	rte_acl_set_ctx_classify(s->ctx, algs[a].alg);
	t0 = bench_now_ns();
	if (!burst) {
		for (size_t i = 0; i < TRACE; i++) {
			rte_acl_classify(s->ctx, s->kp + i, res, 1, 1);
			sink += (int)res[0];
		}
	} else {
		for (size_t i = 0; i < TRACE; i += BURST) {
			rte_acl_classify(s->ctx, s->kp + i, res, BURST, 1);
			sink += (int)res[i % BURST];
		}
	}
	return (bench_now_ns() - t0) / TRACE;
}

static double time_lin(size_t k)
{
	struct set *s = &S[k];
	size_t n = TRACE / (sizes[k] >= 1000 ? 16 : 1);
	double t0 = bench_now_ns();

	for (size_t i = 0; i < n; i++)
		sink += lin_lookup(s->lin, sizes[k], &s->trace[i]);
	return (bench_now_ns() - t0) / (double)n;
}

static double mib(double bytes)
{
	return bytes / (1024.0 * 1024.0);
}

int main(int argc, char **argv)
{
	struct fw_rule *gen[NSIZES];
	char self[PATH_MAX];
	ssize_t sl;
	int def_alg, def_alg512;
	unsigned simd0;
	struct sw *sw;
	uint32_t web;
	uint8_t (*frames)[128];
	size_t *flen;
	double t_sw[ROUNDS];

	if (argc == 4 && !strcmp(argv[1], "--peak"))
		return peak_child(argv[2], (size_t)atoi(argv[3]));

	/* Rule sets, then traces (the --peak children regenerate the sets:
	 * same generator, same seed, same order). */
	gen_sets(gen);
	for (size_t k = 0; k < NSIZES; k++) {
		struct set *s = &S[k];

		s->gen = gen[k];
		s->trace = calloc(TRACE, sizeof(struct pkt_tuple));
		s->keys = calloc(TRACE, sizeof(struct acl_key));
		s->kp = calloc(TRACE, sizeof(*s->kp));
		s->lin = calloc(sizes[k], sizeof(struct lin_rule));
		if (!s->trace || !s->keys || !s->kp || !s->lin)
			die("out of memory");
		for (size_t i = 0; i < TRACE; i++) {
			gen_tuple(&s->trace[i], s->gen, sizes[k]);
			acl_key_of(&s->keys[i], &s->trace[i]);
			s->kp[i] = (const uint8_t *)&s->keys[i];
		}
		lin_pack(s->lin, s->gen, sizes[k]);
		s->ar = acl_rules(s->gen, sizes[k]);
	}

	/* The established-flow path, as in switch_bench: the switch is set
	 * up first, as there, before the builds below churn the heap (rte_acl's
	 * build pool is 136 MiB of calloc at 10,000 rules). */
	sw = sw_setup(&web);
	frames = calloc(4096, 128);
	flen = calloc(4096, sizeof(size_t));
	if (!frames || !flen)
		die("out of memory");
	for (size_t i = 0; i < NFLOWS; i++) {
		uint8_t f[128];
		size_t n = bench_udp_frame(f, (uint16_t)(20000 + i), 53);

		sw_input(sw, web, f, n, 1000, &out);
	}
	for (size_t i = 0; i < 4096; i++)
		flen[i] = bench_udp_frame(frames[i], (uint16_t)(20000 + i % NFLOWS), 53);

	/* Peak memory of one build, each in a fresh process, first, while
	 * this one holds little. */
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0)
		die("readlink /proc/self/exe failed");
	self[sl] = 0;
	for (size_t k = 0; k < NSIZES; k++) {
		peak_of(self, "ours", k, &S[k].peak_ours, &S[k].kept_ours);
		peak_of(self, "acl", k, &S[k].peak_acl, &S[k].kept_acl);
	}

	eal_init();

	/* The algorithm rte_acl picks by default under the EAL's default SIMD
	 * width (256 bits unless --force-max-simd-bitwidth), then with 512
	 * allowed, which the AVX-512 algorithms need. */
	simd0 = rte_vect_get_max_simd_bitwidth();
	acl_build(S[0].ar, sizes[0], &S[0].ctx, NULL);
	def_alg = acl_ctx_alg(S[0].ctx);
	rte_acl_free(S[0].ctx);
	rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);
	acl_build(S[0].ar, sizes[0], &S[0].ctx, NULL);
	def_alg512 = acl_ctx_alg(S[0].ctx);
	for (size_t a = 0; a < NALGS; a++)
		have_alg[a] = rte_acl_set_ctx_classify(S[0].ctx, algs[a].alg) == 0;
	rte_acl_free(S[0].ctx);

	/* Builds, interleaved; the last of each is kept for the lookups.
	 * Replacing a policy is a build of the new one beside the old (both
	 * designs swap a pointer) then freeing the old: the free is timed too. */
	for (int r = 0; r < BUILD_ROUNDS; r++)
		for (size_t k = 0; k < NSIZES; k++) {
			struct set *s = &S[k];
			struct fw_policy *p;
			struct rte_acl_ctx *c;
			double t0;

			t0 = bench_now_ns();
			if (fw_compile(s->gen, sizes[k], NULL, NULL, &p))
				die("fw_compile failed");
			s->b_ours[r] = bench_now_ns() - t0;
			t0 = bench_now_ns();
			fw_policy_free(s->pol);
			s->f_ours[r] = bench_now_ns() - t0;
			s->pol = p;
			s->b_acl[r] = acl_build(s->ar, sizes[k], &c, r == BUILD_ROUNDS - 1 ? &s->am : NULL);
			t0 = bench_now_ns();
			rte_acl_free(s->ctx);
			s->f_acl[r] = bench_now_ns() - t0;
			s->ctx = c;
		}
	for (size_t k = 0; k < NSIZES; k++)
		check_agree(k);

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = bench_now_ns();
		size_t ok = 0;

		for (int rep = 0; rep < 64; rep++)
			for (size_t i = 0; i < 4096; i++)
				ok += sw_input(sw, web, frames[i], flen[i], 1000 + (uint64_t)r, &out) == 1;
		t_sw[r] = (bench_now_ns() - t0) / (64.0 * 4096);
		if (ok != 64 * 4096)
			die("established flows not forwarded");
		for (size_t k = 0; k < NSIZES; k++) {
			struct set *s = &S[k];

			s->t_ours[r] = time_ours(k, 0);
			for (size_t a = 0; a < NALGS; a++)
				if (have_alg[a])
					s->t_acl[a][r] = time_acl(k, a, 0);
			s->t_ours_b[r] = time_ours(k, 1);
			for (size_t a = 0; a < NALGS; a++)
				if (have_alg[a])
					s->t_acl_b[a][r] = time_acl(k, a, 1);
			s->t_lin[r] = time_lin(k);
		}
	}

	printf("classifier benchmark: net/fw vs DPDK rte_acl %s vs linear scan\n", rte_version());
	printf("  IPv4 5-tuple rules (proto, /12-/32 prefixes, port ranges), first match wins;\n"
	       "  %d-packet traces; medians of %d rounds (builds: %d); one core\n",
	       TRACE, ROUNDS, BUILD_ROUNDS);
	printf("  rte_acl default algorithm: %s at the EAL's default max SIMD width (%u bits),\n"
	       "  %s with 512 bits allowed (the rows below name the algorithm)\n",
	       alg_name(def_alg), simd0, alg_name(def_alg512));
	printf("  all three agreed on every packet (every algorithm, single and burst)\n");

	printf("\nlookups, ns/packet (Mpps)\n");
	printf("  %-24s", "");
	for (size_t k = 0; k < NSIZES; k++)
		printf(" %8zu rules      ", sizes[k]);
	printf("\n");
#define CELL(v) printf(" %9.1f (%6.2f)  ", (v), 1e3 / (v))
	printf("  %-24s", "ours, one at a time");
	for (size_t k = 0; k < NSIZES; k++)
		CELL(median(S[k].t_ours, ROUNDS));
	printf("\n");
	for (size_t a = 0; a < NALGS; a++) {
		char name[64];

		if (!have_alg[a])
			continue;
		snprintf(name, sizeof(name), "rte_acl %s, one", algs[a].name);
		printf("  %-24s", name);
		for (size_t k = 0; k < NSIZES; k++)
			CELL(median(S[k].t_acl[a], ROUNDS));
		printf("\n");
	}
	printf("  %-24s", "linear scan, one");
	for (size_t k = 0; k < NSIZES; k++)
		CELL(median(S[k].t_lin, ROUNDS));
	printf("\n");
	printf("  %-24s", "ours, burst 64 (loop)");
	for (size_t k = 0; k < NSIZES; k++)
		CELL(median(S[k].t_ours_b, ROUNDS));
	printf("\n");
	for (size_t a = 0; a < NALGS; a++) {
		char name[64];

		if (!have_alg[a])
			continue;
		snprintf(name, sizeof(name), "rte_acl %s, burst 64", algs[a].name);
		printf("  %-24s", name);
		for (size_t k = 0; k < NSIZES; k++)
			CELL(median(S[k].t_acl_b[a], ROUNDS));
		printf("\n");
	}

	printf("\npolicy build (median) and memory\n");
	printf("  %8s  %-8s %11s %9s %11s %11s %11s %6s\n", "rules", "", "build ms", "free ms",
	       "held MiB", "build-tmp", "peak RSS+", "exact");
	for (size_t k = 0; k < NSIZES; k++) {
		struct set *s = &S[k];
		struct acl_mem *m = &s->am;

		printf("  %8zu  %-8s %11.2f %9.2f %11.2f %11s %10.2fM %6s\n", sizes[k], "ours",
		       median(s->b_ours, BUILD_ROUNDS) / 1e6, median(s->f_ours, BUILD_ROUNDS) / 1e6,
		       mib((double)fw_policy_mem(s->pol)), "-", s->peak_ours / 1024.0,
		       fw_policy_exact(s->pol) ? "yes" : "no");
		printf("  %8s  %-8s %11.2f %9.2f %11.2f %10.2fM %10.2fM %6s\n", "", "rte_acl",
		       median(s->b_acl, BUILD_ROUNDS) / 1e6, median(s->f_acl, BUILD_ROUNDS) / 1e6,
		       mib((double)(m->runtime + m->rules)), mib((double)m->build_pool),
		       s->peak_acl / 1024.0, "yes");
	}
	printf("  held: ours fw_policy_mem(); rte_acl its reported run-time tables + rule array\n"
	       "  build-tmp: rte_acl's build-phase pool; peak RSS+: resident memory one build\n"
	       "  adds at its peak, in a fresh process (VmHWM - VmRSS before)\n");

	printf("\nswitch per-frame path, established flow (parse, anti-spoofing, MAC lookup,\n"
	       "conntrack hit, forward; 64-byte UDP frames, %d flows)\n", NFLOWS);
	printf("  %9.1f ns/frame  %6.2f Mpps\n", median(t_sw, ROUNDS), 1e3 / median(t_sw, ROUNDS));

	sw_destroy(sw);
	for (size_t k = 0; k < NSIZES; k++) {
		fw_policy_free(S[k].pol);
		rte_acl_free(S[k].ctx);
		free(S[k].gen);
		free(S[k].lin);
		free(S[k].ar);
		free(S[k].trace);
		free(S[k].keys);
		free(S[k].kp);
	}
	free(frames);
	free(flen);
	rte_eal_cleanup();
	return sink == 42 ? 2 : 0;
}
