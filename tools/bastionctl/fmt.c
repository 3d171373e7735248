/* Human output: aligned tables and one renderer per result shape; the
 * policy file; console tails; base64. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/bastionctl/cli.h"

void table_init(struct table *t, int ncols, const char *const *head, const bool *right)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	for (int c = 0; c < t->ncols; c++) {
		t->head[c] = head[c];
		t->right[c] = right && right[c];
	}
}

/* Each argument is one cell's text. */
int table_row(struct table *t, ...)
{
	va_list ap;
	char **cells;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;

		cells = realloc(t->cells, cap * (size_t)t->ncols * sizeof(*cells));
		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->cap = cap;
	}
	cells = t->cells + t->nrows * (size_t)t->ncols;
	va_start(ap, t);
	for (int c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);

		cells[c] = strdup(s ? s : "-");
		if (!cells[c]) {
			while (c--)
				free(cells[c]);
			va_end(ap);
			return -ENOMEM;
		}
	}
	va_end(ap);
	t->nrows++;
	return 0;
}

static void print_row(FILE *f, const struct table *t, const char *const *cells, const size_t *w)
{
	for (int c = 0; c < t->ncols; c++) {
		bool last = c == t->ncols - 1;
		int pad = (int)(w[c] - strlen(cells[c]));

		if (t->right[c])
			fprintf(f, "%*s%s", pad, "", cells[c]);
		else
			fprintf(f, "%s%*s", cells[c], last ? 0 : pad, "");
		fputs(last ? "\n" : "  ", f);
	}
}

void table_print(FILE *f, const struct table *t)
{
	size_t w[TABLE_MAX_COLS];

	for (int c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t n = strlen(t->cells[r * (size_t)t->ncols + (size_t)c]);

			if (n > w[c])
				w[c] = n;
		}
	}
	print_row(f, t, t->head, w);
	for (size_t r = 0; r < t->nrows; r++)
		print_row(f, t, (const char *const *)t->cells + r * (size_t)t->ncols, w);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* ------------------------------------------------------------ renderers */

static const char *str_of(const struct json_doc *d, int obj, const char *key)
{
	const char *s;

	return json_get_str(d, obj, key, JSON_MAX_STRING, &s, NULL) ? NULL : s;
}

static char *int_of(const struct json_doc *d, int obj, const char *key, char *buf, size_t len,
		    const char *unit)
{
	int64_t v;

	if (json_get_int(d, obj, key, INT64_MIN, INT64_MAX, &v))
		return NULL;
	snprintf(buf, len, "%lld%s", (long long)v, unit);
	return buf;
}

int show_json(FILE *f, const struct json_doc *d, int r)
{
	size_t cap = 2 * RPC_RESPONSE_MAX;
	char *buf = malloc(cap);
	struct jw w;
	int e;

	if (!buf)
		return -ENOMEM;
	jw_init(&w, buf, cap);
	jw_value(&w, d, r);
	e = jw_finish(&w);
	if (!e)
		fprintf(f, "%s\n", buf);
	free(buf);
	return e;
}

