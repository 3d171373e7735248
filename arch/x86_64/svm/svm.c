/*
 * The AMD-V back end (APM Vol 2 chapter 15): capability checks, EFER.SVME
 * and the host save area on every CPU, one VMCB per vCPU with nested
 * paging and an ASID, and the translation of every #VMEXIT into the same
 * vendor-neutral struct vm_exit as the VT-x back end, with the same
 * intercept policy.
 *
 * QEMU's emulation has no NRIP save, decode assists or VMCB clean bits:
 * without NRIP the next RIP of an intercepted instruction is left to the
 * generic code (insn_len 0), which decodes it; clean bits stay zero (the
 * CPU reloads everything, always correct).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/guest_state.h"
#include "arch/x86_64/pagetable.h"
#include "arch/x86_64/svm/svm_priv.h"
#include "arch/x86_64/svm/vmcb.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#define MSR_VM_CR	0xc0010114
#define MSR_VM_HSAVE_PA	0xc0010117
#define EFER_SVME	(1ull << 12)

static struct {
	bool nrips, decode_assists, flush_by_asid, clean_bits, ibpb;
	uint32_t nasids;
} caps;

/* ASIDs of live vCPUs: unique and never reused while in use, so no VM
 * ever hits another's TLB entries (APM 15.16); a freed one is flushed
 * before reuse (tlb_control on the first VMRUN). */
#define ASID_MAX 4096
static uint64_t asid_used[ASID_MAX / 64];
static struct spinlock asid_lock = SPINLOCK_INIT;

static uint32_t asid_get(void)
{
	uint64_t f = spin_lock_irqsave(&asid_lock);
	uint32_t r = 0, n = caps.nasids < ASID_MAX ? caps.nasids : ASID_MAX;

	for (uint32_t i = 1; i < n && !r; i++)
		if (!(asid_used[i / 64] & (1ull << (i % 64)))) {
			asid_used[i / 64] |= 1ull << (i % 64);
			r = i;
		}
	spin_unlock_irqrestore(&asid_lock, f);
	return r;		/* 0: none left */
}

static void asid_put(uint32_t id)
{
	uint64_t f = spin_lock_irqsave(&asid_lock);

	if (id)
		asid_used[id / 64] &= ~(1ull << (id % 64));
	spin_unlock_irqrestore(&asid_lock, f);
}

static const char *probe(void)
{
	uint32_t a, b, c, d;

	if (!cpu_feat.svm)
		return "no AMD-V (CPUID 0x80000001:ECX.SVM)";
	if (rdmsr(MSR_VM_CR) & (1u << 4))
		return "AMD-V disabled by the firmware (VM_CR.SVMDIS)";
	if (cpu_feat.max_ext_leaf < 0x8000000a)
		return "no SVM feature leaf";
	cpuid(0x8000000a, 0, &a, &b, &c, &d);
	if (!(d & 1))
		return "no nested paging";
	caps.nasids = b;
	caps.nrips = d & (1u << 3);
	caps.decode_assists = d & (1u << 7);
	caps.flush_by_asid = d & (1u << 6);
	caps.clean_bits = d & (1u << 5);	/* unused: a zero clean field is always right */
	if (caps.nasids < 2)
		return "no ASIDs for guests";
	/* IBPB: AMD announces it in 0x80000008 EBX bit 12, Intel-style
	 * CPUID 7 EDX bit 26 also counts. */
	if (cpu_feat.max_ext_leaf >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		caps.ibpb = b & (1u << 12);
	}
	if (!caps.ibpb && cpu_feat.max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		caps.ibpb = d & (1u << 26);
	}
	return NULL;
}

static int shared_bitmaps(uint64_t *a, uint64_t *b);

