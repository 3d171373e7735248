/* Unit tests of the Multiboot 1 loader (vmm/loader_mb1.c) over a fake
 * guest memory: a heap block (ASan-checked) that map() hands out only
 * inside its bounds, pre-filled with a pattern so that every byte the
 * loader writes, or should not write, shows. Kernels are built here with
 * glibc's <elf.h> and the Multiboot Specification 0.6.96 header layout;
 * build/bastion.elf, a real Multiboot 1 kernel, is loaded too when it
 * exists. */
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

#include "vmm/loader.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define FILL 0xaa
#define MAGIC 0x1badb002u

static struct {
	uint8_t *ram;
	uint64_t backed;
} gm_state;

static struct guest_mem gm;

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	assert_ptr_equal(ctx, &gm_state);
	if (gpa > gm_state.backed || len > gm_state.backed - gpa)
		return NULL;
	return gm_state.ram + gpa;
}

static void ram_init(uint64_t backed, uint64_t ram_bytes)
{
	free(gm_state.ram);
	gm_state.ram = malloc(backed);
	assert_non_null(gm_state.ram);
	memset(gm_state.ram, FILL, backed);
	gm_state.backed = backed;
	gm = (struct guest_mem){ .map = fake_map, .ctx = &gm_state, .ram_bytes = ram_bytes };
}

