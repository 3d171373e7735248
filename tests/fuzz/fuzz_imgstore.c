/* libFuzzer target: the image store (kernel/imgstore.c with
 * kernel/base64.c and the SHA-256 of kernel/crypto.c) driven by a
 * sequence of operations from three sessions and a NULL owner, against a
 * model that predicts every return code.
 *
 * Input: operations until the input ends; each is an op byte (its low 3
 * bits the kind) and its arguments. NAME: a byte n; n < 0xf0 names
 * "img<n % 40>" (more names than slots), else (n - 0xf0) * 5 raw bytes
 * follow (any bytes; cut at a NUL). SLOT: a byte s; bits 0-4 pick one of
 * the model's 32 records (its id, stale if it ended, and its owner), bit
 * 5 another owner (with bit 7: one that never had an upload), bit 6 a
 * made-up id.
 *   0 begin   NAME, flags, v (2 bytes, big-endian), seed; flags bits
 *             0-1 the SHA-256 (0, 1: of the bytes the seed makes; 2: that
 *             with a bit flipped; 3: 32 raw bytes follow), bits 2-3 the
 *             owner (3: NULL), bits 4-5 an allocation that fails (1: the
 *             first, 2: the second), bits 6-7 the size: 3: v << 5 (up
 *             to 2 MiB; the limit is 1 MiB), else v % 2048 (fast).
 *   1 chunk   SLOT, flags, v (2 bytes), len = v % 2048; flags bits 0-1
 *             the offset (0, 1: right; 2: one past; 3: one before), bits
 *             2-4 the text: 0-3 the base64 of the len bytes the seed
 *             makes after those received, 4 that with one character
 *             replaced (3 more bytes: where (2), what), 5 with one
 *             inserted (the same), 6 len raw bytes, 7 the base64 of all
 *             the bytes missing (at most IMG_CHUNK_MAX + 16).
 *   2 write   (img_write, raw bytes) SLOT, flags, v (2 bytes), len = v %
 *             2048; flags bits 2-4: 0-5 the len bytes the seed makes
 *             after those received, 6 len raw bytes, 7 all the bytes
 *             missing (at most IMG_CHUNK_MAX + 16).
 *   3 commit  SLOT     4 abort  SLOT     5 abort_owner  a byte o: owner
 *             o & 3 (3: NULL), or with o & 4 one that never had an upload
 *   6 remove  NAME     7 get    NAME
 *
 * Checked after each operation: the return code is the model's (a text
 * that is not strict base64 may get -EINVAL or -EFBIG, depending on
 * whether a quad before the bad one overflows), img_walk shows exactly
 * the model's uploads and images (size, received <= size, committed,
 * SHA-256), img_bytes() is the sum of their sizes, img_get gives a
 * committed image's size and bytes and nothing for an upload, img_exists
 * knows every name the model holds and no other. At the end
 * every owner's uploads are aborted and every image removed:
 * img_bytes() == 0 and nothing leaks (LeakSanitizer). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/crypto.h"
#include "kernel/imgstore.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } } while (0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define LIMIT     (1u << 20)
#define NAMES     40
#define CHUNK_MAX (IMG_CHUNK_MAX + 16)	/* bytes of one chunk's data */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/unit/support/rpc_stubs.c */
extern long stub_alloc_fail_at;

static int session[3], stranger;
static const void *const owners[4] = { &session[0], &session[1], &session[2], NULL };

/* ---------------------------------------------------------------- input */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t u16(struct in *in)
{
	uint16_t hi = u8(in);

	return (uint16_t)(hi << 8 | u8(in));
}

static void name_arg(struct in *in, char name[80])
{
	uint8_t n = u8(in);

	if (n < 0xf0) {
		snprintf(name, 80, "img%u", n % NAMES);
		return;
	}
	size_t len = (size_t)(n - 0xf0) * 5;

	if (len > in->n)
		len = in->n;
	memcpy(name, in->p, len);
	name[len] = 0;
	in->p += len;
	in->n -= len;
}

/* ---------------------------------------------------------------- the model */

struct rec {
	bool used, committed;
	char name[IMG_NAME_MAX + 1];
	char id[IMG_ID_MAX];		/* kept when the record ends: a stale id */
	const void *owner;
	uint64_t size, received;
	uint8_t want[SHA256_LEN], seed;
	uint8_t *bytes;			/* what was accepted so far */
};

static struct rec recs[IMG_SLOTS];

/* The model's own loops (gen, b64, ref_decode) are left out of the
 * coverage instrumentation: they are not what is fuzzed, and would slow
 * down every large upload several times. */
#define MODEL_LOOP __attribute__((no_sanitize("coverage"), noinline))

