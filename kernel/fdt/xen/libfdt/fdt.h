/* Xen's libfdt.h includes <xen/libfdt/fdt.h>: this name leads to libfdt's
 * own fdt.h, which sits beside libfdt.h in the build tree. */
#include <fdt.h>
