/* Unit tests of the instruction decoders (vmm/decode.c): decode_insn()
 * for MMIO exits and decode_sys_len() for the lengths of intercepted
 * instructions.
 *
 * The reference encodings come from the assembler (test_decode.S, built
 * with this test), so every expected length is the one GNU as produces
 * and objdump agrees with. Every decode runs on a heap copy of exactly
 * avail bytes, so ASan catches any read past avail. Each accepted form is
 * also decoded at every shorter length (-ENODATA) and with trailing
 * bytes (same answer). Register numbers are x86 encoding order (SDM Vol
 * 2A 2.1.5, table 2-2; 3.1.1.1 for AH/CH/DH/BH vs SPL/BPL/SIL/DIL). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/decode.h"

#define L 1	/* long64 */
#define P 0	/* 32-bit protected mode */
#define LD INSN_LOAD
#define ST INSN_STORE
#define SI INSN_STORE_IMM
#define ZX INSN_LOAD_ZX
#define SX INSN_LOAD_SX

/* name, mode, op, mem_size, reg, reg_size, high_byte, imm */
#define GOOD(X) \
	X(s88_ah,	L, ST, 1, 0, 1, 1, 0) \
	X(s88_ch,	L, ST, 1, 1, 1, 1, 0) \
	X(s88_dh,	L, ST, 1, 2, 1, 1, 0) \
	X(s88_bh,	L, ST, 1, 3, 1, 1, 0) \
	X(s88_cl,	L, ST, 1, 1, 1, 0, 0) \
	X(s88_spl,	L, ST, 1, 4, 1, 0, 0) \
	X(s88_bpl,	L, ST, 1, 5, 1, 0, 0) \
	X(s88_sil,	L, ST, 1, 6, 1, 0, 0) \
	X(s88_dil,	L, ST, 1, 7, 1, 0, 0) \
	X(s88_r9b,	L, ST, 1, 9, 1, 0, 0) \
	X(s88_r12b,	L, ST, 1, 12, 1, 0, 0) \
	X(s89_d,	L, ST, 4, 6, 4, 0, 0) \
	X(s89_w,	L, ST, 2, 6, 2, 0, 0) \
	X(s89_q,	L, ST, 8, 6, 8, 0, 0) \
	X(s89_r15,	L, ST, 8, 15, 8, 0, 0) \
	X(s89_r8w,	L, ST, 2, 8, 2, 0, 0) \
	X(s89_rexw66,	L, ST, 8, 0, 8, 0, 0) \
	X(s89_rex40,	L, ST, 4, 0, 4, 0, 0) \
	X(l8a_ch,	L, LD, 1, 1, 1, 1, 0) \
	X(l8a_dh,	L, LD, 1, 2, 1, 1, 0) \
	X(l8a_al,	L, LD, 1, 0, 1, 0, 0) \
	X(l8a_bpl,	L, LD, 1, 5, 1, 0, 0) \
	X(l8a_r14b,	L, LD, 1, 14, 1, 0, 0) \
	X(l8b_d,	L, LD, 4, 1, 4, 0, 0) \
	X(l8b_w,	L, LD, 2, 1, 2, 0, 0) \
	X(l8b_q,	L, LD, 8, 1, 8, 0, 0) \
	X(l8b_r12d,	L, LD, 4, 12, 4, 0, 0) \
	X(l8b_sp,	L, LD, 4, 4, 4, 0, 0) \
	X(c6,		L, SI, 1, 0, 1, 0, 0x80) \
	X(c6_r9,	L, SI, 1, 0, 1, 0, 0xff) \
	X(c6_sib,	L, SI, 1, 0, 1, 0, 7) \
	X(c7_d,		L, SI, 4, 0, 4, 0, 0x89abcdef) \
	X(c7_w,		L, SI, 2, 0, 2, 0, 0xbeef) \
	X(c7_q_neg,	L, SI, 8, 0, 8, 0, 0xfffffffffffffffe) \
	X(c7_q_pos,	L, SI, 8, 0, 8, 0, 0x7fffffff) \
	X(c7_q_min,	L, SI, 8, 0, 8, 0, 0xffffffff80000000) \
	X(c7_q_rip,	L, SI, 8, 0, 8, 0, 0xfffffffffffffffb) \
	X(c7_d_rip,	L, SI, 4, 0, 4, 0, 0x11223344) \
	X(c7_w_disp32,	L, SI, 2, 0, 2, 0, 0x8001) \
	X(c7_66rexw,	L, SI, 8, 0, 8, 0, 0xffffffff84030201) \
	X(c7_rexr,	L, SI, 4, 0, 4, 0, 0x04030201) \
	X(zx_b_d,	L, ZX, 1, 0, 4, 0, 0) \
	X(zx_b_w,	L, ZX, 1, 2, 2, 0, 0) \
	X(zx_b_q,	L, ZX, 1, 11, 8, 0, 0) \
	X(zx_w_d,	L, ZX, 2, 7, 4, 0, 0) \
	X(zx_w_q,	L, ZX, 2, 1, 8, 0, 0) \
	X(sx_b_d,	L, SX, 1, 4, 4, 0, 0) \
	X(sx_b_q,	L, SX, 1, 10, 8, 0, 0) \
	X(sx_b_w,	L, SX, 1, 6, 2, 0, 0) \
	X(sx_w_d,	L, SX, 2, 6, 4, 0, 0) \
	X(sx_w_q,	L, SX, 2, 15, 8, 0, 0) \
	X(a0,		L, LD, 1, 0, 1, 0, 0) \
	X(a1,		L, LD, 4, 0, 4, 0, 0) \
	X(a1_w,		L, LD, 2, 0, 2, 0, 0) \
	X(a1_q,		L, LD, 8, 0, 8, 0, 0) \
	X(a2,		L, ST, 1, 0, 1, 0, 0) \
	X(a3,		L, ST, 4, 0, 4, 0, 0) \
	X(a3_q,		L, ST, 8, 0, 8, 0, 0) \
	X(a1_fs,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_rm0,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_rip,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_sib,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_sib_b5,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_sib_abs,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_r12,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_r13_sib5,	L, LD, 4, 0, 4, 0, 0) \
	X(m0_r13_rip,	L, LD, 4, 0, 4, 0, 0) \
	X(m1_rm,	L, LD, 4, 0, 4, 0, 0) \
	X(m1_neg,	L, LD, 4, 0, 4, 0, 0) \
	X(m1_rbp,	L, LD, 4, 0, 4, 0, 0) \
	X(m1_r13,	L, LD, 4, 0, 4, 0, 0) \
	X(m1_sib,	L, LD, 4, 0, 4, 0, 0) \
	X(m1_sib_b5,	L, LD, 4, 0, 4, 0, 0) \
	X(m2_rm,	L, LD, 4, 0, 4, 0, 0) \
	X(m2_sib,	L, LD, 4, 0, 4, 0, 0) \
	X(m2_sib_b5,	L, LD, 4, 0, 4, 0, 0) \
	X(rex_x,	L, LD, 4, 0, 4, 0, 0) \
	X(rex_all,	L, LD, 8, 9, 8, 0, 0) \
	X(rex_rb,	L, LD, 4, 8, 4, 0, 0) \
	X(p_fs,		L, LD, 4, 0, 4, 0, 0) \
	X(p_gs_rip,	L, LD, 4, 0, 4, 0, 0) \
	X(p_es,		L, LD, 4, 0, 4, 0, 0) \
	X(p_cs,		L, LD, 4, 0, 4, 0, 0) \
	X(p_ss,		L, LD, 4, 0, 4, 0, 0) \
	X(p_ds,		L, LD, 4, 0, 4, 0, 0) \
	X(p_addr32,	L, LD, 4, 0, 4, 0, 0) \
	X(p_addr32_sib,	L, LD, 4, 0, 4, 0, 0) \
	X(p_66_rexb,	L, ST, 2, 0, 2, 0, 0) \
	X(p_many,	L, ST, 2, 0, 2, 0, 0) \
	X(p_66_66,	L, ST, 2, 0, 2, 0, 0) \
	X(p_15,		L, ST, 2, 0, 2, 0, 0) \
	X(p_15_rexw,	L, SI, 8, 0, 8, 0, 0x0000000008070605) \
	X(x_s89,	P, ST, 4, 6, 4, 0, 0) \
	X(x_s89_w,	P, ST, 2, 6, 2, 0, 0) \
	X(x_s88_ah,	P, ST, 1, 0, 1, 1, 0) \
	X(x_s88_bh,	P, ST, 1, 3, 1, 1, 0) \
	X(x_l8a_dh,	P, LD, 1, 2, 1, 1, 0) \
	X(x_l8b_disp32,	P, LD, 4, 1, 4, 0, 0) \
	X(x_sib_b5,	P, LD, 4, 0, 4, 0, 0) \
	X(x_m1_ebp,	P, LD, 4, 2, 4, 0, 0) \
	X(x_m2_sib,	P, LD, 4, 7, 4, 0, 0) \
	X(x_a0,		P, LD, 1, 0, 1, 0, 0) \
	X(x_a1,		P, LD, 4, 0, 4, 0, 0) \
	X(x_a1_w,	P, LD, 2, 0, 2, 0, 0) \
	X(x_a2,		P, ST, 1, 0, 1, 0, 0) \
	X(x_a3,		P, ST, 4, 0, 4, 0, 0) \
	X(x_c6,		P, SI, 1, 0, 1, 0, 0xfe) \
	X(x_c7,		P, SI, 4, 0, 4, 0, 0xfedcba98) \
	X(x_c7_w,	P, SI, 2, 0, 2, 0, 0x1234) \
	X(x_zx,		P, ZX, 1, 0, 4, 0, 0) \
	X(x_sx_w,	P, SX, 1, 0, 2, 0, 0) \
	X(x_sx_wd,	P, SX, 2, 5, 4, 0, 0) \
	X(x_fs,		P, LD, 4, 0, 4, 0, 0)

