/* The image store (kernel/imgstore.h). Image bytes come from the kernel
 * heap, which hands large requests whole pages. */
#include <errno.h>
#include <string.h>
#include "kernel/base64.h"
#include "kernel/crypto.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/imgstore.h"

struct img {
	bool used, committed;
	char name[IMG_NAME_MAX + 1];
	char id[IMG_ID_MAX];
	const void *owner;
	uint8_t *data;
	uint64_t size, received;
	uint8_t want[SHA256_LEN];
	struct sha256 *hash;		/* running over what arrived */
};

static struct img imgs[IMG_SLOTS];	/* [T] */
static uint64_t held, limit = 256ull << 20;
static uint32_t seq;

void img_set_limit(uint64_t bytes)
{
	limit = bytes;
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > IMG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static struct img *by_name(const char *name)
{
	for (int i = 0; i < IMG_SLOTS; i++)
		if (imgs[i].used && !strcmp(imgs[i].name, name))
			return &imgs[i];
	return NULL;
}

static struct img *upload(const char *id, const void *owner)
{
	for (int i = 0; i < IMG_SLOTS; i++)
		if (imgs[i].used && !imgs[i].committed && imgs[i].owner == owner &&
		    !strcmp(imgs[i].id, id))
			return &imgs[i];
	return NULL;
}

static void drop(struct img *m)
{
	held -= m->size;
	crypto_sha256_free(m->hash);
	kfree(m->data);
	memset(m, 0, sizeof(*m));
}

int img_begin(const char *name, uint64_t size, const uint8_t sha256[32],
	      const void *owner, char id[IMG_ID_MAX])
{
	struct img *m = NULL;

	if (!name_ok(name))
		return -EINVAL;
	if (by_name(name))
		return -EEXIST;
	for (int i = 0; i < IMG_SLOTS && !m; i++)
		if (!imgs[i].used)
			m = &imgs[i];
	if (!m)
		return -ENOSPC;
	if (!size || size > limit || held > limit - size)
		return -E2BIG;
	m->data = kmalloc((size_t)size);
	m->hash = crypto_sha256_begin();
	if (!m->data || !m->hash) {
		kfree(m->data);
		crypto_sha256_free(m->hash);
		memset(m, 0, sizeof(*m));
		return -ENOMEM;
	}
	m->used = true;
	memcpy(m->name, name, strlen(name) + 1);
	ksnprintf(m->id, sizeof(m->id), "u%u", ++seq);
	m->owner = owner;
	m->size = size;
	memcpy(m->want, sha256, SHA256_LEN);
	held += size;
	memcpy(id, m->id, IMG_ID_MAX);
	return 0;
}

int img_chunk(const char *id, const void *owner, uint64_t offset,
	      const char *b64, size_t b64_len, uint64_t *received)
{
	struct img *m = upload(id, owner);
	long n;

	if (!m)
		return -ENOENT;
	if (offset != m->received)
		return -ESPIPE;
	/* Decoded straight into place; a refusal leaves received as it was,
	 * and the next chunk overwrites whatever was decoded. */
	n = base64_decode(b64, b64_len, m->data + m->received, m->size - m->received);
	if (n == -2)
		return -EFBIG;
	if (n < 0)
		return -EINVAL;
	crypto_sha256_update(m->hash, m->data + m->received, (size_t)n);
	m->received += (uint64_t)n;
	*received = m->received;
	return 0;
}

int img_write(const char *id, const void *owner, const void *data, size_t len,
	      uint64_t *received)
{
	struct img *m = upload(id, owner);

	if (!m)
		return -ENOENT;
	if (len > m->size - m->received)
		return -EFBIG;
	memcpy(m->data + m->received, data, len);
	crypto_sha256_update(m->hash, data, len);
	m->received += len;
	*received = m->received;
	return 0;
}

int img_commit(const char *id, const void *owner, char name[IMG_NAME_MAX + 1])
{
	struct img *m = upload(id, owner);
	uint8_t got[SHA256_LEN];

	if (!m)
		return -ENOENT;
	memcpy(name, m->name, sizeof(m->name));
	if (m->received != m->size)
		return -EAGAIN;
	crypto_sha256_end(m->hash, got);
	m->hash = NULL;
	if (memcmp(got, m->want, SHA256_LEN)) {
		drop(m);
		return -EBADMSG;
	}
	m->committed = true;
	m->owner = NULL;
	return 0;
}

int img_abort(const char *id, const void *owner)
{
	struct img *m = upload(id, owner);

	if (!m)
		return -ENOENT;
	drop(m);
	return 0;
}

void img_abort_owner(const void *owner)
{
	for (int i = 0; i < IMG_SLOTS; i++)
		if (imgs[i].used && !imgs[i].committed && imgs[i].owner == owner)
			drop(&imgs[i]);
}

bool img_exists(const char *name)
{
	return by_name(name) != NULL;
}

const void *img_get(const char *name, size_t *len)
{
	struct img *m = by_name(name);

	if (!m || !m->committed)
		return NULL;
	*len = (size_t)m->size;
	return m->data;
}

int img_remove(const char *name)
{
	struct img *m = by_name(name);

	if (!m || !m->committed)
		return -ENOENT;
	drop(m);
	return 0;
}

void img_walk(void (*fn)(void *ctx, const char *name, uint64_t size, uint64_t received,
			 bool committed, const uint8_t sha256[32]), void *ctx)
{
	for (int i = 0; i < IMG_SLOTS; i++)
		if (imgs[i].used)
			fn(ctx, imgs[i].name, imgs[i].size, imgs[i].received,
			   imgs[i].committed, imgs[i].want);
}

uint64_t img_bytes(void)
{
	return held;
}