static int svm_hw_init(void)
{
	static const char *why;
	static bool probed;
	struct percpu *pc = this_cpu();
	uint64_t pa;

	if (!probed) {
		why = probe();
		probed = true;
		if (why) {
			pr_warn("svm: cannot run VMs: %s", why);
			return -ENODEV;
		}
		if (shared_bitmaps(&pa, &pa)) {	/* at boot: they live forever */
			why = "no memory for the I/O and MSR permission maps";
			return -ENOMEM;
		}
		pr_info("svm: AMD-V with nested paging, %u ASIDs%s%s%s%s", caps.nasids,
			caps.nrips ? ", NRIP save" : ", no NRIP save (we decode)",
			caps.decode_assists ? ", decode assists" : ", no decode assists",
			caps.clean_bits ? ", VMCB clean bits" : ", no VMCB clean bits",
			caps.flush_by_asid ? ", flush by ASID" : "");
		pr_info("svm: side channels: IBPB between VMs %s",
			caps.ibpb ? "on" : "unavailable on this CPU");
	}
	if (why)
		return -ENODEV;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	if (!pc->vmm_area_pa) {
		if (page_alloc(2, &pa))	/* the CPU's host save area, our VMSAVE page */
			return -ENOMEM;
		pc->vmm_area_pa = pa;
	}
	wrmsr(MSR_VM_HSAVE_PA, pc->vmm_area_pa);
	return 0;
}

/* ---------------------------------------------------------------- NPT */

static void *npt_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return page_alloc(1, pa) ? NULL : phys_to_virt(*pa);
}

static void *npt_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

/* Nested page tables use the host format; guest accesses count as user
 * accesses at this level (APM 15.25.5), so U is set throughout. */
static struct pt_ops npt_ops = {
	.alloc = npt_alloc, .p2v = npt_p2v, .user = true,
};

/* Every port and MSR access exits (APM 15.10, 15.11): one all-ones
 * IOPM and MSRPM, never written again, serve every VM (20 KiB a VM
 * saved). Allocated on first use. */
static int shared_bitmaps(uint64_t *iopm, uint64_t *msrpm)
{
	static struct spinlock lock = SPINLOCK_INIT;
	static uint64_t iopm_pa, msrpm_pa;
	uint64_t f = spin_lock_irqsave(&lock);
	int r = 0;

	if (!iopm_pa) {
		if (page_alloc(3, &iopm_pa) || page_alloc(2, &msrpm_pa)) {
			if (iopm_pa)
				page_free(iopm_pa, 3);
			iopm_pa = 0;
			r = -ENOMEM;
		} else {
			memset(phys_to_virt(iopm_pa), 0xff, 3 * 4096);
			memset(phys_to_virt(msrpm_pa), 0xff, 2 * 4096);
		}
	}
	*iopm = iopm_pa;
	*msrpm = msrpm_pa;
	spin_unlock_irqrestore(&lock, f);
	return r;
}

static int svm_vm_init(struct vm *vm)
{
	struct svm_vm *sv = kzalloc(sizeof(*sv));

	if (!sv)
		return -ENOMEM;
	npt_ops.nx = cpu_feat.nx;
	sv->npt_root = npt_alloc(NULL, &sv->npt_root_pa);
	if (!sv->npt_root) {
		kfree(sv);
		return -ENOMEM;
	}
	if (shared_bitmaps(&sv->iopm_pa, &sv->msrpm_pa)) {
		page_free(sv->npt_root_pa, 1);
		kfree(sv);
		return -ENOMEM;
	}
	vm->arch = sv;
	return 0;
}

static void free_tables(uint64_t *t, int level)
{
	for (int i = 0; i < 512 && level > 0; i++) {
		uint64_t e = t[i];

		if ((e & PTE_P) && !(e & PTE_PS))
			free_tables(phys_to_virt(e & PTE_ADDR), level - 1);
	}
	page_free(virt_to_phys(t), 1);
}

static void svm_vm_destroy(struct vm *vm)
{
	struct svm_vm *sv = vm->arch;

	if (!sv)
		return;
	free_tables(sv->npt_root, 3);
	kfree(sv);		/* the bitmaps are shared */
	vm->arch = NULL;
}

static int svm_vm_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t len)
{
	struct svm_vm *sv = vm->arch;

	return pt_map(&npt_ops, sv->npt_root, gpa, hpa, len, PT_W | PT_X);
}

/* ---------------------------------------------------------------- VMCB */

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit)
{
	s->sel = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = 0;
}

