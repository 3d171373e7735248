/*
 * Multiboot 1 and 2 information blocks -> struct boot_info.
 *
 * The block comes from a loader, not from us: every offset, length and
 * count is checked before use, and all memory is read through the caller's
 * phys_reader, which refuses what is not there. Layouts: Multiboot
 * Specification 0.6.96 section 3.3 and Multiboot2 Specification 2.0
 * section 3.6.
 */
#include <errno.h>
#include <string.h>
#include "kernel/unaligned.h"
#include "boot/bootinfo.h"
#include "kernel/fmt.h"

#define MB1_INFO_SIZE  116	/* through the framebuffer fields */
#define MB1_F_MEM      (1u << 0)
#define MB1_F_CMDLINE  (1u << 2)
#define MB1_F_MODS     (1u << 3)
#define MB1_F_MMAP     (1u << 6)
#define MB1_F_LOADER   (1u << 9)

#define MB2_TAG_END     0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER  2
#define MB2_TAG_MODULE  3
#define MB2_TAG_MEMINFO 4
#define MB2_TAG_MMAP    6
#define MB2_TAG_ACPI1   14
#define MB2_TAG_ACPI2   15
#define MB2_MAX_SIZE    (1u << 20)

/* Bounded copy (strlcpy is not in every host libc the tests build with). */
static void copy_str(char *dst, const char *src, size_t max)
{
	size_t n = strnlen(src, max - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	ksnprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

/* Copies a NUL-terminated string from physical memory; returns false when
 * unreadable. Overlong strings are cut (and *cut set). */
static bool read_str(const struct phys_reader *rd, uint64_t pa, char *dst,
		     size_t max, bool *cut)
{
	size_t i;

	if (cut)
		*cut = false;
	for (i = 0; i + 1 < max; i++) {
		const char *c = rd->map(rd->ctx, pa + i, 1);

		if (!c) {
			dst[0] = 0;
			return false;
		}
		dst[i] = *c;
		if (!*c)
			return true;
	}
	dst[i] = 0;
	if (cut)
		*cut = true;
	return true;
}

/* The string inside a tag: bounded by the tag, NUL required. */
static void copy_tag_str(const uint8_t *s, size_t avail, char *dst, size_t max,
			 bool *cut)
{
	size_t n = 0;

	while (n < avail && s[n])
		n++;
	if (cut)
		*cut = n + 1 > max;
	if (n + 1 > max)
		n = max - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

static uint32_t mb_mem_type(uint32_t t)
{
	switch (t) {
	case 1: return BOOT_MEM_USABLE;
	case 3: return BOOT_MEM_ACPI;
	case 4: return BOOT_MEM_NVS;
	case 5: return BOOT_MEM_BAD;
	default: return BOOT_MEM_RESERVED;
	}
}

static void add_mem(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (!len || bi->nmem >= BOOT_MAX_MEM)
		return;
	if (base + len < base)
		len = UINT64_MAX - base;	/* clip a wrapping range */
	bi->mem[bi->nmem].base = base;
	bi->mem[bi->nmem].len = len;
	bi->mem[bi->nmem].type = mb_mem_type(type);
	bi->nmem++;
}

static void add_module(struct boot_info *bi, uint64_t start, uint64_t end,
		       const char *name)
{
	struct boot_module *m;

	if (end <= start || bi->nmods >= BOOT_MAX_MODS) {
		bi->mods_dropped++;
		return;
	}
	m = &bi->mods[bi->nmods++];
	m->start = start;
	m->end = end;
	copy_str(m->name, name, sizeof(m->name));
}

static int parse_mb1(uint64_t pa, const struct phys_reader *rd,
		     struct boot_info *bi, char *err, size_t errlen)
{
	const uint8_t *mbi = rd->map(rd->ctx, pa, MB1_INFO_SIZE);
	uint32_t flags;

	if (!mbi)
		return fail(err, errlen, "multiboot1: information block unreadable");
	bi->proto = BOOT_MB1;
	bi->info_pa = pa;
	bi->info_len = MB1_INFO_SIZE;
	flags = ld32(mbi);

	if (flags & MB1_F_CMDLINE &&
	    !read_str(rd, ld32(mbi + 16), bi->cmdline, sizeof(bi->cmdline),
		      &bi->cmdline_truncated))
		return fail(err, errlen, "multiboot1: command line unreadable");
	if (flags & MB1_F_LOADER &&
	    !read_str(rd, ld32(mbi + 64), bi->loader, sizeof(bi->loader), NULL))
		copy_str(bi->loader, "?", sizeof(bi->loader));

	if (flags & MB1_F_MODS) {
		uint32_t count = ld32(mbi + 20), addr = ld32(mbi + 24);

		if (count > 1024)
			return fail(err, errlen, "multiboot1: implausible module count");
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *m = rd->map(rd->ctx, (uint64_t)addr + 16 * i, 16);
			char name[BOOT_NAME_MAX];

			if (!m)
				return fail(err, errlen, "multiboot1: module list unreadable");
			if (!read_str(rd, ld32(m + 8), name, sizeof(name), NULL))
				name[0] = 0;
			add_module(bi, ld32(m), ld32(m + 4), name);
		}
	}

	if (flags & MB1_F_MMAP) {
		uint64_t p = ld32(mbi + 48), end = p + ld32(mbi + 44);

		while (p + 4 <= end) {
			const uint8_t *e = rd->map(rd->ctx, p, 4);
			uint32_t size;

			if (!e)
				return fail(err, errlen, "multiboot1: memory map unreadable");
			size = ld32(e);
			if (size < 20 || p + 4 + size > end)
				return fail(err, errlen, "multiboot1: malformed memory map entry");
			e = rd->map(rd->ctx, p + 4, 20);
			if (!e)
				return fail(err, errlen, "multiboot1: memory map unreadable");
			add_mem(bi, ld64(e), ld64(e + 8), ld32(e + 16));
			p += 4 + (uint64_t)size;
		}
	} else if (flags & MB1_F_MEM) {
		/* No map: fall back to the two sizes (KiB above 0 and 1 MiB). */
		add_mem(bi, 0, (uint64_t)ld32(mbi + 4) * 1024, 1);
		add_mem(bi, 0x100000, (uint64_t)ld32(mbi + 8) * 1024, 1);
	}
	if (!bi->nmem)
		return fail(err, errlen, "multiboot1: no memory map");
	return 0;
}

static int parse_mb2(uint64_t pa, const struct phys_reader *rd,
		     struct boot_info *bi, char *err, size_t errlen)
{
	const uint8_t *hdr = rd->map(rd->ctx, pa, 8), *blk;
	uint32_t total;
	bool end = false, have_mmap = false;

	if (!hdr)
		return fail(err, errlen, "multiboot2: information block unreadable");
	total = ld32(hdr);
	if (total < 16 || total > MB2_MAX_SIZE || (pa & 7))
		return fail(err, errlen, "multiboot2: bad information block size");
	blk = rd->map(rd->ctx, pa, total);
	if (!blk)
		return fail(err, errlen, "multiboot2: information block unreadable");
	bi->proto = BOOT_MB2;
	bi->info_pa = pa;
	bi->info_len = total;

	for (uint32_t off = 8; off + 8 <= total && !end;) {
		const uint8_t *t = blk + off;
		uint32_t type = ld32(t), size = ld32(t + 4);

		if (size < 8 || size > total - off)
			return fail(err, errlen, "multiboot2: tag overruns the block");
		switch (type) {
		case MB2_TAG_END:
			end = true;
			break;
		case MB2_TAG_CMDLINE:
			copy_tag_str(t + 8, size - 8, bi->cmdline, sizeof(bi->cmdline),
				     &bi->cmdline_truncated);
			break;
		case MB2_TAG_LOADER:
			copy_tag_str(t + 8, size - 8, bi->loader, sizeof(bi->loader), NULL);
			break;
		case MB2_TAG_MODULE: {
			char name[BOOT_NAME_MAX];

			if (size < 16)
				return fail(err, errlen, "multiboot2: short module tag");
			copy_tag_str(t + 16, size - 16, name, sizeof(name), NULL);
			add_module(bi, ld32(t + 8), ld32(t + 12), name);
			break;
		}
		case MB2_TAG_MMAP: {
			uint32_t esz;

			if (size < 16)
				return fail(err, errlen, "multiboot2: short memory map tag");
			esz = ld32(t + 8);
			if (esz < 24 || esz % 8)
				return fail(err, errlen, "multiboot2: bad memory map entry size");
			for (uint32_t e = 16; e + esz <= size; e += esz)
				add_mem(bi, ld64(t + e), ld64(t + e + 8), ld32(t + e + 16));
			have_mmap = true;
			break;
		}
		case MB2_TAG_ACPI1:
		case MB2_TAG_ACPI2:
			/* Prefer the ACPI 2.0 RSDP (XSDT) when both come. */
			if (size >= 8 + 20 && (!bi->have_rsdp || type == MB2_TAG_ACPI2)) {
				size_t n = size - 8 < sizeof(bi->rsdp) ? size - 8 : sizeof(bi->rsdp);

				memset(bi->rsdp, 0, sizeof(bi->rsdp));
				memcpy(bi->rsdp, t + 8, n);
				bi->have_rsdp = true;
			}
			break;
		case MB2_TAG_MEMINFO:
			if (!have_mmap && size >= 16 && !bi->nmem) {
				add_mem(bi, 0, (uint64_t)ld32(t + 8) * 1024, 1);
				add_mem(bi, 0x100000, (uint64_t)ld32(t + 12) * 1024, 1);
			}
			break;
		default:
			break;		/* tags we don't use */
		}
		off += (size + 7) & ~7u;
	}
	if (!end)
		return fail(err, errlen, "multiboot2: no end tag");
	if (!bi->nmem)
		return fail(err, errlen, "multiboot2: no memory map");
	return 0;
}

int bootinfo_parse(uint32_t magic, uint64_t info_pa, const struct phys_reader *rd,
		   struct boot_info *out, char *err, size_t errlen)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (magic == MB1_BOOT_MAGIC)
		r = parse_mb1(info_pa, rd, out, err, errlen);
	else if (magic == MB2_BOOT_MAGIC)
		r = parse_mb2(info_pa, rd, out, err, errlen);
	else {
		ksnprintf(err, errlen, "unknown boot loader magic 0x%x", magic);
		return -EINVAL;
	}
	if (r)
		return r;
	out->nmem = bootinfo_sanitize_mem(out->mem, out->nmem, BOOT_MAX_MEM);
	if (!bootinfo_usable_bytes(out))
		return fail(err, errlen, "memory map has no usable memory");
	return 0;
}

/* Higher wins where ranges overlap. */
static int restrictiveness(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE: return 0;
	case BOOT_MEM_ACPI: return 1;
	case BOOT_MEM_RESERVED: return 2;
	case BOOT_MEM_NVS: return 3;
	default: return 4;	/* bad */
	}
}

