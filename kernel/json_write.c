/* The JSON writer (see json.h): jw_*, a bounded builder into a caller
 * buffer that emits printable ASCII only. No recursion: jw_value() walks
 * a parsed value with an explicit stack bounded by JW_MAX_DEPTH. The
 * parser and the reading functions are in json.c. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/json.h"
#include "kernel/json_priv.h"

#define JW_OBJ   0x1		/* this level is an object */
#define JW_ITEMS 0x2		/* it holds at least one value (or key) */
#define JW_KEY   0x4		/* a key was written, its value is due */

void jw_init(struct jw *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (cap)
		buf[0] = 0;
	else
		w->overflow = true;
}

static bool jw_stopped(const struct jw *w)
{
	return w->overflow || w->misuse;
}

static void put(struct jw *w, const char *s, size_t n)
{
	if (jw_stopped(w))
		return;
	if (n >= w->cap - w->len) {	/* room for n bytes and the NUL */
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = 0;
}

/* Checks that a value may come here and writes the comma before it. */
static bool begin_value(struct jw *w)
{
	uint8_t *st = &w->st[w->depth];

	if (jw_stopped(w))
		return false;
	if (!w->depth) {
		if (*st & JW_ITEMS) {
			w->misuse = true;	/* a second top-level value */
			return false;
		}
		*st |= JW_ITEMS;
		return true;
	}
	if (*st & JW_OBJ) {
		if (!(*st & JW_KEY)) {
			w->misuse = true;	/* a value without its key */
			return false;
		}
		*st &= (uint8_t)~JW_KEY;
		return true;
	}
	if (*st & JW_ITEMS)
		put(w, ",", 1);
	*st |= JW_ITEMS;
	return true;
}

static void jw_open(struct jw *w, bool obj)
{
	if (!begin_value(w))
		return;
	if (w->depth >= JW_MAX_DEPTH) {
		w->misuse = true;
		return;
	}
	put(w, obj ? "{" : "[", 1);
	w->st[++w->depth] = obj ? JW_OBJ : 0;
}

static void jw_close(struct jw *w, bool obj)
{
	uint8_t st = w->st[w->depth];

	if (jw_stopped(w))
		return;
	if (!w->depth || !(st & JW_OBJ) != !obj || (st & JW_KEY)) {
		w->misuse = true;
		return;
	}
	put(w, obj ? "}" : "]", 1);
	w->depth--;
}

void jw_obj_begin(struct jw *w) { jw_open(w, true); }
void jw_obj_end(struct jw *w)   { jw_close(w, true); }
void jw_arr_begin(struct jw *w) { jw_open(w, false); }
void jw_arr_end(struct jw *w)   { jw_close(w, false); }

/* The escape for the character at s[0] that is not copied verbatim, into
 * out (up to 12 bytes); *adv gets the input bytes it stands for. */
static size_t esc_one(const unsigned char *s, size_t n, size_t *adv, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp;
	size_t k = 0, len;

	*adv = 1;
	switch (s[0]) {
	case '"':  out[0] = '\\'; out[1] = '"';  return 2;
	case '\\': out[0] = '\\'; out[1] = '\\'; return 2;
	case '\n': out[0] = '\\'; out[1] = 'n';  return 2;
	case '\r': out[0] = '\\'; out[1] = 'r';  return 2;
	case '\t': out[0] = '\\'; out[1] = 't';  return 2;
	case '\b': out[0] = '\\'; out[1] = 'b';  return 2;
	case '\f': out[0] = '\\'; out[1] = 'f';  return 2;
	}
	len = s[0] < 0x80 ? 1 : utf8_seq(s, n, &cp);
	if (s[0] < 0x80)
		cp = s[0];
	else if (!len)
		cp = 0xfffd;	/* an invalid byte: the replacement character */
	else
		*adv = len;
	if (cp >= 0x10000) {
		uint32_t v = cp - 0x10000;
		uint32_t u[2] = { 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff) };

		for (int i = 0; i < 2; i++) {
			out[k++] = '\\';
			out[k++] = 'u';
			for (int sh = 12; sh >= 0; sh -= 4)
				out[k++] = hex[(u[i] >> sh) & 0xf];
		}
		return k;
	}
	out[k++] = '\\';
	out[k++] = 'u';
	for (int sh = 12; sh >= 0; sh -= 4)
		out[k++] = hex[(cp >> sh) & 0xf];
	return k;
}

