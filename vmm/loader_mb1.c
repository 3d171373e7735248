/* Multiboot 1 kernel loader, as QEMU's -kernel loads them (hw/i386/
 * multiboot.c), after the Multiboot Specification 0.6.96 ("MB spec"
 * below). The kernel and modules come from the operator, not from a
 * guest, but are checked as if they were hostile. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/fmt.h"
#include "vmm/loader.h"
#include "vmm/mptable.h"

#define MB1_MAGIC		0x1badb002u
#define MB1_BOOT_MAGIC		0x2badb002u
#define MB1_SEARCH		8192	/* MB spec 3.1.1 */
#define MB1_PAGE_ALIGN		0x00000001u
#define MB1_MEMORY_INFO		0x00000002u
#define MB1_VIDEO_MODE		0x00000004u
#define MB1_AOUT_KLUDGE		0x00010000u
#define MB1_REQUIRED		0x0000ffffu	/* bits 0-15 must be understood */

/* MB spec 3.3, the information structure; flags say which fields hold. */
#define INFO_MEMORY		0x001
#define INFO_CMDLINE		0x004
#define INFO_MODS		0x008
#define INFO_MMAP		0x040
#define INFO_LOADER_NAME	0x200

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;	/* KiB below 640 KiB and above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe[6];
};

struct mb1_mod {
	uint32_t start, end;		/* end: first byte after the module */
	uint32_t string;
	uint32_t reserved;
};

struct mb1_mmap {
	uint32_t size;			/* of the rest: 20 */
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "MB spec 3.3");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "MB spec 3.3");
_Static_assert(sizeof(struct mb1_info) == 96, "MB spec 3.3 (through vbe_*)");
_Static_assert(sizeof(struct mb1_mod) == 16, "MB spec 3.3");
_Static_assert(sizeof(struct mb1_mmap) == 24, "MB spec 3.3");

/* Layout of LOADER_MB1_INFO..LOADER_MB1_INFO_END. */
#define INFO_AT			LOADER_MB1_INFO
#define MMAP_AT			(LOADER_MB1_INFO + 0x100)
#define NAME_AT			(LOADER_MB1_INFO + 0x200)
#define MODS_AT			(LOADER_MB1_INFO + 0x300)
#define STRINGS_AT		(LOADER_MB1_INFO + 0x400)
_Static_assert(MMAP_AT + LOADER_MMAP_N * sizeof(struct mb1_mmap) <= NAME_AT, "mmap");
_Static_assert(MODS_AT + LOADER_MB1_MAX_MODS * sizeof(struct mb1_mod) <= STRINGS_AT, "mods");

#define ELF_PT_LOAD		1
#define ELF_EM_386		3
#define ELF_EM_X86_64		62
#define ELF_MAX_PHNUM		64

struct seg {
	uint64_t off, filesz, paddr, vaddr, memsz;
};

