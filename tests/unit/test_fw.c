/* Unit tests of the firewall policies (net/fw.c): each field matched at
 * the edges of its ranges and prefixes (/0, /32, /128, lo-1, lo, hi,
 * hi+1), first match wins, default deny, labels resolved to address sets,
 * hit counters; the rule text form; and the classifier checked against
 * the plain linear scan on random policies and packets, both with exact
 * classes and with merged ones (the verified path), so it may never
 * answer differently from the rules as written. */
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

#include "net/fw.h"
#include "tests/unit/support/net_frames.h"
#include "tests/unit/support/net_stubs.h"

/* ------------------------------------------------------------ helpers */

static struct fw_policy *compile_text(const char *const *rules, size_t n,
				      const struct fw_labels *lb, uint32_t max_classes)
{
	struct fw_rule *r = calloc(n ? n : 1, sizeof(*r));
	struct fw_compile_opts o = { .max_classes = max_classes };
	struct fw_policy *p = NULL;
	char err[80];

	for (size_t i = 0; i < n; i++)
		if (fw_rule_parse(rules[i], (uint32_t)(100 + i), &r[i], err, sizeof(err)))
			fail_msg("rule \"%s\": %s", rules[i], err);
	assert_int_equal(fw_compile(r, n, lb, &o, &p), 0);
	free(r);
	return p;
}

static struct pkt_tuple tup(const char *src, const char *dst, uint8_t proto, uint16_t sport,
			    uint16_t dport)
{
	struct pkt_tuple t;

	memset(&t, 0, sizeof(t));
	fs_ip(t.src, src);
	fs_ip(t.dst, dst);
	t.family = strchr(src, ':') ? 6 : 4;
	t.proto = proto;
	t.sport = sport;
	t.dport = dport;
	return t;
}

/* The rule index matched, checked to be the linear scan's too. */
static int lookup(struct fw_policy *p, struct pkt_tuple t)
{
	int a = fw_lookup(p, &t), b = fw_lookup_linear(p, &t);

	if (a != b) {
		char s[64], d[64];

		fw_addr_format(t.family, t.src, s, sizeof(s));
		fw_addr_format(t.family, t.dst, d, sizeof(d));
		fail_msg("proto %u %s:%u -> %s:%u: classifier %d, linear scan %d", t.proto, s,
			 t.sport, d, t.dport, a, b);
	}
	return a;
}

#define L(p, s, d, pr, sp, dp) lookup((p), tup((s), (d), (pr), (sp), (dp)))

/* Each test runs twice: exact classes, and 2 classes per field. */
static uint32_t classes;

static int setup_exact(void **st)
{
	classes = 0;
	return 0;
}

static int setup_merged(void **st)
{
	classes = 2;
	return 0;
}

/* ------------------------------------------------------------ fields */

static void test_proto(void **st)
{
	const char *r[] = {
		"allow proto tcp",
		"allow proto udp",
		"allow proto icmp",
		"allow proto icmpv6",
		"allow proto 47",
	};
	struct fw_policy *p = compile_text(r, 5, NULL, classes);

	assert_int_equal(L(p, "1.2.3.4", "5.6.7.8", 6, 1, 2), 0);
	assert_int_equal(L(p, "1.2.3.4", "5.6.7.8", 17, 1, 2), 1);
	assert_int_equal(L(p, "1.2.3.4", "5.6.7.8", 1, 0, 8), 2);
	assert_int_equal(L(p, "1.2.3.4", "5.6.7.8", 58, 0, 128), FW_NOMATCH); /* v6 only */
	assert_int_equal(L(p, "::1", "::2", 58, 0, 128), 3);
	assert_int_equal(L(p, "::1", "::2", 1, 0, 8), FW_NOMATCH);	/* icmp is v4 only */
	assert_int_equal(L(p, "1.2.3.4", "5.6.7.8", 47, 0, 0), 4);
	assert_int_equal(L(p, "1.2.3.4", "5.6.7.8", 48, 0, 0), FW_NOMATCH);
	assert_int_equal(L(p, "1.2.3.4", "5.6.7.8", 0, 0, 0), FW_NOMATCH);
	fw_policy_free(p);
}