static int svm_vcpu_init(struct vcpu *v)
{
	struct svm_vcpu *x = kzalloc(sizeof(*x));
	struct svm_vm *sv = v->vm->arch;
	struct vmcb *b;

	if (!x)
		return -ENOMEM;
	x->asid = asid_get();
	if (!x->asid) {
		kfree(x);
		return -ENOSPC;		/* every ASID is in use */
	}
	if (page_alloc(1, &x->vmcb_pa)) {
		asid_put(x->asid);
		kfree(x);
		return -ENOMEM;
	}
	if (guest_fpu_init(&x->fpu)) {
		asid_put(x->asid);
		page_free(x->vmcb_pa, 1);
		kfree(x);
		return -ENOMEM;
	}
	x->vmcb = b = phys_to_virt(x->vmcb_pa);
	x->cpu = this_cpu()->cpu;
	v->arch = x;
	v->gpr = (uint64_t *)&x->regs;

	/* The same policy as the VT-x back end: physical interrupts, NMIs
	 * and SMIs belong to the host; CPUID, HLT, I/O, MSRs, XSETBV, cache
	 * flushes, the virtualization instructions, monitor/mwait, task
	 * switches and shutdown (triple fault) exit. #DB and #AC can loop
	 * without an instruction boundary (CVE-2015-5307, -8104): they exit
	 * and are reflected. #MC is the host's. */
	b->c.intercept_cr = (1u << (16 + 4));		/* writes to CR4 */
	/* MOV to and from DR0-7: the debug registers are the vCPU's storage
	 * (vmm/exit.c), never the CPU's, so nothing of one guest's reaches
	 * the next one on this CPU (APM 15.12.6). */
	b->c.intercept_dr = 0x00ff00ff;
	b->c.intercept_exc = (1u << 1) | (1u << 17) | (1u << 18);
	b->c.intercept1 = INT1_INTR | INT1_NMI | INT1_SMI | INT1_INIT | INT1_CPUID |
			  INT1_RSM | INT1_INVD | INT1_HLT | INT1_INVLPGA | INT1_IOIO |
			  INT1_MSR | INT1_TASK_SWITCH | INT1_SHUTDOWN | INT1_RDPMC;
	b->c.intercept2 = INT2_VMRUN | INT2_VMMCALL | INT2_VMLOAD | INT2_VMSAVE |
			  INT2_STGI | INT2_CLGI | INT2_SKINIT | INT2_ICEBP |
			  INT2_WBINVD | INT2_MONITOR | INT2_MWAIT | INT2_MWAIT_C |
			  INT2_XSETBV;
	b->c.iopm_pa = sv->iopm_pa;
	b->c.msrpm_pa = sv->msrpm_pa;
	b->c.asid = x->asid;
	b->c.tlb_control = 1;				/* flush everything on first run */
	b->c.int_ctl = V_INTR_MASKING;			/* guest IF masks only virtual interrupts */
	b->c.np_enable = 1;
	b->c.n_cr3 = sv->npt_root_pa;

	/* 64-bit flat guest; the loader sets CR3 and RIP. */
	seg(&b->s.cs, 0x08, 0xa9b, 0xffffffff);		/* code, L, G */
	seg(&b->s.ds, 0x10, 0xc93, 0xffffffff);
	seg(&b->s.es, 0x10, 0xc93, 0xffffffff);
	seg(&b->s.ss, 0x10, 0xc93, 0xffffffff);
	seg(&b->s.fs, 0x10, 0xc93, 0xffffffff);
	seg(&b->s.gs, 0x10, 0xc93, 0xffffffff);
	seg(&b->s.ldtr, 0, 0x82, 0);
	seg(&b->s.tr, 0, 0x8b, 0x67);			/* busy 64-bit TSS */
	b->s.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME;
	b->s.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_NE | X86_CR0_ET;
	b->s.cr4 = X86_CR4_PAE;
	b->s.dr6 = 0xffff0ff0;
	b->s.dr7 = 0x400;
	b->s.rflags = 0x2;
	b->s.g_pat = 0x0007040600070406ull;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *x = v->arch;

	if (!x)
		return;
	if (this_cpu()->vmm_loaded == v)
		this_cpu()->vmm_loaded = NULL;
	if (this_cpu()->fpu_owner == v)
		this_cpu()->fpu_owner = NULL;
	guest_fpu_free(&x->fpu);
	page_free(x->vmcb_pa, 1);
	asid_put(x->asid);
	kfree(x);
	v->arch = NULL;
}

/* ---------------------------------------------------------------- run */

