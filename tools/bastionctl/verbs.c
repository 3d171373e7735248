/* The verbs: the requests they make and how their results are shown. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/bastionctl/cli.h"
#include "tools/mkimage/sha256.h"

#define POLL_MS      500

typedef int (*show_fn)(FILE *f, const struct json_doc *d, int r);

/* Calls method and shows its result with show (or as JSON). */
static int call(struct client *cl, const char *method, const char *params, show_fn show)
{
	char msg[512];
	int r = rpc_call(cl, method, params);

	if (r == EXIT_HOST) {
		rpc_error_text(cl, msg, sizeof(msg));
		fprintf(stderr, "bastionctl: %s\n", msg);
		return r;
	}
	if (r)
		return r;
	if (cl->json)
		show = show_json;
	if (show && show(stdout, &cl->doc, cl->result)) {
		fprintf(stderr, "bastionctl: %s: protocol error: the result is not shaped as "
			"RPC.md says\n", method);
		return EXIT_PROTO;
	}
	return EXIT_OK;
}

static int host_fail(struct client *cl)
{
	char msg[512];

	rpc_error_text(cl, msg, sizeof(msg));
	fprintf(stderr, "bastionctl: %s\n", msg);
	return EXIT_HOST;
}


static int show_ok(FILE *f, const struct json_doc *d, int r)
{
	return 0;
}

static int show_console(FILE *f, const struct json_doc *d, int r)
{
	const char *s;
	size_t n;

	if (json_str(d, r, JSON_MAX_STRING, &s, &n))
		return -EINVAL;
	put_console(f, s, n);
	return 0;
}

static int v_host_info(struct client *cl, const struct verb_args *a)
{
	return call(cl, "host.info", NULL, show_host_info);
}

static int v_vm_ls(struct client *cl, const struct verb_args *a)
{
	return call(cl, "vm.list", NULL, show_vm_list);
}

static int v_vm_stats(struct client *cl, const struct verb_args *a)
{
	char p[128];

	return call(cl, "vm.stats", key_params(p, sizeof(p), "name", a->pos[0]), show_vm_stats);
}

static int v_vm_start(struct client *cl, const struct verb_args *a)
{
	char p[128];

	return call(cl, "vm.start", key_params(p, sizeof(p), "name", a->pos[0]), show_ok);
}

static int v_vm_rm(struct client *cl, const struct verb_args *a)
{
	char p[128];

	return call(cl, "vm.destroy", key_params(p, sizeof(p), "name", a->pos[0]), show_ok);
}

