# What the host parses when it fetches an image (kernel/http.c).
SRCS_test_http   := kernel/http.c kernel/fmt.c
CFLAGS_test_http := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
