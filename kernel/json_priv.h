/* Internals that the JSON parser and reader (json.c) and the writer
 * (json_write.c) share; nothing else includes this. */
#ifndef KERNEL_JSON_PRIV_H
#define KERNEL_JSON_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/json.h"

/* In json.c: the length of the valid UTF-8 sequence at s, or 0. */
size_t utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp);

static inline const struct json_tok *tok_at(const struct json_doc *d, int t)
{
	return t >= 0 && (uint32_t)t < d->ntoks ? &d->toks[t] : NULL;
}

#endif
