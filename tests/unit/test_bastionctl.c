/* Unit tests of bastionctl's pure parts (tools/bastionctl/{args,help,rpc,
 * fmt}.c): global options and verb arguments, the help pages, aligned
 * tables and renderers, policy.json -> fw.set params, exit codes, and the
 * framing of answers from a fake transport (pieces of any size, CR LF,
 * blank lines, oversized and garbled answers, EOF, timeouts, the serial
 * console's log lines). No TLS here: net.c and pki.c are not linked. */
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

#include "tools/bastionctl/cli.h"

/* ------------------------------------------------------------ helpers */

static const char *const *fake_env;

static const char *env(const char *name)
{
	for (const char *const *e = fake_env; e && *e; e += 2)
		if (!strcmp(e[0], name))
			return e[1];
	return NULL;
}

/* argv from a NULL-terminated list (strings are not modified). */
#define ARGV(...) ((char *[]){ "bastionctl", __VA_ARGS__, NULL })
#define ARGC(v) argc_of(v)

static int argc_of(char **v)
{
	int n = 0;

	while (v[n])
		n++;
	return n;
}

static char errbuf[512];

/* Captures what f writes. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static const char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/* ------------------------------------------------------------ args */

static void test_opts_defaults_from_env(void **state)
{
	static const char *const e[] = { "BASTION_HOST", "h1.lab:5000", "BASTION_CERT", "c.pem",
					 "BASTION_KEY", "k.pem", "BASTION_CA", "ca.pem", NULL };
	char **v = ARGV("vm", "ls");
	struct opts o;

	fake_env = e;
	assert_int_equal(opts_parse(&o, ARGC(v), v, env, errbuf, sizeof(errbuf)), 0);
	assert_string_equal(o.host, "h1.lab");
	assert_int_equal(o.port, 5000);
	assert_string_equal(o.cert, "c.pem");
	assert_string_equal(o.key, "k.pem");
	assert_string_equal(o.ca, "ca.pem");
	assert_int_equal(o.timeout_s, DEFAULT_TIMEOUT_S);
	assert_false(o.json);
	assert_int_equal(o.argc, 2);
	assert_string_equal(o.argv[0], "vm");
	fake_env = NULL;
}

static void test_opts_flags_override_env(void **state)
{
	static const char *const e[] = { "BASTION_HOST", "env-host", "BASTION_CERT", "env.pem", NULL };
	char **v = ARGV("--host", "cli-host", "--cert", "cli.pem", "--json", "--timeout", "3",
			"--insecure-plain", "host", "info");
	struct opts o;

	fake_env = e;
	assert_int_equal(opts_parse(&o, ARGC(v), v, env, errbuf, sizeof(errbuf)), 0);
	assert_string_equal(o.host, "cli-host");
	assert_int_equal(o.port, DEFAULT_PORT);
	assert_string_equal(o.cert, "cli.pem");
	assert_true(o.json);
	assert_true(o.insecure_plain);
	assert_int_equal(o.timeout_s, 3);
	assert_int_equal(o.argc, 2);
	fake_env = NULL;
}

static void test_opts_host_forms(void **state)
{
	struct opts o;

	memset(&o, 0, sizeof(o));
	assert_int_equal(opts_host(&o, "example"), 0);
	assert_string_equal(o.host, "example");
	assert_int_equal(o.port, 4443);
	assert_int_equal(opts_host(&o, "10.0.0.5:22"), 0);
	assert_string_equal(o.host, "10.0.0.5");
	assert_int_equal(o.port, 22);
	assert_int_equal(opts_host(&o, "[::1]:8443"), 0);
	assert_string_equal(o.host, "::1");
	assert_int_equal(o.port, 8443);
	assert_int_equal(opts_host(&o, "fe80::1"), 0);	/* bare v6, default port */
	assert_string_equal(o.host, "fe80::1");
	assert_int_equal(o.port, 4443);
	assert_int_equal(opts_host(&o, "h:0"), -EINVAL);
	assert_int_equal(opts_host(&o, "h:65536"), -EINVAL);
	assert_int_equal(opts_host(&o, "h:12x"), -EINVAL);
	assert_int_equal(opts_host(&o, ":80"), -EINVAL);
	assert_int_equal(opts_host(&o, "[::1"), -EINVAL);
	assert_int_equal(opts_host(&o, ""), -EINVAL);
}

