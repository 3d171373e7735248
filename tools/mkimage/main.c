/* bastion-mkimage: a container image (OCI layout, docker save archive or
 * root-fs directory) to a Linux initramfs for a Bastion micro-VM. See
 * tools/mkimage/README.md. The work is done by the pure modules (tar,
 * tree, cpio, oci, config); this file does the I/O and the policy. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tools/mkimage/config.h"
#include "tools/mkimage/cpio.h"
#include "tools/mkimage/oci.h"
#include "tools/mkimage/sha256.h"
#include "tools/mkimage/tar.h"
#include "tools/mkimage/tree.h"

#define MAX_FILE   (4ull << 30)		/* any one input file or layer */
#define BASTION_DIR "/.bastion"		/* not under /lib: merged-/usr images
					 * make /lib a symlink */
#define MOD_DIR     BASTION_DIR "/modules"

static const char *prog = "bastion-mkimage";
static int nwarn;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	nwarn++;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

/* The whole file, NUL-terminated (for JSON); *len excludes the NUL. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	if ((uint64_t)st.st_size > MAX_FILE)
		die("%s: too large (%lld bytes)", path, (long long)st.st_size);
	buf = xmalloc((size_t)st.st_size + 1);
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die("%s: short read", path);
	fclose(f);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

/* gzip (possibly several members) to a new buffer, at most MAX_FILE
 * bytes so a compression bomb cannot eat the host's memory. */
static uint8_t *gunzip(const char *what, const uint8_t *in, size_t len, size_t *outlen)
{
	size_t cap = len * 4 + 4096, n = 0;
	uint8_t *out = xmalloc(cap);
	z_stream z = { 0 };
	int rc;

	if (len > UINT32_MAX)
		die("%s: compressed layer of %zu bytes is too large", what, len);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		die("%s: zlib init failed", what);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_FILE)
				die("%s: decompresses to more than %llu bytes", what,
				    (unsigned long long)MAX_FILE);
			cap *= 2;
			out = realloc(out, cap);
			if (!out)
				die("out of memory");
		}
		z.next_out = out + n;
		z.avail_out = (uInt)(cap - n > UINT32_MAX ? UINT32_MAX : cap - n);
		rc = inflate(&z, Z_NO_FLUSH);
		n = (size_t)(z.next_out - out);
		if (rc == Z_STREAM_END) {
			/* Another gzip member may follow (RFC 1952 2.2). */
			if (z.avail_in == 0 || z.next_in[0] != 0x1f)
				break;
			inflateReset(&z);
			continue;
		}
		if (rc == Z_BUF_ERROR && z.avail_in == 0)
			die("%s: truncated gzip data", what);
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			die("%s: corrupt gzip data (%s)", what, z.msg ? z.msg : "zlib error");
	}
	inflateEnd(&z);
	*outlen = n;
	return out;
}

/* One layer tar (gzip or not) into the tree. */
static void apply_layer(struct tree *t, const char *what, const uint8_t *buf, size_t len)
{
	struct tar_reader r;
	struct tar_entry e;
	uint8_t *plain = NULL;
	int rc;

	if (len >= 4 && buf[0] == 0x28 && buf[1] == 0xb5 && buf[2] == 0x2f && buf[3] == 0xfd)
		die("%s: zstd-compressed layers are not supported", what);
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		plain = gunzip(what, buf, len, &len);
		buf = plain;
	}
	tree_begin_layer(t);
	tar_open(&r, buf, len);
	while ((rc = tar_next(&r, &e)) > 0) {
		rc = tree_apply(t, &e);
		if (rc == 1)
			warn("%s: %s", what, tree_error(t));
		else if (rc < 0)
			die("%s: %s", what, tree_error(t));
	}
	if (rc < 0)
		die("%s: %s", what, rc == -ENOMEM ? "out of memory" : r.err);
	tar_close(&r);
	free(plain);
}

/* ---------------------------------------------------------------- OCI */

