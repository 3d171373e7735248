# The whole switch path (parse, anti-spoofing, L2, firewall, conntrack)
# on a fixed topology, frames on random ports, configuration changes.
SRCS_fuzz_switch := net/switch.c net/switch_path.c net/conntrack.c net/fw.c net/fw_text.c \
	net/pkt.c kernel/fmt.c \
	tests/unit/support/net_stubs.c
