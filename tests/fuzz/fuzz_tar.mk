# Layer tar reader + image tree + newc writer of bastion-mkimage.
# Seeds in tests/fuzz/corpus/fuzz_tar/ (small tars: ustar, GNU long
# names, pax headers, whiteouts, links), made by tests/images/mkseeds.py.
SRCS_fuzz_tar := tools/mkimage/tar.c tools/mkimage/tree.c tools/mkimage/cpio.c