static void test_v4_prefix_edges(void **st)
{
	const char *r[] = {
		"allow from 10.1.2.3/32",
		"allow from 10.1.2.0/24 to 192.168.0.0/16",
		"allow to 172.16.0.0/12",
		"allow from 0.0.0.0/0 to 10.9.9.9",
	};
	struct fw_policy *p = compile_text(r, 4, NULL, classes);

	assert_int_equal(L(p, "10.1.2.3", "8.8.8.8", 6, 1, 1), 0);
	assert_int_equal(L(p, "10.1.2.2", "8.8.8.8", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "10.1.2.4", "8.8.8.8", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "10.1.2.0", "192.168.0.0", 6, 1, 1), 1);
	assert_int_equal(L(p, "10.1.2.255", "192.168.255.255", 6, 1, 1), 1);
	assert_int_equal(L(p, "10.1.1.255", "192.168.0.1", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "10.1.3.0", "192.168.0.1", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "10.1.2.9", "192.167.255.255", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "10.1.2.9", "192.169.0.0", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "172.16.0.0", 17, 1, 1), 2);
	assert_int_equal(L(p, "1.1.1.1", "172.31.255.255", 17, 1, 1), 2);
	assert_int_equal(L(p, "1.1.1.1", "172.32.0.0", 17, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "172.15.255.255", 17, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "0.0.0.0", "10.9.9.9", 17, 1, 1), 3);
	assert_int_equal(L(p, "255.255.255.255", "10.9.9.9", 17, 1, 1), 3);
	/* /32 rules do not match the other family. */
	assert_int_equal(L(p, "::", "::a09:909", 17, 1, 1), FW_NOMATCH);
	fw_policy_free(p);
}

static void test_v6_prefix_edges(void **st)
{
	const char *r[] = {
		"allow from fd00::1/128",
		"allow from fd00:1::/64 to ::/0",
		"allow to 2001:db8::/32 proto udp",
	};
	struct fw_policy *p = compile_text(r, 3, NULL, classes);

	assert_int_equal(L(p, "fd00::1", "::9", 6, 1, 1), 0);
	assert_int_equal(L(p, "fd00::", "::9", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "fd00::2", "::9", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "fd00:1::", "::9", 6, 1, 1), 1);
	assert_int_equal(L(p, "fd00:1::ffff:ffff:ffff:ffff", "ffff::", 6, 1, 1), 1);
	assert_int_equal(L(p, "fd00:0:ffff:ffff:ffff:ffff:ffff:ffff", "::9", 6, 1, 1),
			 FW_NOMATCH);
	assert_int_equal(L(p, "fd00:2::", "::9", 6, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "::", "2001:db8::", 17, 1, 1), 2);
	assert_int_equal(L(p, "::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 17, 1, 1), 2);
	assert_int_equal(L(p, "::", "2001:db9::", 17, 1, 1), FW_NOMATCH);
	assert_int_equal(L(p, "::", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 17, 1, 1),
			 FW_NOMATCH);
	assert_int_equal(L(p, "::", "2001:db8::", 6, 1, 1), FW_NOMATCH);
	/* v6 rules never match IPv4. */
	assert_int_equal(L(p, "0.0.0.1", "32.1.13.184", 17, 1, 1), FW_NOMATCH);
	fw_policy_free(p);
}

static void test_port_edges(void **st)
{
	const char *r[] = {
		"allow proto tcp dport 1000-2000",
		"allow proto udp sport 53 dport 1024-65535",
		"allow proto tcp dport 0",
		"allow proto tcp dport 65535",
	};
	struct fw_policy *p = compile_text(r, 4, NULL, classes);

	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 999), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 1000), 0);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 1500), 0);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 2000), 0);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 2001), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 17, 53, 1024), 1);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 17, 53, 65535), 1);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 17, 53, 1023), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 17, 52, 2000), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 17, 54, 2000), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 0), 2);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 1), FW_NOMATCH);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 65535), 3);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 5, 65534), FW_NOMATCH);
	fw_policy_free(p);
}