static int setup(void **state)
{
	(void)state;
	ram_init(8 * MiB, 8 * MiB);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(gm_state.ram);
	gm_state.ram = NULL;
	return 0;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t g32(uint64_t gpa) { return rd32(gm_state.ram + gpa); }

static bool untouched(uint64_t gpa, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (gm_state.ram[gpa + i] != FILL)
			return false;
	return true;
}

/* ------------------------------------------------------------- kernels */

#define IMG_MAX 32768

struct img {
	uint8_t b[IMG_MAX];
	size_t len;
	size_t hoff;			/* Multiboot header */
};

static void mb_header(struct img *im, size_t hoff, uint32_t flags)
{
	uint32_t h[3] = { MAGIC, flags, (uint32_t)-(MAGIC + flags) };

	im->hoff = hoff;
	memcpy(im->b + hoff, h, sizeof(h));
}

static void kludge(struct img *im, uint32_t header_addr, uint32_t load, uint32_t load_end,
		   uint32_t bss_end, uint32_t entry)
{
	uint32_t a[5] = { header_addr, load, load_end, bss_end, entry };

	memcpy(im->b + im->hoff + 12, a, sizeof(a));
}

static void fill_body(struct img *im, size_t from)
{
	for (size_t i = from; i < im->len; i++)
		im->b[i] = (uint8_t)(i * 11 + 5);
}

/* ELF32 i386 executable: text at 1 MiB (file 0x1000..0x3000, virtual
 * vbase), data+bss at 1 MiB + 0x3000 (file 0x3000..0x3800, memsz 0x2000);
 * the Multiboot header at file offset 0x1000. */
static void elf32(struct img *im, uint32_t vbase, uint32_t entry)
{
	Elf32_Ehdr *eh = (Elf32_Ehdr *)im->b;
	Elf32_Phdr *ph = (Elf32_Phdr *)(im->b + sizeof(*eh));

	memset(im, 0, sizeof(*im));
	im->len = 0x3800;
	fill_body(im, 0x1000);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 3;
	ph[0] = (Elf32_Phdr){ PT_LOAD, 0x1000, vbase, 0x100000, 0x2000, 0x2000, PF_R | PF_X, 0x1000 };
	ph[1] = (Elf32_Phdr){ PT_LOAD, 0x3000, vbase + 0x3000, 0x103000, 0x800, 0x2000,
			      PF_R | PF_W, 0x1000 };
	ph[2] = (Elf32_Phdr){ PT_NOTE, 0x1000, 0, 0, 0x10, 0x10, PF_R, 4 };
	mb_header(im, 0x1000, 0x3);		/* page-align modules, memory info */
}

static uint32_t nvcpus;		/* for the next load() */

static int load(const struct img *im, const char *cmdline, const struct mb1_module *mods,
		uint32_t nmods, struct guest_entry *e, char *err)
{
	struct mb1_boot b = {
		.kernel = im->b, .kernel_len = im->len, .cmdline = cmdline,
		.mods = mods, .nmods = nmods, .nvcpus = nvcpus,
	};

	memset(e, 0x55, sizeof(*e));
	err[0] = 0;
	return loader_mb1(&gm, &b, e, err, 200);
}

static void expect_refusal(const struct img *im, const char *why)
{
	struct guest_entry e;
	char err[200];

	assert_int_equal(load(im, "", NULL, 0, &e, err), -ENOEXEC);
	if (!strstr(err, why))
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
}

static void check_entry(const struct guest_entry *e, uint64_t eip)
{
	assert_int_equal(e->rip, eip);
	assert_int_equal(e->rax, 0x2badb002);
	assert_int_equal(e->rbx, LOADER_MB1_INFO);
	assert_int_equal(e->mode, GUEST_MODE_PROT32);
	assert_int_equal(e->cs, 0x08);
	assert_int_equal(e->ds, 0x18);
	assert_int_equal(e->gdt_base, LOADER_GDT);
	assert_int_equal(e->gdt_limit, 0x1f);
	assert_int_equal(e->cr3, 0);
	assert_int_equal(e->rsi, 0);
	/* flat 32-bit code at 0x08, flat data at 0x18 */
	assert_int_equal(rd64(gm_state.ram + LOADER_GDT + 8), 0x00cf9b000000ffffull);
	assert_int_equal(rd64(gm_state.ram + LOADER_GDT + 0x18), 0x00cf93000000ffffull);
}

/* MB spec 3.3: the information structure and its memory map. */
static void check_info(uint64_t ram, uint32_t nmods, const char *cmdline)
{
	uint32_t info = LOADER_MB1_INFO, mmap, mlen;

	assert_int_equal(g32(info) & 0x24d, 0x24d);	/* mem, cmdline, mods, mmap, name */
	assert_int_equal(g32(info) & 0x2, 0);		/* no boot device */
	assert_int_equal(g32(info + 4), 639);
	assert_int_equal(g32(info + 8), (ram - MiB) / 1024);
	assert_string_equal((char *)gm_state.ram + g32(info + 16), cmdline);
	assert_int_equal(g32(info + 20), nmods);
	assert_string_equal((char *)gm_state.ram + g32(info + 64), "Bastion");
	mmap = g32(info + 48);
	mlen = g32(info + 44);
	assert_int_equal(mlen, 3 * 24);
	assert_true(mmap >= LOADER_MB1_INFO && mmap + mlen <= LOADER_MB1_INFO_END);
	{
		const uint64_t want[3][3] = {
			{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x100000 - 0x9fc00, 2 },
			{ 0x100000, ram - 0x100000, 1 },
		};
		for (unsigned i = 0; i < 3; i++) {
			const uint8_t *m = gm_state.ram + mmap + 24 * i;

			assert_int_equal(rd32(m), 20);
			assert_int_equal(rd64(m + 4), want[i][0]);
			assert_int_equal(rd64(m + 12), want[i][1]);
			assert_int_equal(rd32(m + 20), want[i][2]);
		}
	}
}

/* ---------------------------------------------------------------- tests */

static void test_elf32_with_modules(void **state)
{
	struct img im;
	struct guest_entry e;
	char err[200];
	static uint8_t m0[5000], m1[3];
	const struct mb1_module mods[3] = {
		{ m0, sizeof(m0), "initrd.cpio rw" },
		{ m1, sizeof(m1), NULL },
		{ NULL, 0, "empty" },
	};
	uint32_t ma;

	(void)state;
	memset(m0, 0x11, sizeof(m0));
	memcpy(m1, "abc", 3);
	elf32(&im, 0x100000, 0x100010);
	assert_int_equal(load(&im, "kernel.elf debug=1", mods, 3, &e, err), 0);
	check_entry(&e, 0x100010);
	check_info(8 * MiB, 3, "kernel.elf debug=1");

	/* segments at their physical addresses, bss zeroed */
	assert_memory_equal(gm_state.ram + 0x100000, im.b + 0x1000, 0x2000);
	assert_memory_equal(gm_state.ram + 0x103000, im.b + 0x3000, 0x800);
	for (unsigned i = 0x800; i < 0x2000; i++)
		assert_int_equal(gm_state.ram[0x103000 + i], 0);
	/* nothing between the kernel's end and the first module */
	assert_true(untouched(0x105000, 0));

	/* modules: page-aligned, in order, above the kernel (ends 0x105000) */
	ma = g32(LOADER_MB1_INFO + 24);
	assert_int_equal(g32(ma), 0x105000);
	assert_int_equal(g32(ma + 4), 0x105000 + sizeof(m0));
	assert_string_equal((char *)gm_state.ram + g32(ma + 8), "initrd.cpio rw");
	assert_int_equal(g32(ma + 12), 0);
	assert_memory_equal(gm_state.ram + 0x105000, m0, sizeof(m0));
	assert_int_equal(g32(ma + 16), 0x107000);
	assert_int_equal(g32(ma + 20), 0x107003);
	assert_string_equal((char *)gm_state.ram + g32(ma + 24), "");
	assert_memory_equal(gm_state.ram + 0x107000, "abc", 3);
	assert_int_equal(g32(ma + 32), 0x108000);
	assert_int_equal(g32(ma + 36), 0x108000);
	assert_string_equal((char *)gm_state.ram + g32(ma + 40), "empty");
	assert_true(untouched(0x105000 + sizeof(m0), 0x107000 - 0x105000 - sizeof(m0)));
	assert_true(untouched(0x107003, 8 * MiB - 0x107003));
	/* low memory: only the GDT, the information area and the command
	 * line; no MP table unless asked for */
	assert_true(untouched(LOADER_MPTABLE, 0x10000));
	assert_true(untouched(0, LOADER_GDT));
	assert_true(untouched(LOADER_GDT + 0x20, LOADER_MB1_INFO - LOADER_GDT - 0x20));
	assert_true(untouched(LOADER_MB1_INFO_END, LOADER_CMDLINE - LOADER_MB1_INFO_END));
	assert_true(untouched(LOADER_CMDLINE + sizeof("kernel.elf debug=1"),
			      0x100000 - LOADER_CMDLINE - sizeof("kernel.elf debug=1")));
}

static void test_higher_half_entry(void **state)
{
	struct img im;
	struct guest_entry e;
	char err[200];

	(void)state;
	/* linked at 0xc0100000, loaded at 1 MiB: the entry is translated */
	elf32(&im, 0xc0100000u, 0xc0100020u);
	assert_int_equal(load(&im, NULL, NULL, 0, &e, err), 0);
	check_entry(&e, 0x100020);
	check_info(8 * MiB, 0, "");
	/* a physical entry works too */
	elf32(&im, 0xc0100000u, 0x100040);
	assert_int_equal(load(&im, NULL, NULL, 0, &e, err), 0);
	assert_int_equal(e.rip, 0x100040);
	/* an entry in bss is in a loaded segment */
	elf32(&im, 0x100000, 0x104000);
	assert_int_equal(load(&im, NULL, NULL, 0, &e, err), 0);
	/* outside every segment */
	elf32(&im, 0x100000, 0x105000);
	expect_refusal(&im, "entry point not in a loaded segment");
}

static void test_elf64(void **state)
{
	struct img im;
	struct guest_entry e;
	char err[200];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)im.b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(im.b + sizeof(*eh));

	(void)state;
	memset(&im, 0, sizeof(im));
	im.len = 0x3000;
	fill_body(&im, 0x1000);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_entry = 0x200100;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x200000, 0x2000, 0x3000, 0x1000 };
	mb_header(&im, 0x1000, 0x2);
	assert_int_equal(load(&im, "x", NULL, 0, &e, err), 0);
	check_entry(&e, 0x200100);
	assert_memory_equal(gm_state.ram + 0x200000, im.b + 0x1000, 0x2000);
	assert_true(untouched(0x100000, 0x100000));

	/* higher-half 64-bit kernel: virtual entry, physical below 4 GiB */
	ph[0].p_vaddr = 0xffffffff80200000ull;
	eh->e_entry = 0xffffffff80200100ull;
	assert_int_equal(load(&im, "x", NULL, 0, &e, err), 0);
	assert_int_equal(e.rip, 0x200100);
	/* physical address beyond RAM */
	ph[0].p_paddr = 0x100000000ull;
	expect_refusal(&im, "outside guest RAM");
	ph[0].p_paddr = 0xffffffffffff0000ull;
	expect_refusal(&im, "outside guest RAM");
	ph[0].p_paddr = 0x200000;
	/* wrong machine for the class */
	eh->e_machine = EM_386;
	expect_refusal(&im, "not an x86-64 ELF executable");
	eh->e_machine = EM_X86_64;
	eh->e_phentsize = 32;
	expect_refusal(&im, "program headers out of the file");
}

