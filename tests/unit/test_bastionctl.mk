# bastionctl's pure parts (tools/bastionctl/): arguments, help, tables,
# policy files, exit codes, answer framing. net.c and pki.c (mbedtls) are
# left out, so the rule's -lcmocka is all this links.
SRCS_test_bastionctl   := tools/bastionctl/args.c tools/bastionctl/help.c \
	tools/bastionctl/rpc.c tools/bastionctl/fmt.c kernel/json.c kernel/json_write.c
CFLAGS_test_bastionctl := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
