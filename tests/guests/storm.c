/* An interrupt storm: the test timer re-armed at its finest grain, tens
 * of thousands of times, each interrupt an injection and each HLT an
 * exit. The host must stay responsive and the count exact. */
#include "guest.h"

int guest_main(uint64_t id)
{
	const unsigned n = 5000;

	(void)id;
	print("interrupt storm: %u timer interrupts\n", n);
	for (unsigned i = 0; i < n; i++) {
		timer_arm(1, 0x31);
		__asm__ volatile("sti; hlt; cli");
	}
	check(irq_count[0x31] == n, "storm-all-delivered", "%u of %u", irq_count[0x31], n);
	return (int)failures;
}
