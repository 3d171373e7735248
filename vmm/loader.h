/* Guest image loaders. Pure: guest memory is reached through gm. */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	/* Host pointer to [gpa, gpa+len) of guest RAM, or NULL. */
	void *(*map)(void *ctx, uint64_t gpa, uint64_t len);
	void *ctx;
	uint64_t ram_bytes;
};

struct guest_entry {
	uint64_t rip, rsp, cr3;
};

/* Where the loader puts the guest's identity page tables (0-4 GiB, 2 MiB
 * pages): PML4 at 0x1000, PDPT at 0x2000, four PDs at 0x3000-0x6fff. */
#define LOADER_PT_BASE 0x1000
#define LOADER_MIN_LOAD 0x100000

/* Loads a static ELF64 x86-64 executable (the test guests): every
 * PT_LOAD segment must lie at or above 1 MiB, inside guest RAM and inside
 * the image. Returns 0 and *e (64-bit mode, stack at the top of RAM), or
 * -ENOEXEC with a reason in err. */
int loader_elf64(const struct guest_mem *gm, const void *img, size_t len,
		 struct guest_entry *e, char *err, size_t errlen);

#endif