/* name, mode: refused with -EINVAL */
#define BAD(X) \
	X(r_mod3_89, L) X(r_mod3_8b, L) X(r_mod3_88, L) X(r_mod3_c6, L) \
	X(r_mod3_c7, L) X(r_mod3_zx, L) X(r_mod3_sx, L) \
	X(r_lock, L) X(r_lock_late, L) X(r_rep, L) X(r_repne, L) \
	X(r_movsb, L) X(r_stosd, L) \
	X(r_c6_reg1, L) X(r_c7_reg7, L) X(r_c7_reg4, L) \
	X(r_add, L) X(r_or, L) X(r_xchg, L) X(r_movsreg, L) X(r_cmpxchg, L) \
	X(r_0f_b8, L) X(r_0f_b5, L) X(r_0f_bc, L) X(r_0f_ud2, L) X(r_nop, L) \
	X(r_movnti, L) X(r_movd, L) X(r_vex, L) \
	X(x_r_dec, P) X(x_r_inc, P) X(x_r_addr16, P) X(x_r_addr16_c7, P) \
	X(x_r_addr16_zx, P) X(x_r_mod3, P) X(x_r_lock, P)

#define DECL(name, ...) extern const uint8_t insn_##name[], insn_##name##_end[];
GOOD(DECL)
BAD(DECL)
/* decode_sys_len: name, mode, GPR of MOV CR (-1: none) */
#define SYS(X) \
	X(y_cpuid, L, -1) X(y_hlt, L, -1) X(y_rdmsr, L, -1) X(y_wrmsr, L, -1) \
	X(y_invd, L, -1) X(y_wbinvd, L, -1) X(y_xsetbv, L, -1) \
	X(y_cr0_rax, L, 0) X(y_cr3_rdi, L, 7) X(y_cr4_r13, L, 13) X(y_cr8_rax, L, 0) \
	X(y_cr8_r15, L, 15) X(y_66_cpuid, L, -1) X(y_cs_hlt, L, -1) \
	X(y_rexw_wrmsr, L, -1) X(y_f3_rdmsr, L, -1) X(y_pfx_xsetbv, L, -1) \
	X(z_cpuid, P, -1) X(z_cr0_eax, P, 0) X(z_cr4_edi, P, 7) X(z_hlt, P, -1)
