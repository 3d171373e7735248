# The Linux bzImage and Multiboot 1 loaders over a bounded fake guest
# memory.
SRCS_fuzz_linux := vmm/loader_linux.c vmm/loader_mb1.c vmm/loader.c vmm/mptable.c kernel/fmt.c
