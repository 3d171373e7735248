/* 4-level x86_64 page-table builder. Pure logic: tables are reached through
 * the caller's callbacks, so the same code builds the host's tables, the
 * guests' EPT (SDM Vol 3C 28.2) and NPT (APM Vol 2 15.25) tables, and is
 * tested on the host (SDM Vol 3A 4.5, IA-32e paging). */
#ifndef ARCH_X86_64_PAGETABLE_H
#define ARCH_X86_64_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Mapping permissions, translated to PTE bits by the builder. */
#define PT_R   0x1u	/* always implied */
#define PT_W   0x2u
#define PT_X   0x4u
#define PT_UC  0x8u	/* uncached (MMIO) */
#define PT_G   0x10u	/* global */
#define PT_NOLARGE 0x20u	/* 4 KiB pages only */

struct pt_ops {
	/* A zeroed page for a table: returns its virtual address, *pa its
	 * physical one; NULL when out of memory. */
	void *(*alloc)(void *ctx, uint64_t *pa);
	void *(*p2v)(void *ctx, uint64_t pa);
	void *ctx;
	bool nx;		/* EFER.NXE is on: bit 63 is meaningful */
	bool huge_1g;		/* CPU supports 1 GiB pages */
	bool ept;		/* EPT format: R/W/X bits, write-back type */
	bool user;		/* U=1 everywhere (NPT: guest accesses are user) */
};

/* EPT entry bits (SDM Vol 3C 28.3.2) */
#define EPT_R     (1ull << 0)
#define EPT_W     (1ull << 1)
#define EPT_X     (1ull << 2)
#define EPT_WB    (6ull << 3)
#define EPT_PS    (1ull << 7)

/* Maps [va, va+len) to [pa, pa+len) with prot, using 2 MiB / 1 GiB pages
 * where alignment and PT_NOLARGE allow. va, pa and len must be 4 KiB
 * aligned, the range inside one canonical half (it may end exactly at
 * 2^64) and pa + len at most 2^52; len 0 does nothing. Mapping what is
 * already mapped identically succeeds. Returns 0, -EINVAL, -EEXIST
 * (something else is mapped there, or a large page covers part of the
 * range: nothing is changed), or -ENOMEM (partial mappings remain and must
 * be unmapped by the caller). */
int pt_map(const struct pt_ops *o, uint64_t *root, uint64_t va, uint64_t pa,
	   uint64_t len, unsigned prot);

/* Removes the mappings in [va, va+len) (same range rules as pt_map):
 * leaves wholly inside go at once, large pages sticking out of the range
 * are split first. Returns 0, -EINVAL or -ENOMEM (a split failed). */
int pt_unmap(const struct pt_ops *o, uint64_t *root, uint64_t va, uint64_t len);

/* Translates va: returns true and the physical address and leaf PTE. */
bool pt_lookup(const struct pt_ops *o, const uint64_t *root, uint64_t va,
	       uint64_t *pa, uint64_t *pte);

#endif