static uint8_t *read_blob(const char *dir, const char *digest, size_t *len)
{
	char rel[128], path[4096];
	uint8_t sum[32], *buf;
	char hex[65];

	if (oci_digest_path(digest, rel, sizeof(rel)) < 0)
		die("%s: bad or unsupported digest \"%s\" (sha256 only)", dir, digest);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	buf = read_file(path, len);
	sha256(buf, *len, sum);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", sum[i]);
	if (strcmp(hex, digest + 7))
		die("%s: content does not match its digest (sha256:%s)", path, hex);
	return buf;
}

static void load_oci(struct tree *t, const char *arg, struct oci_config *cfg)
{
	char *dir = strdup(arg), *ref = NULL, *colon, path[4096], err[512], *mdigest;
	struct oci_manifest m;
	struct stat st;
	uint8_t *buf;
	size_t len;

	if (!dir)
		die("out of memory");
	/* DIR:REF, unless DIR itself has that name. */
	colon = strrchr(dir, ':');
	if (colon && stat(dir, &st) < 0) {
		*colon = '\0';
		ref = colon + 1;
	}
	snprintf(path, sizeof(path), "%s/index.json", dir);
	buf = read_file(path, &len);
	if (oci_index_select((char *)buf, len, ref, &mdigest, err, sizeof(err)) < 0)
		die("%s: %s", dir, err);
	free(buf);
	buf = read_blob(dir, mdigest, &len);
	if (oci_manifest_parse((char *)buf, len, &m, err, sizeof(err)) < 0)
		die("%s: %s", mdigest, err);
	free(buf);
	buf = read_blob(dir, m.config, &len);
	if (oci_config_parse((char *)buf, len, cfg, err, sizeof(err)) < 0)
		die("%s: %s", m.config, err);
	free(buf);
	for (size_t i = 0; i < m.nlayers; i++) {
		buf = read_blob(dir, m.layers[i], &len);
		apply_layer(t, m.layers[i], buf, len);
		free(buf);
	}
	oci_manifest_free(&m);
	free(mdigest);
	free(dir);
}

/* ---------------------------------------------------------------- docker save */

/* The member of the outer archive at path (names compared normalised). */
static const uint8_t *archive_member(const uint8_t *ar, size_t arlen, const char *path,
				     size_t *len)
{
	char want[TAR_MAX_PATH + 1], got[TAR_MAX_PATH + 1];
	struct tar_reader r;
	struct tar_entry e;
	const uint8_t *found = NULL;
	int rc;

	if (tree_normalize(path, want, sizeof(want)) < 0 || !want[0])
		die("docker archive: bad member name \"%s\"", path);
	tar_open(&r, ar, arlen);
	while ((rc = tar_next(&r, &e)) > 0)
		if (e.type == TAR_FILE && tree_normalize(e.path, got, sizeof(got)) == 0 &&
		    !strcmp(got, want)) {
			found = e.data;
			*len = (size_t)e.size;
		}
	if (rc < 0)
		die("docker archive: %s", r.err);
	tar_close(&r);
	if (!found)
		die("docker archive: no file \"%s\"", path);
	return found;
}

static void load_docker(struct tree *t, const char *arg, struct oci_config *cfg)
{
	char *file = strdup(arg), *ref = NULL, *colon, err[512], *text;
	struct oci_manifest m;
	const uint8_t *p;
	struct stat st;
	uint8_t *ar;
	size_t arlen, len;

	if (!file)
		die("out of memory");
	colon = strrchr(file, ':');
	if (colon && stat(file, &st) < 0) {
		*colon = '\0';
		ref = colon + 1;
	}
	ar = read_file(file, &arlen);
	p = archive_member(ar, arlen, "manifest.json", &len);
	text = xmalloc(len + 1);
	memcpy(text, p, len);
	if (docker_manifest_parse(text, len, ref, &m, err, sizeof(err)) < 0)
		die("%s: %s", file, err);
	free(text);
	p = archive_member(ar, arlen, m.config, &len);
	text = xmalloc(len + 1);
	memcpy(text, p, len);
	if (oci_config_parse(text, len, cfg, err, sizeof(err)) < 0)
		die("%s: %s: %s", file, m.config, err);
	free(text);
	for (size_t i = 0; i < m.nlayers; i++) {
		p = archive_member(ar, arlen, m.layers[i], &len);
		apply_layer(t, m.layers[i], p, len);
	}
	oci_manifest_free(&m);
	free(ar);
	free(file);
}

