/*
 * The vCPU run loop and the vendor-neutral exit dispatcher: a bounded const
 * table from struct vm_exit codes to handlers (STYLE). A handler returns
 * what to do next; RIP is advanced in exactly one place (advance()).
 * Anything a guest does wrong gets the architectural fault or stops that
 * VM, never the host: no handler asserts or panics on guest input.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "vmm/cpuid.h"
#include "vmm/decode.h"
#include "vmm/dev/testdev.h"
#include "vmm/gwalk.h"
#include "vmm/msr.h"
#include "vmm/pc.h"
#include "vmm/dev/vlapic.h"
#include "vmm/vm.h"
#include "vmm/vmm_priv.h"

enum exit_action { RESUME, ADVANCE, STOP };

typedef enum exit_action (*exit_fn)(struct vcpu *v, struct vm_exit *e);

#define VEC_UD 6
#define VEC_GP 13

static enum exit_action inject_exc(struct vcpu *v, uint8_t vector, bool has_err, uint32_t err)
{
	if (vmm->inject(v, VM_EVENT_EXCEPTION, vector, has_err, err)) {
		/* An event is already queued: a fault while delivering it is
		 * a double fault, which a test guest does not survive either;
		 * stop the VM rather than guess. */
		vm_stop_reason(v->vm, "fault while delivering an event (vector %u)", vector);
		return STOP;
	}
	return RESUME;
}

static enum exit_action gp(struct vcpu *v)
{
	return inject_exc(v, VEC_GP, true, 0);
}

static uint64_t reg(struct vcpu *v, enum vm_reg r)
{
	uint64_t x = 0;

	vmm->get_reg(v, r, &x);
	return x;
}

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	cpuid(leaf, sub, &out[0], &out[1], &out[2], &out[3]);
}

static enum exit_action exit_cpuid(struct vcpu *v, struct vm_exit *e)
{
	struct cpuid_ctx c = { .vcpu_id = v->id, .nvcpus = v->vm->nvcpus, .hw = host_cpuid,
			       .lapic = v->lapic != NULL, .tsc_khz = (uint32_t)(tsc_hz() / 1000) };
	uint32_t leaf = (uint32_t)v->gpr[VM_REG_RAX], out[4];

	(void)e;
	if (leaf == 1)		/* only leaf 1 looks at CR4 (OSXSAVE) */
		c.guest_cr4 = reg(v, VM_REG_CR4);
	if (leaf == 0xd)
		c.guest_xcr0 = reg(v, VM_REG_XCR0);
	cpuid_policy(&c, leaf, (uint32_t)v->gpr[VM_REG_RCX], out);
	/* 32-bit results: the upper halves are zeroed, as by the CPU. */
	v->gpr[VM_REG_RAX] = out[0];
	v->gpr[VM_REG_RBX] = out[1];
	v->gpr[VM_REG_RCX] = out[2];
	v->gpr[VM_REG_RDX] = out[3];
	return ADVANCE;
}

/* Writes a value of size bytes into a GPR the way the CPU does: 32-bit
 * results zero the upper half, 8/16-bit ones leave the rest alone. */
static void put_gpr(struct vcpu *v, unsigned r, unsigned size, bool high, uint64_t val)
{
	uint64_t old = r != VM_REG_RSP ? v->gpr[r] : reg(v, VM_REG_RSP), nv;

	switch (size) {
	case 1:
		nv = high ? (old & ~0xff00ull) | ((val & 0xff) << 8) : (old & ~0xffull) | (val & 0xff);
		break;
	case 2:
		nv = (old & ~0xffffull) | (val & 0xffff);
		break;
	case 4:
		nv = val & 0xffffffffull;
		break;
	default:
		nv = val;
		break;
	}
	if (r != VM_REG_RSP)
		v->gpr[r] = nv;
	else
		vmm->set_reg(v, VM_REG_RSP, nv);
}

static uint64_t get_gpr(struct vcpu *v, unsigned r, unsigned size, bool high)
{
	uint64_t x = r != VM_REG_RSP ? v->gpr[r] : reg(v, VM_REG_RSP);

	if (high)
		return (x >> 8) & 0xff;
	return size == 8 ? x : x & ((1ull << (8 * size)) - 1);
}

