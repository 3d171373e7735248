/* Unit tests of the ELF64 guest loader (vmm/loader.c) over a fake guest
 * memory: a heap block (ASan-checked) that map() hands out only inside
 * its bounds, pre-filled with a pattern so that every byte the loader
 * writes, or should not write, shows. Images are built here with glibc's
 * <elf.h> structures (System V gABI), independent of the loader's own.
 * The page tables it builds are checked entry by entry and by walking
 * them with vmm/gwalk.c. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/gwalk.h"
#include "vmm/loader.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define FILL 0xaa

/* -------------------------------------------------------- fake guest RAM */

static struct {
	uint8_t *ram;
	uint64_t backed;	/* bytes of ram[] */
	unsigned maps, map_fail;
} gm_state;

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	assert_ptr_equal(ctx, &gm_state);
	gm_state.maps++;
	if (gpa > gm_state.backed || len > gm_state.backed - gpa) {
		gm_state.map_fail++;
		return NULL;
	}
	return gm_state.ram + gpa;
}

static struct guest_mem gm;

static void ram_init(uint64_t backed, uint64_t ram_bytes)
{
	free(gm_state.ram);
	memset(&gm_state, 0, sizeof(gm_state));
	gm_state.ram = malloc(backed);
	assert_non_null(gm_state.ram);
	memset(gm_state.ram, FILL, backed);
	gm_state.backed = backed;
	gm = (struct guest_mem){ .map = fake_map, .ctx = &gm_state, .ram_bytes = ram_bytes };
}

static bool ram_is(uint64_t gpa, uint64_t len, uint8_t v)
{
	for (uint64_t i = 0; i < len; i++)
		if (gm_state.ram[gpa + i] != v)
			return false;
	return true;
}

static int setup(void **state)
{
	(void)state;
	ram_init(4 * MiB, 4 * MiB);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(gm_state.ram);
	gm_state.ram = NULL;
	return 0;
}

/* ------------------------------------------------------------ ELF images */

#define IMG_MAX 16384

struct img {
	uint8_t b[IMG_MAX];
	size_t len;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
};

/* A static x86-64 executable with phnum program headers right after the
 * ELF header and len bytes in all. */
static void img_init(struct img *im, unsigned phnum, uint64_t entry, size_t len)
{
	memset(im, 0, sizeof(*im));
	assert_true(len <= IMG_MAX);
	im->len = len;
	im->eh = (Elf64_Ehdr *)im->b;
	im->ph = (Elf64_Phdr *)(im->b + sizeof(Elf64_Ehdr));
	memcpy(im->eh->e_ident, ELFMAG, SELFMAG);
	im->eh->e_ident[EI_CLASS] = ELFCLASS64;
	im->eh->e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh->e_ident[EI_VERSION] = EV_CURRENT;
	im->eh->e_type = ET_EXEC;
	im->eh->e_machine = EM_X86_64;
	im->eh->e_version = EV_CURRENT;
	im->eh->e_entry = entry;
	im->eh->e_phoff = sizeof(Elf64_Ehdr);
	im->eh->e_ehsize = sizeof(Elf64_Ehdr);
	im->eh->e_phentsize = sizeof(Elf64_Phdr);
	im->eh->e_phnum = (Elf64_Half)phnum;
	/* recognisable file contents after the headers */
	for (size_t i = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr); i < len; i++)
		im->b[i] = (uint8_t)(i * 7 + 1);
}

static void seg(struct img *im, unsigned i, uint32_t type, uint32_t flags, uint64_t off,
		uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
	im->ph[i] = (Elf64_Phdr){ .p_type = type, .p_flags = flags, .p_offset = off,
				  .p_vaddr = paddr, .p_paddr = paddr, .p_filesz = filesz,
				  .p_memsz = memsz, .p_align = 0x1000 };
}

/* One RX segment: 0x200 bytes of file at offset 0x1000 to 1 MiB, with
 * 0x2e00 bytes of BSS; entry 0x40 into it. */
static void img_simple(struct img *im)
{
	img_init(im, 1, MiB + 0x40, 0x1200);
	seg(im, 0, PT_LOAD, PF_R | PF_X, 0x1000, MiB, 0x200, 0x3000);
}

