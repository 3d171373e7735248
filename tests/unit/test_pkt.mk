# Frame parser (net/pkt.c): valid frames, every malformation, truncation
# at every length, random corruption. The frame builder needs the
# firewall's address parser (fw_text.c), and fw.c the heap stubs.
SRCS_test_pkt := net/pkt.c net/fw.c net/fw_text.c kernel/fmt.c \
	tests/unit/support/net_stubs.c tests/unit/support/net_frames.c