#define SYS_BAD(X) \
	X(y_r_xgetbv, L) X(y_r_rdtsc, L) X(y_r_vmcall, L) X(y_r_vmmcall, L) \
	X(y_r_movfromcr, L) X(y_r_lock, L) X(y_r_nop, L) \
	X(y_r_ud2, L) X(y_r_rex_pfx, L) X(y_r_0f01, L) X(z_r_inc, P) \
	X(r_mod3_89, L) X(s89_d, L) X(x_s89, P)
SYS(DECL)
SYS_BAD(DECL)
extern const uint8_t insn_a1_addr32[], insn_a1_addr32_end[];
extern const uint8_t insn_a3_addr32[], insn_a3_addr32_end[];
extern const uint8_t insn_a0_addr32[], insn_a0_addr32_end[];
extern const uint8_t insn_x_a1_addr16[], insn_x_a1_addr16_end[];
extern const uint8_t insn_x_a2_addr16[], insn_x_a2_addr16_end[];

struct good {
	const char *name;
	const uint8_t *b, *e;
	bool long64;
	struct insn want;	/* len filled from the assembler */
};

#define GOOD_ENTRY(n, m, o, ms, r, rs, hi, im) \
	{ #n, insn_##n, insn_##n##_end, m, \
	  { .op = o, .mem_size = ms, .reg = r, .reg_size = rs, .high_byte = hi, .imm = im } },
static const struct good good[] = { GOOD(GOOD_ENTRY) };

struct bad {
	const char *name;
	const uint8_t *b, *e;
	bool long64;
};

#define BAD_ENTRY(n, m) { #n, insn_##n, insn_##n##_end, m },
static const struct bad bad[] = { BAD(BAD_ENTRY) };

/* ------------------------------------------------------------- helpers */

/* Decodes code[0..avail) from a heap block of exactly avail bytes (a
 * pointer just past a 1-byte block for avail 0): ASan reports any read
 * past avail. */
static int dec(const uint8_t *code, size_t avail, bool long64, struct insn *out)
{
	uint8_t *blk = malloc(avail ? avail : 1);
	uint8_t *p = avail ? blk : blk + 1;
	int rc;

	assert_non_null(blk);
	if (avail)
		memcpy(p, code, avail);
	rc = decode_insn(p, avail, long64, out);
	free(blk);
	return rc;
}

