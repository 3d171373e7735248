/* Boot configuration: the checks that need no libfdt (see bootcfg.h).
 * Error messages, the value checks behind every property (names, boot
 * module names, text, PEM blocks, MACs, IPv4 addresses and prefixes,
 * gateways, network references) and the cross-checks over the whole
 * parsed tree. bootcfg.c walks the blob and calls them; the shared
 * declarations are in bootcfg_priv.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/bootcfg.h"
#include "kernel/bootcfg_priv.h"
#include "kernel/fmt.h"

/* ------------------------------------------------------------ messages */

int fail(struct pctx *p, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return rc;
	n = ksnprintf(p->err, p->errlen, "%s: ", p->path);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		kvsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Copies at most len bytes of s (up to its NUL) into buf for a message:
 * anything but printable ASCII becomes '?', long strings end in "...". */
const char *shown(char *buf, size_t size, const char *s, size_t len)
{
	size_t i;
	char ch;

	for (i = 0; i < len && s[i] && i + 1 < size; i++) {
		ch = s[i];
		buf[i] = (ch >= 0x20 && ch < 0x7f && ch != '"') ? ch : '?';
	}
	buf[i] = '\0';
	if (i < len && s[i] && size >= 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

void set_path(struct pctx *p, const char *parent, const char *name)
{
	char nb[SHOWN_MAX];

	if (!parent)
		ksnprintf(p->path, sizeof(p->path), "%s", name);
	else
		ksnprintf(p->path, sizeof(p->path), "%s/%s", parent,
			  SHOW(nb, name, SHOWN_MAX));
}

/* One level down: path "vms/web" becomes "vms/web/<name>". */
void add_path(struct pctx *p, const char *name)
{
	size_t n = strnlen(p->path, sizeof(p->path));

	ksnprintf(p->path + n, sizeof(p->path) - n, "/%s", name);
}

void fmt_ipv4(char *buf, size_t len, uint32_t a)
{
	ksnprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		  (a >> 8) & 0xff, a & 0xff);
}

void fmt_mac(char *buf, size_t len, const uint8_t *m)
{
	ksnprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		  (unsigned)m[0], (unsigned)m[1], (unsigned)m[2],
		  (unsigned)m[3], (unsigned)m[4], (unsigned)m[5]);
}

/* ------------------------------------------------------------ values */

/* strlcpy(), which the host's libc may lack. */
void scopy(char *d, const char *s, size_t size)
{
	size_t n = strnlen(s, size - 1);

	memcpy(d, s, n);
	d[n] = '\0';
}

/* A string property: exactly one NUL-terminated string filling the value
 * (a stringlist or raw bytes are not a string). */
int get_str(struct pctx *p, const char *prop, const void *v, int len,
	    size_t maxlen, const char **out)
{
	const char *s = v;

	if (len < 1 || s[len - 1] != '\0')
		return fail(p, -EINVAL, "%s must be a NUL-terminated string",
			    prop);
	if (strnlen(s, len) != (size_t)len - 1)
		return fail(p, -EINVAL, "%s must be a single string", prop);
	if ((size_t)len - 1 > maxlen)
		return fail(p, -EINVAL, "%s is longer than %zu characters",
			    prop, maxlen);
	*out = s;
	return 0;
}

int get_flag(struct pctx *p, const char *prop, int len, bool *out)
{
	if (len != 0)
		return fail(p, -EINVAL, "%s is a flag and takes no value",
			    prop);
	*out = true;
	return 0;
}

/* RFC 1123 label rules, shorter: 1..31 of [a-z0-9-], no '-' at either end. */
bool valid_name(const char *s)
{
	size_t i, n = strnlen(s, BOOTCFG_NAME_MAX);

	if (n == 0 || n >= BOOTCFG_NAME_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

int bad_name(struct pctx *p, const char *what, const char *s,
	     size_t len)
{
	char nb[SHOWN_MAX];

	return fail(p, -EINVAL, "%s \"%s\" is not a valid name "
		    "(1..31 of a-z 0-9 '-', no '-' at either end)",
		    what, SHOW(nb, s, len));
}

int get_name(struct pctx *p, const char *prop, const void *v, int len,
	     char *out)
{
	const char *s;
	int rc = get_str(p, prop, v, len, 255, &s);

	if (rc)
		return rc;
	if (!valid_name(s))
		return bad_name(p, prop, s, len);
	scopy(out, s, BOOTCFG_NAME_MAX);
	return 0;
}

/* Boot module names, as the boot loader passes them: a file name. */
int get_modname(struct pctx *p, const char *prop, const void *v,
		int len, char *out)
{
	char nb[SHOWN_MAX];
	const char *s;
	size_t i, n;
	int rc = get_str(p, prop, v, len, BOOTCFG_MODNAME_MAX - 1, &s);

	if (rc)
		return rc;
	n = strlen(s);
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') ||
		      (i > 0 && (ch == '.' || ch == '_' || ch == '-' ||
				 ch == '+'))))
			break;
	}
	if (n == 0 || i < n)
		return fail(p, -EINVAL, "%s \"%s\" is not a boot module name "
			    "(1..63 of A-Z a-z 0-9 . _ - +, starting with a "
			    "letter or digit)", prop, SHOW(nb, s, n));
	scopy(out, s, BOOTCFG_MODNAME_MAX);
	return 0;
}

