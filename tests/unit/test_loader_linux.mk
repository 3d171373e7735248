# The Linux bzImage loader over a fake guest memory (synthetic setup
# headers; Debian's kernel too when build/guest-kernel/vmlinuz exists).
SRCS_test_loader_linux := vmm/loader_linux.c vmm/loader.c vmm/mptable.c vmm/gwalk.c kernel/fmt.c
