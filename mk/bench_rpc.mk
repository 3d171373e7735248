# The management port benchmark: `make rpc-bench` builds
# $(BUILD)/host/rpc_bench (and bastionctl, whose `pki host` makes the
# certificate for the local openssl s_server); `make bench-rpc
# BENCH_RPC_ARGS="..."` runs tests/bench/rpc-bench.sh with them. A host
# program, not a test. Include after mk/bastionctl.mk.
#
# The client is bastionctl's, compiled from its own sources with its
# flags: net.c (TLS, mbedtls), rpc.c (requests, framing), fmt.c (base64,
# tables), args.c (--host; it needs help.c's verb table), upload.c (the
# upload protocol). Not main.c, verbs.c or pki.c.

RPC_BENCH      := $(BUILD)/host/rpc_bench
RPC_BENCH_SRCS := tests/bench/rpc_bench.c tools/bastionctl/net.c tools/bastionctl/rpc.c \
	tools/bastionctl/fmt.c tools/bastionctl/args.c tools/bastionctl/help.c \
	tools/bastionctl/upload.c \
	tools/mkimage/sha256.c kernel/json.c kernel/json_write.c
BENCH_RPC_ARGS ?= --help

$(RPC_BENCH): $(RPC_BENCH_SRCS) tools/bastionctl/cli.h tools/mkimage/sha256.h \
		kernel/json.h mk/bench_rpc.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BASTIONCTL_CFLAGS) -o $@ $(RPC_BENCH_SRCS) \
		$(BASTIONCTL_LIBS)

rpc-bench: $(RPC_BENCH) $(BASTIONCTL)

bench-rpc: rpc-bench
	tests/bench/rpc-bench.sh $(BENCH_RPC_ARGS)

.PHONY: rpc-bench bench-rpc
