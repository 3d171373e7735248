/* Firewall rules as text (see fw.h): fw_rule_parse() and fw_rule_format(),
 * and the address forms they use, fw_addr_parse() and fw_addr_format()
 * (a.b.c.d, RFC 5952 IPv6). The compiler and classifier are in fw.c. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/fmt.h"
#include "net/fw.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_v4(const char *s, size_t n, uint8_t *a)
{
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		unsigned v = 0, digits = 0;

		if (k) {
			if (i >= n || s[i] != '.')
				return -EINVAL;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return -EINVAL;
		a[k] = (uint8_t)v;
	}
	return i == n ? 0 : -EINVAL;
}

static int parse_v6(const char *s, size_t n, uint8_t *a)
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	}
	while (i < n) {
		unsigned v = 0, digits = 0;
		int h;

		while (i < n && (h = hexval(s[i])) >= 0 && digits < 5) {
			v = v << 4 | (unsigned)h;
			digits++;
			i++;
		}
		if (!digits || digits > 4 || ng == 8)
			return -EINVAL;
		g[ng++] = (uint16_t)v;
		if (i == n)
			break;
		if (s[i] != ':' || ++i == n)
			return -EINVAL;
		if (s[i] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = ng;
			i++;
		}
	}
	if (gap < 0 ? ng != 8 : ng > 7)
		return -EINVAL;
	memset(a, 0, 16);
	for (int k = 0; k < ng; k++) {
		int pos = gap >= 0 && k >= gap ? 8 - (ng - k) : k;

		a[2 * pos] = (uint8_t)(g[k] >> 8);
		a[2 * pos + 1] = (uint8_t)g[k];
	}
	return 0;
}

int fw_addr_parse(const char *s, size_t n, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (memchr(s, ':', n)) {
		*family = 6;
		return parse_v6(s, n, addr);
	}
	*family = 4;
	return parse_v4(s, n, addr);
}

int fw_addr_format(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	int best = -1, bestn = 0, pos = 0;

	if (family == 4)
		return ksnprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	for (int i = 0; i < 8;) {	/* RFC 5952 4.2: the longest run of 2+ zero groups */
		int j = i;

		while (j < 8 && !a[2 * j] && !a[2 * j + 1])
			j++;
		if (j - i > bestn && j - i >= 2) {
			best = i;
			bestn = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (len)
		buf[0] = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			pos += ksnprintf(buf + (size_t)pos, len > (size_t)pos ? len - (size_t)pos : 0,
					 i == 0 ? "::" : ":");
			i += bestn - 1;
			continue;
		}
		pos += ksnprintf(buf + (size_t)pos, len > (size_t)pos ? len - (size_t)pos : 0,
				 "%x%s", a[2 * i] << 8 | a[2 * i + 1], i < 7 ? ":" : "");
	}
	return pos;
}

static bool tok_eq(const char *t, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(t, w, n);
}

