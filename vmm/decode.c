/*
 * x86 decoding for MMIO emulation (SDM Vol 2 chapter 2: prefixes, REX,
 * ModR/M, SIB, displacement, immediate). The effective address itself is
 * not needed: the exit reports the guest-physical address. What we need
 * is the instruction's length, direction, size and register.
 */
#include <errno.h>
#include "vmm/decode.h"

#define MAX_LEN 15

struct cursor {
	const uint8_t *p;
	size_t avail, pos;
	int err;
};

static uint8_t next(struct cursor *c)
{
	if (c->pos >= c->avail) {
		c->err = c->pos >= MAX_LEN ? -EINVAL : -ENODATA;
		return 0;
	}
	return c->p[c->pos++];
}

static uint64_t take(struct cursor *c, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)next(c) << (8 * i);
	return v;
}

/* Reads a ModR/M byte that must name memory and skips its SIB and
 * displacement; *reg gets its reg field, REX.R applied. -EINVAL for a
 * register operand (mod == 3) or 16-bit addressing. */
static int modrm_mem(struct cursor *c, uint8_t rex, bool addr16, uint8_t *reg)
{
	uint8_t modrm = next(c), mod = modrm >> 6, rm = modrm & 7;

	if (c->err)
		return c->err;
	*reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	if (mod == 3 || addr16)
		return -EINVAL;
	if (rm == 4) {
		uint8_t sib = next(c);

		if (mod == 0 && (sib & 7) == 5)
			take(c, 4);
	} else if (mod == 0 && rm == 5) {
		take(c, 4);			/* RIP/EIP-relative or disp32 */
	}
	if (mod == 1)
		take(c, 1);
	else if (mod == 2)
		take(c, 4);
	return 0;
}

int decode_insn(const uint8_t *code, size_t avail, bool long64, struct insn *out)
{
	struct cursor c = { code, avail < MAX_LEN ? avail : MAX_LEN, 0, 0 };
	bool opsize16 = false, addr16 = false, addr_prefix = false, rex_seen = false;
	uint8_t rex = 0, b, reg;
	unsigned opsz;
	int err;

	/* Legacy prefixes, any order, at most a few (the 15-byte limit
	 * bounds the loop anyway). */
	for (;;) {
		b = next(&c);
		if (c.err)
			return c.err;
		if (b == 0x66)
			opsize16 = true;
		else if (b == 0x67) {
			addr_prefix = true;
			addr16 = !long64;	/* 64-bit: 32-bit addressing, same length rules */
		}
		else if (b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 ||
			 b == 0x64 || b == 0x65)
			;			/* segment overrides: the gpa already says */
		else if (b == 0xf0 || b == 0xf2 || b == 0xf3)
			return -EINVAL;		/* LOCK/REP forms are not MOVs we emulate */
		else
			break;
	}
	if (long64 && (b & 0xf0) == 0x40) {	/* REX must come last */
		rex = b;
		rex_seen = true;
		b = next(&c);
		if (c.err)
			return c.err;
	}
	opsz = (rex & 8) ? 8 : opsize16 ? 2 : 4;

	*out = (struct insn){ 0 };
	switch (b) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
	case 0xc6: case 0xc7:
		err = modrm_mem(&c, rex, addr16, &reg);
		if (err)
			return err;
		out->mem_size = (b & 1) ? (uint8_t)opsz : 1;
		out->reg_size = out->mem_size;
		if (b == 0xc6 || b == 0xc7) {
			if (reg & 7)
				return -EINVAL;	/* /0 only */
			out->op = INSN_STORE_IMM;
			if (b == 0xc6) {
				out->imm = take(&c, 1);
			} else if (opsz == 2) {
				out->imm = take(&c, 2);
			} else {
				out->imm = take(&c, 4);
				if (opsz == 8)	/* imm32 sign-extended */
					out->imm = (uint64_t)(int64_t)(int32_t)out->imm;
			}
		} else {
			out->op = (b & 2) ? INSN_LOAD : INSN_STORE;
			out->reg = reg;
			out->high_byte = out->mem_size == 1 && !rex_seen && reg >= 4 && reg < 8;
			if (out->high_byte)
				out->reg = reg - 4;
		}
		break;
	case 0x0f:
		b = next(&c);
		if (c.err)
			return c.err;
		if (b != 0xb6 && b != 0xb7 && b != 0xbe && b != 0xbf)
			return -EINVAL;
		err = modrm_mem(&c, rex, addr16, &reg);
		if (err)
			return err;
		out->op = (b & 8) ? INSN_LOAD_SX : INSN_LOAD_ZX;
		out->mem_size = (b & 1) ? 2 : 1;
		out->reg = reg;
		out->reg_size = (uint8_t)opsz;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		/* MOV AL/eAX <-> moffs: the offset has the address size: 8
		 * bytes in 64-bit mode (4 with 0x67), else 4 (2 with 0x67)
		 * (SDM Vol 2B MOV; Vol 1 3.3.7). */
		take(&c, long64 ? (addr_prefix ? 4 : 8) : (addr_prefix ? 2 : 4));
		out->op = (b & 2) ? INSN_STORE : INSN_LOAD;
		out->mem_size = (b & 1) ? (uint8_t)opsz : 1;
		out->reg_size = out->mem_size;
		out->reg = 0;
		break;
	default:
		return -EINVAL;
	}
	if (c.err)
		return c.err;
	out->len = (uint8_t)c.pos;
	return 0;
}

int decode_sys_len(const uint8_t *code, size_t avail, bool long64, uint8_t *gpr)
{
	struct cursor c = { code, avail < MAX_LEN ? avail : MAX_LEN, 0, 0 };
	uint8_t b, rex = 0;

	/* Prefixes change nothing for these instructions but their length. */
	for (;;) {
		b = next(&c);
		if (c.err)
			return c.err;
		if (b == 0x66 || b == 0x67 || b == 0x2e || b == 0x36 || b == 0x3e ||
		    b == 0x26 || b == 0x64 || b == 0x65 || b == 0xf2 || b == 0xf3)
			continue;
		break;
	}
	if (long64 && (b & 0xf0) == 0x40) {
		rex = b;
		b = next(&c);
	}
	if (c.err)
		return c.err;
	if (b == 0xf4)
		return (int)c.pos;			/* HLT */
	if (b != 0x0f)
		return -EINVAL;
	b = next(&c);
	if (c.err)
		return c.err;
	switch (b) {
	case 0xa2: case 0x30: case 0x32: case 0x08: case 0x09:
		return (int)c.pos;			/* CPUID WRMSR RDMSR INVD WBINVD */
	case 0x01:
		b = next(&c);
		if (c.err)
			return c.err;
		return b == 0xd1 ? (int)c.pos : -EINVAL;	/* XSETBV */
	case 0x21: case 0x23:				/* MOV r64, DRn; MOV DRn, r64 */
	case 0x22: {					/* MOV CRn, r64 */
		uint8_t modrm = next(&c);

		if (c.err)
			return c.err;
		if ((modrm >> 6) != 3)
			return -EINVAL;
		if (gpr)
			*gpr = (uint8_t)((modrm & 7) | ((rex & 1) ? 8 : 0));
		return (int)c.pos;
	}
	default:
		return -EINVAL;
	}
}
