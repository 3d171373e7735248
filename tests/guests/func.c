/*
 * The functional suite, one check per line of output: CPUID, port I/O,
 * MMIO through the decoder (every form we emulate), HLT woken by a timer
 * interrupt, allowed and denied MSRs, injected exceptions, FPU/SSE/AVX
 * state across exits. Exits with the number of failures.
 */
#include <string.h>
#include "guest.h"

static void test_cpuid(uint64_t id)
{
	uint32_t r[4];
	char sig[13] = { 0 }, brand[49] = { 0 };

	cpuid(1, 0, r);
	check(r[2] & (1u << 31), "cpuid-hypervisor-bit", "ecx=%#x", r[2]);
	check(!(r[2] & (1u << 5)), "cpuid-no-vmx", "ecx=%#x", r[2]);
	check((r[1] >> 24) == id, "cpuid-apic-id", "ebx=%#x", r[1]);
	cpuid(0x40000000, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	check(!strcmp(sig, "BastionHV") && r[0] >= 0x40000001, "cpuid-signature",
	      "'%s' max %#x", sig, r[0]);
	for (uint32_t l = 0; l < 3; l++)
		cpuid(0x80000002 + l, 0, (uint32_t *)(brand + 16 * l));
	check(!strncmp(brand, "Bastion virtual CPU", 19), "cpuid-brand", "'%s'", brand);
	cpuid(0x80000001, 0, r);
	check(!(r[2] & (1u << 2)), "cpuid-no-svm", "ecx=%#x", r[2]);
	cpuid(6, 0, r);		/* power management: hidden */
	check(!r[0] && !r[1] && !r[2] && !r[3], "cpuid-leaf6-hidden", "%#x", r[0]);
}

static void test_io(void)
{
	check(inb(0x1234) == 0xff && inw(0x1234) == 0xffff && inl(0x1234) == 0xffffffffu,
	      "io-unassigned-reads-ones", "-");
	outl(0x1234, 0xdeadbeef);	/* dropped */
	check(inb(PORT_CONSOLE) == 0xe9, "io-console-port", "-");
}

static void test_uart(void)
{
	const char *msg = "hello from the 16550\n";

	outb(0x3fb, 0x03);		/* 8N1 */
	for (const char *p = msg; *p; p++) {
		while (!(inb(0x3fd) & 0x20))	/* THRE */
			;
		outb(0x3f8, (uint8_t)*p);
	}
	outb(0x3ff, 0xa5);
	check(inb(0x3ff) == 0xa5, "uart-scratch", "-");
	outb(0x3fc, 0x10);		/* loopback: the byte comes back */
	outb(0x3f8, 0x3c);
	check((inb(0x3fd) & 1) && inb(0x3f8) == 0x3c, "uart-loopback", "-");
	outb(0x3fc, 0x00);
}

static void test_mmio(void)
{
	volatile uint8_t *m = (volatile uint8_t *)MMIO_SCRATCH;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	*(volatile uint64_t *)m = 0x1122334455667788ull;
	check(*(volatile uint64_t *)m == 0x1122334455667788ull, "mmio-mov64", "-");
	*(volatile uint32_t *)(m + 8) = 0xcafef00d;
	check(*(volatile uint32_t *)(m + 8) == 0xcafef00d, "mmio-mov32", "-");
	*(volatile uint16_t *)(m + 12) = 0xbeef;
	check(*(volatile uint16_t *)(m + 12) == 0xbeef, "mmio-mov16", "-");
	m[14] = 0x5a;
	check(m[14] == 0x5a, "mmio-mov8", "-");

	/* Immediate stores: C6, C7 (16/32) and REX.W C7 (sign-extended). */
	__asm__ volatile("movb $0xa5, (%0)" : : "r"(m + 16) : "memory");
	__asm__ volatile("movw $0x1234, (%0)" : : "r"(m + 18) : "memory");
	__asm__ volatile("movl $0x89abcdef, (%0)" : : "r"(m + 20) : "memory");
	__asm__ volatile("movq $-2, (%0)" : : "r"(m + 24) : "memory");
	check(m[16] == 0xa5 && *(volatile uint16_t *)(m + 18) == 0x1234 &&
	      *(volatile uint32_t *)(m + 20) == 0x89abcdef &&
	      *(volatile uint64_t *)(m + 24) == 0xfffffffffffffffeull, "mmio-store-imm", "-");

	/* MOVZX/MOVSX from bytes and words. */
	m[32] = 0x80;
	*(volatile uint16_t *)(m + 34) = 0x8001;
	__asm__ volatile("movzbl (%1), %0" : "=r"(v32) : "r"(m + 32));
	check(v32 == 0x80, "mmio-movzx8", "%#x", v32);
	__asm__ volatile("movsbq (%1), %0" : "=r"(v64) : "r"(m + 32));
	check(v64 == 0xffffffffffffff80ull, "mmio-movsx8", "%#lx", v64);
	__asm__ volatile("movzwl (%1), %0" : "=r"(v32) : "r"(m + 34));
	check(v32 == 0x8001, "mmio-movzx16", "%#x", v32);
	__asm__ volatile("movswl (%1), %0" : "=r"(v32) : "r"(m + 34));
	check(v32 == 0xffff8001u, "mmio-movsx16", "%#x", v32);

	/* High-byte registers (no REX) and extended registers (REX). */
	{
		uint64_t a = 0x4200, b = ~0ull;

		__asm__ volatile("movb %%ah, (%1)" : : "a"(a), "r"(m + 40) : "memory");
		__asm__ volatile("movb (%1), %%bh" : "+b"(b) : "r"(m + 40));
		check(m[40] == 0x42 && b == 0xffffffffffff42ffull, "mmio-high-byte", "%#lx", b);
	}
	{
		uint64_t out;

		__asm__ volatile("mov $0x0123456789abcdef, %%r9\n\t"
				 "mov %%r9, (%1)\n\t"
				 "mov $-1, %%r14\n\t"
				 "movl (%1), %%r14d\n\t"
				 "mov %%r14, %0" : "=r"(out) : "r"(m + 48) : "r9", "r14", "memory");
		check(out == 0x89abcdefull, "mmio-rex-regs-zero-extend", "%#lx", out);
	}
	/* 16-bit load merges into the low word only. */
	{
		uint64_t x = 0x1111111111111111ull;

		*(volatile uint16_t *)(m + 56) = 0xabcd;
		__asm__ volatile("movw (%1), %w0" : "+r"(x) : "r"(m + 56));
		check(x == 0x111111111111abcdull, "mmio-mov16-merge", "%#lx", x);
	}
	/* MOV with a 64-bit absolute address (A1 / A3 moffs). */
	*(volatile uint32_t *)(m + 64) = 0x600dcafe;
	__asm__ volatile("movabs 0xd0000040, %%eax" : "=a"(v32));
	check(v32 == 0x600dcafe, "mmio-moffs-load", "%#x", v32);
	v8 = 0x77;
	__asm__ volatile("movabs %%al, 0xd0000044" : : "a"(v8) : "memory");
	check(m[0x44] == 0x77, "mmio-moffs-store", "-");
	(void)v16;
}

static void test_hlt_timer(void)
{
	unsigned before = irq_count[0x30];

	timer_arm(2000, 0x30);
	__asm__ volatile("sti; hlt; cli");
	check(irq_count[0x30] == before + 1, "hlt-woken-by-timer", "%u", irq_count[0x30] - before);
}

static int rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;

	expect_fault(2);
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	*v = ((uint64_t)hi << 32) | lo;
	return fault_vector();
}