/* The bytes an upload's seed makes, n of them from offset from. */
MODEL_LOOP
static void gen(uint8_t seed, uint64_t from, size_t n, uint8_t *out)
{
	uint32_t k = (seed + 1u) * 0x85ebca6bu;

	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(((uint32_t)(from + i) * 0x9e3779b1u ^ k) >> 24);
}

static void sha(const uint8_t *p, size_t n, uint8_t out[SHA256_LEN])
{
	struct sha256 *h = crypto_sha256_begin();

	CHECK(h);
	crypto_sha256_update(h, p, n);
	crypto_sha256_end(h, out);
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len < 1 || len > 63)
		return false;
	return strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

static struct rec *by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		if (recs[i].used && !strcmp(recs[i].name, name))
			return &recs[i];
	return NULL;
}

static struct rec *upload_of(const char *id, const void *owner)
{
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		if (recs[i].used && !recs[i].committed && recs[i].owner == owner &&
		    !strcmp(recs[i].id, id))
			return &recs[i];
	return NULL;
}

static struct rec *free_rec(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		if (!recs[i].used)
			return &recs[i];
	return NULL;
}

static unsigned nused(void)
{
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		n += recs[i].used;
	return n;
}

static uint64_t held(void)
{
	uint64_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		if (recs[i].used)
			n += recs[i].size;
	return n;
}

static void end_rec(struct rec *r)
{
	free(r->bytes);
	r->bytes = NULL;
	r->used = r->committed = false;
}

/* The target of a SLOT argument: an id and an owner. */
static void slot_arg(struct in *in, char id[IMG_ID_MAX], const void **owner)
{
	static const char *const made_up[] = { "u0", "", "u", "u4294967295" };
	uint8_t s = u8(in);
	const struct rec *r = &recs[s & 31];
	size_t o = 0;

	memcpy(id, r->id, IMG_ID_MAX);
	*owner = r->owner;
	if (s & 0x20) {
		while (o < ARRAY_SIZE(owners) && owners[o] != r->owner)
			o++;
		*owner = s & 0x80 ? (const void *)&stranger : owners[(o + 1) % ARRAY_SIZE(owners)];
	}
	if (s & 0x40)
		snprintf(id, IMG_ID_MAX, "%s", made_up[(s >> 7) | (s & 1) << 1]);
}

/* ---------------------------------------------------------------- base64 */

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

MODEL_LOOP
static size_t b64(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		size_t k = n - i < 3 ? n - i : 3;

		if (k > 1)
			w |= (uint32_t)in[i + 1] << 8;
		if (k > 2)
			w |= in[i + 2];
		out[o++] = alphabet[w >> 18];
		out[o++] = alphabet[w >> 12 & 63];
		out[o++] = k > 1 ? alphabet[w >> 6 & 63] : '=';
		out[o++] = k > 2 ? alphabet[w & 63] : '=';
	}
	return o;
}

/* Strict RFC 4648, said differently from kernel/base64.c: up to two '='
 * at the end, the alphabet before them, and the text is what encoding its
 * bytes gives back (which rules out stray bits and misplaced padding).
 * Returns the byte count or -1. */
MODEL_LOOP
static long ref_decode(const char *t, size_t n, uint8_t *out)
{
	static char again[4 * (CHUNK_MAX / 3 + 2) + 64];
	size_t m = n, o = 0, bits = 0;
	uint32_t acc = 0;

	if (n % 4 || n > sizeof(again))
		return -1;
	for (int k = 0; k < 2 && m && t[m - 1] == '='; k++)
		m--;
	for (size_t i = 0; i < m; i++) {
		const char *p = t[i] ? strchr(alphabet, t[i]) : NULL;

		if (!p)
			return -1;
		acc = acc << 6 | (uint32_t)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (b64(out, o, again) != n || memcmp(again, t, n))
		return -1;
	return (long)o;
}

/* ---------------------------------------------------------------- checks */

struct seen {
	unsigned n;
	uint64_t sum;
};

static void walk_check(void *ctx, const char *name, uint64_t size, uint64_t received,
		       bool committed, const uint8_t sha256[32])
{
	struct seen *s = ctx;
	struct rec *r = by_name(name);

	CHECK(r);
	CHECK(r->size == size && r->received == received && r->committed == committed);
	CHECK(received <= size);
	CHECK(!committed || received == size);
	CHECK(!memcmp(r->want, sha256, SHA256_LEN));
	s->n++;
	s->sum += size;
}

static void check_all(bool contents)
{
	struct seen s = { 0, 0 };

	img_walk(walk_check, &s);
	CHECK(s.n == nused());
	CHECK(s.sum == held());
	CHECK(img_bytes() == s.sum);
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++) {
		size_t len = 0;
		const void *p;

		if (!recs[i].used)
			continue;
		CHECK(img_exists(recs[i].name));
		p = img_get(recs[i].name, &len);
		if (!recs[i].committed) {
			CHECK(!p);
			continue;
		}
		CHECK(p && len == recs[i].size);
		if (contents)
			CHECK(!memcmp(p, recs[i].bytes, len));
	}
}

