/* Switch benchmark (a host program, not a test): `make bench-switch`.
 *
 * Side by side, in one run, interleaved in rounds so that a noisy machine
 * hurts every figure alike (medians are reported, and ratios matter more
 * than absolutes):
 *   - the switch's full per-frame path for an established flow (parse,
 *     anti-spoofing, MAC lookup, connection-table hit, forward);
 *   - the same path for a new flow's first frame with an egress policy of
 *     10, 1,000 and 10,000 rules (classifier walk + connection insert);
 *   - anti-spoofing + L2 alone (ARP between two VMs: no firewall);
 *   - the classifier alone on the generated rule sets, one lookup at a
 *     time, against the plain linear scan it must agree with on every
 *     packet; and each policy's build time and memory.
 * The net/ sources are built with -mgeneral-regs-only, as in the kernel
 * (no SSE), the harness without. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/switch.h"
#include "tests/bench/bench_gen.h"
#include "tests/unit/support/net_frames.h"

#define ROUNDS   7
#define NFLOWS   1024       /* established flows, round robin */
#define NEW_PER  50000      /* new flows per round and rule set */
#define TRACE    65536      /* classifier lookups per round */

static const size_t sizes[] = { 10, 1000, 10000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return v[n / 2];
}

/* ------------------------------------------------------------ switch */

struct bench_sw {
	struct sw *sw;
	uint32_t web, db;
	struct sw_port_cfg db_cfg;
};

static uint32_t policy(struct sw *sw, const char *name, const struct fw_rule *r, size_t n)
{
	uint32_t id;

	if (sw_policy_set(sw, name, r, n, &id)) {
		fprintf(stderr, "policy %s failed\n", name);
		exit(1);
	}
	return id;
}

/* web (10.0.0.1) and db (10.0.0.2) on one network; web's egress is the
 * generated rule set with "allow udp to 10.0.0.2" last (the flows below
 * are built to miss the generated rules, so each walks all of them);
 * db's ingress allows everything. */
static void sw_setup(struct bench_sw *b, const struct fw_rule *gen, size_t n)
{
	struct fw_rule *r = calloc(n + 2, sizeof(*r));
	struct sw_config cfg;
	struct sw_port_cfg c;
	uint32_t net, out, in;

	memset(&cfg, 0, sizeof(cfg));
	cfg.port_quota = 1u << 16;	/* the default table (64 Ki entries), no quota */
	memcpy(cfg.seed, "bench-seed-01234", 16);
	b->sw = sw_create(&cfg);
	sw_net_set(b->sw, "app", 0, false, &net);
	memcpy(r, gen, n * sizeof(*r));
	fw_rule_parse("allow proto udp to 10.0.0.2", 900000, &r[n], NULL, 0);
	fw_rule_parse("allow proto tcp to 10.0.0.2", 900001, &r[n + 1], NULL, 0);
	out = policy(b->sw, "web-out", r, n + 2);
	fw_rule_parse("allow", 1, &r[0], NULL, 0);
	in = policy(b->sw, "db-in", r, 1);
	free(r);
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "web");
	c.kind = SW_PORT_VM;
	c.net = net;
	fs_mac(c.mac, 1);
	c.nip4 = 1;
	fs_ip(c.ip4[0], "10.0.0.1");
	c.policy_out = out;
	sw_port_set(b->sw, &c, &b->web);
	strcpy(c.name, "db");
	fs_mac(c.mac, 2);
	fs_ip(c.ip4[0], "10.0.0.2");
	c.policy_out = 0;
	c.policy_in = in;
	sw_port_set(b->sw, &c, &b->db);
	b->db_cfg = c;
}

/* Empties the connection table between rounds (its memory stays mapped):
 * removing a port drops its connections. */
static void sw_flush(struct bench_sw *b)
{
	sw_port_remove(b->sw, b->db);
	sw_port_set(b->sw, &b->db_cfg, &b->db);
}

static struct sw_out out;
static uint64_t clock_ms = 1000;

struct frames {
	uint8_t (*f)[128];
	size_t *len;
	size_t n;
};