static void test_icmp_types(void **st)
{
	const char *r[] = {
		"allow proto icmp type 8",
		"deny proto icmp type 3-5",
		"allow proto icmpv6 type 128-129",
	};
	struct fw_policy *p = compile_text(r, 3, NULL, classes);
	struct pkt_tuple t = tup("1.1.1.1", "2.2.2.2", 1, 0, 0);

	fw_key_icmp(&t, 8);
	assert_int_equal(lookup(p, t), 0);
	fw_key_icmp(&t, 0);
	assert_int_equal(lookup(p, t), FW_NOMATCH);
	fw_key_icmp(&t, 2);
	assert_int_equal(lookup(p, t), FW_NOMATCH);
	fw_key_icmp(&t, 3);
	assert_int_equal(lookup(p, t), 1);
	fw_key_icmp(&t, 5);
	assert_int_equal(lookup(p, t), 1);
	fw_key_icmp(&t, 6);
	assert_int_equal(lookup(p, t), FW_NOMATCH);
	t = tup("::1", "::2", 58, 0, 0);
	fw_key_icmp(&t, 127);
	assert_int_equal(lookup(p, t), FW_NOMATCH);
	fw_key_icmp(&t, 128);
	assert_int_equal(lookup(p, t), 2);
	fw_key_icmp(&t, 129);
	assert_int_equal(lookup(p, t), 2);
	fw_key_icmp(&t, 130);
	assert_int_equal(lookup(p, t), FW_NOMATCH);
	fw_policy_free(p);
}

static void test_first_match_and_default(void **st)
{
	const char *r[] = {
		"deny proto tcp from 10.0.0.5 port 22",
		"deny-log proto tcp from 10.0.0.6 port 22",
		"allow proto tcp from 10.0.0.0/24 port 22",
		"deny proto tcp port 22",
		"allow proto tcp",
	};
	struct fw_policy *p = compile_text(r, 5, NULL, classes);
	struct pkt_tuple t = tup("10.0.0.5", "10.0.0.9", 6, 999, 22);

	assert_int_equal(lookup(p, t), 0);
	assert_int_equal(fw_rule_action(p, 0), FW_DENY);
	assert_int_equal(L(p, "10.0.0.6", "10.0.0.9", 6, 999, 22), 1);
	assert_int_equal(fw_rule_action(p, 1), FW_DENY_LOG);
	assert_int_equal(L(p, "10.0.0.7", "10.0.0.9", 6, 999, 22), 2);
	assert_int_equal(L(p, "10.0.1.7", "10.0.0.9", 6, 999, 22), 3);
	assert_int_equal(L(p, "10.0.1.7", "10.0.0.9", 6, 999, 23), 4);
	assert_int_equal(L(p, "10.0.1.7", "10.0.0.9", 17, 999, 23), FW_NOMATCH);
	assert_int_equal(fw_rule_id(p, 4), 104);

	/* Hits: counted by fw_classify, not by fw_lookup. */
	assert_int_equal(fw_classify(p, &t), 0);
	assert_int_equal(fw_classify(p, &t), 0);
	t.proto = 17;
	assert_int_equal(fw_classify(p, &t), FW_NOMATCH);
	assert_int_equal(fw_rule_hits(p, 0), 2);
	assert_int_equal(fw_rule_hits(p, 4), 0);
	assert_int_equal(fw_default_hits(p), 1);
	fw_policy_free(p);

	/* No rules, or no policy at all: nothing matches. */
	p = compile_text(NULL, 0, NULL, classes);
	assert_int_equal(L(p, "1.1.1.1", "2.2.2.2", 6, 1, 1), FW_NOMATCH);
	fw_policy_free(p);
	assert_int_equal(fw_classify(NULL, &t), FW_NOMATCH);
}

