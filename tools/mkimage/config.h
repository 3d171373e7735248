/* The run configuration of a container, as mkimage writes it into the
 * image (/.bastion/config) and the guest init reads it back. This file
 * and config.c are compiled into both.
 *
 * Format (binary-safe, every length explicit, little endian):
 *   magic  "BCFG" then u32 version (1)
 *   records: u8 tag, u32 length, length bytes
 *     'A'  one argv element (at least one; argv[0] is what is executed)
 *     'E'  one environment entry "KEY=VALUE" (KEY non-empty, no '=')
 *     'W'  working directory (absolute path; at most one; default "/")
 *     'U'  user: u32 uid, u32 gid (length 8; at most one; default 0:0)
 *     'Z'  end (length 0, last record; nothing may follow)
 * Strings never contain NUL (they become C strings for execve()).
 * Unknown tags are refused: an init that does not understand its
 * configuration must not guess.
 */
#ifndef TOOLS_MKIMAGE_CONFIG_H
#define TOOLS_MKIMAGE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define BCFG_MAGIC     "BCFG"
#define BCFG_VERSION   1
#define BCFG_MAX_ITEMS 4096		/* argv + env entries */
#define BCFG_MAX_SIZE  (1u << 20)	/* bytes of the whole file */

struct bcfg {
	char **argv;		/* NULL-terminated */
	size_t argc;
	char **env;		/* NULL-terminated */
	size_t envc;
	char *workdir;
	uint32_t uid, gid;
};

/* Encodes c into a new heap buffer. Returns 0, -EINVAL (no argv, a NUL
 * or bad env entry, relative workdir), -E2BIG, -ENOMEM. */
int bcfg_encode(const struct bcfg *c, uint8_t **out, size_t *len);

/* Decodes buf into c (heap; free with bcfg_free()). Returns 0, -EINVAL
 * (malformed: bad magic/version/tag/length, NUL in a string, missing end,
 * trailing bytes, no argv), -E2BIG, -ENOMEM. On error c is empty. */
int bcfg_decode(const uint8_t *buf, size_t len, struct bcfg *c);

void bcfg_free(struct bcfg *c);

#endif