static int v_vm_stop(struct client *cl, const struct verb_args *a)
{
	char p[160];
	struct jw w;

	jw_init(&w, p, sizeof(p));
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, a->pos[0]);
	if (a->grace_s >= 0) {
		jw_key(&w, "grace_ms");
		jw_int(&w, a->grace_s * 1000);
	}
	jw_obj_end(&w);
	return call(cl, "vm.shutdown", jw_finish(&w) ? NULL : p, show_ok);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nb;

	if (!f)
		return NULL;
	for (;;) {
		if (!(nb = realloc(buf, cap + 1)))
			break;
		buf = nb;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		if (cap >= (16u << 20)) {
			errno = EFBIG;
			break;
		}
		cap *= 2;
	}
	if (ferror(f) || !nb || n >= cap) {
		free(buf);
		buf = NULL;
	} else {
		buf[n] = 0;
		*len = n;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

static int v_vm_run(struct client *cl, const struct verb_args *a)
{
	char p[2048], s[128], err[200];
	char *pol = NULL, *text = NULL;
	size_t len;
	struct jw w;
	int r;

	if (a->policy) {
		text = read_file(a->policy, &len);
		pol = text ? malloc(RPC_LINE_MAX) : NULL;
		if (!text || !pol ||
		    policy_params(a->pos[0], text, len, pol, RPC_LINE_MAX, err, sizeof(err))) {
			fprintf(stderr, "bastionctl: %s: %s\n", a->policy,
				!text ? strerror(errno) : pol ? err : "out of memory");
			free(text);
			free(pol);
			return EXIT_USAGE;
		}
		free(text);
	}
	jw_init(&w, p, sizeof(p));
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, a->pos[0]);
	jw_key(&w, "image");
	jw_str(&w, a->image);
	if (a->kernel) {
		jw_key(&w, "kernel");
		jw_str(&w, a->kernel);
	}
	if (a->cmdline) {
		jw_key(&w, "cmdline");
		jw_str(&w, a->cmdline);
	}
	if (a->memory_mib) {
		jw_key(&w, "memory_mib");
		jw_int(&w, a->memory_mib);
	}
	if (a->vcpus) {
		jw_key(&w, "vcpus");
		jw_int(&w, a->vcpus);
	}
	if (a->network) {
		jw_key(&w, "network");
		jw_str(&w, a->network);
	}
	if (a->ip) {
		jw_key(&w, "ipv4");
		jw_str(&w, a->ip);
	}
	if (a->gateway) {
		jw_key(&w, "gateway");
		jw_str(&w, a->gateway);
	}
	if (a->nlabels) {
		jw_key(&w, "labels");
		jw_arr_begin(&w);
		for (int i = 0; i < a->nlabels; i++)
			jw_str(&w, a->labels[i]);
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	if (jw_finish(&w)) {
		fprintf(stderr, "bastionctl: vm run: arguments too long\n");
		free(pol);
		return EXIT_USAGE;
	}
	r = call(cl, "vm.create", p, show_ok);
	if (!r && pol)
		r = call(cl, "fw.set", pol, show_ok);
	if (!r)
		r = call(cl, "vm.start", key_params(s, sizeof(s), "name", a->pos[0]), show_ok);
	/* Nothing half made stays behind: a VM that was created goes again
	 * (a vm.create that failed left nothing; destroy then says so, and
	 * that answer is not shown). */
	if (r == EXIT_HOST && rpc_call(cl, "vm.destroy", key_params(s, sizeof(s), "name", a->pos[0])) == 0)
		fprintf(stderr, "bastionctl: vm run: %s was destroyed again\n", a->pos[0]);
	free(pol);
	return r;
}

static int v_image_ls(struct client *cl, const struct verb_args *a)
{
	return call(cl, "image.list", NULL, show_images);
}

/* The named entry of image.list: its state (and error); EXIT_HOST when
 * it is not listed. */
static int image_state(struct client *cl, const char *name, char *state, size_t len,
		       char *error, size_t elen, int64_t *got, int64_t *size)
{
	int r = rpc_call(cl, "image.list", NULL), v;
	const char *s;

	if (r == EXIT_HOST)
		return host_fail(cl);
	if (r)
		return r;
	for (v = json_first(&cl->doc, cl->result); v >= 0; v = json_next(&cl->doc, cl->result, v)) {
		if (json_get_str(&cl->doc, v, "name", 64, &s, NULL) || strcmp(s, name) ||
		    json_get_str(&cl->doc, v, "state", 64, &s, NULL))
			continue;
		snprintf(state, len, "%s", s);
		error[0] = 0;
		if (!json_get_str(&cl->doc, v, "error", 256, &s, NULL))
			snprintf(error, elen, "%s", s);
		if (json_get_int(&cl->doc, v, "received", 0, INT64_MAX, got) ||
		    json_get_int(&cl->doc, v, "size", 0, INT64_MAX, size))
			*got = *size = 0;
		return EXIT_OK;
	}
	fprintf(stderr, "bastionctl: image %s is not on the host\n", name);
	return EXIT_HOST;
}

static int v_image_fetch(struct client *cl, const struct verb_args *a)
{
	char p[1024], state[64], error[256];
	int64_t got, size;
	struct jw w;
	int r;

	jw_init(&w, p, sizeof(p));
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, a->pos[0]);
	jw_key(&w, "url");
	jw_str(&w, a->pos[1]);
	jw_key(&w, "sha256");
	jw_str(&w, a->sha256);
	jw_obj_end(&w);
	if (jw_finish(&w)) {
		fprintf(stderr, "bastionctl: image fetch: arguments too long\n");
		return EXIT_USAGE;
	}
	r = call(cl, "image.fetch", p, NULL);
	while (!r) {
		r = image_state(cl, a->pos[0], state, sizeof(state), error, sizeof(error), &got,
				&size);
		if (r)
			break;
		if (!strcmp(state, "ready")) {
			printf("fetched %s: %lld bytes, sha256 %s\n", a->pos[0], (long long)size,
			       a->sha256);
			break;
		}
		if (!strcmp(state, "failed")) {
			fprintf(stderr, "bastionctl: image fetch %s: %s\n", a->pos[0], error);
			r = EXIT_HOST;
			break;
		}
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
	return r;
}

static int v_image_rm(struct client *cl, const struct verb_args *a)
{
	char p[128];

	return call(cl, "image.rm", key_params(p, sizeof(p), "name", a->pos[0]), show_ok);
}

static int v_host_reboot(struct client *cl, const struct verb_args *a)
{
	return call(cl, "host.reboot", NULL, show_ok);
}

/* The VM's state and exit status from vm.list: 0, or an exit code. */
static int vm_state(struct client *cl, const char *name, char *state, size_t len, int *status,
		    char *reason, size_t rlen)
{
	int r = rpc_call(cl, "vm.list", NULL), v;
	char msg[512];
	const char *s;
	int64_t st;

	if (r == EXIT_HOST) {
		rpc_error_text(cl, msg, sizeof(msg));
		fprintf(stderr, "bastionctl: %s\n", msg);
	}
	if (r)
		return r;
	for (v = json_first(&cl->doc, cl->result); v >= 0; v = json_next(&cl->doc, cl->result, v)) {
		if (json_get_str(&cl->doc, v, "name", 64, &s, NULL) || strcmp(s, name))
			continue;
		if (json_get_str(&cl->doc, v, "state", 64, &s, NULL))
			break;
		snprintf(state, len, "%s", s);
		*status = json_get_int(&cl->doc, v, "exit_status", 0, 255, &st) ? -1 : (int)st;
		reason[0] = 0;
		if (!json_get_str(&cl->doc, v, "reason", 256, &s, NULL))
			snprintf(reason, rlen, "%s", s);
		return EXIT_OK;
	}
	fprintf(stderr, "bastionctl: no VM named %s\n", name);
	return EXIT_HOST;
}

/* vm.console from an offset: prints the bytes, says how many were lost
 * (the host keeps the last 4096), and moves *offset on. Sets *more when
 * the console holds bytes beyond those. */
static int console_chunk(struct client *cl, const char *name, int64_t *offset, bool first,
			 bool *more)
{
	char p[160];
	const char *data;
	int64_t next, lost, end;
	size_t n;
	struct jw w;
	int r;

	jw_init(&w, p, sizeof(p));
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, name);
	jw_key(&w, "offset");
	jw_int(&w, *offset);
	jw_key(&w, "bytes");
	jw_int(&w, 4095);
	jw_obj_end(&w);
	r = rpc_call(cl, "vm.console", jw_finish(&w) ? NULL : p);
	if (r == EXIT_HOST)
		return host_fail(cl);
	if (r)
		return r;
	if (json_get_str(&cl->doc, cl->result, "data", JSON_MAX_STRING, &data, &n) ||
	    json_get_int(&cl->doc, cl->result, "next", 0, INT64_MAX, &next) ||
	    json_get_int(&cl->doc, cl->result, "lost", 0, INT64_MAX, &lost) ||
	    json_get_int(&cl->doc, cl->result, "end", 0, INT64_MAX, &end) || next < *offset) {
		fprintf(stderr, "bastionctl: vm.console: protocol error: the result is not "
			"{data, next, lost, end}\n");
		return EXIT_PROTO;
	}
	/* Before the first read, what scrolled away is history, not loss. */
	if (lost && !first) {
		fflush(stdout);
		fprintf(stderr, "bastionctl: %lld bytes of %s's console were lost (the host "
			"keeps the last 4096; polled every %d ms)\n", (long long)lost, name, POLL_MS);
	}
	put_console(stdout, data, n);
	fflush(stdout);
	*offset = next;
	*more = next < end;
	return EXIT_OK;
}

