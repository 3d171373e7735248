# RPC console core (kernel/rpc.c) with the JSON codec and the kernel's
# printf, against host stubs of the log and the heap. The kernel's extra
# warnings apply here too.
SRCS_test_rpc   := kernel/rpc.c kernel/json.c kernel/json_write.c kernel/fmt.c \
	tests/unit/support/rpc_stubs.c
CFLAGS_test_rpc := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