/* ---------------------------------------------------------------- operations */

static void op_begin(struct in *in)
{
	char name[80], id[IMG_ID_MAX];
	uint8_t flags, seed, want[SHA256_LEN];
	uint64_t sz;
	const void *owner;
	struct rec *r;
	int rc, expect;
	bool failing;

	name_arg(in, name);
	flags = u8(in);
	sz = u16(in);
	seed = u8(in);
	sz = (flags & 0xc0) == 0xc0 ? sz << 5 : sz % 2048;
	owner = owners[(flags >> 2) & 3];
	failing = (flags >> 4 & 3) == 1 || (flags >> 4 & 3) == 2;
	if ((flags & 3) == 3) {
		for (int i = 0; i < SHA256_LEN; i++)
			want[i] = u8(in);
	} else if (sz <= LIMIT) {
		uint8_t *b = malloc(sz ? sz : 1);

		CHECK(b);
		gen(seed, 0, sz, b);
		sha(b, sz, want);
		free(b);
		if ((flags & 3) == 2)
			want[seed % SHA256_LEN] ^= (uint8_t)(1 << (seed >> 5));
	}

	if (!name_ok(name))
		expect = -EINVAL;
	else if (by_name(name))
		expect = -EEXIST;
	else if (nused() == IMG_SLOTS)
		expect = -ENOSPC;
	else if (!sz || sz > LIMIT || held() + sz > LIMIT)
		expect = -E2BIG;
	else
		expect = failing ? -ENOMEM : 0;

	if (failing)
		stub_alloc_fail_at = (flags >> 4 & 3) - 1;
	rc = img_begin(name, sz, want, owner, id);
	stub_alloc_fail_at = -1;
	CHECK(rc == expect);
	if (rc)
		return;
	r = free_rec();
	CHECK(r);
	CHECK(memchr(id, 0, IMG_ID_MAX) && id[0] == 'u');
	CHECK(!upload_of(id, owner));
	memset(r, 0, sizeof(*r));
	r->used = true;
	snprintf(r->name, sizeof(r->name), "%s", name);
	memcpy(r->id, id, IMG_ID_MAX);
	r->owner = owner;
	r->size = sz;
	r->seed = seed;
	memcpy(r->want, want, SHA256_LEN);
	r->bytes = malloc(sz);
	CHECK(r->bytes);
}

static void op_chunk(struct in *in)
{
	static uint8_t raw[CHUNK_MAX], got[CHUNK_MAX + 16];
	static char text[4 * (CHUNK_MAX / 3 + 2) + 8];
	char id[IMG_ID_MAX];
	const void *owner;
	struct rec *u;
	uint8_t flags, mode;
	size_t len, tlen;
	uint64_t off = 0, received = ~0ull;
	long dec;
	int rc;

	slot_arg(in, id, &owner);
	u = upload_of(id, owner);
	flags = u8(in);
	mode = flags >> 2 & 7;
	len = u16(in) % 2048;
	if (u) {
		off = u->received;
		if (mode == 7)
			len = u->size - u->received < CHUNK_MAX ? u->size - u->received : CHUNK_MAX;
		gen(u->seed, u->received, len, raw);
	} else {
		memset(raw, 'x', len);
	}
	if ((flags & 3) == 2)
		off++;
	else if ((flags & 3) == 3)
		off--;
	if (mode == 6) {
		tlen = len < in->n ? len : in->n;
		memcpy(text, in->p, tlen);
		in->p += tlen;
		in->n -= tlen;
	} else {
		tlen = b64(raw, len, text);
		if (mode == 4 || mode == 5) {
			size_t at = u16(in) % (tlen + 1);
			char c = (char)u8(in);

			if (mode == 5) {
				memmove(text + at + 1, text + at, tlen - at);
				text[at] = c;
				tlen++;
			} else if (at < tlen) {
				text[at] = c;
			}
		}
	}

	rc = img_chunk(id, owner, off, text, tlen, &received);
	if (!u) {
		CHECK(rc == -ENOENT);
		return;
	}
	if (off != u->received) {
		CHECK(rc == -ESPIPE);
		return;
	}
	dec = ref_decode(text, tlen, got);
	if (dec < 0) {
		/* A quad that overflows before the bad one is found: -EFBIG. */
		if (tlen / 4 * 3 <= u->size - u->received)
			CHECK(rc == -EINVAL);
		else
			CHECK(rc == -EINVAL || rc == -EFBIG);
		return;
	}
	if ((uint64_t)dec > u->size - u->received) {
		CHECK(rc == -EFBIG);
		return;
	}
	CHECK(rc == 0);
	memcpy(u->bytes + u->received, got, (size_t)dec);
	u->received += (uint64_t)dec;
	CHECK(received == u->received);
}

