/* Command line: global options, then a verb and its arguments. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/bastionctl/cli.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int opts_host(struct opts *o, const char *spec)
{
	const char *colon, *hend;
	int64_t port = DEFAULT_PORT;
	size_t n;

	if (!spec || !*spec)
		return -EINVAL;
	if (spec[0] == '[') {			/* [v6]:port */
		hend = strchr(spec, ']');
		if (!hend)
			return -EINVAL;
		colon = hend[1] == ':' ? hend + 1 : NULL;
		if (hend[1] && !colon)
			return -EINVAL;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (colon && strchr(spec, ':') != colon)
			colon = NULL;		/* a bare IPv6 address */
		hend = colon ? colon : spec + strlen(spec);
	}
	n = (size_t)(hend - spec);
	if (!n || n >= sizeof(o->hostbuf))
		return -EINVAL;
	if (colon && parse_int(colon + 1, 1, 65535, &port))
		return -EINVAL;
	memcpy(o->hostbuf, spec, n);
	o->hostbuf[n] = 0;
	o->host = o->hostbuf;
	o->port = (unsigned)port;
	return 0;
}

/* ~/.config/bastion/NAME when it exists. */
static const char *config_file(struct opts *o, int i, env_fn env, const char *name)
{
	const char *home = env("HOME");
	FILE *f;

	if (!home || !*home)
		return NULL;
	snprintf(o->pathbuf[i], sizeof(o->pathbuf[i]), "%s/.config/bastion/%s", home, name);
	f = fopen(o->pathbuf[i], "r");
	if (!f)
		return NULL;
	fclose(f);
	return o->pathbuf[i];
}

static const char *envs(env_fn env, const char *name)
{
	const char *v = env(name);

	return v && *v ? v : NULL;
}

/* "AB:CD:..." or "abcd...": 32 bytes. 0 or -EINVAL. */
static int parse_fingerprint(const char *s, unsigned char out[32])
{
	int n = 0;

	while (*s) {
		unsigned v;

		if (*s == ':') {
			s++;
			continue;
		}
		if (n == 32 || !isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    sscanf(s, "%2x", &v) != 1)
			return -EINVAL;
		out[n++] = (unsigned char)v;
		s += 2;
	}
	return n == 32 ? 0 : -EINVAL;
}

int opts_parse(struct opts *o, int argc, char **argv, env_fn env,
	       char *err, size_t errlen)
{
	const char *host = envs(env, "BASTION_HOST");
	int64_t t;
	int i;

	memset(o, 0, sizeof(*o));
	o->timeout_s = DEFAULT_TIMEOUT_S;
	o->cert = envs(env, "BASTION_CERT");
	o->key = envs(env, "BASTION_KEY");
	o->ca = envs(env, "BASTION_CA");
	if (!o->cert)
		o->cert = config_file(o, 0, env, "cert.pem");
	if (!o->key)
		o->key = config_file(o, 1, env, "key.pem");
	if (!o->ca)
		o->ca = config_file(o, 2, env, "ca.pem");

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char **val = NULL;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (!strcmp(a, "--insecure-plain")) {
			o->insecure_plain = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			o->help = true;
			continue;
		}
		if (!strcmp(a, "--fingerprint")) {
			if (i + 1 >= argc || parse_fingerprint(argv[++i], o->fingerprint))
				return fail(err, errlen, "--fingerprint takes the host certificate's "
					    "SHA-256: 64 hex digits, colons allowed");
			o->pinned = true;
			continue;
		}
		if (!strcmp(a, "--host"))
			val = &host;
		else if (!strcmp(a, "--cert"))
			val = &o->cert;
		else if (!strcmp(a, "--key"))
			val = &o->key;
		else if (!strcmp(a, "--ca"))
			val = &o->ca;
		else if (strcmp(a, "--timeout"))
			return fail(err, errlen, "unknown option %s", a);
		if (i + 1 >= argc)
			return fail(err, errlen, "%s needs a value", a);
		if (val) {
			*val = argv[++i];
			continue;
		}
		if (parse_int(argv[++i], 1, 3600, &t))
			return fail(err, errlen, "--timeout takes whole seconds, 1..3600");
		o->timeout_s = (int)t;
	}
	if (host && opts_host(o, host))
		return fail(err, errlen, "bad host \"%s\" (HOST, HOST:PORT or [IPv6]:PORT)", host);
	o->argc = argc - i;
	o->argv = argv + i;
	return 0;
}