static char err[128];
static struct guest_entry ent;

static int load(const struct img *im)
{
	memset(err, 0, sizeof(err));
	memset(&ent, 0x77, sizeof(ent));
	return loader_elf64(&gm, im->b, im->len, &ent, err, sizeof(err));
}

/* Refused with -ENOEXEC and a reason containing why; the entry is left
 * alone and (for header problems) guest RAM is untouched. */
static void refused(const struct img *im, const char *why, bool ram_untouched)
{
	struct guest_entry before;
	int rc = load(im);

	memset(&before, 0x77, sizeof(before));
	if (rc != -ENOEXEC) {
		print_error("rc %d (err \"%s\"), want -ENOEXEC (%s)\n", rc, err, why);
		fail();
	}
	assert_memory_equal(&ent, &before, sizeof(ent));
	assert_true(strncmp(err, "image: ", 7) == 0);
	if (!strstr(err, why)) {
		print_error("err \"%s\", want it to say \"%s\"\n", err, why);
		fail();
	}
	if (ram_untouched)
		assert_true(ram_is(0, gm_state.backed, FILL));
}

/* --------------------------------------------------------------- checks */

static void check_page_tables(void)
{
	const uint64_t *pml4 = (const uint64_t *)(gm_state.ram + 0x1000);
	const uint64_t *pdpt = (const uint64_t *)(gm_state.ram + 0x2000);
	const uint64_t *pd = (const uint64_t *)(gm_state.ram + 0x3000);

	assert_int_equal(pml4[0], 0x2000 | 3);		/* present, writable */
	for (int i = 1; i < 512; i++)
		assert_int_equal(pml4[i], 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pdpt[i], (0x3000 + 0x1000 * (uint64_t)i) | 3);
	for (int i = 4; i < 512; i++)
		assert_int_equal(pdpt[i], 0);
	for (uint64_t i = 0; i < 2048; i++)		/* 2 MiB pages, 0-4 GiB */
		assert_int_equal(pd[i], (i << 21) | 0x83);
	/* nothing else below 1 MiB written */
	assert_true(ram_is(0, 0x1000, FILL));
	assert_true(ram_is(0x7000, MiB - 0x7000, FILL));
}

static void check_identity_walk(void)
{
	static const uint64_t la[] = { 0, 0x1000, 0xfffff, MiB + 0x40, 0x3fffff,
				       0x12345678, 2 * GiB + 3, 4 * GiB - 1 };
	uint64_t gpa;

	for (size_t i = 0; i < sizeof(la) / sizeof(la[0]); i++) {
		gpa = ~0ull;
		assert_int_equal(gwalk64(&gm, ent.cr3, la[i], &gpa), 0);
		assert_int_equal(gpa, la[i]);
	}
	assert_int_equal(gwalk64(&gm, ent.cr3, 4 * GiB, &gpa), -EFAULT);
	assert_int_equal(gwalk64(&gm, ent.cr3, 1ull << 39, &gpa), -EFAULT);
}

/* ---------------------------------------------------------------- tests */

static void test_simple_image(void **state)
{
	struct img im;

	(void)state;
	img_simple(&im);
	assert_int_equal(load(&im), 0);
	assert_int_equal(ent.rip, MiB + 0x40);
	assert_int_equal(ent.cr3, 0x1000);
	assert_int_equal(ent.rsp, 4 * MiB - 16);
	/* 64-bit mode with the back end's own flat segments: every other
	 * field of the entry is zero, whatever *e held before */
	assert_int_equal(ent.mode, GUEST_MODE_LONG);
	assert_int_equal(ent.rax, 0);
	assert_int_equal(ent.rbx, 0);
	assert_int_equal(ent.rsi, 0);
	assert_int_equal(ent.cs, 0);
	assert_int_equal(ent.ds, 0);
	assert_int_equal(ent.gdt_base, 0);
	assert_int_equal(ent.gdt_limit, 0);
	assert_true(ram_is(LOADER_GDT, 0x20, FILL));		/* no guest GDT written */
	assert_memory_equal(gm_state.ram + MiB, im.b + 0x1000, 0x200);
	assert_true(ram_is(MiB + 0x200, 0x3000 - 0x200, 0));	/* BSS zeroed */
	assert_true(ram_is(MiB + 0x3000, 4 * MiB - MiB - 0x3000, FILL));
	check_page_tables();
	check_identity_walk();
}