static void test_aout_kludge(void **state)
{
	struct img im;
	struct guest_entry e;
	char err[200];

	(void)state;
	/* a flat binary: header at file offset 0x40 = address 0x200040; text
	 * and data to 0x203000, bss to 0x205000 */
	memset(&im, 0, sizeof(im));
	im.len = 0x3000;
	fill_body(&im, 0);
	mb_header(&im, 0x40, 0x00010003);
	kludge(&im, 0x200040, 0x200000, 0x203000, 0x205000, 0x200080);
	memset(gm_state.ram + 0x203000, 0x99, 0x2000);
	assert_int_equal(load(&im, "k", NULL, 0, &e, err), 0);
	check_entry(&e, 0x200080);
	check_info(8 * MiB, 0, "k");
	assert_memory_equal(gm_state.ram + 0x200000, im.b, 0x3000);
	for (unsigned i = 0; i < 0x2000; i++)
		assert_int_equal(gm_state.ram[0x203000 + i], 0);
	assert_true(untouched(0x205000, 8 * MiB - 0x205000));
	assert_true(untouched(0x100000, 0x100000));

	/* load_end_addr 0: to the end of the file; bss_end_addr 0: none */
	ram_init(8 * MiB, 8 * MiB);
	kludge(&im, 0x200040, 0x200000, 0, 0, 0x200080);
	assert_int_equal(load(&im, "k", NULL, 0, &e, err), 0);
	assert_memory_equal(gm_state.ram + 0x200000, im.b, 0x3000);
	assert_true(untouched(0x203000, 8 * MiB - 0x203000));

	/* the text starts before the header in the file: load_addr below
	 * header_addr by the header's offset minus the text's */
	ram_init(8 * MiB, 8 * MiB);
	kludge(&im, 0x200020, 0x200000, 0x202fe0, 0, 0x200020);
	assert_int_equal(load(&im, "k", NULL, 0, &e, err), 0);
	assert_memory_equal(gm_state.ram + 0x200000, im.b + 0x20, 0x2fe0);

	/* refusals */
	kludge(&im, 0x1ff000, 0x200000, 0, 0, 0x200080);
	expect_refusal(&im, "header_addr below load_addr");
	kludge(&im, 0x200100, 0x200000, 0, 0, 0x200080);	/* text before the file */
	expect_refusal(&im, "before the file");
	kludge(&im, 0x200040, 0x200000, 0x203001, 0, 0x200080);
	expect_refusal(&im, "past the file");
	kludge(&im, 0x200040, 0x200000, 0x1fffff, 0, 0x200080);
	expect_refusal(&im, "load_end_addr before load_addr");
	kludge(&im, 0x200040, 0x200000, 0x203000, 0x202000, 0x200080);
	expect_refusal(&im, "bss_end_addr before load_end_addr");
	kludge(&im, 0x200040, 0x200000, 0x203000, 0x205000, 0x205000);
	expect_refusal(&im, "entry_addr outside");
	kludge(&im, 0x200040, 0x200000, 0x203000, 0x205000, 0x1fffff);
	expect_refusal(&im, "entry_addr outside");
	kludge(&im, 0x80040, 0x80000, 0, 0, 0x80080);
	expect_refusal(&im, "below 1 MiB");
	kludge(&im, 0x7ff040, 0x7ff000, 0, 0, 0x7ff080);
	expect_refusal(&im, "outside guest RAM");
	kludge(&im, 0x200040, 0x200000, 0, 0xfffff000u, 0x200080);
	expect_refusal(&im, "outside guest RAM");
	/* the header's address fields cut off by the end of the file */
	im.len = 0x40 + 28;
	kludge(&im, 0x200040, 0x200000, 0, 0, 0x200040);
	expect_refusal(&im, "cut off");
}

