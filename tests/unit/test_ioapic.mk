SRCS_test_ioapic := vmm/dev/ioapic.c vmm/dev/vlapic.c
