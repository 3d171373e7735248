# Strict JSON parser and writer (kernel/json.c, kernel/json_write.c).
# The kernel's extra warnings apply here too.
SRCS_test_json   := kernel/json.c kernel/json_write.c
CFLAGS_test_json := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
