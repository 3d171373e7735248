/* The guest's PCI bus (vmm/dev/pci.c), driven through the conf1 ports and
 * the MMIO window as Linux's arch/x86/pci/direct.c and the PCI core do,
 * and as a hostile guest would. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/dev/pci.h"

static struct pci_bus bus;

/* A test function: BAR0 16 KiB, BAR2 4 KiB, records BAR accesses. */
static struct testfn {
	struct pci_func f;
	unsigned reads, writes, resets, cfg_writes;
	unsigned last_bar, last_size;
	uint64_t last_off, last_val;
} t;

static int t_read(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t *val)
{
	struct testfn *x = ctx;

	x->reads++;
	x->last_bar = bar;
	x->last_off = off;
	x->last_size = size;
	*val = 0x1000u * bar + off;
	return 0;
}

static int t_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct testfn *x = ctx;

	x->writes++;
	x->last_bar = bar;
	x->last_off = off;
	x->last_size = size;
	x->last_val = val;
	return 0;
}

static void t_reset(void *ctx)
{
	((struct testfn *)ctx)->resets++;
}

static void t_cfg_written(void *ctx, unsigned off, unsigned size)
{
	((struct testfn *)ctx)->cfg_writes++;
}

static uint32_t inl(unsigned port)
{
	uint64_t v = 0;

	assert_int_equal(pci_conf1_read(&bus, port - PCI_CONF1_PORT, 4, &v), 0);
	return (uint32_t)v;
}

static uint32_t in(unsigned port, unsigned size)
{
	uint64_t v = 0;

	assert_int_equal(pci_conf1_read(&bus, port - PCI_CONF1_PORT, size, &v), 0);
	return (uint32_t)v;
}

static void out(unsigned port, unsigned size, uint32_t v)
{
	assert_int_equal(pci_conf1_write(&bus, port - PCI_CONF1_PORT, size, v), 0);
}

