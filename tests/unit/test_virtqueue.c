/* Split virtqueues (vmm/dev/virtqueue.c): a driver's well-formed chains,
 * then everything a hostile guest can put in the rings. Guest RAM is an
 * exact-size heap block, so ASan fails the test on any access past it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev/virtqueue.h"
#include "tests/unit/support/fake_gm.h"

#define RAM	(1u << 20)
#define DESC	0x1000u
#define AVAIL	0x2000u
#define USED	0x3000u
#define IND	0x4000u		/* indirect tables */
#define BUF	0x10000u

static struct fake_gm g;
static struct virtq q;
static struct virtq_chain c;
static uint16_t avail_idx;

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(g.ram + DESC + 16 * i, &d, 16);
}

static void idesc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(g.ram + IND + 16 * i, &d, 16);
}

static void publish(uint16_t head)
{
	memcpy(g.ram + AVAIL + 4 + 2 * (avail_idx % q.size), &head, 2);
	avail_idx++;
	memcpy(g.ram + AVAIL + 2, &avail_idx, 2);
}

static uint16_t used_idx(void)
{
	uint16_t v;

	memcpy(&v, g.ram + USED + 2, 2);
	return v;
}

static void used_elem(uint16_t slot, uint32_t *id, uint32_t *len)
{
	memcpy(id, g.ram + USED + 4 + 8 * (slot % q.size), 4);
	memcpy(len, g.ram + USED + 8 + 8 * (slot % q.size), 4);
}

