# Image JSON (OCI layout, docker save) and SHA-256 of bastion-mkimage
# (tools/mkimage/oci.c, sha256.c), on the kernel's strict JSON parser.
SRCS_test_mkimage_oci   := tools/mkimage/oci.c tools/mkimage/sha256.c kernel/json.c
CFLAGS_test_mkimage_oci := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
