/* Unit tests of the image JSON handling (tools/mkimage/oci.c): OCI
 * index.json selection by ref, manifests, image configs, docker save
 * manifests, digest validation, and bad input of every shape, each with
 * a clear message. Also SHA-256 (tools/mkimage/sha256.c) against the
 * FIPS 180-4 examples. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/mkimage/oci.h"
#include "tools/mkimage/sha256.h"

static char err[512];
static char *text;

/* A heap copy of exactly strlen(s) bytes (the parser decodes in place). */
static char *dup_text(const char *s)
{
	free(text);
	text = malloc(strlen(s) + 1);
	memcpy(text, s, strlen(s) + 1);
	return text;
}

static int teardown(void **state)
{
	free(text);
	text = NULL;
	return 0;
}

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static const char index_two[] =
	"{\"schemaVersion\":2,\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\","
	"\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":\"hello\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\","
	"\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":\"exit3\"}}]}";

static int index_sel(const char *json, const char *ref, char **d)
{
	dup_text(json);
	return oci_index_select(text, strlen(text), ref, d, err, sizeof(err));
}

static void expect_index_err(const char *json, const char *ref, const char *msg)
{
	char *d = NULL;

	assert_int_equal(index_sel(json, ref, &d), -EINVAL);
	assert_null(d);
	if (!strstr(err, msg))
		fail_msg("error \"%s\" lacks \"%s\"", err, msg);
}

static void test_index(void **state)
{
	char *d;

	assert_int_equal(index_sel(index_two, "exit3", &d), 0);
	assert_string_equal(d, D2);
	free(d);
	assert_int_equal(index_sel(index_two, "hello", &d), 0);
	assert_string_equal(d, D1);
	free(d);
	/* Only one manifest: no ref needed. */
	assert_int_equal(index_sel("{\"manifests\":[{\"digest\":\"" D1 "\"}]}", NULL, &d), 0);
	assert_string_equal(d, D1);
	free(d);

	expect_index_err(index_two, NULL, "2 manifests, choose one");
	expect_index_err(index_two, "nope", "no manifest with ref.name \"nope\"");
	expect_index_err("{\"manifests\":[]}", NULL, "no manifests");
	expect_index_err("{}", NULL, "no \"manifests\" array");
	expect_index_err("{\"manifests\":{}}", NULL, "no \"manifests\" array");
	expect_index_err("{\"manifests\":[1]}", NULL, "not an object");
	expect_index_err("{\"manifests\":[{}]}", NULL, "missing \"digest\"");
	expect_index_err("{\"manifests\":[{\"digest\":5}]}", NULL, "not a string");
	expect_index_err("{\"manifests\":[{\"digest\":\"" D1 "\",\"mediaType\":"
			 "\"application/vnd.oci.image.index.v1+json\"}]}", NULL, "nested image indexes");
	expect_index_err("{\"manifests\":[", NULL, "invalid JSON at byte");
	expect_index_err("", NULL, "invalid JSON");
	expect_index_err("[1,2]x", NULL, "invalid JSON");
	expect_index_err("{\"a\":1,\"a\":2}", NULL, "invalid JSON");
	expect_index_err("\"str\"", NULL, "not a JSON object");
}

static int manifest(const char *json, struct oci_manifest *m)
{
	dup_text(json);
	return oci_manifest_parse(text, strlen(text), m, err, sizeof(err));
}

static void test_manifest(void **state)
{
	struct oci_manifest m;

	assert_int_equal(manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\"},"
				  "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
				  "\"digest\":\"" D2 "\"},{\"mediaType\":"
				  "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D1 "\"}]}",
				  &m), 0);
	assert_string_equal(m.config, D1);
	assert_int_equal(m.nlayers, 2);
	assert_string_equal(m.layers[0], D2);
	assert_string_equal(m.layers[1], D1);
	oci_manifest_free(&m);

	assert_int_equal(manifest("{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[]}", &m), 0);
	assert_int_equal(m.nlayers, 0);
	oci_manifest_free(&m);

	static const struct { const char *json, *msg; } bad[] = {
		{ "{\"layers\":[]}", "no \"config\"" },
		{ "{\"config\":{},\"layers\":[]}", "missing \"digest\"" },
		{ "{\"config\":{\"digest\":\"" D1 "\"}}", "\"layers\" array" },
		{ "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[\"x\"]}", "layer 0 is not an object" },
		{ "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"digest\":\"" D1 "\"}]}",
		  "missing \"mediaType\"" },
		{ "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":"
		  "\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D1 "\"}]}",
		  "unsupported media type" },
		{ "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":"
		  "\"application/json\",\"digest\":\"" D1 "\"}]}", "unsupported media type" },
		{ "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":"
		  "\"application/vnd.oci.image.layer.v1.tar\"}]}", "missing \"digest\"" },
		{ "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":1.5}]}", "invalid JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(manifest(bad[i].json, &m), -EINVAL);
		assert_null(m.layers);
		assert_null(m.config);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, bad[i].msg);
	}
}

static int config(const char *json, struct oci_config *c)
{
	dup_text(json);
	return oci_config_parse(text, strlen(text), c, err, sizeof(err));
}