static void frames_alloc(struct frames *fr, size_t n)
{
	fr->f = calloc(n, 128);
	fr->len = calloc(n, sizeof(size_t));
	fr->n = n;
}

/* Sends every frame from port, reps times over; returns ns per frame;
 * exits if a frame did not reach exactly one port. */
static double run(struct bench_sw *b, uint32_t port, const struct frames *fr, int reps)
{
	double t0 = bench_now_ns(), t1;
	size_t ok = 0;

	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < fr->n; i++)
			ok += sw_input(b->sw, port, fr->f[i], fr->len[i], clock_ms, &out) == 1;
	t1 = bench_now_ns();
	if (ok != fr->n * (size_t)reps) {
		fprintf(stderr, "bench: %zu of %zu frames not forwarded (drop %s)\n",
			fr->n * (size_t)reps - ok, fr->n * (size_t)reps, sw_drop_name(out.drop));
		exit(1);
	}
	return (t1 - t0) / (double)(fr->n * (size_t)reps);
}

/* ------------------------------------------------------------ main */

int main(void)
{
	struct fw_rule *gen[NSIZES];
	struct fw_policy *pol[NSIZES];
	struct lin_rule *lin[NSIZES];
	struct pkt_tuple *trace[NSIZES];
	double build_ms[NSIZES];
	struct bench_sw est, nf[NSIZES];
	struct frames est_fr, arp_fr, new_fr[NSIZES];
	double t_est[ROUNDS], t_arp[ROUNDS], t_new[NSIZES][ROUNDS];
	double t_cls[NSIZES][ROUNDS], t_lin[NSIZES][ROUNDS];
	volatile int sink = 0;

	/* Rule sets, their policies (build time, memory) and traces. */
	for (size_t k = 0; k < NSIZES; k++) {
		double t0;

		gen[k] = calloc(sizes[k], sizeof(struct fw_rule));
		for (size_t i = 0; i < sizes[k]; i++)
			gen_rule(&gen[k][i], (uint32_t)i);
		t0 = bench_now_ns();
		if (fw_compile(gen[k], sizes[k], NULL, NULL, &pol[k])) {
			fprintf(stderr, "compile failed\n");
			return 1;
		}
		build_ms[k] = (bench_now_ns() - t0) / 1e6;
		trace[k] = calloc(TRACE, sizeof(struct pkt_tuple));
		for (size_t i = 0; i < TRACE; i++)
			gen_tuple(&trace[k][i], gen[k], sizes[k]);
		lin[k] = calloc(sizes[k], sizeof(struct lin_rule));
		lin_pack(lin[k], gen[k], sizes[k]);
		/* The classifier must agree with the rules as written. */
		for (size_t i = 0; i < TRACE; i++) {
			int c = fw_lookup(pol[k], &trace[k][i]);

			if (c != fw_lookup_linear(pol[k], &trace[k][i]) ||
			    c != lin_lookup(lin[k], sizes[k], &trace[k][i])) {
				fprintf(stderr, "classifier and linear scan disagree\n");
				return 1;
			}
		}
	}

	/* Established flows: NFLOWS UDP flows, answered, so ESTABLISHED-like. */
	sw_setup(&est, NULL, 0);
	frames_alloc(&est_fr, 4096);	/* cycled: they stay in cache, as a
					 * frame just copied in would be */
	for (size_t i = 0; i < NFLOWS; i++) {
		uint8_t f[128];
		size_t n = bench_udp_frame(f, (uint16_t)(20000 + i), 53);

		sw_input(est.sw, est.web, f, n, clock_ms, &out);
	}
	for (size_t i = 0; i < est_fr.n; i++)
		est_fr.len[i] = bench_udp_frame(est_fr.f[i], (uint16_t)(20000 + i % NFLOWS), 53);

	/* Anti-spoofing + L2 alone: unicast ARP replies web -> db. */
	frames_alloc(&arp_fr, 4096);
	for (size_t i = 0; i < arp_fr.n; i++) {
		struct fspec s;

		fs_init(&s);
		s.arp_op = 2;
		fs_mac(s.sha, 1);
		fs_ip(s.spa, "10.0.0.1");
		fs_mac(s.tha, 2);
		fs_ip(s.tpa, "10.0.0.2");
		arp_fr.len[i] = fs_build(&s, arp_fr.f[i], 128);
	}

	/* New flows: every frame a new (sport, dport) pair between web and
	 * db, whom no generated rule names: each first frame is judged by
	 * the whole policy before the final allow matches. */
	for (size_t k = 0; k < NSIZES; k++) {
		frames_alloc(&new_fr[k], NEW_PER);
		for (size_t i = 0; i < NEW_PER; i++)
			new_fr[k].len[i] = bench_udp_frame(new_fr[k].f[i], (uint16_t)(1024 + i),
						     (uint16_t)(1024 + bench_rnd() % 60000));
	}

	for (size_t k = 0; k < NSIZES; k++)
		sw_setup(&nf[k], gen[k], sizes[k]);
	for (int r = 0; r < ROUNDS; r++) {
		t_est[r] = run(&est, est.web, &est_fr, 64);
		t_arp[r] = run(&est, est.web, &arp_fr, 64);
		for (size_t k = 0; k < NSIZES; k++) {
			double t0;

			t_new[k][r] = run(&nf[k], nf[k].web, &new_fr[k], 1);
			sw_flush(&nf[k]);			/* an empty table each round */
			t0 = bench_now_ns();
			for (size_t i = 0; i < TRACE; i++)
				sink += fw_lookup(pol[k], &trace[k][i]);
			t_cls[k][r] = (bench_now_ns() - t0) / TRACE;
			t0 = bench_now_ns();
			for (size_t i = 0; i < TRACE / (sizes[k] > 100 ? 16 : 1); i++)
				sink += lin_lookup(lin[k], sizes[k], &trace[k][i]);
			t_lin[k][r] = (bench_now_ns() - t0) / (TRACE / (sizes[k] > 100 ? 16 : 1));
		}
		clock_ms += 1;
	}

	printf("switch per-frame path (64-byte frames, median of %d rounds, one core)\n", ROUNDS);
	printf("  %-44s %9s %12s\n", "", "ns/frame", "frames/s");
#define ROW(name, v) printf("  %-44s %9.1f %12.0f\n", name, (v), 1e9 / (v))
	{
		double m = median(t_est, ROUNDS);

		ROW("established flow (connection-table hit)", m);
		m = median(t_arp, ROUNDS);
		ROW("anti-spoofing + L2 only (ARP, no firewall)", m);
		for (size_t k = 0; k < NSIZES; k++) {
			char name[64];

			snprintf(name, sizeof(name), "new flow, egress policy of %zu rules", sizes[k]);
			ROW(name, median(t_new[k], ROUNDS));
		}
	}
	printf("\nclassifier alone (first packets, one lookup at a time)\n");
	printf("  %8s %12s %12s %12s %10s %10s %6s\n", "rules", "ns/lookup", "lookups/s",
	       "linear ns", "build ms", "memory", "exact");
	for (size_t k = 0; k < NSIZES; k++) {
		double c = median(t_cls[k], ROUNDS), l = median(t_lin[k], ROUNDS);

		printf("  %8zu %12.1f %12.0f %12.1f %10.2f %9.2fM %6s\n", sizes[k], c, 1e9 / c, l,
		       build_ms[k], (double)fw_policy_mem(pol[k]) / (1 << 20),
		       fw_policy_exact(pol[k]) ? "yes" : "no");
	}
	printf("  (classifier and linear scan agreed on all %d packets of each trace)\n", TRACE);
	sw_destroy(est.sw);
	for (size_t k = 0; k < NSIZES; k++) {
		sw_destroy(nf[k].sw);
		fw_policy_free(pol[k]);
		free(lin[k]);
		free(gen[k]);
		free(trace[k]);
		free(new_fr[k].f);
		free(new_fr[k].len);
	}
	free(est_fr.f);
	free(est_fr.len);
	free(arp_fr.f);
	free(arp_fr.len);
	return sink == 42 ? 2 : 0;
}
