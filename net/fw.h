/* Firewall policies: ordered rules, first match wins, default deny.
 *
 * A policy is written as rules (struct fw_rule, or text through
 * fw_rule_parse()) and compiled by fw_compile() into an immutable
 * struct fw_policy that classifies a 5-tuple without scanning the rules
 * (bit-vector classifier: one class per field value range, rule bitsets
 * ANDed, the lowest set bit verified and returned; net/README.md has the
 * design and its costs). Labels in rules ("label:web") are resolved to
 * address sets at compile time through a caller's resolver: the switch
 * recompiles a policy when the membership of a label it names changes.
 *
 * Ownership: fw_compile() is pure (it allocates, but touches no shared
 * state) and can run in any task. A compiled policy is immutable except
 * for its hit counters, which the data path bumps ([d]: one writer per
 * policy at a time; readers may see a slightly stale value). */
#ifndef NET_FW_H
#define NET_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

#define FW_NAME_MAX    32          /* labels: 1..31 of [a-z0-9-], + NUL */
#define FW_MAX_RULES   65536
#define FW_PROTO_ANY   0xffff
#define FW_NOMATCH     (-1)

enum fw_action { FW_ALLOW, FW_DENY, FW_DENY_LOG };

enum fw_peer_kind { FW_PEER_ANY, FW_PEER_CIDR, FW_PEER_LABEL };

/* family 4: addr[0..3] (network order); family 6: addr[0..15]. Host bits
 * beyond plen are ignored (10.1.2.3/8 means 10.0.0.0/8). */
struct fw_cidr {
	uint8_t family;
	uint8_t plen;
	uint8_t addr[16];
};

struct fw_peer {
	uint8_t        kind;               /* enum fw_peer_kind */
	struct fw_cidr cidr;               /* FW_PEER_CIDR */
	char           label[FW_NAME_MAX]; /* FW_PEER_LABEL */
};

struct fw_range {
	uint16_t lo, hi;                   /* inclusive */
};

struct fw_rule {
	uint32_t        id;        /* the caller's stable id: in logs and stats */
	uint8_t         action;    /* enum fw_action */
	uint16_t        proto;     /* IP protocol number, or FW_PROTO_ANY */
	struct fw_peer  src, dst;
	struct fw_range sport, dport;  /* TCP and UDP only; {0, 65535} = any */
	struct fw_range icmp_type;     /* ICMP and ICMPv6 only; {0, 255} = any */
};

struct fw_policy;

/* Label resolution: the addresses (host CIDRs) of label's members now,
 * any family. An unknown or empty label is an empty set: a rule naming it
 * matches nothing until members appear. Returns 0 or -ENOMEM. */
struct fw_labels {
	int (*resolve)(void *ctx, const char *label, const struct fw_cidr **v, size_t *n);
	void *ctx;
};

struct fw_compile_opts {
	/* Classes per field (0: sized from a memory budget). Tests set it
	 * low to force the inexact, verified path. */
	uint32_t max_classes;
};

/* A rule that matches everything: proto any, from any to any, every port
 * and type; action a, id id. */
void fw_rule_init(struct fw_rule *r, uint32_t id, enum fw_action a);

/* Parses one rule in the text form
 *   (allow|deny|deny-log) [proto tcp|udp|icmp|icmpv6|any|N]
 *       [from PEER] [to PEER] [sport R] [dport R | port R] [type R]
 *   PEER := any | label:NAME | ADDR[/PLEN]      R := N | N-M
 * e.g. "allow proto tcp from label:web to label:db port 5432".
 * Returns 0, or -EINVAL with a reason in err (if errlen > 0). The rule is
 * also checked as by fw_rule_check(). */
int fw_rule_parse(const char *s, uint32_t id, struct fw_rule *r, char *err, size_t errlen);

/* Writes the text form back (always NUL-terminated); returns what
 * ksnprintf() returns. */
int fw_rule_format(const struct fw_rule *r, char *buf, size_t len);

/* Checks a rule: known action, lo <= hi, ports only with tcp/udp, types
 * only with icmp/icmpv6, prefix lengths in range, both CIDRs and the
 * protocol of one family, label names well formed. Returns 0 or -EINVAL. */
int fw_rule_check(const struct fw_rule *r);

/* Compiles n rules (n <= FW_MAX_RULES). labels may be NULL when no rule
 * names one; opts may be NULL. Returns 0 with *out set, -EINVAL (a rule
 * fails fw_rule_check(), or too many rules) or -ENOMEM. */
int fw_compile(const struct fw_rule *rules, size_t n, const struct fw_labels *labels,
	       const struct fw_compile_opts *opts, struct fw_policy **out);
void fw_policy_free(struct fw_policy *p);

/* The first rule matching t (index 0..n-1), or FW_NOMATCH. ICMP and
 * ICMPv6 tuples carry the type in dport and 0 in sport (fw_key_icmp()).
 * Counts a hit on the rule (or on the default). p NULL: FW_NOMATCH. */
int fw_classify(struct fw_policy *p, const struct pkt_tuple *t);

/* The classifier's answer without the hit count; and a plain scan of the
 * rules in order, the reference the classifier must always agree with
 * (tests and benchmark). */
int fw_lookup(const struct fw_policy *p, const struct pkt_tuple *t);
int fw_lookup_linear(const struct fw_policy *p, const struct pkt_tuple *t);

/* Turns an ICMP/ICMPv6 tuple into the classifier's form (dport = type). */
static inline void fw_key_icmp(struct pkt_tuple *t, uint8_t type)
{
	t->sport = 0;
	t->dport = type;
}

/* Accessors (p must be valid, i < fw_policy_rules(p)). */
size_t   fw_policy_rules(const struct fw_policy *p);
uint32_t fw_rule_id(const struct fw_policy *p, size_t i);
enum fw_action fw_rule_action(const struct fw_policy *p, size_t i);
uint64_t fw_rule_hits(const struct fw_policy *p, size_t i);
uint64_t fw_default_hits(const struct fw_policy *p);
/* Hit counters of rules whose id and position are unchanged are carried
 * from old to p (a recompile after a membership change keeps its counts). */
void     fw_policy_carry_hits(struct fw_policy *p, const struct fw_policy *old);
/* Bytes the compiled policy holds. */
size_t   fw_policy_mem(const struct fw_policy *p);
/* Whether a rule names label (case-sensitive). */
bool     fw_policy_uses_label(const struct fw_policy *p, const char *label);
/* Whether every field of the classifier is exact (no verification). */
bool     fw_policy_exact(const struct fw_policy *p);

/* Address text: a.b.c.d or RFC 5952 IPv6. Parse returns 0 or -EINVAL. */
int fw_addr_parse(const char *s, size_t n, uint8_t *family, uint8_t addr[16]);
int fw_addr_format(uint8_t family, const uint8_t *addr, char *buf, size_t len);

/* Label names: 1..31 characters of [a-z0-9-]. */
bool fw_label_valid(const char *s);

#endif
