SRCS_test_bootinfo   := boot/bootinfo.c kernel/fmt.c
CFLAGS_test_bootinfo := -DBOOTINFO_DATA_DIR=\"tests/unit/data/bootinfo\"