static void test_opts_errors(void **state)
{
	char **v1 = ARGV("--bogus", "vm", "ls");
	char **v2 = ARGV("--timeout", "0", "vm", "ls");
	char **v3 = ARGV("--host");
	char **v4 = ARGV("--host", "h:99999", "vm", "ls");
	struct opts o;

	assert_int_equal(opts_parse(&o, ARGC(v1), v1, env, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "--bogus"));
	assert_int_equal(opts_parse(&o, ARGC(v2), v2, env, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "--timeout"));
	assert_int_equal(opts_parse(&o, ARGC(v3), v3, env, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "needs a value"));
	assert_int_equal(opts_parse(&o, ARGC(v4), v4, env, errbuf, sizeof(errbuf)), -EINVAL);
}

static int vparse(struct verb_args *a, bool *json, char **v)
{
	return verb_parse(a, ARGC(v) - 1, v + 1, json, errbuf, sizeof(errbuf));
}

static void test_verb_run_options(void **state)
{
	struct verb_args a;
	bool json = false;

	assert_int_equal(vparse(&a, &json, ARGV("vm", "run", "web", "--image", "demo-a",
						"--memory=64", "--vcpus", "2", "--cmdline",
						"quiet loglevel=3", "--kernel", "vmlinuz")), 0);
	assert_int_equal(a.verb->id, VB_VM_RUN);
	assert_string_equal(a.pos[0], "web");
	assert_string_equal(a.image, "demo-a");
	assert_string_equal(a.kernel, "vmlinuz");
	assert_string_equal(a.cmdline, "quiet loglevel=3");
	assert_int_equal(a.memory_mib, 64);
	assert_int_equal(a.vcpus, 2);
	assert_false(json);
	/* --json after the verb works too */
	assert_int_equal(vparse(&a, &json, ARGV("vm", "ls", "--json")), 0);
	assert_true(json);
}

static void test_verb_errors(void **state)
{
	struct verb_args a;
	bool json = false;

	assert_int_equal(vparse(&a, &json, ARGV("vm", "run", "web")), -EINVAL);
	assert_non_null(strstr(errbuf, "--image"));
	assert_ptr_equal(a.verb, &verbs[VB_VM_RUN]);
	assert_int_equal(vparse(&a, &json, ARGV("vm", "fly")), -EINVAL);
	assert_null(a.verb);
	assert_non_null(strstr(errbuf, "vm fly"));
	assert_int_equal(vparse(&a, &json, ARGV("vm", "ls", "extra")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("vm", "stats")), -EINVAL);
	assert_non_null(strstr(errbuf, "missing argument"));
	assert_int_equal(vparse(&a, &json, ARGV("vm", "ls", "--image", "x")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("log", "tail", "-n", "0")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("log", "tail", "-n", "1001")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("log", "tail", "-n")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("vm", "run", "w", "--image", "i", "--memory",
						"lots")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("vm", "logs", "w", "--follow=yes")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("pki", "client", "--ca", "d", "--name", "n",
						"--role", "root", "--out", "o")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("pki", "client", "--ca", "d", "--name", "n",
						"--out", "o")), -EINVAL);
	assert_int_equal(vparse(&a, &json, ARGV("pki", "ca")), -EINVAL);
	assert_int_equal(verb_parse(&a, 0, NULL, &json, errbuf, sizeof(errbuf)), -EINVAL);
}