/* ---------------------------------------------------------------- root-fs dir */

struct seen { dev_t dev; ino_t ino; char *path; };
static struct seen *seen;
static size_t nseen;

static void rootfs_add(struct tree *t, const char *host, const char *rel)
{
	struct tar_entry e = { 0 };
	struct stat st;
	char target[TAR_MAX_PATH + 1];
	uint8_t *data = NULL;
	size_t len = 0;

	if (lstat(host, &st) < 0)
		die("%s: %s", host, strerror(errno));
	e.path = rel[0] ? rel : ".";
	e.link = "";
	e.mode = st.st_mode & 07777;
	e.uid = st.st_uid;
	e.gid = st.st_gid;
	e.mtime = st.st_mtime;
	if (S_ISDIR(st.st_mode)) {
		e.type = TAR_DIR;
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(host, target, sizeof(target) - 1);

		if (n < 0)
			die("%s: %s", host, strerror(errno));
		target[n] = '\0';
		e.type = TAR_SYMLINK;
		e.link = target;
	} else if (S_ISREG(st.st_mode)) {
		e.type = TAR_FILE;
		for (size_t i = 0; st.st_nlink > 1 && i < nseen; i++)
			if (seen[i].dev == st.st_dev && seen[i].ino == st.st_ino) {
				e.type = TAR_HARDLINK;
				e.link = seen[i].path;
			}
		if (e.type == TAR_FILE) {
			data = read_file(host, &len);
			e.data = data;
			e.size = len;
			if (st.st_nlink > 1) {
				seen = realloc(seen, (nseen + 1) * sizeof(*seen));
				if (!seen || !(seen[nseen].path = strdup(rel)))
					die("out of memory");
				seen[nseen].dev = st.st_dev;
				seen[nseen++].ino = st.st_ino;
			}
		}
	} else {
		e.type = S_ISCHR(st.st_mode) ? TAR_CHAR : S_ISBLK(st.st_mode) ? TAR_BLOCKDEV : TAR_FIFO;
		if (S_ISSOCK(st.st_mode)) {
			warn("%s: skipped socket", host);
			return;
		}
	}
	int rc = tree_apply(t, &e);

	if (rc == 1)
		warn("%s", tree_error(t));
	else if (rc < 0)
		die("%s", tree_error(t));
	free(data);

	if (e.type == TAR_DIR) {
		DIR *d = opendir(host);
		struct dirent *de;

		if (!d)
			die("%s: %s", host, strerror(errno));
		while ((de = readdir(d))) {
			char h[4096], r[4096];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if ((size_t)snprintf(h, sizeof(h), "%s/%s", host, de->d_name) >= sizeof(h) ||
			    (size_t)snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "",
					     de->d_name) >= sizeof(r))
				die("%s/%s: path too long", host, de->d_name);
			rootfs_add(t, h, r);
		}
		closedir(d);
	}
}

/* ---------------------------------------------------------------- run config */

/* Field f (0-based) of the line of colon-separated file text (passwd,
 * group) whose field key_field equals key; NULL if none. */