static void test_two_segments_and_others_ignored(void **state)
{
	struct img im;

	(void)state;
	img_init(&im, 5, 2 * MiB + 0x123, 0x3000);
	seg(&im, 0, PT_NOTE, PF_R, ~0ull, 0, ~0ull, 0);		/* garbage, ignored */
	seg(&im, 1, PT_LOAD, PF_R | PF_W, 0x2000, MiB + 0x5000, 0x800, 0x10000);
	seg(&im, 2, PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0);
	seg(&im, 3, PT_LOAD, PF_R | PF_X, 0x1000, 2 * MiB, 0x1000, 0x1000);
	seg(&im, 4, PT_DYNAMIC, PF_R, 0x1000000, 0x10, 0x10, 0x8);
	assert_int_equal(load(&im), 0);
	assert_int_equal(ent.rip, 2 * MiB + 0x123);
	assert_memory_equal(gm_state.ram + MiB + 0x5000, im.b + 0x2000, 0x800);
	assert_true(ram_is(MiB + 0x5800, 0x10000 - 0x800, 0));
	assert_memory_equal(gm_state.ram + 2 * MiB, im.b + 0x1000, 0x1000);
	assert_true(ram_is(MiB, 0x5000, FILL));
	assert_true(ram_is(2 * MiB + 0x1000, 2 * MiB - 0x1000, FILL));
	check_page_tables();
}

/* Entry anywhere inside an executable segment's memory image, the BSS
 * part included; the segment may end exactly at the end of RAM. */
static void test_entry_and_ram_edges(void **state)
{
	struct img im;

	(void)state;
	img_simple(&im);
	im.eh->e_entry = MiB;
	assert_int_equal(load(&im), 0);
	im.eh->e_entry = MiB + 0x3000 - 1;
	assert_int_equal(load(&im), 0);
	assert_int_equal(ent.rip, MiB + 0x2fff);

	img_init(&im, 1, 4 * MiB - 1, 0x1100);
	seg(&im, 0, PT_LOAD, PF_X, 0x1000, 4 * MiB - 0x100, 0x100, 0x100);
	assert_int_equal(load(&im), 0);
	assert_memory_equal(gm_state.ram + 4 * MiB - 0x100, im.b + 0x1000, 0x100);

	/* the smallest RAM it takes: 1 MiB + 64 KiB */
	ram_init(MiB + 0x10000, MiB + 0x10000);
	img_init(&im, 1, MiB, 0x1010);
	seg(&im, 0, PT_LOAD, PF_R | PF_X, 0x1000, MiB, 0x10, 0x10000);
	assert_int_equal(load(&im), 0);
	assert_int_equal(ent.rsp, MiB + 0x10000 - 16);

	/* an empty segment (filesz = memsz = 0) is harmless */
	ram_init(4 * MiB, 4 * MiB);
	img_simple(&im);
	im.eh->e_phnum = 2;
	seg(&im, 1, PT_LOAD, PF_R, 0, 3 * MiB, 0, 0);
	/* e_phnum 2 overlaps the file data at 0x78; fine, still in the file */
	assert_int_equal(load(&im), 0);
}

/* The stack starts 16 bytes below the end of RAM, or of the 4 GiB the
 * page tables map when there is more. */
static void test_stack_top(void **state)
{
	struct img im;

	(void)state;
	img_simple(&im);
	gm.ram_bytes = 4 * GiB;			/* only 4 MiB backed: fine */
	assert_int_equal(load(&im), 0);
	assert_int_equal(ent.rsp, 4 * GiB - 16);
	gm.ram_bytes = 8 * GiB;
	assert_int_equal(load(&im), 0);
	assert_int_equal(ent.rsp, 4 * GiB - 16);
	gm.ram_bytes = 64 * MiB;
	assert_int_equal(load(&im), 0);
	assert_int_equal(ent.rsp, 64 * MiB - 16);
	assert_int_equal(ent.rsp % 16, 0);
}

