/* FPU/SSE state across preemption: runs long enough to be switched out
 * for other VMs on its CPU many times, checking its XMM registers after
 * every stretch of work. A second VM running the same guest beside it
 * shows that states never mix. */
#include <string.h>
#include "guest.h"

int guest_main(uint64_t id)
{
	static uint8_t in[32] __attribute__((aligned(16))), out[32] __attribute__((aligned(16)));
	uint64_t cr0, cr4, seed = rdtsc() | 1;
	unsigned bad = 0;

	(void)id;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"((cr0 & ~4ull) | 2));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1u << 9) | (1u << 10)));
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 32; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			in[i] = (uint8_t)(seed >> 56);
		}
		__asm__ volatile("movdqa (%0), %%xmm3; movdqa 16(%0), %%xmm12" : : "r"(in) : "memory");
		/* About one time slice of work with no exits of our own. */
		for (volatile unsigned long k = 0; k < 200000; k++)
			;
		__asm__ volatile("movdqa %%xmm3, (%0); movdqa %%xmm12, 16(%0)" : : "r"(out) : "memory");
		if (memcmp(in, out, 32))
			bad++;
	}
	check(!bad, "fpu-state-kept-across-preemption", "%u of 40 rounds corrupted", bad);
	return (int)failures;
}
