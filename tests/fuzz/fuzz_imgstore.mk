# The image store (kernel/imgstore.c, kernel/base64.c) with the SHA-256 of
# kernel/crypto.c, on the host's mbedtls (libmbedtls-dev, tools/deps.sh;
# named by path, not -l, so that the link line has it after the
# sources), against a model of every upload and image.
LIBS_fuzz_imgstore = $(foreach l,mbedtls mbedx509 mbedcrypto, \
	$(shell $(FUZZ_CC) -print-file-name=lib$(l).so))
SRCS_fuzz_imgstore = kernel/imgstore.c kernel/base64.c kernel/crypto.c kernel/fmt.c \
	tests/unit/support/rpc_stubs.c tests/unit/support/crypto_stubs.c \
	$(LIBS_fuzz_imgstore)
