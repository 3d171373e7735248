# Containers as micro-VM images (issue 5).
#
#   make bastion-mkimage   the host tool: $(BUILD)/host/bastion-mkimage
#   make guest-init        the guest's PID 1: $(BUILD)/guest/init (static)
#   make guest-kernel      Debian's kernel + virtio modules: $(BUILD)/guest-kernel/
#   make images            test images: $(BUILD)/images/NAME.cpio
#   make check-images      boots each test image on QEMU (no Bastion) and
#                          checks its output and exit status
#   make run-direct IMAGE=hello [APPEND="bastion.ip=..."]
#
# Test images come from an OCI layout that umoci builds from busybox-static
# (tests/images/mkoci.sh); docker-hello from the same layers wrapped as a
# `docker save` archive, rootfs-hello from a plain directory.

MKIMAGE      := $(BUILD)/host/bastion-mkimage
GUEST_INIT   := $(BUILD)/guest/init
GUEST_KERNEL := $(BUILD)/guest-kernel
IMAGES_DIR   := $(BUILD)/images
OCI_IMAGES   := hello exit3 net panic layers user sleeper web db other spoof demo-a demo-b \
	mgmtprobe chatty
IMAGES       := $(addprefix $(IMAGES_DIR)/,$(addsuffix .cpio,$(OCI_IMAGES) docker-hello rootfs-hello))

MKIMAGE_SRCS := tools/mkimage/main.c tools/mkimage/tar.c tools/mkimage/tree.c \
	tools/mkimage/cpio.c tools/mkimage/oci.c tools/mkimage/config.c \
	tools/mkimage/sha256.c kernel/json.c
MKIMAGE_CFLAGS := -std=gnu11 -O2 -g -I. -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -D_FORTIFY_SOURCE=2 \
	-fstack-protector-strong

