SRCS_test_pcdevs := vmm/dev/mc146818.c vmm/dev/i8042.c vmm/dev/i8259.c