static void check_insn(const char *name, const struct insn *got, const struct insn *want)
{
	if (got->len != want->len || got->op != want->op ||
	    got->mem_size != want->mem_size || got->reg != want->reg ||
	    got->reg_size != want->reg_size || got->high_byte != want->high_byte ||
	    got->imm != want->imm) {
		print_error("%s: got len %u op %d mem %u reg %u rsz %u hi %d imm %#llx\n"
			    "%*s want len %u op %d mem %u reg %u rsz %u hi %d imm %#llx\n",
			    name, got->len, got->op, got->mem_size, got->reg, got->reg_size,
			    got->high_byte, (unsigned long long)got->imm, (int)strlen(name), "",
			    want->len, want->op, want->mem_size, want->reg, want->reg_size,
			    want->high_byte, (unsigned long long)want->imm);
		fail();
	}
}

/* Accepted with exactly `want`; the same with trailing bytes; -ENODATA at
 * every shorter length. */
static void check_good(const char *name, const uint8_t *code, size_t len, bool long64,
		       struct insn want)
{
	uint8_t buf[32];
	struct insn got;
	int rc;

	assert_true(len >= 1 && len <= 15);
	want.len = (uint8_t)len;
	memset(&got, 0xa5, sizeof(got));
	rc = dec(code, len, long64, &got);
	if (rc) {
		print_error("%s: rc %d, want 0\n", name, rc);
		fail();
	}
	check_insn(name, &got, &want);

	for (size_t extra = 1; extra <= sizeof(buf) - len; extra += 7) {
		memcpy(buf, code, len);
		memset(buf + len, extra & 1 ? 0xff : 0x66, sizeof(buf) - len);
		memset(&got, 0, sizeof(got));
		assert_int_equal(dec(buf, len + extra, long64, &got), 0);
		check_insn(name, &got, &want);
	}
	for (size_t avail = 0; avail < len; avail++) {
		rc = dec(code, avail, long64, &got);
		if (rc != -ENODATA) {
			print_error("%s truncated to %zu of %zu bytes: rc %d, want -ENODATA\n",
				    name, avail, len, rc);
			fail();
		}
	}
}

/* ---------------------------------------------------------------- tests */

static void test_assembled_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		check_good(good[i].name, good[i].b, (size_t)(good[i].e - good[i].b),
			   good[i].long64, good[i].want);
}

static void test_assembled_refused(void **state)
{
	uint8_t buf[20];
	struct insn out;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = (size_t)(bad[i].e - bad[i].b);
		int rc = dec(bad[i].b, len, bad[i].long64, &out);

		if (rc != -EINVAL) {
			print_error("%s: rc %d, want -EINVAL\n", bad[i].name, rc);
			fail();
		}
		memset(buf, 0, sizeof(buf));
		memcpy(buf, bad[i].b, len);
		rc = dec(buf, sizeof(buf), bad[i].long64, &out);
		if (rc != -EINVAL) {
			print_error("%s + zeros: rc %d, want -EINVAL\n", bad[i].name, rc);
			fail();
		}
	}
}

/* Every one-byte opcode after no prefix, followed by zeros: exactly the
 * MOV forms are taken. 40-4F are REX in 64-bit mode (then opcode 00, ADD:
 * refused) and INC/DEC in 32-bit mode (refused). */
static void test_opcode_sweep(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		for (unsigned b = 0; b < 256; b++) {
			uint8_t buf[15] = { (uint8_t)b };
			bool mov = b == 0x88 || b == 0x89 || b == 0x8a || b == 0x8b ||
				   b == 0xc6 || b == 0xc7 || (b >= 0xa0 && b <= 0xa3);
			struct insn out;
			int rc = dec(buf, sizeof(buf), mode, &out);

			if (rc != (mov ? 0 : -EINVAL)) {
				print_error("mode %d opcode %02x: rc %d\n", mode, b, rc);
				fail();
			}
		}
		for (unsigned b = 0; b < 256; b++) {
			uint8_t buf[15] = { 0x0f, (uint8_t)b };
			bool mov = b == 0xb6 || b == 0xb7 || b == 0xbe || b == 0xbf;
			struct insn out;
			int rc = dec(buf, sizeof(buf), mode, &out);

			if (rc != (mov ? 0 : -EINVAL)) {
				print_error("mode %d opcode 0f %02x: rc %d\n", mode, b, rc);
				fail();
			}
			if (mov) {
				assert_int_equal(out.len, 3);
				assert_int_equal(out.op, (b & 8) ? INSN_LOAD_SX : INSN_LOAD_ZX);
				assert_int_equal(out.mem_size, (b & 1) ? 2 : 1);
			}
		}
	}
}

/* Every ModR/M byte (and every SIB byte) of 8B in both modes against the
 * SDM Vol 2A tables 2-2 and 2-3 (32-bit addressing): length, register. */