static const struct {
	const char *name;	/* long form */
	char shrt;		/* short form, or 0 */
	unsigned flag;
	bool has_value;
} verb_opts[] = {
	{ "image", 0, V_O_IMAGE, true },
	{ "kernel", 0, V_O_KERNEL, true },
	{ "memory", 0, V_O_MEMORY, true },
	{ "vcpus", 0, V_O_VCPUS, true },
	{ "cmdline", 0, V_O_CMDLINE, true },
	{ "follow", 'f', V_O_FOLLOW, false },
	{ "lines", 'n', V_O_LINES, true },
	{ "grace", 0, V_O_GRACE, true },
	{ "out", 0, V_O_OUT, true },
	{ "ca", 0, V_O_CA, true },
	{ "name", 0, V_O_NAME, true },
	{ "role", 0, V_O_ROLE, true },
	{ "ip", 0, V_O_IP, true },
	{ "days", 0, V_O_DAYS, true },
	{ "network", 0, V_O_NETWORK, true },
	{ "gateway", 0, V_O_GATEWAY, true },
	{ "label", 0, V_O_LABEL, true },
	{ "policy", 0, V_O_POLICY, true },
	{ "yes", 'y', V_O_YES, false },
	{ "sha256", 0, V_O_SHA256, true },
};

static int set_opt(struct verb_args *a, unsigned flag, const char *v, char *err, size_t errlen)
{
	switch (flag) {
	case V_O_IMAGE: a->image = v; break;
	case V_O_KERNEL: a->kernel = v; break;
	case V_O_CMDLINE: a->cmdline = v; break;
	case V_O_OUT: a->out = v; break;
	case V_O_CA: a->ca = v; break;
	case V_O_NAME: a->name = v; break;
	case V_O_IP: a->ip = v; break;
	case V_O_FOLLOW: a->follow = true; break;
	case V_O_YES: a->yes = true; break;
	case V_O_NETWORK: a->network = v; break;
	case V_O_GATEWAY: a->gateway = v; break;
	case V_O_POLICY: a->policy = v; break;
	case V_O_SHA256:
		if (strlen(v) != 64 || strspn(v, "0123456789abcdef") != 64)
			return fail(err, errlen, "--sha256 takes 64 lower-case hex digits");
		a->sha256 = v;
		break;
	case V_O_LABEL:
		if (a->nlabels == (int)(sizeof(a->labels) / sizeof(a->labels[0])))
			return fail(err, errlen, "--label: 8 labels at most");
		a->labels[a->nlabels++] = v;
		break;
	case V_O_ROLE:
		if (strcmp(v, "admin") && strcmp(v, "read-only"))
			return fail(err, errlen, "--role is admin or read-only");
		a->role = v;
		break;
	case V_O_MEMORY:
		if (parse_int(v, 2, 1 << 20, &a->memory_mib))
			return fail(err, errlen, "--memory takes MiB, 2..1048576");
		break;
	case V_O_VCPUS:
		if (parse_int(v, 1, 256, &a->vcpus))
			return fail(err, errlen, "--vcpus takes 1..256");
		break;
	case V_O_LINES:
		if (parse_int(v, 1, 1000, &a->lines))
			return fail(err, errlen, "-n takes 1..1000 lines");
		break;
	case V_O_GRACE:
		if (parse_int(v, 0, 600, &a->grace_s))
			return fail(err, errlen, "--grace takes whole seconds, 0..600");
		break;
	case V_O_DAYS:
		if (parse_int(v, 1, 36500, &a->days))
			return fail(err, errlen, "--days takes 1..36500");
		break;
	}
	return 0;
}

