# In-memory image tree of bastion-mkimage (tools/mkimage/tree.c).
SRCS_test_mkimage_tree   := tools/mkimage/tree.c
CFLAGS_test_mkimage_tree := -Wshadow -Wstrict-prototypes -Wmissing-prototypes
