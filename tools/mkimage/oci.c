/* OCI and docker image JSON: see oci.h. Parsing is kernel/json.c, the
 * strict parser the RPC console uses (integers only, no duplicate keys,
 * bounded), which image metadata never needs to go beyond. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/json.h"
#include "tools/mkimage/oci.h"

#define STR_MAX 65536

static int seterr(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int seterr(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Parses text into a heap token array (*toks, freed by the caller). */
static int parse(const char *what, char *text, size_t len, struct json_doc *d,
		 struct json_tok **toks, char *err, size_t errlen)
{
	size_t n = len / 2 + 16;
	struct json_err je;
	int rc;

	if (len > JSON_MAX_INPUT)
		return seterr(err, errlen, -E2BIG, "%s: %zu bytes is too large", what, len);
	*toks = calloc(n, sizeof(**toks));
	if (!*toks)
		return -ENOMEM;
	rc = json_parse(d, text, len, *toks, n, &je);
	if (rc < 0)
		return seterr(err, errlen, -EINVAL, "%s: invalid JSON at byte %u: %s", what,
			      je.offset, json_strerror(je.code));
	if (!json_is(d, 0, JSON_OBJECT) && !json_is(d, 0, JSON_ARRAY))
		return seterr(err, errlen, -EINVAL, "%s: not a JSON object", what);
	return 0;
}