static void test_config(void **state)
{
	struct oci_config c;

	assert_int_equal(config("{\"architecture\":\"amd64\",\"config\":{\"Entrypoint\":[\"/bin/sh\",\"-c\"],"
				"\"Cmd\":[\"echo \\\"hi\\\" \\u00e9\"],\"Env\":[\"PATH=/bin\",\"A=b\"],"
				"\"WorkingDir\":\"/root\",\"User\":\"1000:100\",\"Labels\":{\"x\":\"y\"}},"
				"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", &c), 0);
	assert_int_equal(c.n_entrypoint, 2);
	assert_string_equal(c.entrypoint[0], "/bin/sh");
	assert_string_equal(c.entrypoint[1], "-c");
	assert_null(c.entrypoint[2]);
	assert_int_equal(c.n_cmd, 1);
	assert_string_equal(c.cmd[0], "echo \"hi\" \xc3\xa9");
	assert_int_equal(c.n_env, 2);
	assert_string_equal(c.env[1], "A=b");
	assert_string_equal(c.workdir, "/root");
	assert_string_equal(c.user, "1000:100");
	oci_config_free(&c);

	/* Docker writes null for unset; no "config" at all is fine too. */
	assert_int_equal(config("{\"config\":{\"Entrypoint\":null,\"Cmd\":null,\"Env\":null,"
				"\"WorkingDir\":\"\"}}", &c), 0);
	assert_null(c.entrypoint);
	assert_null(c.cmd);
	assert_string_equal(c.workdir, "");
	oci_config_free(&c);
	assert_int_equal(config("{\"architecture\":\"amd64\"}", &c), 0);
	assert_null(c.entrypoint);
	oci_config_free(&c);

	static const struct { const char *json, *msg; } bad[] = {
		{ "{\"config\":[]}", "\"config\" is not an object" },
		{ "{\"config\":{\"Entrypoint\":\"/bin/sh\"}}", "\"Entrypoint\" is not an array" },
		{ "{\"config\":{\"Cmd\":[\"a\",1]}}", "\"Cmd\" holds a non-string" },
		{ "{\"config\":{\"Env\":[null]}}", "\"Env\" holds a non-string" },
		{ "{\"config\":{\"User\":0}}", "\"User\" is not a string" },
		{ "{\"config\":{\"WorkingDir\":[]}}", "\"WorkingDir\" is not a string" },
		{ "{\"config\":{\"Cmd\":[\"a\\u0000b\"]}}", "invalid JSON" },
		{ "{\"config\":{\"Cmd\":[\"\xff\"]}}", "invalid JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(config(bad[i].json, &c), -EINVAL);
		assert_null(c.cmd);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, bad[i].msg);
	}
}

static int docker(const char *json, const char *ref, struct oci_manifest *m)
{
	dup_text(json);
	return docker_manifest_parse(text, strlen(text), ref, m, err, sizeof(err));
}

static void test_docker(void **state)
{
	static const char two[] =
		"[{\"Config\":\"a.json\",\"RepoTags\":[\"img/a:latest\"],\"Layers\":[\"l1/layer.tar\"]},"
		" {\"Config\":\"b.json\",\"RepoTags\":[\"img/b:1\",\"img/b:latest\"],"
		"\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]";
	struct oci_manifest m;

	assert_int_equal(docker(two, "img/b:latest", &m), 0);
	assert_string_equal(m.config, "b.json");
	assert_int_equal(m.nlayers, 2);
	assert_string_equal(m.layers[1], "l2/layer.tar");
	oci_manifest_free(&m);
	assert_int_equal(docker("[{\"Config\":\"c.json\",\"Layers\":[]}]", NULL, &m), 0);
	assert_string_equal(m.config, "c.json");
	oci_manifest_free(&m);

	static const struct { const char *json, *ref, *msg; } bad[] = {
		{ two, NULL, "several images" },
		{ two, "img/c", "no image tagged \"img/c\"" },
		{ "[]", NULL, "no images" },
		{ "{}", NULL, "not an array" },
		{ "[1]", NULL, "not an object" },
		{ "[{\"Layers\":[]}]", NULL, "missing \"Config\"" },
		{ "[{\"Config\":\"c\"}]", NULL, "no \"Layers\"" },
		{ "[{\"Config\":\"c\",\"Layers\":\"l\"}]", NULL, "\"Layers\" is not an array" },
		{ "[{\"Config\":\"c\",\"Layers\":[{}]}]", NULL, "holds a non-string" },
		{ "[{\"Config\":\"c\",", NULL, "invalid JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(docker(bad[i].json, bad[i].ref, &m), -EINVAL);
		assert_null(m.layers);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, bad[i].msg);
	}
}

static void test_digest_path(void **state)
{
	char out[128];

	assert_int_equal(oci_digest_path(D1, out, sizeof(out)), 0);
	assert_string_equal(out, "blobs/sha256/1111111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(oci_digest_path("sha512:11", out, sizeof(out)), -EINVAL);
	assert_int_equal(oci_digest_path("sha256:../../../../etc/passwd", out, sizeof(out)), -EINVAL);
	assert_int_equal(oci_digest_path("sha256:111111111111111111111111111111111111111111111111111111111111111/",
					 out, sizeof(out)), -EINVAL);
	assert_int_equal(oci_digest_path("sha256:1111111111111111111111111111111111111111111111111111111111111111a",
					 out, sizeof(out)), -EINVAL);
	assert_int_equal(oci_digest_path("sha256:AAAA111111111111111111111111111111111111111111111111111111111111",
					 out, sizeof(out)), -EINVAL);
	assert_int_equal(oci_digest_path(D1, out, 20), -EINVAL);
}

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256(void **state)
{
	uint8_t d[32];
	char h[65];
	char *million = malloc(1000000);

	sha256("abc", 3, d);
	hex(d, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256("", 0, d);
	hex(d, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	hex(d, h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	sha256(million, 1000000, d);
	hex(d, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_index, teardown),
		cmocka_unit_test_teardown(test_manifest, teardown),
		cmocka_unit_test_teardown(test_config, teardown),
		cmocka_unit_test_teardown(test_docker, teardown),
		cmocka_unit_test(test_digest_path),
		cmocka_unit_test(test_sha256),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
