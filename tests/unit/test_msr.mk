# The MSR allow-list, XSETBV and CR0/CR4 writes, over a fake back end
# (the test defines vmm).
SRCS_test_msr := vmm/msr.c vmm/dev/vlapic.c
