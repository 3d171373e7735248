# Firewall policies (net/fw.c, net/fw_text.c): field edges, priority,
# labels, text form, allocation failures, and the classifier against a
# linear scan.
SRCS_test_fw := net/fw.c net/fw_text.c net/pkt.c kernel/fmt.c \
	tests/unit/support/net_stubs.c tests/unit/support/net_frames.c
