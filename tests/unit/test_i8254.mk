SRCS_test_i8254 := vmm/dev/i8254.c
