# The MP table builder, parsed back the way Linux's mpparse.c reads it.
SRCS_test_mptable := vmm/mptable.c
