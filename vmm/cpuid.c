/*
 * CPUID filtering. A feature reaches the guest only when the VMM handles
 * everything it implies; anything host-identifying (serial number, cache
 * and topology details, the brand string) or dangerous (VMX/SVM, debug
 * stores, performance monitoring, speculation-control MSRs we do not
 * emulate) is hidden. Bit positions: SDM Vol 2A CPUID, APM Vol 3 E.
 */
#include <string.h>
#include "vmm/cpuid.h"

#define BIT(n) (1u << (n))

/* Leaf 1 ECX: SSE3 PCLMUL SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES
 * XSAVE AVX F16C RDRAND (OSXSAVE and HYPERVISOR are computed). */
#define L1_ECX (BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(19) | \
		BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(26) | BIT(28) | \
		BIT(29) | BIT(30))
/* Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE36 CLFSH
 * MMX FXSR SSE SSE2 (no APIC, MTRR, MCE/MCA, DS, ACPI, PSN, TM, PBE). */
#define L1_EDX (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | \
		BIT(6) | BIT(8) | BIT(11) | BIT(13) | BIT(15) | BIT(16) | \
		BIT(17) | BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26))
/* Leaf 7.0 EBX: FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS RDSEED ADX SMAP
 * CLFLUSHOPT SHA. ECX: UMIP. EDX: none (no speculation-control MSRs). */
#define L7_EBX (BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) | \
		BIT(18) | BIT(19) | BIT(20) | BIT(23) | BIT(29))
#define L7_ECX (BIT(2))
/* 0x80000001 ECX: LAHF ABM PREFETCHW; EDX: SYSCALL NX PDPE1GB LM. */
#define E1_ECX (BIT(0) | BIT(5) | BIT(8))
#define E1_EDX (BIT(11) | BIT(20) | BIT(26) | BIT(29))
/* XCR0 components the VMM switches: x87, SSE, AVX. */
#define XCR0_ALLOWED 0x7u

void cpuid_policy(const struct cpuid_ctx *c, uint32_t leaf, uint32_t sub,
		  uint32_t out[4])
{
	uint32_t h[4];

	out[0] = out[1] = out[2] = out[3] = 0;
	if (leaf >= 0x40000000 && leaf < 0x50000000) {
		if (leaf == 0x40000000) {
			out[0] = c->lapic ? 0x40000010 : 0x40000001;
			memcpy(&out[1], BASTION_CPUID_SIG, 4);
			memcpy(&out[2], BASTION_CPUID_SIG + 4, 4);
			memcpy(&out[3], BASTION_CPUID_SIG + 8, 4);
		}
		/* The timing leaf as other hypervisors define it (EAX TSC
		 * kHz, EBX APIC timer kHz: ours counts at the TSC rate), so
		 * that a guest need not calibrate against the PIT. */
		if (leaf == 0x40000010 && c->lapic) {
			out[0] = c->tsc_khz;
			out[1] = c->tsc_khz;
		}
		return;		/* 0x40000001: no paravirtual features */
	}
	c->hw(leaf & 0x80000000, 0, h);
	if (leaf > h[0])
		return;		/* beyond the host's range: all zero */
	c->hw(leaf, sub, h);

	switch (leaf) {
	case 0:
		out[0] = h[0] < 0xd ? h[0] : 0xd;
		out[1] = h[1];		/* the vendor: guests pick errata paths by it */
		out[2] = h[2];
		out[3] = h[3];
		break;
	case 1:
		out[0] = h[0];		/* family/model/stepping */
		out[1] = (h[1] & 0xff00) | ((c->nvcpus & 0xff) << 16) | (c->vcpu_id << 24);
		out[2] = (h[2] & L1_ECX) | BIT(31);
		if (c->guest_cr4 & (1u << 18))
			out[2] |= BIT(27);	/* OSXSAVE mirrors CR4 */
		out[3] = h[3] & L1_EDX;
		if (c->lapic) {
			out[3] |= BIT(9);	/* APIC */
			out[2] |= BIT(24);	/* TSC-deadline timer, always emulated */
		}
		if (c->nvcpus > 1)
			out[3] |= BIT(28);	/* HTT: more than one logical CPU */
		break;
	case 7:
		if (sub == 0) {
			out[1] = h[1] & L7_EBX;
			out[2] = h[2] & L7_ECX;
		}
		break;
	case 0xd:
		if (sub == 0) {
			/* Area sizes from the guest's own XCR0 (EBX) and from
			 * what it may enable (ECX), never the host's: 512 bytes
			 * legacy + 64 header, then each component's offset and
			 * size (SDM Vol 1 13.4, 13.5). */
			uint64_t xcr0 = (c->guest_xcr0 | 1) & XCR0_ALLOWED;

			out[0] = h[0] & XCR0_ALLOWED;
			out[1] = out[2] = 576;
			for (uint32_t i = 2; i < 32; i++) {
				uint32_t comp[4];

				if (!(out[0] & BIT(i)))
					continue;
				c->hw(0xd, i, comp);
				if (comp[0] + comp[1] > out[2])
					out[2] = comp[0] + comp[1];
				if ((xcr0 & BIT(i)) && comp[0] + comp[1] > out[1])
					out[1] = comp[0] + comp[1];
			}
		} else if (sub == 1) {
			out[0] = h[0] & (BIT(0) | BIT(1) | BIT(2));	/* XSAVEOPT, XSAVEC, XGETBV1 */
		} else if (sub < 32 && (XCR0_ALLOWED & BIT(sub))) {
			memcpy(out, h, sizeof(h));
		}
		break;
	case 0x80000000:
		out[0] = h[0] < 0x80000008 ? h[0] : 0x80000008;
		break;
	case 0x80000001:
		out[2] = h[2] & E1_ECX;
		out[3] = h[3] & E1_EDX;
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004: {
		/* A brand string of our own: the host's model stays private. */
		static const char brand[48] = "Bastion virtual CPU";

		memcpy(out, brand + (leaf - 0x80000002) * 16, 16);
		break;
	}
	case 0x80000007:
		out[3] = h[3] & BIT(8);	/* invariant TSC */
		break;
	case 0x80000008:
		out[0] = h[0] & 0xffff;	/* address sizes */
		break;
	default:
		break;		/* caches, topology, power, PMU, SGX...: zero */
	}
}
