/* libFuzzer target for the ELF64 guest loader (vmm/loader.c) over a
 * fake guest memory of 2 MiB + 12 KiB.
 *
 * The input is the image. Every map() gets a heap block of exactly the
 * length asked for (copied back into guest RAM at the next map and at
 * the end), so ASan catches a write outside what the loader mapped, and
 * the image is libFuzzer's exact-size buffer, so a read past its end is
 * caught too. An independent model of the documented checks says
 * whether the image must be accepted; on acceptance the whole guest RAM
 * must equal the model's (segments in order, BSS zeroed, identity page
 * tables at 0x1000-0x6fff, nothing else touched) and the entry state
 * must be right; on refusal no page tables are written and the reason is
 * reported. Only the ranges written in a run are compared and reset, so
 * a run costs about what the image loads. */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/loader.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", \
				#c, __LINE__); abort(); } } while (0)

#define RAM_BYTES ((2ull << 20) + 0x3000)
#define FILL 0xaa

static uint8_t *ram, *model;

/* Ranges either side wrote this run: compared, then reset to FILL (the
 * rest of RAM cannot change: map() blocks are exact). */
static struct {
	uint64_t gpa, len;
} dirty[2 * 64 + 8];
static unsigned ndirty;

static void mark(uint64_t gpa, uint64_t len)
{
	CHECK(ndirty < sizeof(dirty) / sizeof(dirty[0]));
	dirty[ndirty].gpa = gpa;
	dirty[ndirty].len = len;
	ndirty++;
}

static struct {
	uint64_t gpa, len;
	uint8_t *blk;
} open_map;

static void flush(void)
{
	if (open_map.blk) {
		memcpy(ram + open_map.gpa, open_map.blk, open_map.len);
		free(open_map.blk);
		open_map.blk = NULL;
	}
}

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	CHECK(ctx == &open_map);
	flush();
	if (gpa > RAM_BYTES || len > RAM_BYTES - gpa)
		return NULL;
	mark(gpa, len);
	open_map.blk = malloc(len ? len : 1);
	CHECK(open_map.blk);
	memcpy(open_map.blk, ram + gpa, len);
	open_map.gpa = gpa;
	open_map.len = len;
	return open_map.blk;
}

/* The documented contract, written from loader.h and the gABI. */
static bool model_load(const uint8_t *img, size_t len)
{
	Elf64_Ehdr eh;
	bool entry_ok = false;

	if (len < sizeof(eh))
		return false;
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_EXEC ||
	    eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 64 ||
	    (unsigned __int128)eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr) > len)
		return false;
	if (RAM_BYTES < LOADER_MIN_LOAD + 0x10000)
		return false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz ||
		    (unsigned __int128)ph.p_offset + ph.p_filesz > len ||
		    ph.p_paddr < LOADER_MIN_LOAD ||
		    (unsigned __int128)ph.p_paddr + ph.p_memsz > RAM_BYTES)
			return false;
		mark(ph.p_paddr, ph.p_memsz);
		memcpy(model + ph.p_paddr, img + ph.p_offset, ph.p_filesz);
		memset(model + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
		    eh.e_entry < ph.p_paddr + ph.p_memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return false;
	/* PML4[0] -> PDPT, PDPT[0..3] -> PDs, 2048 2 MiB identity PDEs */
	mark(0x1000, 0x6000);
	memset(model + 0x1000, 0, 0x6000);
	for (int i = 0; i < 5; i++) {
		uint64_t e = (0x2000 + 0x1000 * (uint64_t)i) | 3;

		memcpy(model + 0x1000 + (i ? 0x1000 + 8 * (i - 1) : 0), &e, 8);
	}
	for (uint64_t i = 0; i < 2048; i++) {
		uint64_t e = (i << 21) | 0x83;

		memcpy(model + 0x3000 + 8 * i, &e, 8);
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem gm = { .map = fake_map, .ctx = &open_map, .ram_bytes = RAM_BYTES };
	struct guest_entry e, untouched;
	char err[96];
	bool want;
	int rc;

	if (!ram) {
		ram = malloc(RAM_BYTES);
		model = malloc(RAM_BYTES);
		CHECK(ram && model);
		memset(ram, FILL, RAM_BYTES);
		memset(model, FILL, RAM_BYTES);
	}
	ndirty = 0;
	memset(&e, 0x77, sizeof(e));
	memset(&untouched, 0x77, sizeof(untouched));
	memset(err, 0, sizeof(err));

	rc = loader_elf64(&gm, data, size, &e, err, sizeof(err));
	flush();
	want = model_load(data, size);
	CHECK(rc == 0 || rc == -ENOEXEC);
	if (!rc)
		for (unsigned i = 0; i < ndirty; i++)
			CHECK(!memcmp(ram + dirty[i].gpa, model + dirty[i].gpa, dirty[i].len));
	for (unsigned i = 0; i < ndirty; i++) {
		memset(ram + dirty[i].gpa, FILL, dirty[i].len);
		memset(model + dirty[i].gpa, FILL, dirty[i].len);
	}
	if (rc) {
		CHECK(!want);
		CHECK(!memcmp(err, "image: ", 7) && memchr(err, 0, sizeof(err)));
		CHECK(!memcmp(&e, &untouched, sizeof(e)));
		for (unsigned i = 0; i < ndirty; i++)		/* no page tables */
			CHECK(dirty[i].gpa >= LOADER_MIN_LOAD);
		return 0;
	}
	CHECK(want);
	CHECK(e.cr3 == LOADER_PT_BASE);
	CHECK(e.rsp == RAM_BYTES - 16);
	CHECK(e.rip >= LOADER_MIN_LOAD && e.rip < RAM_BYTES);
	{
		Elf64_Ehdr eh;

		memcpy(&eh, data, sizeof(eh));
		CHECK(e.rip == eh.e_entry);
	}
	return 0;
}