static int wrmsr_safe(uint32_t msr, uint64_t v)
{
	expect_fault(2);
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	return fault_vector();
}

static void test_msr(void)
{
	uint64_t v = 0;

	check(rdmsr_safe(0xc0000080, &v) == -1 && (v & 0xd00) == 0xd00, "msr-efer-read", "%#lx", v);
	check(wrmsr_safe(0xc0000082, 0xffffffff81000000ull) == -1 &&
	      rdmsr_safe(0xc0000082, &v) == -1 && v == 0xffffffff81000000ull, "msr-lstar-roundtrip", "%#lx", v);
	check(wrmsr_safe(0xc0000082, 0x0000800000000000ull) == 13 && fault_error() == 0,
	      "msr-lstar-noncanonical-gp", "-");
	check(wrmsr_safe(0x277, 0x0007040600070406ull) == -1, "msr-pat-valid", "-");
	check(wrmsr_safe(0x277, 0x0000000000000002ull) == 13, "msr-pat-reserved-type-gp", "-");
	check(rdmsr_safe(0x1d9, &v) == 13, "msr-debugctl-denied", "-");
	check(wrmsr_safe(0x3a, 5) == 13, "msr-feature-control-denied", "-");
	check(rdmsr_safe(0x480, &v) == 13, "msr-vmx-basic-denied", "-");
}

/* Debug registers are the vCPU's own storage on both back ends: what is
 * written reads back, reset values, reserved DR7 bits #GP (SDM Vol 3B
 * 17.2). MOV with RAX keeps each instruction 3 bytes long. */
static void test_debug_regs(void)
{
	uint64_t v = 0;

	expect_fault(3);
	__asm__ volatile("mov %%db6, %0" : "=a"(v));
	check(fault_vector() == -1 && v == 0xffff0ff0, "dr6-reset-value", "%#lx", v);
	expect_fault(3);
	__asm__ volatile("mov %%db7, %0" : "=a"(v));
	check(fault_vector() == -1 && v == 0x400, "dr7-reset-value", "%#lx", v);
	expect_fault(3);
	__asm__ volatile("mov %0, %%db0" : : "a"(0xffffffff81234560ull));
	v = 0;
	if (fault_vector() == -1) {
		expect_fault(3);
		__asm__ volatile("mov %%db0, %0" : "=a"(v));
	}
	check(fault_vector() == -1 && v == 0xffffffff81234560ull, "dr0-roundtrip", "%#lx", v);
	expect_fault(3);
	__asm__ volatile("mov %0, %%db7" : : "a"(1ull << 32));
	check(fault_vector() == 13, "dr7-reserved-bits-gp", "vector %d", fault_vector());
}

