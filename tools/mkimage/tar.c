/* Strict tar reader: see tar.h. Formats: POSIX.1-1988 ustar, GNU tar's
 * extensions (typeflags 'L' and 'K', base-256 numbers) and POSIX.1-2001
 * pax extended headers ("LEN key=value\n" records). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/mkimage/tar.h"

/* ustar header layout (POSIX.1-1988, pax(1) "ustar Interchange Format") */
enum {
	H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124,
	H_MTIME = 136, H_CHKSUM = 148, H_TYPE = 156, H_LINK = 157,
	H_MAGIC = 257, H_VERSION = 263, H_DEVMAJOR = 329, H_DEVMINOR = 337,
	H_PREFIX = 345,
};

/* Values a pax header may set for the next entry. */
struct pax {
	char *path, *link;
	bool has_size, has_uid, has_gid, has_mtime;
	uint64_t size;
	uint64_t uid, gid;
	int64_t mtime;
};

static int fail(struct tar_reader *r, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct tar_reader *r, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof(r->err), "tar offset %zu: ", off);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(r->err))
		vsnprintf(r->err + n, sizeof(r->err) - n, fmt, ap);
	va_end(ap);
	r->done = -1;
	return -EINVAL;
}

void tar_open(struct tar_reader *r, const uint8_t *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
}

void tar_close(struct tar_reader *r)
{
	free(r->path);
	free(r->link);
	r->path = r->link = NULL;
}

int tar_octal(const char *f, size_t n, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	bool digits = false;

	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 61)
			return -EINVAL;		/* would overflow 64 bits */
		v = v * 8 + (uint64_t)(f[i] - '0');
		digits = true;
	}
	/* The rest must be terminators: NUL or space (writers differ). */
	for (; i < n; i++)
		if (f[i] != '\0' && f[i] != ' ')
			return -EINVAL;
	*out = digits ? v : 0;
	return 0;
}

/* A numeric field: octal, or GNU base-256 (first byte 0x80 positive,
 * 0xff negative: refused, nothing we read may be negative). */
static int num_field(struct tar_reader *r, const uint8_t *h, int off, size_t n,
		     const char *what, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (h[off] == 0xff)
		return fail(r, r->pos + off, "negative %s (base-256)", what);
	if (h[off] == 0x80) {
		for (size_t i = 1; i < n; i++) {
			if (v >> 56)
				return fail(r, r->pos + off, "%s too large (base-256)", what);
			v = (v << 8) | h[off + i];
		}
	} else if (tar_octal((const char *)h + off, n, &v) < 0) {
		return fail(r, r->pos + off, "%s field is not octal: \"%.*s\"",
			    what, (int)n, (const char *)h + off);
	}
	if (v > max)
		return fail(r, r->pos + off, "%s %llu out of range", what,
			    (unsigned long long)v);
	*out = v;
	return 0;
}