/* The kernel's image, as it will lie in guest memory. */
struct kimg {
	uint64_t lo, hi;		/* [lo, hi) that it occupies */
	uint64_t entry;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int bad(char *err, size_t errlen, const char *why)
{
	ksnprintf(err, errlen, "multiboot: %s", why);
	return -ENOEXEC;
}

static bool in_ram(uint64_t at, uint64_t len, uint64_t ram_top)
{
	return at >= LOADER_MIN_LOAD && len <= ram_top && at <= ram_top - len;
}

/* Copies filesz bytes of the file at off to paddr and zeroes the rest of
 * memsz; everything is bounded by the caller. */
static int put(const struct guest_mem *gm, const uint8_t *img, const struct seg *s)
{
	uint8_t *dst;

	if (!s->memsz)
		return 0;
	dst = gm->map(gm->ctx, s->paddr, s->memsz);
	if (!dst)
		return -ENOEXEC;
	memcpy(dst, img + s->off, s->filesz);
	memset(dst + s->filesz, 0, s->memsz - s->filesz);
	return 0;
}

/* MB spec 3.1.3: the address fields of header flag 16. */
static int load_kludge(const struct guest_mem *gm, const uint8_t *img, size_t len,
		       size_t hoff, uint64_t ram_top, struct kimg *k, char *err, size_t errlen)
{
	const uint8_t *h = img + hoff;
	uint32_t header_addr, load_addr, load_end, bss_end, entry;
	struct seg s;

	if (hoff + 32 > len)
		return bad(err, errlen, "a.out kludge header cut off");
	header_addr = rd32(h + 12);
	load_addr = rd32(h + 16);
	load_end = rd32(h + 20);
	bss_end = rd32(h + 24);
	entry = rd32(h + 28);
	if (header_addr < load_addr || header_addr - load_addr > hoff)
		return bad(err, errlen, "header_addr below load_addr or before the file");
	s.off = hoff - (header_addr - load_addr);
	s.paddr = load_addr;
	/* load_end_addr 0: the text and data run to the end of the file. */
	if (!load_end)
		s.filesz = len - s.off;
	else if (load_end < load_addr || load_end - load_addr > len - s.off)
		return bad(err, errlen, "load_end_addr before load_addr or past the file");
	else
		s.filesz = load_end - load_addr;
	/* bss_end_addr 0: no bss. */
	if (bss_end && bss_end < load_addr + s.filesz)
		return bad(err, errlen, "bss_end_addr before load_end_addr");
	s.memsz = bss_end ? bss_end - load_addr : s.filesz;
	if (!s.memsz || !in_ram(s.paddr, s.memsz, ram_top))
		return bad(err, errlen, "kernel outside guest RAM (or below 1 MiB)");
	if (entry < load_addr || entry - load_addr >= s.memsz)
		return bad(err, errlen, "entry_addr outside the loaded kernel");
	if (put(gm, img, &s))
		return bad(err, errlen, "guest RAM not mapped");
	k->lo = s.paddr;
	k->hi = s.paddr + s.memsz;
	k->entry = entry;
	return 0;
}

static void read_phdr(const uint8_t *p, bool is64, uint32_t *type, struct seg *s)
{
	if (is64) {
		*type = rd32(p);
		s->off = rd64(p + 8);
		s->vaddr = rd64(p + 16);
		s->paddr = rd64(p + 24);
		s->filesz = rd64(p + 32);
		s->memsz = rd64(p + 40);
	} else {
		*type = rd32(p);
		s->off = rd32(p + 4);
		s->vaddr = rd32(p + 8);
		s->paddr = rd32(p + 12);
		s->filesz = rd32(p + 16);
		s->memsz = rd32(p + 20);
	}
}

/* ELF32 (EM_386), or ELF64 whose segments and entry lie below 4 GiB
 * (what a 64-bit kernel with a 32-bit Multiboot entry looks like): every
 * PT_LOAD segment goes to its physical address. The entry is translated
 * from virtual to physical through the segment that holds it, as GRUB
 * does for higher-half kernels, or taken as physical when no segment's
 * virtual range holds it. */
static int load_elf(const struct guest_mem *gm, const uint8_t *img, size_t len,
		    uint64_t ram_top, struct kimg *k, char *err, size_t errlen)
{
	bool is64;
	uint64_t entry, phoff;
	unsigned phnum, phentsize;
	bool entry_ok = false, entry_phys = false;

	if (len < 52 || memcmp(img, "\177ELF", 4) || img[5] != 1)
		return bad(err, errlen, "neither a.out kludge (flag 16) nor a little-endian ELF file");
	is64 = img[4] == 2;
	if (img[4] != 1 && !is64)
		return bad(err, errlen, "ELF class neither 32 nor 64");
	if (is64 && len < 64)
		return bad(err, errlen, "shorter than an ELF64 header");
	if (rd16(img + 16) != 2 ||
	    rd16(img + 18) != (is64 ? ELF_EM_X86_64 : ELF_EM_386))
		return bad(err, errlen, is64 ? "not an x86-64 ELF executable" :
				     "not an i386 ELF executable");
	entry = is64 ? rd64(img + 24) : rd32(img + 24);
	phoff = is64 ? rd64(img + 32) : rd32(img + 28);
	phentsize = rd16(img + (is64 ? 54 : 42));
	phnum = rd16(img + (is64 ? 56 : 44));
	if (phentsize != (is64 ? 56u : 32u) || !phnum || phnum > ELF_MAX_PHNUM ||
	    phoff > len || (uint64_t)phnum * phentsize > len - phoff)
		return bad(err, errlen, "program headers out of the file");

	k->lo = UINT64_MAX;
	k->hi = 0;
	k->entry = entry;
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < phnum; i++) {
			struct seg s;
			uint32_t type;

			read_phdr(img + phoff + i * phentsize, is64, &type, &s);
			if (type != ELF_PT_LOAD || !s.memsz)
				continue;
			if (pass == 0) {
				if (s.filesz > s.memsz || s.off > len || s.filesz > len - s.off)
					return bad(err, errlen, "segment data out of the file");
				if (!in_ram(s.paddr, s.memsz, ram_top))
					return bad(err, errlen,
						   "segment outside guest RAM (or below 1 MiB)");
				if (s.paddr < k->lo)
					k->lo = s.paddr;
				if (s.paddr + s.memsz > k->hi)
					k->hi = s.paddr + s.memsz;
				if (!entry_ok && k->entry >= s.vaddr && k->entry - s.vaddr < s.memsz) {
					entry = k->entry - s.vaddr + s.paddr;
					entry_ok = true;
				}
				if (!entry_phys && k->entry >= s.paddr && k->entry - s.paddr < s.memsz)
					entry_phys = true;
			} else if (put(gm, img, &s)) {
				return bad(err, errlen, "guest RAM not mapped");
			}
		}
		if (pass == 0 && !k->hi)
			return bad(err, errlen, "no loadable segment");
		if (pass == 0 && !entry_ok && !entry_phys)
			return bad(err, errlen, "entry point not in a loaded segment");
	}
	if (entry_ok)
		k->entry = entry;
	return 0;
}