static void op_write(struct in *in)
{
	static uint8_t raw[CHUNK_MAX];
	char id[IMG_ID_MAX];
	const void *owner;
	const uint8_t *src = raw;
	struct rec *u;
	uint8_t mode;
	size_t len;
	uint64_t received = ~0ull;
	int rc;

	slot_arg(in, id, &owner);
	u = upload_of(id, owner);
	mode = u8(in) >> 2 & 7;
	len = u16(in) % 2048;
	if (mode == 6) {
		len = len < in->n ? len : in->n;
		src = in->p;
		in->p += len;
		in->n -= len;
	} else if (u) {
		if (mode == 7)
			len = u->size - u->received < CHUNK_MAX ? u->size - u->received : CHUNK_MAX;
		gen(u->seed, u->received, len, raw);
	} else {
		memset(raw, 'x', len);
	}

	rc = img_write(id, owner, src, len, &received);
	if (!u) {
		CHECK(rc == -ENOENT);
		return;
	}
	if (len > u->size - u->received) {
		CHECK(rc == -EFBIG);
		return;
	}
	CHECK(rc == 0);
	memcpy(u->bytes + u->received, src, len);
	u->received += len;
	CHECK(received == u->received);
}

static void op_commit(struct in *in)
{
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	uint8_t h[SHA256_LEN];
	const void *owner;
	struct rec *u;
	int rc;

	slot_arg(in, id, &owner);
	u = upload_of(id, owner);
	rc = img_commit(id, owner, name);
	if (!u) {
		CHECK(rc == -ENOENT);
		return;
	}
	if (u->received < u->size) {
		CHECK(rc == -EAGAIN);
		return;
	}
	sha(u->bytes, u->size, h);
	if (memcmp(h, u->want, SHA256_LEN)) {
		CHECK(rc == -EBADMSG);
		end_rec(u);
		return;
	}
	CHECK(rc == 0);
	CHECK(!strcmp(name, u->name));
	u->committed = true;
	check_all(true);
}

static void op_abort(struct in *in)
{
	char id[IMG_ID_MAX];
	const void *owner;
	struct rec *u;
	int rc;

	slot_arg(in, id, &owner);
	u = upload_of(id, owner);
	rc = img_abort(id, owner);
	CHECK(rc == (u ? 0 : -ENOENT));
	if (u)
		end_rec(u);
}

static void abort_owner(const void *owner)
{
	img_abort_owner(owner);
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		if (recs[i].used && !recs[i].committed && recs[i].owner == owner)
			end_rec(&recs[i]);
}

static void op_remove(struct in *in)
{
	char name[80];
	struct rec *r;

	name_arg(in, name);
	r = by_name(name);
	if (r && r->committed) {
		CHECK(img_remove(name) == 0);
		end_rec(r);
	} else {
		CHECK(img_remove(name) == -ENOENT);
	}
}

static void op_get(struct in *in)
{
	char name[80];
	struct rec *r;
	size_t len = 0;
	const void *p;

	name_arg(in, name);
	r = by_name(name);
	CHECK(img_exists(name) == (r != NULL));
	p = img_get(name, &len);
	if (r && r->committed) {
		CHECK(p && len == r->size && !memcmp(p, r->bytes, len));
	} else {
		CHECK(!p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	if (size > 256 * 1024)
		return 0;
	img_set_limit(LIMIT);
	stub_alloc_fail_at = -1;
	CHECK(img_bytes() == 0 && nused() == 0);
	while (in.n) {
		uint8_t op = u8(&in);

		switch (op & 7) {
		case 0: op_begin(&in); break;
		case 1: op_chunk(&in); break;
		case 2: op_write(&in); break;
		case 3: op_commit(&in); break;
		case 4: op_abort(&in); break;
		case 5: {
			uint8_t o = u8(&in);

			abort_owner(o & 4 ? (const void *)&stranger : owners[o & 3]);
			break;
		}
		case 6: op_remove(&in); break;
		case 7: op_get(&in); break;
		}
		check_all(false);
	}

	/* Every session ends, then every image goes. */
	check_all(true);
	for (size_t i = 0; i < ARRAY_SIZE(owners); i++)
		abort_owner(owners[i]);
	check_all(false);
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++) {
		if (!recs[i].used)
			continue;
		CHECK(recs[i].committed);
		CHECK(img_remove(recs[i].name) == 0);
		end_rec(&recs[i]);
	}
	CHECK(img_bytes() == 0);
	check_all(false);
	memset(recs, 0, sizeof(recs));
	return 0;
}