/* A device access, under the device's lock when it has one (iobus.h). */
static int io_read(const struct io_range *r, uint64_t addr, unsigned size, uint64_t *val)
{
	uint64_t f = r->dev.lock ? spin_lock_irqsave(r->dev.lock) : 0;
	int rc = r->dev.read(r->dev.ctx, addr - r->base, size, val);

	if (r->dev.lock)
		spin_unlock_irqrestore(r->dev.lock, f);
	return rc;
}

static int io_write(const struct io_range *r, uint64_t addr, unsigned size, uint64_t val)
{
	uint64_t f = r->dev.lock ? spin_lock_irqsave(r->dev.lock) : 0;
	int rc = r->dev.write(r->dev.ctx, addr - r->base, size, val);

	if (r->dev.lock)
		spin_unlock_irqrestore(r->dev.lock, f);
	return rc;
}

static enum exit_action exit_io(struct vcpu *v, struct vm_exit *e)
{
	const struct io_range *r;
	uint64_t val = ~0ull;

	/* INS/OUTS would need guest linear-address translation with
	 * segment checks; no device of ours needs them. #UD is what a CPU
	 * without the instruction would raise. */
	if (e->u.io.string)
		return inject_exc(v, VEC_UD, false, 0);
	r = iobus_find(&v->vm->pio, e->u.io.port, e->u.io.size);
	if (e->u.io.in) {
		/* No device: the bus floats, reads are all ones (PC
		 * behaviour); a device may refuse an access, also all ones. */
		if (!r || io_read(r, e->u.io.port, e->u.io.size, &val))
			val = ~0ull;
		put_gpr(v, 0, e->u.io.size, false, val);
	} else if (r) {
		io_write(r, e->u.io.port, e->u.io.size, get_gpr(v, 0, e->u.io.size, false));
	}
	/* Writes to nothing are dropped, as on a PC. */
	return v->vm->state == VM_RUNNING ? ADVANCE : STOP;
}

/* Fetches the instruction at the guest's RIP: up to 15 bytes, stopping
 * early at the end of guest RAM. Returns the bytes copied. */
static size_t fetch_insn(struct vcpu *v, uint8_t *buf)
{
	struct guest_mem gm = { 0 };
	uint64_t rip = reg(v, VM_REG_RIP) + reg(v, VM_REG_CS_BASE);
	uint64_t cr0 = reg(v, VM_REG_CR0), cr3 = reg(v, VM_REG_CR3);
	size_t n = 0;

	gm.map = (void *(*)(void *, uint64_t, uint64_t))vm_gpa_to_hva;
	gm.ctx = v->vm;
	gm.ram_bytes = v->vm->ram_bytes;
	while (n < 15) {
		uint64_t la = rip + n, gpa = la;
		size_t chunk = 4096 - (la & 4095);
		const uint8_t *p;

		if ((cr0 & (1ull << 31)) && gwalk64(&gm, cr3, la, &gpa))
			break;
		if (chunk > 15 - n)
			chunk = 15 - n;
		p = vm_gpa_to_hva(v->vm, gpa, chunk);
		if (!p)
			break;
		memcpy(buf + n, p, chunk);
		n += chunk;
	}
	return n;
}

static enum exit_action exit_mmio(struct vcpu *v, struct vm_exit *e)
{
	uint64_t gpa = e->u.mmio.gpa, val = 0;
	const struct io_range *r;
	uint8_t code[15];
	struct insn in;
	size_t n;
	struct io_range lapic_page;
	int rc;

