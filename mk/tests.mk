# Host unit tests (cmocka, ASan + UBSan), lint, and `make check`.
#
# Every tests/unit/test_NAME.c is one test program; its companion
# tests/unit/test_NAME.mk lists what it links:
#   SRCS_test_NAME   := kernel/foo.c ...      (required)
#   CFLAGS_test_NAME := -DFOO ...             (optional)
#   DEPS_test_NAME   := files built first     (optional)

HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-I. -DHOST_TEST -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(addprefix $(BUILD)/host/,$(UNIT_TESTS))
include $(wildcard tests/unit/test_*.mk)

# Fixtures built for tests (.dtb and the like) are kept, not deleted as
# intermediates.
.SECONDARY:

.SECONDEXPANSION:
$(BUILD)/host/test_%: tests/unit/test_%.c tests/unit/test_%.mk $$(SRCS_test_%) $$(DEPS_test_%) | deps $(TP_SRC)/.stamp
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(CFLAGS_test_$*) -o $@ $< $(SRCS_test_$*) -lcmocka

check-unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		$$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

check-lint:
	tools/check-quarantine.sh

check: deps all iso pxe check-unit check-fuzz check-lint check-system

.PHONY: check-unit check-lint
