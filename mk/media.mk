# Boot media (included by the top Makefile).
#
#   make iso    $(BUILD)/bastion.iso: hybrid GRUB image, BIOS and UEFI, CD or
#               raw on a USB stick (dd if=build/bastion.iso of=/dev/sdX)
#   make pxe    $(BUILD)/pxe/: kernel, boot config and an iPXE script to serve
#               over TFTP (see the README written into it)
#   make test-media   the same two with the system tests' command line
#               baked in: $(BUILD)/test/bastion-test.iso, $(BUILD)/test/pxe/
#
# Real and test media come from one recipe each; they differ only in the
# kernel command line (CMDLINE, TEST_CMDLINE) and GRUB's menu timeout.

TEST_CMDLINE ?= test.exit test.fault=ud

ISO          := $(BUILD)/bastion.iso
PXE_DIR      := $(BUILD)/pxe
TEST_ISO     := $(BUILD)/test/bastion-test.iso
TEST_PXE_DIR := $(BUILD)/test/pxe

MEDIA_IN     := $(BUILD)/bastion.elf $(BUILD)/bootcfg.dtb mk/media.mk

# Per-variant settings, read by the shared recipes below.
$(ISO) $(PXE_DIR)/boot.ipxe $(BUILD)/media.vars: MEDIA_CMDLINE := $(CMDLINE)
$(ISO) $(PXE_DIR)/boot.ipxe $(BUILD)/media.vars: MEDIA_TIMEOUT := 1
$(TEST_ISO) $(TEST_PXE_DIR)/boot.ipxe $(BUILD)/test/media.vars: MEDIA_CMDLINE := $(TEST_CMDLINE)
$(TEST_ISO) $(TEST_PXE_DIR)/boot.ipxe $(BUILD)/test/media.vars: MEDIA_TIMEOUT := 0
$(ISO) $(PXE_DIR)/boot.ipxe $(BUILD)/media.vars: MEDIA_MODS := $(DEMO_MODULES)
$(TEST_ISO) $(TEST_PXE_DIR)/boot.ipxe $(BUILD)/test/media.vars: MEDIA_MODS :=
$(ISO) $(PXE_DIR)/boot.ipxe: $(BUILD)/media.vars $(DEMO_FILES)
$(TEST_ISO) $(TEST_PXE_DIR)/boot.ipxe: $(BUILD)/test/media.vars

# $(call media_shq,TEXT): TEXT as one single-quoted shell word.
media_shq = '$(subst ','\'',$(1))'
# A sed script that fills in the templates' @CMDLINE@ and @TIMEOUT@.
media_sed = $(call media_shq,s|@CMDLINE@|$(subst |,\|,$(subst &,\&,$(subst \,\\,$(MEDIA_CMDLINE))))|g;s|@TIMEOUT@|$(MEDIA_TIMEOUT)|g)

# The variant's settings as a file that changes only when they do, so that
# `make iso CMDLINE=...` rebuilds the image and a plain `make iso` does not.
$(BUILD)/media.vars $(BUILD)/test/media.vars: media-force
	@mkdir -p $(@D)
	@printf '%s\n' $(call media_shq,cmdline=$(MEDIA_CMDLINE) timeout=$(MEDIA_TIMEOUT)) >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# grub-mkrescue puts GRUB for i386-pc (El Torito and an MBR for USB sticks)
# and x86_64-efi (an EFI system partition image, also in the hybrid GPT)
# into one ISO 9660 image.
# The boot modules the config's VMs need (MEDIA_MODS: FILE:NAME ...), one
# line each where a template says @MODULES@.
media_mods = for m in $(MEDIA_MODS); do echo "$(1) $(2)$${m\#\#*/}" | sed "s|:| |"; done

$(ISO) $(TEST_ISO): $(MEDIA_IN) boot/media/grub.cfg.in | deps
	@rm -rf $@.root && mkdir -p $@.root/boot/grub
	cp $(BUILD)/bastion.elf $(BUILD)/bootcfg.dtb $(foreach m,$(MEDIA_MODS),$(firstword $(subst :, ,$(m)))) $@.root/boot/
	$(call media_mods,	module2,/boot/) >$@.mods
	sed -e $(media_sed) -e '/@MODULES@/{r $@.mods' -e 'd}' boot/media/grub.cfg.in >$@.root/boot/grub/grub.cfg
	grub-mkrescue --output=$@.tmp --locales= --fonts= --themes= \
		$@.root -- -volid BASTION >$@.log 2>&1 || { cat $@.log >&2; exit 1; }
	@mv $@.tmp $@

# boot.ipxe is written last: it stands for the whole folder.
$(PXE_DIR)/boot.ipxe $(TEST_PXE_DIR)/boot.ipxe: $(MEDIA_IN) boot/media/boot.ipxe.in boot/media/pxe-README.in
	@mkdir -p $(@D)
	cp $(BUILD)/bastion.elf $(BUILD)/bootcfg.dtb $(foreach m,$(MEDIA_MODS),$(firstword $(subst :, ,$(m)))) $(@D)/
	sed -e $(media_sed) boot/media/pxe-README.in >$(@D)/README
	$(call media_mods,module,) >$(@D).mods
	sed -e $(media_sed) -e '/@MODULES@/{r $(@D).mods' -e 'd}' boot/media/boot.ipxe.in >$@.tmp
	@mv $@.tmp $@

iso: $(ISO)
pxe: $(PXE_DIR)/boot.ipxe
test-media: $(TEST_ISO) $(TEST_PXE_DIR)/boot.ipxe

.PHONY: iso pxe test-media media-force