/* Labels: a resolver with two groups, mutable between compiles. */
static struct fw_cidr members[2][8];
static size_t nmembers[2];

static int resolve(void *ctx, const char *label, const struct fw_cidr **v, size_t *n)
{
	int *calls = ctx;

	(*calls)++;
	if (!strcmp(label, "web")) {
		*v = members[0];
		*n = nmembers[0];
	} else if (!strcmp(label, "db")) {
		*v = members[1];
		*n = nmembers[1];
	} else {
		*v = NULL;
		*n = 0;
	}
	return 0;
}

static void member(int g, const char *addr)
{
	struct fw_cidr *c = &members[g][nmembers[g]++];

	memset(c, 0, sizeof(*c));
	fs_ip(c->addr, addr);
	c->family = strchr(addr, ':') ? 6 : 4;
	c->plen = c->family == 4 ? 32 : 128;
}

static void test_labels(void **st)
{
	const char *r[] = {
		"allow proto tcp from label:web to label:db port 5432",
		"allow proto tcp from label:nobody",
		"deny proto tcp to label:db",
	};
	int calls = 0;
	struct fw_labels lb = { resolve, &calls };
	struct fw_policy *p, *p2;
	struct pkt_tuple t;

	nmembers[0] = nmembers[1] = 0;
	member(0, "10.0.0.1");
	member(0, "10.0.0.7");
	member(0, "fd00::1");
	member(1, "10.0.0.2");
	member(1, "fd00::2");
	p = compile_text(r, 3, &lb, classes);
	assert_true(calls > 0);
	assert_true(fw_policy_uses_label(p, "web"));
	assert_true(fw_policy_uses_label(p, "db"));
	assert_true(fw_policy_uses_label(p, "nobody"));
	assert_false(fw_policy_uses_label(p, "other"));

	assert_int_equal(L(p, "10.0.0.1", "10.0.0.2", 6, 9, 5432), 0);
	assert_int_equal(L(p, "10.0.0.7", "10.0.0.2", 6, 9, 5432), 0);
	assert_int_equal(L(p, "fd00::1", "fd00::2", 6, 9, 5432), 0);
	assert_int_equal(L(p, "10.0.0.3", "10.0.0.2", 6, 9, 5432), 2);	/* not web */
	assert_int_equal(L(p, "10.0.0.1", "10.0.0.2", 6, 9, 5433), 2);
	assert_int_equal(L(p, "10.0.0.1", "10.0.0.3", 6, 9, 5432), FW_NOMATCH);
	assert_int_equal(L(p, "fd00::1", "10.0.0.2", 6, 9, 5432), FW_NOMATCH);

	/* Membership changes take effect in a recompile; hits carry over. */
	t = tup("10.0.0.1", "10.0.0.2", 6, 9, 5432);
	fw_classify(p, &t);
	nmembers[0] = 0;
	member(0, "10.0.0.3");
	p2 = compile_text(r, 3, &lb, classes);
	fw_policy_carry_hits(p2, p);
	assert_int_equal(fw_rule_hits(p2, 0), 1);
	assert_int_equal(L(p2, "10.0.0.3", "10.0.0.2", 6, 9, 5432), 0);
	assert_int_equal(L(p2, "10.0.0.1", "10.0.0.2", 6, 9, 5432), 2);
	fw_policy_free(p);
	fw_policy_free(p2);

	/* An empty group matches nothing; no resolver at all likewise. */
	nmembers[0] = 0;
	p = compile_text(r, 3, &lb, classes);
	assert_int_equal(L(p, "10.0.0.1", "10.0.0.2", 6, 9, 5432), 2);
	fw_policy_free(p);
	p = compile_text(r, 3, NULL, classes);
	assert_int_equal(L(p, "10.0.0.1", "10.0.0.2", 6, 9, 5432), FW_NOMATCH);
	fw_policy_free(p);
}

static int resolve_fail(void *ctx, const char *label, const struct fw_cidr **v, size_t *n)
{
	return -ENOMEM;
}

