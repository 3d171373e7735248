/* Unit tests of the port-I/O and MMIO buses (vmm/iobus.c): registration
 * (empty, wrapping, overlapping ranges, the table limit) and lookups at
 * the edges of ranges, including accesses that straddle a range's end
 * or two adjacent ranges. */
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

#include "vmm/iobus.h"

static int dev_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	*val = (uintptr_t)ctx + off + size;
	return 0;
}

static int dev_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	(void)ctx;
	(void)off;
	(void)size;
	(void)val;
	return 0;
}

static int marker[IOBUS_MAX + 4];

static struct io_dev dev(int i)
{
	return (struct io_dev){ .name = "dev", .read = dev_read, .write = dev_write,
				.ctx = &marker[i] };
}

static struct iobus bus;

static int setup(void **state)
{
	(void)state;
	memset(&bus, 0x5a, sizeof(bus));
	bus.n = 0;
	return 0;
}

static void reg_ok(uint64_t base, uint64_t len, int i)
{
	struct io_dev d = dev(i);

	assert_int_equal(iobus_register(&bus, base, len, &d), 0);
}

static void reg_fails(uint64_t base, uint64_t len, int rc)
{
	struct io_dev d = dev(0);
	struct iobus before = bus;

	assert_int_equal(iobus_register(&bus, base, len, &d), rc);
	assert_memory_equal(&before, &bus, sizeof(bus));	/* nothing changed */
}

/* The device owning [addr, addr+size), by its marker, or -1 for none. */
static int owner(uint64_t addr, unsigned size)
{
	const struct io_range *r = iobus_find(&bus, addr, size);

	if (!r)
		return -1;
	assert_true(r >= bus.r && r < bus.r + bus.n);
	return (int)((int *)r->dev.ctx - marker);
}

static void test_register_and_copy(void **state)
{
	struct io_dev d = dev(3);
	const struct io_range *r;
	uint64_t v;

	(void)state;
	assert_int_equal(iobus_register(&bus, 0x3f8, 8, &d), 0);
	d.ctx = NULL;				/* the bus keeps its own copy */
	r = iobus_find(&bus, 0x3f8, 1);
	assert_non_null(r);
	assert_int_equal(r->base, 0x3f8);
	assert_int_equal(r->len, 8);
	assert_ptr_equal(r->dev.ctx, &marker[3]);
	assert_string_equal(r->dev.name, "dev");
	assert_int_equal(r->dev.read(r->dev.ctx, 2, 1, &v), 0);
	assert_int_equal(v, (uintptr_t)&marker[3] + 3);
	assert_int_equal(bus.n, 1);
}

static void test_empty_and_wrapping(void **state)
{
	(void)state;
	reg_fails(0x1000, 0, -EINVAL);
	reg_fails(0, 0, -EINVAL);
	reg_fails(~0ull, 2, -EINVAL);				/* wraps */
	reg_fails(~0ull - 0xff, 0x200, -EINVAL);
	reg_fails(1, ~0ull, -EINVAL);
	reg_fails(0x8000000000000000ull, 0x8000000000000001ull, -EINVAL);
	/* the largest ranges that do not wrap */
	reg_ok(~0ull - 1, 1, 1);
	assert_int_equal(owner(~0ull - 1, 1), 1);
	assert_int_equal(owner(~0ull, 1), -1);
	setup(NULL);
	reg_ok(0, ~0ull, 2);
	assert_int_equal(owner(0, 8), 2);
	assert_int_equal(owner(~0ull - 8, 8), 2);
	assert_int_equal(owner(~0ull - 1, 1), 2);
	assert_int_equal(owner(~0ull, 1), -1);		/* base + len is not in it */
	assert_int_equal(owner(~0ull - 7, 8), -1);	/* its last byte would be ~0 */
}

