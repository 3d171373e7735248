/* Host memory: physical pages, the direct map, kernel stacks, MMIO. */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/layout.h"
#include "boot/bootinfo.h"

/* Brings up the page allocator from the boot memory map (kernel image,
 * modules, the boot information block, the first MiB and firmware areas
 * excluded), builds the W^X kernel page tables with the direct map, and
 * loads them. Panics only if memory is too small to run at all. */
void mm_init(const struct boot_info *bi);

/* Zeroed pages. Returns 0 and *pa, or -ENOMEM. */
int page_alloc(size_t n, uint64_t *pa);
/* Zeroed, physically contiguous pages aligned to align pages (a power of
 * two). Returns 0 and *pa, -EINVAL, or -ENOMEM. */
int page_alloc_aligned(size_t n, size_t align, uint64_t *pa);
/* Zeroes and frees; a bad pa is a kernel bug (ASSERT). */
void page_free(uint64_t pa, size_t n);
uint64_t page_free_count(void);
uint64_t page_total_count(void);

void *phys_to_virt(uint64_t pa);
uint64_t virt_to_phys(const void *va);	/* direct map or kernel image */

/* Maps a device or firmware range into the direct map (uncached when
 * uc); idempotent. Returns its virtual address or NULL. */
void *mm_map_phys(uint64_t pa, size_t len, int uc);

/* A kernel stack of KSTACK_PAGES pages with an unmapped guard page below.
 * Returns the top (initial RSP), or 0 when out of memory or slots. */
uint64_t kstack_alloc(void);
/* Returns a stack from kstack_alloc(); nobody may be running on it. */
void kstack_free(uint64_t top);

/* Identity-maps or unmaps one low page (the AP start-up trampoline). */
int mm_identity_map_page(uint64_t pa, int map);

/* True when va is mapped in the kernel tables (lock-free: for the crash
 * path, which must not fault while walking a corrupt stack). */
int mm_is_mapped(uint64_t va);

/* Address ranges of the kernel image, for the boot report. */
void mm_kernel_image(uint64_t *pa_start, uint64_t *pa_end);

#endif