/* Free text: printable ASCII, plus tab and line breaks when multiline. */
int get_text(struct pctx *p, const char *prop, const void *v, int len,
	     size_t maxlen, bool multiline, const char **out)
{
	const char *s;
	size_t i;
	int rc = get_str(p, prop, v, len, maxlen, &s);

	if (rc)
		return rc;
	for (i = 0; s[i]; i++) {
		char ch = s[i];

		if ((ch < 0x20 || ch > 0x7e) &&
		    !(multiline && (ch == '\n' || ch == '\r' || ch == '\t')))
			return fail(p, -EINVAL,
				    "%s has a control character at %zu",
				    prop, i);
	}
	*out = s;
	return 0;
}

int get_pem(struct pctx *p, const char *prop, const void *v, int len,
	    const char *begin, const char *end, const char **out,
	    size_t *outlen)
{
	const char *s, *b;
	int rc = get_text(p, prop, v, len, BOOTCFG_PEM_MAX, true, &s);

	if (rc)
		return rc;
	b = strstr(s, begin);
	if (!b || !strstr(b, end))
		return fail(p, -EINVAL, "%s is not a PEM %s...%s block", prop,
			    begin, end);
	*out = s;
	*outlen = (size_t)len - 1;
	return 0;
}

int get_mac(struct pctx *p, const char *prop, const void *v, int len,
	    uint8_t *out)
{
	static const uint8_t zero[6];
	const uint8_t *m = v;
	char mb[24];

	if (len != 6)
		return fail(p, -EINVAL, "%s must be 6 bytes "
			    "[xx xx xx xx xx xx], got %d bytes", prop, len);
	fmt_mac(mb, sizeof(mb), m);
	if (m[0] & 1)
		return fail(p, -EINVAL, "%s %s is multicast, must be unicast",
			    prop, mb);
	if (!memcmp(m, zero, 6))
		return fail(p, -EINVAL, "%s %s is all zeros", prop, mb);
	memcpy(out, m, 6);
	return 0;
}

/* Strict dotted quad: four decimal octets 0..255, no leading zeros (which
 * some parsers read as octal). Returns the first byte after it, or NULL;
 * *why is set for a bad octet and left alone for a syntax error. */
static const char *parse_quad(const char *s, uint32_t *out, const char **why)
{
	uint32_t a = 0, o;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((i > 0 && *s++ != '.') || *s < '0' || *s > '9')
			return NULL;
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
			*why = "leading zero in an octet";
			return NULL;
		}
		for (o = 0, d = 0; *s >= '0' && *s <= '9'; s++, d++)
			o = d < 3 ? o * 10 + (uint32_t)(*s - '0') : 256;
		if (o > 255) {
			*why = "octet out of range 0..255";
			return NULL;
		}
		a = a << 8 | o;
	}
	*out = a;
	return s;
}

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

/* Unicast: not 0/8, loopback, multicast or the reserved 240/4. */
static bool ipv4_unicast(uint32_t a)
{
	uint32_t top = a >> 24;

	return top != 0 && top != 127 && top < 224;
}

/* An interface address "a.b.c.d/n" (a unicast host of its subnet), or
 * with cidr false a plain unicast "a.b.c.d" (prefix left 0). */
