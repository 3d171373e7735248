# newc writer and run configuration of bastion-mkimage (tools/mkimage/cpio.c,
# config.c; the tree builds the archives written).
SRCS_test_mkimage_cpio   := tools/mkimage/cpio.c tools/mkimage/config.c tools/mkimage/tree.c
CFLAGS_test_mkimage_cpio := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
