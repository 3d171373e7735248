# The CPUID filter against an all-ones host and a typical Intel host.
SRCS_test_cpuid := vmm/cpuid.c
