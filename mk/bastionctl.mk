# bastionctl, the operator's client (issue 7): JSON-RPC over mutual TLS
# with host mbedtls (Debian's libmbedtls-dev), plus its PKI helper.
#
#   make bastionctl   $(BUILD)/host/bastionctl
#
# kernel/json.c and kernel/json_write.c are the host's own parser and
# writer, so client and host agree on every byte; tools/mkimage/sha256.c
# hashes uploads.

BASTIONCTL      := $(BUILD)/host/bastionctl
BASTIONCTL_SRCS := tools/bastionctl/main.c tools/bastionctl/args.c \
	tools/bastionctl/help.c tools/bastionctl/rpc.c tools/bastionctl/fmt.c \
	tools/bastionctl/verbs.c tools/bastionctl/upload.c tools/bastionctl/net.c \
	tools/bastionctl/pki.c tools/mkimage/sha256.c kernel/json.c kernel/json_write.c
BASTIONCTL_CFLAGS := -std=gnu11 -O2 -g -I. -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -D_FORTIFY_SOURCE=2 \
	-fstack-protector-strong
BASTIONCTL_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto

$(BASTIONCTL): $(BASTIONCTL_SRCS) tools/bastionctl/cli.h tools/mkimage/sha256.h \
		kernel/json.h mk/bastionctl.mk | deps
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BASTIONCTL_CFLAGS) -o $@ $(BASTIONCTL_SRCS) $(BASTIONCTL_LIBS)

bastionctl: $(BASTIONCTL)

.PHONY: bastionctl
