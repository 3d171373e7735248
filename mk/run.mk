# Running Bastion in emulators, and the system tests (included by the top
# Makefile).
#
#   make run                 QEMU -kernel (Multiboot 1), serial console and
#                            QEMU monitor on the terminal (Ctrl-A x quits);
#                            the default config starts two demo containers
#                            (their kernel and images are boot modules)
#   make run ACCEL=kvm       the same under KVM with the host CPU (-cpu host)
#   make run EMU=bochs       the ISO in Bochs (corei7_skylake_x: VT-x + EPT),
#                            console output on the terminal (no input yet),
#                            Ctrl-C quits
#   make run-iso [UEFI=1]    the ISO in QEMU under SeaBIOS (or OVMF)
#   make run-pxe             $(BUILD)/pxe over QEMU's TFTP and iPXE (BIOS:
#                            iPXE loads Multiboot kernels only there)
#   make check-system        the system tests (tests/system, pytest)
#
# SMP, MEM, CMDLINE apply to all of them; the ISO and PXE runs use media
# built with CMDLINE.

RUN_QEMU  := tools/run-qemu.py
RUN_BOCHS := tools/run-bochs.py
UEFI      ?=
RUN_QEMU_ARGS = --smp $(SMP) --mem $(MEM) --accel $(ACCEL)

ifeq ($(filter qemu bochs,$(EMU)),)
run: ; $(error EMU=$(EMU): choose qemu or bochs)
else ifeq ($(EMU)-$(ACCEL),bochs-kvm)
run: ; $(error ACCEL=kvm is for EMU=qemu; Bochs always emulates)
else ifeq ($(filter tcg kvm,$(ACCEL)),)
run: ; $(error ACCEL=$(ACCEL): choose tcg or kvm)
else
run: run-$(EMU)
endif

run-qemu: $(BUILD)/bastion.elf $(BUILD)/bootcfg.dtb $(DEMO_FILES) | deps
	$(RUN_QEMU) $(RUN_QEMU_ARGS) --kernel $(BUILD)/bastion.elf \
		--module $(BUILD)/bootcfg.dtb bootcfg \
		$(foreach m,$(DEMO_MODULES),--module $(subst :, ,$(m))) \
		--append $(call media_shq,$(CMDLINE))

run-bochs: $(ISO) | deps
	$(RUN_BOCHS) --iso $(ISO) --smp $(SMP) --mem $(MEM)

run-iso: $(ISO) | deps
	$(RUN_QEMU) $(RUN_QEMU_ARGS) --iso $(ISO) $(if $(UEFI),--uefi)

run-pxe: $(PXE_DIR)/boot.ipxe | deps
	$(RUN_QEMU) $(RUN_QEMU_ARGS) --pxe $(PXE_DIR)

# The tests build what they need through make themselves (one BUILD, passed
# as BASTION_BUILD); building it here first keeps those calls no-ops.
check-system: $(BUILD)/bastion.elf $(BUILD)/bootcfg.dtb $(TEST_ISO) \
		$(TEST_PXE_DIR)/boot.ipxe | deps
	BASTION_BUILD=$(BUILD) $(PYTEST) -v tests/system

.PHONY: run run-qemu run-bochs run-iso run-pxe check-system
