/*
 * The PC platform of a Linux micro-VM: device wiring and interrupt
 * routing. Lock order: vm->uart_lock, then pc->lock (every platform
 * device and the I/O APIC), then vm->lock (taken to wake a vCPU).
 * Local APICs belong to their vCPUs; others reach them only through the
 * vCPU's mailbox (vcpu_post_*), drained by pc_vcpu_sync on the vCPU.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "drivers/cmos.h"
#include "kernel/drbg.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "vmm/dev/i8042.h"
#include "vmm/dev/i8254.h"
#include "vmm/dev/i8259.h"
#include "vmm/dev/ioapic.h"
#include "vmm/dev/mc146818.h"
#include "vmm/dev/ns16550.h"
#include "vmm/dev/pci.h"
#include "vmm/dev/virtio_net.h"
#include "vmm/dev/virtio_rng.h"
#include "net/vnet.h"
#include "vmm/pc.h"
#include "vmm/vm.h"

struct pc;

#define D_COUNT_MAX 8

/* What a legacy port's io_dev points at. [I] */
struct pc_port {
	struct pc *pc;
	uint8_t dev;		/* enum pc_dev */
};

struct pc {
	struct spinlock lock;
	struct vm *vm;			/* [I] */
	struct ioapic ioapic;		/* [p] pc->lock */
	struct i8254 pit;		/* [p] */
	struct mc146818 rtc;		/* [p] */
	struct i8259 pic;		/* [p] */
	struct i8042 kbd;		/* [p] */
	struct vlapic lapic[VM_MAX_VCPUS];	/* [c] each its vCPU's */
	struct pc_port ports[D_COUNT_MAX];	/* [I] one per legacy port range */
	/* PCI bus 0 and its virtio functions, [q] under pci_lock (taken
	 * before vm->lock: their MSIs wake vCPUs). */
	struct spinlock pci_lock;
	struct guest_mem gm;			/* [I] */
	struct pci_bus pci;			/* [q] */
	struct virtio_net net;			/* [q] */
	struct virtio_rng rng;			/* [q] */
	uint32_t port;				/* [I] switch port, if has_port */
	bool has_port;				/* [I] */
};

/* ------------------------------------------------------------ routing */

static void route(struct vm *vm, const struct apic_msg *m, const struct vcpu *from)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		bool hit;

		if (!v)
			continue;	/* still being created */
		switch (m->shorthand) {
		case 1: hit = v == from; break;
		case 2: hit = true; break;
		case 3: hit = v != from; break;
		default: hit = vlapic_match_dest(&vm->pc->lapic[i], m); break;
		}
		if (!hit)
			continue;
		switch (m->dm) {
		case APIC_DM_FIXED:
		case APIC_DM_LOWEST:
			if (m->level)
				vcpu_post_irq_level(v, m->vector);
			else
				vcpu_post_irq(v, m->vector);
			/* Lowest priority: the first one that matches will do
			 * (SDM 10.6.2.4 lets the chipset choose). */
			if (m->dm == APIC_DM_LOWEST)
				return;
			break;
		case APIC_DM_NMI:
			vcpu_post_event(v, VCPU_EV_NMI, 0);
			break;
		case APIC_DM_INIT:
			/* The level de-assert form is a no-op on modern CPUs. */
			if (m->assert || !m->level)
				vcpu_post_event(v, VCPU_EV_INIT, 0);
			break;
		case APIC_DM_SIPI:
			vcpu_post_event(v, VCPU_EV_SIPI, m->vector);
			break;
		default:
			break;		/* SMI, ExtINT: nothing answers them here */
		}
	}
}

static void ioapic_deliver(void *ctx, const struct apic_msg *m)
{
	route(ctx, m, NULL);
}

void pc_set_irq(struct vm *vm, unsigned irq, bool level)
{
	uint64_t f = spin_lock_irqsave(&vm->pc->lock);

	ioapic_set_irq(&vm->pc->ioapic, irq, level);
	spin_unlock_irqrestore(&vm->pc->lock, f);
}

