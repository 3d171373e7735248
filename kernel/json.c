/* Strict, bounded JSON parser and the reading functions (see json.h); the
 * writer is in json_write.c. No recursion: the parser keeps an explicit
 * stack of open containers, bounded by JSON_MAX_DEPTH; the writer's walk
 * of a parsed value likewise. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/json.h"
#include "kernel/json_priv.h"

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at s (RFC 3629 table 4: no overlong
 * forms, no surrogates D800-DFFF, nothing above U+10FFFF), or 0. Stores
 * the code point in *cp. */
size_t utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;	/* continuation byte, C0, C1, F5..FF */
	}
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	v = (v << 6) | (s[1] & 0x3f);
	for (size_t i = 2; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---------------------------------------------------------------- parser */

struct parser {
	char *s;
	size_t len;
	size_t pos;
	struct json_tok *toks;
	size_t ntoks;
	uint32_t n;			/* tokens used */
	uint32_t stack[JSON_MAX_DEPTH];	/* open containers */
	unsigned depth;
	struct json_err *err;
};

static int fail(struct parser *p, enum json_error code, size_t at)
{
	p->err->code = code;
	p->err->offset = (uint32_t)at;
	switch (code) {
	case JSON_E_RANGE:
		return -ERANGE;
	case JSON_E_DEPTH:
	case JSON_E_MEMBERS:
	case JSON_E_STRLEN:
	case JSON_E_TOKENS:
	case JSON_E_TOOBIG:
		return -E2BIG;
	default:
		return -EINVAL;
	}
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* A new token at p->pos; NULL (and *rc set) when the array is full. */
static struct json_tok *tok_new(struct parser *p, enum json_type type, int *rc)
{
	struct json_tok *t;

	if (p->n >= p->ntoks) {
		*rc = fail(p, JSON_E_TOKENS, p->pos);
		return NULL;
	}
	t = &p->toks[p->n];
	t->type = (uint8_t)type;
	t->len = 0;
	p->n++;
	t->end = p->n;		/* containers: fixed when they close */
	t->v.i = 0;
	return t;
}

/* Four hex digits at s[at]: EOF if the input ends first, ESCAPE at a
 * byte that is not one. */
static int hex4(struct parser *p, size_t at, uint32_t *out)
{
	uint32_t v = 0;

	for (size_t i = at; i < at + 4; i++) {
		char c;

		if (i >= p->len)
			return fail(p, JSON_E_EOF, p->len);
		c = p->s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(p, JSON_E_ESCAPE, at - 2);
	}
	*out = v;
	return 0;
}

/* The \u escape at s[r] (the backslash): the code point and the bytes
 * consumed, joining a surrogate pair (RFC 8259 7). */
static int parse_uescape(struct parser *p, size_t r, uint32_t *cp, size_t *used)
{
	uint32_t hi, lo;
	int rc;

	if ((rc = hex4(p, r + 2, &hi)))
		return rc;
	*used = 6;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(p, JSON_E_SURROGATE, r);
	if (hi >= 0xd800 && hi <= 0xdbff) {
		for (size_t i = 0; i < 2; i++) {
			if (r + 6 + i >= p->len)
				return fail(p, JSON_E_EOF, p->len);
			if (p->s[r + 6 + i] != "\\u"[i])
				return fail(p, JSON_E_SURROGATE, r);
		}
		if ((rc = hex4(p, r + 8, &lo)))
			return rc;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, JSON_E_SURROGATE, r);
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
		*used = 12;
	}
	if (hi == 0)
		return fail(p, JSON_E_NUL, r);
	*cp = hi;
	return 0;
}

/* The string at p->pos (the opening quote), decoded in place and
 * NUL-terminated. */
static int parse_string(struct parser *p, struct json_tok *t)
{
	size_t r = p->pos + 1, w = r;
	char *s = p->s;

	for (;;) {
		unsigned char c;

		if (r >= p->len)
			return fail(p, JSON_E_EOF, p->len);
		if (w - (p->pos + 1) > JSON_MAX_STRING)
			return fail(p, JSON_E_STRLEN, p->pos);
		c = (unsigned char)s[r];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, c ? JSON_E_CTRL : JSON_E_NUL, r);
		if (c == '\\') {
			char e;

			if (r + 1 >= p->len)
				return fail(p, JSON_E_EOF, p->len);
			e = s[r + 1];
			switch (e) {
			case '"': case '\\': case '/':
				s[w++] = e;
				break;
			case 'b': s[w++] = '\b'; break;
			case 'f': s[w++] = '\f'; break;
			case 'n': s[w++] = '\n'; break;
			case 'r': s[w++] = '\r'; break;
			case 't': s[w++] = '\t'; break;
			case 'u': {
				uint32_t cp;
				size_t used;
				int rc = parse_uescape(p, r, &cp, &used);

				if (rc)
					return rc;
				/* w + 4 <= r + 6: the decoded form never
				 * overtakes the escape being read. */
				w += utf8_put(s + w, cp);
				r += used;
				continue;
			}
			default:
				return fail(p, JSON_E_ESCAPE, r);
			}
			r += 2;
			continue;
		}
		if (c < 0x80) {
			s[w++] = (char)c;
			r++;
		} else {
			uint32_t cp;
			size_t n = utf8_seq((const unsigned char *)s + r, p->len - r, &cp);

			if (!n)
				return fail(p, JSON_E_UTF8, r);
			for (size_t i = 0; i < n; i++)
				s[w++] = s[r++];
		}
	}
	if (w - (p->pos + 1) > JSON_MAX_STRING)
		return fail(p, JSON_E_STRLEN, p->pos);
	s[w] = 0;		/* w <= r: at the latest on the closing quote */
	t->v.off = (uint32_t)(p->pos + 1);
	t->len = (uint32_t)(w - (p->pos + 1));
	p->pos = r + 1;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct parser *p, struct json_tok *t)
{
	size_t start = p->pos, i = p->pos;
	bool neg = false;
	uint64_t mag = 0, limit;

	if (p->s[i] == '-') {
		neg = true;
		i++;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (i >= p->len || !is_digit(p->s[i]))
		return fail(p, JSON_E_NUMBER, start);
	if (p->s[i] == '0') {
		i++;
		if (i < p->len && is_digit(p->s[i]))
			return fail(p, JSON_E_NUMBER, start);	/* leading zero */
	} else {
		while (i < p->len && is_digit(p->s[i])) {
			unsigned d = (unsigned)(p->s[i] - '0');

			if (mag > (limit - d) / 10)
				return fail(p, JSON_E_RANGE, start);
			mag = mag * 10 + d;
			i++;
		}
	}
	if (i < p->len && (p->s[i] == '.' || p->s[i] == 'e' || p->s[i] == 'E')) {
		/* Tell valid JSON we do not support from malformed JSON. */
		bool ok = true;

		if (p->s[i] == '.') {
			i++;
			ok = i < p->len && is_digit(p->s[i]);
			while (i < p->len && is_digit(p->s[i]))
				i++;
		}
		if (ok && i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
			i++;
			if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
				i++;
			ok = i < p->len && is_digit(p->s[i]);
		}
		return fail(p, ok ? JSON_E_NOT_INTEGER : JSON_E_NUMBER, start);
	}
	if (neg)
		t->v.i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		t->v.i = (int64_t)mag;
	p->pos = i;
	return 0;
}

static int parse_literal(struct parser *p, struct json_tok *t)
{
	static const struct { const char *word; uint8_t len; uint8_t type; } lit[] = {
		{ "true", 4, JSON_TRUE }, { "false", 5, JSON_FALSE }, { "null", 4, JSON_NULL },
	};
	size_t left = p->len - p->pos;

	for (size_t k = 0; k < sizeof(lit) / sizeof(lit[0]); k++) {
		size_t n = lit[k].len;

		if (p->s[p->pos] != lit[k].word[0])
			continue;
		if (left < n) {
			if (!memcmp(p->s + p->pos, lit[k].word, left))
				return fail(p, JSON_E_EOF, p->len);
			break;
		}
		if (memcmp(p->s + p->pos, lit[k].word, n))
			break;
		t->type = lit[k].type;
		p->pos += n;
		return 0;
	}
	return fail(p, JSON_E_SYNTAX, p->pos);
}

static int key_is_dup(const struct parser *p, const struct json_tok *obj, uint32_t obj_idx,
		      const struct json_tok *key)
{
	uint32_t k = obj_idx + 1;

	for (uint32_t m = 0; m + 1 < obj->len; m++) {
		const struct json_tok *o = &p->toks[k];

		if (o->len == key->len && !memcmp(p->s + o->v.off, p->s + key->v.off, key->len))
			return 1;
		k = p->toks[k + 1].end;
	}
	return 0;
}

/* An object key at p->pos, then the ':' after it. */
static int parse_key(struct parser *p)
{
	uint32_t oi = p->stack[p->depth - 1];
	struct json_tok *obj = &p->toks[oi], *key;
	size_t at = p->pos;
	int rc = 0;

	if (at >= p->len)
		return fail(p, JSON_E_EOF, at);
	if (p->s[at] != '"')
		return fail(p, JSON_E_SYNTAX, at);
	if (obj->len >= JSON_MAX_MEMBERS)
		return fail(p, JSON_E_MEMBERS, at);
	key = tok_new(p, JSON_STRING, &rc);
	if (!key)
		return rc;
	rc = parse_string(p, key);
	if (rc)
		return rc;
	obj->len++;
	if (key_is_dup(p, obj, oi, key))
		return fail(p, JSON_E_DUPKEY, at);
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, JSON_E_EOF, p->pos);
	if (p->s[p->pos] != ':')
		return fail(p, JSON_E_SYNTAX, p->pos);
	p->pos++;
	skip_ws(p);
	return 0;
}

