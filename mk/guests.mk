# Test guests (tests/guests/): tiny freestanding ELF64 programs the
# hypervisor boots as VMs, and the media that carry them.
#
#   $(BUILD)/guests/NAME.elf         one per tests/guests/NAME.c (not lib.c)
#   $(BUILD)/test/vmtest.iso         kernel + tests/guests/vmtest.dts + guests
#   $(BUILD)/test/bench.iso          kernel + tests/guests/bench.dts + bench

GUEST_NAMES := $(filter-out lib,$(patsubst tests/guests/%.c,%,$(wildcard tests/guests/*.c)))
GUEST_ELFS  := $(addprefix $(BUILD)/guests/,$(addsuffix .elf,$(GUEST_NAMES)))
GUEST_RT    := tests/guests/crt0.S tests/guests/lib.c kernel/fmt.c kernel/libc/string.c
# General registers only: SSE before the guest enables it would fault.
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic -fno-pie -static \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-isystem kernel/libc/include -I. -Itests/guests -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wl,-T,tests/guests/guest.ld -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -no-pie

$(BUILD)/guests/%.elf: tests/guests/%.c $(GUEST_RT) tests/guests/guest.h tests/guests/guest.ld
	@mkdir -p $(dir $@)
	$(call say,GUEST,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -o $@ $< $(GUEST_RT)

guests: $(GUEST_ELFS)

$(BUILD)/test/%.dtb: tests/guests/%.dts | deps
	@mkdir -p $(dir $@)
	$(call say,DTC,$@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

# Throw-away certificates for the remote management tests: an operator CA
# with an admin and a read-only client, the host's certificate (for
# localhost and 127.0.0.1, where QEMU forwards the management port), and
# a second CA with a client of its own, and an admin certificate of the
# right CA that expired in 2021 (made with openssl ca): the host must
# refuse both.
TEST_PKI := $(BUILD)/test/pki
$(TEST_PKI)/.stamp: $(BUILD)/host/bastionctl
	$(call say,PKI,$(TEST_PKI))
	$(Q)rm -rf $(TEST_PKI) && mkdir -p $(TEST_PKI)
	$(Q)cd $(TEST_PKI) && B=$(abspath $(BUILD)/host/bastionctl) && \
	  $$B pki ca --out ca >/dev/null && \
	  $$B pki client --ca ca --name alice --role admin --out admin >/dev/null && \
	  $$B pki client --ca ca --name bob --role read-only --out ro >/dev/null && \
	  $$B pki host --ca ca --name localhost --ip 127.0.0.1 --out host >/dev/null && \
	  $$B pki ca --out other-ca >/dev/null && \
	  $$B pki client --ca other-ca --name mallory --role admin --out other >/dev/null
	$(Q)cd $(TEST_PKI) && mkdir -p expired/db && touch expired/db/index.txt && \
	  echo 01 > expired/db/serial && \
	  printf '%s\n' '[ca]' 'default_ca=c' '[c]' 'database=expired/db/index.txt' \
	    'serial=expired/db/serial' 'new_certs_dir=expired/db' 'default_md=sha256' \
	    'policy=p' 'x509_extensions=e' 'unique_subject=no' '[p]' 'commonName=supplied' \
	    'organizationName=optional' 'organizationalUnitName=optional' '[e]' \
	    'basicConstraints=CA:FALSE' 'extendedKeyUsage=clientAuth' > expired/ca.cnf && \
	  openssl ecparam -name prime256v1 -genkey -noout -out expired/key.pem && \
	  openssl req -new -key expired/key.pem -subj /CN=eve/O=Bastion/OU=admin \
	    -out expired/req.csr && \
	  openssl ca -batch -config expired/ca.cnf -cert ca/ca.pem -keyfile ca/ca-key.pem \
	    -in expired/req.csr -out expired/cert.pem -startdate 20200101000000Z \
	    -enddate 20210101000000Z -notext 2>/dev/null
	$(Q)touch $@

$(BUILD)/test/remote.dtb $(BUILD)/test/remote-selfsigned.dtb: $(BUILD)/test/%.dtb: \
		tests/guests/%.dts $(TEST_PKI)/.stamp | deps
	$(call say,DTC,$@)
	$(Q)dtc -q -i $(TEST_PKI) -I dts -O dtb -o $@ $<

# An ISO carrying the kernel, a test boot config and every guest as a
# module named guest-NAME; the kernel command line is VMTEST_CMDLINE.
VMTEST_CMDLINE ?= test.exit test.timeout=8 test.heartbeat
$(BUILD)/test/%.iso: $(BUILD)/test/%.dtb $(BUILD)/bastion.elf $(GUEST_ELFS) mk/guests.mk | deps
	@rm -rf $@.root && mkdir -p $@.root/boot/grub
	cp $(BUILD)/bastion.elf $@.root/boot/
	cp $< $@.root/boot/bootcfg.dtb
	cp $(GUEST_ELFS) $@.root/boot/
	{ echo 'serial --unit=0 --speed=115200'; \
	  echo 'terminal_input serial console'; echo 'terminal_output serial console'; \
	  echo 'set timeout=0'; echo 'menuentry "Bastion VM test" {'; \
	  echo '	multiboot2 /boot/bastion.elf $(VMTEST_CMDLINE)'; \
	  echo '	module2 /boot/bootcfg.dtb bootcfg'; \
	  $(foreach g,$(GUEST_NAMES),echo '	module2 /boot/$(g).elf guest-$(g)';) \
	  echo '	boot'; echo '}'; } > $@.root/boot/grub/grub.cfg
	grub-mkrescue --output=$@.tmp --locales= --fonts= --themes= \
		$@.root -- -volid BASTION >$@.log 2>&1 || { cat $@.log >&2; exit 1; }
	@mv $@.tmp $@

.PHONY: guests

# The VM test config under QEMU (AMD-V): make run-vmtest [CMDLINE=...]
run-vmtest: $(BUILD)/bastion.elf $(BUILD)/test/vmtest.dtb $(GUEST_ELFS) | deps
	$(RUN_QEMU) $(RUN_QEMU_ARGS) --kernel $(BUILD)/bastion.elf \
		--module $(BUILD)/test/vmtest.dtb bootcfg \
		$(foreach g,$(GUEST_NAMES),--module $(BUILD)/guests/$(g).elf guest-$(g)) \
		--append $(call media_shq,$(CMDLINE))

.PHONY: run-vmtest
