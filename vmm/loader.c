/* ELF64 guest loader (System V gABI, x86-64 psABI). The image comes from
 * the operator, not from a guest, but is checked as if it were hostile:
 * every offset and size is bounded before use. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/fmt.h"
#include "vmm/loader.h"

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct phdr) == 56, "ELF64 program header");

static int bad(char *err, size_t errlen, const char *why)
{
	ksnprintf(err, errlen, "image: %s", why);
	return -ENOEXEC;
}

int loader_page_tables(const struct guest_mem *gm)
{
	uint64_t *pml4 = gm->map(gm->ctx, LOADER_PT_BASE, 0x6000);
	uint64_t *pdpt, *pd;

	if (!pml4)
		return -ENOEXEC;
	memset(pml4, 0, 0x6000);
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pml4[0] = (LOADER_PT_BASE + 0x1000) | 0x3;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (LOADER_PT_BASE + 0x2000 + 0x1000 * (uint64_t)i) | 0x3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83;		/* present, writable, 2 MiB */
	return 0;
}

int loader_elf64(const struct guest_mem *gm, const void *img, size_t len,
		 struct guest_entry *e, char *err, size_t errlen)
{
	const uint8_t *p = img;
	struct ehdr h;
	bool entry_ok = false;

	if (len < sizeof(h))
		return bad(err, errlen, "shorter than an ELF header");
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.ident, "\177ELF", 4) || h.ident[4] != 2 || h.ident[5] != 1)
		return bad(err, errlen, "not a little-endian ELF64 file");
	if (h.type != 2 || h.machine != 62)
		return bad(err, errlen, "not an x86-64 executable");
	if (h.phentsize != sizeof(struct phdr) || !h.phnum || h.phnum > 64 ||
	    h.phoff > len || (uint64_t)h.phnum * sizeof(struct phdr) > len - h.phoff)
		return bad(err, errlen, "program headers out of the file");
	if (gm->ram_bytes < LOADER_MIN_LOAD + 0x10000)
		return bad(err, errlen, "guest RAM too small");

	for (unsigned i = 0; i < h.phnum; i++) {
		struct phdr ph;
		uint8_t *dst;

		memcpy(&ph, p + h.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != 1)			/* PT_LOAD only */
			continue;
		if (ph.filesz > ph.memsz || ph.offset > len || ph.filesz > len - ph.offset)
			return bad(err, errlen, "segment data out of the file");
		if (ph.paddr < LOADER_MIN_LOAD || ph.memsz > gm->ram_bytes ||
		    ph.paddr > gm->ram_bytes - ph.memsz)
			return bad(err, errlen, "segment outside guest RAM (or below 1 MiB)");
		dst = gm->map(gm->ctx, ph.paddr, ph.memsz);
		if (!dst)
			return bad(err, errlen, "segment outside guest RAM");
		memcpy(dst, p + ph.offset, ph.filesz);
		memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
		if (h.entry >= ph.paddr && h.entry - ph.paddr < ph.memsz && (ph.flags & 1))
			entry_ok = true;
	}
	if (!entry_ok)
		return bad(err, errlen, "entry point not in an executable segment");
	if (loader_page_tables(gm))
		return bad(err, errlen, "no room for page tables");
	*e = (struct guest_entry){
		.rip = h.entry,
		.cr3 = LOADER_PT_BASE,
		.rsp = (gm->ram_bytes < (4ull << 30) ? gm->ram_bytes : (4ull << 30)) - 16,
		.mode = GUEST_MODE_LONG,
	};
	return 0;
}

/* Flat segments, base 0, limit 4 GiB, granularity 4 KiB (SDM Vol 3A
 * 3.4.5). 0x10/0x18 are what the Linux boot protocol asks for (boot.rst,
 * "64-bit Boot Protocol": __BOOT_CS and __BOOT_DS); 0x08 is the 32-bit
 * code segment the Multiboot entry runs in. */
int loader_gdt(const struct guest_mem *gm)
{
	static const uint64_t gdt[4] = {
		0,
		0x00cf9b000000ffffull,		/* 32-bit code: D, G, P, execute/read, accessed */
		0x00af9b000000ffffull,		/* 64-bit code: L, G, P, execute/read, accessed */
		0x00cf93000000ffffull,		/* data: B, G, P, read/write, accessed */
	};
	void *p = gm->map(gm->ctx, LOADER_GDT, sizeof(gdt));

	_Static_assert(sizeof(gdt) == LOADER_GDT_LIMIT + 1, "GDT limit");
	if (!p)
		return -ENOEXEC;
	memcpy(p, gdt, sizeof(gdt));
	return 0;
}

void loader_mmap(uint64_t ram_bytes, struct loader_mmap out[LOADER_MMAP_N])
{
	out[0] = (struct loader_mmap){ 0, LOADER_EBDA, LOADER_E820_RAM };
	out[1] = (struct loader_mmap){ LOADER_EBDA, LOADER_MIN_LOAD - LOADER_EBDA,
				       LOADER_E820_RESERVED };
	out[2] = (struct loader_mmap){ LOADER_MIN_LOAD, ram_bytes - LOADER_MIN_LOAD,
				       LOADER_E820_RAM };
}

int loader_cmdline(const struct guest_mem *gm, uint64_t gpa, const char *s,
		   size_t max, char *err, size_t errlen)
{
	size_t n = s ? strnlen(s, max + 1) : 0;
	char *dst;

	if (n > max) {
		ksnprintf(err, errlen, "command line too long (%zu > %zu)", strlen(s), max);
		return -ENOEXEC;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e) {
			ksnprintf(err, errlen, "command line: byte %zu is not printable ASCII", i);
			return -ENOEXEC;
		}
	}
	dst = gm->map(gm->ctx, gpa, n + 1);
	if (!dst) {
		ksnprintf(err, errlen, "command line outside guest RAM");
		return -ENOEXEC;
	}
	memcpy(dst, s ? s : "", n);
	dst[n] = 0;
	return 0;
}
