# Third-party libraries, built unmodified from Debian's source packages
# (fetched into $(TP_SRC) by tools/fetch-src.sh) with the kernel's code
# generation flags, into archives the kernel links:
#
#   $(BUILD)/tp/liblwip.a     lwIP 2.1: IPv4, ARP, ICMP, DHCP, UDP, TCP,
#                             altcp + altcp_tls_mbedtls (net/lwip/lwipopts.h)
#   $(BUILD)/tp/libmbedtls.a  mbedtls 2.28: crypto, X.509, TLS 1.2
#                             (kernel/mbedtls/mbedtls_config.h)
#   $(BUILD)/tp/libfdt.a      libfdt (kernel/fdt/libfdt_env.h)
#
# Only the sources our configuration uses are compiled (the lists below).
# Defines, for the top Makefile and mk/tests.mk:
#   TP_LIBS           the archives, in link order (lwIP calls mbedtls)
#   TP_KINC           flags our adapters need to include their headers
#   HOST_LIBFDT_SRCS  libfdt's .c files, for host unit tests
#   HOST_LIBFDT_INC   include flags for those host builds

TP_OUT := $(BUILD)/tp

# The kernel's codegen flags, exactly (DESIGN: third-party code gets the
# same flags), and its freestanding libc. No -Werror: their warnings are
# not ours to fix; but a function missing from kernel/libc must stop the
# build (gcc 12 would guess "int f()" and link against nothing), and the
# one warning their code does raise (lwIP ignores the result of
# mbedtls_ssl_flush_output(), retried on the next poll) is silenced.
TP_CFLAGS := -std=gnu11 $(KGENFLAGS) $(KSYSINC) \
	-Werror=implicit-function-declaration -Werror=implicit-int \
	-Werror=int-conversion -Werror=incompatible-pointer-types \
	-Wno-unused-result

TP_LWIP_INC  := -Inet/lwip -I$(TP_SRC)/lwip/src/include
TP_MBED_INC  := -Ikernel/mbedtls -I$(TP_SRC)/mbedtls/include \
	-DMBEDTLS_CONFIG_FILE='"mbedtls_config.h"'
TP_FDT_INC   := -Ikernel/fdt -I$(TP_SRC)/libfdt

TP_KINC := $(TP_LWIP_INC) $(TP_MBED_INC) $(TP_FDT_INC)

# ---------------------------------------------------------------- lwIP
TP_LWIP_FILES := \
	core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c \
	core/memp.c core/netif.c core/pbuf.c core/timeouts.c \
	core/udp.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/altcp.c core/altcp_alloc.c core/altcp_tcp.c \
	core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/icmp.c \
	core/ipv4/etharp.c core/ipv4/dhcp.c \
	netif/ethernet.c \
	apps/altcp_tls/altcp_tls_mbedtls.c apps/altcp_tls/altcp_tls_mbedtls_mem.c
TP_LWIP_SRCS := $(addprefix $(TP_SRC)/lwip/src/,$(TP_LWIP_FILES))
TP_LWIP_OBJS := $(patsubst %.c,$(TP_OUT)/lwip/%.o,$(TP_LWIP_FILES))

# ---------------------------------------------------------------- mbedtls
# Not built: psa_*, net_sockets, timing, entropy_poll (empty without
# platform entropy), havege, aesni, padlock, and every module the config
# leaves off.
TP_MBED_FILES := \
	aes.c gcm.c chacha20.c poly1305.c chachapoly.c cipher.c cipher_wrap.c \
	md.c sha256.c sha512.c ctr_drbg.c hmac_drbg.c entropy.c \
	bignum.c ecp.c ecp_curves.c ecdh.c ecdsa.c rsa.c rsa_internal.c \
	constant_time.c platform.c platform_util.c \
	asn1parse.c asn1write.c oid.c base64.c pem.c pk.c pk_wrap.c pkparse.c \
	x509.c x509_crt.c pkwrite.c x509_create.c x509write_crt.c \
	ssl_tls.c ssl_msg.c ssl_cli.c ssl_srv.c ssl_ciphersuites.c
TP_MBED_SRCS := $(addprefix $(TP_SRC)/mbedtls/library/,$(TP_MBED_FILES))
TP_MBED_OBJS := $(patsubst %.c,$(TP_OUT)/mbedtls/%.o,$(TP_MBED_FILES))

# ---------------------------------------------------------------- libfdt
# All of it but fdt_overlay.c, which needs Xen's <xen/lib.h>.
TP_FDT_FILES := fdt.c fdt_ro.c fdt_wip.c fdt_sw.c fdt_rw.c fdt_strerror.c \
	fdt_empty_tree.c fdt_addresses.c fdt_check.c
TP_FDT_SRCS := $(addprefix $(TP_SRC)/libfdt/,$(TP_FDT_FILES))
TP_FDT_OBJS := $(patsubst %.c,$(TP_OUT)/libfdt/%.o,$(TP_FDT_FILES))

HOST_LIBFDT_SRCS := $(TP_FDT_SRCS)
HOST_LIBFDT_INC  := $(TP_FDT_INC)

TP_LIBS := $(TP_OUT)/liblwip.a $(TP_OUT)/libmbedtls.a $(TP_OUT)/libfdt.a

# ---------------------------------------------------------------- rules
# The sources appear when tools/fetch-src.sh has run: naming them as
# targets of the stamp lets make wait for it instead of failing with "no
# rule". Order-only: refetching never forces a rebuild.
$(TP_LWIP_SRCS) $(TP_MBED_SRCS) $(TP_FDT_SRCS): | $(TP_SRC)/.stamp

$(TP_LWIP_OBJS): $(TP_OUT)/lwip/%.o: $(TP_SRC)/lwip/src/%.c | $(TP_SRC)/.stamp
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(TP_CFLAGS) $(TP_LWIP_INC) $(TP_MBED_INC) -MMD -MP -c $< -o $@

$(TP_MBED_OBJS): $(TP_OUT)/mbedtls/%.o: $(TP_SRC)/mbedtls/library/%.c | $(TP_SRC)/.stamp
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(TP_CFLAGS) $(TP_MBED_INC) -MMD -MP -c $< -o $@

$(TP_FDT_OBJS): $(TP_OUT)/libfdt/%.o: $(TP_SRC)/libfdt/%.c | $(TP_SRC)/.stamp
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(TP_CFLAGS) $(TP_FDT_INC) -MMD -MP -c $< -o $@

$(TP_OUT)/liblwip.a: $(TP_LWIP_OBJS)
$(TP_OUT)/libmbedtls.a: $(TP_MBED_OBJS)
$(TP_OUT)/libfdt.a: $(TP_FDT_OBJS)
$(TP_LIBS):
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

-include $(TP_LWIP_OBJS:.o=.d) $(TP_MBED_OBJS:.o=.d) $(TP_FDT_OBJS:.o=.d)