static void test_compile_errors(void **st)
{
	struct fw_rule r;
	struct fw_policy *p = NULL;
	struct fw_labels lb = { resolve_fail, NULL };

	fw_rule_init(&r, 1, FW_ALLOW);
	r.proto = 300;
	assert_int_equal(fw_compile(&r, 1, NULL, NULL, &p), -EINVAL);
	fw_rule_init(&r, 1, FW_ALLOW);
	r.sport.lo = 5;
	r.sport.hi = 4;
	assert_int_equal(fw_compile(&r, 1, NULL, NULL, &p), -EINVAL);
	assert_int_equal(fw_compile(&r, FW_MAX_RULES + 1, NULL, NULL, &p), -EINVAL);
	fw_rule_init(&r, 1, FW_ALLOW);
	r.src.kind = FW_PEER_LABEL;
	strcpy(r.src.label, "web");
	assert_int_equal(fw_compile(&r, 1, &lb, NULL, &p), -ENOMEM);
	assert_null(p);
}

/* Every allocation of a compile failing in turn: -ENOMEM, nothing leaked
 * (LeakSanitizer checks at exit), and success once memory is there. */
static void test_compile_nomem(void **st)
{
	const char *r[] = {
		"allow proto tcp from 10.0.0.0/8 port 80",
		"allow proto udp from fd00::/8 port 53",
		"deny from 1.2.3.4",
	};
	struct fw_rule rules[3];
	struct fw_policy *p;
	int fails = 0;

	for (int i = 0; i < 3; i++)
		assert_int_equal(fw_rule_parse(r[i], (uint32_t)i, &rules[i], NULL, 0), 0);
	for (long k = 0;; k++) {
		int e;

		p = NULL;
		stub_alloc_fail_after(k);
		e = fw_compile(rules, 3, NULL, NULL, &p);
		stub_alloc_fail_after(-1);
		if (!e)
			break;
		assert_int_equal(e, -ENOMEM);
		assert_null(p);
		fails++;
	}
	assert_true(fails > 5);
	assert_int_equal(L(p, "10.1.1.1", "1.1.1.1", 6, 1, 80), 0);
	fw_policy_free(p);
}

/* ------------------------------------------------------------ text */

static void test_parse_format(void **st)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "allow", "allow proto any from any to any" },
		{ "deny-log proto tcp from label:web to 10.0.0.0/8 port 80-90",
		  "deny-log proto tcp from label:web to 10.0.0.0/8 sport 0-65535 dport 80-90" },
		{ "allow proto udp sport 53 dport 1024-65535 from fd00::1",
		  "allow proto udp from fd00::1/128 to any sport 53-53 dport 1024-65535" },
		{ "allow proto icmpv6 type 128 to ::/0",
		  "allow proto icmpv6 from any to ::/0 type 128-128" },
		{ "  deny   proto 47  ", "deny proto 47 from any to any" },
		{ "allow to 2001:db8:0:0:1:0:0:1", "allow proto any from any to 2001:db8::1:0:0:1/128" },
	};
	static const char *const bad[] = {
		"", "permit", "allow proto", "allow proto sctp", "allow proto 256",
		"allow from", "allow from 10.0.0.256", "allow from 10.0.0.1/33",
		"allow from fd00::/129", "allow from label:", "allow from label:Web",
		"allow from label:a_b", "allow proto tcp port 70000", "allow proto tcp port 5-4",
		"allow port 80", "allow proto tcp type 8", "allow proto icmp port 1",
		"allow proto icmp from fd00::1", "allow from 10.0.0.1 to fd00::1",
		"allow proto icmp type 256", "allow frm 1.2.3.4", "allow from 1::2::3",
		"allow from 1:2:3:4:5:6:7:8:9", "allow from 12345::", "allow from 1.2.3",
		"allow proto tcp port -5",
		"allow from label:0123456789012345678901234567890123",
	};
	struct fw_rule r;
	char buf[200], err[80];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (fw_rule_parse(ok[i].in, 7, &r, err, sizeof(err)))
			fail_msg("\"%s\": %s", ok[i].in, err);
		assert_int_equal(r.id, 7);
		fw_rule_format(&r, buf, sizeof(buf));
		assert_string_equal(buf, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (!fw_rule_parse(bad[i], 7, &r, err, sizeof(err)))
			fail_msg("\"%s\" parsed", bad[i]);
		assert_true(err[0] != 0);
	}
}

