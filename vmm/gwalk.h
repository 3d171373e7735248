/* Guest page-table walks, for fetching the instruction behind an exit. */
#ifndef VMM_GWALK_H
#define VMM_GWALK_H

#include <stdint.h>
#include "vmm/loader.h"

/* Translates a guest linear address through 4-level paging rooted at
 * cr3 (long mode). Returns 0 and *gpa, or -EFAULT (not present, or a
 * table outside guest RAM). Pure. */
int gwalk64(const struct guest_mem *gm, uint64_t cr3, uint64_t la, uint64_t *gpa);

#endif