static void translate(struct vcpu *v, struct svm_vcpu *x, struct vm_exit *e)
{
	struct vmcb *b = x->vmcb;
	uint64_t code = b->c.exit_code, i1 = b->c.exit_info1;

	e->u.mmio.gpa = 0;
	e->u.mmio.write = e->u.mmio.fetch = false;
	e->raw = (uint32_t)code;
	/* With NRIP save the CPU tells the length; IOIO always does. */
	e->insn_len = caps.nrips && b->c.next_rip > b->s.rip ?
		      (uint8_t)(b->c.next_rip - b->s.rip) : 0;

	if (code >= SVM_EXIT_EXC_BASE && code < SVM_EXIT_EXC_BASE + 32) {
		e->code = VM_EXIT_EXCEPTION;
		e->u.exc.vector = (uint8_t)(code - SVM_EXIT_EXC_BASE);
		e->u.exc.has_error = e->u.exc.vector == 17;
		e->u.exc.error = (uint32_t)i1;
		return;
	}
	switch (code) {
	case SVM_EXIT_INTR:
		e->code = VM_EXIT_EXTINT;
		break;
	case SVM_EXIT_NMI:
		/* Held while GIF was 0, the NMI is taken by the host at the
		 * STGI in svm_enter: nothing more to do here. */
		e->code = VM_EXIT_NONE;
		break;
	case SVM_EXIT_SMI:
		e->code = VM_EXIT_NONE;
		break;
	case SVM_EXIT_VINTR:
		e->code = VM_EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_CPUID:
		e->code = VM_EXIT_CPUID;
		break;
	case SVM_EXIT_HLT:
		e->code = VM_EXIT_HLT;
		break;
	case SVM_EXIT_IOIO:
		e->code = VM_EXIT_IO;
		e->u.io.in = i1 & 1;
		e->u.io.string = i1 & 4;
		e->u.io.rep = i1 & 8;
		e->u.io.size = (i1 & 0x10) ? 1 : (i1 & 0x20) ? 2 : 4;
		e->u.io.port = (uint16_t)(i1 >> 16);
		e->insn_len = (uint8_t)(b->c.exit_info2 - b->s.rip);	/* next RIP */
		break;
	case SVM_EXIT_MSR:
		e->code = i1 ? VM_EXIT_WRMSR : VM_EXIT_RDMSR;
		e->u.msr.index = (uint32_t)x->regs.rcx;
		break;
	case SVM_EXIT_DR0_READ ... SVM_EXIT_DR0_READ + 7:
	case SVM_EXIT_DR0_WRITE ... SVM_EXIT_DR0_WRITE + 7:
		e->code = VM_EXIT_DR;
		e->u.dr.dr = code & 7;
		e->u.dr.write = code >= SVM_EXIT_DR0_WRITE;
		/* Decode assists name the register (APM 15.33.1); else the
		 * generic code decodes the MOV. */
		e->u.dr.gpr = caps.decode_assists ? (uint8_t)(i1 & 15) : VM_REG_COUNT;
		break;
	case SVM_EXIT_CR4_WRITE:
		e->code = VM_EXIT_CR;
		e->u.cr.cr = 4;
		e->u.cr.write = true;
		/* Decode assists name the register; else the generic code
		 * decodes the MOV. */
		e->u.cr.gpr = caps.decode_assists && (i1 & (1ull << 63)) ?
			      (uint8_t)(i1 & 15) : VM_REG_COUNT;
		break;
	case SVM_EXIT_NPF:
		e->code = VM_EXIT_MMIO;
		e->u.mmio.gpa = b->c.exit_info2;
		e->u.mmio.write = i1 & 2;
		e->u.mmio.fetch = i1 & 16;
		break;
	case SVM_EXIT_XSETBV:
		e->code = VM_EXIT_XSETBV;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->code = VM_EXIT_TRIPLE_FAULT;
		break;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMMCALL: case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI: case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT: case SVM_EXIT_INVLPGA:
		e->code = VM_EXIT_VIRT_INSN;
		break;
	case SVM_EXIT_INVD: case SVM_EXIT_WBINVD:
		e->code = VM_EXIT_CACHE_FLUSH;
		break;
	case SVM_EXIT_RDPMC: case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_C: case SVM_EXIT_ICEBP: case SVM_EXIT_RSM:
		e->code = VM_EXIT_PRIV_INSN;
		break;
	case SVM_EXIT_INVALID:
		e->code = VM_EXIT_ENTRY_FAIL;
		e->u.fail.error = 0;
		e->u.fail.why = "VMRUN refused the VMCB (invalid guest state)";
		pr_err("svm: vm %s vcpu %u: cr0 %#llx cr4 %#llx efer %#llx rip %#llx cs %#x/%#x",
		       v->vm->name, v->id, (unsigned long long)b->s.cr0,
		       (unsigned long long)b->s.cr4, (unsigned long long)b->s.efer,
		       (unsigned long long)b->s.rip, b->s.cs.sel, b->s.cs.attrib);
		break;
	default:
		e->code = VM_EXIT_UNKNOWN;
		break;
	}
}

