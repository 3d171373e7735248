/* libFuzzer target for the Linux bzImage and Multiboot 1 loaders
 * (vmm/loader_linux.c, vmm/loader_mb1.c) over a fake guest memory of
 * 4 MiB.
 *
 * Input: one option byte, then the kernel image (libFuzzer's exact-size
 * buffer, so a read past its end is caught). Option bit 0 picks the
 * loader (0 bzImage, 1 Multiboot); bits 1-2 the guest RAM: 4 MiB, 2 MiB,
 * 64 MiB claimed with only 4 MiB mapped, or more than the 3 GiB a guest
 * may have; bit 3 adds an initrd (or two modules); bits 4-7 the vCPU
 * count (for the MP table; 0 means none for Multiboot, -EINVAL for
 * Linux).
 *
 * Every map() gets a heap block of exactly the length asked for, copied
 * into guest RAM at the end of the run, so ASan catches a write outside
 * what the loader mapped; and every map() must lie inside the RAM the
 * loader was told about. On acceptance the entry state must follow the
 * boot protocol the loader implements; on refusal there is a reason. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/loader.h"
#include "vmm/mptable.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", \
				#c, __LINE__); abort(); } } while (0)

#define BACKED (4ull << 20)
#define FILL 0xaa
#define MAX_OPEN 32

static uint8_t *ram;

static struct {
	uint64_t gpa, len;
	uint8_t *blk;
} open_maps[MAX_OPEN];
static unsigned nopen;
static uint64_t ram_bytes;

/* Copies every block back in the order it was mapped, then resets RAM
 * for the next run. */
static void flush_and_reset(void)
{
	for (unsigned i = 0; i < nopen; i++) {
		memcpy(ram + open_maps[i].gpa, open_maps[i].blk, open_maps[i].len);
		free(open_maps[i].blk);
	}
	for (unsigned i = 0; i < nopen; i++)
		memset(ram + open_maps[i].gpa, FILL, open_maps[i].len);
	nopen = 0;
}

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	uint8_t *b;

	CHECK(ctx == open_maps);
	CHECK(gpa <= ram_bytes && len <= ram_bytes - gpa);
	if (gpa > BACKED || len > BACKED - gpa)
		return NULL;
	CHECK(nopen < MAX_OPEN);
	b = malloc(len ? len : 1);
	CHECK(b);
	memcpy(b, ram + gpa, len);
	open_maps[nopen].gpa = gpa;
	open_maps[nopen].len = len;
	open_maps[nopen].blk = b;
	nopen++;
	return b;
}

/* The written byte at gpa, wherever the loader left it. */
static uint8_t peek(uint64_t gpa)
{
	for (unsigned i = nopen; i-- > 0;)
		if (gpa >= open_maps[i].gpa && gpa - open_maps[i].gpa < open_maps[i].len)
			return open_maps[i].blk[gpa - open_maps[i].gpa];
	return ram[gpa];
}

static uint32_t peek32(uint64_t gpa)
{
	return peek(gpa) | (uint32_t)peek(gpa + 1) << 8 | (uint32_t)peek(gpa + 2) << 16 |
	       (uint32_t)peek(gpa + 3) << 24;
}

static void check_linux(const uint8_t *img, size_t len, const struct guest_entry *e)
{
	unsigned sects = img[0x1f1] ? img[0x1f1] : 4;
	uint64_t load = e->rip - 0x200;
	size_t pm = (sects + 1) * 512u;
	uint32_t rd_at, rd_len, cmd;

	/* boot.rst: what a loader may accept */
	CHECK(len > pm && !memcmp(img + 0x202, "HdrS", 4));
	CHECK((img[0x206] | img[0x207] << 8) >= 0x020c);
	CHECK(img[0x236] & 1);
	CHECK(img[0x211] & 1);
	/* 64-bit entry state */
	CHECK(e->mode == GUEST_MODE_LONG && e->cs == 0x10 && e->ds == 0x18);
	CHECK(e->rsi == LOADER_ZERO_PAGE && e->cr3 == LOADER_PT_BASE);
	CHECK(e->gdt_base == LOADER_GDT && e->gdt_limit == 0x1f);
	CHECK(load >= LOADER_MIN_LOAD && load + (len - pm) <= ram_bytes);
	for (size_t i = 0; i < len - pm; i += 997)
		CHECK(peek(load + i) == img[pm + i]);
	CHECK(peek(load + len - pm - 1) == img[len - 1]);
	/* the zero page */
	CHECK(peek32(LOADER_ZERO_PAGE + 0x202) == 0x53726448);	/* "HdrS" */
	CHECK(peek(LOADER_ZERO_PAGE + 0x210) == 0xff);
	CHECK(peek(LOADER_ZERO_PAGE + 0x1e8) == LOADER_MMAP_N);
	CHECK(peek(LOADER_ZERO_PAGE + 0x0f) == 0);
	cmd = peek32(LOADER_ZERO_PAGE + 0x228);
	CHECK(cmd == LOADER_CMDLINE);
	rd_at = peek32(LOADER_ZERO_PAGE + 0x218);
	rd_len = peek32(LOADER_ZERO_PAGE + 0x21c);
	if (rd_len) {
		uint32_t max = peek32(LOADER_ZERO_PAGE + 0x22c);

		CHECK(!(rd_at & 0xfff) && rd_at >= load + (len - pm));
		CHECK((uint64_t)rd_at + rd_len <= ram_bytes);
		CHECK((uint64_t)rd_at + rd_len - 1 <= max);
	}
	CHECK(peek32(LOADER_MPTABLE) == 0x5f504d5f);		/* "_MP_" */
}

