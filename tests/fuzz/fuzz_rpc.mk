# The RPC console's whole request path: framing, dispatch, core methods.
# Smaller response and scratch buffers than the kernel's, so that the
# "result too large" and log.tail truncation paths are cheap to reach.
SRCS_fuzz_rpc   := kernel/rpc.c kernel/json.c kernel/json_write.c kernel/fmt.c \
	tests/unit/support/rpc_stubs.c
CFLAGS_fuzz_rpc := -DRPC_RESPONSE_MAX=16384 -DRPC_SCRATCH_MAX=16384
