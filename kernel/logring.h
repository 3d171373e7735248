/* The log ring: fixed-size records, oldest overwritten first. Pure logic,
 * no locking (kernel/log.c serialises). */
#ifndef KERNEL_LOGRING_H
#define KERNEL_LOGRING_H

#include <stddef.h>
#include <stdint.h>

#define LOGRING_TEXT 168

struct logring_rec {
	uint64_t ts_ns;
	uint8_t level;
	uint8_t truncated;
	uint16_t len;
	char text[LOGRING_TEXT];
};

struct logring {
	struct logring_rec *recs;
	uint32_t cap;
	uint64_t seq;		/* records ever pushed */
};

void logring_init(struct logring *r, struct logring_rec *storage, uint32_t cap);

/* Stores text (without a trailing newline); longer text is cut and
 * flagged. */
void logring_push(struct logring *r, uint64_t ts_ns, unsigned level,
		  const char *text, size_t len);

/* Formats up to max of the newest records, oldest first, one per line:
 * "[   12.345678] W text". Returns the bytes written excluding the NUL;
 * only whole lines are written. */
size_t logring_format(const struct logring *r, char *buf, size_t len, unsigned max);

#endif
