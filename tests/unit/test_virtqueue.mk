# Split virtqueues (vmm/dev/virtqueue.c) over a fake guest RAM: chains,
# copies, used ring, and every malformed ring a guest can build.
SRCS_test_virtqueue   := vmm/dev/virtqueue.c tests/unit/support/fake_gm.c
CFLAGS_test_virtqueue := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