static void test_header_search(void **state)
{
	struct img im;
	struct guest_entry e;
	char err[200];

	(void)state;
	elf32(&im, 0x100000, 0x100010);
	/* last 4-byte slot of the first 8 KiB where 12 bytes fit */
	memset(im.b + 0x1000, 0, 12);
	mb_header(&im, 8192 - 12, 0x3);
	im.len = 0x3800;
	assert_int_equal(load(&im, NULL, NULL, 0, &e, err), 0);
	memset(im.b + 8192 - 12, 0, 12);
	mb_header(&im, 8192 - 8, 0x3);			/* straddles 8 KiB */
	expect_refusal(&im, "no Multiboot header in the first 8 KiB");
	memset(im.b + 8192 - 8, 0, 12);
	mb_header(&im, 0x1002, 0x3);			/* not 32-bit aligned */
	expect_refusal(&im, "no Multiboot header");

	elf32(&im, 0x100000, 0x100010);
	im.b[0x1008] ^= 1;				/* checksum */
	expect_refusal(&im, "no Multiboot header");

	elf32(&im, 0x100000, 0x100010);
	mb_header(&im, 0x1000, 0x7);			/* video mode */
	expect_refusal(&im, "video mode");
	mb_header(&im, 0x1000, 0x8003);			/* unknown requirement */
	expect_refusal(&im, "requires unknown features (flags 0x8000)");
	mb_header(&im, 0x1000, 0x00020003);		/* optional bits: fine */
	assert_int_equal(load(&im, NULL, NULL, 0, &e, err), 0);

	/* short files */
	im.len = 11;
	expect_refusal(&im, "no Multiboot header");
	im.len = 0;
	expect_refusal(&im, "no Multiboot header");
}