static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void put_string(struct jw *w, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	put(w, "\"", 1);
	while (i < n && !jw_stopped(w)) {
		size_t run = 0, adv;
		char e[12];

		while (i + run < n && plain(u[i + run]))
			run++;
		if (run) {
			put(w, s + i, run);
			i += run;
			continue;
		}
		put(w, e, esc_one(u + i, n - i, &adv, e));
		i += adv;
	}
	put(w, "\"", 1);
}

size_t jw_str_size(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, total = 2;

	while (i < n) {
		size_t adv;
		char e[12];

		if (plain(u[i])) {
			total++;
			i++;
			continue;
		}
		total += esc_one(u + i, n - i, &adv, e);
		i += adv;
	}
	return total;
}

void jw_key(struct jw *w, const char *key)
{
	uint8_t *st = &w->st[w->depth];

	if (jw_stopped(w))
		return;
	if (!w->depth || !(*st & JW_OBJ) || (*st & JW_KEY)) {
		w->misuse = true;
		return;
	}
	if (*st & JW_ITEMS)
		put(w, ",", 1);
	put_string(w, key, strlen(key));
	put(w, ":", 1);
	*st |= JW_ITEMS | JW_KEY;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	if (begin_value(w))
		put_string(w, s, n);
}

void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

static void put_u64(struct jw *w, uint64_t v, bool neg)
{
	char d[21];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		d[--i] = '-';
	put(w, d + i, sizeof(d) - i);
}

void jw_int(struct jw *w, int64_t v)
{
	if (begin_value(w))
		put_u64(w, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void jw_uint(struct jw *w, uint64_t v)
{
	if (begin_value(w))
		put_u64(w, v, false);
}

void jw_bool(struct jw *w, bool v)
{
	if (begin_value(w))
		put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
	if (begin_value(w))
		put(w, "null", 4);
}

void jw_value(struct jw *w, const struct json_doc *d, int t)
{
	struct { uint32_t end; bool obj; bool key_next; } stk[JW_MAX_DEPTH];
	const struct json_tok *root = tok_at(d, t);
	unsigned sp = 0;
	uint32_t i, end;

	if (!root || root->end > d->ntoks || root->end <= (uint32_t)t) {
		w->misuse = true;
		return;
	}
	end = root->end;
	for (i = (uint32_t)t; i < end && !jw_stopped(w); i++) {
		const struct json_tok *k = &d->toks[i];

		while (sp && stk[sp - 1].end <= i)
			jw_close(w, stk[--sp].obj);
		if (sp && stk[sp - 1].obj && stk[sp - 1].key_next) {
			if (k->type != JSON_STRING) {
				w->misuse = true;
				return;
			}
			jw_key(w, d->text + k->v.off);
			stk[sp - 1].key_next = false;
			continue;
		}
		if (sp && stk[sp - 1].obj)
			stk[sp - 1].key_next = true;
		switch (k->type) {
		case JSON_NULL:   jw_null(w); break;
		case JSON_FALSE:  jw_bool(w, false); break;
		case JSON_TRUE:   jw_bool(w, true); break;
		case JSON_INT:    jw_int(w, k->v.i); break;
		case JSON_STRING: jw_strn(w, d->text + k->v.off, k->len); break;
		case JSON_ARRAY:
		case JSON_OBJECT:
			if (sp >= JW_MAX_DEPTH || k->end <= i || k->end > end) {
				w->misuse = true;
				return;
			}
			jw_open(w, k->type == JSON_OBJECT);
			stk[sp].end = k->end;
			stk[sp].obj = k->type == JSON_OBJECT;
			stk[sp].key_next = true;
			sp++;
			break;
		default:
			w->misuse = true;
			return;
		}
	}
	while (sp && !jw_stopped(w))
		jw_close(w, stk[--sp].obj);
}

struct jw_mark jw_mark(const struct jw *w)
{
	struct jw_mark m;

	m.len = w->len;
	m.depth = w->depth;
	m.overflow = w->overflow;
	m.misuse = w->misuse;
	memcpy(m.st, w->st, sizeof(m.st));
	return m;
}

void jw_rollback(struct jw *w, struct jw_mark m)
{
	w->len = m.len;
	w->depth = m.depth;
	w->overflow = m.overflow;
	w->misuse = m.misuse;
	memcpy(w->st, m.st, sizeof(m.st));
	if (w->cap)
		w->buf[w->len] = 0;
}

int jw_finish(const struct jw *w)
{
	if (w->overflow)
		return -ENOSPC;
	if (w->misuse || w->depth || !(w->st[0] & JW_ITEMS))
		return -EINVAL;
	return 0;
}
