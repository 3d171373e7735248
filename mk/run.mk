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

# Remote management in `make run`: with the default config, a throw-away
# operator CA, an admin certificate and the host's certificate are made in
# $(BUILD)/run-pki (once; delete the folder for new ones), the config gets
# them (boot/config/run.dts), and QEMU forwards 127.0.0.1:$(RUN_MGMT_PORT) to
# the management port. A CONFIG of your own is booted as it is.
RUN_MGMT_PORT ?= 4443
RUN_PKI       := $(BUILD)/run-pki
ifeq ($(CONFIG),boot/config/default.dts)
RUN_DTB := $(BUILD)/run.dtb
else
RUN_DTB := $(BUILD)/bootcfg.dtb
endif
RUN_CTL := $(BASTIONCTL) --host 127.0.0.1:$(RUN_MGMT_PORT) --cert $(RUN_PKI)/admin/cert.pem \
	--key $(RUN_PKI)/admin/key.pem --ca $(RUN_PKI)/ca/ca.pem

$(RUN_PKI)/.stamp: $(BASTIONCTL)
	$(call say,PKI,$(RUN_PKI))
	$(Q)rm -rf $(RUN_PKI) && mkdir -p $(RUN_PKI)
	$(Q)cd $(RUN_PKI) && B=$(abspath $(BASTIONCTL)) && \
	  $$B pki ca --out ca >/dev/null && \
	  $$B pki client --ca ca --name operator --role admin --out admin >/dev/null && \
	  $$B pki client --ca ca --name viewer --role read-only --out read-only >/dev/null && \
	  $$B pki host --ca ca --name localhost --ip 127.0.0.1 --out host >/dev/null
	$(Q)touch $@

$(BUILD)/run.dtb: boot/config/run.dts boot/config/default.dts $(RUN_PKI)/.stamp | deps
	$(call say,DTC,$@)
	$(Q)dtc -q -i boot/config -i $(RUN_PKI) -I dts -O dtb -o $@ $<

run-qemu: $(BUILD)/bastion.elf $(RUN_DTB) $(DEMO_FILES) $(BASTIONCTL) | deps
	@echo "Remote management (mutual TLS, throw-away certificates in $(RUN_PKI)),"
	@echo "once the console says \"remote: JSON-RPC over mutual TLS\", from another terminal:"
	@echo "  $(RUN_CTL) host info"
	@echo "  (then vm ls, vm logs demo-b, fw get demo-b, switch ports; bastionctl --help)"
	$(RUN_QEMU) $(RUN_QEMU_ARGS) --kernel $(BUILD)/bastion.elf \
		--module $(RUN_DTB) bootcfg \
		$(foreach m,$(DEMO_MODULES),--module $(subst :, ,$(m))) \
		--append $(call media_shq,$(CMDLINE)) -- \
		-netdev user,id=n0,hostfwd=tcp:127.0.0.1:$(RUN_MGMT_PORT)-10.0.2.15:4443 \
		-device virtio-net-pci,netdev=n0

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