static void test_elf_refusals(void **state)
{
	struct img im;
	Elf32_Ehdr *eh = (Elf32_Ehdr *)im.b;
	Elf32_Phdr *ph = (Elf32_Phdr *)(im.b + sizeof(*eh));

	(void)state;
	elf32(&im, 0x100000, 0x100010);
	eh->e_machine = EM_X86_64;
	expect_refusal(&im, "not an i386 ELF executable");
	elf32(&im, 0x100000, 0x100010);
	eh->e_type = ET_DYN;
	expect_refusal(&im, "not an i386 ELF executable");
	elf32(&im, 0x100000, 0x100010);
	eh->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_refusal(&im, "neither a.out kludge");
	elf32(&im, 0x100000, 0x100010);
	eh->e_ident[EI_CLASS] = 3;
	expect_refusal(&im, "ELF class");
	elf32(&im, 0x100000, 0x100010);
	memcpy(im.b, "\177ELG", 4);
	expect_refusal(&im, "neither a.out kludge");
	elf32(&im, 0x100000, 0x100010);
	eh->e_phnum = 0;
	expect_refusal(&im, "program headers");
	elf32(&im, 0x100000, 0x100010);
	eh->e_phnum = 65;
	expect_refusal(&im, "program headers");
	elf32(&im, 0x100000, 0x100010);
	eh->e_phoff = 0x37f0;
	expect_refusal(&im, "program headers out of the file");
	elf32(&im, 0x100000, 0x100010);
	eh->e_phoff = 0xfffffff0u;
	expect_refusal(&im, "program headers out of the file");
	elf32(&im, 0x100000, 0x100010);
	ph[0].p_type = PT_NULL;
	ph[1].p_type = PT_NULL;
	expect_refusal(&im, "no loadable segment");
	elf32(&im, 0x100000, 0x100010);
	ph[1].p_filesz = 0x3000;			/* filesz > memsz */
	expect_refusal(&im, "segment data out of the file");
	elf32(&im, 0x100000, 0x100010);
	ph[1].p_offset = 0x3001;			/* runs past the end */
	expect_refusal(&im, "segment data out of the file");
	elf32(&im, 0x100000, 0x100010);
	ph[1].p_offset = 0xffffff00u;
	expect_refusal(&im, "segment data out of the file");
	elf32(&im, 0x100000, 0x100010);
	ph[0].p_paddr = 0xf0000;
	expect_refusal(&im, "below 1 MiB");
	elf32(&im, 0x100000, 0x100010);
	ph[1].p_paddr = 0x7ff000;
	expect_refusal(&im, "outside guest RAM");
	elf32(&im, 0x100000, 0x100010);
	ph[1].p_memsz = 0xfffff000u;
	expect_refusal(&im, "outside guest RAM");
	/* nothing written by any of these: refusals come before the copy */
	assert_true(untouched(0, gm_state.backed));
}

