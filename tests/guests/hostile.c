/*
 * A hostile but surviving guest: everything it tries must come back as
 * the architectural fault (#GP, #UD) or as nothing at all (I/O to ports
 * nobody decodes), with the VM still running.
 */
#include "guest.h"

static int wrmsr_fault(uint32_t msr, uint64_t v)
{
	expect_fault(2);
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	return fault_vector();
}

int guest_main(uint64_t id)
{
	static const struct { uint32_t msr; uint64_t val; const char *name; } bad[] = {
		{ 0x10b, 1, "flush-cmd" }, { 0x48, 1, "spec-ctrl" }, { 0x49, 1, "pred-cmd" },
		{ 0x3a, 5, "feature-control" }, { 0xc0000080, 0xd01 | (1u << 12), "efer-svme" },
		{ 0x1a0, 0, "misc-enable" }, { 0x1b, 0xfeb00900, "apic-base-move" },
		{ 0xc0010114, 0, "vm-cr" }, { 0x79, 0, "microcode-update" },
		{ 0x10, 0, "tsc-write" },
	};
	unsigned ports = 0;

	(void)id;
	print("hostile guest: forbidden MSRs, VMX instructions, stray I/O\n");
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(wrmsr_fault(bad[i].msr, bad[i].val) == 13, bad[i].name, "no #GP");

	expect_fault(3);
	__asm__ volatile(".byte 0x0f, 0x01, 0xc2");		/* VMLAUNCH */
	check(fault_vector() == 6, "vmlaunch-ud", "vector %d", fault_vector());
	expect_fault(3);
	__asm__ volatile(".byte 0x0f, 0x01, 0xc3");		/* VMRESUME */
	check(fault_vector() == 6, "vmresume-ud", "vector %d", fault_vector());
	expect_fault(3);
	__asm__ volatile(".byte 0x0f, 0x01, 0xd8");		/* VMRUN (AMD) */
	check(fault_vector() == 6, "vmrun-ud", "vector %d", fault_vector());

	/* Every 251st port, both directions: nothing may break. */
	for (uint32_t p = 0; p < 0x10000; p += 251) {
		if (p == PORT_CONSOLE || (p >= PORT_EXIT && p < PORT_EXIT + 12))
			continue;
		outb((uint16_t)p, 0xa5);
		(void)inb((uint16_t)p);
		ports++;
	}
	check(ports > 200, "stray-io-survived", "%u", ports);
	print("hostile guest done, %u failure(s)\n", failures);
	return (int)failures;
}