static void test_short_and_bad_ident(void **state)
{
	struct img im;

	(void)state;
	img_simple(&im);
	for (size_t n = 0; n < sizeof(Elf64_Ehdr); n += 9) {
		im.len = n;
		refused(&im, "shorter than an ELF header", true);
	}
	im.len = sizeof(Elf64_Ehdr) - 1;
	refused(&im, "shorter than an ELF header", true);
	for (int i = 0; i < 4; i++) {
		img_simple(&im);
		im.b[i] ^= 0x20;
		refused(&im, "not a little-endian ELF64", true);
	}
	img_simple(&im);
	im.eh->e_ident[EI_CLASS] = ELFCLASS32;
	refused(&im, "not a little-endian ELF64", true);
	im.eh->e_ident[EI_CLASS] = ELFCLASSNONE;
	refused(&im, "not a little-endian ELF64", true);
	img_simple(&im);
	im.eh->e_ident[EI_DATA] = ELFDATA2MSB;
	refused(&im, "not a little-endian ELF64", true);
}

static void test_bad_type_machine(void **state)
{
	static const uint16_t types[] = { ET_NONE, ET_REL, ET_DYN, ET_CORE, 0xfe00, 0xffff };
	static const uint16_t machines[] = { EM_NONE, EM_386, EM_AARCH64, EM_IA_64, 0x3e00 };
	struct img im;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		img_simple(&im);
		im.eh->e_type = types[i];
		refused(&im, "not an x86-64 executable", true);
	}
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		img_simple(&im);
		im.eh->e_machine = machines[i];
		refused(&im, "not an x86-64 executable", true);
	}
}

static void test_bad_program_headers(void **state)
{
	struct img im;

	(void)state;
	img_simple(&im);
	im.eh->e_phnum = 0;
	refused(&im, "program headers out of the file", true);
	im.eh->e_phnum = 65;
	refused(&im, "program headers out of the file", true);
	im.eh->e_phnum = 0xffff;			/* PN_XNUM */
	refused(&im, "program headers out of the file", true);

	img_simple(&im);
	im.eh->e_phentsize = 0;
	refused(&im, "program headers out of the file", true);
	im.eh->e_phentsize = 32;			/* ELF32's size */
	refused(&im, "program headers out of the file", true);
	im.eh->e_phentsize = 64;
	refused(&im, "program headers out of the file", true);

	img_simple(&im);
	im.eh->e_phoff = im.len;
	refused(&im, "program headers out of the file", true);
	im.eh->e_phoff = im.len - sizeof(Elf64_Phdr) + 1;
	refused(&im, "program headers out of the file", true);
	im.eh->e_phoff = ~0ull;
	refused(&im, "program headers out of the file", true);
	im.eh->e_phoff = ~0ull - 0x37;			/* phoff + 56 wraps to 0 */
	refused(&im, "program headers out of the file", true);
	im.eh->e_phoff = 1ull << 63;
	refused(&im, "program headers out of the file", true);

	/* 64 headers need 64 * 56 bytes from phoff: one byte short */
	img_init(&im, 64, MiB, 64 + 64 * sizeof(Elf64_Phdr) - 1);
	refused(&im, "program headers out of the file", true);
	/* ... and exactly enough (the last one is the loadable one) */
	img_init(&im, 64, MiB, 64 + 64 * sizeof(Elf64_Phdr));
	seg(&im, 63, PT_LOAD, PF_X, 0, MiB, 0x40, 0x1000);
	assert_int_equal(load(&im), 0);
	/* program headers at the very end of the file */
	img_init(&im, 1, MiB, 0x2000);
	im.eh->e_phoff = 0x2000 - sizeof(Elf64_Phdr);
	im.ph = (Elf64_Phdr *)(im.b + im.eh->e_phoff);
	seg(&im, 0, PT_LOAD, PF_X, 0, MiB, 0x100, 0x100);
	assert_int_equal(load(&im), 0);
}