static void load_vcpu(struct vcpu *v, struct svm_vcpu *x)
{
	struct percpu *pc = this_cpu();

	if (pc->vmm_loaded != v) {
		struct vcpu *prev = pc->vmm_loaded;

		if (prev && prev->vm != v->vm && caps.ibpb)
			wrmsr(0x49, 1);		/* IBPB: VMs do not share predictions */
		pc->vmm_loaded = v;
	}
	if (pc->fpu_owner != v) {
		struct vcpu *o = pc->fpu_owner;

		guest_fpu_switch(o && o->arch ? &((struct svm_vcpu *)o->arch)->fpu : NULL, &x->fpu);
		pc->fpu_owner = v;
	}
}

static int svm_vcpu_run(struct vcpu *v, struct vm_exit *out)
{
	struct svm_vcpu *x = v->arch;
	struct vmcb *b = x->vmcb;
	uint64_t flags = irq_save();

	if (this_cpu()->vmm_loaded != v || this_cpu()->fpu_owner != v)
		load_vcpu(v, x);
	if (x->pending_evt) {
		b->c.event_inj = x->pending_evt;
		x->pending_evt = 0;
	}
	b->s.rax = x->regs.rax;
	b->s.cr2 = x->regs.cr2;
	svm_enter(&x->regs, x->vmcb_pa, this_cpu()->vmm_area_pa + 4096);
	x->regs.rax = b->s.rax;
	x->regs.cr2 = b->s.cr2;
	b->c.tlb_control = 0;
	/* EVENTINJ is not consumed by the CPU (unlike VMX's entry
	 * interruption field): left valid, the next VMRUN would inject the
	 * same event again. An undelivered one comes back in EXITINTINFO. */
	b->c.event_inj = 0;
	translate(v, x, out);
	/* An event the exit interrupted is delivered again (APM 15.7.2). */
	if ((b->c.exit_int_info & EVT_VALID) && !x->pending_evt)
		x->pending_evt = b->c.exit_int_info;
	b->c.exit_int_info = 0;		/* not every #VMEXIT rewrites it (QEMU) */
	guest_fpu_sync_xcr0(&x->fpu);
	irq_restore(flags);
	return 0;
}

/* ---------------------------------------------------------------- registers */

static int svm_get_reg(struct vcpu *v, enum vm_reg r, uint64_t *val)
{
	struct svm_vcpu *x = v->arch;
	struct vmcb *b = x->vmcb;

	if ((unsigned)r <= VM_REG_R15 && r != VM_REG_RSP) {
		*val = v->gpr[r];
		return 0;
	}
	switch (r) {
	case VM_REG_RSP: *val = b->s.rsp; break;
	case VM_REG_RIP: *val = b->s.rip; break;
	case VM_REG_RFLAGS: *val = b->s.rflags; break;
	case VM_REG_CR0: *val = b->s.cr0; break;
	case VM_REG_CR3: *val = b->s.cr3; break;
	case VM_REG_CR4: *val = b->s.cr4; break;
	case VM_REG_EFER: *val = b->s.efer & ~EFER_SVME; break;	/* SVME is ours */
	case VM_REG_CS_BASE: *val = b->s.cs.base; break;
	case VM_REG_CPL: *val = b->s.cpl; break;
	case VM_REG_FS_BASE: *val = b->s.fs.base; break;
	case VM_REG_GS_BASE: *val = b->s.gs.base; break;
	case VM_REG_KGS_BASE: *val = b->s.kernel_gs_base; break;
	case VM_REG_STAR: *val = b->s.star; break;
	case VM_REG_LSTAR: *val = b->s.lstar; break;
	case VM_REG_CSTAR: *val = b->s.cstar; break;
	case VM_REG_SFMASK: *val = b->s.sfmask; break;
	case VM_REG_SYSENTER_CS: *val = b->s.sysenter_cs; break;
	case VM_REG_SYSENTER_ESP: *val = b->s.sysenter_esp; break;
	case VM_REG_SYSENTER_EIP: *val = b->s.sysenter_eip; break;
	case VM_REG_PAT: *val = b->s.g_pat; break;
	case VM_REG_XCR0: *val = x->fpu.xcr0; break;
	case VM_REG_INTR_SHADOW: *val = b->c.int_state & 1; break;
	case VM_REG_CS_MODE:		/* attrib bit 9 L, bit 10 D/B */
		*val = ((b->s.cs.attrib & (1u << 9)) && (b->s.efer & EFER_LMA)) ? 64 :
		       (b->s.cs.attrib & (1u << 10)) ? 32 : 16;
		break;
	default: return -EINVAL;
	}
	return 0;
}