static void test_exceptions(void)
{
	expect_fault(3);
	__asm__ volatile(".byte 0x0f, 0x01, 0xc1");		/* VMCALL */
	check(fault_vector() == 6, "vmcall-ud", "vector %d", fault_vector());
	expect_fault(3);
	__asm__ volatile(".byte 0x0f, 0x01, 0xc4");		/* VMXOFF */
	check(fault_vector() == 6, "vmxoff-ud", "vector %d", fault_vector());
	expect_fault(2);
	__asm__ volatile("ud2");
	check(fault_vector() == 6, "ud2-in-guest", "vector %d", fault_vector());
}

static void test_fpu(void)
{
	static uint8_t in[16 * 16] __attribute__((aligned(16))), out[16 * 16] __attribute__((aligned(16)));
	uint64_t cr0, cr4;
	uint32_t r[4];
	bool avx;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"((cr0 & ~4ull) | 2));		/* EM off, MP on */
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1u << 9) | (1u << 10)));	/* OSFXSR */
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
#define XMM_ALL(op, buf) \
	__asm__ volatile(op " 0(%0), %%xmm0\n\t" op " 16(%0), %%xmm1\n\t" op " 32(%0), %%xmm2\n\t" \
			 op " 48(%0), %%xmm3\n\t" op " 64(%0), %%xmm4\n\t" op " 80(%0), %%xmm5\n\t" \
			 op " 96(%0), %%xmm6\n\t" op " 112(%0), %%xmm7\n\t" op " 128(%0), %%xmm8\n\t" \
			 op " 144(%0), %%xmm9\n\t" op " 160(%0), %%xmm10\n\t" op " 176(%0), %%xmm11\n\t" \
			 op " 192(%0), %%xmm12\n\t" op " 208(%0), %%xmm13\n\t" op " 224(%0), %%xmm14\n\t" \
			 op " 240(%0), %%xmm15" : : "r"(buf) : "memory")
	XMM_ALL("movdqa", in);
	for (int i = 0; i < 200; i++) {
		cpuid(0, 0, r);				/* exits */
		outb(PORT_CONSOLE + 0x100, 0);		/* unassigned port: an exit */
	}
	__asm__ volatile("movdqa %%xmm0, 0(%0)\n\tmovdqa %%xmm1, 16(%0)\n\tmovdqa %%xmm2, 32(%0)\n\t"
			 "movdqa %%xmm3, 48(%0)\n\tmovdqa %%xmm4, 64(%0)\n\tmovdqa %%xmm5, 80(%0)\n\t"
			 "movdqa %%xmm6, 96(%0)\n\tmovdqa %%xmm7, 112(%0)\n\tmovdqa %%xmm8, 128(%0)\n\t"
			 "movdqa %%xmm9, 144(%0)\n\tmovdqa %%xmm10, 160(%0)\n\tmovdqa %%xmm11, 176(%0)\n\t"
			 "movdqa %%xmm12, 192(%0)\n\tmovdqa %%xmm13, 208(%0)\n\tmovdqa %%xmm14, 224(%0)\n\t"
			 "movdqa %%xmm15, 240(%0)" : : "r"(out) : "memory");
	check(!memcmp(in, out, sizeof(in)), "sse-state-kept-across-exits", "-");

	cpuid(1, 0, r);
	avx = (r[2] & (1u << 28)) && (r[2] & (1u << 26));
	if (avx) {
		static uint8_t yin[32] __attribute__((aligned(32))), yout[32] __attribute__((aligned(32)));

		__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1u << 9) | (1u << 10) | (1u << 18)));
		__asm__ volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
		for (int i = 0; i < 32; i++)
			yin[i] = (uint8_t)(0xa0 + i);
		__asm__ volatile("vmovdqa (%0), %%ymm7" : : "r"(yin) : "memory");
		for (int i = 0; i < 100; i++)
			cpuid(0, 0, r);
		__asm__ volatile("vmovdqa %%ymm7, (%0)" : : "r"(yout) : "memory");
		check(!memcmp(yin, yout, 32), "avx-state-kept-across-exits", "-");
		expect_fault(3);
		__asm__ volatile("xsetbv" : : "c"(0), "a"(5), "d"(0));	/* AVX without SSE */
		check(fault_vector() == 13, "xsetbv-invalid-gp", "vector %d", fault_vector());
	} else {
		print("SKIP avx: the CPU model has no AVX\n");
	}
}

int guest_main(uint64_t id)
{
	print("functional suite on vCPU %lu\n", id);
	test_cpuid(id);
	test_io();
	test_uart();
	test_mmio();
	test_hlt_timer();
	test_msr();
	test_debug_regs();
	test_exceptions();
	test_fpu();
	print("functional suite done, %u failure(s)\n", failures);
	return (int)failures;
}