	r = iobus_find(&v->vm->mmio, gpa, 1);
	if (v->lapic && gpa - LAPIC_BASE < LAPIC_SIZE) {
		/* Each vCPU sees its own local APIC at the same address. */
		lapic_page = (struct io_range){ LAPIC_BASE, LAPIC_SIZE,
			{ "lapic", pc_lapic_read, pc_lapic_write, v, NULL } };
		r = &lapic_page;
	}
	if (!r || e->u.mmio.fetch) {
		vm_stop_reason(v->vm, "%s of guest-physical %#llx: no RAM or device there",
			       e->u.mmio.fetch ? "instruction fetch" : e->u.mmio.write ? "write" : "read",
			       (unsigned long long)gpa);
		return STOP;
	}
	if (!(reg(v, VM_REG_EFER) & (1u << 10)) && (reg(v, VM_REG_CR0) & (1ull << 31))) {
		vm_stop_reason(v->vm, "MMIO from 32-bit paged mode is not emulated");
		return STOP;
	}
	if (reg(v, VM_REG_CS_MODE) == 16) {
		vm_stop_reason(v->vm, "MMIO from 16-bit code is not emulated");
		return STOP;
	}
	n = fetch_insn(v, code);
	rc = decode_insn(code, n, reg(v, VM_REG_CS_MODE) == 64, &in);
	if (rc || (e->insn_len && e->insn_len != in.len) ||
	    gpa + in.mem_size - r->base > r->len) {
		vm_stop_reason(v->vm, "MMIO at %#llx by an instruction we do not emulate "
			       "(%02x %02x %02x %02x)", (unsigned long long)gpa,
			       code[0], code[1], code[2], code[3]);
		return STOP;
	}
	switch (in.op) {
	case INSN_STORE:
	case INSN_STORE_IMM:
		val = in.op == INSN_STORE ? get_gpr(v, in.reg, in.mem_size, in.high_byte) : in.imm;
		if (io_write(r, gpa, in.mem_size, val))
			return gp(v);
		break;
	default:
		if (io_read(r, gpa, in.mem_size, &val))
			return gp(v);
		if (in.op == INSN_LOAD_SX)
			val = in.mem_size == 1 ? (uint64_t)(int64_t)(int8_t)val :
					       (uint64_t)(int64_t)(int16_t)val;
		put_gpr(v, in.reg, in.op == INSN_LOAD ? in.mem_size : in.reg_size,
			in.high_byte, val);
		break;
	}
	/* The decoder's length is authoritative (SVM without decode assists
	 * reports none); advance() uses e->insn_len. */
	e->insn_len = in.len;
	return ADVANCE;
}

static bool irq_waiting(struct vcpu *v)
{
	for (int i = 0; i < 4; i++)
		if (__atomic_load_n(&v->irq_pending[i], __ATOMIC_ACQUIRE))
			return true;
	return false;
}

static enum exit_action exit_hlt(struct vcpu *v, struct vm_exit *e)
{
	(void)e;
	/* HLT with interrupts off and nothing that could wake it: the VM
	 * has stopped itself for good (a real CPU would sit there). */
	if (!(reg(v, VM_REG_RFLAGS) & (1u << 9)) && !v->timer_tsc && (!v->lapic || v->id == 0)) {
		vm_stop_reason(v->vm, "halted with interrupts disabled");
		return STOP;
	}
	v->halted = true;
	return ADVANCE;
}

static enum exit_action exit_rdmsr(struct vcpu *v, struct vm_exit *e)
{
	uint64_t val;

	if (msr_read(v, e->u.msr.index, &val))
		return gp(v);
	vmm->set_reg(v, VM_REG_RAX, val & 0xffffffffull);
	vmm->set_reg(v, VM_REG_RDX, val >> 32);
	return ADVANCE;
}

static enum exit_action exit_wrmsr(struct vcpu *v, struct vm_exit *e)
{
	uint64_t val = (reg(v, VM_REG_RAX) & 0xffffffffull) | (reg(v, VM_REG_RDX) << 32);

	return msr_write(v, e->u.msr.index, val) ? gp(v) : ADVANCE;
}

static enum exit_action exit_cr(struct vcpu *v, struct vm_exit *e)
{
	if (e->u.cr.cr == 8) {
		/* The task-priority register: virtual, never the host's; the
		 * local APIC's TPR when there is one, else it only holds its
		 * value. */
		if (!e->u.cr.write) {
			put_gpr(v, e->u.cr.gpr, 8, false, v->lapic ? vlapic_get_cr8(v->lapic) : v->tpr);
			return ADVANCE;
		}
		if (get_gpr(v, e->u.cr.gpr, 8, false) > 15)
			return gp(v);
		v->tpr = (uint8_t)get_gpr(v, e->u.cr.gpr, 8, false);
		if (v->lapic)
			vlapic_set_cr8(v->lapic, v->tpr);
		return ADVANCE;
	}
	if (!e->u.cr.write) {
		/* Reads of CR0/CR4 come from the shadows; CR3 reads do not
		 * exit with EPT/NPT. */
		vm_stop_reason(v->vm, "unexpected read of CR%u", e->u.cr.cr);
		return STOP;
	}
	return cr_write(v, e->u.cr.cr, reg(v, (enum vm_reg)e->u.cr.gpr)) ? gp(v) : ADVANCE;
}