static void test_modrm_sib_sweep(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		for (unsigned m = 0; m < 256; m++) {
			unsigned mod = m >> 6, rm = m & 7;

			for (unsigned s = 0; s < (rm == 4 && mod != 3 ? 256u : 1u); s++) {
				uint8_t buf[15] = { 0x8b, (uint8_t)m, (uint8_t)s };
				size_t want = 2;
				struct insn out;
				int rc;

				if (rm == 4)
					want++;
				if (mod == 1)
					want += 1;
				else if (mod == 2)
					want += 4;
				else if (mod == 0 && (rm == 5 || (rm == 4 && (s & 7) == 5)))
					want += 4;
				rc = dec(buf, sizeof(buf), mode, &out);
				if (mod == 3) {
					assert_int_equal(rc, -EINVAL);
					continue;
				}
				if (rc || out.len != want || out.reg != ((m >> 3) & 7)) {
					print_error("mode %d modrm %02x sib %02x: rc %d len %u reg %u, "
						    "want len %zu\n", mode, m, s, rc, out.len,
						    out.reg, want);
					fail();
				}
				/* and truncated by one byte */
				assert_int_equal(dec(buf, want - 1, mode, &out), -ENODATA);
			}
		}
	}
}

/* 88/8A with every register field: AH/CH/DH/BH are registers 4-7 only
 * without any REX prefix (SDM Vol 2A 3.1.1.1); with REX (even 40) they
 * are SPL/BPL/SIL/DIL, with REX.R R12B-R15B. 32-bit mode has no REX. */
static void test_high_byte_registers(void **state)
{
	(void)state;
	for (unsigned op = 0x88; op <= 0x8a; op += 2) {
		for (unsigned r = 0; r < 8; r++) {
			uint8_t modrm = (uint8_t)(r << 3 | 0x03);	/* [rbx] */
			uint8_t plain[] = { (uint8_t)op, modrm };
			uint8_t rex40[] = { 0x40, (uint8_t)op, modrm };
			uint8_t rexr[] = { 0x44, (uint8_t)op, modrm };
			uint8_t rexb[] = { 0x41, (uint8_t)op, modrm };
			struct insn o;

			for (int mode = 0; mode < 2; mode++) {
				assert_int_equal(dec(plain, 2, mode, &o), 0);
				assert_int_equal(o.high_byte, r >= 4);
				assert_int_equal(o.reg, r >= 4 ? r - 4 : r);
				assert_int_equal(o.mem_size, 1);
				assert_int_equal(o.reg_size, 1);
			}
			assert_int_equal(dec(rex40, 3, true, &o), 0);
			assert_false(o.high_byte);
			assert_int_equal(o.reg, r);
			assert_int_equal(dec(rexr, 3, true, &o), 0);
			assert_false(o.high_byte);
			assert_int_equal(o.reg, r + 8);
			/* REX.B changes only the base: no high bytes either */
			assert_int_equal(dec(rexb, 3, true, &o), 0);
			assert_false(o.high_byte);
			assert_int_equal(o.reg, r);
			/* 32-bit mode: 40/44/41 are INC/DEC, not prefixes */
			assert_int_equal(dec(rex40, 3, false, &o), -EINVAL);
			assert_int_equal(dec(rexr, 3, false, &o), -EINVAL);
		}
	}
	/* Wider forms never name a high byte. */
	for (unsigned r = 4; r < 8; r++) {
		uint8_t s89[] = { 0x89, (uint8_t)(r << 3) };
		uint8_t zx[] = { 0x0f, 0xb6, (uint8_t)(r << 3) };
		struct insn o;

		assert_int_equal(dec(s89, 2, true, &o), 0);
		assert_false(o.high_byte);
		assert_int_equal(o.reg, r);
		assert_int_equal(dec(zx, 3, true, &o), 0);
		assert_false(o.high_byte);
		assert_int_equal(o.reg, r);
	}
}

/* A REX prefix counts only right before the opcode; one followed by a
 * legacy prefix or another REX is ignored (SDM Vol 2A 2.2.1). Refusing
 * such a rarity is fine; decoding it with the stale REX applied is not. */