static void test_verb_misc(void **state)
{
	struct verb_args a;
	bool json = false;

	assert_int_equal(vparse(&a, &json, ARGV("vm", "logs", "job", "-f")), 0);
	assert_true(a.follow);
	assert_int_equal(vparse(&a, &json, ARGV("log", "tail", "-n", "20")), 0);
	assert_int_equal(a.lines, 20);
	assert_int_equal(vparse(&a, &json, ARGV("vm", "stop", "w", "--grace", "0")), 0);
	assert_int_equal(a.grace_s, 0);
	assert_int_equal(vparse(&a, &json, ARGV("vm", "stop", "w")), 0);
	assert_int_equal(a.grace_s, -1);		/* the host's default */
	assert_int_equal(vparse(&a, &json, ARGV("raw", "rpc.ping")), 0);
	assert_int_equal(a.verb->id, VB_RAW);
	assert_int_equal(vparse(&a, &json, ARGV("raw", "vm.console", "{\"name\":\"x\"}")), 0);
	assert_int_equal(a.npos, 2);
	/* --help wins over missing arguments */
	assert_int_equal(vparse(&a, &json, ARGV("vm", "run", "--help")), 0);
	assert_true(a.help);
	/* "-" is a positional (stdin), "--" ends options */
	assert_int_equal(vparse(&a, &json, ARGV("fw", "set", "web", "-")), 0);
	assert_string_equal(a.pos[1], "-");
	assert_int_equal(vparse(&a, &json, ARGV("vm", "stats", "--", "-odd")), 0);
	assert_string_equal(a.pos[0], "-odd");
	assert_int_equal(vparse(&a, &json, ARGV("pki", "host", "--ca", "d", "--name", "h",
						"--ip", "10.0.0.1", "--out", "o")), 0);
	assert_string_equal(a.ip, "10.0.0.1");
	assert_false(a.verb->flags & V_CONNECT);
}

static void test_help_pages(void **state)
{
	static const char *const sections[] = { "NAME\n", "SYNOPSIS\n", "DESCRIPTION\n",
						"OPTIONS\n", "EXIT STATUS\n", "EXAMPLES\n" };
	struct capture c;

	for (int i = 0; i < VB_COUNT; i++) {
		const char *out;

		assert_int_equal(verbs[i].id, i);
		cap_open(&c);
		help_print(c.f, &verbs[i]);
		out = cap_close(&c);
		for (size_t s = 0; s < 6; s++)
			assert_non_null(strstr(out, sections[s]));
		if (verbs[i].flags & V_CONNECT)
			assert_non_null(strstr(out, "--insecure-plain  FOR TESTS ONLY"));
		free(c.buf);
	}
	cap_open(&c);
	help_print(c.f, NULL);
	assert_non_null(strstr(cap_close(&c), "vm upload"));
	free(c.buf);
}

/* ------------------------------------------------------------ tables */

static void test_table_alignment(void **state)
{
	static const char *const head[] = { "NAME", "N", "LAST" };
	static const bool right[] = { false, true, false };
	struct capture c;
	struct table t;

	table_init(&t, 3, head, right);
	assert_int_equal(table_row(&t, "a", "1", "x"), 0);
	assert_int_equal(table_row(&t, "longer", "12345", NULL), 0);
	cap_open(&c);
	table_print(c.f, &t);
	assert_string_equal(cap_close(&c),
			    "NAME        N  LAST\n"
			    "a           1  x\n"
			    "longer  12345  -\n");
	free(c.buf);
	table_free(&t);
}

