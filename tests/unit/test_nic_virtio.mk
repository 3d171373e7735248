SRCS_test_nic_virtio := drivers/virtio_net_ring.c
