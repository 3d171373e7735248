/* The image upload protocol (README.md): image.begin, image.chunk...,
 * image.commit, image.abort when the host refuses a step. bastionctl's
 * vm upload and the RPC benchmark both send images with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/bastionctl/cli.h"
#include "tools/mkimage/sha256.h"

static int refused(struct client *cl, const char *id, char *p)
{
	char msg[512];

	rpc_error_text(cl, msg, sizeof(msg));
	fprintf(stderr, "bastionctl: %s\n", msg);
	rpc_call(cl, "image.abort", key_params(p, RPC_LINE_MAX, "id", id));
	return EXIT_HOST;
}

int upload_image(struct client *cl, const char *name, const void *data, size_t size,
		 void (*progress)(void *ctx, size_t done, size_t total), void *ctx)
{
	char hex[65], id[129], msg[512], *p = malloc(RPC_LINE_MAX);
	char *b64 = malloc(UPLOAD_CHUNK / 3 * 4 + 8);
	uint8_t digest[32];
	const char *s;
	int64_t received;
	struct jw w;
	int r = EXIT_CONNECT;

	if (!p || !b64) {
		fprintf(stderr, "bastionctl: upload: out of memory\n");
		goto out;
	}
	sha256(size ? data : "", size, digest);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	jw_init(&w, p, RPC_LINE_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, name);
	jw_key(&w, "size");
	jw_uint(&w, size);
	jw_key(&w, "sha256");
	jw_str(&w, hex);
	jw_obj_end(&w);
	r = rpc_call(cl, "image.begin", jw_finish(&w) ? NULL : p);
	if (r == EXIT_HOST) {
		rpc_error_text(cl, msg, sizeof(msg));
		fprintf(stderr, "bastionctl: %s\n", msg);
	}
	if (r)
		goto out;
	if (json_get_str(&cl->doc, cl->result, "id", 128, &s, NULL)) {
		fprintf(stderr, "bastionctl: image.begin: protocol error: no upload id\n");
		r = EXIT_PROTO;
		goto out;
	}
	snprintf(id, sizeof(id), "%s", s);
	for (size_t off = 0; off < size; off += UPLOAD_CHUNK) {
		size_t n = size - off < UPLOAD_CHUNK ? size - off : UPLOAD_CHUNK;

		if (progress)
			progress(ctx, off, size);
		base64_encode((const char *)data + off, n, b64);
		jw_init(&w, p, RPC_LINE_MAX);
		jw_obj_begin(&w);
		jw_key(&w, "id");
		jw_str(&w, id);
		jw_key(&w, "offset");
		jw_uint(&w, off);
		jw_key(&w, "data");
		jw_str(&w, b64);
		jw_obj_end(&w);
		r = rpc_call(cl, "image.chunk", jw_finish(&w) ? NULL : p);
		if (r == EXIT_HOST)
			r = refused(cl, id, p);
		if (r)
			goto out;	/* a broken connection takes the upload with it */
		if (json_get_int(&cl->doc, cl->result, "received", 0, INT64_MAX, &received) ||
		    received != (int64_t)(off + n)) {
			fprintf(stderr, "bastionctl: image.chunk: protocol error: \"received\" is "
				"not %zu\n", off + n);
			rpc_call(cl, "image.abort", key_params(p, RPC_LINE_MAX, "id", id));
			r = EXIT_PROTO;
			goto out;
		}
	}
	if (progress)
		progress(ctx, size, size);
	r = rpc_call(cl, "image.commit", key_params(p, RPC_LINE_MAX, "id", id));
	if (r == EXIT_HOST)
		r = refused(cl, id, p);
out:
	free(p);
	free(b64);
	return r;
}