$(MKIMAGE): $(MKIMAGE_SRCS) $(wildcard tools/mkimage/*.h) kernel/json.h mk/images.mk | deps
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(MKIMAGE_CFLAGS) -o $@ $(MKIMAGE_SRCS) -lz

# glibc static is fine for one program that never resolves names.
$(GUEST_INIT): tools/guest-init/init.c tools/mkimage/config.c tools/mkimage/config.h mk/images.mk | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(HOSTCC) -std=gnu11 -static -Os -s -I. -Wall -Wextra -Werror \
		-Wno-unused-parameter -o $@ tools/guest-init/init.c tools/mkimage/config.c

$(GUEST_KERNEL)/vmlinuz $(GUEST_KERNEL)/modules/modules.order &: tools/fetch-guest-kernel.sh | deps
	$(call say,FETCH,$(GUEST_KERNEL))
	$(Q)tools/fetch-guest-kernel.sh $(GUEST_KERNEL)

$(IMAGES_DIR)/oci/index.json: tests/images/mkoci.sh | deps
	@mkdir -p $(IMAGES_DIR)
	$(call say,UMOCI,$(IMAGES_DIR)/oci)
	$(Q)tests/images/mkoci.sh $(IMAGES_DIR)/oci >$(IMAGES_DIR)/oci.log 2>&1 || \
		{ cat $(IMAGES_DIR)/oci.log; exit 1; }

IMAGE_DEPS := $(MKIMAGE) $(GUEST_INIT) $(GUEST_KERNEL)/modules/modules.order
IMAGE_ARGS := --init $(GUEST_INIT) --modules $(GUEST_KERNEL)/modules

$(addprefix $(IMAGES_DIR)/,$(addsuffix .cpio,$(OCI_IMAGES))): $(IMAGES_DIR)/%.cpio: \
		$(IMAGES_DIR)/oci/index.json $(IMAGE_DEPS)
	$(call say,MKIMAGE,$@)
	$(Q)$(MKIMAGE) --oci $(IMAGES_DIR)/oci:$* $(IMAGE_ARGS) -o $@

$(IMAGES_DIR)/docker-hello.tar: $(IMAGES_DIR)/oci/index.json tests/images/oci2docker.py
	$(call say,GEN,$@)
	$(Q)/usr/bin/python3 tests/images/oci2docker.py $(IMAGES_DIR)/oci hello bastion/hello:latest $@

$(IMAGES_DIR)/docker-hello.cpio: $(IMAGES_DIR)/docker-hello.tar $(IMAGE_DEPS)
	$(call say,MKIMAGE,$@)
	$(Q)$(MKIMAGE) --docker-archive $< $(IMAGE_ARGS) -o $@

$(IMAGES_DIR)/rootfs-hello.cpio: tests/images/mkrootfs.sh $(IMAGE_DEPS)
	$(call say,MKIMAGE,$@)
	$(Q)tests/images/mkrootfs.sh $(IMAGES_DIR)/rootfs-hello
	$(Q)$(MKIMAGE) --rootfs $(IMAGES_DIR)/rootfs-hello $(IMAGE_ARGS) \
		--entrypoint /bin/sh --cmd -c --cmd 'cat /srv/msg-link' -o $@

bastion-mkimage: $(MKIMAGE)
guest-init: $(GUEST_INIT)
guest-kernel: $(GUEST_KERNEL)/vmlinuz
images: $(IMAGES)

RUN_DIRECT := /usr/bin/python3 tools/run-direct.py --kernel $(GUEST_KERNEL)/vmlinuz --quiet
NET_APPEND := bastion.ip=10.0.2.15/24 bastion.gw=10.0.2.2 bastion.dns=10.0.2.3 bastion.hostname=box1

# Each boot is ~20 s under TCG.
check-images: $(IMAGES) $(GUEST_KERNEL)/vmlinuz
	@fail=0; run() { n=$$1; shift; echo "== $$n"; \
		$(RUN_DIRECT) --initrd $(IMAGES_DIR)/$$n.cpio --log $(IMAGES_DIR)/$$n.log "$$@" || \
		{ echo "FAILED: $$n (console in $(IMAGES_DIR)/$$n.log)"; fail=1; }; }; \
	run hello --expect 0 --expect-output 'hello from a container'; \
	run exit3 --expect 3; \
	run layers --expect 0 --expect-output 'layers ok'; \
	run user --expect 0 --expect-output 'uid=1000(user) gid=1000(user)'; \
	run docker-hello --expect 0 --expect-output 'hello from a container'; \
	run rootfs-hello --expect 0 --expect-output 'hello from a rootfs'; \
	run net --expect 0 --append '$(NET_APPEND)' --expect-output 'inet 10.0.2.15/24' \
		--expect-output 'default via 10.0.2.2' --expect-output 'nameserver 10.0.2.3' \
		--expect-output 'hostname=box1'; \
	run panic --expect-output 'Kernel panic'; \
	exit $$fail

IMAGE ?= hello
APPEND ?=
run-direct: $(IMAGES_DIR)/$(IMAGE).cpio $(GUEST_KERNEL)/vmlinuz
	/usr/bin/python3 tools/run-direct.py --kernel $(GUEST_KERNEL)/vmlinuz \
		--initrd $< --append '$(APPEND)'

.PHONY: bastion-mkimage guest-init guest-kernel images check-images run-direct

# The container test ISO for Bochs (VT-x): the kernel, tests/guests/
# container.dts, Debian's kernel and the hello image.
CONTAINER_CMDLINE ?= test.exit test.timeout=1200
$(BUILD)/test/container.iso: $(BUILD)/test/container.dtb $(BUILD)/bastion.elf \
		$(GUEST_KERNEL)/vmlinuz $(IMAGES_DIR)/hello.cpio mk/images.mk | deps
	@rm -rf $@.root && mkdir -p $@.root/boot/grub
	cp $(BUILD)/bastion.elf $(GUEST_KERNEL)/vmlinuz $@.root/boot/
	cp $< $@.root/boot/bootcfg.dtb
	cp $(IMAGES_DIR)/hello.cpio $@.root/boot/hello.cpio
	{ echo 'serial --unit=0 --speed=115200'; \
	  echo 'terminal_input serial console'; echo 'terminal_output serial console'; \
	  echo 'set timeout=0'; echo 'menuentry "Bastion container test" {'; \
	  echo '	multiboot2 /boot/bastion.elf $(CONTAINER_CMDLINE)'; \
	  echo '	module2 /boot/bootcfg.dtb bootcfg'; \
	  echo '	module2 /boot/vmlinuz vmlinuz'; \
	  echo '	module2 /boot/hello.cpio hello'; \
	  echo '	boot'; echo '}'; } > $@.root/boot/grub/grub.cfg
	grub-mkrescue --output=$@.tmp --locales= --fonts= --themes= \
		$@.root -- -volid BASTION >$@.log 2>&1 || { cat $@.log >&2; exit 1; }
	@mv $@.tmp $@

# What the default boot config's VMs need (boot/config/default.dts): the
# guest kernel and the two demo images, as boot modules for make run and
# on the ISO and PXE media.
DEMO_MODULES := $(GUEST_KERNEL)/vmlinuz:vmlinuz $(IMAGES_DIR)/demo-a.cpio:demo-a \
	$(IMAGES_DIR)/demo-b.cpio:demo-b
DEMO_FILES   := $(foreach m,$(DEMO_MODULES),$(firstword $(subst :, ,$(m))))
