/*
 * Host memory bring-up: the physical page allocator from the boot memory
 * map, the W^X kernel page tables with the direct map, guarded stacks.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pagetable.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/pmm.h"
#include "kernel/spinlock.h"

extern char _text[], _etext[], _rodata[], _erodata[], _data[], _ebss[];
extern char boot_stack_guard[], boot_stack[];

static struct pmm pmm;
static struct spinlock pmm_lock = SPINLOCK_INIT;
static uint64_t total_pages;
static uint64_t *kroot;			/* the kernel PML4 (virtual) */
static uint64_t kroot_pa;
static struct spinlock pt_lock = SPINLOCK_INIT;
static uint64_t physmap_off;		/* 0 while the boot identity map runs */
static uint32_t kstack_next;

void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + physmap_off);
}

uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)(uintptr_t)va;

	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	if (v >= PHYSMAP_BASE && v < PHYSMAP_BASE + PHYSMAP_LIMIT)
		return v - PHYSMAP_BASE;
	ASSERT(physmap_off == 0);
	return v;
}

int page_alloc(size_t n, uint64_t *pa)
{
	return page_alloc_aligned(n, 1, pa);
}

int page_alloc_aligned(size_t n, size_t align, uint64_t *pa)
{
	/* Before the kernel tables are up only the first 4 GiB (the boot
	 * identity map) can be touched. */
	uint64_t limit = physmap_off ? 0 : (4ull << 30);
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	int r = pmm_alloc(&pmm, n, align, limit, pa);

	spin_unlock_irqrestore(&pmm_lock, f);
	if (r)
		return r;
	memset(phys_to_virt(*pa), 0, n * PAGE_SIZE);
	return 0;
}

void page_free(uint64_t pa, size_t n)
{
	uint64_t f;
	int r;

	memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
	f = spin_lock_irqsave(&pmm_lock);
	r = pmm_free(&pmm, pa, n);
	spin_unlock_irqrestore(&pmm_lock, f);
	ASSERT(r == 0);
}

uint64_t page_free_count(void)
{
	return pmm_free_pages(&pmm);
}

uint64_t page_total_count(void)
{
	return total_pages;
}

static void *pt_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	if (page_alloc(1, pa))
		return NULL;
	return phys_to_virt(*pa);
}

static void *pt_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static struct pt_ops kops = { .alloc = pt_alloc, .p2v = pt_p2v };

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t len, unsigned prot)
{
	int r = pt_map(&kops, kroot, va, pa, len, prot);

	if (r)
		panic("mm: cannot map %#llx-%#llx: %d", (unsigned long long)va,
		      (unsigned long long)(va + len), r);
}

static void map_kernel_section(const char *s, const char *e, unsigned prot)
{
	uint64_t va = (uint64_t)(uintptr_t)s;

	map_or_panic(va, va - KERNEL_VMA, (uint64_t)(e - s), prot | PT_NOLARGE);
}

/* Ranges the page allocator must never hand out. */
struct excl {
	uint64_t base, end;
};

static uint32_t exclusions(const struct boot_info *bi, struct excl *x)
{
	uint32_t n = 0;

	x[n++] = (struct excl){ 0, 0x100000 };	/* BIOS data, EBDA, AP trampoline */
	x[n++] = (struct excl){ KERNEL_PHYS, virt_to_phys(_ebss) };
	x[n++] = (struct excl){ bi->info_pa, bi->info_pa + bi->info_len };
	for (uint32_t i = 0; i < bi->nmods; i++)
		x[n++] = (struct excl){ bi->mods[i].start, bi->mods[i].end };
	return n;
}

/* The lowest page-aligned place for bytes inside a usable range below
 * 4 GiB (reachable through the boot identity map) clear of exclusions. */