static char *dup_text(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static struct json_tok toks[1024];

static void render(int (*show)(FILE *, const struct json_doc *, int), const char *json,
		   const char *want)
{
	char *text = dup_text(json);
	struct json_doc d;
	struct json_err e;
	struct capture c;

	assert_int_equal(json_parse(&d, text, strlen(text), toks, 1024, &e), 0);
	cap_open(&c);
	assert_int_equal(show(c.f, &d, 0), 0);
	assert_string_equal(cap_close(&c), want);
	free(c.buf);
	free(text);
}

static void test_show_vm_list(void **state)
{
	render(show_vm_list,
	       "[{\"name\":\"demo-a\",\"state\":\"running\",\"reason\":\"\",\"exit_status\":null,"
	       "\"memory_mib\":256,\"vcpus\":1},"
	       "{\"name\":\"b\",\"state\":\"exited\",\"reason\":\"exit\",\"exit_status\":143,"
	       "\"memory_mib\":1024,\"vcpus\":12},"
	       "{\"name\":\"c\",\"state\":\"crashed\",\"reason\":\"triple fault\",\"exit_status\":null,"
	       "\"memory_mib\":64,\"vcpus\":1}]",
	       "NAME    STATE    STATUS          MEMORY  VCPUS\n"
	       "demo-a  running  -              256 MiB      1\n"
	       "b       exited   143           1024 MiB     12\n"
	       "c       crashed  triple fault    64 MiB      1\n");
	render(show_vm_list, "[]", "NAME  STATE  STATUS  MEMORY  VCPUS\n");
}

static void test_show_others(void **state)
{
	render(show_vm_stats, "{\"name\":\"a\",\"exits\":{\"cpuid\":{\"count\":5,\"us\":12},"
	       "\"io\":{\"count\":1000,\"us\":3}}}",
	       "EXIT   COUNT   TIME\n"
	       "cpuid      5  12 us\n"
	       "io      1000   3 us\n");
	render(show_fw, "{\"ingress\":[{\"rule\":\"allow tcp port 80\",\"hits\":7}],"
	       "\"ingress_default_deny_hits\":2,\"egress\":[],\"egress_default_deny_hits\":0}",
	       "ingress:\n"
	       "RULE               HITS\n"
	       "allow tcp port 80     7\n"
	       "(default deny)        2\n"
	       "\negress:\n"
	       "RULE            HITS\n"
	       "(default deny)     0\n");
	render(show_ports, "[{\"name\":\"a\",\"rx_frames\":1,\"rx_bytes\":60,\"tx_frames\":2,"
	       "\"tx_bytes\":120,\"flows\":1,\"drops\":{\"acl\":3,\"spoof\":4}}]",
	       "NAME  RX_FRAMES  RX_BYTES  TX_FRAMES  TX_BYTES  FLOWS  DROPS\n"
	       "a             1        60          2       120      1      7\n");
	render(show_log, "{\"lines\":[\"[ 0.1] I a\",\"[ 0.2] W b\"],\"truncated\":false}",
	       "[ 0.1] I a\n[ 0.2] W b\n");
	render(show_json, "{ \"a\" : [1, \"\\u001b\"] }", "{\"a\":[1,\"\\u001b\"]}\n");
}

static void test_show_wrong_shape(void **state)
{
	char text[] = "{\"not\":\"a list\"}";
	struct json_doc d;
	struct json_err e;
	struct capture c;

	assert_int_equal(json_parse(&d, text, strlen(text), toks, 1024, &e), 0);
	cap_open(&c);
	assert_int_equal(show_vm_list(c.f, &d, 0), -EINVAL);
	assert_int_equal(show_vm_stats(c.f, &d, 0), -EINVAL);
	assert_int_equal(show_ports(c.f, &d, 0), -EINVAL);
	assert_int_equal(show_log(c.f, &d, 0), -EINVAL);
	cap_close(&c);
	free(c.buf);
}

/* ------------------------------------------------------------ policy */

static int policy(const char *in, char *out, size_t outlen)
{
	char *text = dup_text(in);
	int r = policy_params("web", text, strlen(text), out, outlen, errbuf, sizeof(errbuf));

	free(text);
	return r;
}

static void test_policy_params(void **state)
{
	char out[512];

	assert_int_equal(policy("{\"ingress\":[\"allow tcp port 80\"],\n \"egress\":[]}",
				out, sizeof(out)), 0);
	assert_string_equal(out, "{\"name\":\"web\",\"ingress\":[\"allow tcp port 80\"],"
			    "\"egress\":[]}");
	/* member order of the file does not matter; one direction is fine */
	assert_int_equal(policy("{\"egress\":[\"deny all\"]}", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"name\":\"web\",\"egress\":[\"deny all\"]}");
	assert_int_equal(policy("[]", out, sizeof(out)), -EINVAL);
	assert_int_equal(policy("{}", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(errbuf, "neither"));
	assert_int_equal(policy("{\"ingress\":[1]}", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(errbuf, "ingress[0]"));
	assert_int_equal(policy("{\"ingress\":\"allow\"}", out, sizeof(out)), -EINVAL);
	assert_int_equal(policy("{\"ingres\":[]}", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(errbuf, "ingres"));
	assert_int_equal(policy("{\"ingress\":[\"a\",]}", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(errbuf, "not JSON"));
	assert_int_equal(policy("{\"ingress\":[\"allow tcp port 80\"]}", out, 20), -EINVAL);
	assert_non_null(strstr(errbuf, "too long"));
}

/* ------------------------------------------------------------ exit codes */

static void test_net_fail_exit(void **state)
{
	assert_int_equal(net_fail_exit(NF_OK), EXIT_OK);
	for (int f = NF_RESOLVE; f < NF_COUNT; f++) {
		assert_int_equal(net_fail_exit((enum net_fail)f), EXIT_CONNECT);
		assert_non_null(net_fail_text((enum net_fail)f));
	}
	assert_non_null(strstr(net_fail_text(NF_REFUSED), "refused"));
	assert_non_null(strstr(net_fail_text(NF_TIMEOUT), "timeout"));
	assert_non_null(strstr(net_fail_text(NF_SERVER_CERT), "not signed by our CA"));
	assert_non_null(strstr(net_fail_text(NF_CLIENT_REJECTED), "rejected our certificate"));
	assert_non_null(net_fail_text(NF_COUNT));
}

/* ------------------------------------------------------------ framing */

struct fake {
	const char *const *pieces;	/* what recv hands out, one a call */
	int next;
	ssize_t at_end;			/* 0 (EOF) or -ETIMEDOUT after the pieces */
	char sent[RPC_LINE_MAX + 64];
	size_t nsent;
	const char *big;		/* a piece too large for the array */
	size_t big_len, big_off;
};

static int fake_send(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;

	assert_true(f->nsent + len < sizeof(f->sent));
	memcpy(f->sent + f->nsent, buf, len);
	f->nsent += len;
	f->sent[f->nsent] = 0;
	return 0;
}

static ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	size_t n;

	if (f->big && f->big_off < f->big_len) {
		n = f->big_len - f->big_off < len ? f->big_len - f->big_off : len;
		memcpy(buf, f->big + f->big_off, n);
		f->big_off += n;
		return (ssize_t)n;
	}
	if (!f->pieces || !f->pieces[f->next])
		return f->at_end;
	n = strlen(f->pieces[f->next]);
	assert_true(n <= len);
	memcpy(buf, f->pieces[f->next++], n);
	return (ssize_t)n;
}

static struct client cl;
static struct conn conn;
static struct fake fk;

static int setup(const char *const *pieces, bool lenient)
{
	memset(&fk, 0, sizeof(fk));
	fk.pieces = pieces;
	conn = (struct conn){ fake_send, fake_recv, &fk, lenient };
	assert_int_equal(client_init(&cl, &conn), 0);
	return 0;
}

static void test_call_in_pieces(void **state)
{
	static const char *const p[] = { "{\"jsonrpc\":\"2.0\",", "\"id\":1,\"res",
					 "ult\":{\"a\":[1,2]}}\r", "\n", NULL };
	int64_t v;

	setup(p, false);
	assert_int_equal(rpc_call(&cl, "vm.stats", "{\"name\":\"x\"}"), EXIT_OK);
	assert_string_equal(fk.sent, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vm.stats\","
			    "\"params\":{\"name\":\"x\"}}\n");
	assert_true(json_is(&cl.doc, cl.result, JSON_OBJECT));
	assert_int_equal(json_int(&cl.doc, json_first(&cl.doc, json_get(&cl.doc, cl.result, "a")),
				  0, 9, &v), 0);
	assert_int_equal(v, 1);
	client_free(&cl);
}

static void test_two_answers_in_one_piece(void **state)
{
	static const char *const p[] = {
		"\n  \r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"pong\"}\n"
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true}\n", NULL };

	setup(p, false);
	assert_int_equal(rpc_call(&cl, "rpc.ping", NULL), EXIT_OK);
	assert_string_equal(fk.sent, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rpc.ping\"}\n");
	assert_true(json_is(&cl.doc, cl.result, JSON_STRING));
	assert_int_equal(rpc_call(&cl, "vm.start", "{}"), EXIT_OK);
	assert_true(json_is(&cl.doc, cl.result, JSON_TRUE));
	client_free(&cl);
}

static void test_host_error(void **state)
{
	static const char *const p[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32001,"
		"\"message\":\"permission denied\"}}\n",
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,"
		"\"message\":\"method not found\"}}\n",
		"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		"\"message\":\"parse error at byte 3\"}}\n", NULL };
	char msg[512];

	setup(p, false);
	assert_int_equal(rpc_call(&cl, "vm.start", "{\"name\":\"w\"}"), EXIT_HOST);
	assert_int_equal(cl.err_code, -32001);
	rpc_error_text(&cl, msg, sizeof(msg));
	assert_non_null(strstr(msg, "permission denied"));
	assert_non_null(strstr(msg, "read-only"));
	assert_int_equal(rpc_call(&cl, "image.begin", "{}"), EXIT_HOST);
	rpc_error_text(&cl, msg, sizeof(msg));
	assert_non_null(strstr(msg, "does not implement image upload"));
	assert_int_equal(rpc_call(&cl, "x", NULL), EXIT_HOST);	/* id null: ours */
	assert_int_equal(cl.err_code, -32700);
	client_free(&cl);
}

static int one(const char *answer, bool lenient)
{
	const char *p[] = { answer, NULL };
	int r;

	setup(p, lenient);
	r = rpc_call(&cl, "m", NULL);
	client_free(&cl);
	return r;
}

static void test_garbled_answers(void **state)
{
	assert_int_equal(one("not json\n", false), EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1.5}\n", false), EXIT_PROTO);
	assert_int_equal(one("[1]\n", false), EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":1}\n", false), EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"result\":1}\n", false), EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":1}\n", false), EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":1}\n", false), EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":1}\n", false), EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}\n", false),
			 EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\"}}\n", false),
			 EXIT_PROTO);
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":1}\n", false), EXIT_PROTO);
	/* a line cut off by the end of the stream */
	assert_int_equal(one("{\"jsonrpc\":\"2.0\",\"id\":1,\"res", false), EXIT_PROTO);
}

