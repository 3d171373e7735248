# The virtio-pci devices over a fake guest RAM: guest RAM contents and a
# sequence of config/BAR accesses, kicks and received frames.
SRCS_fuzz_virtq := vmm/dev/pci.c vmm/dev/virtqueue.c vmm/dev/virtio_pci.c \
	vmm/dev/virtio_net.c vmm/dev/virtio_rng.c vmm/dev/virtio_console.c \
	tests/unit/support/fake_gm.c tests/unit/support/virtio_drv.c
