# The MMIO instruction decoder: bounds, determinism, length and field
# invariants on random code bytes in both modes.
SRCS_fuzz_decode := vmm/decode.c