/* Parser states between tokens. */
enum { NEED_VALUE, NEED_KEY, AFTER_VALUE };

/* One value's start at p->pos. Scalars are complete on return; a
 * container is opened, and *state says what comes next. */
static int parse_value(struct parser *p, int *state)
{
	struct json_tok *t;
	int rc = 0;
	char c;

	if (p->pos >= p->len)
		return fail(p, JSON_E_EOF, p->pos);
	c = p->s[p->pos];
	if (p->depth) {
		struct json_tok *parent = &p->toks[p->stack[p->depth - 1]];

		if (parent->type == JSON_ARRAY)
			parent->len++;	/* object members count at their key */
	}
	switch (c) {
	case '{':
	case '[':
		if (p->depth >= JSON_MAX_DEPTH)
			return fail(p, JSON_E_DEPTH, p->pos);
		t = tok_new(p, c == '{' ? JSON_OBJECT : JSON_ARRAY, &rc);
		if (!t)
			return rc;
		p->stack[p->depth++] = p->n - 1;
		p->pos++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == (c == '{' ? '}' : ']')) {
			*state = AFTER_VALUE;	/* empty: closed by the caller */
			return 0;
		}
		*state = c == '{' ? NEED_KEY : NEED_VALUE;
		return 0;
	case '"':
		t = tok_new(p, JSON_STRING, &rc);
		if (!t)
			return rc;
		rc = parse_string(p, t);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		t = tok_new(p, JSON_INT, &rc);
		if (!t)
			return rc;
		rc = parse_number(p, t);
		break;
	default:
		t = tok_new(p, JSON_NULL, &rc);
		if (!t)
			return rc;
		rc = parse_literal(p, t);
		break;
	}
	*state = AFTER_VALUE;
	return rc;
}

