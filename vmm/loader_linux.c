/* Linux bzImage loader for the 64-bit entry of the x86 boot protocol
 * (Documentation/x86/boot.rst in the kernel tree; "boot.rst" below).
 * The image comes from the operator, not from a guest, but is checked as
 * if it were hostile: every field is bounded before use. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/fmt.h"
#include "vmm/loader.h"
#include "vmm/mptable.h"

/* Offsets in the image and in struct boot_params (the zero page), from
 * boot.rst "The Real-Mode Kernel Header" and "The Zero Page". */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define HDR_START		0x1f1	/* setup_sects */
#define HDR_SYSSIZE		0x1f4
#define HDR_BOOT_FLAG		0x1fe	/* 0xaa55 */
#define HDR_JUMP		0x200	/* 0xeb, then the header's length - 2 */
#define HDR_MAGIC		0x202	/* "HdrS" */
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_SETUP_DATA		0x250
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_NEEDED_END		0x264	/* through init_size (protocol 2.10) */
#define BP_PAD_EDD		0x290	/* the header may not run past this */
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define BP_SIZE			0x1000

#define LOADED_HIGH		0x01	/* loadflags */
#define CAN_USE_HEAP		0x80
#define XLF_KERNEL_64		0x01	/* xloadflags */
#define LOADER_TYPE_UNKNOWN	0xff	/* boot.rst: "0xFF = undefined" */
/* boot.rst: the real-mode heap ends at 0xfe00 for a loader that runs
 * the setup code at 0x90000; unused on the 64-bit entry, where the setup
 * code never runs, but the flag and the field go together. */
#define HEAP_END		0xfe00

#define MiB (1ull << 20)

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* What the loader takes from the setup header, all bounded. */
struct bz {
	size_t setup_len;		/* real-mode part, (setup_sects + 1) * 512 */
	size_t hdr_end;			/* end of the setup header in the image */
	uint64_t pm_len;		/* protected-mode kernel bytes in the file */
	uint64_t load;			/* where the protected-mode kernel goes */
	uint64_t end;			/* end of what it uses while starting */
	uint32_t initrd_max;		/* last byte an initrd may occupy */
	uint32_t cmdline_max;		/* bytes without the NUL */
};

