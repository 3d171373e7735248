/* Unit tests of the image store (kernel/imgstore.c) and its base64
 * decoder (kernel/base64.c), with the real SHA-256 (kernel/crypto.c on the
 * host's mbedtls).
 *
 * base64: the RFC 4648 vectors, every padding form, every malformed form
 * (length, misplaced '=', foreign bytes, non-zero bits after the last
 * byte), exhaustively over one quad; cap fitting exactly and one short;
 * random round trips against an encoder of our own.
 *
 * The store: every error of every call, each checked to change nothing
 * (bytes held, what img_walk shows, whether the name is free), uploads
 * (in base64 chunks or raw writes) that commit, fail their SHA-256, are
 * aborted one by one or by owner, and removed. The store is global: every test starts and ends empty
 * (teardown empties it and checks that img_bytes() is back to 0). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/base64.h"
#include "kernel/crypto.h"
#include "kernel/imgstore.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LIMIT (1u << 20)

/* tests/unit/support/rpc_stubs.c */
extern long stub_alloc_fail_at;

/* Upload owners (sessions, to the store: only their addresses count). */
static int owner_a, owner_b, owner_c;
#define A ((const void *)&owner_a)
#define B ((const void *)&owner_b)
#define C ((const void *)&owner_c)

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* RFC 4648 section 4, independently of the decoder. */
static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[w >> 18];
		out[o++] = alphabet[w >> 12 & 63];
		out[o++] = alphabet[w >> 6 & 63];
		out[o++] = alphabet[w & 63];
	}
	if (n - i == 1) {
		out[o++] = alphabet[in[i] >> 2];
		out[o++] = alphabet[(in[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t w = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = alphabet[w >> 10];
		out[o++] = alphabet[w >> 4 & 63];
		out[o++] = alphabet[(w & 15) << 2];
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

static int alpha_val(int c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

static long dec(const char *s, uint8_t *out, size_t cap)
{
	return base64_decode(s, strlen(s), out, cap);
}

static void sha(const void *data, size_t n, uint8_t out[SHA256_LEN])
{
	struct sha256 *h = crypto_sha256_begin();

	assert_non_null(h);
	crypto_sha256_update(h, data, n);
	crypto_sha256_end(h, out);
}

/* One upload's chunk of raw bytes, base64-encoded here. */
static int chunk(const char *id, const void *owner, uint64_t off, const void *data, size_t n,
		 uint64_t *received)
{
	char *text = malloc(4 * (n / 3 + 1) + 1);
	size_t len = b64(data, n, text);
	uint64_t got = ~0ull;
	int r;

	r = img_chunk(id, owner, off, text, len, &got);
	free(text);
	if (received)
		*received = got;
	return r;
}

static int chunk_text(const char *id, const void *owner, uint64_t off, const char *text)
{
	uint64_t got;

	return img_chunk(id, owner, off, text, strlen(text), &got);
}

/* Begins name for data (its SHA-256 computed here); returns the id. */
static void begin_ok(const char *name, const void *data, size_t n, const void *owner,
		     char id[IMG_ID_MAX])
{
	uint8_t h[SHA256_LEN];

	sha(data, n, h);
	assert_int_equal(img_begin(name, n, h, owner, id), 0);
}

/* A whole upload, in chunks of at most step bytes. */
static void upload(const char *name, const void *data, size_t n, const void *owner, size_t step)
{
	char id[IMG_ID_MAX], got_name[IMG_NAME_MAX + 1];
	uint64_t rec = 0;

	begin_ok(name, data, n, owner, id);
	for (size_t off = 0; off < n; off += step) {
		size_t k = n - off < step ? n - off : step;

		assert_int_equal(chunk(id, owner, off, (const uint8_t *)data + off, k, &rec), 0);
		assert_int_equal(rec, off + k);
	}
	assert_int_equal(img_commit(id, owner, got_name), 0);
	assert_string_equal(got_name, name);
}

/* What img_walk shows. */
struct entry {
	char name[IMG_NAME_MAX + 1];
	uint64_t size, received;
	bool committed;
	uint8_t sha[SHA256_LEN];
};

struct listing {
	struct entry e[IMG_SLOTS + 1];
	unsigned n;
	uint64_t sum;
};

static void walk_cb(void *ctx, const char *name, uint64_t size, uint64_t received,
		    bool committed, const uint8_t sha256[32])
{
	struct listing *l = ctx;
	struct entry *e;

	assert_true(l->n < ARRAY_SIZE(l->e));
	e = &l->e[l->n++];
	assert_true(strlen(name) <= IMG_NAME_MAX);
	strcpy(e->name, name);
	e->size = size;
	e->received = received;
	e->committed = committed;
	memcpy(e->sha, sha256, SHA256_LEN);
	l->sum += size;
	assert_true(received <= size);
	assert_true(!committed || received == size);
}

/* The listing, checked against img_bytes(). */
static void list(struct listing *l)
{
	memset(l, 0, sizeof(*l));
	img_walk(walk_cb, l);
	assert_int_equal(l->sum, img_bytes());
}

static const struct entry *find(const struct listing *l, const char *name)
{
	for (unsigned i = 0; i < l->n; i++)
		if (!strcmp(l->e[i].name, name))
			return &l->e[i];
	return NULL;
}

static void assert_same_listing(const struct listing *x, const struct listing *y)
{
	assert_int_equal(x->n, y->n);
	assert_int_equal(x->sum, y->sum);
	assert_memory_equal(x->e, y->e, sizeof(x->e[0]) * x->n);
}

/* The upload name of owner stands at received bytes. */
static void assert_upload(const char *name, uint64_t size, uint64_t received)
{
	struct listing l;
	const struct entry *e;

	list(&l);
	e = find(&l, name);
	assert_non_null(e);
	assert_false(e->committed);
	assert_int_equal(e->size, size);
	assert_int_equal(e->received, received);
}

/* name is free: nothing of that name, and a new upload of it may begin. */
static void assert_name_free(const char *name)
{
	char id[IMG_ID_MAX];
	uint8_t h[SHA256_LEN] = { 0 };
	size_t len = 1;
	struct listing l;

	list(&l);
	assert_null(find(&l, name));
	assert_null(img_get(name, &len));
	assert_int_equal(img_begin(name, 1, h, C, id), 0);
	assert_int_equal(img_abort(id, C), 0);
}

/* Empties the store: every owner's uploads, then every image. */
static void empty_store(void)
{
	struct listing l;

	img_abort_owner(A);
	img_abort_owner(B);
	img_abort_owner(C);
	img_abort_owner(NULL);
	list(&l);
	for (unsigned i = 0; i < l.n; i++) {
		assert_true(l.e[i].committed);
		assert_int_equal(img_remove(l.e[i].name), 0);
	}
	list(&l);
	assert_int_equal(l.n, 0);
}

static int setup(void **state)
{
	rng_state = 0x9e3779b97f4a7c15ull;
	stub_alloc_fail_at = -1;
	img_set_limit(LIMIT);
	return 0;
}

static int teardown(void **state)
{
	stub_alloc_fail_at = -1;
	empty_store();
	assert_int_equal(img_bytes(), 0);
	return 0;
}

/* ---------------------------------------------------------------- base64 */

static void test_b64_empty(void **state)
{
	uint8_t out[4] = { 0xaa };

	assert_int_equal(base64_decode("", 0, out, 0), 0);
	assert_int_equal(base64_decode("", 0, out, sizeof(out)), 0);
	/* Nothing is read past n. */
	assert_int_equal(base64_decode("QUJD", 0, out, sizeof(out)), 0);
	assert_int_equal(out[0], 0xaa);
}

/* RFC 4648 section 10, and each padding form. */
static void test_b64_vectors(void **state)
{
	static const struct { const char *in, *out; size_t n; } v[] = {
		{ "Zg==", "f", 1 }, { "Zm8=", "fo", 2 }, { "Zm9v", "foo", 3 },
		{ "Zm9vYg==", "foob", 4 }, { "Zm9vYmE=", "fooba", 5 }, { "Zm9vYmFy", "foobar", 6 },
		{ "QQ==", "A", 1 }, { "QUI=", "AB", 2 }, { "QUJD", "ABC", 3 },
		{ "AAAA", "\0\0\0", 3 }, { "////", "\xff\xff\xff", 3 }, { "+/+/", "\xfb\xff\xbf", 3 },
		{ "AA==", "\0", 1 }, { "AAA=", "\0\0", 2 }, { "/w==", "\xff", 1 }, { "//8=", "\xff\xff", 2 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		uint8_t out[16];

		assert_int_equal(dec(v[i].in, out, sizeof(out)), v[i].n);
		assert_memory_equal(out, v[i].out, v[i].n);
	}
}

static void test_b64_malformed(void **state)
{
	static const struct { const char *s; size_t n; } bad[] = {
#define S(x) { x, sizeof(x) - 1 }
		/* length not a multiple of 4 */
		S("Q"), S("QQ"), S("QUJ"), S("QQ="), S("QUJDR"), S("QQ==="), S("Zm9vYmFy="),
		S("Zm9vYg"), S("Zm9vYmE"),
		/* '=' anywhere but the last one or two of the last quad */
		S("===="), S("=QQQ"), S("Q=QQ"), S("Q==="), S("QQ=A"), S("QUJ=QUJD"), S("QQ==QUJD"),
		S("QUI=QUJD"), S("QUJDQQ=A"), S("QUJD=UJD"), S("QUJDQ==="), S("QUJD===="),
		/* whitespace, line breaks */
		S("Zm9 "), S(" Zm9"), S("Zm\n9"), S("Zm9v\r\nYmFy"), S("Zm9v\tYmF"), S("Zm9vYmE\n"),
		S("Zm 9v"),
		/* the URL-safe alphabet and other foreign bytes */
		S("-_-_"), S("Zm9-"), S("Zm9_"), S("Zm_v"), S("Zm9vYm.y"), S("Zm9v*mFy"),
		S("Zm\x80v"), S("\xff\xff\xff\xff"), S("Zm9\xc3"), S("Zm\0v"), S("\0\0\0\0"),
		/* non-zero bits after the last byte (RFC 4648 3.5) */
		S("QR=="), S("QZ=="), S("Qh=="), S("QUJ="), S("QUL="), S("Zm9="), S("Zm9vYh=="),
		S("//9="), S("/x=="),
#undef S
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t out[64];

		if (base64_decode(bad[i].s, bad[i].n, out, sizeof(out)) != -1)
			fail_msg("accepted \"%.*s\" (#%zu)", (int)bad[i].n, bad[i].s, i);
	}
}

/* Every byte value in every position of a quad of 'A's: the alphabet
 * decodes to its 6 bits there, '=' passes as the last one only ("AAA="),
 * everything else is refused. */
static void test_b64_every_byte(void **state)
{
	for (int c = 0; c < 256; c++) {
		int v = alpha_val(c);

		for (int pos = 0; pos < 4; pos++) {
			char q[4] = { 'A', 'A', 'A', 'A' };
			uint8_t out[3];
			uint32_t w;
			long r;

			q[pos] = (char)c;
			r = base64_decode(q, 4, out, sizeof(out));
			if (v < 0 && !(c == '=' && pos == 3)) {
				assert_int_equal(r, -1);
				continue;
			}
			if (c == '=') {	/* "AAA=" */
				assert_int_equal(r, 2);
				continue;
			}
			assert_int_equal(r, 3);
			w = (uint32_t)out[0] << 16 | (uint32_t)out[1] << 8 | out[2];
			assert_int_equal(w, (uint32_t)v << (6 * (3 - pos)));
		}
	}
}

/* Every quad with padding: "XY==" and "XYZ=", valid exactly when the
 * bits after the last byte are zero. */
static void test_b64_every_padded_quad(void **state)
{
	for (int a = 0; a < 64; a++) {
		for (int b = 0; b < 64; b++) {
			char q[4] = { alphabet[a], alphabet[b], '=', '=' };
			uint8_t out[3];
			long r = base64_decode(q, 4, out, sizeof(out));

			if (b & 15) {
				assert_int_equal(r, -1);
			} else {
				assert_int_equal(r, 1);
				assert_int_equal(out[0], a << 2 | b >> 4);
			}
			for (int c = 0; c < 64; c++) {
				char t[4] = { alphabet[a], alphabet[b], alphabet[c], '=' };

				r = base64_decode(t, 4, out, sizeof(out));
				if (c & 3) {
					assert_int_equal(r, -1);
				} else {
					assert_int_equal(r, 2);
					assert_int_equal(out[0], a << 2 | b >> 4);
					assert_int_equal(out[1], (b & 15) << 4 | c >> 2);
				}
			}
		}
	}
}

/* cap exactly fitting (in a buffer of exactly cap bytes, for ASan) and
 * one short. */
static void test_b64_cap(void **state)
{
	static const char *const in[] = {
		"Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "Zm9vYmFyZm9vYmFy",
	};

	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		uint8_t full[16];
		long n = dec(in[i], full, sizeof(full));
		uint8_t *out;

		assert_true(n > 0);
		out = malloc((size_t)n);
		assert_int_equal(dec(in[i], out, (size_t)n), n);
		assert_memory_equal(out, full, (size_t)n);
		free(out);
		out = malloc((size_t)n - 1 ? (size_t)n - 1 : 1);
		assert_int_equal(dec(in[i], out, (size_t)n - 1), -2);
		free(out);
		assert_int_equal(dec(in[i], full, 0), -2);
	}
	/* Malformed stays malformed, whatever the cap. */
	assert_int_equal(dec("QR==", NULL, 0), -1);
	assert_int_equal(dec("QQ=", NULL, 0), -1);
}

/* Random bytes (every length to 100, then random lengths to 3000)
 * through our encoder and back, the cap fitting and one short; then one
 * character changed. */
static void test_b64_round_trip(void **state)
{
	static uint8_t data[3000], out[3000 + 2];
	static char text[4001];

	for (int round = 0; round < 2000; round++) {
		size_t n = round < 100 ? (size_t)round : rnd() % sizeof(data);
		size_t len;

		fill(data, n);
		len = b64(data, n, text);
		assert_int_equal(len, (n + 2) / 3 * 4);
		assert_int_equal(base64_decode(text, len, out, n), n);
		assert_memory_equal(out, data, n);
		if (n) {
			size_t at = rnd() % len;
			char was = text[at], now = (char)(1 + rnd() % 255);
			long r;

			assert_int_equal(base64_decode(text, len, out, n - 1), -2);
			/* One character changed: refused, or (the decoder being
			 * strict, so every accepted text is the only encoding of
			 * its bytes) other bytes. */
			if (now == was)
				continue;
			text[at] = now;
			r = base64_decode(text, len, out, n + 2);
			assert_true(r == -1 || r != (long)n || memcmp(out, data, n));
			text[at] = was;
		}
	}
}

/* ---------------------------------------------------------------- img_begin */

static void test_begin_bad_names(void **state)
{
	static const char *const bad[] = {
		"",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",	/* 64 */
		"Debian", "A", "debian-12.IMG", "a/b", "/", "../x", "a b", " a", "a ", "a\tb",
		"a\nb", "caf\xc3\xa9", "a:b", "a+b", "a=b", "a\\b", "a\x7f", "a\x01", "a@b", "a,b",
	};
	static const char *const good[] = {
		"a", "0", "debian-12.img", "x_y.z-0", ".", "-", "_",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",	/* 63 */
	};
	uint8_t h[SHA256_LEN] = { 0 };
	char id[IMG_ID_MAX];
	struct listing before, after;

	assert_int_equal(strlen(bad[1]), IMG_NAME_MAX + 1);
	assert_int_equal(strlen(good[7]), IMG_NAME_MAX);
	list(&before);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (img_begin(bad[i], 10, h, A, id) != -EINVAL)
			fail_msg("accepted name \"%s\"", bad[i]);
		list(&after);
		assert_same_listing(&before, &after);
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(img_begin(good[i], 10, h, A, id), 0);
	list(&after);
	assert_int_equal(after.n, ARRAY_SIZE(good));
	assert_int_equal(img_bytes(), 10 * ARRAY_SIZE(good));
	/* A bad name is refused before the other checks (slots, size). */
	assert_int_equal(img_begin("Bad", 0, h, A, id), -EINVAL);
}

static void test_begin_duplicate(void **state)
{
	static const uint8_t data[] = "some image";
	uint8_t h[SHA256_LEN];
	char id[IMG_ID_MAX], id2[IMG_ID_MAX];
	struct listing before, after;

	sha(data, sizeof(data), h);
	begin_ok("dup", data, sizeof(data), A, id);
	list(&before);
	/* Being uploaded: by the same owner, another, with other sizes. */
	assert_int_equal(img_begin("dup", sizeof(data), h, A, id2), -EEXIST);
	assert_int_equal(img_begin("dup", 1, h, B, id2), -EEXIST);
	assert_int_equal(img_begin("dup", 0, h, B, id2), -EEXIST);
	list(&after);
	assert_same_listing(&before, &after);

	/* Committed. */
	assert_int_equal(chunk(id, A, 0, data, sizeof(data), NULL), 0);
	char name[IMG_NAME_MAX + 1];

	assert_int_equal(img_commit(id, A, name), 0);
	list(&before);
	assert_int_equal(img_begin("dup", sizeof(data), h, A, id2), -EEXIST);
	assert_int_equal(img_begin("dup", sizeof(data), h, B, id2), -EEXIST);
	list(&after);
	assert_same_listing(&before, &after);

	/* Free again once removed. */
	assert_int_equal(img_remove("dup"), 0);
	assert_name_free("dup");
	/* Names differ by their bytes only: a prefix is another name. */
	upload("dup", data, sizeof(data), A, 4);
	upload("du", data, sizeof(data), A, 4);
	upload("dup1", data, sizeof(data), A, 4);
}

static void test_begin_slots(void **state)
{
	uint8_t h[SHA256_LEN] = { 0 };
	char ids[IMG_SLOTS][IMG_ID_MAX], id[IMG_ID_MAX], name[16];
	struct listing before, after;

	/* Half committed images, half uploads: they share the slots. */
	for (int i = 0; i < IMG_SLOTS; i++) {
		uint8_t b = (uint8_t)i;

		snprintf(name, sizeof(name), "s%d", i);
		if (i % 2) {
			upload(name, &b, 1, A, 1);
		} else {
			begin_ok(name, &b, 1, i % 4 ? A : B, ids[i]);
		}
	}
	list(&before);
	assert_int_equal(before.n, IMG_SLOTS);
	assert_int_equal(img_begin("one-more", 1, h, A, id), -ENOSPC);
	assert_int_equal(img_begin("one-more", 1, h, C, id), -ENOSPC);
	/* The checks before the slot search still answer first. */
	assert_int_equal(img_begin("One-more", 1, h, A, id), -EINVAL);
	assert_int_equal(img_begin("s3", 1, h, A, id), -EEXIST);
	assert_int_equal(img_begin("s4", 1, h, A, id), -EEXIST);
	list(&after);
	assert_same_listing(&before, &after);

	/* An aborted upload frees its slot ... */
	assert_int_equal(img_abort(ids[2], A), 0);
	assert_int_equal(img_begin("one-more", 1, h, A, id), 0);
	assert_int_equal(img_begin("two-more", 1, h, A, id), -ENOSPC);
	/* ... and so does a removed image. */
	assert_int_equal(img_remove("s5"), 0);
	assert_int_equal(img_begin("two-more", 1, h, A, id), 0);
	assert_int_equal(img_begin("three-more", 1, h, A, id), -ENOSPC);
	/* ... and an owner's end. */
	img_abort_owner(B);
	list(&after);
	assert_int_equal(after.n, IMG_SLOTS - IMG_SLOTS / 4);
	assert_int_equal(img_begin("three-more", 1, h, A, id), 0);
}

static void test_begin_sizes(void **state)
{
	uint8_t h[SHA256_LEN] = { 0 };
	char id[IMG_ID_MAX], id2[IMG_ID_MAX];
	struct listing before, after;

	list(&before);
	assert_int_equal(img_begin("z", 0, h, A, id), -E2BIG);
	assert_int_equal(img_begin("z", LIMIT + 1, h, A, id), -E2BIG);
	assert_int_equal(img_begin("z", UINT64_MAX, h, A, id), -E2BIG);
	assert_int_equal(img_begin("z", (uint64_t)LIMIT << 32, h, A, id), -E2BIG);
	list(&after);
	assert_same_listing(&before, &after);

	/* Exactly the limit, then nothing more. */
	assert_int_equal(img_begin("all", LIMIT, h, A, id), 0);
	assert_int_equal(img_bytes(), LIMIT);
	assert_int_equal(img_begin("z", 1, h, B, id2), -E2BIG);
	assert_int_equal(img_bytes(), LIMIT);
	assert_int_equal(img_abort(id, A), 0);
	assert_int_equal(img_bytes(), 0);

	/* The running total: uploads and committed images count alike. */
	static uint8_t data[1000];

	fill(data, sizeof(data));
	upload("small", data, sizeof(data), A, 300);
	assert_int_equal(img_begin("big", LIMIT - 1000 - 10, h, A, id), 0);
	assert_int_equal(img_begin("z", 11, h, B, id2), -E2BIG);
	assert_int_equal(img_bytes(), LIMIT - 10);
	assert_int_equal(img_begin("z", 10, h, B, id2), 0);
	assert_int_equal(img_bytes(), LIMIT);
	assert_int_equal(img_begin("y", 1, h, B, id2), -E2BIG);
	assert_int_equal(img_remove("small"), 0);
	assert_int_equal(img_begin("y", 1000, h, B, id2), 0);
	assert_int_equal(img_begin("x", 1, h, B, id2), -E2BIG);
	empty_store();

	/* A limit lowered below what is held refuses everything, without
	 * wrapping around. */
	assert_int_equal(img_begin("held", 4096, h, A, id), 0);
	img_set_limit(1000);
	assert_int_equal(img_begin("z", 1, h, A, id2), -E2BIG);
	assert_int_equal(img_begin("z", 1000, h, A, id2), -E2BIG);
	assert_int_equal(img_begin("z", UINT64_MAX - 100, h, A, id2), -E2BIG);
	img_set_limit(0);
	assert_int_equal(img_begin("z", 1, h, A, id2), -E2BIG);
	img_set_limit(LIMIT);
	assert_int_equal(img_begin("z", 1, h, A, id2), 0);
	assert_int_equal(img_bytes(), 4097);
}

/* Each of its allocations failing: -ENOMEM, and nothing left behind (the
 * bytes, the slot, the name; LeakSanitizer checks the memory). */
static void test_begin_nomem(void **state)
{
	static uint8_t data[100];
	uint8_t h[SHA256_LEN];
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	struct listing before, after;

	fill(data, sizeof(data));
	sha(data, sizeof(data), h);
	upload("kept", data, sizeof(data), A, 64);
	/* All slots but one taken. */
	for (int i = 1; i < IMG_SLOTS - 1; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(img_begin(name, 1, h, B, id), 0);
	}
	list(&before);
	for (long i = 0; i < 2; i++) {
		stub_alloc_fail_at = i;
		assert_int_equal(img_begin("new", sizeof(data), h, A, id), -ENOMEM);
		stub_alloc_fail_at = -1;
		list(&after);
		assert_same_listing(&before, &after);
	}
	/* The last slot and the name are still there. */
	assert_int_equal(img_begin("new", sizeof(data), h, A, id), 0);
	assert_int_equal(chunk(id, A, 0, data, sizeof(data), NULL), 0);
	assert_int_equal(img_commit(id, A, name), 0);
	assert_string_equal(name, "new");
}

static void test_ids(void **state)
{
	uint8_t h[SHA256_LEN] = { 0 };
	char ids[8][IMG_ID_MAX], name[16];

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		memset(ids[i], 0x55, IMG_ID_MAX);
		assert_int_equal(img_begin(name, 1, h, i % 2 ? A : B, ids[i]), 0);
		assert_non_null(memchr(ids[i], 0, IMG_ID_MAX));
		assert_int_equal(ids[i][0], 'u');
		assert_true(strlen(ids[i]) >= 2);
		for (size_t k = 1; ids[i][k]; k++)
			assert_true(ids[i][k] >= '0' && ids[i][k] <= '9');
		for (int k = 0; k < i; k++)
			assert_string_not_equal(ids[i], ids[k]);
	}
	/* An id is an upload of its owner only. */
	assert_int_equal(img_abort(ids[0], A), -ENOENT);
	assert_int_equal(img_abort(ids[0], B), 0);
	assert_int_equal(img_abort(ids[0], B), -ENOENT);
}

/* ---------------------------------------------------------------- img_chunk */

static void test_chunk_offsets(void **state)
{
	static uint8_t data[10];
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	uint64_t rec = 0;

	fill(data, sizeof(data));
	begin_ok("off", data, sizeof(data), A, id);
	/* Wrong offsets change nothing. */
	assert_int_equal(chunk(id, A, 3, data + 3, 4, NULL), -ESPIPE);
	assert_int_equal(chunk(id, A, 10, data, 0, NULL), -ESPIPE);
	assert_int_equal(chunk(id, A, UINT64_MAX, data, 4, NULL), -ESPIPE);
	assert_upload("off", 10, 0);
	assert_int_equal(chunk(id, A, 0, data, 4, &rec), 0);
	assert_int_equal(rec, 4);
	assert_int_equal(chunk(id, A, 0, data, 4, NULL), -ESPIPE);	/* a replay */
	assert_int_equal(chunk(id, A, 3, data + 3, 4, NULL), -ESPIPE);
	assert_int_equal(chunk(id, A, 5, data + 5, 4, NULL), -ESPIPE);
	assert_int_equal(chunk(id, A, 8, data + 8, 2, NULL), -ESPIPE);
	assert_upload("off", 10, 4);
	/* An empty chunk at the right offset is fine and changes nothing. */
	assert_int_equal(chunk(id, A, 4, data, 0, &rec), 0);
	assert_int_equal(rec, 4);
	assert_int_equal(chunk(id, A, 4, data + 4, 6, &rec), 0);
	assert_int_equal(rec, 10);
	assert_int_equal(chunk(id, A, 10, data, 0, &rec), 0);
	assert_int_equal(rec, 10);
	assert_int_equal(img_commit(id, A, name), 0);
}

/* Past the announced size: -EFBIG, nothing changes (not even the hash of
 * what arrived), and a right chunk afterwards still works. */
static void test_chunk_too_big(void **state)
{
	static uint8_t data[5], junk[64];
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	uint64_t rec = 0;
	size_t len;
	const void *p;

	fill(data, sizeof(data));
	fill(junk, sizeof(junk));
	begin_ok("big", data, sizeof(data), A, id);
	assert_int_equal(chunk(id, A, 0, junk, 6, NULL), -EFBIG);
	assert_int_equal(chunk(id, A, 0, junk, 64, NULL), -EFBIG);
	assert_upload("big", 5, 0);
	assert_int_equal(chunk(id, A, 0, data, 3, &rec), 0);
	assert_int_equal(rec, 3);
	/* 6 bytes at 0 above: the first quad fitted and was decoded in
	 * place; here no quad fits. */
	assert_int_equal(chunk(id, A, 3, junk, 3, NULL), -EFBIG);
	assert_int_equal(chunk(id, A, 3, junk, 4, NULL), -EFBIG);
	assert_upload("big", 5, 3);
	assert_int_equal(chunk(id, A, 3, data + 3, 2, &rec), 0);
	assert_int_equal(rec, 5);
	/* Full: only an empty chunk fits. */
	assert_int_equal(chunk(id, A, 5, junk, 1, NULL), -EFBIG);
	assert_int_equal(chunk(id, A, 5, junk, 0, &rec), 0);
	assert_upload("big", 5, 5);
	assert_int_equal(img_commit(id, A, name), 0);
	p = img_get("big", &len);
	assert_non_null(p);
	assert_int_equal(len, 5);
	assert_memory_equal(p, data, 5);
}

/* Not base64: -EINVAL, nothing changes. Some of these decode a quad or
 * two into the buffer before the refusal; the next chunk must overwrite
 * them and the hash must not have seen them. */
static void test_chunk_bad_base64(void **state)
{
	static const char *const bad[] = {
		"QQ=", "QR==", "Q===", "QUJD QUJD", "QUJDQUJ", "QUJD-_-_", "QUJDQUJDQQ=A",
		"QUJD\nQUJD", "QUJDQUJD====", "QUJD=QUJ", "QUJDQUJDQUJD\r\n",
	};
	static uint8_t data[12];
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	uint64_t rec = 0;
	size_t len;
	const void *p;

	memset(data, 0xee, sizeof(data));
	begin_ok("b64", data, sizeof(data), A, id);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (chunk_text(id, A, 0, bad[i]) != -EINVAL)
			fail_msg("chunk \"%s\" not refused", bad[i]);
		assert_upload("b64", 12, 0);
	}
	assert_int_equal(chunk(id, A, 0, data, 6, &rec), 0);
	assert_int_equal(rec, 6);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(chunk_text(id, A, 6, bad[i]), -EINVAL);
		assert_upload("b64", 12, 6);
	}
	assert_int_equal(chunk(id, A, 6, data + 6, 6, &rec), 0);
	assert_int_equal(rec, 12);
	assert_int_equal(img_commit(id, A, name), 0);
	p = img_get("b64", &len);
	assert_non_null(p);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(p, data, sizeof(data));
}

/* An upload answers to its owner and id only. */
static void test_chunk_wrong_owner(void **state)
{
	static uint8_t data[8];
	char id[IMG_ID_MAX], idb[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	uint64_t rec;

	fill(data, sizeof(data));
	begin_ok("mine", data, sizeof(data), A, id);
	begin_ok("yours", data, sizeof(data), B, idb);
	assert_int_equal(chunk(id, B, 0, data, 4, NULL), -ENOENT);
	assert_int_equal(chunk(id, NULL, 0, data, 4, NULL), -ENOENT);
	assert_int_equal(chunk("u999999", A, 0, data, 4, NULL), -ENOENT);
	assert_int_equal(chunk("", A, 0, data, 4, NULL), -ENOENT);
	assert_int_equal(chunk("mine", A, 0, data, 4, NULL), -ENOENT);
	assert_int_equal(img_commit(id, B, name), -ENOENT);
	assert_int_equal(img_abort(id, B), -ENOENT);
	assert_upload("mine", 8, 0);
	assert_upload("yours", 8, 0);
	assert_int_equal(chunk(id, A, 0, data, 8, &rec), 0);
	assert_int_equal(img_commit(id, A, name), 0);
	/* A committed image is no upload: its id is dead. */
	assert_int_equal(chunk(id, A, 8, data, 0, NULL), -ENOENT);
	assert_int_equal(img_commit(id, A, name), -ENOENT);
	assert_int_equal(img_abort(id, A), -ENOENT);
	assert_int_equal(img_abort(id, NULL), -ENOENT);
	img_abort_owner(NULL);
	assert_non_null(img_get("mine", &(size_t){ 0 }));
}

/* Raw bytes (a fetch's body): the owner's upload only, nothing past the
 * size (and then nothing changes), interleaved with base64 chunks. */
static void test_write(void **state)
{
	static uint8_t data[100];
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	uint64_t rec = 0;
	size_t len;
	const void *p;

	fill(data, sizeof(data));
	begin_ok("fetched", data, sizeof(data), A, id);
	assert_int_equal(img_write(id, B, data, 10, &rec), -ENOENT);
	assert_int_equal(img_write("u0", A, data, 10, &rec), -ENOENT);
	assert_int_equal(img_write(id, A, data, 101, &rec), -EFBIG);
	assert_upload("fetched", 100, 0);
	assert_int_equal(img_write(id, A, data, 0, &rec), 0);
	assert_int_equal(rec, 0);
	assert_int_equal(img_write(id, A, data, 40, &rec), 0);
	assert_int_equal(rec, 40);
	assert_int_equal(chunk(id, A, 40, data + 40, 20, &rec), 0);
	assert_int_equal(rec, 60);
	assert_int_equal(img_write(id, A, data + 60, 41, &rec), -EFBIG);
	assert_upload("fetched", 100, 60);
	assert_int_equal(img_commit(id, A, name), -EAGAIN);
	assert_int_equal(img_write(id, A, data + 60, 40, &rec), 0);
	assert_int_equal(rec, 100);
	assert_int_equal(img_write(id, A, data, 1, &rec), -EFBIG);
	assert_int_equal(img_commit(id, A, name), 0);
	assert_int_equal(img_write(id, A, data, 0, &rec), -ENOENT);
	p = img_get("fetched", &len);
	assert_non_null(p);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(p, data, sizeof(data));

	/* Wrong bytes written are caught by the SHA-256 like any others. */
	begin_ok("fetched2", data, sizeof(data), A, id);
	data[50] ^= 0x80;
	assert_int_equal(img_write(id, A, data, sizeof(data), &rec), 0);
	assert_int_equal(img_commit(id, A, name), -EBADMSG);
	assert_name_free("fetched2");
}

/* img_exists: images and uploads both hold their name. */
static void test_exists(void **state)
{
	static uint8_t data[8];
	char id[IMG_ID_MAX];

	fill(data, sizeof(data));
	assert_false(img_exists("x"));
	upload("x", data, sizeof(data), A, 8);
	begin_ok("y", data, sizeof(data), B, id);
	assert_true(img_exists("x"));
	assert_true(img_exists("y"));
	assert_false(img_exists("z"));
	assert_false(img_exists("X"));
	assert_false(img_exists(""));
	assert_int_equal(img_abort(id, B), 0);
	assert_false(img_exists("y"));
	assert_int_equal(img_remove("x"), 0);
	assert_false(img_exists("x"));
}

/* ---------------------------------------------------------------- img_commit */

static void test_commit_early(void **state)
{
	static uint8_t data[8];
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	struct listing before, after;
	size_t len = 0;

	fill(data, sizeof(data));
	begin_ok("early", data, sizeof(data), A, id);
	list(&before);
	assert_int_equal(img_commit(id, A, name), -EAGAIN);
	list(&after);
	assert_same_listing(&before, &after);
	assert_int_equal(chunk(id, A, 0, data, 4, NULL), 0);
	list(&before);
	assert_int_equal(img_commit(id, A, name), -EAGAIN);
	assert_int_equal(img_commit(id, A, name), -EAGAIN);
	list(&after);
	assert_same_listing(&before, &after);
	assert_null(img_get("early", &len));
	assert_int_equal(img_remove("early"), -ENOENT);
	assert_int_equal(chunk(id, A, 4, data + 4, 4, NULL), 0);
	assert_int_equal(img_commit(id, A, name), 0);
	assert_string_equal(name, "early");
	assert_non_null(img_get("early", &len));
	assert_int_equal(len, 8);
}

/* A SHA-256 mismatch discards the upload: the id, the name, the bytes. */
static void test_commit_bad_sha(void **state)
{
	static uint8_t data[300];
	uint8_t h[SHA256_LEN];
	char id[IMG_ID_MAX], name[IMG_NAME_MAX + 1];
	struct listing l;
	size_t len;

	fill(data, sizeof(data));
	upload("other", data, 10, B, 10);
	sha(data, sizeof(data), h);
	for (int bit = 0; bit < 256; bit += 85) {
		uint8_t wrong[SHA256_LEN];

		memcpy(wrong, h, SHA256_LEN);
		wrong[bit / 8] ^= (uint8_t)(1 << bit % 8);
		assert_int_equal(img_begin("bad", sizeof(data), wrong, A, id), 0);
		assert_int_equal(img_bytes(), 10 + sizeof(data));
		assert_int_equal(chunk(id, A, 0, data, 150, NULL), 0);
		assert_int_equal(chunk(id, A, 150, data + 150, 150, NULL), 0);
		assert_int_equal(img_commit(id, A, name), -EBADMSG);
		assert_int_equal(img_bytes(), 10);
		assert_null(img_get("bad", &len));
		assert_int_equal(img_commit(id, A, name), -ENOENT);
		assert_int_equal(chunk(id, A, 300, data, 0, NULL), -ENOENT);
		assert_int_equal(img_abort(id, A), -ENOENT);
		list(&l);
		assert_int_equal(l.n, 1);
		assert_name_free("bad");
	}
	/* The right bytes with the wrong hash, and the wrong bytes (the
	 * same length) with the right one. */
	upload("bad", data, sizeof(data), A, 100);
	assert_int_equal(img_remove("bad"), 0);
	assert_int_equal(img_begin("bad", sizeof(data), h, A, id), 0);
	data[299] ^= 1;
	assert_int_equal(chunk(id, A, 0, data, sizeof(data), NULL), 0);
	assert_int_equal(img_commit(id, A, name), -EBADMSG);
	assert_int_equal(img_bytes(), 10);
}

static void test_commit_ok(void **state)
{
	static uint8_t one[1], odd[1001], chunky[IMG_CHUNK_MAX + 7];
	static const struct { const char *name; uint8_t *data; size_t n, step; } imgs[] = {
		{ "one", one, sizeof(one), 1 },
		{ "odd", odd, sizeof(odd), 7 },
		{ "odd2", odd, sizeof(odd), 1000 },
		{ "chunky", chunky, sizeof(chunky), IMG_CHUNK_MAX },
	};
	struct listing l;

	fill(one, sizeof(one));
	fill(odd, sizeof(odd));
	fill(chunky, sizeof(chunky));
	for (size_t i = 0; i < ARRAY_SIZE(imgs); i++)
		upload(imgs[i].name, imgs[i].data, imgs[i].n, i % 2 ? A : B, imgs[i].step);
	list(&l);
	assert_int_equal(l.n, ARRAY_SIZE(imgs));
	for (size_t i = 0; i < ARRAY_SIZE(imgs); i++) {
		uint8_t h[SHA256_LEN];
		size_t len = 0;
		const void *p = img_get(imgs[i].name, &len);
		const struct entry *e = find(&l, imgs[i].name);

		assert_non_null(p);
		assert_int_equal(len, imgs[i].n);
		assert_memory_equal(p, imgs[i].data, len);
		sha(imgs[i].data, imgs[i].n, h);
		assert_non_null(e);
		assert_true(e->committed);
		assert_int_equal(e->size, imgs[i].n);
		assert_int_equal(e->received, imgs[i].n);
		assert_memory_equal(e->sha, h, SHA256_LEN);
	}
	/* The committed images outlive their owners' sessions. */
	img_abort_owner(A);
	img_abort_owner(B);
	list(&l);
	assert_int_equal(l.n, ARRAY_SIZE(imgs));
	assert_int_equal(img_bytes(), sizeof(one) + 2 * sizeof(odd) + sizeof(chunky));
	/* Lookups are by exact name. */
	size_t len = 0;

	assert_null(img_get("on", &len));
	assert_null(img_get("onee", &len));
	assert_null(img_get("", &len));
	assert_null(img_get("ONE", &len));
}

/* ---------------------------------------------------------------- abort, remove, walk */

static void test_abort(void **state)
{
	static uint8_t data[64];
	char a1[IMG_ID_MAX], a2[IMG_ID_MAX], b1[IMG_ID_MAX], c1[IMG_ID_MAX];
	struct listing l;

	fill(data, sizeof(data));
	upload("img-a", data, 10, A, 10);
	upload("img-b", data, 20, B, 10);
	begin_ok("up-a1", data, 1, A, a1);
	begin_ok("up-a2", data, 2, A, a2);
	begin_ok("up-b1", data, 4, B, b1);
	begin_ok("up-c1", data, 8, C, c1);
	assert_int_equal(chunk(a2, A, 0, data, 1, NULL), 0);
	assert_int_equal(img_bytes(), 45);

	assert_int_equal(img_abort(a1, B), -ENOENT);
	assert_int_equal(img_abort(b1, A), -ENOENT);
	assert_int_equal(img_abort("u0", A), -ENOENT);
	assert_int_equal(img_abort(a1, A), 0);
	assert_int_equal(img_abort(a1, A), -ENOENT);
	assert_int_equal(img_bytes(), 44);
	assert_name_free("up-a1");

	/* A's end: its uploads go, the images it committed and the others'
	 * uploads stay. */
	img_abort_owner(A);
	list(&l);
	assert_int_equal(l.n, 4);
	assert_null(find(&l, "up-a2"));
	assert_non_null(find(&l, "img-a"));
	assert_non_null(find(&l, "img-b"));
	assert_non_null(find(&l, "up-b1"));
	assert_non_null(find(&l, "up-c1"));
	assert_int_equal(img_bytes(), 42);
	assert_int_equal(chunk(a2, A, 1, data, 1, NULL), -ENOENT);
	img_abort_owner(A);	/* nothing left of A: no-op */
	img_abort_owner(&l);	/* never an owner */
	assert_int_equal(img_bytes(), 42);

	img_abort_owner(B);
	img_abort_owner(C);
	list(&l);
	assert_int_equal(l.n, 2);
	assert_int_equal(img_bytes(), 30);
	assert_int_equal(img_abort(b1, B), -ENOENT);
	assert_name_free("up-b1");
	assert_name_free("up-c1");
}

static void test_remove(void **state)
{
	static uint8_t data[32];
	char id[IMG_ID_MAX];
	size_t len;

	fill(data, sizeof(data));
	upload("gone", data, sizeof(data), A, 32);
	begin_ok("pending", data, 16, A, id);
	assert_int_equal(img_remove("nothing"), -ENOENT);
	assert_int_equal(img_remove(""), -ENOENT);
	assert_int_equal(img_remove("pending"), -ENOENT);	/* uploads are aborted, not removed */
	assert_upload("pending", 16, 0);
	assert_int_equal(img_bytes(), 48);
	assert_int_equal(img_remove("gone"), 0);
	assert_int_equal(img_remove("gone"), -ENOENT);
	assert_null(img_get("gone", &len));
	assert_int_equal(img_bytes(), 16);
	assert_name_free("gone");
	assert_int_equal(chunk(id, A, 0, data, 16, NULL), 0);
	assert_int_equal(img_commit(id, A, (char[IMG_NAME_MAX + 1]){ 0 }), 0);
	assert_int_equal(img_remove("pending"), 0);
	assert_int_equal(img_bytes(), 0);
}

static void test_walk(void **state)
{
	static uint8_t data[40];
	uint8_t h1[SHA256_LEN], h2[SHA256_LEN];
	char id[IMG_ID_MAX];
	const struct entry *e;
	struct listing l;

	list(&l);
	assert_int_equal(l.n, 0);
	fill(data, sizeof(data));
	sha(data, 40, h1);
	sha(data, 25, h2);
	upload("done", data, 40, A, 16);
	begin_ok("half", data, 25, B, id);
	assert_int_equal(chunk(id, B, 0, data, 12, NULL), 0);
	list(&l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.sum, 65);
	e = find(&l, "done");
	assert_non_null(e);
	assert_true(e->committed);
	assert_int_equal(e->size, 40);
	assert_int_equal(e->received, 40);
	assert_memory_equal(e->sha, h1, SHA256_LEN);
	e = find(&l, "half");
	assert_non_null(e);
	assert_false(e->committed);
	assert_int_equal(e->size, 25);
	assert_int_equal(e->received, 12);
	assert_memory_equal(e->sha, h2, SHA256_LEN);
}

/* A longer mixed history, checked after each step against a model. */
struct model {
	char name[8], id[IMG_ID_MAX];
	const void *owner;
	uint8_t data[64 + 2];	/* + 2: chunks run up to 2 bytes past the size */
	size_t size, received;
	bool used, committed, sha_ok;
};

static void check_model(const struct model *m, size_t nm)
{
	struct listing l;
	uint64_t sum = 0;
	unsigned n = 0;

	list(&l);
	for (size_t i = 0; i < nm; i++) {
		const struct entry *e;
		size_t len = 0;
		const uint8_t *p;

		if (!m[i].used)
			continue;
		n++;
		sum += m[i].size;
		e = find(&l, m[i].name);
		assert_non_null(e);
		assert_int_equal(e->committed, m[i].committed);
		assert_int_equal(e->received, m[i].received);
		p = img_get(m[i].name, &len);
		if (m[i].committed) {
			assert_non_null(p);
			assert_int_equal(len, m[i].size);
			assert_memory_equal(p, m[i].data, len);
		} else {
			assert_null(p);
		}
	}
	assert_int_equal(l.n, n);
	assert_int_equal(img_bytes(), sum);
}

static void test_random_history(void **state)
{
	const void *const owners[] = { A, B, C };
	struct model m[12];

	memset(m, 0, sizeof(m));
	for (int step = 0; step < 20000; step++) {
		struct model *x = &m[rnd() % ARRAY_SIZE(m)];
		char name[IMG_NAME_MAX + 1];
		uint8_t h[SHA256_LEN];
		const void *o;
		size_t off, n;
		uint64_t rec;
		int r;

		switch (rnd() % 8) {
		case 0:	/* begin */
			if (x->used)
				break;
			snprintf(x->name, sizeof(x->name), "m%d", (int)(x - m));
			x->owner = owners[rnd() % 3];
			x->size = 1 + rnd() % 64;
			x->received = 0;
			x->sha_ok = rnd() % 4 != 0;
			fill(x->data, sizeof(x->data));
			sha(x->data, x->size, h);
			h[0] ^= !x->sha_ok;
			assert_int_equal(img_begin(x->name, x->size, h, x->owner, x->id), 0);
			x->used = true;
			x->committed = false;
			break;
		case 1: case 2: case 3:	/* chunk, sometimes misplaced or too long */
			if (!x->used || x->committed)
				break;
			off = x->received + (rnd() % 8 ? 0 : 1 + rnd() % 3);
			n = rnd() % (x->size - x->received + 3);
			r = chunk(x->id, x->owner, off, x->data + x->received, n, &rec);
			if (off != x->received) {
				assert_int_equal(r, -ESPIPE);
			} else if (n > x->size - x->received) {
				assert_int_equal(r, -EFBIG);
			} else {
				assert_int_equal(r, 0);
				x->received += n;
				assert_int_equal(rec, x->received);
			}
			break;
		case 4:	/* commit */
			if (!x->used || x->committed)
				break;
			r = img_commit(x->id, x->owner, name);
			if (x->received < x->size) {
				assert_int_equal(r, -EAGAIN);
			} else if (!x->sha_ok) {
				assert_int_equal(r, -EBADMSG);
				x->used = false;
			} else {
				assert_int_equal(r, 0);
				assert_string_equal(name, x->name);
				x->committed = true;
			}
			break;
		case 5:	/* abort */
			if (!x->used)
				break;
			r = img_abort(x->id, x->owner);
			assert_int_equal(r, x->committed ? -ENOENT : 0);
			if (!x->committed)
				x->used = false;
			break;
		case 6:	/* an owner's session ends */
			if (rnd() % 8)
				break;
			o = owners[rnd() % 3];
			img_abort_owner(o);
			for (size_t i = 0; i < ARRAY_SIZE(m); i++)
				if (m[i].used && !m[i].committed && m[i].owner == o)
					m[i].used = false;
			break;
		case 7:	/* remove */
			if (!x->used)
				break;
			r = img_remove(x->name);
			assert_int_equal(r, x->committed ? 0 : -ENOENT);
			if (x->committed)
				x->used = false;
			break;
		}
		check_model(m, ARRAY_SIZE(m));
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_b64_empty),
		T(test_b64_vectors),
		T(test_b64_malformed),
		T(test_b64_every_byte),
		T(test_b64_every_padded_quad),
		T(test_b64_cap),
		T(test_b64_round_trip),
		T(test_begin_bad_names),
		T(test_begin_duplicate),
		T(test_begin_slots),
		T(test_begin_sizes),
		T(test_begin_nomem),
		T(test_ids),
		T(test_chunk_offsets),
		T(test_chunk_too_big),
		T(test_chunk_bad_base64),
		T(test_chunk_wrong_owner),
		T(test_write),
		T(test_exists),
		T(test_commit_early),
		T(test_commit_bad_sha),
		T(test_commit_ok),
		T(test_abort),
		T(test_remove),
		T(test_walk),
		T(test_random_history),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
