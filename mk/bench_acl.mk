# The classifier against DPDK's rte_acl (issue 6): `make bench-acl`
# builds tests/bench/acl_bench.c and runs it. A host program, not a test.
#
# net/ is the very objects mk/bench.mk builds (BENCH_NET_OBJS: -O2,
# freestanding, no SSE, the kernel's string functions). They are first
# linked into one relocatable object whose string symbols are then made
# local: net/ keeps calling the kernel's memcpy/memset, but DPDK's shared
# libraries do not bind to them (an executable's global memcpy would
# interpose on glibc's for every library), so rte_acl runs as shipped.
#
# DPDK comes from Debian (libdpdk-dev, DPDK 22.11): headers through
# pkg-config libdpdk, and only librte_acl and librte_eal on the link line
# (their own dependencies come in through their DT_NEEDED entries).

ACL_PKGCONF       := pkg-config
ACL_DPDK_CFLAGS    = $(patsubst -I%,-isystem %,$(filter-out -march=%,\
	$(shell $(ACL_PKGCONF) --cflags libdpdk 2>/dev/null)))
ACL_DPDK_LIBS      = -L$(shell $(ACL_PKGCONF) --variable=libdir libdpdk 2>/dev/null) \
	-lrte_acl -lrte_eal
BENCH_ACL_SRCS    := tests/bench/acl_bench.c tests/bench/bench_gen.c tests/unit/support/net_stubs.c \
	tests/unit/support/net_frames.c
BENCH_ACL_NET     := $(BUILD)/bench/net_acl.o

# Fails with the fix when DPDK's development files are missing.
bench-acl-dpdk:
	@$(ACL_PKGCONF) --exists libdpdk 2>/dev/null || { \
		echo "bench-acl: DPDK not found (pkg-config libdpdk)."; \
		echo "bench-acl: install it with: apt-get install libdpdk-dev"; \
		exit 1; }

$(BENCH_ACL_NET): $(BENCH_NET_OBJS) mk/bench_acl.mk
	$(call say,LD -r,$@)
	$(Q)ld -r -o $@.tmp $(BENCH_NET_OBJS)
	$(Q)objcopy $(addprefix --localize-symbol=,$(shell nm --defined-only -g \
		$(BUILD)/bench/kernel/libc/string.o 2>/dev/null | awk '{ print $$3 }')) $@.tmp $@
	$(Q)rm -f $@.tmp

$(BUILD)/bench/acl_bench: $(BENCH_ACL_SRCS) $(BENCH_ACL_NET) | bench-acl-dpdk
	$(call say,HOSTLD,$@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $(ACL_DPDK_CFLAGS) -o $@ $(BENCH_ACL_SRCS) \
		$(BENCH_ACL_NET) $(ACL_DPDK_LIBS)

bench-acl: $(BUILD)/bench/acl_bench
	$<

.PHONY: bench-acl bench-acl-dpdk
