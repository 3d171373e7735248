/* 4-level guest page walk (SDM Vol 3A 4.5). Read-only: accessed and
 * dirty bits are the guest's business; permission bits do not matter for
 * fetching an instruction the CPU already fetched. */
#include <errno.h>
#include <string.h>
#include "vmm/gwalk.h"

int gwalk64(const struct guest_mem *gm, uint64_t cr3, uint64_t la, uint64_t *gpa)
{
	uint64_t table = cr3 & 0x000ffffffffff000ull;

	for (int level = 3; level >= 0; level--) {
		unsigned idx = (la >> (12 + 9 * level)) & 511;
		const uint64_t *e = gm->map(gm->ctx, table + idx * 8, 8);
		uint64_t v;

		if (!e)
			return -EFAULT;
		memcpy(&v, e, 8);
		if (!(v & 1))
			return -EFAULT;
		if (level == 3 && (v & 0x80))
			return -EFAULT;		/* PS is reserved in a PML4E (SDM 4.5.4) */
		if (level == 0 || ((v & 0x80) && level <= 2)) {
			uint64_t mask = (1ull << (12 + 9 * level)) - 1;

			*gpa = (v & 0x000ffffffffff000ull & ~mask) | (la & mask);
			return 0;
		}
		table = v & 0x000ffffffffff000ull;
	}
	return -EFAULT;
}