static void sort_u64(uint64_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		uint32_t j = i;

		for (; j && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

uint32_t bootinfo_sanitize_mem(struct boot_mem_range *r, uint32_t n, uint32_t cap)
{
	uint64_t edge[2 * BOOT_MAX_MEM];
	struct boot_mem_range outr[BOOT_MAX_MEM];
	uint32_t ne = 0, no = 0;

	if (n > BOOT_MAX_MEM)
		n = BOOT_MAX_MEM;
	for (uint32_t i = 0; i < n; i++) {
		if (!r[i].len)
			continue;
		edge[ne++] = r[i].base;
		edge[ne++] = r[i].base + r[i].len;
	}
	sort_u64(edge, ne);

	/* Each elementary interval between edges takes the most restrictive
	 * type of the ranges covering it; uncovered intervals are holes. */
	for (uint32_t e = 0; e + 1 < ne; e++) {
		uint64_t lo = edge[e], hi = edge[e + 1];
		int best = -1;
		uint32_t type = 0;

		if (lo == hi)
			continue;
		for (uint32_t i = 0; i < n; i++) {
			if (!r[i].len || r[i].base > lo || r[i].base + r[i].len < hi)
				continue;
			if (restrictiveness(r[i].type) > best) {
				best = restrictiveness(r[i].type);
				type = r[i].type;
			}
		}
		if (best < 0)
			continue;
		if (no && outr[no - 1].type == type &&
		    outr[no - 1].base + outr[no - 1].len == lo) {
			outr[no - 1].len += hi - lo;
			continue;
		}
		if (no == BOOT_MAX_MEM || no == cap)
			break;
		outr[no].base = lo;
		outr[no].len = hi - lo;
		outr[no].type = type;
		no++;
	}

	/* Usable ranges shrink to whole pages; what is left of a page at
	 * either end is not ours to use. */
	n = 0;
	for (uint32_t i = 0; i < no; i++) {
		struct boot_mem_range m = outr[i];

		if (m.type == BOOT_MEM_USABLE) {
			uint64_t b = (m.base + 4095) & ~4095ull;
			uint64_t e = (m.base + m.len) & ~4095ull;

			if (b < m.base || e <= b)
				continue;
			m.base = b;
			m.len = e - b;
		}
		r[n++] = m;
	}
	return n;
}

const struct boot_module *bootinfo_find_module(const struct boot_info *bi,
					       const char *name)
{
	size_t l = strlen(name);

	for (uint32_t i = 0; i < bi->nmods; i++) {
		const char *s = bi->mods[i].name;

		/* QEMU passes "path arg" pairs; GRUB and iPXE pass the args. */
		const char *sp = strrchr(s, ' ');
		const char *w = sp ? sp + 1 : s;

		if (!strcmp(w, name) || (!strncmp(s, name, l) && (!s[l] || s[l] == ' ')))
			return &bi->mods[i];
	}
	return NULL;
}

bool bootinfo_cmdline_opt(const char *cmdline, const char *key, char *val, size_t vlen)
{
	size_t kl = strlen(key);
	const char *p = cmdline;

	while (*p) {
		const char *w;
		size_t wl;

		while (*p == ' ')
			p++;
		w = p;
		while (*p && *p != ' ')
			p++;
		wl = (size_t)(p - w);
		if (wl >= kl && !strncmp(w, key, kl) && (wl == kl || w[kl] == '=')) {
			if (val && vlen) {
				size_t vl = wl > kl ? wl - kl - 1 : 0;

				if (vl >= vlen)
					vl = vlen - 1;
				memcpy(val, w + kl + (wl > kl), vl);
				val[vl] = 0;
			}
			return true;
		}
	}
	return false;
}

uint64_t bootinfo_usable_bytes(const struct boot_info *bi)
{
	uint64_t t = 0;

	for (uint32_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE)
			t += bi->mem[i].len;
	return t;
}
