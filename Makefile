# Bastion: a minimal type-1 hypervisor for x86_64.
#
#   make run      build and boot Bastion in QEMU (EMU=bochs, ACCEL=kvm)
#   make check    every test: unit (host, ASan+UBSan), lint, system (emulators)
#   make iso pxe  boot media: hybrid BIOS/UEFI ISO (also a USB image), PXE folder
#
# Both run/check install missing Debian packages first (tools/deps.sh).

BUILD   ?= build
EMU     ?= qemu
ACCEL   ?= tcg
SMP     ?= 2
MEM     ?= 1024M
CONFIG  ?= boot/config/default.dts
CMDLINE ?=

CC      := gcc
V       ?= 0
ifeq ($(V),0)
Q = @
say = @echo "  $(1)	$(2)"
else
Q =
say =
endif
HOSTCC  := gcc
PYTEST  := pytest-3

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
SHELL := /bin/bash

# ---------------------------------------------------------------- kernel flags
# No red zone (interrupts push on the current stack), no SSE/x87 (guest FPU
# state is never clobbered by the host), kernel code model, canaries from a
# global guard seeded at boot, frame pointers for backtraces; stack clash
# protection probes every page of a frame larger than one, so an overflow
# hits the guard page below each stack instead of jumping over it (one
# frame, vm_create's, is over 4 KiB).
KGENFLAGS := -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -mcmodel=kernel -fno-omit-frame-pointer \
	-fno-optimize-sibling-calls \
	-fstack-protector-strong -mstack-protector-guard=global -fstack-clash-protection \
	-fno-strict-aliasing -fno-common -fno-asynchronous-unwind-tables \
	-fcf-protection=none -mno-80387 -mno-mmx -mno-sse -mno-sse2 -O2 -g
KSYSINC   := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-isystem kernel/libc/include
KWARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
KCFLAGS   := -std=gnu11 $(KGENFLAGS) $(KSYSINC) -I. -I$(BUILD)/gen $(KWARN)
KASFLAGS  := $(KGENFLAGS) $(KSYSINC) -I. -I$(BUILD)/gen -D__ASSEMBLY__
KLDFLAGS  := -nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,-T,linker.ld -no-pie

# ---------------------------------------------------------------- sources
KDIRS := boot kernel kernel/libc arch/x86_64 arch/x86_64/vmx arch/x86_64/svm drivers vmm vmm/dev net
# In a git checkout, the sources git tracks (work in progress that is not
# added yet stays out of the image); elsewhere, every file.
KSRCS_ALL := $(sort $(foreach d,$(KDIRS),$(wildcard $(d)/*.c $(d)/*.S)))
ifneq ($(wildcard .git),)
KSRCS_ALL := $(filter $(shell git ls-files --cached $(KDIRS) 2>/dev/null),$(KSRCS_ALL))
endif
KSRCS := $(filter-out arch/x86_64/asm_offsets.c,$(KSRCS_ALL))
KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS))

# Third-party libraries (lwIP, mbedtls, libfdt): fetched as Debian source
# packages into $(BUILD)/src, built with the kernel's flags into archives.
# Defines TP_LIBS (archives), TP_KINC (include flags for the adapters) and
# HOST_LIBFDT_SRCS (for host unit tests of the boot config).
TP_SRC := $(BUILD)/src
include mk/third_party.mk

all: $(BUILD)/bastion.elf $(BUILD)/bootcfg.dtb

$(TP_SRC)/.stamp: tools/fetch-src.sh | deps
	tools/fetch-src.sh $(TP_SRC)

$(BUILD)/k/%.c.o: %.c | $(TP_SRC)/.stamp $(BUILD)/gen/asm_offsets.h
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) $(TP_KINC) -MMD -MP -c $< -o $@

$(BUILD)/k/%.S.o: %.S | $(BUILD)/gen/asm_offsets.h
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(KASFLAGS) -MMD -MP -c $< -o $@

# Structure offsets for assembly, generated from C (STYLE: never by hand).
$(BUILD)/gen/asm_offsets.h: arch/x86_64/asm_offsets.c $(wildcard arch/x86_64/*.h arch/x86_64/*/*.h kernel/*.h)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)$(CC) $(KCFLAGS) -S $< -o $@.s
	$(Q)sed -n 's/.*@@ASM@@ \([A-Z0-9_]*\) \$$\?\([0-9-]*\).*/#define \1 \2/p' $@.s > $@.tmp
	$(Q)mv $@.tmp $@

# Two links: the second embeds the first's text symbols for readable
# backtraces. The table sits after all text, so text does not move.
$(BUILD)/bastion.elf: $(KOBJS) $(TP_LIBS) linker.ld tools/gen-ksyms.sh tools/check-image.sh
	$(call say,LD,$@)
	$(Q)tools/gen-ksyms.sh /dev/null > $(BUILD)/ksyms0.S
	$(Q)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms0.S -o $(BUILD)/ksyms0.o
	$(Q)$(CC) $(KLDFLAGS) -o $@.pass1 $(KOBJS) $(BUILD)/ksyms0.o $(TP_LIBS)
	$(Q)tools/gen-ksyms.sh $@.pass1 > $(BUILD)/ksyms.S
	$(Q)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(Q)$(CC) $(KLDFLAGS) -Wl,-Map=$(BUILD)/bastion.map -o $@ $(KOBJS) $(BUILD)/ksyms.o $(TP_LIBS)
	$(Q)tools/check-image.sh $@
	$(Q)cmp -s <(nm $@.pass1 | grep -i ' t ') <(nm $@ | grep -i ' t ') || \
		{ echo "ksyms: text moved between links"; rm -f $@; exit 1; }

$(BUILD)/%.dtb: boot/config/%.dts | deps
	@mkdir -p $(dir $@)
	$(call say,DTC,$@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(BUILD)/bootcfg.dtb: $(CONFIG) | deps
	@mkdir -p $(dir $@)
	$(call say,DTC,$@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

-include $(KOBJS:.o=.d)

# ---------------------------------------------------------------- guests
# Container images, the guest kernel and init; the demo containers' boot
# modules that the media and `make run` carry.
include mk/images.mk

# ---------------------------------------------------------------- boot media
include mk/media.mk

# ---------------------------------------------------------------- run
# bastionctl, the management client (mk/bastionctl.mk): `make run` makes
# throw-away certificates with it.
include mk/bastionctl.mk
include mk/run.mk

# ---------------------------------------------------------------- tests
include mk/guests.mk
include mk/tests.mk
include mk/fuzz.mk
include mk/bench.mk
# The classifier comparison with DPDK (mk/bench_acl.mk); the RPC console's
# round trips, handshakes and uploads (mk/bench_rpc.mk).
-include mk/bench_acl.mk
include mk/bench_rpc.mk

deps:
	@tools/deps.sh

clean:
	rm -rf $(BUILD)

.PHONY: all deps clean run check
