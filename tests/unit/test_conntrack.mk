# Connection tracking (net/conntrack.c): TCP states, pseudo-connections,
# timeouts, the table-full policy, the fragment table.
SRCS_test_conntrack := net/conntrack.c net/pkt.c net/fw.c net/fw_text.c kernel/fmt.c \
	tests/unit/support/net_stubs.c tests/unit/support/net_frames.c
