/* One neutral description of what the loader handed over, whichever of
 * Multiboot 1 or 2 it spoke. Everything is copied out of the loader's
 * structures, so those can be overwritten once parsed. */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB1_BOOT_MAGIC 0x2badb002
#define MB2_BOOT_MAGIC 0x36d76289

#define BOOT_MAX_MEM     128
#define BOOT_MAX_MODS    16
#define BOOT_CMDLINE_MAX 512
#define BOOT_NAME_MAX    64

enum boot_proto { BOOT_MB1 = 1, BOOT_MB2 = 2 };

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,	/* reclaimable after the tables are read */
	BOOT_MEM_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	uint64_t start, end;	/* physical, end exclusive */
	char name[BOOT_NAME_MAX];
};

struct boot_info {
	enum boot_proto proto;
	char loader[BOOT_NAME_MAX];
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_truncated;
	uint32_t nmem;
	struct boot_mem_range mem[BOOT_MAX_MEM];
	uint32_t nmods;
	struct boot_module mods[BOOT_MAX_MODS];
	uint32_t mods_dropped;	/* beyond BOOT_MAX_MODS, or malformed */
	uint64_t info_pa, info_len;	/* the loader's block itself */
	bool have_rsdp;
	uint8_t rsdp[36];	/* copy of the ACPI RSDP (MB2 hands it over) */
};

/* Reads the loader's physical memory: returns a pointer to len readable
 * bytes at pa, or NULL when that range is not accessible. */
struct phys_reader {
	const void *(*map)(void *ctx, uint64_t pa, size_t len);
	void *ctx;
};

/* Parses the information block at info_pa for the given entry magic.
 * Returns 0 or -EINVAL (unknown magic, truncated or inconsistent block,
 * no memory map); on error err holds a one-line reason and *out is
 * unspecified. Memory ranges come out sorted, non-overlapping, with usable
 * ranges shrunk to whole pages (see bootinfo_sanitize_mem). */
int bootinfo_parse(uint32_t magic, uint64_t info_pa, const struct phys_reader *rd,
		   struct boot_info *out, char *err, size_t errlen);

/* Sorts ranges, resolves overlaps in favour of the more restrictive type,
 * merges neighbours of one type, drops empty ranges and page-aligns usable
 * ones inward. Returns the new count. */
uint32_t bootinfo_sanitize_mem(struct boot_mem_range *r, uint32_t n, uint32_t cap);

/* Finds a module whose name (its string from the loader, first word) is
 * name. Returns NULL if none. */
const struct boot_module *bootinfo_find_module(const struct boot_info *bi,
					       const char *name);

/* Looks for "key" or "key=value" words on the command line. Returns true
 * when present; copies the value (empty for a bare key) if val != NULL. */
bool bootinfo_cmdline_opt(const char *cmdline, const char *key, char *val, size_t vlen);

uint64_t bootinfo_usable_bytes(const struct boot_info *bi);

#endif
