SRCS_test_vlapic := vmm/dev/vlapic.c