static enum exit_action exit_xsetbv(struct vcpu *v, struct vm_exit *e)
{
	uint64_t val = (reg(v, VM_REG_RAX) & 0xffffffffull) | (reg(v, VM_REG_RDX) << 32);

	(void)e;
	return xcr_write(v, (uint32_t)reg(v, VM_REG_RCX), val) ? gp(v) : ADVANCE;
}

static enum exit_action exit_resume(struct vcpu *v, struct vm_exit *e)
{
	(void)v;
	(void)e;
	return RESUME;		/* the host interrupt was taken on the way out */
}

static enum exit_action exit_preempt(struct vcpu *v, struct vm_exit *e)
{
	(void)v;
	(void)e;
	this_cpu()->need_resched = 1;	/* the slice is used up */
	return RESUME;
}

static enum exit_action exit_intr_window(struct vcpu *v, struct vm_exit *e)
{
	(void)e;
	vmm->want_intr_window(v, false);
	return RESUME;		/* injection happens before the next entry */
}

static enum exit_action exit_triple_fault(struct vcpu *v, struct vm_exit *e)
{
	(void)e;
	vm_stop_reason(v->vm, "triple fault at rip %#llx", (unsigned long long)reg(v, VM_REG_RIP));
	return STOP;
}

static enum exit_action exit_ud(struct vcpu *v, struct vm_exit *e)
{
	(void)e;
	/* VMX/SVM instructions: our CPUID shows no VMX, so they are
	 * undefined for this guest. */
	return inject_exc(v, VEC_UD, false, 0);
}

static enum exit_action exit_cache_flush(struct vcpu *v, struct vm_exit *e)
{
	(void)v;
	(void)e;
	return ADVANCE;		/* INVD/WBINVD: guest memory is coherent */
}

static enum exit_action exit_priv(struct vcpu *v, struct vm_exit *e)
{
	(void)e;
	/* RDPMC, MONITOR/MWAIT, MOV DR: not offered to guests, #UD. */
	return inject_exc(v, VEC_UD, false, 0);
}

/* MOV to/from DR0-7 (SDM Vol 3B 17.2): kept per vCPU, never loaded into
 * the CPU. DR4/5 alias DR6/7 unless CR4.DE (then #UD); DR6/DR7 writes
 * with bits 63:32 set #GP; DR7 keeps its fixed bit 10. */
static enum exit_action exit_dr(struct vcpu *v, struct vm_exit *e)
{
	unsigned n = e->u.dr.dr, size;
	uint64_t val;

	if (n == 4 || n == 5) {
		if (reg(v, VM_REG_CR4) & (1u << 3))
			return inject_exc(v, VEC_UD, false, 0);
		n += 2;
	}
	/* Outside 64-bit mode MOV DR moves 32 bits (SDM Vol 2B MOV—Move
	 * to/from Debug Registers). */
	size = reg(v, VM_REG_CS_MODE) == 64 ? 8 : 4;
	if (!e->u.dr.write) {
		val = n < 4 ? v->dr[n] : n == 6 ? v->dr6 : v->dr7;
		put_gpr(v, e->u.dr.gpr, size, false, val);
		return ADVANCE;
	}
	val = get_gpr(v, e->u.dr.gpr, size, false);
	if (n < 4) {
		v->dr[n] = val;
	} else if (val >> 32) {
		return gp(v);
	} else if (n == 6) {
		v->dr6 = (val & 0x0000e00f) | 0xffff0ff0;
	} else {
		v->dr7 = (val & 0xffff2bff) | 0x400;
	}
	return ADVANCE;
}

static enum exit_action exit_exception(struct vcpu *v, struct vm_exit *e)
{
	if (e->u.exc.vector == 18) {
		vm_stop_reason(v->vm, "machine check");
		return STOP;
	}
	/* #DB and #AC are intercepted only to break delivery loops: hand
	 * them back to the guest. */
	return inject_exc(v, e->u.exc.vector, e->u.exc.has_error, e->u.exc.error);
}

