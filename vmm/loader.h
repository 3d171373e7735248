/* Guest image loaders. Pure: guest memory is reached through gm.
 *
 * Guest-physical layout shared by the loaders (RAM starts at 0):
 *   0x00500-0x0051f  GDT: 0x08 flat 32-bit code, 0x10 flat 64-bit code,
 *                    0x18 flat data (Linux's __BOOT_CS/__BOOT_DS)
 *   0x01000-0x06fff  identity page tables, 0-4 GiB in 2 MiB pages
 *   0x07000-0x07fff  Linux zero page (struct boot_params)
 *   0x08000-0x0ffff  Multiboot information, memory map, module list and
 *                    module strings
 *   0x10000-0x1ffff  initial stack (top at 0x1fff0)
 *   0x20000-0x20fff  kernel command line
 *   0x9fc00-0xfffff  reserved in the memory map; MP table at 0xf0000
 *   0x100000-        the kernel, then initrd or modules
 */
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

enum guest_mode {
	/* 64-bit mode: CR0 PE|PG|NE|ET, CR4 PAE, EFER LME|LMA, CR3 = cr3. */
	GUEST_MODE_LONG = 0,
	/* 32-bit protected mode, paging off: CR0 PE|ET, CR4 0, EFER 0. */
	GUEST_MODE_PROT32 = 1,
};

/* How a vCPU starts. Every loader fills in the whole struct. */
struct guest_entry {
	uint64_t rip, rsp, cr3;
	uint64_t rax, rbx, rsi;		/* initial general registers */
	uint32_t mode;			/* enum guest_mode */
	/* Selectors into the guest's GDT; 0: the back end's defaults (CS
	 * 0x08, data 0x10) with no guest GDT (gdt_limit 0). */
	uint16_t cs, ds;
	uint16_t gdt_limit;
	uint64_t gdt_base;
};

#define LOADER_GDT		0x500
#define LOADER_GDT_LIMIT	0x1f
#define LOADER_SEL_CODE32	0x08
#define LOADER_SEL_CODE64	0x10	/* Linux __BOOT_CS */
#define LOADER_SEL_DATA		0x18	/* Linux __BOOT_DS */

/* Where the loader puts the guest's identity page tables (0-4 GiB, 2 MiB
 * pages): PML4 at 0x1000, PDPT at 0x2000, four PDs at 0x3000-0x6fff. */
#define LOADER_PT_BASE 0x1000
#define LOADER_MIN_LOAD 0x100000

#define LOADER_ZERO_PAGE	0x7000
#define LOADER_MB1_INFO		0x8000
#define LOADER_MB1_INFO_END	0x10000
#define LOADER_STACK_TOP	0x1fff0
#define LOADER_CMDLINE		0x20000
#define LOADER_CMDLINE_MAX	4096	/* bytes, with the NUL */
#define LOADER_EBDA		0x9fc00	/* reserved from here to 1 MiB */
#define LOADER_MPTABLE		0xf0000
/* Above this, up to 4 GiB, the platform's MMIO hole (PCI, IOAPIC, LAPIC). */
#define LOADER_RAM_MAX		0xc0000000ull

/* Loads a static ELF64 x86-64 executable (the test guests): every
 * PT_LOAD segment must lie at or above 1 MiB, inside guest RAM and inside
 * the image. Returns 0 and *e (64-bit mode, stack at the top of RAM), or
 * -ENOEXEC with a reason in err. */
int loader_elf64(const struct guest_mem *gm, const void *img, size_t len,
		 struct guest_entry *e, char *err, size_t errlen);

struct linux_boot {
	const void *kernel;		/* the bzImage file */
	size_t kernel_len;
	const void *initrd;		/* NULL: none */
	size_t initrd_len;
	const char *cmdline;		/* NULL: empty */
	uint32_t nvcpus;		/* for the MP table, 1..MPTABLE_MAX_CPUS */
};

/* Loads a Linux bzImage for the 64-bit entry of the x86 boot protocol
 * (Documentation/x86/boot.rst, protocol 2.12 or later with XLF_KERNEL_64),
 * its initrd and command line, the zero page with an e820 map and an MP
 * table for nvcpus CPUs. Guest RAM must be at most LOADER_RAM_MAX.
 * Returns 0 and *e (64-bit mode, RSI = zero page), -EINVAL (nvcpus), or
 * -ENOEXEC with a reason in err. */
int loader_linux(const struct guest_mem *gm, const struct linux_boot *b,
		 struct guest_entry *e, char *err, size_t errlen);

struct mb1_module {
	const void *data;
	size_t len;
	const char *string;		/* NULL: empty */
};

#define LOADER_MB1_MAX_MODS 16

struct mb1_boot {
	const void *kernel;		/* the kernel file */
	size_t kernel_len;
	const char *cmdline;		/* NULL: empty */
	const struct mb1_module *mods;
	uint32_t nmods;			/* 0..LOADER_MB1_MAX_MODS */
	uint32_t nvcpus;		/* 0: no MP table, else 1..MPTABLE_MAX_CPUS */
};

/* Loads a Multiboot 1 kernel as QEMU's -kernel does (Multiboot
 * Specification 0.6.96): ELF32 or ELF64 program headers, or the a.out
 * kludge addresses when header flag 16 is set; modules page-aligned above
 * the kernel; the information structure with a memory map in low memory;
 * an MP table when nvcpus is not 0. Returns 0 and *e (32-bit protected
 * mode, EAX = 0x2BADB002, EBX = the information structure), -EINVAL
 * (nvcpus), or -ENOEXEC with a reason in err. */
int loader_mb1(const struct guest_mem *gm, const struct mb1_boot *b,
	       struct guest_entry *e, char *err, size_t errlen);

/* Shared by the loaders. */

/* The three-range memory map every loader describes: usable below
 * LOADER_EBDA, reserved to 1 MiB, usable from 1 MiB to the end of RAM. */
struct loader_mmap {
	uint64_t addr, len;
	uint32_t type;			/* 1 usable, 2 reserved (e820 types) */
};
#define LOADER_MMAP_N 3
#define LOADER_E820_RAM 1
#define LOADER_E820_RESERVED 2
void loader_mmap(uint64_t ram_bytes, struct loader_mmap out[LOADER_MMAP_N]);

/* Writes the GDT at LOADER_GDT and the identity page tables at
 * LOADER_PT_BASE. Returns 0 or -ENOEXEC (not in guest RAM). */
int loader_gdt(const struct guest_mem *gm);
int loader_page_tables(const struct guest_mem *gm);

/* The command line to gpa, NUL-terminated: printable ASCII only, at most
 * max bytes without the NUL. Returns 0 or -ENOEXEC with a reason. */
int loader_cmdline(const struct guest_mem *gm, uint64_t gpa, const char *s,
		   size_t max, char *err, size_t errlen);

#endif