static void test_rex_not_last(void **state)
{
	static const struct {
		uint8_t b[4];
		struct insn as_cpu;	/* with the stale REX ignored */
	} t[] = {
		/* 48 66 89 07: mov [rdi], ax */
		{ { 0x48, 0x66, 0x89, 0x07 }, { 4, ST, 2, 0, 2, false, 0 } },
		/* 48 41 89 07: mov [r15], eax (REX.W dropped) */
		{ { 0x48, 0x41, 0x89, 0x07 }, { 4, ST, 4, 0, 4, false, 0 } },
		/* 41 64 88 27: mov fs:[rdi], ah (no REX: a high byte) */
		{ { 0x41, 0x64, 0x88, 0x27 }, { 4, ST, 1, 0, 1, true, 0 } },
		/* 4c 3e 8b 07: mov eax, [rdi] (REX.W.R dropped) */
		{ { 0x4c, 0x3e, 0x8b, 0x07 }, { 4, LD, 4, 0, 4, false, 0 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct insn o;
		int rc = dec(t[i].b, 4, true, &o);

		if (rc == -EINVAL)
			continue;
		assert_int_equal(rc, 0);
		check_insn("REX not last", &o, &t[i].as_cpu);
	}
}

/* MOV moffs with an address-size prefix: in 64-bit mode 67 makes the
 * offset 4 bytes (SDM Vol 2B MOV, "moffs", and Vol 1 3.3.7: 32-bit
 * address size); the decoder's own comment says so. A wrong length moves
 * the guest's RIP into the middle of the next instruction. */
static void test_moffs_addr32_in_long_mode(void **state)
{
	struct insn o;

	(void)state;
	assert_int_equal(dec(insn_a1_addr32, 6, true, &o), 0);
	assert_int_equal(insn_a1_addr32_end - insn_a1_addr32, 6);
	assert_int_equal(o.len, 6);		/* 67 a1 78 56 34 12 */
	assert_int_equal(o.op, INSN_LOAD);
	assert_int_equal(o.mem_size, 4);
	assert_int_equal(insn_a3_addr32_end - insn_a3_addr32, 6);
	check_good("a3_addr32", insn_a3_addr32, 6, true,
		   (struct insn){ 0, ST, 4, 0, 4, false, 0 });
	check_good("a0_addr32", insn_a0_addr32, 6, true,
		   (struct insn){ 0, LD, 1, 0, 1, false, 0 });
}

/* In 32-bit mode 67 means 16-bit addressing, which the decoder refuses
 * for ModR/M forms; 67 A1 has a 2-byte moffs (67 a1 34 12). It must be
 * refused like the others or decoded with length 4, never with 6. */
static void test_moffs_addr16_in_32bit_mode(void **state)
{
	uint8_t buf[15] = { 0 };
	struct insn o;
	int rc;

	(void)state;
	assert_int_equal(insn_x_a1_addr16_end - insn_x_a1_addr16, 4);
	memcpy(buf, insn_x_a1_addr16, 4);
	memset(buf + 4, 0x90, sizeof(buf) - 4);
	rc = dec(buf, sizeof(buf), false, &o);
	if (rc == 0)
		assert_int_equal(o.len, 4);
	else
		assert_int_equal(rc, -EINVAL);

	memcpy(buf, insn_x_a2_addr16, 4);
	rc = dec(buf, sizeof(buf), false, &o);
	if (rc == 0)
		assert_int_equal(o.len, 4);
	else
		assert_int_equal(rc, -EINVAL);
}

/* SDM Vol 2A 2.3.11: more than 15 bytes is #GP/#UD, never a MOV. */
static void test_length_limit(void **state)
{
	uint8_t buf[24];
	struct insn o;

	(void)state;
	/* 14 prefixes + opcode: the ModR/M would be byte 16 */
	memset(buf, 0x66, 14);
	buf[14] = 0x89;
	memset(buf + 15, 0, sizeof(buf) - 15);
	assert_int_equal(dec(buf, 15, true, &o), -EINVAL);
	assert_int_equal(dec(buf, sizeof(buf), true, &o), -EINVAL);
	assert_int_equal(dec(buf, sizeof(buf), false, &o), -EINVAL);
	/* ... but with 14 bytes we cannot yet tell: more needed */
	assert_int_equal(dec(buf, 14, true, &o), -ENODATA);

	/* 15 and more prefixes */
	memset(buf, 0x3e, sizeof(buf));
	assert_int_equal(dec(buf, 15, true, &o), -EINVAL);
	assert_int_equal(dec(buf, sizeof(buf), true, &o), -EINVAL);

	/* 10 prefixes + 89 05 disp32: 16 bytes */
	memset(buf, 0x66, 10);
	memcpy(buf + 10, "\x89\x05\x01\x02\x03\x04", 6);
	assert_int_equal(dec(buf, 16, true, &o), -EINVAL);
	assert_int_equal(dec(buf, 15, true, &o), -EINVAL);
	/* 9 prefixes: exactly 15, accepted */
	assert_int_equal(dec(buf + 1, 15, true, &o), 0);
	assert_int_equal(o.len, 15);

	/* 4 prefixes + REX.W C7 84 24 disp32 imm32: 16 bytes */
	memcpy(buf, "\x2e\x66\x67\x64\x48\xc7\x84\x24\x01\x02\x03\x04\x05\x06\x07\x08", 16);
	assert_int_equal(dec(buf, 16, true, &o), -EINVAL);
	assert_int_equal(dec(buf + 1, 15, true, &o), 0);
	assert_int_equal(o.len, 15);
	assert_int_equal(o.imm, 0x08070605);

	/* moffs in 64-bit mode: 6 prefixes + A1 + 8 bytes = 15; 7: 16 */
	memset(buf, 0x2e, 7);
	buf[7] = 0xa1;
	memset(buf + 8, 0x11, 8);
	assert_int_equal(dec(buf, 16, true, &o), -EINVAL);
	assert_int_equal(dec(buf + 1, 15, true, &o), 0);
	assert_int_equal(o.len, 15);
}

static void test_empty_and_prefix_only(void **state)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0x2e, 0x64, 0x48 };
	struct insn o;

	(void)state;
	assert_int_equal(dec(NULL, 0, true, &o), -ENODATA);
	assert_int_equal(dec(pfx, 0, false, &o), -ENODATA);
	for (size_t n = 1; n <= sizeof(pfx); n++)
		assert_int_equal(dec(pfx, n, true, &o), -ENODATA);
	/* 0F alone, 0F B6 without ModR/M */
	assert_int_equal(dec((const uint8_t *)"\x0f", 1, true, &o), -ENODATA);
	assert_int_equal(dec((const uint8_t *)"\x0f\xb6", 2, true, &o), -ENODATA);
}

