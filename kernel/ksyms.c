/* Symbol lookup over the table tools/gen-ksyms.sh embeds. */
#include <stddef.h>
#include "kernel/ksyms.h"

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];
extern const char _text[], _etext[];

const char *ksyms_lookup(uint64_t addr, uint64_t *off)
{
	uint64_t lo = 0, hi = ksyms_count;

	if (addr < (uint64_t)(uintptr_t)_text || addr >= (uint64_t)(uintptr_t)_etext ||
	    !hi || addr < ksyms_addr[0])
		return NULL;
	while (hi - lo > 1) {		/* last symbol at or below addr */
		uint64_t mid = lo + (hi - lo) / 2;

		if (ksyms_addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - ksyms_addr[lo];
	return ksyms_names + ksyms_name_off[lo];
}