static enum exit_action exit_entry_fail(struct vcpu *v, struct vm_exit *e)
{
	vm_stop_reason(v->vm, "VM entry failed: %s (error %u)",
		       e->u.fail.why ? e->u.fail.why : "?", e->u.fail.error);
	return STOP;
}

static enum exit_action exit_unhandled(struct vcpu *v, struct vm_exit *e)
{
	vm_stop_reason(v->vm, "unhandled exit (code %d, hardware reason %u) at rip %#llx",
		       e->code, e->raw, (unsigned long long)reg(v, VM_REG_RIP));
	return STOP;
}

static const exit_fn exit_tbl[VM_EXIT_COUNT] = {
	[VM_EXIT_NONE] = exit_resume,
	[VM_EXIT_CPUID] = exit_cpuid,
	[VM_EXIT_IO] = exit_io,
	[VM_EXIT_MMIO] = exit_mmio,
	[VM_EXIT_HLT] = exit_hlt,
	[VM_EXIT_RDMSR] = exit_rdmsr,
	[VM_EXIT_WRMSR] = exit_wrmsr,
	[VM_EXIT_CR] = exit_cr,
	[VM_EXIT_XSETBV] = exit_xsetbv,
	[VM_EXIT_EXTINT] = exit_resume,
	[VM_EXIT_INTR_WINDOW] = exit_intr_window,
	[VM_EXIT_PREEMPT] = exit_preempt,
	[VM_EXIT_TRIPLE_FAULT] = exit_triple_fault,
	[VM_EXIT_VIRT_INSN] = exit_ud,
	[VM_EXIT_PRIV_INSN] = exit_priv,
	[VM_EXIT_CACHE_FLUSH] = exit_cache_flush,
	[VM_EXIT_EXCEPTION] = exit_exception,
	[VM_EXIT_ENTRY_FAIL] = exit_entry_fail,
	[VM_EXIT_DR] = exit_dr,
};

/* The one place RIP moves past an emulated instruction; an interrupt
 * shadow (STI, MOV SS) ends with it. */
static void advance(struct vcpu *v, struct vm_exit *e)
{
	vmm->skip_insn(v, e->insn_len);
}

/* Fills in what a back end without decode help left open: the length of
 * the intercepted instruction (e->insn_len 0) and, for MOV to CR, its
 * register. Returns false when the bytes at RIP are not what the exit
 * says (the guest rewrote them, or paging hides them): the VM stops. */
static bool complete_exit(struct vcpu *v, struct vm_exit *e)
{
	uint8_t code[15], gpr = VM_REG_COUNT;
	bool need_gpr = (e->code == VM_EXIT_CR && e->u.cr.gpr >= VM_REG_COUNT) ||
			(e->code == VM_EXIT_DR && e->u.dr.gpr >= VM_REG_COUNT);
	size_t n;
	int len;

	if (e->insn_len && !need_gpr)
		return true;
	if (!need_gpr) {
		uint64_t rip = reg(v, VM_REG_RIP), cr3 = reg(v, VM_REG_CR3);

		if (v->len && v->len_rip == rip && v->len_cr3 == cr3 && v->len_code == e->code) {
			e->insn_len = v->len;
			return true;
		}
		v->len = 0;
		v->len_rip = rip;
		v->len_cr3 = cr3;
		v->len_code = (uint8_t)e->code;
	}
	/* 16-bit code (an AP's start-up trampoline) is decoded as 32-bit:
	 * none of these instructions has a displacement or immediate, so
	 * their length does not depend on the default operand size. */
	n = fetch_insn(v, code);
	len = decode_sys_len(code, n, reg(v, VM_REG_CS_MODE) == 64, &gpr);
	if (len <= 0 || (need_gpr && gpr >= VM_REG_COUNT))
		return false;
	e->insn_len = (uint8_t)len;
	if (need_gpr && e->code == VM_EXIT_DR)
		e->u.dr.gpr = gpr;
	else if (need_gpr)
		e->u.cr.gpr = gpr;
	else
		v->len = (uint8_t)len;
	return true;
}

/* Exits that advance RIP past an instruction the back end may not have
 * measured (MMIO measures its own through the full decoder). */