int get_addr(struct pctx *p, const char *prop, const void *v, int len,
	     bool cidr, struct bootcfg_ipv4 *out)
{
	const char *s, *why = cidr ? "expected a.b.c.d/n" : "expected a.b.c.d";
	char nb[SHOWN_MAX], ab[16];
	uint32_t a, n = 0, host;
	int rc = get_str(p, prop, v, len, 63, &s);

	if (rc)
		return rc;
	s = parse_quad(s, &a, &why);
	if (s && cidr) {
		if (*s++ != '/' || *s < '0' || *s > '9')
			s = NULL;
		else if (s[0] == '0' && s[1])
			why = "leading zero in the prefix", s = NULL;
		for (; s && *s >= '0' && *s <= '9' && n <= 32; s++)
			n = n * 10 + (uint32_t)(*s - '0');
		if (n > 32)
			why = "prefix must be 0..32", s = NULL;
	}
	if (!s || *s)
		return fail(p, -EINVAL, "%s \"%s\": %s", prop,
			    SHOW(nb, v, (size_t)len), why);
	fmt_ipv4(ab, sizeof(ab), a);
	if (cidr && n == 0)
		return fail(p, -EINVAL, "%s %s/0: an interface address needs "
			    "a prefix of 1..32", prop, ab);
	if (!ipv4_unicast(a))
		return fail(p, -EINVAL, "%s %s is not a unicast host address",
			    prop, ab);
	host = a & ~prefix_mask(n);
	if (cidr && n <= 30 && (host == 0 || host == ~prefix_mask(n)))
		return fail(p, -EINVAL, "%s %s/%u is the %s address of its "
			    "subnet", prop, ab, n,
			    host ? "broadcast" : "network");
	out->addr = a;
	out->prefix = (uint8_t)n;
	return 0;
}

/* A gateway must be another host of the interface's subnet. */
int check_gateway(struct pctx *p, uint32_t gw,
		  const struct bootcfg_ipv4 *ifa)
{
	char gb[16], ab[16];

	fmt_ipv4(gb, sizeof(gb), gw);
	fmt_ipv4(ab, sizeof(ab), ifa->addr);
	if ((gw ^ ifa->addr) & prefix_mask(ifa->prefix))
		return fail(p, -EINVAL, "gateway %s is outside %s/%u", gb, ab,
			    ifa->prefix);
	if (gw == ifa->addr)
		return fail(p, -EINVAL, "gateway %s is the address itself", gb);
	return 0;
}

int find_net(const struct bootcfg *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nnets; i++)
		if (!strcmp(c->nets[i].name, name))
			return (int)i;
	return -1;
}

int get_netref(struct pctx *p, const char *prop, const void *v,
	       int len, int *out)
{
	char name[BOOTCFG_NAME_MAX];
	int rc = get_name(p, prop, v, len, name);

	if (rc)
		return rc;
	*out = find_net(p->c, name);
	if (*out < 0)
		return fail(p, -EINVAL, "%s \"%s\" is not defined in networks",
			    prop, name);
	return 0;
}

/* ------------------------------------------------------------ whole tree */

/* Every switch port's MAC, and every address within one network, must be
 * unique: anti-spoofing binds them to exactly one port. */
int check_unique(struct pctx *p)
{
	const struct bootcfg *c = p->c;
	const struct bootcfg_mgmt *m = &c->mgmt;
	const struct bootcfg_vm *a, *b;
	char buf[24];
	uint32_t i, j;

	for (i = 0; i < c->nvms; i++) {
		a = &c->vms[i];
		set_path(p, "vms", a->name);
		if (a->has_mac && m->has_mac && !memcmp(a->mac, m->mac, 6)) {
			fmt_mac(buf, sizeof(buf), a->mac);
			return fail(p, -EINVAL, "mac %s is also the "
				    "management mac", buf);
		}
		if (a->has_ipv4 && !m->dhcp && a->network == m->network &&
		    a->ipv4.addr == m->address.addr) {
			fmt_ipv4(buf, sizeof(buf), a->ipv4.addr);
			return fail(p, -EINVAL, "ipv4 %s is also the "
				    "management address", buf);
		}
		for (j = 0; j < i; j++) {
			b = &c->vms[j];
			if (a->has_mac && b->has_mac &&
			    !memcmp(a->mac, b->mac, 6)) {
				fmt_mac(buf, sizeof(buf), a->mac);
				return fail(p, -EINVAL, "mac %s is also used "
					    "by vms/%s", buf, b->name);
			}
			if (a->has_ipv4 && b->has_ipv4 &&
			    a->network == b->network &&
			    a->ipv4.addr == b->ipv4.addr) {
				fmt_ipv4(buf, sizeof(buf), a->ipv4.addr);
				return fail(p, -EINVAL, "ipv4 %s is also used "
					    "by vms/%s", buf, b->name);
			}
		}
	}
	return 0;
}