void pc_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct apic_msg m;

	/* A device writing anywhere else is a broken guest setup: the
	 * interrupt is lost, as on a PC where it would hit memory. */
	if (apic_msg_from_msi(addr, data, &m))
		return;
	route(vm, &m, NULL);
}

/* ------------------------------------------------------------ devices */

/* The legacy ports, one byte wide each (wider accesses read all ones
 * and write nothing), all under pc->lock. */
enum pc_dev { D_PIC0, D_PIC1, D_ELCR, D_PIT, D_PORT61, D_KBD_DATA, D_KBD_CMD, D_RTC, D_COUNT };

static uint8_t dev_read(struct pc *pc, enum pc_dev d, unsigned off)
{
	switch (d) {
	case D_PIC0: case D_PIC1: return i8259_read(&pc->pic, d == D_PIC1, off);
	case D_ELCR: return i8259_read(&pc->pic, off, 2);	/* 0x4d0 master, 0x4d1 slave */
	case D_PIT: return i8254_read(&pc->pit, off, rdtsc());
	case D_PORT61: return i8254_read(&pc->pit, 4, rdtsc());
	case D_KBD_DATA: return i8042_read(&pc->kbd, 0);
	case D_KBD_CMD: return i8042_read(&pc->kbd, 4);
	case D_RTC: return mc146818_read(&pc->rtc, off, time_unix());
	default: return 0xff;
	}
}

static void dev_write(struct pc *pc, enum pc_dev d, unsigned off, uint8_t v)
{
	switch (d) {
	case D_PIC0: case D_PIC1: i8259_write(&pc->pic, d == D_PIC1, off, v); break;
	case D_ELCR: i8259_write(&pc->pic, off, 2, v); break;
	case D_PIT: i8254_write(&pc->pit, off, v, rdtsc()); break;
	case D_PORT61: i8254_write(&pc->pit, 4, v, rdtsc()); break;
	case D_KBD_DATA: i8042_write(&pc->kbd, 0, v); break;
	case D_KBD_CMD: i8042_write(&pc->kbd, 4, v); break;
	case D_RTC: mc146818_write(&pc->rtc, off, v, time_unix()); break;
	default: break;
	}
}

/* Under pc->lock (the ports' io_dev lock). */
static int port_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	const struct pc_port *p = ctx;

	*val = size == 1 ? dev_read(p->pc, p->dev, (unsigned)off) : ~0ull;
	return 0;
}

static int port_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	const struct pc_port *p = ctx;
	struct vcpu *v0 = p->pc->vm->vcpus[0];

	if (size != 1)
		return 0;
	dev_write(p->pc, p->dev, (unsigned)off, (uint8_t)val);
	/* vCPU 0 fires the PIT: let it see a new channel 0 deadline (vm->lock
	 * after pc->lock, in order). */
	if (p->dev == D_PIT && off == 0 && v0 && v0->task)
		vcpu_post_event(v0, 0, 0);
	return 0;
}

static void kbd_reset(void *ctx)
{
	struct pc *pc = ctx;

	/* Called under pc->lock; vm_stop_reason takes vm->lock (in order). */
	vm_stop_reason(pc->vm, "guest reset (8042 reset line)");
}

void pc_uart_irq(void *vm, bool level)
{
	pc_set_irq(vm, PC_IRQ_COM1, level);
}

void pc_sysrq(struct vm *vm, char key)
{
	uint64_t f = spin_lock_irqsave(&vm->uart_lock);

	ns16550_break(vm->uart);
	ns16550_rx(vm->uart, (uint8_t)key);
	spin_unlock_irqrestore(&vm->uart_lock, f);
}

static void dev_msi(void *ctx, uint64_t addr, uint32_t data)
{
	pc_msi(ctx, addr, data);
}

static void *gm_map(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_gpa_to_hva(ctx, gpa, len);
}

static int rng_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return drbg_random(buf, len);
}

/* A frame from the guest: to the switch when the VM has a port there,
 * else nowhere (counted by the device: tx_frames). Under pci_lock. */
