# The virtual switch (net/switch.c, net/switch_path.c) with everything
# under it: L2, anti-spoofing, the stateful firewall, policy changes,
# limits.
SRCS_test_switch := net/switch.c net/switch_path.c net/conntrack.c net/fw.c net/fw_text.c \
	net/pkt.c kernel/fmt.c \
	tests/unit/support/net_stubs.c tests/unit/support/net_frames.c