static bool zero_block(const uint8_t *b)
{
	for (int i = 0; i < TAR_BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/* POSIX checksum: the unsigned byte sum with the checksum field read as
 * spaces. Some historic writers summed signed chars; accept either. */
static int check_sum(struct tar_reader *r, const uint8_t *h)
{
	uint64_t want, us = 0;
	int64_t ss = 0;

	if (tar_octal((const char *)h + H_CHKSUM, 8, &want) < 0)
		return fail(r, r->pos + H_CHKSUM, "checksum field is not octal");
	for (int i = 0; i < TAR_BLOCK; i++) {
		uint8_t c = (i >= H_CHKSUM && i < H_CHKSUM + 8) ? ' ' : h[i];
		us += c;
		ss += (int8_t)c;
	}
	if (want != us && (int64_t)want != ss)
		return fail(r, r->pos, "header checksum mismatch (stored %llo, computed %llo)",
			    (unsigned long long)want, (unsigned long long)us);
	return 0;
}

/* A NUL-terminated copy of a name field (up to n bytes, stops at NUL). */
static char *field_str(const uint8_t *f, size_t n)
{
	size_t l = strnlen((const char *)f, n);
	char *s = malloc(l + 1);

	if (s) {
		memcpy(s, f, l);
		s[l] = '\0';
	}
	return s;
}

/* Data of a meta entry ('L', 'K') as a C string: refused if it holds a
 * NUL before its end (other than trailing ones) or is too long. */
static int long_name(struct tar_reader *r, const uint8_t *d, uint64_t size,
		     const char *what, char **out)
{
	size_t l;

	if (size == 0 || size > TAR_MAX_PATH + 1)
		return fail(r, r->pos, "GNU long %s of bad length %llu", what,
			    (unsigned long long)size);
	l = strnlen((const char *)d, size);
	for (size_t i = l; i < size; i++)
		if (d[i])
			return fail(r, r->pos, "GNU long %s contains a NUL byte", what);
	if (l == 0)
		return fail(r, r->pos, "empty GNU long %s", what);
	free(*out);
	*out = field_str(d, l);
	return *out ? 0 : -ENOMEM;
}

/* Decimal number of a pax record value: [-]digits[.digits] where allowed. */
static int pax_num(const char *v, size_t n, bool frac, bool neg, uint64_t max,
		   int64_t *out)
{
	size_t i = 0;
	bool minus = false;
	uint64_t x = 0;

	if (neg && n && v[0] == '-') {
		minus = true;
		i++;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		if (x > (max - (uint64_t)(v[i] - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (frac && i < n && v[i] == '.') {
		i++;
		while (i < n && v[i] >= '0' && v[i] <= '9')
			i++;
	}
	if (i != n)
		return -EINVAL;
	*out = minus ? -(int64_t)x : (int64_t)x;
	return 0;
}

static int pax_parse(struct tar_reader *r, const uint8_t *d, uint64_t size,
		     bool global, struct pax *p)
{
	size_t pos = 0;

	if (size > TAR_MAX_PAX)
		return fail(r, r->pos, "pax header of %llu bytes is too large",
			    (unsigned long long)size);
	while (pos < size) {
		size_t rec = pos, len = 0, i = pos, key, eq, val, vlen;

		/* "LEN key=value\n": LEN counts the whole record. */
		while (i < size && d[i] >= '0' && d[i] <= '9' && i - pos < 8)
			len = len * 10 + (d[i++] - '0');
		if (i == pos || i >= size || d[i] != ' ' || len < 5 ||
		    len > size - rec || d[rec] == '0')
			return fail(r, r->pos, "malformed pax record length at byte %zu", rec);
		if (d[rec + len - 1] != '\n')
			return fail(r, r->pos, "pax record at byte %zu does not end in a newline", rec);
		key = i + 1;
		for (eq = key; eq < rec + len - 1 && d[eq] != '='; eq++)
			;
		if (eq == key || eq >= rec + len - 1)
			return fail(r, r->pos, "pax record at byte %zu has no key=value", rec);
		val = eq + 1;
		vlen = rec + len - 1 - val;
		pos = rec + len;

#define KEY(s) (eq - key == sizeof(s) - 1 && !memcmp(d + key, s, sizeof(s) - 1))
		const char *v = (const char *)d + val;
		int64_t num;

		if (KEY("path") || KEY("linkpath")) {
			char **dst = KEY("path") ? &p->path : &p->link;

			if (global)
				return fail(r, r->pos, "global pax header sets a %s", KEY("path") ? "path" : "linkpath");
			if (vlen == 0 || vlen > TAR_MAX_PATH || memchr(v, '\0', vlen))
				return fail(r, r->pos, "pax %s is empty, too long or holds a NUL",
					    KEY("path") ? "path" : "linkpath");
			free(*dst);
			*dst = field_str((const uint8_t *)v, vlen);
			if (!*dst)
				return -ENOMEM;
		} else if (KEY("size")) {
			if (global || pax_num(v, vlen, false, false, INT64_MAX, &num) < 0)
				return fail(r, r->pos, "bad pax size \"%.*s\"", (int)(vlen > 32 ? 32 : vlen), v);
			p->size = (uint64_t)num;
			p->has_size = true;
		} else if (KEY("uid") || KEY("gid")) {
			bool u = KEY("uid");

			if (pax_num(v, vlen, false, false, UINT32_MAX, &num) < 0)
				return fail(r, r->pos, "bad pax %s \"%.*s\"", u ? "uid" : "gid",
					    (int)(vlen > 32 ? 32 : vlen), v);
			if (!global) {
				*(u ? &p->uid : &p->gid) = (uint64_t)num;
				*(u ? &p->has_uid : &p->has_gid) = true;
			}
		} else if (KEY("mtime")) {
			if (pax_num(v, vlen, true, true, INT64_MAX, &num) < 0)
				return fail(r, r->pos, "bad pax mtime \"%.*s\"",
					    (int)(vlen > 32 ? 32 : vlen), v);
			if (!global) {
				p->mtime = num;
				p->has_mtime = true;
			}
		} else if (eq - key > 11 && !memcmp(d + key, "GNU.sparse.", 11)) {
			return fail(r, r->pos, "sparse files are not supported");
		}
		/* Everything else (atime, ctime, xattrs, comments) does not
		 * reach an initramfs. */
#undef KEY
	}
	return 0;
}

static void pax_clear(struct pax *p)
{
	free(p->path);
	free(p->link);
	memset(p, 0, sizeof(*p));
}

int tar_next(struct tar_reader *r, struct tar_entry *e)
{
	struct pax pax = { 0 };
	char *lname = NULL, *llink = NULL;
	bool meta = false;
	int rc;

	if (r->done)
		return r->done < 0 ? -EINVAL : 0;
	free(r->path);
	free(r->link);
	r->path = r->link = NULL;

	for (;;) {
		const uint8_t *h;
		uint64_t mode, uid, gid, size, mtime, maj = 0, min = 0, padded;
		bool ustar, gnu;
		char type;

		if (r->pos == r->len && !meta) {
			rc = fail(r, r->pos, "truncated archive: no end-of-archive marker");
			goto out;
		}
		if (r->len - r->pos < TAR_BLOCK) {
			rc = fail(r, r->pos, "truncated archive: partial header");
			goto out;
		}
		h = r->buf + r->pos;
		if (zero_block(h)) {
			if (meta) {
				rc = fail(r, r->pos, "extended header not followed by an entry");
				goto out;
			}
			/* The end is two zero blocks; accept one at the very
			 * end (some writers stop there). */
			if (r->len - r->pos >= 2 * TAR_BLOCK && !zero_block(h + TAR_BLOCK)) {
				rc = fail(r, r->pos, "zero block inside the archive");
				goto out;
			}
			r->done = 1;
			rc = 0;
			goto out;
		}
		if ((rc = check_sum(r, h)) < 0)
			goto out;
		ustar = !memcmp(h + H_MAGIC, "ustar\0" "00", 8);
		gnu = !memcmp(h + H_MAGIC, "ustar  \0", 8);
		type = (char)h[H_TYPE];

		if ((rc = num_field(r, h, H_MODE, 8, "mode", UINT32_MAX, &mode)) < 0 ||
		    (rc = num_field(r, h, H_UID, 8, "uid", UINT32_MAX, &uid)) < 0 ||
		    (rc = num_field(r, h, H_GID, 8, "gid", UINT32_MAX, &gid)) < 0 ||
		    (rc = num_field(r, h, H_SIZE, 12, "size", INT64_MAX, &size)) < 0 ||
		    (rc = num_field(r, h, H_MTIME, 12, "mtime", INT64_MAX, &mtime)) < 0)
			goto out;
		if ((ustar || gnu) && (type == '3' || type == '4') &&
		    ((rc = num_field(r, h, H_DEVMAJOR, 8, "devmajor", UINT32_MAX, &maj)) < 0 ||
		     (rc = num_field(r, h, H_DEVMINOR, 8, "devminor", UINT32_MAX, &min)) < 0))
			goto out;
		if (pax.has_size)
			size = pax.size;
		/* Data is padded to whole blocks; all of it must be there. */
		if (size > r->len - r->pos - TAR_BLOCK) {
			rc = fail(r, r->pos, "truncated archive: entry data of %llu bytes runs past the end",
				  (unsigned long long)size);
			goto out;
		}
		padded = (size + TAR_BLOCK - 1) & ~(uint64_t)(TAR_BLOCK - 1);
		if (padded > r->len - r->pos - TAR_BLOCK) {
			rc = fail(r, r->pos, "truncated archive: padding of the last entry is missing");
			goto out;
		}

		const uint8_t *data = h + TAR_BLOCK;

		switch (type) {
		case 'L':
		case 'K':
			if ((rc = long_name(r, data, size, type == 'L' ? "name" : "link name",
					    type == 'L' ? &lname : &llink)) < 0)
				goto out;
			meta = true;
			r->pos += TAR_BLOCK + padded;
			continue;
		case 'x':
		case 'g':
			if ((rc = pax_parse(r, data, size, type == 'g', &pax)) < 0)
				goto out;
			meta = type == 'x' || meta;
			r->pos += TAR_BLOCK + padded;
			continue;
		case '0': case '\0': case '7':
			e->type = TAR_FILE;
			break;
		case '1': e->type = TAR_HARDLINK; break;
		case '2': e->type = TAR_SYMLINK; break;
		case '3': e->type = TAR_CHAR; break;
		case '4': e->type = TAR_BLOCKDEV; break;
		case '5': e->type = TAR_DIR; break;
		case '6': e->type = TAR_FIFO; break;
		default:
			rc = fail(r, r->pos, "unsupported entry type '%c' (0x%02x)",
				  type >= 0x20 && type < 0x7f ? type : '?', (uint8_t)type);
			goto out;
		}

		/* Names: pax beats GNU long names beats the header fields. */
		if (pax.path) {
			r->path = pax.path;
			pax.path = NULL;
		} else if (lname) {
			r->path = lname;
			lname = NULL;
		} else if (ustar && h[H_PREFIX]) {
			char *pre = field_str(h + H_PREFIX, 155), *nm = field_str(h + H_NAME, 100);

			if (pre && nm && (r->path = malloc(strlen(pre) + strlen(nm) + 2)))
				sprintf(r->path, "%s/%s", pre, nm);
			free(pre);
			free(nm);
		} else {
			r->path = field_str(h + H_NAME, 100);
		}
		if (pax.link) {
			r->link = pax.link;
			pax.link = NULL;
		} else if (llink) {
			r->link = llink;
			llink = NULL;
		} else {
			r->link = field_str(h + H_LINK, 100);
		}
		if (!r->path || !r->link) {
			rc = -ENOMEM;
			goto out;
		}
		if (!r->path[0]) {
			rc = fail(r, r->pos, "entry with an empty name");
			goto out;
		}
		if ((e->type == TAR_HARDLINK || e->type == TAR_SYMLINK) && !r->link[0]) {
			rc = fail(r, r->pos, "%s \"%s\" has an empty target",
				  e->type == TAR_HARDLINK ? "hard link" : "symlink", r->path);
			goto out;
		}
		/* Pre-POSIX tars mark directories by a trailing slash only. */
		if (e->type == TAR_FILE && type != '7' && r->path[strlen(r->path) - 1] == '/')
			e->type = TAR_DIR;

		e->path = r->path;
		e->link = (e->type == TAR_HARDLINK || e->type == TAR_SYMLINK) ? r->link : "";
		e->mode = (uint32_t)(mode & 07777);
		e->uid = (uint32_t)(pax.has_uid ? pax.uid : uid);
		e->gid = (uint32_t)(pax.has_gid ? pax.gid : gid);
		e->mtime = pax.has_mtime ? pax.mtime : (int64_t)mtime;
		e->devmajor = (uint32_t)maj;
		e->devminor = (uint32_t)min;
		e->offset = r->pos;
		/* Only regular files carry data we keep; others skip theirs. */
		e->size = e->type == TAR_FILE ? size : 0;
		e->data = e->type == TAR_FILE ? data : NULL;
		r->pos += TAR_BLOCK + padded;
		rc = 1;
		goto out;
	}
out:
	pax_clear(&pax);
	free(lname);
	free(llink);
	return rc;
}