static void test_addr_text(void **st)
{
	static const char *const rt[] = {
		"::", "::1", "fd00::1", "2001:db8::1:0:0:1", "fe80::200:ff:fe00:1",
		"1:2:3:4:5:6:7:8", "1::", "1:0:0:2::3",
	};
	uint8_t a[16], fam;
	char b[64];

	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		assert_int_equal(fw_addr_parse(rt[i], strlen(rt[i]), &fam, a), 0);
		assert_int_equal(fam, 6);
		fw_addr_format(6, a, b, sizeof(b));
		assert_string_equal(b, rt[i]);
	}
	assert_int_equal(fw_addr_parse("192.168.1.254", 13, &fam, a), 0);
	fw_addr_format(fam, a, b, sizeof(b));
	assert_string_equal(b, "192.168.1.254");
	/* Truncated output stays terminated. */
	fw_addr_parse("fd00::1", 7, &fam, a);
	fw_addr_format(6, a, b, 4);
	assert_int_equal(strlen(b), 3);
	assert_false(fw_label_valid(""));
	assert_true(fw_label_valid("web-1"));
	assert_false(fw_label_valid("0123456789012345678901234567890123456789"));
}

/* Many classes (so the fields get their search index), with rules at
 * the very ends of each field: every edge value agrees with the scan. */
static void test_index_edges(void **st)
{
	static const char *const ends[] = {
		"allow proto udp from 0.0.0.0/32", "allow proto udp from 255.255.255.255",
		"allow proto udp to ::/128", "allow proto udp to ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"allow proto tcp dport 0", "allow proto tcp dport 65535", "allow proto tcp sport 65535",
		"allow proto tcp from 128.0.0.0/1", "allow proto tcp from 8000::/1",
	};
	static const char *const probes4[] = {
		"0.0.0.0", "0.0.0.1", "127.255.255.255", "128.0.0.0", "255.255.255.254",
		"255.255.255.255", "10.0.0.0", "10.0.0.255",
	};
	static const char *const probes6[] = {
		"::", "::1", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fd00::", "fd00::ff",
	};
	static const uint16_t ports[] = { 0, 1, 999, 1000, 65534, 65535 };
	struct fw_rule r[520];
	struct fw_policy *p;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		assert_int_equal(fw_rule_parse(ends[i], (uint32_t)n, &r[n], NULL, 0), 0), n++;
	for (unsigned i = 0; i < 250; i++) {	/* hosts and port ranges in the middle */
		char t[96];

		snprintf(t, sizeof(t), "deny proto tcp from 10.0.%u.%u to fd00::%x dport %u-%u",
			 i / 4, i * 7 % 256, i * 3, 1000 + i * 200, 1000 + i * 200 + i % 50);
		assert_int_equal(fw_rule_parse(t, (uint32_t)n, &r[n], NULL, 0), -EINVAL);
		snprintf(t, sizeof(t), "deny proto tcp from 10.0.%u.%u dport %u-%u", i / 4, i * 7 % 256,
			 1000 + i * 200, 1000 + i * 200 + i % 50);
		assert_int_equal(fw_rule_parse(t, (uint32_t)n, &r[n], NULL, 0), 0), n++;
		snprintf(t, sizeof(t), "deny proto udp to fd00::%x sport %u", i * 3, 2000 + i);
		assert_int_equal(fw_rule_parse(t, (uint32_t)n, &r[n], NULL, 0), 0), n++;
	}
	for (uint32_t cls = 0; cls <= 100; cls += 100) {
		struct fw_compile_opts o = { .max_classes = cls };

		assert_int_equal(fw_compile(r, n, NULL, &o, &p), 0);
		for (size_t a = 0; a < 8; a++)
			for (size_t b = 0; b < 8; b++)
				for (size_t k = 0; k < 6; k++)
					for (int pr = 0; pr < 2; pr++) {
						uint8_t proto = pr ? 6 : 17;

						L(p, probes4[a], probes4[b], proto, ports[k], ports[5 - k]);
						L(p, probes6[a], probes6[b], proto, ports[k], ports[k]);
					}
		assert_int_equal(L(p, "255.255.255.255", "1.1.1.1", 17, 0, 0), 1);
		assert_int_equal(L(p, "1.1.1.1", "0.0.0.0", 17, 5, 5), FW_NOMATCH);
		assert_int_equal(L(p, "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 17, 5, 5), 3);
		assert_int_equal(L(p, "1.1.1.1", "1.1.1.1", 6, 5, 65535), 5);
		assert_int_equal(L(p, "200.1.1.1", "1.1.1.1", 6, 5, 5), 7);
		fw_policy_free(p);
	}
}

/* ------------------------------------------------------------ random */

static uint64_t rs;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 16);
}

