/* The log ring (see logring.h). */
#include <string.h>
#include "kernel/fmt.h"
#include "kernel/logring.h"

void logring_init(struct logring *r, struct logring_rec *storage, uint32_t cap)
{
	r->recs = storage;
	r->cap = cap;
	r->seq = 0;
}

void logring_push(struct logring *r, uint64_t ts_ns, unsigned level,
		  const char *text, size_t len)
{
	struct logring_rec *rec;

	if (!r->cap)
		return;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	rec = &r->recs[r->seq % r->cap];
	rec->ts_ns = ts_ns;
	rec->level = (uint8_t)level;
	rec->truncated = len > sizeof(rec->text);
	if (len > sizeof(rec->text))
		len = sizeof(rec->text);
	memcpy(rec->text, text, len);
	rec->len = (uint16_t)len;
	r->seq++;
}

size_t logring_format(const struct logring *r, char *buf, size_t len, unsigned max)
{
	static const char lv[] = "DIWE";
	uint64_t n = r->seq < r->cap ? r->seq : r->cap;
	size_t pos = 0;

	if (!len)
		return 0;
	buf[0] = 0;
	if (n > max)
		n = max;
	for (uint64_t s = r->seq - n; s < r->seq; s++) {
		const struct logring_rec *rec = &r->recs[s % r->cap];
		char line[LOGRING_TEXT + 40];
		int l;

		l = ksnprintf(line, sizeof(line), "[%5llu.%06llu] %c %.*s%s\n",
			      (unsigned long long)(rec->ts_ns / 1000000000),
			      (unsigned long long)(rec->ts_ns / 1000 % 1000000),
			      rec->level < 4 ? lv[rec->level] : '?',
			      (int)rec->len, rec->text, rec->truncated ? "..." : "");
		if (l < 0 || (size_t)l >= sizeof(line))
			l = sizeof(line) - 1;
		if (pos + (size_t)l + 1 > len)
			break;
		memcpy(buf + pos, line, (size_t)l);
		pos += (size_t)l;
		buf[pos] = 0;
	}
	return pos;
}
