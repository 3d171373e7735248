# Port-I/O and MMIO bus registration and lookup.
SRCS_test_iobus := vmm/iobus.c