static int bad(char *err, size_t errlen, const char *why)
{
	ksnprintf(err, errlen, "bzImage: %s", why);
	return -ENOEXEC;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int parse(const uint8_t *img, size_t len, uint64_t ram_top, struct bz *z,
		 char *err, size_t errlen)
{
	unsigned sects;
	uint16_t version;
	uint32_t align, init_size;
	uint64_t pref, base;

	if (len < HDR_NEEDED_END || memcmp(img + HDR_MAGIC, "HdrS", 4))
		return bad(err, errlen, "not a bzImage: no HdrS");
	if (rd16(img + HDR_BOOT_FLAG) != 0xaa55)
		return bad(err, errlen, "not a bzImage: no boot flag 0xAA55");
	version = rd16(img + HDR_VERSION);
	if (version < 0x020c) {
		ksnprintf(err, errlen, "bzImage: boot protocol %u.%u too old: need 2.12",
			  version >> 8, version & 0xff);
		return -ENOEXEC;
	}
	/* boot.rst: the header ends at 0x202 + the byte at 0x201. */
	z->hdr_end = HDR_MAGIC + img[HDR_JUMP + 1];
	if (img[HDR_JUMP] != 0xeb || z->hdr_end < HDR_NEEDED_END || z->hdr_end > BP_PAD_EDD)
		return bad(err, errlen, "setup header length out of range");
	if (!(rd16(img + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return bad(err, errlen, "kernel does not support 64-bit entry");
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
		return bad(err, errlen, "kernel does not load high (LOADED_HIGH clear)");

	/* boot.rst: "setup_sects ... if this field is 0, the real value is 4". */
	sects = img[HDR_START] ? img[HDR_START] : 4;
	z->setup_len = (sects + 1) * 512u;
	if (z->setup_len >= len)
		return bad(err, errlen, "no protected-mode kernel after the setup sectors");
	z->pm_len = len - z->setup_len;
	if ((uint64_t)rd32(img + HDR_SYSSIZE) * 16 > z->pm_len + 15)
		return bad(err, errlen, "file shorter than syssize says");

	init_size = rd32(img + HDR_INIT_SIZE);
	pref = rd64(img + HDR_PREF_ADDRESS);
	align = rd32(img + HDR_KERNEL_ALIGNMENT);
	if (!init_size)
		return bad(err, errlen, "init_size is 0");
	if (pref < LOADER_MIN_LOAD || pref >= LOADER_RAM_MAX)
		return bad(err, errlen, "pref_address below 1 MiB or above 3 GiB");
	if (img[HDR_RELOCATABLE]) {
		if (align < 0x1000 || align > (1u << 30) || (align & (align - 1)))
			return bad(err, errlen, "kernel_alignment not a power of two in 4 KiB..1 GiB");
		z->load = align_up(pref, align);
		base = z->load;
	} else {
		/* boot.rst: a kernel that is not relocatable is loaded at
		 * 0x100000 and decompresses itself to pref_address
		 * (LOAD_PHYSICAL_ADDR). */
		z->load = LOADER_MIN_LOAD;
		base = pref;
	}
	/* arch/x86/boot/compressed/head_64.S: the kernel works in
	 * [max(load, LOAD_PHYSICAL_ADDR), + init_size). */
	if (base < z->load)
		base = z->load;
	z->end = base + init_size;
	if (z->end < z->load + z->pm_len)
		z->end = z->load + z->pm_len;
	if (z->end > ram_top) {
		ksnprintf(err, errlen,
			  "bzImage: kernel (%llu MiB incl. init_size) does not fit in %llu MiB of RAM",
			  (unsigned long long)((z->end - z->load + MiB - 1) / MiB),
			  (unsigned long long)(ram_top / MiB));
		return -ENOEXEC;
	}
	z->initrd_max = rd32(img + HDR_INITRD_ADDR_MAX);
	z->cmdline_max = rd32(img + HDR_CMDLINE_SIZE);
	if (z->cmdline_max > LOADER_CMDLINE_MAX - 1)
		z->cmdline_max = LOADER_CMDLINE_MAX - 1;
	return 0;
}

/* boot.rst "Details of Header Fields", initrd_addr_max: the highest
 * page-aligned place below it and below the end of RAM, above the
 * kernel. */
static int place_initrd(const struct bz *z, uint64_t ram_top, uint64_t size, uint64_t *at)
{
	uint64_t top = (uint64_t)z->initrd_max + 1;

	if (top > ram_top)
		top = ram_top;
	if (size > top || ((top - size) & ~0xfffull) < align_up(z->end, 0x1000))
		return -ENOEXEC;
	*at = (top - size) & ~0xfffull;
	return 0;
}

/* boot.rst "The Zero Page", e820_table. What the loader put in RAM is
 * left usable: the kernel, initrd and command line are found through
 * boot_params and kept out of the way by the kernel itself (KASLR's
 * mem_avoid, memblock reservations), boot_params and the command line
 * are copied early in x86_64_start_kernel, our page tables and GDT are
 * replaced before the kernel allocates memory, and Linux reserves all of
 * the first MiB anyway (arch/x86/kernel/setup.c). Only the BIOS area that
 * holds the MP table is reserved, as firmware reserves it. */
static void e820(uint8_t *bp, uint64_t ram_bytes)
{
	struct loader_mmap m[LOADER_MMAP_N];

	_Static_assert(BP_E820_TABLE + BP_E820_MAX * 20 <= BP_SIZE, "e820_table");
	_Static_assert(LOADER_MMAP_N <= BP_E820_MAX, "e820_table");
	loader_mmap(ram_bytes, m);
	for (unsigned i = 0; i < LOADER_MMAP_N; i++) {
		uint8_t *ent = bp + BP_E820_TABLE + 20 * i;

		wr64(ent, m[i].addr);
		wr64(ent + 8, m[i].len);
		wr32(ent + 16, m[i].type);
	}
	bp[BP_E820_ENTRIES] = LOADER_MMAP_N;
}

int loader_linux(const struct guest_mem *gm, const struct linux_boot *b,
		 struct guest_entry *e, char *err, size_t errlen)
{
	const uint8_t *img = b->kernel;
	uint64_t ram_top = gm->ram_bytes;
	uint64_t initrd_at = 0;
	size_t mpsize;
	uint8_t *bp, *dst, *mp;
	struct bz z;
	int r;

	if (!b->nvcpus || b->nvcpus > MPTABLE_MAX_CPUS) {
		ksnprintf(err, errlen, "bzImage: %u vCPUs: the MP table takes 1..%u",
			  b->nvcpus, MPTABLE_MAX_CPUS);
		return -EINVAL;
	}
	if (ram_top > LOADER_RAM_MAX) {
		ksnprintf(err, errlen, "bzImage: %llu MiB of RAM: Linux guests take at most %llu",
			  (unsigned long long)(ram_top / MiB),
			  (unsigned long long)(LOADER_RAM_MAX / MiB));
		return -ENOEXEC;
	}
	if (ram_top < 2 * MiB)
		return bad(err, errlen, "guest RAM too small");
	if (!img)
		return bad(err, errlen, "not a bzImage: no HdrS");
	r = parse(img, b->kernel_len, ram_top, &z, err, errlen);
	if (r)
		return r;
	if (b->initrd && b->initrd_len) {
		if (b->initrd_len > 0xffffffffull ||
		    place_initrd(&z, ram_top, b->initrd_len, &initrd_at)) {
			ksnprintf(err, errlen,
				  "bzImage: initrd does not fit (%llu KiB between the kernel's end at %llu MiB and %#llx)",
				  (unsigned long long)((b->initrd_len + 1023) / 1024),
				  (unsigned long long)(align_up(z.end, MiB) / MiB),
				  (unsigned long long)((z.initrd_max + 1ull) < ram_top ?
						       z.initrd_max + 1ull : ram_top));
			return -ENOEXEC;
		}
	}

	r = loader_cmdline(gm, LOADER_CMDLINE, b->cmdline, z.cmdline_max, err, errlen);
	if (r)
		return r;
	bp = gm->map(gm->ctx, LOADER_ZERO_PAGE, BP_SIZE);
	dst = gm->map(gm->ctx, z.load, z.pm_len);
	mpsize = mptable_size(b->nvcpus);
	if (!bp || !dst || loader_gdt(gm) || loader_page_tables(gm))
		return bad(err, errlen, "guest RAM not mapped");

	/* The zero page: boot.rst "64-bit Boot Protocol": zero it, copy the
	 * setup header from the image, fill in the loader's fields. */
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, img + HDR_START, z.hdr_end - HDR_START);
	bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNKNOWN;
	bp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	wr16(bp + HDR_HEAP_END_PTR, HEAP_END - 0x200);
	wr64(bp + HDR_SETUP_DATA, 0);		/* no setup_data list */
	wr32(bp + HDR_CMD_LINE_PTR, LOADER_CMDLINE);
	wr32(bp + BP_EXT_CMD_LINE_PTR, 0);
	wr32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_at);
	wr32(bp + HDR_RAMDISK_SIZE, initrd_at ? (uint32_t)b->initrd_len : 0);
	wr32(bp + BP_EXT_RAMDISK_IMAGE, 0);
	wr32(bp + BP_EXT_RAMDISK_SIZE, 0);
	/* screen_info stays zero: orig_video_isVGA 0, no VGA text console. */
	e820(bp, ram_top);

	memcpy(dst, img + z.setup_len, z.pm_len);
	if (initrd_at) {
		uint8_t *rd = gm->map(gm->ctx, initrd_at, b->initrd_len);

		if (!rd)
			return bad(err, errlen, "guest RAM not mapped");
		memcpy(rd, b->initrd, b->initrd_len);
	}
	mp = gm->map(gm->ctx, LOADER_MPTABLE, mpsize);
	if (!mp || mptable_build(mp, mpsize, LOADER_MPTABLE, b->nvcpus))
		return bad(err, errlen, "guest RAM not mapped");

	/* boot.rst "64-bit Boot Protocol": entry at the load address +
	 * 0x200, RSI = boot_params, identity-mapped, flat __BOOT_CS and
	 * __BOOT_DS, interrupts off (RFLAGS is 0x2 at start). */
	*e = (struct guest_entry){
		.rip = z.load + 0x200,
		.rsp = LOADER_STACK_TOP,
		.cr3 = LOADER_PT_BASE,
		.rsi = LOADER_ZERO_PAGE,
		.mode = GUEST_MODE_LONG,
		.cs = LOADER_SEL_CODE64,
		.ds = LOADER_SEL_DATA,
		.gdt_base = LOADER_GDT,
		.gdt_limit = LOADER_GDT_LIMIT,
	};
	return 0;
}