/* A refused decode must not be mistaken for a MOV: out is either left
 * alone or describes nothing the caller could act on, and the return is
 * exactly 0, -ENODATA or -EINVAL. Random bytes, fixed seed. */
static void test_random_bytes_contract(void **state)
{
	uint32_t x = 12345;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		uint8_t buf[15];
		struct insn o, o2;
		size_t avail;
		int rc;

		for (size_t k = 0; k < sizeof(buf); k++) {
			x = x * 1103515245 + 12345;
			buf[k] = (uint8_t)(x >> 16);
		}
		/* bias toward our opcodes so that successes are common */
		if (i & 1)
			buf[(x >> 8) % 3] = (uint8_t[]){ 0x89, 0x8b, 0xc7, 0x88, 0xa1, 0x0f }[(x >> 4) % 6];
		avail = (x >> 24) % 16;
		rc = dec(buf, avail, i & 2, &o);
		assert_true(rc == 0 || rc == -ENODATA || rc == -EINVAL);
		if (rc)
			continue;
		assert_true(o.len >= 2 && o.len <= avail);
		assert_true(o.mem_size == 1 || o.mem_size == 2 || o.mem_size == 4 ||
			    o.mem_size == 8);
		assert_true(o.reg < ((i & 2) ? 16 : 8));
		assert_int_equal(dec(buf, o.len, i & 2, &o2), 0);
		check_insn("random bytes", &o2, &o);
		assert_int_equal(dec(buf, o.len - 1u, i & 2, &o2), -ENODATA);
	}
}

/* ------------------------------------------------------ decode_sys_len */

struct sys_case {
	const char *name;
	const uint8_t *b, *e;
	bool long64;
	int gpr;
};

#define SYS_ENTRY(n, m, g) { #n, insn_##n, insn_##n##_end, m, g },
static const struct sys_case sys_good[] = { SYS(SYS_ENTRY) };
#define SYS_BAD_ENTRY(n, m) { #n, insn_##n, insn_##n##_end, m, -1 },
static const struct sys_case sys_bad[] = { SYS_BAD(SYS_BAD_ENTRY) };

static int sys_dec(const uint8_t *code, size_t avail, bool long64, uint8_t *gpr)
{
	uint8_t *blk = malloc(avail ? avail : 1);
	uint8_t *p = avail ? blk : blk + 1;
	int rc;

	assert_non_null(blk);
	if (avail)
		memcpy(p, code, avail);
	rc = decode_sys_len(p, avail, long64, gpr);
	free(blk);
	return rc;
}

/* Length as the assembler made it, with trailing bytes too; the MOV CR
 * source register; -ENODATA at every shorter length. */
static void test_sys_len_assembled(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sys_good) / sizeof(sys_good[0]); i++) {
		const struct sys_case *c = &sys_good[i];
		int len = (int)(c->e - c->b);
		uint8_t buf[20], gpr = 0xee;
		int rc = sys_dec(c->b, (size_t)len, c->long64, &gpr);

		if (rc != len) {
			print_error("%s: rc %d, want length %d\n", c->name, rc, len);
			fail();
		}
		if (c->gpr >= 0)
			assert_int_equal(gpr, c->gpr);
		else
			assert_int_equal(gpr, 0xee);	/* untouched */
		memset(buf, 0x0f, sizeof(buf));
		memcpy(buf, c->b, (size_t)len);
		assert_int_equal(sys_dec(buf, sizeof(buf), c->long64, &gpr), len);
		for (int avail = 0; avail < len; avail++) {
			rc = sys_dec(c->b, (size_t)avail, c->long64, &gpr);
			if (rc != -ENODATA) {
				print_error("%s truncated to %d: rc %d\n", c->name, avail, rc);
				fail();
			}
		}
		/* the register pointer is optional */
		assert_int_equal(sys_dec(c->b, (size_t)len, c->long64, NULL), len);
	}
	for (size_t i = 0; i < sizeof(sys_bad) / sizeof(sys_bad[0]); i++) {
		const struct sys_case *c = &sys_bad[i];
		uint8_t gpr = 0xee;
		int rc = sys_dec(c->b, (size_t)(c->e - c->b), c->long64, &gpr);

		if (rc != -EINVAL) {
			print_error("%s: rc %d, want -EINVAL\n", c->name, rc);
			fail();
		}
		assert_int_equal(gpr, 0xee);
	}
}

