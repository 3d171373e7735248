/*
 * HTTP fetches of images (kernel/fetch.h): one plain TCP connection each
 * (net/netstack.h), an HTTP/1.0 GET, the head parsed by kernel/http.c and
 * the body written into the image store as it arrives.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "kernel/fetch.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/http.h"
#include "kernel/imgstore.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "net/netstack.h"

enum state { F_FREE, F_RUNNING, F_FAILED };

struct fetch {
	enum state st;
	char name[IMG_NAME_MAX + 1];
	char id[IMG_ID_MAX];		/* the store's upload, once begun */
	bool begun;
	uint8_t sha[32];
	struct http_url url;
	struct ns_conn *c;		/* NULL when closed or gone */
	bool asked;			/* the request went out */
	char *head;			/* HTTP_HEAD_MAX, until the head is read */
	size_t head_len;
	uint64_t size, got, last_ms, seq, deadline_ms;	/* deadline: 0 until sized */
	char error[120];
};

static struct fetch fetches[FETCH_RECORDS];	/* [T] */
static uint64_t seq;

static struct fetch *by_name(const char *name)
{
	for (int i = 0; i < FETCH_RECORDS; i++)
		if (fetches[i].st != F_FREE && !strcmp(fetches[i].name, name))
			return &fetches[i];
	return NULL;
}

bool fetch_busy(const char *name)
{
	struct fetch *f = by_name(name);

	return f && f->st == F_RUNNING;
}

static void release(struct fetch *f)
{
	if (f->begun)
		img_abort(f->id, f);
	f->begun = false;
	kfree(f->head);
	f->head = NULL;
	if (f->c)
		ns_close(f->c);
	f->c = NULL;
}

static void fail(struct fetch *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct fetch *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
	release(f);
	f->st = F_FAILED;
	pr_warn("image %s: fetch failed: %s", f->name, f->error);
}

static void finish(struct fetch *f)
{
	char name[IMG_NAME_MAX + 1];
	int r = img_commit(f->id, f, name);

	if (r == -EBADMSG)
		f->begun = false;	/* the store discarded it */
	if (r) {
		fail(f, r == -EBADMSG ? "sha256 mismatch: the image is discarded" :
		     "commit failed (%d)", r);
		return;
	}
	f->begun = false;
	pr_info("image %s: fetched %llu bytes from %s, sha256 ok", f->name,
		(unsigned long long)f->size, f->url.path);
	release(f);
	memset(f, 0, sizeof(*f));
}

/* The body's bytes: into the store. */
static void body(struct fetch *f, const char *data, size_t len)
{
	uint64_t got;

	/* Bytes past Content-Length (a server that ignores it) are not the
	 * image: the first size bytes are, and the hash decides. */
	if (len > f->size - f->got)
		len = (size_t)(f->size - f->got);
	if (!len)
		return;
	if (img_write(f->id, f, data, len, &got)) {
		fail(f, "could not store the body");
		return;
	}
	f->got = got;
	if (f->got == f->size)
		finish(f);
}

static void head_done(struct fetch *f, const struct http_head *h)
{
	int r;

	if (h->status != 200) {
		fail(f, "HTTP status %d", h->status);
		return;
	}
	if (h->chunked || !h->has_length) {
		fail(f, "the server sent no Content-Length (chunked or streamed bodies are not taken)");
		return;
	}
	r = img_begin(f->name, h->length, f->sha, f, f->id);
	if (r) {
		fail(f, r == -E2BIG ? "%llu bytes: empty, or more than the host takes" :
		     r == -EEXIST ? "an image of that name appeared meanwhile (%llu bytes)" :
		     "no room for %llu bytes", (unsigned long long)h->length);
		return;
	}
	f->begun = true;
	f->size = h->length;
	/* A whole deadline too, so a server that trickles a byte every 29 s
	 * cannot hold the reservation for ever. */
	f->deadline_ms = time_ms() + FETCH_DEADLINE_MS + f->size / FETCH_MIN_BYTES_PER_MS;
}

static size_t on_recv(void *user, const void *data, size_t len)
{
	struct fetch *f = user;
	struct http_head h;
	char err[96];
	size_t room, n;
	int r;

	f->last_ms = time_ms();
	if (f->st != F_RUNNING)
		return len;
	if (f->begun) {
		body(f, data, len);
		return len;
	}
	room = HTTP_HEAD_MAX - f->head_len;
	n = len < room ? len : room;
	memcpy(f->head + f->head_len, data, n);
	f->head_len += n;
	r = http_parse_head(f->head, f->head_len, &h, err, sizeof(err));
	if (r < 0) {
		fail(f, "bad HTTP response: %s", err);
		return len;
	}
	if (r == 0) {
		if (n < len)
			fail(f, "bad HTTP response: head too long");
		return len;
	}
	head_done(f, &h);
	if (f->st != F_RUNNING)
		return len;
	/* What followed the head in this piece (and any beyond it). */
	body(f, f->head + h.head_len, f->head_len - h.head_len);
	if (f->st == F_RUNNING && n < len)
		body(f, (const char *)data + n, len - n);
	kfree(f->head);
	f->head = NULL;
	return len;
}