static void net_tx(void *ctx, const void *frame, size_t len)
{
	struct pc *pc = ((struct vm *)ctx)->pc;

	if (pc->has_port)
		vnet_tx(pc->port, frame, len);
}

/* A frame for the guest, from the switch's task. */
static void net_deliver(void *ctx, const void *frame, size_t len)
{
	struct pc *pc = ((struct vm *)ctx)->pc;
	uint64_t f = spin_lock_irqsave(&pc->pci_lock);

	virtio_net_rx(&pc->net, frame, len);	/* no buffer: counted, dropped */
	spin_unlock_irqrestore(&pc->pci_lock, f);
}

int pc_attach_net(struct vm *vm, const struct vnet_attach *a, char *err, size_t errlen)
{
	struct pc *pc = vm->pc;
	int r = vnet_port_add(vm->name, a, net_deliver, vm, &pc->port, err, errlen);

	pc->has_port = r == 0;
	return r;
}

static int attach_pci(struct vm *vm, const uint8_t mac[6])
{
	struct pc *pc = vm->pc;
	int r;

	pc->gm = (struct guest_mem){ gm_map, vm, vm->ram_bytes };
	pci_bus_init(&pc->pci);
	r = virtio_net_init(&pc->net, &pc->gm, dev_msi, vm, mac, net_tx, vm);
	r = r ? r : pci_bus_add(&pc->pci, &pc->net.vp.pci, 1);
	r = r ? r : virtio_rng_init(&pc->rng, &pc->gm, dev_msi, vm, rng_fill, NULL);
	r = r ? r : pci_bus_add(&pc->pci, &pc->rng.vp.pci, 2);
	if (!r) {
		/* Configuration mechanism #1 and the BAR window, serialised. */
		struct io_dev c = pci_bus_conf1_dev(&pc->pci), m = pci_bus_mmio_dev(&pc->pci);

		c.lock = m.lock = &pc->pci_lock;
		r = iobus_register(&vm->pio, PCI_CONF1_PORT, PCI_CONF1_LEN, &c);
		r = r ? r : iobus_register(&vm->mmio, PCI_MMIO_BASE, PCI_MMIO_SIZE, &m);
	}
	return r;
}

int pc_attach(struct vm *vm, const uint8_t mac[6])
{
	static const struct { uint16_t port, len; uint8_t dev; const char *name; } ports[] = {
		{ 0x20, 2, D_PIC0, "i8259-master" },
		{ 0xa0, 2, D_PIC1, "i8259-slave" },
		{ 0x4d0, 2, D_ELCR, "i8259-elcr" },
		{ 0x40, 4, D_PIT, "i8254" },
		{ 0x61, 1, D_PORT61, "port61" },
		{ 0x60, 1, D_KBD_DATA, "i8042-data" },
		{ 0x64, 1, D_KBD_CMD, "i8042-cmd" },
		{ 0x70, 2, D_RTC, "mc146818" },
	};
	_Static_assert(sizeof(ports) / sizeof(ports[0]) == D_COUNT, "one range per device");
	_Static_assert(D_COUNT <= D_COUNT_MAX, "struct pc holds them all");
	struct pc *pc = kzalloc(sizeof(*pc));
	int r = 0;

	if (!pc)
		return -ENOMEM;
	vm->pc = pc;			/* freed by pc_free */
	pc->vm = vm;
	ioapic_init(&pc->ioapic, vm->nvcpus, ioapic_deliver, vm);
	i8254_init(&pc->pit, tsc_hz());
	mc146818_init(&pc->rtc);
	i8259_init(&pc->pic);
	i8042_init(&pc->kbd, kbd_reset, pc);
	for (unsigned i = 0; i < D_COUNT && !r; i++) {
		struct io_dev d = { ports[i].name, port_read, port_write, &pc->ports[i], &pc->lock };

		pc->ports[i] = (struct pc_port){ pc, ports[i].dev };
		r = iobus_register(&vm->pio, ports[i].port, ports[i].len, &d);
	}
	if (!r) {
		struct io_dev d = { "ioapic", ioapic_read, ioapic_write, &pc->ioapic, &pc->lock };

		r = iobus_register(&vm->mmio, IOAPIC_BASE, IOAPIC_SIZE, &d);
	}
	if (!r)
		r = attach_pci(vm, mac);
	return r;
}

