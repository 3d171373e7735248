/* A strict, bounded JSON (RFC 8259) parser and writer for the RPC console.
 *
 * Parser: tokenizes into a caller-provided token array, validating as it
 * goes; nothing is allocated. String values and keys are decoded in place
 * (escapes resolved, \uXXXX surrogate pairs joined into UTF-8) and
 * NUL-terminated inside the caller's text buffer, so getters hand out
 * plain C strings. Stricter than RFC 8259 where it keeps the kernel
 * simple and safe:
 *   - numbers are integers in int64 range; fractions and exponents are
 *     rejected (JSON_E_NOT_INTEGER), so are values beyond int64
 *     (JSON_E_RANGE); "-0" reads as 0;
 *   - strings must be valid UTF-8 (RFC 3629: no overlong forms, no
 *     surrogates, nothing above U+10FFFF); unpaired surrogate escapes are
 *     rejected, and so is U+0000 in any form, so decoded strings are C
 *     strings;
 *   - duplicate keys in an object are rejected;
 *   - a byte order mark is rejected (RFC 8259 8.1 lets a parser ignore it;
 *     we want one spelling of every request);
 *   - nesting depth, members per object, string length and token count
 *     are bounded (JSON_MAX_*, and the caller's token array).
 *
 * Writer: a bounded builder into a caller buffer. It never writes past the
 * buffer, keeps it NUL-terminated, and records truncation; it refuses
 * sequences that would not be JSON (a key outside an object, two values at
 * top level, ...). Its output is printable ASCII only: control characters,
 * DEL and every non-ASCII character are \u-escaped (invalid UTF-8 bytes in
 * input strings become \ufffd), so no byte it emits can drive a terminal.
 */
#ifndef KERNEL_JSON_H
#define KERNEL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH   16		/* nested arrays/objects */
#define JSON_MAX_MEMBERS 256		/* members of one object */
#define JSON_MAX_STRING  65536		/* decoded bytes of one string */
#define JSON_MAX_INPUT   (16u << 20)	/* bytes handed to json_parse() */

