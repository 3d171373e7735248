# The 4-level guest page walk over a fake guest memory.
SRCS_test_gwalk := vmm/gwalk.c
