# The frame parser on arbitrary bytes.
SRCS_fuzz_pkt := net/pkt.c
