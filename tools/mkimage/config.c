/* Container run configuration encoding: see config.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tools/mkimage/config.h"

static bool env_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && eq != s;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *rec(uint8_t *p, char tag, const void *v, uint32_t len)
{
	*p++ = (uint8_t)tag;
	put32(p, len);
	if (len)
		memcpy(p + 4, v, len);
	return p + 4 + len;
}

int bcfg_encode(const struct bcfg *c, uint8_t **out, size_t *len)
{
	size_t total = 8 + 5 + 8 + 5;	/* magic, version, U, Z */
	uint8_t *buf, *p, ug[8];

	if (c->argc == 0 || c->argc + c->envc > BCFG_MAX_ITEMS)
		return c->argc ? -E2BIG : -EINVAL;
	for (size_t i = 0; i < c->argc; i++)
		total += 5 + strlen(c->argv[i]);
	for (size_t i = 0; i < c->envc; i++) {
		if (!env_ok(c->env[i]))
			return -EINVAL;
		total += 5 + strlen(c->env[i]);
	}
	if (c->workdir) {
		if (c->workdir[0] != '/')
			return -EINVAL;
		total += 5 + strlen(c->workdir);
	}
	if (total > BCFG_MAX_SIZE)
		return -E2BIG;
	p = buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	memcpy(p, BCFG_MAGIC, 4);
	put32(p + 4, BCFG_VERSION);
	p += 8;
	for (size_t i = 0; i < c->argc; i++)
		p = rec(p, 'A', c->argv[i], (uint32_t)strlen(c->argv[i]));
	for (size_t i = 0; i < c->envc; i++)
		p = rec(p, 'E', c->env[i], (uint32_t)strlen(c->env[i]));
	if (c->workdir)
		p = rec(p, 'W', c->workdir, (uint32_t)strlen(c->workdir));
	put32(ug, c->uid);
	put32(ug + 4, c->gid);
	p = rec(p, 'U', ug, 8);
	p = rec(p, 'Z', NULL, 0);
	*out = buf;
	*len = (size_t)(p - buf);
	return 0;
}

void bcfg_free(struct bcfg *c)
{
	for (size_t i = 0; c->argv && i < c->argc; i++)
		free(c->argv[i]);
	for (size_t i = 0; c->env && i < c->envc; i++)
		free(c->env[i]);
	free(c->argv);
	free(c->env);
	free(c->workdir);
	memset(c, 0, sizeof(*c));
}

/* Appends a copy of s[0..n) to a NULL-terminated vector. */
static int vec_push(char ***v, size_t *n, const uint8_t *s, size_t len)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));
	char *copy;

	if (!nv)
		return -ENOMEM;
	*v = nv;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	nv[(*n)++] = copy;
	nv[*n] = NULL;
	return 0;
}

int bcfg_decode(const uint8_t *buf, size_t len, struct bcfg *c)
{
	bool end = false, have_user = false;
	size_t pos = 8;
	int rc = -EINVAL;

	memset(c, 0, sizeof(*c));
	if (len > BCFG_MAX_SIZE)
		return -E2BIG;
	if (len < 8 || memcmp(buf, BCFG_MAGIC, 4) || get32(buf + 4) != BCFG_VERSION)
		return -EINVAL;
	while (pos < len) {
		uint8_t tag;
		uint32_t l;
		const uint8_t *v;

		if (end || len - pos < 5)
			goto bad;	/* bytes after the end, or a cut record */
		tag = buf[pos];
		l = get32(buf + pos + 1);
		v = buf + pos + 5;
		if (l > len - pos - 5)
			goto bad;
		pos += 5 + l;
		if (tag != 'U' && tag != 'Z' && memchr(v, '\0', l))
			goto bad;
		switch (tag) {
		case 'A':
		case 'E':
			if (c->argc + c->envc >= BCFG_MAX_ITEMS) {
				rc = -E2BIG;
				goto bad;
			}
			if ((rc = tag == 'A' ? vec_push(&c->argv, &c->argc, v, l)
					     : vec_push(&c->env, &c->envc, v, l)) < 0)
				goto bad;
			rc = -EINVAL;
			if (tag == 'E' && !env_ok(c->env[c->envc - 1]))
				goto bad;
			break;
		case 'W':
			if (c->workdir || l == 0 || v[0] != '/')
				goto bad;
			if (!(c->workdir = strndup((const char *)v, l))) {
				rc = -ENOMEM;
				goto bad;
			}
			break;
		case 'U':
			if (have_user || l != 8)
				goto bad;
			c->uid = get32(v);
			c->gid = get32(v + 4);
			have_user = true;
			break;
		case 'Z':
			if (l != 0)
				goto bad;
			end = true;
			break;
		default:
			goto bad;
		}
	}
	if (!end || c->argc == 0)
		goto bad;
	if (!c->env && vec_push(&c->env, &c->envc, (const uint8_t *)"", 0) == 0) {
		/* An empty, NULL-terminated environment for execve(). */
		free(c->env[0]);
		c->env[0] = NULL;
		c->envc = 0;
	}
	if (!c->env) {
		rc = -ENOMEM;
		goto bad;
	}
	return 0;
bad:
	bcfg_free(c);
	return rc;
}