/* A heap copy of string key of obj; *out stays NULL when absent or null. */
static int get_str(const struct json_doc *d, int obj, const char *key, bool required,
		   char **out, const char *what, char *err, size_t errlen)
{
	const char *s;
	int t = json_get(d, obj, key);

	*out = NULL;
	if (t < 0 || json_is(d, t, JSON_NULL)) {
		if (required)
			return seterr(err, errlen, -EINVAL, "%s: missing \"%s\"", what, key);
		return 0;
	}
	if (json_str(d, t, STR_MAX, &s, NULL) < 0)
		return seterr(err, errlen, -EINVAL, "%s: \"%s\" is not a string", what, key);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* A NULL-terminated heap copy of an array of strings (t: the array). */
static int str_array(const struct json_doc *d, int t, char ***out, size_t *n,
		     const char *what, const char *key, char *err, size_t errlen)
{
	char **v;
	size_t k = 0;

	if (!json_is(d, t, JSON_ARRAY))
		return seterr(err, errlen, -EINVAL, "%s: \"%s\" is not an array", what, key);
	v = calloc(d->toks[t].len + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*out = v;
	*n = 0;
	for (int c = json_first(d, t); c >= 0; c = json_next(d, t, c)) {
		const char *s;

		if (json_str(d, c, STR_MAX, &s, NULL) < 0)
			return seterr(err, errlen, -EINVAL, "%s: \"%s\" holds a non-string", what, key);
		if (!(v[k] = strdup(s)))
			return -ENOMEM;
		*n = ++k;
	}
	return 0;
}

static void free_vec(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void oci_manifest_free(struct oci_manifest *m)
{
	free(m->config);
	free_vec(m->layers, m->nlayers);
	memset(m, 0, sizeof(*m));
}

void oci_config_free(struct oci_config *c)
{
	free_vec(c->entrypoint, c->n_entrypoint);
	free_vec(c->cmd, c->n_cmd);
	free_vec(c->env, c->n_env);
	free(c->workdir);
	free(c->user);
	memset(c, 0, sizeof(*c));
}

int oci_digest_path(const char *digest, char *out, size_t outlen)
{
	const char *h;

	if (strncmp(digest, "sha256:", 7))
		return -EINVAL;
	h = digest + 7;
	if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
		return -EINVAL;
	if ((size_t)snprintf(out, outlen, "blobs/sha256/%s", h) >= outlen)
		return -EINVAL;
	return 0;
}

int oci_index_select(char *text, size_t len, const char *ref, char **digest,
		     char *err, size_t errlen)
{
	struct json_tok *toks = NULL;
	struct json_doc d;
	int rc, arr, pick = -1, count = 0;

	*digest = NULL;
	if ((rc = parse("index.json", text, len, &d, &toks, err, errlen)) < 0)
		goto out;
	rc = -EINVAL;
	arr = json_get(&d, 0, "manifests");
	if (!json_is(&d, arr, JSON_ARRAY)) {
		seterr(err, errlen, rc, "index.json: no \"manifests\" array");
		goto out;
	}
	for (int m = json_first(&d, arr); m >= 0; m = json_next(&d, arr, m)) {
		const char *name = NULL;
		int ann = json_get(&d, m, "annotations");

		if (!json_is(&d, m, JSON_OBJECT)) {
			seterr(err, errlen, rc, "index.json: a manifest descriptor is not an object");
			goto out;
		}
		count++;
		if (ann >= 0)
			json_get_str(&d, ann, "org.opencontainers.image.ref.name", STR_MAX, &name, NULL);
		if (ref ? (name && !strcmp(name, ref)) : pick < 0)
			pick = m;
	}
	if (count == 0) {
		seterr(err, errlen, rc, "index.json: no manifests");
		goto out;
	}
	if (pick < 0) {
		seterr(err, errlen, rc, "index.json: no manifest with ref.name \"%s\"", ref);
		goto out;
	}
	if (!ref && count > 1) {
		seterr(err, errlen, rc, "index.json: %d manifests, choose one with DIR:REF", count);
		goto out;
	}
	{
		char *mt = NULL;

		if ((rc = get_str(&d, pick, "mediaType", false, &mt, "index.json", err, errlen)) < 0)
			goto out;
		if (mt && strstr(mt, "index")) {
			seterr(err, errlen, rc = -EINVAL, "index.json: nested image indexes "
			       "(multi-platform images) are not supported");
			free(mt);
			goto out;
		}
		free(mt);
	}
	rc = get_str(&d, pick, "digest", true, digest, "index.json", err, errlen);
out:
	free(toks);
	return rc;
}

int oci_manifest_parse(char *text, size_t len, struct oci_manifest *m,
		       char *err, size_t errlen)
{
	struct json_tok *toks = NULL;
	struct json_doc d;
	int rc, cfg, arr;
	size_t k = 0;

	memset(m, 0, sizeof(*m));
	if ((rc = parse("manifest", text, len, &d, &toks, err, errlen)) < 0)
		goto out;
	rc = -EINVAL;
	cfg = json_get(&d, 0, "config");
	arr = json_get(&d, 0, "layers");
	if (!json_is(&d, cfg, JSON_OBJECT) || !json_is(&d, arr, JSON_ARRAY)) {
		seterr(err, errlen, rc, "manifest: no \"config\" object or \"layers\" array");
		goto out;
	}
	if ((rc = get_str(&d, cfg, "digest", true, &m->config, "manifest config", err, errlen)) < 0)
		goto out;
	m->layers = calloc(d.toks[arr].len + 1, sizeof(*m->layers));
	if (!m->layers) {
		rc = -ENOMEM;
		goto out;
	}
	for (int l = json_first(&d, arr); l >= 0; l = json_next(&d, arr, l)) {
		char *mt = NULL;

		rc = -EINVAL;
		if (!json_is(&d, l, JSON_OBJECT)) {
			seterr(err, errlen, rc, "manifest: layer %zu is not an object", k);
			goto out;
		}
		if ((rc = get_str(&d, l, "mediaType", true, &mt, "manifest layer", err, errlen)) < 0)
			goto out;
		/* tar, tar+gzip (OCI), rootfs.diff.tar(.gzip) (Docker). */
		if (!strstr(mt, "tar") || strstr(mt, "zstd")) {
			seterr(err, errlen, rc = -EINVAL, "manifest: layer %zu has unsupported "
			       "media type \"%s\" (tar or tar+gzip only)", k, mt);
			free(mt);
			goto out;
		}
		free(mt);
		if ((rc = get_str(&d, l, "digest", true, &m->layers[k], "manifest layer", err, errlen)) < 0)
			goto out;
		m->nlayers = ++k;
	}
	rc = 0;
out:
	if (rc < 0)
		oci_manifest_free(m);
	free(toks);
	return rc;
}

int docker_manifest_parse(char *text, size_t len, const char *ref,
			  struct oci_manifest *m, char *err, size_t errlen)
{
	struct json_tok *toks = NULL;
	struct json_doc d;
	int rc, pick = -1, count = 0, arr;

	memset(m, 0, sizeof(*m));
	if ((rc = parse("manifest.json", text, len, &d, &toks, err, errlen)) < 0)
		goto out;
	rc = -EINVAL;
	if (!json_is(&d, 0, JSON_ARRAY)) {
		seterr(err, errlen, rc, "manifest.json: not an array");
		goto out;
	}
	for (int e = json_first(&d, 0); e >= 0; e = json_next(&d, 0, e)) {
		int tags = json_get(&d, e, "RepoTags");

		if (!json_is(&d, e, JSON_OBJECT)) {
			seterr(err, errlen, rc, "manifest.json: an entry is not an object");
			goto out;
		}
		count++;
		if (!ref && pick < 0)
			pick = e;
		if (ref && json_is(&d, tags, JSON_ARRAY))
			for (int t = json_first(&d, tags); t >= 0; t = json_next(&d, tags, t)) {
				const char *s;

				if (json_str(&d, t, STR_MAX, &s, NULL) == 0 && !strcmp(s, ref))
					pick = e;
			}
	}
	if (pick < 0 || (!ref && count > 1)) {
		seterr(err, errlen, rc, count == 0 ? "manifest.json: no images" :
		       ref ? "manifest.json: no image tagged \"%s\"" :
		       "manifest.json: several images, choose one with FILE:TAG", ref);
		goto out;
	}
	if ((rc = get_str(&d, pick, "Config", true, &m->config, "manifest.json", err, errlen)) < 0)
		goto out;
	arr = json_get(&d, pick, "Layers");
	if (arr < 0) {
		seterr(err, errlen, rc = -EINVAL, "manifest.json: no \"Layers\"");
		goto out;
	}
	rc = str_array(&d, arr, &m->layers, &m->nlayers, "manifest.json", "Layers", err, errlen);
out:
	if (rc < 0)
		oci_manifest_free(m);
	free(toks);
	return rc;
}

int oci_config_parse(char *text, size_t len, struct oci_config *c, char *err, size_t errlen)
{
	static const char what[] = "image config";
	struct json_tok *toks = NULL;
	struct json_doc d;
	int rc, cfg, t;

	memset(c, 0, sizeof(*c));
	if ((rc = parse(what, text, len, &d, &toks, err, errlen)) < 0)
		goto out;
	cfg = json_get(&d, 0, "config");
	if (cfg < 0 || json_is(&d, cfg, JSON_NULL))
		goto out;		/* no run settings at all: fine */
	if (!json_is(&d, cfg, JSON_OBJECT)) {
		seterr(err, errlen, rc = -EINVAL, "%s: \"config\" is not an object", what);
		goto out;
	}
	/* JSON null means unset, as Docker writes it. */
	if ((t = json_get(&d, cfg, "Entrypoint")) >= 0 && !json_is(&d, t, JSON_NULL) &&
	    (rc = str_array(&d, t, &c->entrypoint, &c->n_entrypoint, what, "Entrypoint", err, errlen)) < 0)
		goto out;
	if ((t = json_get(&d, cfg, "Cmd")) >= 0 && !json_is(&d, t, JSON_NULL) &&
	    (rc = str_array(&d, t, &c->cmd, &c->n_cmd, what, "Cmd", err, errlen)) < 0)
		goto out;
	if ((t = json_get(&d, cfg, "Env")) >= 0 && !json_is(&d, t, JSON_NULL) &&
	    (rc = str_array(&d, t, &c->env, &c->n_env, what, "Env", err, errlen)) < 0)
		goto out;
	if ((rc = get_str(&d, cfg, "WorkingDir", false, &c->workdir, what, err, errlen)) < 0 ||
	    (rc = get_str(&d, cfg, "User", false, &c->user, what, err, errlen)) < 0)
		goto out;
out:
	if (rc < 0)
		oci_config_free(c);
	free(toks);
	return rc;
}
