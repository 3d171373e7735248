/* MP table builder (Intel MultiProcessor Specification 1.4). Linux reads
 * it when there is no ACPI (arch/x86/kernel/mpparse.c): it scans the
 * first KiB, the last KiB of base memory and 0xf0000-0xfffff for the
 * floating pointer, then walks the configuration table's entries. */
#include <errno.h>
#include <string.h>
#include "vmm/mptable.h"

/* MP spec 4.1, table 4-1: the MP floating pointer structure. */
struct mpf {
	char sig[4];			/* "_MP_" */
	uint32_t physptr;		/* configuration table */
	uint8_t length;			/* in 16-byte units: 1 */
	uint8_t spec_rev;		/* 4: version 1.4 */
	uint8_t checksum;
	uint8_t feature[5];		/* 0: a configuration table is present */
} __attribute__((packed));

/* MP spec 4.2, table 4-2: the configuration table header. */
struct mpc {
	char sig[4];			/* "PCMP" */
	uint16_t length;		/* base table, header included */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_ptr;
	uint16_t oem_size;
	uint16_t count;			/* entries */
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

/* MP spec 4.3.1, table 4-4. */
struct mpc_cpu {
	uint8_t type;			/* 0 */
	uint8_t apic_id, apic_ver, flags;
	uint32_t signature, features;
	uint32_t reserved[2];
} __attribute__((packed));

/* MP spec 4.3.2, table 4-5. */
struct mpc_bus {
	uint8_t type;			/* 1 */
	uint8_t id;
	char name[6];
} __attribute__((packed));

/* MP spec 4.3.3, table 4-7. */
struct mpc_ioapic {
	uint8_t type;			/* 2 */
	uint8_t id, ver, flags;
	uint32_t addr;
} __attribute__((packed));

/* MP spec 4.3.4 and 4.3.5, tables 4-8 and 4-11: I/O and local interrupt
 * assignment entries share one layout. */
struct mpc_irq {
	uint8_t type;			/* 3 I/O, 4 local */
	uint8_t irq_type;		/* 0 INT, 1 NMI, 3 ExtINT */
	uint16_t flags;			/* polarity bits 0-1, trigger mode bits 2-3 */
	uint8_t src_bus, src_irq;
	uint8_t dst_apic, dst_pin;
} __attribute__((packed));

_Static_assert(sizeof(struct mpf) == 16, "MP spec table 4-1");
_Static_assert(sizeof(struct mpc) == 44, "MP spec table 4-2");
_Static_assert(sizeof(struct mpc_cpu) == 20, "MP spec table 4-4");
_Static_assert(sizeof(struct mpc_bus) == 8, "MP spec table 4-5");
_Static_assert(sizeof(struct mpc_ioapic) == 8, "MP spec table 4-7");
_Static_assert(sizeof(struct mpc_irq) == 8, "MP spec table 4-8");

#define CPU_ENABLED	0x01
#define CPU_BSP		0x02
#define LAPIC_VERSION	0x14		/* integrated xAPIC */
#define IOAPIC_VERSION	0x11		/* 82093AA */
#define IRQ_INT		0
#define IRQ_NMI		1
#define IRQ_EXTINT	3
#define IRQ_HIGH_EDGE	0x0005		/* active high (01), edge (01<<2) */
#define ALL_LAPICS	0xff
/* Family 6 model 15 stepping 1; FPU and on-chip APIC (CPUID.1:EDX
 * bits 0 and 9), as MP spec 4.3.1 asks for the feature flags. */
#define CPU_SIGNATURE	0x000006f1
#define CPU_FEATURES	0x00000201

size_t mptable_size(uint32_t nvcpus)
{
	return sizeof(struct mpf) + sizeof(struct mpc) + nvcpus * sizeof(struct mpc_cpu) +
	       2 * sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
	       (MPTABLE_ISA_IRQS + 2) * sizeof(struct mpc_irq);
}

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

int mptable_build(void *buf, size_t len, uint64_t gpa, uint32_t nvcpus)
{
	uint8_t *p = buf;
	struct mpf mpf = { .sig = "_MP_", .length = 1, .spec_rev = 4 };
	struct mpc mpc = { .sig = "PCMP", .spec_rev = 4, .oem = "BASTION ",
			   .product = "MICROVM     ", .lapic = MPTABLE_LAPIC };
	uint8_t *q;
	size_t size;

	if (!nvcpus || nvcpus > MPTABLE_MAX_CPUS)
		return -EINVAL;
	size = mptable_size(nvcpus);
	if (len < size || gpa >= (1ull << 32) - size)
		return -EINVAL;
	memset(p, 0, size);
	q = p + sizeof(mpf) + sizeof(mpc);

	for (uint32_t i = 0; i < nvcpus; i++) {
		struct mpc_cpu c = {
			.type = 0, .apic_id = (uint8_t)i, .apic_ver = LAPIC_VERSION,
			.flags = CPU_ENABLED | (i == 0 ? CPU_BSP : 0),
			.signature = CPU_SIGNATURE, .features = CPU_FEATURES,
		};
		memcpy(q, &c, sizeof(c));
		q += sizeof(c);
	}
	/* MP spec 4.3.2: the bus type strings are blank-padded. */
	memcpy(q, &(struct mpc_bus){ 1, MPTABLE_BUS_PCI, "PCI   " }, sizeof(struct mpc_bus));
	q += sizeof(struct mpc_bus);
	memcpy(q, &(struct mpc_bus){ 1, MPTABLE_BUS_ISA, "ISA   " }, sizeof(struct mpc_bus));
	q += sizeof(struct mpc_bus);
	memcpy(q, &(struct mpc_ioapic){ 2, (uint8_t)nvcpus, IOAPIC_VERSION, 1, MPTABLE_IOAPIC },
	       sizeof(struct mpc_ioapic));
	q += sizeof(struct mpc_ioapic);
	/* ISA IRQ n on I/O APIC pin n, edge-triggered and active high, as
	 * Firecracker wires its I/O APIC (no interrupt source overrides). */
	for (uint8_t irq = 0; irq < MPTABLE_ISA_IRQS; irq++) {
		struct mpc_irq e = { 3, IRQ_INT, IRQ_HIGH_EDGE, MPTABLE_BUS_ISA, irq,
				     (uint8_t)nvcpus, irq };
		memcpy(q, &e, sizeof(e));
		q += sizeof(e);
	}
	/* MP spec 5.1 virtual wire mode: the 8259A on LINT0, NMI on LINT1,
	 * of every local APIC. */
	memcpy(q, &(struct mpc_irq){ 4, IRQ_EXTINT, 0, MPTABLE_BUS_ISA, 0, ALL_LAPICS, 0 },
	       sizeof(struct mpc_irq));
	q += sizeof(struct mpc_irq);
	memcpy(q, &(struct mpc_irq){ 4, IRQ_NMI, 0, MPTABLE_BUS_ISA, 0, ALL_LAPICS, 1 },
	       sizeof(struct mpc_irq));
	q += sizeof(struct mpc_irq);

	mpc.length = (uint16_t)(q - (p + sizeof(mpf)));
	mpc.count = (uint16_t)(nvcpus + 2 + 1 + MPTABLE_ISA_IRQS + 2);
	memcpy(p + sizeof(mpf), &mpc, sizeof(mpc));
	p[sizeof(mpf) + offsetof(struct mpc, checksum)] = checksum(p + sizeof(mpf), mpc.length);

	mpf.physptr = (uint32_t)(gpa + sizeof(mpf));
	mpf.checksum = checksum(&mpf, sizeof(mpf));
	memcpy(p, &mpf, sizeof(mpf));
	return 0;
}
