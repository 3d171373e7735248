/* Touches guest-physical memory beyond its RAM (mapped by its own page
 * tables, backed by nothing): the VM must be stopped, nothing else. */
#include "guest.h"

int guest_main(uint64_t id)
{
	(void)id;
	print("reading beyond guest RAM\n");
	(void)*(volatile uint64_t *)0x40000000ull;
	print("FAIL oob: the read returned\n");
	return 1;
}
