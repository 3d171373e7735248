# PCI bus 0 (vmm/dev/pci.c): conf1 ports, config space masks, BAR sizing
# and routing, capabilities. The kernel's extra warnings apply.
SRCS_test_pci   := vmm/dev/pci.c vmm/iobus.c
CFLAGS_test_pci := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
