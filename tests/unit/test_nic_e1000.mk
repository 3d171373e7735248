SRCS_test_nic_e1000 := drivers/e1000_ring.c