static void check_mb1(const uint8_t *img, size_t len, const struct guest_entry *e, unsigned nmods)
{
	bool found = false;
	uint32_t mods;

	for (size_t off = 0; off + 12 <= len && off + 12 <= 8192 && !found; off += 4) {
		uint32_t m, f, c;

		memcpy(&m, img + off, 4);
		memcpy(&f, img + off + 4, 4);
		memcpy(&c, img + off + 8, 4);
		found = m == 0x1badb002u && (uint32_t)(m + f + c) == 0 && !(f & 0xfffc);
	}
	CHECK(found);
	CHECK(e->mode == GUEST_MODE_PROT32 && e->cs == 0x08 && e->ds == 0x18);
	CHECK(e->rax == 0x2badb002u && e->rbx == LOADER_MB1_INFO);
	CHECK(e->rip >= LOADER_MIN_LOAD && e->rip < ram_bytes);
	CHECK(peek32(LOADER_MB1_INFO + 20) == nmods);
	mods = peek32(LOADER_MB1_INFO + 24);
	for (unsigned i = 0; i < nmods; i++) {
		uint32_t s = peek32(mods + 16 * i), end = peek32(mods + 16 * i + 4);

		CHECK(!(s & 0xfff) && s >= LOADER_MIN_LOAD && end >= s && end <= ram_bytes);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t rams[4] = { 4ull << 20, 2ull << 20, 64ull << 20,
					  (3ull << 30) + (2ull << 20) };
	struct guest_mem gm = { .map = fake_map, .ctx = open_maps };
	struct guest_entry e;
	char err[160];
	uint8_t opt;
	int rc;

	if (!size)
		return 0;
	if (!ram) {
		ram = malloc(BACKED);
		CHECK(ram);
		memset(ram, FILL, BACKED);
	}
	opt = data[0];
	data++;
	size--;
	ram_bytes = gm.ram_bytes = rams[(opt >> 1) & 3];
	memset(&e, 0x77, sizeof(e));
	memset(err, 0, sizeof(err));

	if (!(opt & 1)) {
		struct linux_boot b = {
			.kernel = data, .kernel_len = size,
			.initrd = (opt & 8) ? "070701 initramfs" : NULL, .initrd_len = 16,
			.cmdline = "console=ttyS0 panic=-1", .nvcpus = opt >> 4,
		};

		rc = loader_linux(&gm, &b, &e, err, sizeof(err));
		CHECK(rc == 0 || rc == -ENOEXEC || rc == -EINVAL);
		if (rc == -EINVAL)
			CHECK(b.nvcpus == 0);
		if (!rc) {
			CHECK(b.nvcpus >= 1);
			check_linux(data, size, &e);
		}
	} else {
		const struct mb1_module mods[2] = {
			{ "module one", 10, "mod1 arg" }, { "", 0, NULL },
		};
		struct mb1_boot b = {
			.kernel = data, .kernel_len = size, .cmdline = "kernel quiet",
			.mods = mods, .nmods = (opt & 8) ? 2 : 0, .nvcpus = opt >> 4,
		};

		rc = loader_mb1(&gm, &b, &e, err, sizeof(err));
		CHECK(rc == 0 || rc == -ENOEXEC);
		if (!rc && b.nvcpus)
			CHECK(peek32(LOADER_MPTABLE) == 0x5f504d5f);
		if (!rc)
			check_mb1(data, size, &e, b.nmods);
	}
	if (rc) {
		struct guest_entry untouched;

		memset(&untouched, 0x77, sizeof(untouched));
		CHECK(err[0] && memchr(err, 0, sizeof(err)));
		CHECK(!memcmp(&e, &untouched, sizeof(e)));
	}
	flush_and_reset();
	return 0;
}
