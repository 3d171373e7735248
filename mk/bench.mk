# Benchmarks: host programs, not tests. `make bench-switch` builds the
# switch benchmark and runs it. net/ is compiled as the kernel compiles
# it (-O2, freestanding so without builtins, no SSE, the kernel's own
# libc headers) and linked with the kernel's string functions, so the
# figures include what the kernel would really run; only the harness
# uses the host's libc. No sanitizers.

BENCH_CFLAGS   := -std=gnu11 -O2 -g -I. -Wall -Wextra -Werror -Wno-unused-parameter
BENCH_KCFLAGS  := $(BENCH_CFLAGS) -ffreestanding -mgeneral-regs-only -mno-red-zone \
	-fno-strict-aliasing -fno-omit-frame-pointer -nostdinc \
	-isystem $(shell $(HOSTCC) -print-file-name=include) -isystem kernel/libc/include
BENCH_NET_SRCS := net/switch.c net/switch_path.c net/conntrack.c net/fw.c net/fw_text.c \
	net/pkt.c kernel/fmt.c kernel/libc/string.c
BENCH_SWITCH_SRCS := tests/bench/switch_bench.c tests/bench/bench_gen.c tests/unit/support/net_stubs.c \
	tests/unit/support/net_frames.c
BENCH_NET_OBJS := $(patsubst %.c,$(BUILD)/bench/%.o,$(BENCH_NET_SRCS))

$(BUILD)/bench/%.o: %.c $(wildcard net/*.h kernel/*.h) mk/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BENCH_KCFLAGS) -c $< -o $@

$(BUILD)/bench/switch_bench: $(BENCH_SWITCH_SRCS) $(BENCH_NET_OBJS)
	$(call say,HOSTLD,$@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -o $@ $(BENCH_SWITCH_SRCS) $(BENCH_NET_OBJS)

bench-switch: $(BUILD)/bench/switch_bench
	$<

.PHONY: bench-switch