static int parse_num(const char *t, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (!n || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(t[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_range(const char *t, size_t n, unsigned max, struct fw_range *r)
{
	const char *dash = memchr(t, '-', n);
	unsigned lo, hi;

	if (!dash) {
		if (parse_num(t, n, max, &lo))
			return -EINVAL;
		hi = lo;
	} else if (parse_num(t, (size_t)(dash - t), max, &lo) ||
		   parse_num(dash + 1, n - (size_t)(dash - t) - 1, max, &hi) || lo > hi) {
		return -EINVAL;
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

static int parse_peer(const char *t, size_t n, struct fw_peer *pe)
{
	const char *slash;
	unsigned plen;

	memset(pe, 0, sizeof(*pe));
	if (tok_eq(t, n, "any"))
		return 0;
	if (n > 6 && !memcmp(t, "label:", 6)) {
		if (n - 6 >= FW_NAME_MAX)
			return -EINVAL;
		pe->kind = FW_PEER_LABEL;
		memcpy(pe->label, t + 6, n - 6);
		return fw_label_valid(pe->label) ? 0 : -EINVAL;
	}
	pe->kind = FW_PEER_CIDR;
	slash = memchr(t, '/', n);
	if (fw_addr_parse(t, slash ? (size_t)(slash - t) : n, &pe->cidr.family, pe->cidr.addr))
		return -EINVAL;
	plen = pe->cidr.family == 4 ? 32 : 128;
	if (slash && parse_num(slash + 1, n - (size_t)(slash - t) - 1, plen, &plen))
		return -EINVAL;
	pe->cidr.plen = (uint8_t)plen;
	return 0;
}

int fw_rule_parse(const char *s, uint32_t id, struct fw_rule *r, char *err, size_t errlen)
{
	const char *t[24];
	size_t tl[24], nt = 0;
	const char *why = NULL;
	size_t i;

	for (const char *c = s; *c;) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c)
			break;
		if (nt == 24) {
			why = "too many words";
			goto bad;
		}
		t[nt] = c;
		while (*c && *c != ' ' && *c != '\t')
			c++;
		tl[nt] = (size_t)(c - t[nt]);
		nt++;
	}
	if (!nt) {
		why = "empty rule";
		goto bad;
	}
	if (tok_eq(t[0], tl[0], "allow"))
		fw_rule_init(r, id, FW_ALLOW);
	else if (tok_eq(t[0], tl[0], "deny"))
		fw_rule_init(r, id, FW_DENY);
	else if (tok_eq(t[0], tl[0], "deny-log"))
		fw_rule_init(r, id, FW_DENY_LOG);
	else {
		why = "expected allow, deny or deny-log";
		goto bad;
	}
	for (i = 1; i < nt; i += 2) {
		const char *v = i + 1 < nt ? t[i + 1] : NULL;
		size_t vl = i + 1 < nt ? tl[i + 1] : 0;
		unsigned num;

		if (!v) {
			why = "keyword without a value";
			goto bad;
		}
		if (tok_eq(t[i], tl[i], "proto")) {
			why = "bad protocol";
			if (tok_eq(v, vl, "tcp"))
				r->proto = PKT_PROTO_TCP;
			else if (tok_eq(v, vl, "udp"))
				r->proto = PKT_PROTO_UDP;
			else if (tok_eq(v, vl, "icmp"))
				r->proto = PKT_PROTO_ICMP;
			else if (tok_eq(v, vl, "icmpv6"))
				r->proto = PKT_PROTO_ICMP6;
			else if (tok_eq(v, vl, "any"))
				r->proto = FW_PROTO_ANY;
			else if (!parse_num(v, vl, 255, &num))
				r->proto = (uint16_t)num;
			else
				goto bad;
		} else if (tok_eq(t[i], tl[i], "from") || tok_eq(t[i], tl[i], "to")) {
			why = "bad address, prefix or label";
			if (parse_peer(v, vl, t[i][0] == 'f' ? &r->src : &r->dst))
				goto bad;
		} else if (tok_eq(t[i], tl[i], "sport")) {
			why = "bad port range";
			if (parse_range(v, vl, 65535, &r->sport))
				goto bad;
		} else if (tok_eq(t[i], tl[i], "dport") || tok_eq(t[i], tl[i], "port")) {
			why = "bad port range";
			if (parse_range(v, vl, 65535, &r->dport))
				goto bad;
		} else if (tok_eq(t[i], tl[i], "type")) {
			why = "bad ICMP type range";
			if (parse_range(v, vl, 255, &r->icmp_type))
				goto bad;
		} else {
			why = "unknown keyword";
			goto bad;
		}
	}
	why = "ports need tcp or udp, types icmp or icmpv6, addresses one family";
	if (fw_rule_check(r))
		goto bad;
	return 0;
bad:
	if (errlen)
		ksnprintf(err, errlen, "%s", why);
	return -EINVAL;
}

static int fmt_peer(const struct fw_peer *pe, char *buf, size_t len)
{
	int n;

	if (pe->kind == FW_PEER_LABEL)
		return ksnprintf(buf, len, "label:%.*s", FW_NAME_MAX, pe->label);
	if (pe->kind != FW_PEER_CIDR)
		return ksnprintf(buf, len, "any");
	n = fw_addr_format(pe->cidr.family, pe->cidr.addr, buf, len);
	return n + ksnprintf(len > (size_t)n ? buf + n : NULL, len > (size_t)n ? len - (size_t)n : 0,
			     "/%u", pe->cidr.plen);
}

int fw_rule_format(const struct fw_rule *r, char *buf, size_t len)
{
	static const char *const act[] = { "allow", "deny", "deny-log" };
	char src[64], dst[64], pr[16], ports[48];

	fmt_peer(&r->src, src, sizeof(src));
	fmt_peer(&r->dst, dst, sizeof(dst));
	if (r->proto == FW_PROTO_ANY)
		ksnprintf(pr, sizeof(pr), "any");
	else if (r->proto == PKT_PROTO_TCP || r->proto == PKT_PROTO_UDP)
		ksnprintf(pr, sizeof(pr), "%s", r->proto == PKT_PROTO_TCP ? "tcp" : "udp");
	else if (r->proto == PKT_PROTO_ICMP || r->proto == PKT_PROTO_ICMP6)
		ksnprintf(pr, sizeof(pr), "%s", r->proto == PKT_PROTO_ICMP ? "icmp" : "icmpv6");
	else
		ksnprintf(pr, sizeof(pr), "%u", r->proto);
	if (r->proto == PKT_PROTO_ICMP || r->proto == PKT_PROTO_ICMP6)
		ksnprintf(ports, sizeof(ports), " type %u-%u", r->icmp_type.lo, r->icmp_type.hi);
	else if (r->proto == PKT_PROTO_TCP || r->proto == PKT_PROTO_UDP)
		ksnprintf(ports, sizeof(ports), " sport %u-%u dport %u-%u",
			  r->sport.lo, r->sport.hi, r->dport.lo, r->dport.hi);
	else
		ports[0] = 0;
	return ksnprintf(buf, len, "%s proto %s from %s to %s%s",
			 r->action <= FW_DENY_LOG ? act[r->action] : "?", pr, src, dst, ports);
}