static void test_connection_ends(void **state)
{
	static const char *const none[] = { NULL };

	setup(none, false);
	assert_int_equal(rpc_call(&cl, "m", NULL), EXIT_CONNECT);	/* EOF */
	client_free(&cl);
	setup(none, false);
	fk.at_end = -ETIMEDOUT;
	assert_int_equal(rpc_call(&cl, "m", NULL), EXIT_CONNECT);
	client_free(&cl);
	setup(none, false);
	fk.at_end = -ECONNRESET;
	assert_int_equal(rpc_call(&cl, "m", NULL), EXIT_CONNECT);
	client_free(&cl);
}

static void test_oversized_answer(void **state)
{
	static const char *const none[] = { NULL };
	size_t n = RPC_RESPONSE_MAX + 10;
	char *big = malloc(n);

	assert_non_null(big);
	memset(big, 'x', n);
	setup(none, false);
	fk.big = big;
	fk.big_len = n;
	assert_int_equal(rpc_call(&cl, "m", NULL), EXIT_PROTO);
	client_free(&cl);

	/* exactly at the limit (LF included) is fine: strings of 1000 bytes
	 * ("y..." and commas), the last one cut to fit */
	n = RPC_RESPONSE_MAX;
	{
		const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[\"";
		size_t o = sizeof(head) - 1;

		memcpy(big, head, o);
		memset(big + o, 'y', n - o - 4);
		for (o += 1000; o < n - 10; o += 1003)
			memcpy(big + o, "\",\"", 3);
		memcpy(big + n - 4, "\"]}\n", 4);
	}
	setup(none, false);
	fk.big = big;
	fk.big_len = n;
	assert_int_equal(rpc_call(&cl, "m", NULL), EXIT_OK);
	client_free(&cl);
	free(big);
}

static void test_request_too_long(void **state)
{
	static const char *const none[] = { NULL };
	size_t n = RPC_LINE_MAX;
	char *params = malloc(n + 1);

	assert_non_null(params);
	params[0] = '"';
	memset(params + 1, 'a', n - 2);
	params[n - 1] = '"';
	params[n] = 0;
	setup(none, false);
	assert_int_equal(rpc_call(&cl, "m", params), EXIT_USAGE);
	assert_int_equal(fk.nsent, 0);
	client_free(&cl);
	free(params);
}

static void test_serial_console_lenient(void **state)
{
	static const char *const p[] = {
		"[    1.000] I vm spin: stopped\r\n",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}\n",	/* an echo */
		"{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":1}\n",	/* someone else's */
		"garbage{\n",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"ok\"}\n", NULL };

	setup(p, true);
	assert_int_equal(rpc_call(&cl, "m", NULL), EXIT_OK);
	assert_true(json_is(&cl.doc, cl.result, JSON_STRING));
	client_free(&cl);
	/* the same log line over TLS is a protocol error */
	assert_int_equal(one("[    1.000] I vm spin: stopped\n", false), EXIT_PROTO);
}