static int setup_n(uint16_t size, bool indirect)
{
	fake_gm_init(&g, RAM);
	avail_idx = 0;
	return virtq_init(&q, &g.gm, size, DESC, AVAIL, USED, indirect);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(setup_n(8, true), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_gm_free(&g);
	return 0;
}

static void test_init_checks(void **state)
{
	(void)state;
	assert_int_equal(virtq_init(&q, &g.gm, 0, DESC, AVAIL, USED, false), -EINVAL);
	assert_false(q.ready);
	assert_int_equal(virtq_init(&q, &g.gm, 6, DESC, AVAIL, USED, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &g.gm, 512, DESC, AVAIL, USED, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &g.gm, 8, DESC + 8, AVAIL, USED, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &g.gm, 8, DESC, AVAIL + 1, USED, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &g.gm, 8, DESC, AVAIL, USED + 2, false), -EINVAL);
	/* Outside guest RAM, straddling its end, wrapping the address space. */
	assert_int_equal(virtq_init(&q, &g.gm, 8, RAM, AVAIL, USED, false), -EFAULT);
	assert_int_equal(virtq_init(&q, &g.gm, 8, RAM - 64, AVAIL, USED, false), -EFAULT);
	assert_int_equal(virtq_init(&q, &g.gm, 8, DESC, RAM - 8, USED, false), -EFAULT);
	assert_int_equal(virtq_init(&q, &g.gm, 8, DESC, AVAIL, RAM - 68, false), -EFAULT);
	assert_int_equal(virtq_init(&q, &g.gm, 8, 0xfffffffffffffff0ull, AVAIL, USED, false),
			 -EFAULT);
	assert_false(q.ready);
	assert_int_equal(virtq_pop(&q, &c), -ENODEV);
	assert_int_equal(virtq_push(&q, 0, 0), -ENODEV);
	/* The largest queue, right at the end of RAM, is fine. */
	assert_int_equal(virtq_init(&q, &g.gm, 256, RAM - 4096, RAM - 8192, RAM - 8192 + 1024,
				    false), 0);
	assert_true(q.ready);
}

static void test_simple_chain(void **state)
{
	uint8_t out[20], in[32];
	uint32_t id, len;

	(void)state;
	memcpy(g.ram + BUF, "0123456789", 10);
	memcpy(g.ram + BUF + 0x100, "abcdefghij", 10);
	desc(2, BUF, 10, VIRTQ_DESC_F_NEXT, 5);
	desc(5, BUF + 0x100, 10, VIRTQ_DESC_F_NEXT, 7);
	desc(7, BUF + 0x200, 32, VIRTQ_DESC_F_WRITE, 0);
	assert_int_equal(virtq_pop(&q, &c), -EAGAIN);
	publish(2);
	assert_int_equal(virtq_pop(&q, &c), 0);
	assert_int_equal(c.head, 2);
	assert_int_equal(c.nout, 2);
	assert_int_equal(c.nin, 1);
	assert_int_equal(c.out_len, 20);
	assert_int_equal(c.in_len, 32);
	assert_int_equal(virtq_chain_read(&q, &c, 0, out, sizeof(out)), 20);
	assert_memory_equal(out, "0123456789abcdefghij", 20);
	/* From an offset inside the second buffer; past the end: short. */
	assert_int_equal(virtq_chain_read(&q, &c, 12, out, sizeof(out)), 8);
	assert_memory_equal(out, "cdefghij", 8);
	assert_int_equal(virtq_chain_read(&q, &c, 25, out, sizeof(out)), 0);
	memset(in, 'z', sizeof(in));
	assert_int_equal(virtq_chain_write(&q, &c, 4, in, 40), 28);
	assert_int_equal(g.ram[BUF + 0x200 + 3], 0);
	assert_int_equal(g.ram[BUF + 0x200 + 4], 'z');
	/* Readable buffers are never written. */
	assert_memory_equal(g.ram + BUF, "0123456789", 10);
	assert_int_equal(virtq_pop(&q, &c), -EAGAIN);
	assert_int_equal(virtq_push(&q, 2, 32), 0);
	assert_int_equal(used_idx(), 1);
	used_elem(0, &id, &len);
	assert_int_equal(id, 2);
	assert_int_equal(len, 32);
	assert_true(virtq_should_notify(&q));
	g.ram[AVAIL] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	assert_false(virtq_should_notify(&q));
}

static void test_index_wrap(void **state)
{
	uint32_t id, len;

	(void)state;
	/* 70000 requests through a 8-entry ring: the 16-bit indices wrap. */
	desc(3, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	for (unsigned n = 0; n < 70000; n++) {
		publish(3);
		if (n % 3 == 0)
			publish(3);
		while (virtq_pop(&q, &c) == 0)
			assert_int_equal(virtq_push(&q, c.head, (uint32_t)n), 0);
		assert_false(q.broken);
	}
	assert_int_equal(used_idx(), avail_idx);
	used_elem((uint16_t)(used_idx() - 1), &id, &len);
	assert_int_equal(id, 3);
	assert_int_equal(len, 69999);
}

static void test_zero_length_buffers(void **state)
{
	(void)state;
	/* A zero-length buffer names no memory; its address is not used. */
	desc(0, 0xdead000000000000ull, 0, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	assert_int_equal(virtq_pop(&q, &c), 0);
	assert_int_equal(c.nout, 0);
	assert_int_equal(c.nin, 1);
	assert_int_equal(c.out_len, 0);
}

static void expect_broken(int want, enum virtq_err why)
{
	assert_int_equal(virtq_pop(&q, &c), want);
	assert_true(q.broken);
	assert_int_equal(q.err, why);
	assert_non_null(virtq_strerror(why));
	/* Broken stays broken: nothing more is read or written. */
	publish(0);
	assert_int_equal(virtq_pop(&q, &c), -ENODEV);
	assert_int_equal(virtq_push(&q, 0, 0), -ENODEV);
	assert_false(virtq_should_notify(&q));
	assert_int_equal(used_idx(), 0);
	/* Until reset. */
	virtq_reset(&q);
	assert_false(q.broken);
	assert_false(q.ready);
}

static void test_avail_index_jump(void **state)
{
	uint16_t idx = 9;	/* 9 new entries in an 8-entry ring */

	(void)state;
	memcpy(g.ram + AVAIL + 2, &idx, 2);
	expect_broken(-EOVERFLOW, VQ_ERR_AVAIL_IDX);
}

static void test_avail_index_backwards(void **state)
{
	uint16_t idx = 0xffff;	/* "65535 new entries" */

	(void)state;
	memcpy(g.ram + AVAIL + 2, &idx, 2);
	expect_broken(-EOVERFLOW, VQ_ERR_AVAIL_IDX);
}

static void test_head_out_of_range(void **state)
{
	(void)state;
	publish(8);
	expect_broken(-EINVAL, VQ_ERR_HEAD);
}

static void test_next_out_of_range(void **state)
{
	(void)state;
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 8);
	publish(0);
	expect_broken(-EINVAL, VQ_ERR_NEXT);
}

static void test_loop(void **state)
{
	(void)state;
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
	publish(0);
	expect_broken(-E2BIG, VQ_ERR_LOOP);
}

static void test_self_loop(void **state)
{
	(void)state;
	desc(4, BUF, 4, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 4);
	publish(4);
	expect_broken(-E2BIG, VQ_ERR_LOOP);
}

static void test_buffer_outside_ram(void **state)
{
	(void)state;
	desc(0, RAM - 4, 8, 0, 0);	/* straddles the end */
	publish(0);
	expect_broken(-EFAULT, VQ_ERR_DESC_ADDR);
}

static void test_buffer_wraps(void **state)
{
	(void)state;
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc(1, 0xfffffffffffff000ull, 0x2000, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	expect_broken(-EFAULT, VQ_ERR_DESC_ADDR);
}

static void test_huge_length(void **state)
{
	(void)state;
	desc(0, BUF, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	expect_broken(-EFAULT, VQ_ERR_DESC_ADDR);
}

static void test_order_violation(void **state)
{
	(void)state;
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 4, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF + 8, 4, 0, 0);
	publish(0);
	expect_broken(-EPROTO, VQ_ERR_ORDER);
}

static void test_order_violation_zero_length(void **state)
{
	(void)state;
	desc(0, BUF, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 8, 4, 0, 0);
	publish(0);
	expect_broken(-EPROTO, VQ_ERR_ORDER);
}

static void test_indirect(void **state)
{
	uint8_t out[8];

	(void)state;
	memcpy(g.ram + BUF, "hdr!data", 8);
	idesc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
	idesc(2, BUF + 4, 4, VIRTQ_DESC_F_NEXT, 1);
	idesc(1, BUF + 0x100, 64, VIRTQ_DESC_F_WRITE, 0);
	/* The write flag of the descriptor naming the table is ignored
	 * (2.6.5.3.2). A direct buffer may come before it. */
	desc(6, BUF + 0x200, 2, VIRTQ_DESC_F_NEXT, 3);
	desc(3, IND, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	publish(6);
	assert_int_equal(virtq_pop(&q, &c), 0);
	assert_int_equal(c.head, 6);
	assert_int_equal(c.nout, 3);
	assert_int_equal(c.nin, 1);
	assert_int_equal(c.out_len, 10);
	assert_int_equal(c.in_len, 64);
	assert_int_equal(virtq_chain_read(&q, &c, 2, out, 8), 8);
	assert_memory_equal(out, "hdr!data", 8);
}

static void test_indirect_not_negotiated(void **state)
{
	(void)state;
	assert_int_equal(virtq_init(&q, &g.gm, 8, DESC, AVAIL, USED, false), 0);
	idesc(0, BUF, 4, 0, 0);
	desc(0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	publish(0);
	expect_broken(-EINVAL, VQ_ERR_INDIRECT_FEATURE);
}

static void test_indirect_bad_sizes(void **state)
{
	static const uint32_t bad[] = { 0, 8, 17, 9 * 16, 0xfffffff0u };

	(void)state;
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_equal(virtq_init(&q, &g.gm, 8, DESC, AVAIL, USED, true), 0);
		avail_idx = 0;
		memset(g.ram + AVAIL, 0, 64);
		desc(0, IND, bad[k], VIRTQ_DESC_F_INDIRECT, 0);
		publish(0);
		expect_broken(-EINVAL, VQ_ERR_INDIRECT_SIZE);
	}
}

static void test_indirect_outside_ram(void **state)
{
	(void)state;
	desc(0, RAM - 32, 64, VIRTQ_DESC_F_INDIRECT, 0);
	publish(0);
	expect_broken(-EFAULT, VQ_ERR_DESC_ADDR);
}

static void test_indirect_nested(void **state)
{
	(void)state;
	idesc(0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc(0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	publish(0);
	expect_broken(-EINVAL, VQ_ERR_INDIRECT_NESTED);
}

static void test_indirect_with_next(void **state)
{
	(void)state;
	idesc(0, BUF, 4, 0, 0);
	desc(0, IND, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 4, 0, 0);
	publish(0);
	expect_broken(-EINVAL, VQ_ERR_INDIRECT_NEXT);
}

static void test_indirect_loop(void **state)
{
	(void)state;
	idesc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	idesc(1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
	desc(0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	publish(0);
	expect_broken(-E2BIG, VQ_ERR_LOOP);
}

static void test_indirect_next_out_of_table(void **state)
{
	(void)state;
	idesc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 2);	/* table has 2 entries */
	desc(0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	publish(0);
	expect_broken(-EINVAL, VQ_ERR_NEXT);
}

static void test_too_many_segments(void **state)
{
	uint32_t id, len;

	(void)state;
	/* A legal 128-buffer chain is more than we keep: the request fails,
	 * the queue does not. */
	teardown(state);
	assert_int_equal(setup_n(128, false), 0);
	for (uint16_t i = 0; i < 128; i++)
		desc(i, BUF + i, 1, i < 127 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	publish(0);
	assert_int_equal(virtq_pop(&q, &c), -EMSGSIZE);
	assert_false(q.broken);
	assert_int_equal(q.err, VQ_ERR_TOO_MANY_SEGS);
	assert_int_equal(c.head, 0);
	assert_int_equal(virtq_push(&q, c.head, 0), 0);
	used_elem(0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	/* The next chain works. */
	desc(5, BUF, 1, 0, 0);
	publish(5);
	assert_int_equal(virtq_pop(&q, &c), 0);
	assert_int_equal(c.head, 5);
}

static void test_too_many_bytes(void **state)
{
	(void)state;
	desc(0, BUF, 0x80000, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 0x80000, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(2, BUF, 1, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	assert_int_equal(virtq_pop(&q, &c), -EMSGSIZE);
	assert_int_equal(q.err, VQ_ERR_TOO_BIG);
	assert_false(q.broken);
}

/* The driver rewrites a descriptor after we took the chain: copies still
 * only reach what was checked, or nothing. */
static void test_copy_rechecks(void **state)
{
	uint8_t buf[16];

	(void)state;
	desc(0, RAM - 16, 16, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	assert_int_equal(virtq_pop(&q, &c), 0);
	c.seg[0].gpa = RAM - 8;		/* as if the table had changed */
	memset(buf, 1, sizeof(buf));
	assert_int_equal(virtq_chain_write(&q, &c, 0, buf, 16), 0);
	assert_null(virtq_seg_map(&q, &c.seg[0]));
}

static void test_used_ring_write_refused(void **state)
{
	(void)state;
	desc(0, BUF, 4, 0, 0);
	publish(0);
	assert_int_equal(virtq_pop(&q, &c), 0);
	q.used = RAM - 8;	/* cannot happen through virtq_init */
	assert_int_equal(virtq_push(&q, 0, 0), -EFAULT);
	assert_true(q.broken);
	assert_int_equal(q.err, VQ_ERR_RING_ADDR);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init_checks),
		T(test_simple_chain),
		T(test_index_wrap),
		T(test_zero_length_buffers),
		T(test_avail_index_jump),
		T(test_avail_index_backwards),
		T(test_head_out_of_range),
		T(test_next_out_of_range),
		T(test_loop),
		T(test_self_loop),
		T(test_buffer_outside_ram),
		T(test_buffer_wraps),
		T(test_huge_length),
		T(test_order_violation),
		T(test_order_violation_zero_length),
		T(test_indirect),
		T(test_indirect_not_negotiated),
		T(test_indirect_bad_sizes),
		T(test_indirect_outside_ram),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		T(test_indirect_loop),
		T(test_indirect_next_out_of_table),
		T(test_too_many_segments),
		T(test_too_many_bytes),
		T(test_copy_rechecks),
		T(test_used_ring_write_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
