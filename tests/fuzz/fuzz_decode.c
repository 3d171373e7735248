/* libFuzzer target for the instruction decoders (vmm/decode.c):
 * decode_insn() (MMIO) and decode_sys_len() (lengths of intercepted
 * instructions).
 *
 * Input: byte 0 picks the mode (bit 0: 64-bit) and how much of the rest
 * is offered (avail); the remaining bytes are the code at the guest RIP.
 * Invariants checked on every input:
 *  - no read past avail (the code sits at the end of a heap block of
 *    exactly avail bytes; with avail > 15 the bytes past 15 are poisoned,
 *    since an instruction is never longer);
 *  - the result is 0, -ENODATA or -EINVAL, and deterministic;
 *  - on success: 2 <= len <= 15, len <= avail, mem_size in {1,2,4,8},
 *    reg < 16 (< 8 outside 64-bit mode), the fields agree with the op;
 *    decoding exactly len bytes gives the same result, len - 1 bytes
 *    gives -ENODATA, and any bytes after len change nothing.
 * decode_sys_len() gets the same checks: a length in 1..min(avail, 15)
 * or -ENODATA/-EINVAL, stable under truncation to it and trailing
 * bytes, and a register (< 16, < 8 outside 64-bit mode) written only
 * with success.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "vmm/decode.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", \
				#c, __LINE__); abort(); } } while (0)

static int decode_exact(const uint8_t *code, size_t avail, bool long64, struct insn *out)
{
	size_t blk_len = avail ? avail : 1;
	uint8_t *blk = malloc(blk_len);
	uint8_t *p = blk + blk_len - avail;
	int rc;

	CHECK(blk);
	if (avail)
		memcpy(p, code, avail);
	if (avail > 15)
		ASAN_POISON_MEMORY_REGION(p + 15, avail - 15);
	rc = decode_insn(p, avail, long64, out);
	if (avail > 15)
		ASAN_UNPOISON_MEMORY_REGION(p + 15, avail - 15);
	free(blk);
	return rc;
}

static bool same(const struct insn *a, const struct insn *b)
{
	return a->len == b->len && a->op == b->op && a->mem_size == b->mem_size &&
	       a->reg == b->reg && a->reg_size == b->reg_size &&
	       a->high_byte == b->high_byte && a->imm == b->imm;
}

static bool size_ok(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static int sys_exact(const uint8_t *code, size_t avail, bool long64, uint8_t *gpr)
{
	size_t blk_len = avail ? avail : 1;
	uint8_t *blk = malloc(blk_len);
	uint8_t *p = blk + blk_len - avail;
	int rc;

	CHECK(blk);
	if (avail)
		memcpy(p, code, avail);
	if (avail > 15)
		ASAN_POISON_MEMORY_REGION(p + 15, avail - 15);
	rc = decode_sys_len(p, avail, long64, gpr);
	if (avail > 15)
		ASAN_UNPOISON_MEMORY_REGION(p + 15, avail - 15);
	free(blk);
	return rc;
}

static void check_sys_len(const uint8_t *data, size_t avail, bool long64)
{
	uint8_t gpr = 0xee, gpr2 = 0xee, tail[32];
	int len = sys_exact(data, avail, long64, &gpr);

	CHECK(sys_exact(data, avail, long64, &gpr2) == len && gpr2 == gpr);
	if (len <= 0) {
		CHECK(len == -ENODATA || len == -EINVAL);
		CHECK(gpr == 0xee);
		return;
	}
	CHECK(len <= 15 && (size_t)len <= avail);
	CHECK(gpr == 0xee || gpr < (long64 ? 16 : 8));
	gpr2 = 0xee;
	CHECK(sys_exact(data, (size_t)len, long64, &gpr2) == len && gpr2 == gpr);
	CHECK(sys_exact(data, (size_t)len - 1, long64, NULL) == -ENODATA);
	memcpy(tail, data, (size_t)len);
	memset(tail + len, 0x0f, sizeof(tail) - (size_t)len);
	gpr2 = 0xee;
	CHECK(sys_exact(tail, sizeof(tail), long64, &gpr2) == len && gpr2 == gpr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct insn a, b;
	uint8_t tail[32];
	bool long64;
	size_t avail;
	int rc, rc2;

	if (size < 1)
		return 0;
	long64 = data[0] & 1;
	data++;
	size--;
	avail = size;
	if (data[-1] & 2)		/* sometimes offer less than we have */
		avail = size ? (size_t)(data[-1] >> 2) % (size + 1) : 0;

	check_sys_len(data, avail, long64);

	memset(&a, 0xa5, sizeof(a));
	rc = decode_exact(data, avail, long64, &a);
	CHECK(rc == 0 || rc == -ENODATA || rc == -EINVAL);
	memset(&b, 0x5a, sizeof(b));
	rc2 = decode_exact(data, avail, long64, &b);
	CHECK(rc2 == rc);
	if (rc) {
		/* more bytes can only turn "need more" into an answer, and
		 * never make a refused prefix of the code acceptable */
		if (rc == -EINVAL && avail < size) {
			rc2 = decode_exact(data, size, long64, &b);
			CHECK(rc2 == -EINVAL);
		}
		return 0;
	}
	CHECK(same(&a, &b));

	CHECK(a.len >= 2 && a.len <= 15 && a.len <= avail);
	CHECK(size_ok(a.mem_size) && size_ok(a.reg_size));
	CHECK(a.reg < (long64 ? 16 : 8));
	CHECK(a.op == INSN_LOAD || a.op == INSN_STORE || a.op == INSN_STORE_IMM ||
	      a.op == INSN_LOAD_ZX || a.op == INSN_LOAD_SX);
	switch (a.op) {
	case INSN_LOAD:
	case INSN_STORE:
		CHECK(a.reg_size == a.mem_size);
		CHECK(a.imm == 0);
		CHECK(!a.high_byte || (a.mem_size == 1 && a.reg < 4));
		break;
	case INSN_STORE_IMM:
		CHECK(a.reg == 0 && !a.high_byte && a.reg_size == a.mem_size);
		if (a.mem_size < 8)
			CHECK(a.imm >> (8 * a.mem_size) == 0);
		else	/* a sign-extended imm32 */
			CHECK((uint64_t)(int64_t)(int32_t)a.imm == a.imm);
		break;
	case INSN_LOAD_ZX:
	case INSN_LOAD_SX:
		CHECK(a.mem_size <= 2 && a.reg_size >= a.mem_size && a.reg_size >= 2);
		CHECK(!a.high_byte && a.imm == 0);
		break;
	}
	if (!long64)
		CHECK(a.mem_size <= 4);

	/* exactly len bytes: the same; one fewer: truncated */
	rc2 = decode_exact(data, a.len, long64, &b);
	CHECK(rc2 == 0 && same(&a, &b));
	rc2 = decode_exact(data, a.len - 1u, long64, &b);
	CHECK(rc2 == -ENODATA);

	/* whatever follows the instruction does not matter */
	memcpy(tail, data, a.len);
	for (size_t i = a.len; i < sizeof(tail); i++)
		tail[i] = (uint8_t)~data[i % a.len];
	rc2 = decode_exact(tail, sizeof(tail), long64, &b);
	CHECK(rc2 == 0 && same(&a, &b));
	return 0;
}
