# The kernel's printf (kernel/fmt.c), compared with the host C library's.
SRCS_test_fmt := kernel/fmt.c
