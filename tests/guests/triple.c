/* Breaks its IDT and raises an exception: #BP cannot be delivered, then
 * neither can #DF: a triple fault, which stops this VM only. */
#include "guest.h"

int guest_main(uint64_t id)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) null_idt = { 0, 0 };

	(void)id;
	print("triple-faulting\n");
	__asm__ volatile("lidt %0; int3" : : "m"(null_idt));
	print("FAIL triple: survived\n");
	return 1;
}