static void test_segment_data_outside_file(void **state)
{
	struct img im;

	(void)state;
	img_simple(&im);
	im.ph[0].p_offset = im.len + 1;
	refused(&im, "segment data out of the file", true);
	im.ph[0].p_offset = im.len - 0x1ff;		/* one byte past the end */
	refused(&im, "segment data out of the file", true);
	im.ph[0].p_offset = ~0ull;
	refused(&im, "segment data out of the file", true);
	im.ph[0].p_offset = ~0ull - 0xff;		/* offset + filesz wraps */
	refused(&im, "segment data out of the file", true);
	img_simple(&im);
	im.ph[0].p_filesz = ~0ull;
	im.ph[0].p_memsz = ~0ull;
	refused(&im, "segment data out of the file", true);
	im.ph[0].p_filesz = im.len + 1;
	im.ph[0].p_offset = 0;
	refused(&im, "segment data out of the file", true);
	/* filesz exactly up to the end of the file: fine */
	img_simple(&im);
	im.ph[0].p_offset = im.len - 0x200;
	assert_int_equal(load(&im), 0);
	/* memsz < filesz */
	ram_init(4 * MiB, 4 * MiB);
	img_simple(&im);
	im.ph[0].p_memsz = 0x1ff;
	refused(&im, "segment data out of the file", true);
	im.ph[0].p_memsz = 0;
	refused(&im, "segment data out of the file", true);
}

static void test_segment_outside_ram(void **state)
{
	static const uint64_t low[] = { 0, 0x1000, 0x7000, 0xa0000, MiB - 1 };
	struct img im;

	(void)state;
	for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		img_simple(&im);
		im.ph[0].p_paddr = low[i];		/* page tables, BIOS area... */
		im.eh->e_entry = low[i] + 0x40;
		refused(&im, "below 1 MiB", true);
	}
	img_simple(&im);
	im.ph[0].p_paddr = 4 * MiB - 0x2fff;		/* ends one byte past RAM */
	im.eh->e_entry = im.ph[0].p_paddr;
	refused(&im, "outside guest RAM", true);
	im.ph[0].p_paddr = 4 * MiB;
	refused(&im, "outside guest RAM", true);
	im.ph[0].p_paddr = ~0ull - 0xfff;		/* paddr + memsz wraps */
	refused(&im, "outside guest RAM", true);
	im.ph[0].p_paddr = 1ull << 63;
	refused(&im, "outside guest RAM", true);
	img_simple(&im);
	im.ph[0].p_memsz = 4 * MiB + 1;			/* bigger than RAM */
	refused(&im, "outside guest RAM", true);
	im.ph[0].p_memsz = ~0ull;
	refused(&im, "outside guest RAM", true);
	im.ph[0].p_memsz = ~0ull - MiB + 1;		/* paddr + memsz == 2^64 */
	refused(&im, "outside guest RAM", true);

	/* the loader bounds segments by ram_bytes itself, whatever map()
	 * would hand out beyond it */
	ram_init(8 * MiB, 4 * MiB);
	img_simple(&im);
	im.ph[0].p_paddr = 4 * MiB - 0x1000;		/* memsz 0x3000 */
	im.eh->e_entry = im.ph[0].p_paddr;
	refused(&im, "outside guest RAM", true);
	assert_int_equal(gm_state.maps, 0);
	im.ph[0].p_paddr = 5 * MiB;
	im.eh->e_entry = im.ph[0].p_paddr;
	refused(&im, "outside guest RAM", true);

	/* inside ram_bytes but the memory map has a hole there */
	ram_init(2 * MiB, 4 * MiB);
	img_simple(&im);
	im.ph[0].p_paddr = 3 * MiB;
	im.eh->e_entry = 3 * MiB;
	refused(&im, "outside guest RAM", true);
}