/* Module strings and the like into the information area at *at. */
static int put_string(const struct guest_mem *gm, uint32_t *at, const char *s, uint32_t *ptr)
{
	size_t n = s ? strnlen(s, LOADER_MB1_INFO_END) : 0;
	char *dst;

	if (n >= LOADER_MB1_INFO_END - *at)
		return -ENOEXEC;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -ENOEXEC;
	dst = gm->map(gm->ctx, *at, n + 1);
	if (!dst)
		return -ENOEXEC;
	memcpy(dst, s ? s : "", n);
	dst[n] = 0;
	*ptr = *at;
	*at += (uint32_t)n + 1;
	return 0;
}

static int put_info(const struct guest_mem *gm, const struct mb1_boot *b,
		    const struct kimg *k, uint64_t ram_top, char *err, size_t errlen)
{
	struct mb1_info info = {
		.flags = INFO_MEMORY | INFO_CMDLINE | INFO_MODS | INFO_MMAP | INFO_LOADER_NAME,
		.mem_lower = LOADER_EBDA / 1024,
		.mem_upper = (uint32_t)((ram_top - LOADER_MIN_LOAD) / 1024),
		.cmdline = LOADER_CMDLINE,
		.mods_count = b->nmods,
		.mods_addr = MODS_AT,
		.mmap_length = LOADER_MMAP_N * sizeof(struct mb1_mmap),
		.mmap_addr = MMAP_AT,
	};
	struct loader_mmap m[LOADER_MMAP_N];
	struct mb1_mmap *mm;
	struct mb1_mod *mods;
	uint32_t strings = STRINGS_AT, name = NAME_AT;
	uint64_t at = (k->hi + 0xfff) & ~0xfffull;
	void *p;

	mm = gm->map(gm->ctx, MMAP_AT, LOADER_MMAP_N * sizeof(*mm));
	mods = gm->map(gm->ctx, MODS_AT, LOADER_MB1_MAX_MODS * sizeof(*mods));
	p = gm->map(gm->ctx, INFO_AT, sizeof(info));
	if (!mm || !mods || !p || put_string(gm, &name, "Bastion", &info.boot_loader_name))
		return bad(err, errlen, "guest RAM not mapped");
	loader_mmap(ram_top, m);
	for (unsigned i = 0; i < LOADER_MMAP_N; i++)
		mm[i] = (struct mb1_mmap){ 20, m[i].addr, m[i].len, m[i].type };

	/* MB spec 3.3: modules page-aligned (header flag 0; we always align). */
	for (uint32_t i = 0; i < b->nmods; i++) {
		const struct mb1_module *md = &b->mods[i];
		uint8_t *dst;

		if (md->len > ram_top || at > ram_top - md->len) {
			ksnprintf(err, errlen, "multiboot: module %u (%zu KiB) does not fit in RAM",
				  i, (md->len + 1023) / 1024);
			return -ENOEXEC;
		}
		if (put_string(gm, &strings, md->string, &mods[i].string)) {
			ksnprintf(err, errlen,
				  "multiboot: module %u string too long or not printable ASCII", i);
			return -ENOEXEC;
		}
		dst = md->len ? gm->map(gm->ctx, at, md->len) : NULL;
		if (md->len && (!dst || !md->data))
			return bad(err, errlen, "module data not mapped");
		if (md->len)
			memcpy(dst, md->data, md->len);
		mods[i].start = (uint32_t)at;
		mods[i].end = (uint32_t)(at + md->len);
		mods[i].reserved = 0;
		at = (at + md->len + 0xfff) & ~0xfffull;
	}
	memcpy(p, &info, sizeof(info));
	return 0;
}