static void test_overlap(void **state)
{
	(void)state;
	reg_ok(0x100, 0x10, 1);				/* [0x100, 0x110) */
	reg_fails(0x100, 0x10, -EEXIST);		/* same */
	reg_fails(0x10f, 1, -EEXIST);			/* last byte */
	reg_fails(0xf0, 0x11, -EEXIST);			/* first byte */
	reg_fails(0x108, 0x100, -EEXIST);		/* tail */
	reg_fails(0x104, 4, -EEXIST);			/* inside */
	reg_fails(0, 0x1000, -EEXIST);			/* around */
	reg_fails(0, ~0ull, -EEXIST);
	/* touching is not overlapping */
	reg_ok(0xf0, 0x10, 2);
	reg_ok(0x110, 1, 3);
	assert_int_equal(bus.n, 3);
	reg_fails(0xff, 0x12, -EEXIST);
	reg_fails(0x110, 1, -EEXIST);
}

static void test_limit(void **state)
{
	(void)state;
	for (int i = 0; i < IOBUS_MAX; i++)
		reg_ok(0x1000 * (uint64_t)i, 0x100, i);
	assert_int_equal(bus.n, IOBUS_MAX);
	reg_fails(0x100000, 0x10, -ENOSPC);
	for (int i = 0; i < IOBUS_MAX; i++)
		assert_int_equal(owner(0x1000 * (uint64_t)i + 0x80, 4), i);
	/* a bad range is refused for what it is even when full */
	reg_fails(0x100000, 0, -EINVAL);
}

static void test_find_edges(void **state)
{
	(void)state;
	reg_ok(0xcf8, 4, 1);			/* PCI config address */
	reg_ok(0xcfc, 4, 2);			/* PCI config data: adjacent */
	reg_ok(0x3f8, 8, 3);
	reg_ok(0xfee00000ull, 0x1000, 4);	/* an MMIO page */

	assert_int_equal(owner(0xcf8, 4), 1);
	assert_int_equal(owner(0xcf8, 1), 1);
	assert_int_equal(owner(0xcfb, 1), 1);
	assert_int_equal(owner(0xcfa, 2), 1);
	assert_int_equal(owner(0xcfc, 4), 2);
	assert_int_equal(owner(0xcff, 1), 2);
	assert_int_equal(owner(0xcf7, 1), -1);
	assert_int_equal(owner(0xd00, 1), -1);
	/* straddling: the end of a range, or two adjacent ranges */
	assert_int_equal(owner(0xcfa, 4), -1);
	assert_int_equal(owner(0xcfb, 2), -1);
	assert_int_equal(owner(0xcfe, 4), -1);
	assert_int_equal(owner(0xcf7, 2), -1);
	assert_int_equal(owner(0xcf8, 8), -1);
	assert_int_equal(owner(0x3f8, 8), 3);
	assert_int_equal(owner(0x3ff, 1), 3);
	assert_int_equal(owner(0x3ff, 2), -1);
	assert_int_equal(owner(0x3f8, 9), -1);
	assert_int_equal(owner(0xfee00ffcull, 4), 4);
	assert_int_equal(owner(0xfee00ff8ull, 8), 4);
	assert_int_equal(owner(0xfee00ffdull, 4), -1);
	assert_int_equal(owner(0xfee00ff9ull, 8), -1);
	assert_int_equal(owner(0xfee01000ull, 1), -1);
	assert_int_equal(owner(0xfedfffffull, 1), -1);
	assert_int_equal(owner(0xfedfffffull, 2), -1);
	/* sizes that would wrap the address */
	assert_int_equal(owner(~0ull, 8), -1);
	assert_int_equal(owner(0x3f8, ~0u), -1);
	/* addresses far away, differing only in high bits */
	assert_int_equal(owner(0x1000000003f8ull, 1), -1);
	assert_int_equal(owner(0x80000000000003f8ull, 1), -1);
}

static void test_empty_bus(void **state)
{
	(void)state;
	assert_null(iobus_find(&bus, 0, 1));
	assert_null(iobus_find(&bus, 0x3f8, 1));
	assert_null(iobus_find(&bus, ~0ull, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_register_and_copy, setup),
		cmocka_unit_test_setup(test_empty_and_wrapping, setup),
		cmocka_unit_test_setup(test_overlap, setup),
		cmocka_unit_test_setup(test_limit, setup),
		cmocka_unit_test_setup(test_find_edges, setup),
		cmocka_unit_test_setup(test_empty_bus, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