/* MOV to and from DRn (0f 21 / 0f 23, SDM Vol 2B MOV DR): the GPR is
 * ModR/M.rm plus REX.B, in 64-bit and 32-bit (and 16-bit) code alike, and
 * MOV from CR (0f 20) is not an instruction we see exits for. */
static void test_sys_len_mov_dr_registers(void **state)
{
	(void)state;
	for (unsigned op = 0x21; op <= 0x23; op += 2)
		for (unsigned rm = 0; rm < 8; rm++)
			for (unsigned reg = 0; reg < 8; reg++) {
				uint8_t b[] = { 0x41, 0x0f, (uint8_t)op, (uint8_t)(0xc0 | reg << 3 | rm) };
				uint8_t gpr = 0xee;

				assert_int_equal(sys_dec(b, 4, true, &gpr), 4);
				assert_int_equal(gpr, rm | 8);
				gpr = 0xee;
				assert_int_equal(sys_dec(b + 1, 3, false, &gpr), 3);
				assert_int_equal(gpr, rm);
				assert_int_equal(sys_dec(b + 1, 2, true, &gpr), -ENODATA);
			}
	{
		uint8_t b[] = { 0x0f, 0x20, 0xc0 };

		assert_int_equal(sys_dec(b, 3, true, NULL), -EINVAL);
	}
}

/* MOV CRn, reg with every source register: ModR/M.rm plus REX.B; REX.R
 * picks the control register (CR8), not the GPR (SDM Vol 2B MOV CR). */
static void test_sys_len_mov_cr_registers(void **state)
{
	(void)state;
	for (unsigned rm = 0; rm < 8; rm++) {
		for (unsigned rex = 0x40; rex < 0x50; rex++) {
			uint8_t b[] = { (uint8_t)rex, 0x0f, 0x22, (uint8_t)(0xc0 | rm) };
			uint8_t gpr = 0xee;

			assert_int_equal(sys_dec(b, 4, true, &gpr), 4);
			assert_int_equal(gpr, rm | ((rex & 1) ? 8 : 0));
			gpr = 0xee;
			assert_int_equal(sys_dec(b + 1, 3, true, &gpr), 3);
			assert_int_equal(gpr, rm);
			gpr = 0xee;
			assert_int_equal(sys_dec(b + 1, 3, false, &gpr), 3);
			assert_int_equal(gpr, rm);
			/* a 32-bit mode INC/DEC before it is another instruction */
			assert_int_equal(sys_dec(b, 4, false, &gpr), -EINVAL);
		}
		/* The CPU ignores ModR/M.mod for MOV CR ("0f 22 00" is mov
		 * cr0, rax: objdump agrees); no assembler emits mod != 3, so
		 * refusing is fine, but never with a displacement's length. */
		for (unsigned mod = 0; mod < 3; mod++) {
			uint8_t b[] = { 0x0f, 0x22, (uint8_t)(mod << 6 | rm), 0, 0, 0, 0, 0 };
			uint8_t gpr = 0xee;
			int rc = sys_dec(b, sizeof(b), true, &gpr);

			if (rc == -EINVAL) {
				assert_int_equal(gpr, 0xee);
			} else {
				assert_int_equal(rc, 3);
				assert_int_equal(gpr, rm);
			}
		}
	}
}

static void test_sys_len_limit(void **state)
{
	uint8_t buf[20];

	(void)state;
	memset(buf, 0x66, 13);
	memcpy(buf + 13, "\x0f\xa2", 2);
	assert_int_equal(sys_dec(buf, 15, true, NULL), 15);
	memset(buf, 0x66, 14);
	memcpy(buf + 14, "\x0f\xa2", 2);
	assert_int_equal(sys_dec(buf, 16, true, NULL), -EINVAL);
	assert_int_equal(sys_dec(buf, 15, true, NULL), -EINVAL);
	assert_int_equal(sys_dec(buf, 14, true, NULL), -ENODATA);
	memset(buf, 0xf3, sizeof(buf));
	assert_int_equal(sys_dec(buf, sizeof(buf), true, NULL), -EINVAL);
	memset(buf, 0x2e, 14);
	buf[14] = 0xf4;
	assert_int_equal(sys_dec(buf, 15, false, NULL), 15);
	assert_int_equal(sys_dec(NULL, 0, true, NULL), -ENODATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assembled_forms),
		cmocka_unit_test(test_assembled_refused),
		cmocka_unit_test(test_opcode_sweep),
		cmocka_unit_test(test_modrm_sib_sweep),
		cmocka_unit_test(test_high_byte_registers),
		cmocka_unit_test(test_rex_not_last),
		cmocka_unit_test(test_moffs_addr32_in_long_mode),
		cmocka_unit_test(test_moffs_addr16_in_32bit_mode),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_empty_and_prefix_only),
		cmocka_unit_test(test_random_bytes_contract),
		cmocka_unit_test(test_sys_len_assembled),
		cmocka_unit_test(test_sys_len_mov_cr_registers),
		cmocka_unit_test(test_sys_len_mov_dr_registers),
		cmocka_unit_test(test_sys_len_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