int json_parse(struct json_doc *doc, char *text, size_t len,
	       struct json_tok *toks, size_t ntoks, struct json_err *err)
{
	struct parser p = {
		.s = text, .len = len, .toks = toks, .ntoks = ntoks, .err = err,
	};
	int state = NEED_VALUE;
	int rc;

	err->code = JSON_OK;
	err->offset = 0;
	doc->text = text;
	doc->toks = toks;
	doc->ntoks = 0;
	if (len > JSON_MAX_INPUT)
		return fail(&p, JSON_E_TOOBIG, 0);
	if (ntoks > UINT32_MAX - 1)
		p.ntoks = UINT32_MAX - 1;
	if (len >= 3 && (unsigned char)text[0] == 0xef &&
	    (unsigned char)text[1] == 0xbb && (unsigned char)text[2] == 0xbf)
		return fail(&p, JSON_E_BOM, 0);
	skip_ws(&p);
	if (p.pos >= len)
		return fail(&p, JSON_E_EMPTY, p.pos);

	for (;;) {
		switch (state) {
		case NEED_KEY:
		case NEED_VALUE:
			if (state == NEED_KEY && (rc = parse_key(&p)))
				return rc;
			rc = parse_value(&p, &state);
			if (rc)
				return rc;
			break;
		case AFTER_VALUE: {
			struct json_tok *top;
			char c;

			skip_ws(&p);
			if (!p.depth)
				goto done;
			top = &toks[p.stack[p.depth - 1]];
			if (p.pos >= len)
				return fail(&p, JSON_E_EOF, p.pos);
			c = text[p.pos];
			if (c == (top->type == JSON_OBJECT ? '}' : ']')) {
				top->end = p.n;
				p.depth--;
				p.pos++;
				break;	/* the container is a finished value */
			}
			if (c != ',')
				return fail(&p, JSON_E_SYNTAX, p.pos);
			p.pos++;
			skip_ws(&p);
			state = top->type == JSON_OBJECT ? NEED_KEY : NEED_VALUE;
			break;
		}
		}
	}
done:
	if (p.pos != len)
		return fail(&p, JSON_E_TRAILING, p.pos);
	doc->ntoks = p.n;
	return 0;
}