int show_host_info(FILE *f, const struct json_doc *d, int r)
{
	int64_t total, free_b, up;
	const char *s;
	int m, p, t;

	if (!json_is(d, r, JSON_OBJECT))
		return -EINVAL;
	fprintf(f, "VERSION      %s\n", (s = str_of(d, r, "version")) ? s : "-");
	fprintf(f, "VMM          %s\n", (s = str_of(d, r, "vmm")) ? s : "none");
	if (!json_get_int(d, r, "cpus", 0, INT64_MAX, &total))
		fprintf(f, "CPUS         %lld\n", (long long)total);
	m = json_get(d, r, "memory");
	if (m >= 0 && !json_get_int(d, m, "total_bytes", 0, INT64_MAX, &total) &&
	    !json_get_int(d, m, "free_bytes", 0, INT64_MAX, &free_b))
		fprintf(f, "MEMORY       %lld MiB total, %lld MiB free\n",
			(long long)(total >> 20), (long long)(free_b >> 20));
	if (!json_get_int(d, r, "uptime_ms", 0, INT64_MAX, &up))
		fprintf(f, "UPTIME       %lldd %02lld:%02lld:%02lld\n",
			(long long)(up / 86400000), (long long)(up / 3600000 % 24),
			(long long)(up / 60000 % 60), (long long)(up / 1000 % 60));
	p = json_get(d, r, "protections");
	if (json_is(d, p, JSON_ARRAY)) {
		fputs("PROTECTIONS ", f);
		for (t = json_first(d, p); t >= 0; t = json_next(d, p, t))
			if (!json_str(d, t, JSON_MAX_STRING, &s, NULL))
				fprintf(f, " %s", s);
		fputc('\n', f);
	}
	m = json_get(d, r, "vms");
	if (m >= 0 && !json_get_int(d, m, "total", 0, INT64_MAX, &total) &&
	    !json_get_int(d, m, "running", 0, INT64_MAX, &up))
		fprintf(f, "VMS          %lld, %lld running\n", (long long)total, (long long)up);
	p = json_get(d, r, "exits");
	if (json_is(d, p, JSON_OBJECT)) {
		fputs("EXITS       ", f);
		for (t = json_first(d, p); t >= 0; t = json_next(d, p, t))
			if (!json_str(d, t, JSON_MAX_STRING, &s, NULL) &&
			    !json_int(d, t + 1, 0, INT64_MAX, &total))
				fprintf(f, " %s=%lld", s, (long long)total);
		fputc('\n', f);
	}
	if (!json_get_int(d, r, "remote_sessions", 0, INT64_MAX, &total))
		fprintf(f, "SESSIONS     %lld remote\n", (long long)total);
	return 0;
}

int show_vm_list(FILE *f, const struct json_doc *d, int r)
{
	static const char *const head[] = { "NAME", "STATE", "STATUS", "MEMORY", "VCPUS" };
	static const bool right[] = { false, false, false, true, true };
	struct table t;
	int v, e = 0;

	if (!json_is(d, r, JSON_ARRAY))
		return -EINVAL;
	table_init(&t, 5, head, right);
	for (v = json_first(d, r); v >= 0 && !e; v = json_next(d, r, v)) {
		char mem[32], cpus[32], status[128];
		const char *reason = str_of(d, v, "reason");
		int64_t st;

		if (!json_get_int(d, v, "exit_status", INT64_MIN, INT64_MAX, &st))
			snprintf(status, sizeof(status), "%lld", (long long)st);
		else
			snprintf(status, sizeof(status), "%s", reason && *reason ? reason : "-");
		e = table_row(&t, str_of(d, v, "name"), str_of(d, v, "state"), status,
			      int_of(d, v, "memory_mib", mem, sizeof(mem), " MiB"),
			      int_of(d, v, "vcpus", cpus, sizeof(cpus), ""));
	}
	if (!e)
		table_print(f, &t);
	table_free(&t);
	return e;
}

int show_images(FILE *f, const struct json_doc *d, int r)
{
	static const char *const head[] = { "NAME", "STATE", "SIZE", "SHA256" };
	static const bool right[] = { false, false, true, false };
	struct table t;
	int v, e = 0;

	if (!json_is(d, r, JSON_ARRAY))
		return -EINVAL;
	table_init(&t, 4, head, right);
	for (v = json_first(d, r); v >= 0 && !e; v = json_next(d, r, v)) {
		char size[32];

		const char *error = str_of(d, v, "error");

		/* A failed fetch has no hash: its reason instead. */
		e = table_row(&t, str_of(d, v, "name"), str_of(d, v, "state"),
			      int_of(d, v, "size", size, sizeof(size), ""),
			      error ? error : str_of(d, v, "sha256"));
	}
	if (!e)
		table_print(f, &t);
	table_free(&t);
	return e;
}

