/* bastionctl: see README.md beside this file, or bastionctl --help. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/bastionctl/cli.h"

static const char *env(const char *name)
{
	return getenv(name);
}

int main(int argc, char **argv)
{
	struct verb_args a;
	struct client cl;
	struct conn *conn;
	struct opts o;
	char err[512];
	enum net_fail f;
	int r;

	if (opts_parse(&o, argc, argv, env, err, sizeof(err))) {
		fprintf(stderr, "bastionctl: %s\n", err);
		return EXIT_USAGE;
	}
	if (o.argc == 0) {
		help_print(o.help ? stdout : stderr, NULL);
		return o.help ? EXIT_OK : EXIT_USAGE;
	}
	if (verb_parse(&a, o.argc, o.argv, &o.json, err, sizeof(err))) {
		fprintf(stderr, "bastionctl: %s\n", err);
		if (a.verb)
			fprintf(stderr, "usage: bastionctl [OPTIONS] %s\n"
				"(bastionctl %s%s%s --help for more)\n", a.verb->synopsis,
				a.verb->noun, a.verb->action ? " " : "",
				a.verb->action ? a.verb->action : "");
		return EXIT_USAGE;
	}
	if (a.help || o.help) {
		help_print(stdout, a.verb);
		return EXIT_OK;
	}
	if (!(a.verb->flags & V_CONNECT))
		return verb_run(NULL, &a);

	if (o.insecure_plain)
		fprintf(stderr, "bastionctl: warning: --insecure-plain: no TLS, no "
			"authentication (for tests only)\n");
	f = net_open(&o, &conn, err, sizeof(err));
	if (f) {
		fprintf(stderr, "bastionctl: %s\n", err);
		return net_fail_exit(f);
	}
	if (client_init(&cl, conn)) {
		fprintf(stderr, "bastionctl: out of memory\n");
		net_close(conn);
		return EXIT_CONNECT;
	}
	cl.json = o.json;
	r = verb_run(&cl, &a);
	fflush(stdout);
	client_free(&cl);
	net_close(conn);
	return r;
}
