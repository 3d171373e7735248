/* Our libfdt comes from Xen's source package, whose libfdt.h includes
 * <xen/libfdt/libfdt_env.h>: this name leads to our environment. */
#include "../../libfdt_env.h"