const char *json_strerror(enum json_error code)
{
	static const char *const msg[JSON_E_COUNT] = {
		[JSON_OK]            = "no error",
		[JSON_E_EMPTY]       = "no JSON value",
		[JSON_E_SYNTAX]      = "unexpected character",
		[JSON_E_EOF]         = "unexpected end of input",
		[JSON_E_TRAILING]    = "unexpected data after the value",
		[JSON_E_NUMBER]      = "malformed number",
		[JSON_E_CTRL]        = "unescaped control character in string",
		[JSON_E_ESCAPE]      = "invalid escape in string",
		[JSON_E_UTF8]        = "invalid UTF-8 in string",
		[JSON_E_BOM]         = "byte order mark not allowed",
		[JSON_E_DUPKEY]      = "duplicate key in object",
		[JSON_E_NOT_INTEGER] = "numbers must be integers (no fraction or exponent)",
		[JSON_E_RANGE]       = "integer out of 64-bit range",
		[JSON_E_SURROGATE]   = "unpaired UTF-16 surrogate escape",
		[JSON_E_NUL]         = "NUL character in string",
		[JSON_E_DEPTH]       = "nested too deeply",
		[JSON_E_MEMBERS]     = "too many members in object",
		[JSON_E_STRLEN]      = "string too long",
		[JSON_E_TOKENS]      = "too many values",
		[JSON_E_TOOBIG]      = "input too long",
	};

	return (unsigned)code < JSON_E_COUNT && msg[code] ? msg[code] : "unknown error";
}

bool json_error_is_limit(enum json_error code)
{
	return code >= JSON_E_DEPTH && code <= JSON_E_TOOBIG;
}

/* ---------------------------------------------------------------- reading */

bool json_is(const struct json_doc *d, int t, enum json_type type)
{
	const struct json_tok *k = tok_at(d, t);

	return k && k->type == type;
}

int json_first(const struct json_doc *d, int t)
{
	const struct json_tok *k = tok_at(d, t);

	if (!k || (k->type != JSON_ARRAY && k->type != JSON_OBJECT))
		return -EINVAL;
	return k->len ? t + 1 : -ENOENT;
}