static void test_mp_table(void **state)
{
	struct img im;
	struct guest_entry e;
	char err[200];

	(void)state;
	elf32(&im, 0x100000, 0x100010);
	nvcpus = 4;
	assert_int_equal(load(&im, "", NULL, 0, &e, err), 0);
	assert_memory_equal(gm_state.ram + LOADER_MPTABLE, "_MP_", 4);
	assert_memory_equal(gm_state.ram + LOADER_MPTABLE + 16, "PCMP", 4);
	assert_int_equal(rd32(gm_state.ram + LOADER_MPTABLE + 16 + 34) & 0xffff, 4 + 2 + 1 + 16 + 2);
	assert_true(untouched(LOADER_MPTABLE + 16 + 44 + 4 * 20 + 21 * 8, 0x100));
	nvcpus = 255;
	assert_int_equal(load(&im, "", NULL, 0, &e, err), -EINVAL);
	nvcpus = 0;
}

static void test_module_and_cmdline_refusals(void **state)
{
	struct img im;
	struct guest_entry e;
	char err[200];
	struct mb1_module mods[LOADER_MB1_MAX_MODS + 1];
	static char longstr[0x8000];

	(void)state;
	elf32(&im, 0x100000, 0x100010);
	memset(mods, 0, sizeof(mods));
	assert_int_equal(load(&im, "", mods, LOADER_MB1_MAX_MODS, &e, err), 0);
	assert_int_equal(load(&im, "", mods, LOADER_MB1_MAX_MODS + 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "at most 16"));
	assert_int_equal(load(&im, "", NULL, 1, &e, err), -ENOEXEC);

	/* a module larger than what is left of RAM */
	mods[0] = (struct mb1_module){ longstr, 7 * MiB, "big" };
	assert_int_equal(load(&im, "", mods, 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "module 0"));
	assert_non_null(strstr(err, "does not fit"));
	mods[0].len = 8 * MiB - 0x105000;		/* exactly the rest */
	{
		static uint8_t *big;

		big = calloc(1, mods[0].len);
		mods[0].data = big;
		assert_int_equal(load(&im, "", mods, 1, &e, err), 0);
		free(big);
	}
	mods[0] = (struct mb1_module){ "x", 1, "bad\tstring" };
	assert_int_equal(load(&im, "", mods, 1, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "module 0 string"));
	/* strings that overflow the information area */
	memset(longstr, 'a', sizeof(longstr) - 1);
	mods[0] = (struct mb1_module){ "x", 1, longstr };
	assert_int_equal(load(&im, "", mods, 1, &e, err), -ENOEXEC);
	longstr[0x1000] = 0;
	for (unsigned i = 0; i < LOADER_MB1_MAX_MODS; i++)
		mods[i] = (struct mb1_module){ "x", 1, longstr };
	assert_int_equal(load(&im, "", mods, 5, &e, err), 0);
	assert_int_equal(load(&im, "", mods, LOADER_MB1_MAX_MODS, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "string too long"));

	/* command line */
	memset(longstr, 'a', sizeof(longstr) - 1);
	longstr[4095] = 0;
	assert_int_equal(load(&im, longstr, NULL, 0, &e, err), 0);
	longstr[4095] = 'a';
	longstr[4096] = 0;
	assert_int_equal(load(&im, longstr, NULL, 0, &e, err), -ENOEXEC);
	assert_string_equal(err, "command line too long (4096 > 4095)");
	assert_int_equal(load(&im, "a\x01", NULL, 0, &e, err), -ENOEXEC);

	/* RAM */
	ram_init(8 * MiB, 3 * GiB + 2 * MiB);
	assert_int_equal(load(&im, "", NULL, 0, &e, err), -ENOEXEC);
	ram_init(MiB, MiB);
	assert_int_equal(load(&im, "", NULL, 0, &e, err), -ENOEXEC);
	assert_non_null(strstr(err, "too small"));
	ram_init(0x104000, 8 * MiB);		/* claimed but not mapped */
	assert_int_equal(load(&im, "", NULL, 0, &e, err), -ENOEXEC);
}

