# The ELF64 guest loader over a fake guest memory, against a model of
# its documented checks.
SRCS_fuzz_loader := vmm/loader.c kernel/fmt.c