static int svm_set_reg(struct vcpu *v, enum vm_reg r, uint64_t val)
{
	struct svm_vcpu *x = v->arch;
	struct vmcb *b = x->vmcb;

	if ((unsigned)r <= VM_REG_R15 && r != VM_REG_RSP) {
		v->gpr[r] = val;
		return 0;
	}
	switch (r) {
	case VM_REG_RSP: b->s.rsp = val; break;
	case VM_REG_RIP: b->s.rip = val; break;
	case VM_REG_RFLAGS: b->s.rflags = val; break;
	case VM_REG_CR0: b->s.cr0 = val; break;
	case VM_REG_CR3: b->s.cr3 = val; break;
	case VM_REG_CR4:
		/* Paging-mode bits (PGE, PAE, PSE, SMEP...) changed by an
		 * emulated write: the guest expects its TLB flushed
		 * (SDM Vol 3A 4.10.4.1); VMRUN alone does not. */
		if ((b->s.cr4 ^ val) & 0x3000b0ull)
			b->c.tlb_control = caps.flush_by_asid ? 3 : 1;
		b->s.cr4 = val;
		break;
	case VM_REG_EFER: b->s.efer = val | EFER_SVME; break;	/* VMRUN needs SVME */
	case VM_REG_FS_BASE: b->s.fs.base = val; break;
	case VM_REG_GS_BASE: b->s.gs.base = val; break;
	case VM_REG_KGS_BASE: b->s.kernel_gs_base = val; break;
	case VM_REG_STAR: b->s.star = val; break;
	case VM_REG_LSTAR: b->s.lstar = val; break;
	case VM_REG_CSTAR: b->s.cstar = val; break;
	case VM_REG_SFMASK: b->s.sfmask = val; break;
	case VM_REG_SYSENTER_CS: b->s.sysenter_cs = val; break;
	case VM_REG_SYSENTER_ESP: b->s.sysenter_esp = val; break;
	case VM_REG_SYSENTER_EIP: b->s.sysenter_eip = val; break;
	case VM_REG_PAT: b->s.g_pat = val; break;
	case VM_REG_XCR0:
		guest_fpu_set_xcr0(&x->fpu, val, this_cpu()->fpu_owner == v);
		break;
	case VM_REG_INTR_SHADOW: b->c.int_state = (b->c.int_state & ~1ull) | (val & 1); break;
	default: return -EINVAL;
	}
	return 0;
}

static void svm_skip_insn(struct vcpu *v, unsigned len)
{
	struct vmcb *b = ((struct svm_vcpu *)v->arch)->vmcb;

	b->s.rip += len;
	b->c.int_state &= ~1ull;		/* the interrupt shadow ends */
}

static int svm_inject(struct vcpu *v, enum vm_event_type t, uint8_t vector,
		      bool has_error, uint32_t error)
{
	struct svm_vcpu *x = v->arch;
	uint64_t type = t == VM_EVENT_EXTINT ? EVT_TYPE_INTR :
			t == VM_EVENT_NMI ? EVT_TYPE_NMI : EVT_TYPE_EXC;

	if (x->pending_evt)
		return -EBUSY;
	x->pending_evt = EVT_VALID | type | vector | (has_error ? EVT_HAS_ERR : 0) |
			 ((uint64_t)error << 32);
	return 0;
}

/* V_IRQ with VINTR intercepted: #VMEXIT(VINTR) as soon as the guest could
 * take an interrupt (APM 15.21.4); the real one is injected then. */