static const struct verb *find_verb(int argc, char **argv, int *used)
{
	for (size_t i = 0; i < VB_COUNT; i++) {
		const struct verb *v = &verbs[i];

		if (strcmp(argv[0], v->noun))
			continue;
		if (!v->action) {
			*used = 1;
			return v;
		}
		if (argc > 1 && !strcmp(argv[1], v->action)) {
			*used = 2;
			return v;
		}
	}
	return NULL;
}

int verb_parse(struct verb_args *a, int argc, char **argv, bool *json,
	       char *err, size_t errlen)
{
	const struct verb *v;
	bool only_pos = false;
	int i, used;

	memset(a, 0, sizeof(*a));
	a->grace_s = -1;
	if (argc < 1)
		return fail(err, errlen, "no verb given (try bastionctl --help)");
	v = find_verb(argc, argv, &used);
	if (!v) {
		if (argc > 1)
			return fail(err, errlen, "unknown verb \"%s %s\" (try bastionctl --help)",
				    argv[0], argv[1]);
		return fail(err, errlen, "unknown verb \"%s\" (try bastionctl --help)", argv[0]);
	}
	a->verb = v;
	for (i = used; i < argc; i++) {
		const char *s = argv[i], *val = NULL;
		size_t k;

		if (only_pos || s[0] != '-' || !s[1]) {
			if (a->npos >= v->max_pos)
				return fail(err, errlen, "unexpected argument \"%s\"", s);
			a->pos[a->npos++] = s;
			continue;
		}
		if (!strcmp(s, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			a->help = true;
			continue;
		}
		if (!strcmp(s, "--json")) {
			*json = true;
			continue;
		}
		for (k = 0; k < sizeof(verb_opts) / sizeof(verb_opts[0]); k++) {
			const char *eq;

			if (s[1] != '-') {
				if (s[1] == verb_opts[k].shrt && !s[2])
					break;
				continue;
			}
			eq = strchr(s, '=');
			if (eq ? (strlen(verb_opts[k].name) == (size_t)(eq - s - 2) &&
				  !strncmp(s + 2, verb_opts[k].name, (size_t)(eq - s - 2)))
			       : !strcmp(s + 2, verb_opts[k].name)) {
				val = eq ? eq + 1 : NULL;
				break;
			}
		}
		if (k == sizeof(verb_opts) / sizeof(verb_opts[0]) || !(v->flags & verb_opts[k].flag))
			return fail(err, errlen, "unknown option %s", s);
		if (verb_opts[k].has_value && !val) {
			if (i + 1 >= argc)
				return fail(err, errlen, "%s needs a value", s);
			val = argv[++i];
		} else if (!verb_opts[k].has_value && val) {
			return fail(err, errlen, "%s takes no value", s);
		}
		if (set_opt(a, verb_opts[k].flag, val, err, errlen))
			return -EINVAL;
	}
	if (a->help)
		return 0;
	if (a->npos < v->min_pos)
		return fail(err, errlen, "missing argument: %s", v->synopsis);
	if (v->id == VB_VM_RUN && !a->image)
		return fail(err, errlen, "vm run needs --image MODULE");
	if (v->id == VB_VM_RUN && !a->network && (a->ip || a->gateway || a->nlabels))
		return fail(err, errlen, "--ip, --gateway and --label need --network");
	if (v->id == VB_IMAGE_FETCH && !a->sha256)
		return fail(err, errlen, "image fetch needs --sha256 HEX (the host checks the image)");
	if (v->id == VB_HOST_REBOOT && !a->yes)
		return fail(err, errlen, "host reboot stops every VM: confirm with --yes");
	if ((v->id == VB_PKI_CA || v->id == VB_PKI_CLIENT || v->id == VB_PKI_HOST) && !a->out)
		return fail(err, errlen, "%s %s needs --out DIR", v->noun, v->action);
	if ((v->id == VB_PKI_CLIENT || v->id == VB_PKI_HOST) && (!a->ca || !a->name))
		return fail(err, errlen, "%s %s needs --ca DIR and --name", v->noun, v->action);
	if (v->id == VB_PKI_CLIENT && !a->role)
		return fail(err, errlen, "pki client needs --role admin|read-only");
	return 0;
}