static int v_vm_logs(struct client *cl, const struct verb_args *a)
{
	char p[160], state[64], reason[256];
	int64_t offset = 0;
	bool first = true, last = false, more;
	int r, status;
	struct jw w;

	jw_init(&w, p, sizeof(p));
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, a->pos[0]);
	jw_key(&w, "bytes");
	jw_int(&w, 4095);
	jw_obj_end(&w);
	if (jw_finish(&w))
		return EXIT_USAGE;
	if (!a->follow || cl->json)
		return call(cl, "vm.console", p, cl->json ? show_json : show_console);
	/* Every byte once, in order, by offset; the state is read before
	 * the bytes, so the bytes a stopped VM wrote last are read after. */
	for (;;) {
		r = vm_state(cl, a->pos[0], state, sizeof(state), &status, reason, sizeof(reason));
		if (r)
			return r;
		last = strcmp(state, "created") && strcmp(state, "running") &&
		       strcmp(state, "stopping");
		do {
			r = console_chunk(cl, a->pos[0], &offset, first, &more);
			if (r)
				return r;
			first = false;
		} while (more);
		if (last)
			break;
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
	if (status >= 0)
		return status;
	fprintf(stderr, "bastionctl: vm %s %s%s%s (no exit status)\n", a->pos[0], state,
		reason[0] ? ": " : "", reason);
	return 1;
}