static void test_entry_outside_exec_segment(void **state)
{
	struct img im;

	(void)state;
	img_simple(&im);
	im.eh->e_entry = MiB - 1;
	refused(&im, "entry point not in an executable segment", false);
	im.eh->e_entry = MiB + 0x3000;			/* one past memsz */
	refused(&im, "entry point not in an executable segment", false);
	im.eh->e_entry = 0;
	refused(&im, "entry point not in an executable segment", false);
	im.eh->e_entry = ~0ull;
	refused(&im, "entry point not in an executable segment", false);
	img_simple(&im);
	im.ph[0].p_flags = PF_R | PF_W;			/* not executable */
	refused(&im, "entry point not in an executable segment", false);
	/* executable only as a non-loadable header */
	img_init(&im, 2, MiB + 0x10, 0x1200);
	seg(&im, 0, PT_LOAD, PF_R | PF_W, 0x1000, MiB, 0x200, 0x200);
	seg(&im, 1, PT_NOTE, PF_R | PF_X, 0x1000, MiB, 0x200, 0x200);
	refused(&im, "entry point not in an executable segment", false);
	/* no loadable segment at all */
	ram_init(4 * MiB, 4 * MiB);
	img_init(&im, 1, MiB, 0x1200);
	seg(&im, 0, PT_NULL, PF_X, 0x1000, MiB, 0x200, 0x200);
	refused(&im, "entry point not in an executable segment", true);
	/* entry in the data segment of a two-segment image */
	img_init(&im, 2, 2 * MiB + 4, 0x1200);
	seg(&im, 0, PT_LOAD, PF_R | PF_X, 0x1000, MiB, 0x100, 0x100);
	seg(&im, 1, PT_LOAD, PF_R | PF_W, 0x1100, 2 * MiB, 0x100, 0x100);
	refused(&im, "entry point not in an executable segment", false);
	/* and no page tables were built for a refused image */
	assert_true(ram_is(0x1000, 0x6000, FILL));
}

static void test_ram_too_small(void **state)
{
	struct img im;

	(void)state;
	ram_init(MiB + 0x10000, MiB + 0xffff);
	img_init(&im, 1, MiB, 0x1010);
	seg(&im, 0, PT_LOAD, PF_R | PF_X, 0x1000, MiB, 0x10, 0x10);
	refused(&im, "guest RAM too small", true);
	gm.ram_bytes = 0;
	refused(&im, "guest RAM too small", true);
	gm.ram_bytes = MiB;
	refused(&im, "guest RAM too small", true);
}

/* err may be short or absent: always terminated, never overrun. */
static void test_error_buffer(void **state)
{
	struct img im;
	char small[8];
	struct guest_entry e;

	(void)state;
	img_simple(&im);
	im.b[0] = 0;
	memset(small, 'x', sizeof(small));
	assert_int_equal(loader_elf64(&gm, im.b, im.len, &e, small, sizeof(small)), -ENOEXEC);
	assert_string_equal(small, "image: ");
	assert_int_equal(loader_elf64(&gm, im.b, im.len, &e, NULL, 0), -ENOEXEC);
	assert_int_equal(loader_elf64(&gm, im.b, 0, &e, NULL, 0), -ENOEXEC);
}

/* The image buffer is read in place: a heap copy of exactly len bytes
 * lets ASan catch any read past the end. */
static void test_exact_size_buffer(void **state)
{
	struct img im;
	uint8_t *copy;

	(void)state;
	img_simple(&im);
	copy = malloc(im.len);
	assert_non_null(copy);
	memcpy(copy, im.b, im.len);
	assert_int_equal(loader_elf64(&gm, copy, im.len, &ent, err, sizeof(err)), 0);
	/* truncated just before the segment's last byte */
	assert_int_equal(loader_elf64(&gm, copy, im.len - 1, &ent, err, sizeof(err)), -ENOEXEC);
	free(copy);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_simple_image),
		T(test_two_segments_and_others_ignored),
		T(test_entry_and_ram_edges),
		T(test_stack_top),
		T(test_short_and_bad_ident),
		T(test_bad_type_machine),
		T(test_bad_program_headers),
		T(test_segment_data_outside_file),
		T(test_segment_outside_ram),
		T(test_entry_outside_exec_segment),
		T(test_ram_too_small),
		T(test_error_buffer),
		T(test_exact_size_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
