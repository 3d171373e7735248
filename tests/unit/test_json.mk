# Strict JSON parser and writer (kernel/json.c). The kernel's extra
# warnings apply here too.
SRCS_test_json   := kernel/json.c
CFLAGS_test_json := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