static bool needs_length(const struct vm_exit *e)
{
	switch (e->code) {
	case VM_EXIT_CPUID: case VM_EXIT_HLT: case VM_EXIT_RDMSR: case VM_EXIT_WRMSR:
	case VM_EXIT_XSETBV: case VM_EXIT_CACHE_FLUSH:
		return !e->insn_len;
	case VM_EXIT_CR:
		return !e->insn_len || e->u.cr.gpr >= VM_REG_COUNT;
	case VM_EXIT_DR:
		return !e->insn_len || e->u.dr.gpr >= VM_REG_COUNT;
	default:
		return false;
	}
}

static int highest_irq(struct vcpu *v)
{
	if (!(v->irq_pending[0] | v->irq_pending[1] | v->irq_pending[2] | v->irq_pending[3]))
		return -1;		/* the common case, in one test */
	for (int i = 3; i >= 0; i--) {
		uint64_t w = __atomic_load_n(&v->irq_pending[i], __ATOMIC_ACQUIRE);

		if (w)
			return i * 64 + 63 - __builtin_clzll(w);
	}
	return -1;
}

/* Delivers the highest pending interrupt if the guest can take one now,
 * else asks to be told when it can. */
static void deliver_irq(struct vcpu *v)
{
	int vec = highest_irq(v);

	if (vec < 0)
		return;
	/* The pending bit goes only once the event is queued. */
	if (vmm->can_inject_intr(v) && !vmm->inject(v, VM_EVENT_EXTINT, (uint8_t)vec, false, 0)) {
		__atomic_fetch_and(&v->irq_pending[vec / 64], ~(1ull << (vec % 64)), __ATOMIC_ACQ_REL);
		v->halted = false;
	} else {
		vmm->want_intr_window(v, true);
		/* When the guest's own state holds the interrupt back, look
		 * again soon in any case: an emulated CPU may report the window
		 * late (QEMU's SVM waits for the next interrupt). Not when an
		 * event is already queued: a timer due at the next entry would
		 * then interrupt that event's delivery over and over (the
		 * CPU hands it back for re-injection each time, and the guest
		 * never moves). */
		if (!vmm->event_queued(v))
			sched_arm_deadline(rdtsc() + tsc_hz() / 10000);
	}
}

/* NMI, INIT and start-up IPIs posted to this vCPU (SDM 10.6.1, 8.4.4).
 * Returns false when the vCPU is not to enter the guest now. */
static bool pc_events(struct vcpu *v, uint32_t ev)
{
	if (ev & VCPU_EV_INIT) {
		__atomic_fetch_and(&v->events, ~VCPU_EV_INIT, __ATOMIC_ACQ_REL);
		/* INIT to the boot vCPU would be a reset of the guest's
		 * choosing; Linux does not send one, and we do not emulate
		 * it: the VM ends, as by the reset line. */
		if (v->id == 0) {
			vm_stop_reason(v->vm, "INIT sent to the boot vCPU (reset)");
			return false;
		}
		v->wait_sipi = true;
		v->halted = false;
	}
	if (ev & VCPU_EV_SIPI) {
		uint8_t vec = __atomic_load_n(&v->sipi_vector, __ATOMIC_RELAXED);

		__atomic_fetch_and(&v->events, ~VCPU_EV_SIPI, __ATOMIC_ACQ_REL);
		/* A start-up IPI outside wait-for-SIPI is ignored (SDM 8.4.4). */
		if (v->wait_sipi) {
			if (!vmm->vcpu_sipi || vmm->vcpu_sipi(v, vec)) {
				vm_stop_reason(v->vm, "cannot start vCPU %u in real mode", v->id);
				return false;
			}
			vlapic_reset(v->lapic, v->id);
			v->tpr = 0;
			v->dr[0] = v->dr[1] = v->dr[2] = v->dr[3] = 0;
			v->dr6 = 0xffff0ff0;
			v->dr7 = 0x400;
			v->wait_sipi = false;
		}
	}
	if ((ev & VCPU_EV_NMI) && !v->wait_sipi && !vmm->event_queued(v) &&
	    !vmm->inject(v, VM_EVENT_NMI, 2, false, 0)) {
		__atomic_fetch_and(&v->events, ~VCPU_EV_NMI, __ATOMIC_ACQ_REL);
		v->halted = false;
	}
	return true;
}