/* Bastion's own kernel: an ELF64 file with a Multiboot 1 header that
 * uses the a.out kludge. */
static void test_bastion_elf(void **state)
{
	FILE *f = fopen("build/bastion.elf", "rb");
	static struct img im;
	struct guest_entry e;
	char err[200];
	size_t hoff;
	uint32_t h[8];

	(void)state;
	if (!f) {
		print_message("no build/bastion.elf: skipped\n");
		skip();
	}
	im.len = fread(im.b, 1, sizeof(im.b), f);
	fclose(f);
	for (hoff = 0; hoff + 32 <= im.len && hoff < 8192; hoff += 4)
		if (rd32(im.b + hoff) == MAGIC)
			break;
	if (hoff + 32 > im.len || hoff >= 8192)
		skip();
	memcpy(h, im.b + hoff, sizeof(h));
	f = fopen("build/bastion.elf", "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	{
		long n = ftell(f);
		uint8_t *all = malloc((size_t)n);
		struct mb1_boot b;

		fseek(f, 0, SEEK_SET);
		assert_int_equal(fread(all, 1, (size_t)n, f), (size_t)n);
		b = (struct mb1_boot){ .kernel = all, .kernel_len = (size_t)n, .cmdline = "bastion" };
		ram_init(64 * MiB, 64 * MiB);
		assert_int_equal(loader_mb1(&gm, &b, &e, err, sizeof(err)), 0);
		check_entry(&e, h[7]);
		assert_memory_equal(gm_state.ram + h[4], all + hoff - (h[3] - h[4]), 256);
		free(all);
	}
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_elf32_with_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_higher_half_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_kludge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mp_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_and_cmdline_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bastion_elf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