static uint64_t find_room(const struct boot_info *bi, const struct excl *x,
			  uint32_t nx, uint64_t bytes)
{
	for (uint32_t i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *m = &bi->mem[i];
		uint64_t b = m->base, end = m->base + m->len;
		bool moved = true;

		if (m->type != BOOT_MEM_USABLE)
			continue;
		while (moved) {
			moved = false;
			for (uint32_t j = 0; j < nx; j++) {
				if (b < x[j].end && b + bytes > x[j].base) {
					b = (x[j].end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
					moved = true;
				}
			}
		}
		if (b + bytes <= end && b + bytes <= (4ull << 30))
			return b;
	}
	return 0;
}

static void init_pmm(const struct boot_info *bi)
{
	struct excl x[4 + BOOT_MAX_MODS];
	uint32_t nx = exclusions(bi, x);
	uint64_t top = 0, bytes, bm_pa;

	for (uint32_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE &&
		    bi->mem[i].base + bi->mem[i].len > top)
			top = bi->mem[i].base + bi->mem[i].len;
	if (top > PHYSMAP_LIMIT)
		top = PHYSMAP_LIMIT;
	bytes = (pmm_bitmap_bytes(top) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bm_pa = find_room(bi, x, nx, bytes);
	if (!bm_pa)
		panic("mm: no room for the page bitmap (%llu bytes)",
		      (unsigned long long)bytes);

	pmm_init(&pmm, phys_to_virt(bm_pa), top);
	for (uint32_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE)
			pmm_add_free(&pmm, bi->mem[i].base, bi->mem[i].len);
	total_pages = pmm_free_pages(&pmm);
	for (uint32_t j = 0; j < nx; j++)
		pmm_reserve(&pmm, x[j].base, x[j].end - x[j].base);
	pmm_reserve(&pmm, bm_pa, bytes);
}

static void init_tables(const struct boot_info *bi)
{
	uint64_t efer;

	kops.nx = cpu_feat.nx;
	kops.huge_1g = cpu_feat.pdpe1gb;
	kroot = pt_alloc(NULL, &kroot_pa);
	if (!kroot)
		panic("mm: out of memory for the kernel page tables");

	/* W^X: text RX, rodata R, data and bss RW (SDM Vol 3A 4.6). */
	map_kernel_section(_text, _etext, PT_X | PT_G);
	map_kernel_section(_rodata, _erodata, PT_G);
	map_kernel_section(_data, boot_stack_guard, PT_W | PT_G);
	/* boot_stack_guard stays unmapped: the guard of the boot stack. */
	map_kernel_section(boot_stack, _ebss, PT_W | PT_G);

	/* The direct map covers RAM and firmware tables (not MMIO holes). */
	for (uint32_t i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *m = &bi->mem[i];
		uint64_t b = m->base & ~(PAGE_SIZE - 1);
		uint64_t e = (m->base + m->len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

		if (m->type == BOOT_MEM_RESERVED || m->type == BOOT_MEM_BAD ||
		    e > PHYSMAP_LIMIT)
			continue;
		/* Neighbouring ranges may share an edge page: map page by
		 * page where the range is not 2 MiB aligned. */
		while (b < e) {
			uint64_t step = e - b;
			uint64_t pa, pte;

			if (pt_lookup(&kops, kroot, PHYSMAP_BASE + b, &pa, &pte)) {
				b += PAGE_SIZE;
				continue;
			}
			if ((b & ((1ull << 21) - 1)) || step < (1ull << 21))
				step = PAGE_SIZE;
			else
				step &= ~((1ull << 21) - 1);
			map_or_panic(PHYSMAP_BASE + b, b, step, PT_W | PT_G);
			b += step;
		}
	}
	/* The first MiB (BIOS tables, EBDA) for ACPI discovery. */
	for (uint64_t b = 0; b < 0x100000; b += PAGE_SIZE) {
		uint64_t pa, pte;

		if (!pt_lookup(&kops, kroot, PHYSMAP_BASE + b, &pa, &pte))
			map_or_panic(PHYSMAP_BASE + b, b, PAGE_SIZE, PT_NOLARGE);
	}

	efer = rdmsr(MSR_EFER);
	if (cpu_feat.nx)
		wrmsr(MSR_EFER, efer | EFER_NXE);
	if (cpu_feat.pge)
		write_cr4(read_cr4() | CR4_PGE);
	write_cr3(kroot_pa);
	physmap_off = PHYSMAP_BASE;
	kroot = phys_to_virt(kroot_pa);
	pmm.bitmap = (uint64_t *)((uintptr_t)pmm.bitmap + PHYSMAP_BASE);
}

void mm_init(const struct boot_info *bi)
{
	init_pmm(bi);
	init_tables(bi);
}

void *mm_map_phys(uint64_t pa, size_t len, int uc)
{
	uint64_t b = pa & ~(PAGE_SIZE - 1);
	uint64_t e = (pa + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t f;
	int r = 0;

	if (!len || e < b || e > PHYSMAP_LIMIT)
		return NULL;
	f = spin_lock_irqsave(&pt_lock);
	for (; b < e && !r; b += PAGE_SIZE) {
		uint64_t got, pte;

		if (pt_lookup(&kops, kroot, PHYSMAP_BASE + b, &got, &pte))
			continue;
		r = pt_map(&kops, kroot, PHYSMAP_BASE + b, b, PAGE_SIZE,
			   PT_W | PT_NOLARGE | (uc ? PT_UC : 0));
	}
	spin_unlock_irqrestore(&pt_lock, f);
	return r ? NULL : phys_to_virt(pa);
}

/* Freed stack slots, reused before fresh ones. */
static uint32_t kstack_free_slots[KSTACK_SLOTS];
static uint32_t kstack_nfree;

uint64_t kstack_alloc(void)
{
	uint64_t f, va, pa;
	uint32_t slot;

	f = spin_lock_irqsave(&pt_lock);
	if (kstack_nfree)
		slot = kstack_free_slots[--kstack_nfree];
	else
		slot = kstack_next < KSTACK_SLOTS ? kstack_next++ : KSTACK_SLOTS;
	spin_unlock_irqrestore(&pt_lock, f);
	if (slot == KSTACK_SLOTS || page_alloc(KSTACK_PAGES, &pa))
		return 0;
	/* Slot layout: one unmapped guard page, then the stack. */
	va = KSTACK_BASE + (uint64_t)slot * KSTACK_SLOT + PAGE_SIZE;
	f = spin_lock_irqsave(&pt_lock);
	if (pt_map(&kops, kroot, va, pa, KSTACK_PAGES * PAGE_SIZE,
		   PT_W | PT_G | PT_NOLARGE)) {
		spin_unlock_irqrestore(&pt_lock, f);
		page_free(pa, KSTACK_PAGES);
		return 0;
	}
	spin_unlock_irqrestore(&pt_lock, f);
	/* A reused slot: this CPU (which builds the new task's first frame)
	 * may still cache the old translation. Only a stack's creator and
	 * the CPU that runs it ever touch it; kstack_free flushes the latter. */
	for (uint64_t p = va; p < va + KSTACK_PAGES * PAGE_SIZE; p += PAGE_SIZE)
		invlpg(p);
	return va + KSTACK_PAGES * PAGE_SIZE;
}

void kstack_free(uint64_t top)
{
	uint64_t va = top - KSTACK_PAGES * PAGE_SIZE, pa, pte, f;
	uint32_t slot = (uint32_t)((va - PAGE_SIZE - KSTACK_BASE) / KSTACK_SLOT);

	ASSERT(va >= KSTACK_BASE + PAGE_SIZE && slot < KSTACK_SLOTS &&
	       va == KSTACK_BASE + (uint64_t)slot * KSTACK_SLOT + PAGE_SIZE);
	f = spin_lock_irqsave(&pt_lock);
	ASSERT(pt_lookup(&kops, kroot, va, &pa, &pte));
	pt_unmap(&kops, kroot, va, KSTACK_PAGES * PAGE_SIZE);
	for (uint64_t p = va; p < top; p += PAGE_SIZE)
		invlpg(p);
	kstack_free_slots[kstack_nfree++] = slot;
	spin_unlock_irqrestore(&pt_lock, f);
	/* Another CPU may hold a stale TLB entry for these pages only if it
	 * ran on this stack, and stacks belong to one CPU's tasks. */
	page_free(pa, KSTACK_PAGES);
}

int mm_identity_map_page(uint64_t pa, int map)
{
	uint64_t f = spin_lock_irqsave(&pt_lock);
	int r;

	if (map)
		r = pt_map(&kops, kroot, pa, pa, PAGE_SIZE, PT_X | PT_NOLARGE);
	else
		r = pt_unmap(&kops, kroot, pa, PAGE_SIZE);
	spin_unlock_irqrestore(&pt_lock, f);
	invlpg(pa);
	return r;
}

int mm_is_mapped(uint64_t va)
{
	uint64_t pa, pte;

	if (!kroot || !physmap_off)
		return va >= KERNEL_VMA;	/* boot tables: the image is mapped */
	return pt_lookup(&kops, kroot, va, &pa, &pte);
}

void mm_kernel_image(uint64_t *pa_start, uint64_t *pa_end)
{
	*pa_start = KERNEL_PHYS;
	*pa_end = virt_to_phys(_ebss);
}