static int v_fw_get(struct client *cl, const struct verb_args *a)
{
	char p[128];

	return call(cl, "fw.get", key_params(p, sizeof(p), "name", a->pos[0]), show_fw);
}


/* fw set and fw set-group: a policy file for a VM or a label. */
static int fw_set(struct client *cl, const struct verb_args *a, const char *key, show_fn show)
{
	size_t len, cap = RPC_LINE_MAX;
	char *text = read_file(a->pos[1], &len), *p, err[200];
	int r;

	if (!text) {
		fprintf(stderr, "bastionctl: %s: %s\n", a->pos[1], strerror(errno));
		return EXIT_USAGE;
	}
	p = malloc(cap);
	if (!p || policy_params_for(key, a->pos[0], text, len, p, cap, err, sizeof(err))) {
		fprintf(stderr, "bastionctl: %s: %s\n", a->pos[1], p ? err : "out of memory");
		free(text);
		free(p);
		return EXIT_USAGE;
	}
	r = call(cl, "fw.set", p, show);
	free(text);
	free(p);
	return r;
}

static int v_fw_set(struct client *cl, const struct verb_args *a)
{
	return fw_set(cl, a, "name", show_ok);
}

static int show_group(FILE *f, const struct json_doc *d, int r)
{
	int ports = json_get(d, r, "ports"), p;

	if (!json_is(d, ports, JSON_ARRAY))
		return -EINVAL;
	fprintf(f, "replaced on:");
	for (p = json_first(d, ports); p >= 0; p = json_next(d, ports, p)) {
		const char *name;

		if (json_str(d, p, JSON_MAX_STRING, &name, NULL))
			return -EINVAL;
		fprintf(f, " %s", name);
	}
	fprintf(f, "\n");
	return 0;
}

static int v_fw_get_group(struct client *cl, const struct verb_args *a)
{
	char p[128];

	return call(cl, "fw.get", key_params(p, sizeof(p), "label", a->pos[0]), show_fw_group);
}

static int v_fw_set_group(struct client *cl, const struct verb_args *a)
{
	return fw_set(cl, a, "label", show_group);
}

static int v_switch_ports(struct client *cl, const struct verb_args *a)
{
	return call(cl, "switch.ports", NULL, show_ports);
}

static int v_log_tail(struct client *cl, const struct verb_args *a)
{
	char p[64];

	snprintf(p, sizeof(p), "{\"lines\":%lld}", (long long)(a->lines ? a->lines : 100));
	return call(cl, "log.tail", p, show_log);
}