static void svm_want_intr_window(struct vcpu *v, bool on)
{
	struct vmcb *b = ((struct svm_vcpu *)v->arch)->vmcb;

	if (on) {
		b->c.int_ctl |= V_IRQ | V_IGN_TPR;
		b->c.intercept1 |= INT1_VINTR;
	} else {
		b->c.int_ctl &= ~(V_IRQ | V_IGN_TPR);
		b->c.intercept1 &= ~INT1_VINTR;
	}
}

static bool svm_can_inject_intr(struct vcpu *v)
{
	struct svm_vcpu *x = v->arch;
	struct vmcb *b = x->vmcb;

	return !x->pending_evt && (b->s.rflags & (1u << 9)) && !(b->c.int_state & 1);
}

static bool svm_event_queued(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->arch)->pending_evt != 0;
}

static int svm_set_entry_state(struct vcpu *v, bool prot32, uint16_t cs, uint16_t ds,
			       uint64_t gdt_base, uint16_t gdt_limit)
{
	struct vmcb *b = ((struct svm_vcpu *)v->arch)->vmcb;

	if (prot32) {
		/* 32-bit flat, paging off (Multiboot Specification 3.2). */
		seg(&b->s.cs, 0x08, 0xc9b, 0xffffffff);		/* code, D, G */
		b->s.efer = EFER_SVME;
		b->s.cr0 = X86_CR0_PE | X86_CR0_ET;
		b->s.cr4 = 0;
		b->s.cr3 = 0;
		seg(&b->s.tr, 0, 0x8b, 0xffff);
	}
	if (cs) {
		b->s.cs.sel = cs;
		b->s.ds.sel = b->s.es.sel = b->s.ss.sel = b->s.fs.sel = b->s.gs.sel = ds;
	}
	b->s.gdtr.base = gdt_base;
	b->s.gdtr.limit = gdt_limit;
	b->c.clean = 0;		/* segments and descriptor tables changed */
	return 0;
}

/* The state after INIT and a start-up IPI (SDM Vol 3A 8.4.4, Table 9-1;
 * APM 15.19 lets a guest run in real mode with nested paging). */
static int svm_vcpu_sipi(struct vcpu *v, uint8_t vector)
{
	struct svm_vcpu *x = v->arch;
	struct vmcb *b = x->vmcb;

	seg(&b->s.cs, (uint16_t)(vector << 8), 0x9b, 0xffff);
	b->s.cs.base = (uint64_t)vector << 12;
	seg(&b->s.ds, 0, 0x93, 0xffff);
	seg(&b->s.es, 0, 0x93, 0xffff);
	seg(&b->s.ss, 0, 0x93, 0xffff);
	seg(&b->s.fs, 0, 0x93, 0xffff);
	seg(&b->s.gs, 0, 0x93, 0xffff);
	seg(&b->s.ldtr, 0, 0x82, 0xffff);
	seg(&b->s.tr, 0, 0x8b, 0xffff);
	b->s.gdtr.base = b->s.idtr.base = 0;
	b->s.gdtr.limit = b->s.idtr.limit = 0xffff;
	b->s.efer = EFER_SVME;
	b->s.cr0 = X86_CR0_ET;
	b->s.cr3 = 0;
	b->s.cr4 = 0;
	b->s.rflags = 0x2;
	b->s.rip = 0;
	b->s.rsp = 0;
	b->s.cpl = 0;
	b->c.int_state = 0;
	b->c.event_inj = 0;
	x->pending_evt = 0;	/* nothing from before INIT is re-injected */
	b->c.tlb_control = 1;	/* nor any translation of its ASID kept */
	b->c.clean = 0;
	for (int i = VM_REG_RAX; i <= VM_REG_R15; i++)
		if (i != VM_REG_RSP)
			v->gpr[i] = 0;
	return 0;
}

const struct vmm_ops svm_ops = {
	.name = "svm",
	.hw_init = svm_hw_init,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vm_map = svm_vm_map,
	.vcpu_init = svm_vcpu_init,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_run = svm_vcpu_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.skip_insn = svm_skip_insn,
	.inject = svm_inject,
	.want_intr_window = svm_want_intr_window,
	.can_inject_intr = svm_can_inject_intr,
	.event_queued = svm_event_queued,
	.set_entry_state = svm_set_entry_state,
	.vcpu_sipi = svm_vcpu_sipi,
};