static void test_linebuf(void **state)
{
	char buf[9], *line, *space;
	struct linebuf b = { buf, 8, 0, 0 };
	size_t n, room;

	space = lb_space(&b, &room);
	assert_int_equal(room, 8);
	memcpy(space, "ab\ncd", 5);
	b.len = 5;
	assert_int_equal(lb_next(&b, &line, &n), 1);
	assert_string_equal(line, "ab");
	assert_int_equal(lb_next(&b, &line, &n), 0);	/* "cd" moves to the front */
	assert_int_equal(b.start, 0);
	space = lb_space(&b, &room);
	assert_int_equal(room, 6);
	memcpy(space, "efghij", 6);
	b.len += 6;
	assert_int_equal(lb_next(&b, &line, &n), -E2BIG);
}

/* ------------------------------------------------------------ misc */

static void test_put_console(void **state)
{
	struct capture c;

	cap_open(&c);
	put_console(c.f, "ok\r\n\x1b[2Jbad\x07 caf\xc3\xa9 \xc2\x9b!", 22);
	assert_string_equal(cap_close(&c), "ok\n?[2Jbad? caf\xc3\xa9 ?!");
	free(c.buf);
}

static void test_base64(void **state)
{
	static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
					    "Zm9vYmE=", "Zm9vYmFy" };
	char out[16];

	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(base64_encode("foobar", i, out), strlen(want[i]));
		assert_string_equal(out, want[i]);
	}
	assert_int_equal(base64_encode("\xff\xfe", 2, out), 4);
	assert_string_equal(out, "//4=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_defaults_from_env),
		cmocka_unit_test(test_opts_flags_override_env),
		cmocka_unit_test(test_opts_host_forms),
		cmocka_unit_test(test_opts_errors),
		cmocka_unit_test(test_verb_run_options),
		cmocka_unit_test(test_verb_errors),
		cmocka_unit_test(test_verb_misc),
		cmocka_unit_test(test_help_pages),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_show_vm_list),
		cmocka_unit_test(test_show_others),
		cmocka_unit_test(test_show_wrong_shape),
		cmocka_unit_test(test_policy_params),
		cmocka_unit_test(test_net_fail_exit),
		cmocka_unit_test(test_call_in_pieces),
		cmocka_unit_test(test_two_answers_in_one_piece),
		cmocka_unit_test(test_host_error),
		cmocka_unit_test(test_garbled_answers),
		cmocka_unit_test(test_connection_ends),
		cmocka_unit_test(test_oversized_answer),
		cmocka_unit_test(test_request_too_long),
		cmocka_unit_test(test_serial_console_lenient),
		cmocka_unit_test(test_linebuf),
		cmocka_unit_test(test_put_console),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
