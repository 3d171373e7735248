# Boot config parser (kernel/bootcfg.c, bootcfg_check.c, bootcfg_print.c)
# against the real libfdt.
# Fixtures: tests/unit/data/bootcfg/*.dts and bad/*.dts, plus the default
# config the kernel boots, compiled by dtc into $(BOOTCFG_DATA).

BOOTCFG_FIX  := tests/unit/data/bootcfg
BOOTCFG_DATA := $(BUILD)/host/data/bootcfg
BOOTCFG_DTBS := \
	$(patsubst $(BOOTCFG_FIX)/%.dts,$(BOOTCFG_DATA)/%.dtb, \
		$(wildcard $(BOOTCFG_FIX)/*.dts $(BOOTCFG_FIX)/bad/*.dts)) \
	$(BOOTCFG_DATA)/boot-default.dtb $(BOOTCFG_DATA)/ca.pem

# The policy rules go through the firewall's own parser (net/fw_text.c,
# which needs fw_rule_check() and friends from net/fw.c; the test stubs
# fw.c's heap calls).
SRCS_test_bootcfg   := kernel/bootcfg.c kernel/bootcfg_check.c kernel/bootcfg_print.c \
	kernel/bootcfg_policy.c net/fw.c net/fw_text.c \
	kernel/fmt.c $(HOST_LIBFDT_SRCS)
CFLAGS_test_bootcfg := $(HOST_LIBFDT_INC) \
	-DBOOTCFG_DATA_DIR=\"$(abspath $(BOOTCFG_DATA))\"
DEPS_test_bootcfg   := $(BOOTCFG_DTBS)

# Every bad/*.dts includes base.dts; full.dts includes ca.pem.
$(BOOTCFG_DATA)/%.dtb: $(BOOTCFG_FIX)/%.dts $(BOOTCFG_FIX)/base.dts \
		$(BOOTCFG_FIX)/ca.pem
	@mkdir -p $(dir $@)
	$(call say,DTC,$@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(BOOTCFG_DATA)/boot-default.dtb: boot/config/default.dts
	@mkdir -p $(dir $@)
	$(call say,DTC,$@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(BOOTCFG_DATA)/ca.pem: $(BOOTCFG_FIX)/ca.pem
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
