# The log ring (kernel/logring.c), which formats with kernel/fmt.c.
SRCS_test_logring := kernel/logring.c kernel/fmt.c
