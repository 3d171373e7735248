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

static int build_page_tables(const struct guest_mem *gm)
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
	if (build_page_tables(gm))
		return bad(err, errlen, "no room for page tables");
	e->rip = h.entry;
	e->cr3 = LOADER_PT_BASE;
	e->rsp = (gm->ram_bytes < (4ull << 30) ? gm->ram_bytes : (4ull << 30)) - 16;
	return 0;
}
