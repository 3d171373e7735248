SRCS_test_ns16550 := vmm/dev/ns16550.c