static void on_sent(void *user)
{
	struct fetch *f = user;
	char req[HTTP_PATH_MAX + 128];
	int n;

	if (f->asked || f->st != F_RUNNING)
		return;
	n = ksnprintf(req, sizeof(req),
		      "GET %s HTTP/1.0\r\nHost: %u.%u.%u.%u:%u\r\nUser-Agent: bastion\r\n"
		      "Connection: close\r\n\r\n", f->url.path, f->url.addr >> 24,
		      (f->url.addr >> 16) & 255, (f->url.addr >> 8) & 255, f->url.addr & 255,
		      f->url.port);
	/* A fresh connection's send buffer takes the whole request. */
	if (ns_write(f->c, req, (size_t)n) != n)
		fail(f, "could not send the request");
	f->asked = true;
	f->last_ms = time_ms();
}

static void on_poll(void *user)
{
	struct fetch *f = user;

	if (f->st == F_RUNNING && time_ms() - f->last_ms > FETCH_IDLE_MS)
		fail(f, "no data for %u s (%llu of %llu bytes)", FETCH_IDLE_MS / 1000,
		     (unsigned long long)f->got, (unsigned long long)f->size);
	else if (f->st == F_RUNNING && f->deadline_ms && time_ms() > f->deadline_ms)
		fail(f, "too slow: %llu of %llu bytes by the deadline (%u KB/s at least)",
		     (unsigned long long)f->got, (unsigned long long)f->size,
		     FETCH_MIN_BYTES_PER_MS);
}

static void on_gone(void *user)
{
	struct fetch *f = user;

	f->c = NULL;
	if (f->st != F_RUNNING)
		return;
	if (!f->asked)
		fail(f, "cannot connect (refused, or no route)");
	else if (f->begun)
		fail(f, "connection closed after %llu of %llu bytes", (unsigned long long)f->got,
		     (unsigned long long)f->size);
	else
		fail(f, "connection closed before a complete HTTP response head");
}

static void *no_accept(void *arg, struct ns_conn *c, void *tls)
{
	(void)arg;
	(void)c;
	(void)tls;
	return NULL;
}

static const struct ns_listen_ops ops = { no_accept, on_recv, on_sent, on_poll, on_gone };

int fetch_start(const char *name, const char *url, const uint8_t sha256[32],
		char *err, size_t errlen)
{
	struct fetch *f = by_name(name), *slot = NULL, *oldest = NULL;
	struct http_url u;
	char *head;
	int running = 0, r;

	if ((f && f->st == F_RUNNING) || img_exists(name))
		return -EEXIST;
	for (int i = 0; i < FETCH_RECORDS; i++) {
		running += fetches[i].st == F_RUNNING;
		if (fetches[i].st == F_FREE && !slot)
			slot = &fetches[i];
		if (fetches[i].st == F_FAILED && (!oldest || fetches[i].seq < oldest->seq))
			oldest = &fetches[i];
	}
	if (running >= FETCH_AT_ONCE)
		return -EBUSY;
	/* A failed record of this name, else a free slot, else the oldest
	 * failure, makes room. */
	slot = f ? f : slot ? slot : oldest;
	if (!slot)
		return -EBUSY;
	/* Everything checked and allocated before a record is overwritten. */
	if (http_parse_url(url, &u, err, errlen))
		return -EINVAL;
	head = kmalloc(HTTP_HEAD_MAX);
	if (!head)
		return -ENOMEM;
	memset(slot, 0, sizeof(*slot));
	slot->url = u;
	slot->head = head;
	memcpy(slot->name, name, strnlen(name, IMG_NAME_MAX));
	memcpy(slot->sha, sha256, sizeof(slot->sha));
	slot->st = F_RUNNING;
	slot->seq = ++seq;
	slot->last_ms = time_ms();
	r = ns_tcp_connect(slot->url.addr, slot->url.port, &ops, slot, &slot->c);
	if (r) {
		kfree(slot->head);
		memset(slot, 0, sizeof(*slot));
		ksnprintf(err, errlen, r == -ENETDOWN ? "the management interface is down" :
			  "out of memory");
		return r;
	}
	pr_info("image %s: fetching http://%u.%u.%u.%u:%u%s", name, slot->url.addr >> 24,
		(slot->url.addr >> 16) & 255, (slot->url.addr >> 8) & 255, slot->url.addr & 255,
		slot->url.port, slot->url.path);
	return 0;
}

void fetch_walk(void (*fn)(void *ctx, const char *name, const char *state, uint64_t received,
			   uint64_t size, const char *error), void *ctx)
{
	for (int i = 0; i < FETCH_RECORDS; i++)
		if (fetches[i].st != F_FREE)
			fn(ctx, fetches[i].name, fetches[i].st == F_RUNNING ? "fetching" : "failed",
			   fetches[i].got, fetches[i].size, fetches[i].error);
}

int fetch_forget(const char *name)
{
	struct fetch *f = by_name(name);

	if (!f)
		return -ENOENT;
	if (f->st == F_RUNNING) {
		pr_info("image %s: fetch cancelled by the operator", f->name);
		release(f);
	}
	memset(f, 0, sizeof(*f));
	return 0;
}