/* Called once the vCPUs exist (vm_create). */
void pc_attach_vcpu(struct vcpu *v)
{
	v->lapic = &v->vm->pc->lapic[v->id];
	vlapic_reset(v->lapic, v->id);
	/* Application processors wait for INIT and a start-up IPI
	 * (SDM 8.4.4), as on a PC. */
	v->wait_sipi = v->id != 0;
}

void pc_detach_net(struct vm *vm)
{
	if (vm->pc && vm->pc->has_port) {
		vnet_port_remove(vm->pc->port);	/* no delivery to us after this */
		vm->pc->has_port = false;
	}
}

void pc_free(struct vm *vm)
{
	pc_detach_net(vm);
	kfree(vm->pc);
	vm->pc = NULL;
}

/* ------------------------------------------------------------ vCPU side */

void pc_vcpu_sync(struct vcpu *v, uint64_t now)
{
	struct vlapic *l = v->lapic;

	for (int i = 0; i < 4; i++) {
		uint64_t w;

		if (!__atomic_load_n(&v->irq_pending[i], __ATOMIC_RELAXED))
			continue;
		w = __atomic_exchange_n(&v->irq_pending[i], 0, __ATOMIC_ACQ_REL);
		while (w) {
			unsigned b = (unsigned)__builtin_ctzll(w);
			uint64_t bit = 1ull << b;
			bool level = __atomic_fetch_and(&v->irq_level[i], ~bit, __ATOMIC_ACQ_REL) & bit;

			w &= w - 1;
			vlapic_accept(l, (uint8_t)(i * 64 + b), level);
		}
	}
	vlapic_timer_poll(l, now);
	if (v->id == 0) {
		struct pc *pc = v->vm->pc;
		bool fire;
		uint64_t f;

		if (!i8254_due(&pc->pit) || (int64_t)(now - i8254_due(&pc->pit)) < 0)
			return;
		f = spin_lock_irqsave(&pc->lock);
		fire = i8254_poll(&pc->pit, now);
		if (fire) {		/* an edge on ISA IRQ 0 */
			ioapic_set_irq(&pc->ioapic, PC_IRQ_PIT, true);
			ioapic_set_irq(&pc->ioapic, PC_IRQ_PIT, false);
		}
		spin_unlock_irqrestore(&pc->lock, f);
	}
}

int pc_vcpu_pending(struct vcpu *v)
{
	return vlapic_pending(v->lapic);
}

void pc_vcpu_taken(struct vcpu *v, uint8_t vector)
{
	vlapic_ack(v->lapic, vector);
}

uint64_t pc_vcpu_deadline(struct vcpu *v)
{
	uint64_t a = vlapic_timer_due(v->lapic), b = 0;

	if (v->id == 0)
		b = i8254_due(&v->vm->pc->pit);	/* a racy peek is fine: re-checked */
	if (!a || (b && b < a))
		return b;
	return a;
}

int pc_lapic_read(void *vcpu, uint64_t off, unsigned size, uint64_t *val)
{
	struct vcpu *v = vcpu;

	return vlapic_read(v->lapic, (uint32_t)off, size, rdtsc(), val);
}

int pc_lapic_write(void *vcpu, uint64_t off, unsigned size, uint64_t val)
{
	struct vcpu *v = vcpu;
	struct apic_msg m;
	uint8_t eoi_vec = 0;
	int r = vlapic_write(v->lapic, (uint32_t)off, size, val, rdtsc(), &m, &eoi_vec);

	if (r == 1) {
		route(v->vm, &m, v);
	} else if (r == 2) {
		uint64_t f = spin_lock_irqsave(&v->vm->pc->lock);

		ioapic_eoi(&v->vm->pc->ioapic, eoi_vec);
		spin_unlock_irqrestore(&v->vm->pc->lock, f);
	}
	return r < 0 ? r : 0;
}
