# The MMIO instruction decoder, against reference encodings that the
# assembler makes at build time (test_decode.S).
SRCS_test_decode := vmm/decode.c tests/unit/test_decode.S
