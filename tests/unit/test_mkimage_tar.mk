# Tar reader of bastion-mkimage (tools/mkimage/tar.c).
SRCS_test_mkimage_tar   := tools/mkimage/tar.c
CFLAGS_test_mkimage_tar := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