int show_vm_stats(FILE *f, const struct json_doc *d, int r)
{
	static const char *const head[] = { "EXIT", "COUNT", "TIME" };
	static const bool right[] = { false, true, true };
	struct table t;
	int x, k, e = 0;

	x = json_get(d, r, "exits");
	if (!json_is(d, x, JSON_OBJECT))
		return -EINVAL;
	table_init(&t, 3, head, right);
	for (k = json_first(d, x); k >= 0 && !e; k = json_next(d, x, k)) {
		char count[32], us[40];
		const char *name;

		json_str(d, k, JSON_MAX_STRING, &name, NULL);
		e = table_row(&t, name, int_of(d, k + 1, "count", count, sizeof(count), ""),
			      int_of(d, k + 1, "us", us, sizeof(us), " us"));
	}
	if (!e)
		table_print(f, &t);
	table_free(&t);
	return e;
}

int show_fw(FILE *f, const struct json_doc *d, int r)
{
	static const char *const dirs[] = { "ingress", "egress" };
	static const char *const head[] = { "RULE", "HITS" };
	static const bool right[] = { false, true };
	int e = 0;

	if (!json_is(d, r, JSON_OBJECT))
		return -EINVAL;
	for (int i = 0; i < 2 && !e; i++) {
		char key[40], hits[32];
		struct table t;
		int a, x;

		a = json_get(d, r, dirs[i]);
		if (!json_is(d, a, JSON_ARRAY))
			continue;
		table_init(&t, 2, head, right);
		for (x = json_first(d, a); x >= 0 && !e; x = json_next(d, a, x))
			e = table_row(&t, str_of(d, x, "rule"),
				      int_of(d, x, "hits", hits, sizeof(hits), ""));
		snprintf(key, sizeof(key), "%s_default_deny_hits", dirs[i]);
		if (!e)
			e = table_row(&t, "(default deny)", int_of(d, r, key, hits, sizeof(hits), ""));
		if (!e) {
			fprintf(f, "%s%s:\n", i ? "\n" : "", dirs[i]);
			table_print(f, &t);
		}
		table_free(&t);
	}
	return e;
}

int show_fw_group(FILE *f, const struct json_doc *d, int r)
{
	int ports = json_get(d, r, "ports"), p, e = 0;

	if (!json_is(d, ports, JSON_ARRAY))
		return -EINVAL;
	for (p = json_first(d, ports); p >= 0 && !e; p = json_next(d, ports, p)) {
		const char *name = str_of(d, p, "name");

		if (!name)
			return -EINVAL;
		fprintf(f, "%s== %s ==\n", p == json_first(d, ports) ? "" : "\n", name);
		e = show_fw(f, d, p);
	}
	return e;
}

int show_ports(FILE *f, const struct json_doc *d, int r)
{
	static const char *const head[] = { "NAME", "RX_FRAMES", "RX_BYTES", "TX_FRAMES",
					    "TX_BYTES", "FLOWS", "DROPS" };
	static const bool right[] = { false, true, true, true, true, true, true };
	struct table t;
	int p, e = 0;

	if (!json_is(d, r, JSON_ARRAY))
		return -EINVAL;
	table_init(&t, 7, head, right);
	for (p = json_first(d, r); p >= 0 && !e; p = json_next(d, r, p)) {
		char c[5][32], drops[32] = "-";
		int dr = json_get(d, p, "drops"), k;
		int64_t sum = 0, v;

		if (json_is(d, dr, JSON_OBJECT)) {
			for (k = json_first(d, dr); k >= 0; k = json_next(d, dr, k))
				if (!json_int(d, k + 1, 0, INT64_MAX, &v))
					sum += v;
			snprintf(drops, sizeof(drops), "%lld", (long long)sum);
		} else if (!json_int(d, dr, 0, INT64_MAX, &v)) {
			snprintf(drops, sizeof(drops), "%lld", (long long)v);
		}
		e = table_row(&t, str_of(d, p, "name"),
			      int_of(d, p, "rx_frames", c[0], 32, ""),
			      int_of(d, p, "rx_bytes", c[1], 32, ""),
			      int_of(d, p, "tx_frames", c[2], 32, ""),
			      int_of(d, p, "tx_bytes", c[3], 32, ""),
			      int_of(d, p, "flows", c[4], 32, ""), drops);
	}
	if (!e)
		table_print(f, &t);
	table_free(&t);
	return e;
}

