/* Two vCPUs in one VM: each checks its own identity through CPUID and
 * meets the other through guest memory; vCPU 0 reports for both. */
#include "guest.h"

static volatile uint32_t arrived;
static volatile uint32_t apic_ok;

int guest_main(uint64_t id)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if ((r[1] >> 24) == id && ((r[1] >> 16) & 0xff) == 2)
		__atomic_fetch_add(&apic_ok, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	if (id != 0) {
		for (;;)
			__asm__ volatile("sti; hlt");	/* parked: nothing wakes it */
	}
	for (unsigned long spin = 0; arrived < 2 && spin < 200000000ul; spin++)
		__asm__ volatile("pause");
	check(arrived == 2, "smp-both-vcpus-ran", "%u arrived", arrived);
	check(apic_ok == 2, "smp-apic-ids", "%u correct", apic_ok);
	return (int)failures;
}