/* One step of the PC platform before entering the guest: interrupts and
 * timers into the local APIC, events, and the injection of the highest
 * deliverable vector. Returns false when the vCPU is to sleep instead. */
static bool pc_step(struct vcpu *v)
{
	uint64_t now = rdtsc(), due;
	uint32_t ev = __atomic_load_n(&v->events, __ATOMIC_ACQUIRE);
	int vec;

	if (ev && !pc_events(v, ev))
		return false;
	pc_vcpu_sync(v, now);
	if (v->wait_sipi) {
		sched_block(0);
		return false;
	}
	vec = pc_vcpu_pending(v);
	due = pc_vcpu_deadline(v);
	if (v->halted) {
		/* HLT with interrupts off wakes only for NMI or INIT (an AP
		 * parked by Linux's stop_this_cpu must not spin on exits). */
		if (vec < 0 || !(reg(v, VM_REG_RFLAGS) & (1u << 9))) {
			sched_block(due);
			return false;
		}
		v->halted = false;
	}
	if (vec >= 0) {
		if (vmm->can_inject_intr(v) && !vmm->inject(v, VM_EVENT_EXTINT, (uint8_t)vec, false, 0)) {
			pc_vcpu_taken(v, (uint8_t)vec);
		} else {
			vmm->want_intr_window(v, true);
			/* As in deliver_irq: look again soon in any case. */
			if (!vmm->event_queued(v))
				sched_arm_deadline(now + tsc_hz() / 10000);
		}
	}
	if (due)
		sched_arm_deadline(due);	/* out of the guest when its timer is due */
	return true;
}

static bool vm_running(struct vm *vm)
{
	return __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING;
}

void vcpu_task(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct vm_exit e;

	while (vm_running(vm)) {
		enum exit_action a;
		exit_fn fn;
		uint64_t t0;

		if (v->timer_tsc)
			testdev_poll(v);
		if (v->lapic) {
			if (!pc_step(v))
				continue;	/* asleep, or waiting for SIPI */
		} else {
			if (v->halted) {
				/* Asleep until an interrupt is posted, or until
				 * the test timer is due. */
				if (!irq_waiting(v)) {
					sched_block(v->timer_tsc);
					continue;
				}
				v->halted = false;
			}
			if (v->irq_pending[0] | v->irq_pending[1] | v->irq_pending[2] | v->irq_pending[3])
				deliver_irq(v);
		}
		if (v->timer_tsc)		/* be back out when the guest's timer is due */
			sched_arm_deadline(v->timer_tsc);
		if (vmm->vcpu_run(v, &e)) {
			vm_stop_reason(vm, "the VMM back end failed");
			break;
		}
		t0 = rdtsc();
		fn = (unsigned)e.code < VM_EXIT_COUNT ? exit_tbl[e.code] : NULL;
		/* The common case (the CPU gave the length) costs one test. */
		if ((!e.insn_len || e.code == VM_EXIT_CR || e.code == VM_EXIT_DR) && needs_length(&e) &&
		    !complete_exit(v, &e)) {
			vm_stop_reason(vm, "cannot decode the instruction behind a %s exit at rip %#llx",
				       e.code == VM_EXIT_CR ? "CR" : "VM", (unsigned long long)reg(v, VM_REG_RIP));
			break;
		}
		a = fn ? fn(v, &e) : exit_unhandled(v, &e);
		if (a == ADVANCE)
			advance(v, &e);
		if ((unsigned)e.code < VM_EXIT_COUNT) {
			v->stats.count[e.code]++;
			v->stats.tsc[e.code] += rdtsc() - t0;
		}
		if (a == STOP)
			break;
		if (sched_should_yield())
			sched_yield();
	}
	{
		uint64_t f = spin_lock_irqsave(&vm->lock);
		bool last;

		v->task = NULL;		/* nobody may wake this task any more */
		last = --vm->vcpus_running == 0;
		if (last)
			vm->state = VM_STOPPED;
		spin_unlock_irqrestore(&vm->lock, f);
		if (last)
			pr_info("vm %s: stopped: %s", vm->name, vm->stop_reason);
	}
}
