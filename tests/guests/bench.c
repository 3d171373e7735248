/*
 * Exit round-trip cost, measured by the guest with RDTSC (under Bochs the
 * TSC counts instructions exactly): CPUID and port I/O to the in-kernel
 * test device, a short loop (minimum over many runs, so no timer interrupt
 * lands inside) and a long one, each minus the same loop without the
 * exiting instruction.
 */
#include "guest.h"

#define SHORT 10
#define RUNS 200
#define LONG 20000
#define WALL 1000000

static uint64_t loop_cpuid(unsigned n)
{
	uint32_t r[4];
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < n; i++)
		cpuid(0x40000000, 0, r);
	return rdtsc() - t0;
}

static uint64_t loop_io(unsigned n)
{
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < n; i++)
		(void)inb(PORT_CONSOLE);
	return rdtsc() - t0;
}

static uint64_t loop_empty(unsigned n)
{
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
	return rdtsc() - t0;
}

static uint64_t min_of(uint64_t (*f)(unsigned), unsigned n)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < RUNS; i++) {
		uint64_t t = f(n);

		if (t < best)
			best = t;
	}
	return best;
}

int guest_main(uint64_t id)
{
	uint64_t base_s = min_of(loop_empty, SHORT), base_l = loop_empty(LONG);
	uint64_t c_s = min_of(loop_cpuid, SHORT), io_s = min_of(loop_io, SHORT);
	uint64_t c_l = loop_cpuid(LONG), io_l = loop_io(LONG);

	(void)id;
	print("BENCH cpuid short %lu per exit\n", (c_s - base_s) / SHORT);
	print("BENCH io short %lu per exit\n", (io_s - base_s) / SHORT);
	print("BENCH cpuid long %lu per exit\n", (c_l - base_l) / LONG);
	print("BENCH io long %lu per exit\n", (io_l - base_l) / LONG);
	/* For exits per second of wall time: tools/bench-exits.py stamps
	 * these two lines as they reach the console. */
	print("BENCH wall start\n");
	loop_cpuid(WALL);
	print("BENCH wall end %u exits\n", WALL);
	return 0;
}