enum json_type {
	JSON_NULL = 1,
	JSON_FALSE,
	JSON_TRUE,
	JSON_INT,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* One value. Containers are followed by their children in document order;
 * object children alternate key (a JSON_STRING) and value. */
struct json_tok {
	uint8_t type;		/* enum json_type */
	uint32_t len;		/* STRING: decoded bytes; ARRAY: elements;
				 * OBJECT: members */
	uint32_t end;		/* index one past this value's last token */
	union {
		int64_t i;	/* INT */
		uint32_t off;	/* STRING: offset of the decoded text */
	} v;
};

/* A parsed document: token 0 is the root. */
struct json_doc {
	const char *text;
	const struct json_tok *toks;
	uint32_t ntoks;
};

enum json_error {
	JSON_OK = 0,
	/* malformed JSON */
	JSON_E_EMPTY,		/* no value at all */
	JSON_E_SYNTAX,		/* unexpected character */
	JSON_E_EOF,		/* input ends inside a value */
	JSON_E_TRAILING,	/* something after the value */
	JSON_E_NUMBER,		/* malformed number (leading zero, "-", "1.") */
	JSON_E_CTRL,		/* unescaped control character in a string */
	JSON_E_ESCAPE,		/* unknown or malformed escape */
	JSON_E_UTF8,		/* invalid UTF-8 */
	JSON_E_BOM,		/* leading byte order mark */
	JSON_E_DUPKEY,		/* a key repeated in one object */
	/* valid JSON we do not accept */
	JSON_E_NOT_INTEGER,	/* fraction or exponent */
	JSON_E_RANGE,		/* integer beyond int64 */
	JSON_E_SURROGATE,	/* unpaired UTF-16 surrogate escape */
	JSON_E_NUL,		/* U+0000 in a string */
	/* limits */
	JSON_E_DEPTH,		/* nested deeper than JSON_MAX_DEPTH */
	JSON_E_MEMBERS,		/* more than JSON_MAX_MEMBERS in an object */
	JSON_E_STRLEN,		/* string longer than JSON_MAX_STRING */
	JSON_E_TOKENS,		/* more values than the token array holds */
	JSON_E_TOOBIG,		/* input longer than JSON_MAX_INPUT */
	JSON_E_COUNT
};

struct json_err {
	enum json_error code;
	uint32_t offset;	/* byte offset in the input where it was found */
};

/* Parses text[0..len) into toks. Strings are decoded in place, so text is
 * modified (only inside string literals); doc points into text and toks.
 * Returns 0; -EINVAL (malformed or unsupported, err says what and where),
 * -ERANGE (integer beyond int64), -E2BIG (a limit, err says which). */
int json_parse(struct json_doc *doc, char *text, size_t len,
	       struct json_tok *toks, size_t ntoks, struct json_err *err);

/* A short English description of code ("leading zero in number"). */
const char *json_strerror(enum json_error code);

/* True for the JSON_E_* that are our limits rather than bad JSON. */
bool json_error_is_limit(enum json_error code);

/* ---------------------------------------------------------------- reading
 * Tokens are named by index; functions returning an index return a
 * negative errno instead when there is none. */

/* Index of the value of key in object obj: -EINVAL (obj is not an
 * object), -ENOENT (no such key). */
int json_get(const struct json_doc *d, int obj, const char *key);

/* First child of container t (for objects, the first key), then the one
 * after cur; -ENOENT when there is none, -EINVAL if t is no container. */
int json_first(const struct json_doc *d, int t);
int json_next(const struct json_doc *d, int t, int cur);

/* Typed access to token t: 0, or -EINVAL (wrong type or bad index),
 * -ERANGE (json_int: outside min..max; json_str: longer than max_len). */
int json_int(const struct json_doc *d, int t, int64_t min, int64_t max, int64_t *out);
int json_str(const struct json_doc *d, int t, size_t max_len, const char **s, size_t *len);
int json_bool(const struct json_doc *d, int t, bool *out);

/* The same by key of object obj; also -ENOENT (no such key). len may be
 * NULL. */
int json_get_int(const struct json_doc *d, int obj, const char *key,
		 int64_t min, int64_t max, int64_t *out);
int json_get_str(const struct json_doc *d, int obj, const char *key,
		 size_t max_len, const char **s, size_t *len);
int json_get_bool(const struct json_doc *d, int obj, const char *key, bool *out);

/* True if token t is of type type (false for a bad index). */
bool json_is(const struct json_doc *d, int t, enum json_type type);

/* Structural equality of two values: same types, members in the same
 * order, equal strings and integers. */
bool json_equal(const struct json_doc *a, int ta, const struct json_doc *b, int tb);

/* ---------------------------------------------------------------- writing */

#define JW_MAX_DEPTH 32

/* Writer state; treat as opaque. [c] owning context only. */
struct jw {
	char *buf;
	size_t cap;
	size_t len;
	uint8_t depth;
	bool overflow;		/* a write did not fit: output incomplete */
	bool misuse;		/* a call that would not give JSON */
	uint8_t st[JW_MAX_DEPTH + 1];	/* per level: JW_ST_* bits */
};

/* A point to return to with jw_rollback(). */
struct jw_mark {
	size_t len;
	uint8_t depth;
	bool overflow, misuse;
	uint8_t st[JW_MAX_DEPTH + 1];
};

/* buf must hold at least 1 byte (the NUL); cap is its full size. */
void jw_init(struct jw *w, char *buf, size_t cap);

void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);	/* then exactly one value */
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);

/* Writes value t of document d (and its children). */
void jw_value(struct jw *w, const struct json_doc *d, int t);

/* Bytes the escaped form of s[0..n) takes, quotes included. */
size_t jw_str_size(const char *s, size_t n);

struct jw_mark jw_mark(const struct jw *w);
/* Drops everything written after m, including a truncation or misuse
 * that happened after it. */
void jw_rollback(struct jw *w, struct jw_mark m);

/* 0 when the output is one complete JSON value; -ENOSPC (truncated),
 * -EINVAL (misused, or a container or key is still open, or no value). */
int jw_finish(const struct jw *w);

/* Bytes written so far (excluding the NUL). */
static inline size_t jw_len(const struct jw *w)
{
	return w->len;
}

/* Bytes that still fit (the NUL aside). */
static inline size_t jw_room(const struct jw *w)
{
	return w->cap > w->len ? w->cap - w->len - 1 : 0;
}

/* True once something did not fit or was misused: the output is lost. */
static inline bool jw_failed(const struct jw *w)
{
	return w->overflow || w->misuse;
}

#endif
