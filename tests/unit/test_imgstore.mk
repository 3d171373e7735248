# The image store (kernel/imgstore.c) and its base64 decoder
# (kernel/base64.c), with the real SHA-256: kernel/crypto.c on the host's
# mbedtls (libmbedtls-dev, tools/deps.sh) in place of the kernel's own
# build of it. The libraries are named by path, not -l, so that the link
# line has them after the sources. The kernel's extra warnings apply here
# too.
LIBS_test_imgstore = $(foreach l,mbedtls mbedx509 mbedcrypto, \
	$(shell $(HOSTCC) -print-file-name=lib$(l).so))
SRCS_test_imgstore   = kernel/imgstore.c kernel/base64.c kernel/crypto.c kernel/fmt.c \
	tests/unit/support/rpc_stubs.c tests/unit/support/crypto_stubs.c \
	$(LIBS_test_imgstore)
CFLAGS_test_imgstore := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