/* Addresses from a small space so that rules overlap and nest. */
static void rand_addr(uint8_t fam, uint8_t *a)
{
	memset(a, 0, 16);
	if (fam == 4) {
		a[0] = 10;
		a[1] = (uint8_t)(rnd() % 3);
		a[2] = (uint8_t)(rnd() % 4);
		a[3] = (uint8_t)rnd();
	} else {
		a[0] = 0xfd;
		a[7] = (uint8_t)(rnd() % 3);
		a[14] = (uint8_t)(rnd() % 4);
		a[15] = (uint8_t)rnd();
	}
}

/* 1 in `wild` peers or protocols is "any". */
static unsigned wild = 8;

static void rand_peer(struct fw_peer *pe, uint8_t fam)
{
	unsigned k = rnd() % wild;

	memset(pe, 0, sizeof(*pe));
	if (k == 0)
		return;		/* any */
	if (k == 1) {
		pe->kind = FW_PEER_LABEL;
		strcpy(pe->label, rnd() % 2 ? "web" : "db");
		return;
	}
	pe->kind = FW_PEER_CIDR;
	pe->cidr.family = fam;
	rand_addr(fam, pe->cidr.addr);
	pe->cidr.plen = (uint8_t)(fam == 4 ? 16 + rnd() % 17 : 96 + rnd() % 33);
	if (rnd() % 16 == 0)
		pe->cidr.plen = 0;
}

static void rand_range(struct fw_range *r, unsigned max)
{
	unsigned k = rnd() % 4;

	r->lo = 0;
	r->hi = (uint16_t)max;
	if (k == 1) {
		r->lo = r->hi = (uint16_t)(rnd() % 64);
	} else if (k == 2) {
		r->lo = (uint16_t)(rnd() % 64);
		r->hi = (uint16_t)(r->lo + rnd() % 40);
	}
}

static void rand_rule(struct fw_rule *r, uint32_t id)
{
	uint8_t fam = rnd() % 2 ? 4 : 6;

	fw_rule_init(r, id, (enum fw_action)(rnd() % 3));
	switch (rnd() % 6) {
	case 0: r->proto = rnd() % wild < 4 ? FW_PROTO_ANY : 6; break;
	case 1: case 2: r->proto = 6; break;
	case 3: r->proto = 17; break;
	case 4: r->proto = fam == 4 ? 1 : 58; break;
	default: r->proto = 47; break;
	}
	rand_peer(&r->src, fam);
	rand_peer(&r->dst, fam);
	if (r->proto == 6 || r->proto == 17) {
		rand_range(&r->sport, 65535);
		rand_range(&r->dport, 65535);
	} else if (r->proto == 1 || r->proto == 58) {
		rand_range(&r->icmp_type, 255);
	}
}

