/* Shared by the benchmarks: see bench_gen.c. */
#ifndef TESTS_BENCH_BENCH_GEN_H
#define TESTS_BENCH_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>
#include "net/fw.h"
#include "net/pkt.h"

/* xorshift: the same sequence on every run, so traces are comparable. */
uint32_t bench_rnd(void);
double bench_now_ns(void);
/* An address's first four bytes as a host-order word; the host bits of a
 * /plen prefix. */
uint32_t bench_be32(const uint8_t *a);
uint32_t bench_host_mask(uint8_t plen);

void gen_rule(struct fw_rule *r, uint32_t id);
void gen_tuple(struct pkt_tuple *t, const struct fw_rule *rules, size_t n);

/* The naive reference: the generated rules packed as plain ranges,
 * scanned in order (what a first-match firewall without a classifier
 * does). lin_lookup returns the first matching index or -1. */
struct lin_rule {
	uint32_t slo, shi, dlo, dhi;
	uint16_t splo, sphi, dplo, dphi;
	uint16_t proto;
};
void lin_pack(struct lin_rule *l, const struct fw_rule *r, size_t n);
int lin_lookup(const struct lin_rule *l, size_t n, const struct pkt_tuple *t);

/* A UDP frame from port sp to dp in f (the switch benchmark's VMs);
 * returns its length. */
size_t bench_udp_frame(uint8_t *f, uint16_t sp, uint16_t dp);

#endif
