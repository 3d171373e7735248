/* The JSON documents of container images: OCI image layout (image-spec
 * image-layout.md: index.json, manifests, image configs) and `docker save`
 * archives (manifest.json). Pure: callers hand over file contents (which
 * are modified: kernel/json.c decodes strings in place). Every function
 * returns 0, -EINVAL (bad or unsupported input; err says what), -E2BIG or
 * -ENOMEM. */
#ifndef TOOLS_MKIMAGE_OCI_H
#define TOOLS_MKIMAGE_OCI_H

#include <stdbool.h>
#include <stddef.h>

/* The run settings of an image config ("config" object). */
struct oci_config {
	char **entrypoint;	/* NULL-terminated, or NULL when unset */
	size_t n_entrypoint;
	char **cmd;
	size_t n_cmd;
	char **env;
	size_t n_env;
	char *workdir;		/* NULL when unset */
	char *user;		/* NULL when unset */
};

/* An image: its config and layers, bottom first. For OCI these are
 * digests ("sha256:..."), for docker archives paths inside the archive. */
struct oci_manifest {
	char *config;
	char **layers;
	size_t nlayers;
};

/* index.json: the digest of the manifest whose
 * org.opencontainers.image.ref.name is ref, or of the only one (ref NULL:
 * refused if there are several). */
int oci_index_select(char *text, size_t len, const char *ref, char **digest,
		     char *err, size_t errlen);

/* An image manifest (OCI or Docker schema 2). zstd layers are refused. */
int oci_manifest_parse(char *text, size_t len, struct oci_manifest *m,
		       char *err, size_t errlen);

/* docker save's manifest.json: the entry tagged ref, or the only one. */
int docker_manifest_parse(char *text, size_t len, const char *ref,
			  struct oci_manifest *m, char *err, size_t errlen);

/* An image config. */
int oci_config_parse(char *text, size_t len, struct oci_config *c,
		     char *err, size_t errlen);

/* "sha256:<64 lowercase hex>" to "blobs/sha256/<hex>"; anything else
 * (other algorithms, '/' or ".." smuggled in) is -EINVAL. */
int oci_digest_path(const char *digest, char *out, size_t outlen);

void oci_manifest_free(struct oci_manifest *m);
void oci_config_free(struct oci_config *c);

#endif
