# The virtio-pci transport, virtio-net, virtio-rng and virtio-console (vmm/dev/virtio_*.c)
# driven through the PCI bus as Linux's virtio_pci_modern does, and as a
# hostile guest would.
SRCS_test_virtio   := vmm/dev/pci.c vmm/dev/virtqueue.c vmm/dev/virtio_pci.c \
	vmm/dev/virtio_net.c vmm/dev/virtio_rng.c vmm/dev/virtio_console.c \
	tests/unit/support/fake_gm.c tests/unit/support/virtio_drv.c
CFLAGS_test_virtio := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
