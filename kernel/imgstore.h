/* Images uploaded over the RPC console (the image.* methods, protocol in
 * tools/bastionctl/README.md): a named byte string that becomes visible
 * to vm.create only once all of it arrived and its SHA-256 matched. An
 * upload belongs to the session that began it; a session that ends
 * discards its uploads (img_abort_owner), so a half image is never seen.
 *
 * [T] Called by the console service task only (it runs every RPC
 * session), so nothing here locks. */
#ifndef KERNEL_IMGSTORE_H
#define KERNEL_IMGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMG_NAME_MAX   63		/* bytes of [a-z0-9._-] */
#define IMG_ID_MAX     16		/* bytes of an upload id, + NUL */
#define IMG_SLOTS      32		/* images and uploads together */
#define IMG_CHUNK_MAX  49152		/* decoded bytes of one chunk */

/* Total bytes of images and uploads (reserved at begin) allowed; set once
 * at boot from the memory size. */
void img_set_limit(uint64_t bytes);

/* Starts an upload; id gets its name ("u" and digits). Returns 0,
 * -EINVAL (bad name), -EEXIST (the name exists or is being uploaded),
 * -ENOSPC (no slot), -E2BIG (size 0, or over the limit), -ENOMEM. */
int img_begin(const char *name, uint64_t size, const uint8_t sha256[32],
	      const void *owner, char id[IMG_ID_MAX]);

/* Appends base64 data at offset (which must be what arrived so far).
 * Returns 0 and *received, -ENOENT (no such upload of owner), -ESPIPE
 * (offset is not the bytes received: nothing changes), -EINVAL (not
 * base64), -EFBIG (past the announced size; nothing changes). */
int img_chunk(const char *id, const void *owner, uint64_t offset,
	      const char *b64, size_t b64_len, uint64_t *received);

/* Appends raw bytes (a fetch's body). Returns 0 and *received, -ENOENT,
 * -EFBIG (past the size; nothing changes). */
int img_write(const char *id, const void *owner, const void *data, size_t len,
	      uint64_t *received);

/* Finishes an upload; name gets the image's name. Returns 0 (the image
 * is usable), -ENOENT, -EAGAIN (bytes missing; nothing changes), -EBADMSG
 * (SHA-256 mismatch: the upload is discarded). */
int img_commit(const char *id, const void *owner, char name[IMG_NAME_MAX + 1]);

/* Drops one upload (-ENOENT if owner has none of that id), or every
 * upload of owner. */
int img_abort(const char *id, const void *owner);
void img_abort_owner(const void *owner);

/* Whether an image or an upload of that name exists. */
bool img_exists(const char *name);

/* A committed image: its bytes, or NULL. */
const void *img_get(const char *name, size_t *len);

/* Deletes a committed image (VMs made from it have their own copy).
 * Returns 0 or -ENOENT. */
int img_remove(const char *name);

/* Calls fn for each committed image and each upload in progress. */
void img_walk(void (*fn)(void *ctx, const char *name, uint64_t size, uint64_t received,
			 bool committed, const uint8_t sha256[32]), void *ctx);

/* Bytes held (committed and reserved). */
uint64_t img_bytes(void);

#endif