static char *colon_lookup(const struct tree *t, const char *file, int key_field,
			  const char *key, int f, char *out, size_t outlen)
{
	struct tree_stat st;
	const char *p, *end;

	if (tree_lookup(t, file, &st) < 0 || st.type != TAR_FILE)
		return NULL;
	p = (const char *)st.data;
	end = p + st.size;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *fs[8];
		int n = 0;

		fs[n++] = p;
		for (const char *c = p; c < le && n < 8; c++)
			if (*c == ':')
				fs[n++] = c + 1;
		if (n > f && n > key_field) {
			size_t kl = (size_t)((key_field + 1 < n ? fs[key_field + 1] - 1 : le) - fs[key_field]);
			size_t vl = (size_t)((f + 1 < n ? fs[f + 1] - 1 : le) - fs[f]);

			if (kl == strlen(key) && !memcmp(fs[key_field], key, kl) && vl < outlen) {
				memcpy(out, fs[f], vl);
				out[vl] = '\0';
				return out;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static bool parse_id(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v > UINT32_MAX - 1)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "user[:group]", names resolved in the image's /etc/passwd and
 * /etc/group as the container runtime would. */
static void resolve_user(const struct tree *t, const char *spec, uint32_t *uid, uint32_t *gid)
{
	char *u = strdup(spec), *g, buf[64];

	if (!u)
		die("out of memory");
	g = strchr(u, ':');
	if (g)
		*g++ = '\0';
	*gid = 0;
	if (parse_id(u, uid)) {
		if (colon_lookup(t, "etc/passwd", 2, u, 3, buf, sizeof(buf)) && !parse_id(buf, gid))
			*gid = 0;
	} else {
		if (!colon_lookup(t, "etc/passwd", 0, u, 2, buf, sizeof(buf)) || !parse_id(buf, uid))
			die("user \"%s\" is not in the image's /etc/passwd", u);
		if (colon_lookup(t, "etc/passwd", 0, u, 3, buf, sizeof(buf)) && !parse_id(buf, gid))
			die("user \"%s\" has a bad group id in /etc/passwd", u);
	}
	if (g && !parse_id(g, gid) &&
	    (!colon_lookup(t, "etc/group", 0, g, 2, buf, sizeof(buf)) || !parse_id(buf, gid)))
		die("group \"%s\" is not in the image's /etc/group", g);
	free(u);
}

struct opts {
	const char *oci, *docker, *rootfs, *modules, *init, *out, *workdir, *user;
	char **entrypoint, **cmd, **env;
	size_t n_entrypoint, n_cmd, n_env;
	bool set_entrypoint, set_cmd, gzip;
};

static void push(char ***v, size_t *n, const char *s)
{
	*v = realloc(*v, (*n + 2) * sizeof(**v));
	if (!*v)
		die("out of memory");
	(*v)[(*n)++] = (char *)s;
	(*v)[*n] = NULL;
}

/* OCI / Docker semantics: argv is Entrypoint + Cmd; overriding the
 * entrypoint drops the image's Cmd; --env replaces a variable of the
 * same name or adds one. */
static void make_bcfg(const struct tree *t, const struct opts *o, const struct oci_config *ic,
		      struct bcfg *c)
{
	char **argv = NULL, **env = NULL;
	size_t argc = 0, envc = 0;

	if (o->set_entrypoint)
		for (size_t i = 0; i < o->n_entrypoint; i++)
			push(&argv, &argc, o->entrypoint[i]);
	else
		for (size_t i = 0; i < ic->n_entrypoint; i++)
			push(&argv, &argc, ic->entrypoint[i]);
	if (o->set_cmd)
		for (size_t i = 0; i < o->n_cmd; i++)
			push(&argv, &argc, o->cmd[i]);
	else if (!o->set_entrypoint)
		for (size_t i = 0; i < ic->n_cmd; i++)
			push(&argv, &argc, ic->cmd[i]);
	if (argc == 0)
		die("nothing to run: the image has no Entrypoint or Cmd (use --entrypoint/--cmd)");

	for (size_t i = 0; i < ic->n_env; i++)
		push(&env, &envc, ic->env[i]);
	for (size_t i = 0; i < o->n_env; i++) {
		const char *eq = strchr(o->env[i], '=');
		size_t kl = eq ? (size_t)(eq - o->env[i]) + 1 : 0;
		bool done = false;

		if (!eq || eq == o->env[i])
			die("--env \"%s\": expected KEY=VALUE", o->env[i]);
		for (size_t j = 0; j < envc; j++)
			if (!strncmp(env[j], o->env[i], kl)) {
				env[j] = o->env[i];
				done = true;
			}
		if (!done)
			push(&env, &envc, o->env[i]);
	}
	for (size_t j = 0; j < envc; j++)
		if (!strchr(env[j], '=') || env[j][0] == '=')
			die("image Env entry \"%s\" is not KEY=VALUE", env[j]);

	c->argv = argv;
	c->argc = argc;
	c->env = env;
	c->envc = envc;
	c->workdir = (char *)(o->workdir ? o->workdir : ic->workdir && ic->workdir[0] ? ic->workdir : "/");
	if (c->workdir[0] != '/')
		die("working directory \"%s\" is not absolute", c->workdir);
	c->uid = c->gid = 0;
	if (o->user || (ic->user && ic->user[0]))
		resolve_user(t, o->user ? o->user : ic->user, &c->uid, &c->gid);
}

/* ---------------------------------------------------------------- our files */

static void put(struct tree *t, enum tar_type type, const char *path, uint32_t mode,
		const void *data, size_t size)
{
	struct tar_entry e = {
		.type = type, .path = path, .link = "", .mode = mode,
		.data = data, .size = size,
	};

	if (tree_apply(t, &e) != 0)
		die("adding %s: %s", path, tree_error(t));
}

static void add_modules(struct tree *t, const char *dir)
{
	char path[4096], *order, *line, *save = NULL;
	size_t len, n = 0;
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s/modules.order", dir);
	order = (char *)read_file(path, &len);
	put(t, TAR_DIR, MOD_DIR, 0755, NULL, 0);
	put(t, TAR_FILE, MOD_DIR "/modules.order", 0644, order, len);
	for (line = strtok_r(order, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dst[4096];

		if (!line[0] || line[0] == '#')
			continue;
		if (strchr(line, '/') || !strcmp(line, ".") || !strcmp(line, ".."))
			die("%s: \"%s\" is not a plain file name", path, line);
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		buf = read_file(path, &len);
		snprintf(dst, sizeof(dst), MOD_DIR "/%s", line);
		put(t, TAR_FILE, dst, 0644, buf, len);
		free(buf);
		n++;
	}
	free(order);
	if (n == 0)
		warn("%s/modules.order lists no modules", dir);
}

/* ---------------------------------------------------------------- output */

struct out { FILE *f; z_stream z; bool gz; const char *path; };

static int sink(void *ctx, const void *buf, size_t len)
{
	struct out *o = ctx;

	if (!o->gz)
		return fwrite(buf, 1, len, o->f) == len ? 0 : -EIO;
	o->z.next_in = (Bytef *)buf;
	o->z.avail_in = (uInt)len;
	while (o->z.avail_in) {
		uint8_t chunk[65536];

		o->z.next_out = chunk;
		o->z.avail_out = sizeof(chunk);
		if (deflate(&o->z, Z_NO_FLUSH) == Z_STREAM_ERROR)
			return -EIO;
		if (fwrite(chunk, 1, sizeof(chunk) - o->z.avail_out, o->f) !=
		    sizeof(chunk) - o->z.avail_out)
			return -EIO;
	}
	return 0;
}

static void write_image(struct tree *t, const char *path, bool gz)
{
	char tmp[4096];
	struct out o = { .gz = gz, .path = path };
	struct cpio_writer w = { .sink = sink, .ctx = &o };
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	o.f = fopen(tmp, "wb");
	if (!o.f)
		die("%s: %s", tmp, strerror(errno));
	if (gz && deflateInit2(&o.z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("zlib init failed");
	rc = cpio_write_tree(&w, t);
	if (rc < 0)
		die("%s: writing the archive failed: %s", tmp,
		    rc == -EFBIG ? "a file of 4 GiB or more" : strerror(-rc));
	if (gz) {
		int zr;

		do {
			uint8_t chunk[65536];

			o.z.next_out = chunk;
			o.z.avail_out = sizeof(chunk);
			zr = deflate(&o.z, Z_FINISH);
			if (fwrite(chunk, 1, sizeof(chunk) - o.z.avail_out, o.f) !=
			    sizeof(chunk) - o.z.avail_out)
				die("%s: write failed", tmp);
		} while (zr == Z_OK);
		deflateEnd(&o.z);
	}
	if (fclose(o.f) != 0)
		die("%s: %s", tmp, strerror(errno));
	if (rename(tmp, path) < 0)
		die("%s: %s", path, strerror(errno));
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s (--oci DIR[:REF] | --docker-archive FILE[:TAG] | --rootfs DIR)\n"
		"         --init FILE [--modules DIR] -o OUT [-z]\n"
		"         [--entrypoint WORD]... [--cmd WORD]... [--env K=V]...\n"
		"         [--workdir DIR] [--user USER[:GROUP]]\n"
		"Builds a newc initramfs (gzip with -z) running the container under\n"
		"Bastion's guest init. See tools/mkimage/README.md.\n", prog);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "oci", required_argument, NULL, 'O' },
		{ "docker-archive", required_argument, NULL, 'D' },
		{ "rootfs", required_argument, NULL, 'R' },
		{ "modules", required_argument, NULL, 'm' },
		{ "init", required_argument, NULL, 'i' },
		{ "entrypoint", required_argument, NULL, 'e' },
		{ "cmd", required_argument, NULL, 'c' },
		{ "env", required_argument, NULL, 'E' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct opts o = { 0 };
	struct oci_config ic = { 0 };
	struct bcfg c = { 0 };
	struct tree *t;
	uint8_t *buf;
	size_t len;
	int opt, inputs;

	while ((opt = getopt_long(argc, argv, "o:zh", lo, NULL)) != -1) {
		switch (opt) {
		case 'O': o.oci = optarg; break;
		case 'D': o.docker = optarg; break;
		case 'R': o.rootfs = optarg; break;
		case 'm': o.modules = optarg; break;
		case 'i': o.init = optarg; break;
		case 'o': o.out = optarg; break;
		case 'w': o.workdir = optarg; break;
		case 'u': o.user = optarg; break;
		case 'z': o.gzip = true; break;
		case 'e':
			o.set_entrypoint = true;
			push(&o.entrypoint, &o.n_entrypoint, optarg);
			break;
		case 'c':
			o.set_cmd = true;
			push(&o.cmd, &o.n_cmd, optarg);
			break;
		case 'E': push(&o.env, &o.n_env, optarg); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	inputs = !!o.oci + !!o.docker + !!o.rootfs;
	if (optind != argc || inputs != 1 || !o.out || !o.init)
		usage(2);

	t = tree_new();
	if (!t)
		die("out of memory");
	if (o.oci)
		load_oci(t, o.oci, &ic);
	else if (o.docker)
		load_docker(t, o.docker, &ic);
	else {
		tree_begin_layer(t);
		rootfs_add(t, o.rootfs, "");
	}

	/* Ours last, replacing anything the image had at these paths. */
	tree_begin_layer(t);
	make_bcfg(t, &o, &ic, &c);
	if ((opt = bcfg_encode(&c, &buf, &len)) < 0)
		die("encoding the run configuration: %s", strerror(-opt));
	put(t, TAR_DIR, BASTION_DIR, 0755, NULL, 0);
	put(t, TAR_FILE, BASTION_DIR "/config", 0644, buf, len);
	free(buf);
	if (o.modules)
		add_modules(t, o.modules);
	buf = read_file(o.init, &len);
	put(t, TAR_FILE, "init", 0755, buf, len);
	free(buf);

	write_image(t, o.out, o.gzip);
	tree_free(t);
	oci_config_free(&ic);
	free(c.argv);
	free(c.env);
	return 0;
}