int json_next(const struct json_doc *d, int t, int cur)
{
	const struct json_tok *k = tok_at(d, t);
	uint32_t nxt;

	if (!k || (k->type != JSON_ARRAY && k->type != JSON_OBJECT) ||
	    cur <= t || (uint32_t)cur >= k->end)
		return -EINVAL;
	if (k->type == JSON_OBJECT) {
		if ((uint32_t)cur + 1 >= k->end)
			return -EINVAL;
		nxt = d->toks[cur + 1].end;	/* skip the key's value */
	} else {
		nxt = d->toks[cur].end;
	}
	return nxt < k->end ? (int)nxt : -ENOENT;
}

int json_get(const struct json_doc *d, int obj, const char *key)
{
	const struct json_tok *o = tok_at(d, obj);
	size_t klen = strlen(key);
	uint32_t k;

	if (!o || o->type != JSON_OBJECT)
		return -EINVAL;
	k = (uint32_t)obj + 1;
	for (uint32_t m = 0; m < o->len; m++) {
		const struct json_tok *kt = &d->toks[k];

		if (kt->len == klen && !memcmp(d->text + kt->v.off, key, klen))
			return (int)k + 1;
		k = d->toks[k + 1].end;
	}
	return -ENOENT;
}

int json_int(const struct json_doc *d, int t, int64_t min, int64_t max, int64_t *out)
{
	const struct json_tok *k = tok_at(d, t);

	if (!k || k->type != JSON_INT)
		return -EINVAL;
	if (k->v.i < min || k->v.i > max)
		return -ERANGE;
	*out = k->v.i;
	return 0;
}

int json_str(const struct json_doc *d, int t, size_t max_len, const char **s, size_t *len)
{
	const struct json_tok *k = tok_at(d, t);

	if (!k || k->type != JSON_STRING)
		return -EINVAL;
	if (k->len > max_len)
		return -ERANGE;
	*s = d->text + k->v.off;
	if (len)
		*len = k->len;
	return 0;
}

int json_bool(const struct json_doc *d, int t, bool *out)
{
	const struct json_tok *k = tok_at(d, t);

	if (!k || (k->type != JSON_TRUE && k->type != JSON_FALSE))
		return -EINVAL;
	*out = k->type == JSON_TRUE;
	return 0;
}

int json_get_int(const struct json_doc *d, int obj, const char *key,
		 int64_t min, int64_t max, int64_t *out)
{
	int t = json_get(d, obj, key);

	return t < 0 ? t : json_int(d, t, min, max, out);
}

int json_get_str(const struct json_doc *d, int obj, const char *key,
		 size_t max_len, const char **s, size_t *len)
{
	int t = json_get(d, obj, key);

	return t < 0 ? t : json_str(d, t, max_len, s, len);
}

int json_get_bool(const struct json_doc *d, int obj, const char *key, bool *out)
{
	int t = json_get(d, obj, key);

	return t < 0 ? t : json_bool(d, t, out);
}

/* Tokens are in document order and each records where its subtree ends,
 * so two values are equal exactly when their token runs are. */
bool json_equal(const struct json_doc *a, int ta, const struct json_doc *b, int tb)
{
	const struct json_tok *x = tok_at(a, ta), *y = tok_at(b, tb);
	uint32_t n;

	if (!x || !y || x->end - (uint32_t)ta != y->end - (uint32_t)tb)
		return false;
	n = x->end - (uint32_t)ta;
	if (x->end > a->ntoks || y->end > b->ntoks)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		x = &a->toks[(uint32_t)ta + i];
		y = &b->toks[(uint32_t)tb + i];
		if (x->type != y->type || x->len != y->len ||
		    x->end - (uint32_t)ta != y->end - (uint32_t)tb)
			return false;
		if (x->type == JSON_INT && x->v.i != y->v.i)
			return false;
		if (x->type == JSON_STRING &&
		    memcmp(a->text + x->v.off, b->text + y->v.off, x->len))
			return false;
	}
	return true;
}
