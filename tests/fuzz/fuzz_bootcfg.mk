# Boot config parser fuzz target: the seed blob is compiled from the unit
# test fixture full.dts and linked in as a C array (no binary committed).

FUZZ_BOOTCFG_GEN := $(BUILD)/fuzz/gen

SRCS_fuzz_bootcfg   := kernel/bootcfg.c kernel/bootcfg_check.c kernel/bootcfg_print.c \
	kernel/bootcfg_policy.c net/fw.c net/fw_text.c \
	kernel/fmt.c $(HOST_LIBFDT_SRCS) \
	$(FUZZ_BOOTCFG_GEN)/bootcfg_seed.c
CFLAGS_fuzz_bootcfg := $(HOST_LIBFDT_INC)

$(FUZZ_BOOTCFG_GEN)/bootcfg_seed.dtb: tests/unit/data/bootcfg/full.dts \
		tests/unit/data/bootcfg/ca.pem
	@mkdir -p $(dir $@)
	$(call say,DTC,$@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(FUZZ_BOOTCFG_GEN)/bootcfg_seed.c: $(FUZZ_BOOTCFG_GEN)/bootcfg_seed.dtb
	$(call say,GEN,$@)
	$(Q){ echo '#include <stddef.h>'; \
	  echo 'extern const unsigned char bootcfg_seed[];'; \
	  echo 'extern const size_t bootcfg_seed_len;'; \
	  echo 'const unsigned char bootcfg_seed[] __attribute__((aligned(8))) = {'; \
	  od -An -v -tx1 $< | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; \
	  echo 'const size_t bootcfg_seed_len = sizeof(bootcfg_seed);'; } > $@.tmp
	$(Q)mv $@.tmp $@
