# The physical page allocator (kernel/pmm.c).
SRCS_test_pmm := kernel/pmm.c
