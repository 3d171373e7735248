# The ELF64 guest loader over a fake guest memory; its page tables are
# walked with the guest page walker.
SRCS_test_loader := vmm/loader.c vmm/gwalk.c kernel/fmt.c
