/* A strict tar reader over a buffer in memory (container image layers).
 *
 * Reads POSIX ustar, GNU (long names 'L'/'K', base-256 numbers) and PAX
 * ('x' per-file and 'g' global extended headers: path, linkpath, size,
 * uid, gid, mtime) archives. Layers come from images we do not trust, so
 * every field is checked and anything odd is an error with a message that
 * names the entry and the byte offset: bad checksum, non-octal or
 * negative numbers, sizes beyond the buffer, truncation (including a
 * missing end-of-archive marker), malformed PAX records, NUL bytes or
 * oversized names. Nothing is allocated except the decoded long names; the
 * entry's data points into the caller's buffer. Pure: no I/O.
 */
#ifndef TOOLS_MKIMAGE_TAR_H
#define TOOLS_MKIMAGE_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK     512
#define TAR_MAX_PATH  4096		/* bytes of a path or link target */
#define TAR_MAX_PAX   (1u << 20)	/* bytes of one extended header */

enum tar_type {
	TAR_FILE = 1,
	TAR_HARDLINK,
	TAR_SYMLINK,
	TAR_CHAR,
	TAR_BLOCKDEV,
	TAR_DIR,
	TAR_FIFO,
};

/* One member. path and link are NUL-terminated, owned by the reader and
 * valid until the next tar_next() or tar_close(). */
struct tar_entry {
	enum tar_type type;
	const char *path;
	const char *link;	/* HARDLINK, SYMLINK: target; else "" */
	uint32_t mode;		/* permission bits and S_ISUID/S_ISGID/S_ISVTX */
	uint32_t uid, gid;
	int64_t mtime;
	uint64_t size;		/* FILE: bytes of data; 0 otherwise */
	const uint8_t *data;	/* FILE: size bytes inside the archive buffer */
	uint32_t devmajor, devminor;
	uint64_t offset;	/* of the entry's (first) header, for messages */
};

/* [c] one caller only. */
struct tar_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;		/* next header */
	int done;		/* end marker seen */
	char *path, *link;	/* current entry's names (heap) */
	char err[256];		/* why the last call failed */
};

void tar_open(struct tar_reader *r, const uint8_t *buf, size_t len);
void tar_close(struct tar_reader *r);

/* Reads the next member into e. Returns 1 (an entry), 0 (end of archive),
 * or -EINVAL (malformed; r->err says what and where), -ENOMEM. After an
 * error or the end, further calls return the same. */
int tar_next(struct tar_reader *r, struct tar_entry *e);

/* Parses an octal header field (leading spaces, digits, then NULs or
 * spaces to its end). Returns 0 or -EINVAL. Exposed for tests. */
int tar_octal(const char *f, size_t n, uint64_t *out);

#endif
