/* Never exits on its own: interrupts off, a tight loop. Only the host's
 * preemption gets the CPU back. */
#include "guest.h"

int guest_main(uint64_t id)
{
	(void)id;
	print("spinning\n");
	__asm__ volatile("cli; 1: jmp 1b");
	return 1;
}
