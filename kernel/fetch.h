/* Images fetched over HTTP by the host itself (image.fetch): the body of
 * http://A.B.C.D[:PORT]/PATH becomes an uploaded image once all of it has
 * arrived and its SHA-256 matches, as an upload through image.chunk does.
 * A fetch runs in the background on the console service task (lwIP's
 * owner) and outlives the session that asked for it; a failed one is
 * remembered with its reason until its name is reused or removed.
 *
 * [T] Console service task only. */
#ifndef KERNEL_FETCH_H
#define KERNEL_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_AT_ONCE   2
#define FETCH_RECORDS   8		/* in progress and failed ones */
#define FETCH_IDLE_MS   30000		/* no byte for this long: failed */
/* And all of it within 60 s plus a second a 16 KB: failed otherwise. */
#define FETCH_DEADLINE_MS 60000
#define FETCH_MIN_BYTES_PER_MS 16

/* Starts fetching url into the image name. Returns 0, -EINVAL (bad URL;
 * err says why), -EEXIST (the name is taken or being fetched), -EBUSY
 * (FETCH_AT_ONCE running), -ENETDOWN (no management interface),
 * -ENOMEM. */
int fetch_start(const char *name, const char *url, const uint8_t sha256[32],
		char *err, size_t errlen);

/* Whether a fetch of that name is in progress. */
bool fetch_busy(const char *name);

/* Calls fn for each fetch in progress ("fetching", bytes so far, size or
 * 0 while unknown) and each failed one ("failed", with its reason). */
void fetch_walk(void (*fn)(void *ctx, const char *name, const char *state, uint64_t received,
			   uint64_t size, const char *error), void *ctx);

/* Forgets a failed fetch, or cancels one in progress (its reservation
 * goes). Returns 0 or -ENOENT. */
int fetch_forget(const char *name);

#endif
