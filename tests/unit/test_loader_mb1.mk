# The Multiboot 1 loader over a fake guest memory (synthetic ELF32, ELF64
# and a.out-kludge kernels; Bastion's own kernel when it has been built).
SRCS_test_loader_mb1 := vmm/loader_mb1.c vmm/loader.c vmm/mptable.c kernel/fmt.c