/* Linux's PCI_CONF1_ADDRESS + read of CONFIG_DATA at the right byte. */
static uint32_t conf_read(unsigned devfn, unsigned reg, unsigned size)
{
	out(0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return in(0xcfc + (reg & 3), size);
}

static void conf_write(unsigned devfn, unsigned reg, unsigned size, uint32_t v)
{
	out(0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	out(0xcfc + (reg & 3), size, v);
}

static uint64_t mmio_read(uint64_t addr, unsigned size)
{
	uint64_t v = 0;

	assert_int_equal(pci_mmio_read(&bus, addr - PCI_MMIO_BASE, size, &v), 0);
	return v;
}

static void mmio_write(uint64_t addr, unsigned size, uint64_t v)
{
	assert_int_equal(pci_mmio_write(&bus, addr - PCI_MMIO_BASE, size, v), 0);
}

static int setup(void **state)
{
	(void)state;
	pci_bus_init(&bus);
	memset(&t, 0, sizeof(t));
	pci_func_init(&t.f, 0x1234, 0x5678, 0x020000, 3, 0x1234, 0x0042);
	assert_int_equal(pci_func_set_bar(&t.f, 0, 0x4000), 0);
	assert_int_equal(pci_func_set_bar(&t.f, 2, 0x1000), 0);
	t.f.bar_read = t_read;
	t.f.bar_write = t_write;
	t.f.reset = t_reset;
	t.f.cfg_written = t_cfg_written;
	t.f.ctx = &t;
	assert_int_equal(pci_bus_add(&bus, &t.f, 3), 0);
	return 0;
}

/* arch/x86/pci/direct.c: pci_check_type1() and pci_sanity_check(). */
static void test_linux_type1_probe(void **state)
{
	uint32_t tmp;
	bool found = false;

	(void)state;
	out(0xcfb, 1, 0x01);
	tmp = inl(0xcf8);
	out(0xcf8, 4, 0x80000000u);
	assert_int_equal(inl(0xcf8), 0x80000000u);
	out(0xcf8, 4, tmp);
	assert_int_equal(inl(0xcf8), tmp);
	/* sanity check: some devfn has a host bridge or VGA class, or an
	 * Intel/Compaq vendor (word reads at 0x0a and 0x00). */
	for (unsigned devfn = 0; devfn < 0x100; devfn++) {
		uint32_t class = conf_read(devfn, 0x0a, 2);

		if (class == 0x0600 || class == 0x0300) {
			found = true;
			assert_int_equal(devfn, 0);
			break;
		}
	}
	assert_true(found);
	assert_int_equal(conf_read(0, 0x00, 2), PCI_HB_VENDOR);
	assert_int_equal(conf_read(0, 0x02, 2), PCI_HB_DEVICE);
	assert_int_equal(conf_read(0, 0x08, 4) >> 8, 0x060000);
	assert_int_equal(conf_read(0, 0x0e, 1), 0x00);	/* type 0, single function */
}

static void test_address_register(void **state)
{
	(void)state;
	/* Reserved bits 30:24 and 1:0 read back zero. */
	out(0xcf8, 4, 0xffffffffu);
	assert_int_equal(inl(0xcf8), 0x80fffffcu);
	/* Byte and word accesses to 0xcf8-0xcfb are not CONFIG_ADDRESS. */
	out(0xcf8, 4, 0x80001800u);
	out(0xcf8, 1, 0x00);
	out(0xcfa, 2, 0x1234);
	out(0xcf9, 1, 0x06);	/* PC reset control register: ignored */
	assert_int_equal(inl(0xcf8), 0x80001800u);
	assert_int_equal(in(0xcf8, 1), 0xff);
	assert_int_equal(in(0xcfa, 2), 0xffff);
}

static void test_data_port_offsets(void **state)
{
	unsigned devfn = 3 << 3;

	(void)state;
	assert_int_equal(conf_read(devfn, 0x00, 4), 0x56781234u);
	assert_int_equal(conf_read(devfn, 0x00, 2), 0x1234);
	assert_int_equal(conf_read(devfn, 0x02, 2), 0x5678);
	assert_int_equal(conf_read(devfn, 0x01, 1), 0x12);
	assert_int_equal(conf_read(devfn, 0x03, 1), 0x56);
	assert_int_equal(conf_read(devfn, 0x08, 1), 3);		/* revision */
	assert_int_equal(conf_read(devfn, 0x0b, 1), 0x02);	/* base class */
	assert_int_equal(conf_read(devfn, 0x2e, 2), 0x0042);	/* subsystem */
	/* A dword starting at 0xcfd would cross 0xcff: nothing answers. */
	out(0xcf8, 4, 0x80000000u | devfn << 8);
	assert_int_equal(in(0xcfd, 4), 0xffffffffu);
	assert_int_equal(in(0xcfe, 4), 0xffffffffu);
}

static void test_absent_reads_all_ones(void **state)
{
	(void)state;
	assert_int_equal(conf_read(1 << 3, 0, 4), 0xffffffffu);	/* empty slot */
	assert_int_equal(conf_read(1 << 3, 0, 2), 0xffff);
	assert_int_equal(conf_read(1 << 3, 0, 1), 0xff);
	assert_int_equal(conf_read((3 << 3) | 1, 0, 4), 0xffffffffu);	/* function 1 */
	/* Bus 1 does not exist, even for devfn 0. */
	out(0xcf8, 4, 0x80010000u);
	assert_int_equal(in(0xcfc, 4), 0xffffffffu);
	/* Enable bit clear: no configuration cycle. */
	out(0xcf8, 4, 0x00000000u);
	assert_int_equal(in(0xcfc, 4), 0xffffffffu);
	out(0xcfc, 4, 0);
	assert_int_equal(conf_read(0, 0, 2), PCI_HB_VENDOR);
	/* Writes to absent functions go nowhere. */
	conf_write(1 << 3, 0x04, 2, 0xffff);
	assert_int_equal(conf_read(1 << 3, 0x04, 2), 0xffff);
}

static void test_write_masks(void **state)
{
	unsigned devfn = 3 << 3;

	(void)state;
	conf_write(devfn, 0x00, 4, 0);		/* IDs are read-only */
	assert_int_equal(conf_read(devfn, 0x00, 4), 0x56781234u);
	conf_write(devfn, 0x08, 4, 0);		/* class, revision */
	assert_int_equal(conf_read(devfn, 0x08, 4), 0x02000003u);
	conf_write(devfn, 0x0e, 1, 0x80);	/* header type */
	assert_int_equal(conf_read(devfn, 0x0e, 1), 0);
	/* Command: only the defined bits stick. */
	conf_write(devfn, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(conf_read(devfn, PCI_COMMAND, 2), 0x0547);
	assert_true(pci_func_bus_master(&t.f));
	conf_write(devfn, PCI_COMMAND, 2, 0);
	assert_false(pci_func_bus_master(&t.f));
	/* Status is read-only here (no capabilities yet). */
	conf_write(devfn, PCI_STATUS, 2, 0xffff);
	assert_int_equal(conf_read(devfn, PCI_STATUS, 2), 0);
	/* Interrupt line is scratch; pin says "none" (MSI-X only). */
	conf_write(devfn, PCI_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(conf_read(devfn, PCI_INTERRUPT_LINE, 1), 0x0b);
	conf_write(devfn, PCI_INTERRUPT_PIN, 1, 1);
	assert_int_equal(conf_read(devfn, PCI_INTERRUPT_PIN, 1), 0);
	/* Host bridge: nothing writable in the header. */
	conf_write(0, PCI_COMMAND, 2, 0);
	assert_int_equal(conf_read(0, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* Expansion ROM: none. */
	conf_write(devfn, PCI_ROM_ADDRESS, 4, 0xfffff800u);
	assert_int_equal(conf_read(devfn, PCI_ROM_ADDRESS, 4), 0);
	assert_true(t.cfg_writes > 0);
}

static void test_bar_assignment_and_sizing(void **state)
{
	unsigned devfn = 3 << 3;
	uint32_t slot_base = PCI_MMIO_BASE + 3 * PCI_SLOT_WINDOW;

	(void)state;
	assert_int_equal(conf_read(devfn, PCI_BAR0, 4), slot_base);
	assert_int_equal(conf_read(devfn, PCI_BAR0 + 4, 4), 0);		/* no BAR1 */
	assert_int_equal(conf_read(devfn, PCI_BAR0 + 8, 4), slot_base + 0x4000);
	assert_int_equal(pci_func_bar_addr(&t.f, 2), slot_base + 0x4000);
	/* Memory decoding is on, bus mastering off, as firmware leaves it. */
	assert_int_equal(conf_read(devfn, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	/* Linux's __pci_read_base(): decoding off, all ones, read, restore. */
	conf_write(devfn, PCI_COMMAND, 2, 0);
	conf_write(devfn, PCI_BAR0, 4, 0xffffffffu);
	assert_int_equal(conf_read(devfn, PCI_BAR0, 4), 0xffffc000u);
	conf_write(devfn, PCI_BAR0 + 8, 4, 0xffffffffu);
	assert_int_equal(conf_read(devfn, PCI_BAR0 + 8, 4), 0xfffff000u);
	conf_write(devfn, PCI_BAR0 + 4, 4, 0xffffffffu);
	assert_int_equal(conf_read(devfn, PCI_BAR0 + 4, 4), 0);
	conf_write(devfn, PCI_BAR0, 4, slot_base);
	conf_write(devfn, PCI_BAR0 + 8, 4, slot_base + 0x4000);
	conf_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(conf_read(devfn, PCI_BAR0, 4), slot_base);
	/* Low bits are read-only: 32-bit non-prefetchable memory. */
	conf_write(devfn, PCI_BAR0, 4, slot_base | 0xfff);
	assert_int_equal(conf_read(devfn, PCI_BAR0, 4), slot_base);
	/* Byte writes into a BAR follow the mask too. */
	conf_write(devfn, PCI_BAR0, 1, 0xff);
	assert_int_equal(conf_read(devfn, PCI_BAR0, 4), slot_base);
}

static void test_mmio_routing(void **state)
{
	unsigned devfn = 3 << 3;
	uint32_t b0 = PCI_MMIO_BASE + 3 * PCI_SLOT_WINDOW, b2 = b0 + 0x4000;

	(void)state;
	assert_int_equal(mmio_read(b0 + 0x10, 4), 0x10);
	assert_int_equal(t.last_bar, 0);
	assert_int_equal(t.last_size, 4);
	assert_int_equal(mmio_read(b2 + 0x8, 2), 0x2008);
	assert_int_equal(t.last_bar, 2);
	mmio_write(b0 + 0x3ff8, 8, 0x1122334455667788ull);
	assert_int_equal(t.writes, 1);
	assert_int_equal(t.last_off, 0x3ff8);
	assert_int_equal(t.last_val, 0x1122334455667788ull);
	/* Straddling the end of a BAR, or nothing there: master abort. */
	t.reads = 0;
	assert_int_equal(mmio_read(b0 + 0x3ffe, 4), 0xffffffffu);
	assert_int_equal(mmio_read(b2 + 0x1000, 4), 0xffffffffu);
	assert_int_equal(mmio_read(PCI_MMIO_BASE, 8), ~0ull);
	assert_int_equal(mmio_read(PCI_MMIO_BASE + PCI_MMIO_SIZE - 1, 1), 0xff);
	assert_int_equal(t.reads, 0);
	/* Memory decoding off: the function does not answer. */
	conf_write(devfn, PCI_COMMAND, 2, 0);
	assert_int_equal(mmio_read(b0, 4), 0xffffffffu);
	mmio_write(b0, 4, 1);
	assert_int_equal(t.reads, 0);
	assert_int_equal(t.writes, 1);
	conf_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* A guest moving BAR0 moves where it answers. */
	conf_write(devfn, PCI_BAR0, 4, PCI_MMIO_BASE + 0x08000000u);
	assert_int_equal(mmio_read(b0, 4), 0xffffffffu);
	assert_int_equal(t.reads, 0);
	assert_int_equal(mmio_read(PCI_MMIO_BASE + 0x08000000u + 0x20, 4), 0x20);
	assert_int_equal(t.reads, 1);
	/* Moved to 0: treated as unassigned. */
	conf_write(devfn, PCI_BAR0, 4, 0);
	assert_int_equal(mmio_read(PCI_MMIO_BASE + 0x08000000u, 4), 0xffffffffu);
	assert_int_equal(t.reads, 1);
}

static void test_capability_list(void **state)
{
	struct pci_func f;
	int a, b;
	unsigned p, n = 0;

	(void)state;
	pci_func_init(&f, 1, 2, 0xff0000, 0, 0, 0);
	assert_int_equal(pci_func_add_cap(&f, 0x09, 1), -EINVAL);
	a = pci_func_add_cap(&f, 0x11, 12);
	b = pci_func_add_cap(&f, 0x09, 17);
	assert_int_equal(a, 0x40);
	assert_int_equal(b, 0x4c);
	assert_int_equal(pci_func_add_cap(&f, 0x09, 16), 0x60);	/* dword aligned */
	assert_int_equal(pci_func_add_cap(&f, 0x09, 0xa0), -ENOSPC);
	assert_int_equal(pci_func_add_cap(&f, 0x09, 0x90), 0x70);	/* to the end */
	assert_int_equal(pci_func_add_cap(&f, 0x09, 4), -ENOSPC);
	assert_int_equal(pci_func_set_bar(&f, 0, 0x3000), -EINVAL);
	assert_int_equal(pci_func_set_bar(&f, 6, 0x1000), -EINVAL);
	assert_int_equal(pci_func_set_bar(&f, 0, 0x800), -EINVAL);
	assert_int_equal(pci_bus_add(&bus, &f, 5), 0);
	assert_true(conf_read(5 << 3, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (p = conf_read(5 << 3, PCI_CAPABILITY_LIST, 1); p; p = conf_read(5 << 3, p + 1, 1)) {
		assert_true(p >= 0x40 && !(p & 3));
		n++;
		assert_true(n <= 4);
	}
	assert_int_equal(n, 4);
	/* Capability bodies are read-only unless the device says so. */
	conf_write(5 << 3, a + 2, 2, 0xffff);
	assert_int_equal(conf_read(5 << 3, a + 2, 2), 0);
	pci_func_writable(&f, a + 2, 2, 0xc000);
	conf_write(5 << 3, a + 2, 2, 0xffff);
	assert_int_equal(conf_read(5 << 3, a + 2, 2), 0xc000);
	conf_write(5 << 3, PCI_CAPABILITY_LIST, 1, 0);
	assert_int_equal(conf_read(5 << 3, PCI_CAPABILITY_LIST, 1), 0x40);
}

static void test_registry_limits(void **state)
{
	static struct pci_func fs[8];
	unsigned added = 0;

	(void)state;
	pci_func_init(&fs[0], 1, 2, 0, 0, 0, 0);
	assert_int_equal(pci_bus_add(&bus, &fs[0], 0), -EINVAL);	/* the bridge's */
	assert_int_equal(pci_bus_add(&bus, &fs[0], 32), -EINVAL);
	assert_int_equal(pci_bus_add(&bus, &fs[0], 3), -EEXIST);
	for (unsigned i = 0; i < 8; i++) {
		pci_func_init(&fs[i], 1, (uint16_t)i, 0, 0, 0, 0);
		if (pci_bus_add(&bus, &fs[i], 10 + i) == 0)
			added++;
	}
	assert_int_equal(added, PCI_MAX_FUNCS - 2);	/* bridge + t */
	/* A BAR bigger than what is left of the slot. */
	pci_bus_init(&bus);
	pci_func_init(&fs[0], 1, 2, 0, 0, 0, 0);
	assert_int_equal(pci_func_set_bar(&fs[0], 0, PCI_SLOT_WINDOW), 0);
	assert_int_equal(pci_func_set_bar(&fs[0], 1, 0x1000), 0);
	assert_int_equal(pci_bus_add(&bus, &fs[0], 31), -ENOSPC);
	/* The last slot's window ends inside PCI_MMIO_SIZE. */
	pci_func_init(&fs[1], 1, 2, 0, 0, 0, 0);
	assert_int_equal(pci_func_set_bar(&fs[1], 5, PCI_SLOT_WINDOW), 0);
	assert_int_equal(pci_bus_add(&bus, &fs[1], 31), 0);
	assert_true(pci_func_bar_addr(&fs[1], 5) + (uint64_t)PCI_SLOT_WINDOW <=
		    (uint64_t)PCI_MMIO_BASE + PCI_MMIO_SIZE);
}

static void test_reset(void **state)
{
	unsigned devfn = 3 << 3;

	(void)state;
	conf_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	conf_write(devfn, PCI_BAR0, 4, 0xe8000000u);
	pci_bus_reset(&bus);
	assert_int_equal(inl(0xcf8), 0);
	assert_int_equal(t.resets, 1);
	assert_int_equal(conf_read(devfn, PCI_BAR0, 4), PCI_MMIO_BASE + 3 * PCI_SLOT_WINDOW);
	assert_int_equal(conf_read(devfn, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
}

static void test_io_dev_glue(void **state)
{
	struct io_dev c = pci_bus_conf1_dev(&bus), m = pci_bus_mmio_dev(&bus);
	struct iobus pio = { 0 }, mmio = { 0 };
	const struct io_range *r;
	uint64_t v;

	(void)state;
	assert_int_equal(iobus_register(&pio, PCI_CONF1_PORT, PCI_CONF1_LEN, &c), 0);
	assert_int_equal(iobus_register(&mmio, PCI_MMIO_BASE, PCI_MMIO_SIZE, &m), 0);
	r = iobus_find(&pio, 0xcf8, 4);
	assert_non_null(r);
	r->dev.write(r->dev.ctx, 0, 4, 0x80001800u);
	r = iobus_find(&pio, 0xcfc, 2);
	assert_non_null(r);
	r->dev.read(r->dev.ctx, 0xcfc - r->base, 2, &v);
	assert_int_equal(v, 0x1234);
	r = iobus_find(&mmio, PCI_MMIO_BASE + 3 * PCI_SLOT_WINDOW + 4, 4);
	assert_non_null(r);
	r->dev.read(r->dev.ctx, PCI_MMIO_BASE + 3 * PCI_SLOT_WINDOW + 4 - r->base, 4, &v);
	assert_int_equal(v, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_linux_type1_probe, setup),
		cmocka_unit_test_setup(test_address_register, setup),
		cmocka_unit_test_setup(test_data_port_offsets, setup),
		cmocka_unit_test_setup(test_absent_reads_all_ones, setup),
		cmocka_unit_test_setup(test_write_masks, setup),
		cmocka_unit_test_setup(test_bar_assignment_and_sizing, setup),
		cmocka_unit_test_setup(test_mmio_routing, setup),
		cmocka_unit_test_setup(test_capability_list, setup),
		cmocka_unit_test_setup(test_registry_limits, setup),
		cmocka_unit_test_setup(test_reset, setup),
		cmocka_unit_test_setup(test_io_dev_glue, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
