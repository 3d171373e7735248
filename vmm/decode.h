/* The instruction decoder for MMIO exits: the forms guests really use to
 * touch device registers (MOV, MOVZX, MOVSX). Pure; fuzzed. */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum insn_op {
	INSN_LOAD,		/* reg <- mem */
	INSN_STORE,		/* mem <- reg */
	INSN_STORE_IMM,		/* mem <- imm */
	INSN_LOAD_ZX,		/* reg <- zero-extended mem */
	INSN_LOAD_SX,		/* reg <- sign-extended mem */
};

struct insn {
	uint8_t len;		/* 1..15 */
	enum insn_op op;
	uint8_t mem_size;	/* 1, 2, 4, 8 */
	uint8_t reg;		/* GPR number 0..15 (x86 encoding order) */
	uint8_t reg_size;	/* 1, 2, 4, 8: the register operand's size */
	bool high_byte;		/* AH, CH, DH or BH */
	uint64_t imm;
};

/* code holds avail bytes at the guest RIP; long64 is true for a 64-bit
 * code segment, false for 32-bit protected mode. Returns 0, -ENODATA
 * (truncated: more bytes needed than avail), or -EINVAL (not a supported
 * memory-operand form, or malformed). */
int decode_insn(const uint8_t *code, size_t avail, bool long64, struct insn *out);

/* The instructions a VM exit can stop on without the CPU telling their
 * length (AMD-V without NRIP save): CPUID, HLT, RDMSR, WRMSR, XSETBV,
 * INVD, WBINVD, MOV to CR and MOV to/from DR (whose GPR it also returns
 * in *gpr).
 * Returns the length (1..15), -ENODATA (truncated) or -EINVAL. */
int decode_sys_len(const uint8_t *code, size_t avail, bool long64, uint8_t *gpr);

#endif