int show_log(FILE *f, const struct json_doc *d, int r)
{
	const char *s;
	bool trunc = false;
	int a = json_get(d, r, "lines"), l;

	if (!json_is(d, a, JSON_ARRAY))
		return -EINVAL;
	for (l = json_first(d, a); l >= 0; l = json_next(d, a, l))
		if (!json_str(d, l, JSON_MAX_STRING, &s, NULL))
			fprintf(f, "%s\n", s);
	if (!json_get_bool(d, r, "truncated", &trunc) && trunc)
		fputs("(older records left out: the answer would be too long)\n", stderr);
	return 0;
}

/* ------------------------------------------------------------ policy */

static int pfail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int policy_params(const char *name, char *text, size_t len, char *out, size_t outlen,
		  char *err, size_t errlen)
{
	return policy_params_for("name", name, text, len, out, outlen, err, errlen);
}

int policy_params_for(const char *key_name, const char *name, char *text, size_t len,
		      char *out, size_t outlen, char *err, size_t errlen)
{
	static const char *const dirs[] = { "ingress", "egress" };
	static struct json_tok toks[4096];
	struct json_doc d;
	struct json_err je;
	struct jw w;
	int k, found = 0;

	if (json_parse(&d, text, len, toks, sizeof(toks) / sizeof(toks[0]), &je))
		return pfail(err, errlen, "not JSON: %s at byte %u", json_strerror(je.code),
			     (unsigned)je.offset);
	if (!json_is(&d, 0, JSON_OBJECT))
		return pfail(err, errlen, "a policy is an object {\"ingress\":[...],\"egress\":[...]}");
	for (k = json_first(&d, 0); k >= 0; k = json_next(&d, 0, k)) {
		const char *key;

		json_str(&d, k, JSON_MAX_STRING, &key, NULL);
		if (strcmp(key, "ingress") && strcmp(key, "egress"))
			return pfail(err, errlen, "unknown member \"%s\" (ingress and egress only)", key);
	}
	jw_init(&w, out, outlen);
	jw_obj_begin(&w);
	jw_key(&w, key_name);
	jw_str(&w, name);
	for (int i = 0; i < 2; i++) {
		int a = json_get(&d, 0, dirs[i]), r, n = 0;

		if (a < 0)
			continue;
		if (!json_is(&d, a, JSON_ARRAY))
			return pfail(err, errlen, "%s must be a list of rules", dirs[i]);
		for (r = json_first(&d, a); r >= 0; r = json_next(&d, a, r), n++)
			if (!json_is(&d, r, JSON_STRING))
				return pfail(err, errlen, "%s[%d]: a rule is a string", dirs[i], n);
		if (n > 256)
			return pfail(err, errlen, "%s: more than 256 rules", dirs[i]);
		jw_key(&w, dirs[i]);
		jw_value(&w, &d, a);
		found++;
	}
	jw_obj_end(&w);
	if (!found)
		return pfail(err, errlen, "the policy has neither ingress nor egress");
	if (jw_finish(&w))
		return pfail(err, errlen, "the policy is too long for one request");
	return 0;
}

/* ------------------------------------------------------------ console */


void put_console(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			fputc('?', f);		/* a C1 control in UTF-8 */
			i++;
		} else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)) {
			fputc(c, f);
		} else if (c != '\r') {
			fputc('?', f);
		}
	}
}

size_t base64_encode(const void *in, size_t n, char *out)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

const char *key_params(char *buf, size_t len, const char *key, const char *value)
{
	struct jw w;

	jw_init(&w, buf, len);
	jw_obj_begin(&w);
	jw_key(&w, key);
	jw_str(&w, value);
	jw_obj_end(&w);
	return jw_finish(&w) ? NULL : buf;
}
