# libFuzzer targets (clang, ASan + UBSan), for everything a guest or the
# network can reach.
#
# Every tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput; its
# companion tests/fuzz/fuzz_NAME.mk lists what it links:
#   SRCS_fuzz_NAME   := net/pkt.c ...         (required)
#   CFLAGS_fuzz_NAME := ...                   (optional)
# Seeds live in tests/fuzz/corpus/NAME/ (committed, small). `make
# check-fuzz` runs each target for FUZZ_SECONDS on a scratch copy of its
# seeds; a crash fails the check and leaves the reproducer in
# $(BUILD)/fuzz/NAME/.

FUZZ_CC      := clang
FUZZ_SECONDS ?= 20
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -I. -DHOST_TEST -DFUZZING \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
include $(wildcard tests/fuzz/fuzz_*.mk)

.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_%.mk $$(SRCS_fuzz_%) | deps $(TP_SRC)/.stamp
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(CFLAGS_fuzz_$*) -o $@ $< $(SRCS_fuzz_$*)

check-fuzz: $(FUZZ_BINS)
	@fail=0; for t in $(FUZZ_TARGETS); do \
		work=$(BUILD)/fuzz/$$t.work; rm -rf $$work; mkdir -p $$work/corpus; \
		[ -d tests/fuzz/corpus/$$t ] && cp -r tests/fuzz/corpus/$$t/. $$work/corpus/; \
		echo "== $$t ($(FUZZ_SECONDS) s)"; \
		( cd $$work && ../$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=./ corpus >log 2>&1 ) || \
			{ tail -40 $$work/log; echo "FAILED: $$t (reproducer in $$work)"; fail=1; }; \
		grep -E '^stat::number_of_executed_units' $$work/log || true; \
	done; exit $$fail

.PHONY: check-fuzz
