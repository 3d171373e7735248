/* RSDP -> RSDT/XSDT -> MADT (ACPI 6.4 sections 5.2.5, 5.2.7, 5.2.8,
 * 5.2.12). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/unaligned.h"
#include "drivers/acpi.h"

#define MAX_TABLE (1u << 20)

static bool checksum_ok(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s == 0;
}

/* avail: bytes readable at p (at least 20). */
static bool rsdp_ok(const uint8_t *p, size_t avail)
{
	if (memcmp(p, "RSD PTR ", 8) || !checksum_ok(p, 20))
		return false;
	/* ACPI 2.0+: the extended checksum covers the 36-byte structure. */
	return p[15] < 2 || (avail >= 36 && checksum_ok(p, 36));
}

static const uint8_t *scan(const struct phys_reader *rd, uint64_t pa, size_t len)
{
	const uint8_t *p = rd->map(rd->ctx, pa, len);

	if (!p)
		return NULL;
	/* A version-1 RSDP is 20 bytes and may sit in the area's last
	 * paragraphs (ACPI 6.4 5.2.5.1). */
	for (size_t off = 0; off + 20 <= len; off += 16)
		if (rsdp_ok(p + off, len - off))
			return p + off;
	return NULL;
}

/* A whole table with a valid header, or NULL. */
static const uint8_t *table(const struct phys_reader *rd, uint64_t pa)
{
	const uint8_t *h = rd->map(rd->ctx, pa, 36);
	uint32_t len;

	if (!h)
		return NULL;
	len = ld32(h + 4);
	if (len < 36 || len > MAX_TABLE)
		return NULL;
	h = rd->map(rd->ctx, pa, len);
	if (!h || !checksum_ok(h, len))
		return NULL;
	return h;
}

static int parse_madt(const uint8_t *m, struct acpi_cpus *out)
{
	uint32_t len = ld32(m + 4);

	out->n = 0;
	out->lapic_pa = ld32(m + 36);
	for (uint32_t off = 44; off + 2 <= len;) {
		uint8_t type = m[off], elen = m[off + 1];

		if (elen < 2 || off + elen > len)
			return -EINVAL;
		if (type == 0 && elen >= 8) {		/* processor local APIC */
			if ((ld32(m + off + 4) & 1) && out->n < 64)
				out->apic_id[out->n++] = m[off + 3];
		} else if (type == 9 && elen >= 16) {	/* processor local x2APIC */
			if ((ld32(m + off + 8) & 1) && out->n < 64)
				out->apic_id[out->n++] = ld32(m + off + 4);
		} else if (type == 5 && elen >= 12) {	/* LAPIC address override */
			out->lapic_pa = ld64(m + off + 4);
		}
		off += elen;
	}
	return out->n ? 0 : -ENOENT;
}

int acpi_find_cpus(const struct phys_reader *rd, const uint8_t *rsdp_copy,
		   struct acpi_cpus *out)
{
	const uint8_t *rsdp = NULL, *root;
	bool xsdt;
	uint32_t esz, len;

	if (rsdp_copy && rsdp_ok(rsdp_copy, 36))
		rsdp = rsdp_copy;
	if (!rsdp) {
		const uint16_t *ebda_seg = rd->map(rd->ctx, 0x40e, 2);

		if (ebda_seg && *ebda_seg)
			rsdp = scan(rd, (uint64_t)*ebda_seg << 4, 1024);
	}
	if (!rsdp)
		rsdp = scan(rd, 0xe0000, 0x20000);
	if (!rsdp)
		return -ENOENT;

	xsdt = rsdp[15] >= 2 && ld64(rsdp + 24);
	root = table(rd, xsdt ? ld64(rsdp + 24) : ld32(rsdp + 16));
	if (!root)
		return -EINVAL;
	esz = xsdt ? 8 : 4;
	len = ld32(root + 4);
	for (uint32_t off = 36; off + esz <= len; off += esz) {
		uint64_t pa = xsdt ? ld64(root + off) : ld32(root + off);
		const uint8_t *h = rd->map(rd->ctx, pa, 4);

		if (!h || memcmp(h, "APIC", 4))
			continue;
		h = table(rd, pa);
		if (!h || ld32(h + 4) < 44)
			return -EINVAL;
		return parse_madt(h, out);
	}
	return -ENOENT;
}