int loader_mb1(const struct guest_mem *gm, const struct mb1_boot *b,
	       struct guest_entry *e, char *err, size_t errlen)
{
	const uint8_t *img = b->kernel;
	size_t len = b->kernel_len, hoff, search;
	uint64_t ram_top = gm->ram_bytes;
	uint32_t flags = 0;
	struct kimg k;
	int r;

	if (b->nvcpus > MPTABLE_MAX_CPUS) {
		ksnprintf(err, errlen, "multiboot: %u vCPUs: the MP table takes 1..%u",
			  b->nvcpus, MPTABLE_MAX_CPUS);
		return -EINVAL;
	}
	if (ram_top > LOADER_RAM_MAX) {
		ksnprintf(err, errlen, "multiboot: %llu MiB of RAM: at most %llu",
			  (unsigned long long)(ram_top >> 20),
			  (unsigned long long)(LOADER_RAM_MAX >> 20));
		return -ENOEXEC;
	}
	if (ram_top < 2 * LOADER_MIN_LOAD)
		return bad(err, errlen, "guest RAM too small");
	if (b->nmods > LOADER_MB1_MAX_MODS || (b->nmods && !b->mods)) {
		ksnprintf(err, errlen, "multiboot: %u modules: at most %u", b->nmods,
			  LOADER_MB1_MAX_MODS);
		return -ENOEXEC;
	}
	/* MB spec 3.1.1: 32-bit aligned within the first 8192 bytes. */
	search = img ? (len < MB1_SEARCH ? len : MB1_SEARCH) : 0;
	for (hoff = 0; hoff + 12 <= search; hoff += 4) {
		flags = rd32(img + hoff + 4);
		if (rd32(img + hoff) == MB1_MAGIC &&
		    (uint32_t)(MB1_MAGIC + flags + rd32(img + hoff + 8)) == 0)
			break;
	}
	if (hoff + 12 > search)
		return bad(err, errlen, "no Multiboot header in the first 8 KiB");
	if (flags & MB1_VIDEO_MODE)
		return bad(err, errlen, "kernel requires a video mode (flag 2): not provided");
	if (flags & MB1_REQUIRED & ~(MB1_PAGE_ALIGN | MB1_MEMORY_INFO)) {
		ksnprintf(err, errlen, "multiboot: kernel requires unknown features (flags %#x)",
			  flags & MB1_REQUIRED & ~(MB1_PAGE_ALIGN | MB1_MEMORY_INFO));
		return -ENOEXEC;
	}

	/* QEMU uses the a.out kludge addresses whenever flag 16 is set,
	 * ELF files included, and the ELF program headers otherwise. */
	if (flags & MB1_AOUT_KLUDGE)
		r = load_kludge(gm, img, len, hoff, ram_top, &k, err, errlen);
	else
		r = load_elf(gm, img, len, ram_top, &k, err, errlen);
	if (r)
		return r;
	if (k.entry >= (1ull << 32))
		return bad(err, errlen, "entry point above 4 GiB");

	r = loader_cmdline(gm, LOADER_CMDLINE, b->cmdline, LOADER_CMDLINE_MAX - 1, err, errlen);
	if (!r)
		r = put_info(gm, b, &k, ram_top, err, errlen);
	if (r)
		return r;
	if (loader_gdt(gm))
		return bad(err, errlen, "guest RAM not mapped");
	if (b->nvcpus) {
		size_t mpsize = mptable_size(b->nvcpus);
		void *mp = gm->map(gm->ctx, LOADER_MPTABLE, mpsize);

		if (!mp || mptable_build(mp, mpsize, LOADER_MPTABLE, b->nvcpus))
			return bad(err, errlen, "guest RAM not mapped");
	}

	/* MB spec 3.2, machine state: EAX magic, EBX the information
	 * structure, flat 4 GiB segments, protected mode, paging off,
	 * interrupts off. */
	*e = (struct guest_entry){
		.rip = k.entry,
		.rsp = LOADER_STACK_TOP,
		.rax = MB1_BOOT_MAGIC,
		.rbx = INFO_AT,
		.mode = GUEST_MODE_PROT32,
		.cs = LOADER_SEL_CODE32,
		.ds = LOADER_SEL_DATA,
		.gdt_base = LOADER_GDT,
		.gdt_limit = LOADER_GDT_LIMIT,
	};
	return 0;
}
