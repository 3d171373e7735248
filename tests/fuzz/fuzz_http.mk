# The HTTP response heads and URLs the host parses when it fetches images
# (kernel/http.c): a web server controls every byte of the head.
SRCS_fuzz_http := kernel/http.c kernel/fmt.c