static int v_raw(struct client *cl, const struct verb_args *a)
{
	static struct json_tok toks[4096];
	struct json_doc d;
	struct json_err je;
	char *copy;

	if (a->npos > 1) {		/* check it here for a clear message */
		copy = strdup(a->pos[1]);
		if (!copy)
			return EXIT_USAGE;
		if (json_parse(&d, copy, strlen(copy), toks, 4096, &je) ||
		    !json_is(&d, 0, JSON_OBJECT)) {
			fprintf(stderr, "bastionctl: raw: params must be a JSON object%s%s\n",
				je.code ? ": " : "", je.code ? json_strerror(je.code) : "");
			free(copy);
			return EXIT_USAGE;
		}
		free(copy);
	}
	return call(cl, a->pos[0], a->npos > 1 ? a->pos[1] : NULL, show_json);
}

/* ------------------------------------------------------------ upload */

static void progress(size_t done, size_t total, bool tty)
{
	int width = 40, fill = total ? (int)((double)done / (double)total * width) : width;

	if (!tty)
		return;
	fprintf(stdout, "\r[%.*s%*s] %3d%% %zu/%zu KiB", fill,
		"########################################", width - fill, "",
		total ? (int)(done * 100 / total) : 100, done >> 10, total >> 10);
	fflush(stdout);
}

static void show_progress(void *ctx, size_t done, size_t total)
{
	progress(done, total, *(const bool *)ctx);
}

static int v_vm_upload(struct client *cl, const struct verb_args *a)
{
	bool tty = isatty(STDOUT_FILENO) && !cl->json;
	struct stat st;
	void *map = NULL;
	size_t size = 0;
	int fd, r = EXIT_USAGE;

	fd = open(a->pos[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "bastionctl: %s: %s\n", a->pos[1],
			fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	size = (size_t)st.st_size;
	if (size && (map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		map = NULL;
		fprintf(stderr, "bastionctl: %s: %s\n", a->pos[1], strerror(errno));
		goto out;
	}
	r = upload_image(cl, a->pos[0], map, size, show_progress, &tty);
	if (tty)
		fputc('\n', stdout);
	if (!r) {
		const char *hex;

		if (cl->json)
			show_json(stdout, &cl->doc, cl->result);
		else if (!json_get_str(&cl->doc, cl->result, "sha256", 64, &hex, NULL))
			printf("uploaded %s: %zu bytes, sha256 %.64s\n", a->pos[0], size, hex);
		else
			r = EXIT_PROTO;
	}
out:
	if (map)
		munmap(map, size);
	if (fd >= 0)
		close(fd);
	return r;
}

static const verb_fn verb_fns[VB_COUNT] = {
	[VB_HOST_INFO] = v_host_info,
	[VB_VM_LS] = v_vm_ls,
	[VB_VM_LOGS] = v_vm_logs,
	[VB_VM_RUN] = v_vm_run,
	[VB_VM_START] = v_vm_start,
	[VB_VM_STOP] = v_vm_stop,
	[VB_VM_RM] = v_vm_rm,
	[VB_VM_STATS] = v_vm_stats,
	[VB_VM_UPLOAD] = v_vm_upload,
	[VB_FW_GET] = v_fw_get,
	[VB_FW_SET] = v_fw_set,
	[VB_SWITCH_PORTS] = v_switch_ports,
	[VB_LOG_TAIL] = v_log_tail,
	[VB_RAW] = v_raw,
	[VB_IMAGE_LS] = v_image_ls,
	[VB_IMAGE_RM] = v_image_rm,
	[VB_HOST_REBOOT] = v_host_reboot,
	[VB_FW_SET_GROUP] = v_fw_set_group,
	[VB_IMAGE_FETCH] = v_image_fetch,
	[VB_FW_GET_GROUP] = v_fw_get_group,
};

int verb_run(struct client *cl, const struct verb_args *a)
{
	switch (a->verb->id) {
	case VB_PKI_CA:
		return pki_ca(a);
	case VB_PKI_CLIENT:
		return pki_client(a);
	case VB_PKI_HOST:
		return pki_host(a);
	default:
		break;
	}
	if ((unsigned)a->verb->id >= VB_COUNT || !verb_fns[a->verb->id])
		return EXIT_USAGE;
	return verb_fns[a->verb->id](cl, a);
}