static void rand_tuple(struct pkt_tuple *t)
{
	static const uint8_t protos[] = { 6, 6, 17, 1, 58, 47, 0 };

	memset(t, 0, sizeof(*t));
	t->family = rnd() % 2 ? 4 : 6;
	t->proto = protos[rnd() % sizeof(protos)];
	rand_addr(t->family, t->src);
	rand_addr(t->family, t->dst);
	if (t->proto == 6 || t->proto == 17) {
		t->sport = (uint16_t)(rnd() % 110);
		t->dport = (uint16_t)(rnd() % 110);
	} else if (t->proto == 1 || t->proto == 58) {
		fw_key_icmp(t, (uint8_t)(rnd() % 110));
	}
}

static void differential(uint64_t seed, size_t nrules, uint32_t max_classes, int lookups)
{
	struct fw_rule *r = calloc(nrules, sizeof(*r));
	struct fw_compile_opts o = { .max_classes = max_classes };
	int calls = 0;
	struct fw_labels lb = { resolve, &calls };
	struct fw_policy *p;
	int hits = 0;

	rs = seed;
	nmembers[0] = nmembers[1] = 0;
	for (int i = 0; i < 6; i++) {
		struct fw_cidr *c = &members[i % 2][nmembers[i % 2]++];

		memset(c, 0, sizeof(*c));
		c->family = i < 4 ? 4 : 6;
		rand_addr(c->family, c->addr);
		c->plen = (uint8_t)(c->family == 4 ? 24 + rnd() % 9 : 120 + rnd() % 9);
	}
	for (size_t i = 0; i < nrules; i++)
		rand_rule(&r[i], (uint32_t)i);
	assert_int_equal(fw_compile(r, nrules, &lb, &o, &p), 0);
	if (max_classes && max_classes <= 16)
		assert_false(fw_policy_exact(p));	/* the verified path ran */
	for (int k = 0; k < lookups; k++) {
		struct pkt_tuple t;
		int a, b;

		rand_tuple(&t);
		a = fw_lookup(p, &t);
		b = fw_lookup_linear(p, &t);
		if (a != b)
			fail_msg("seed %llu rules %zu classes %u: lookup %d, linear %d",
				 (unsigned long long)seed, nrules, max_classes, a, b);
		hits += a >= 0;
	}
	/* Both outcomes were exercised (small sets may match everything). */
	assert_true(hits > lookups / 50);
	assert_true(hits < lookups || nrules < 1000);
	fw_policy_free(p);
	free(r);
}

static void test_differential(void **st)
{
	static const uint32_t cls[] = { 0, 2, 3, 16, 100 };

	wild = 8;
	for (uint64_t seed = 1; seed <= 12; seed++)
		for (size_t c = 0; c < sizeof(cls) / sizeof(cls[0]); c++)
			differential(seed * 7919, 20 + seed * 25, cls[c], 3000);
	wild = 400;
	differential(424242, 3000, 0, 10000);
	differential(434343, 3000, 64, 10000);
	wild = 8;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_proto, setup_exact),
		cmocka_unit_test_setup(test_proto, setup_merged),
		cmocka_unit_test_setup(test_v4_prefix_edges, setup_exact),
		cmocka_unit_test_setup(test_v4_prefix_edges, setup_merged),
		cmocka_unit_test_setup(test_v6_prefix_edges, setup_exact),
		cmocka_unit_test_setup(test_v6_prefix_edges, setup_merged),
		cmocka_unit_test_setup(test_port_edges, setup_exact),
		cmocka_unit_test_setup(test_port_edges, setup_merged),
		cmocka_unit_test_setup(test_icmp_types, setup_exact),
		cmocka_unit_test_setup(test_icmp_types, setup_merged),
		cmocka_unit_test_setup(test_first_match_and_default, setup_exact),
		cmocka_unit_test_setup(test_first_match_and_default, setup_merged),
		cmocka_unit_test_setup(test_labels, setup_exact),
		cmocka_unit_test_setup(test_labels, setup_merged),
		cmocka_unit_test(test_index_edges),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_compile_nomem),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_addr_text),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
