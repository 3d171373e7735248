/*
 * The VT-x back end (SDM Vol 3C chapters 23-31): capability checks, VMXON
 * on every CPU, one VMCS per vCPU with EPT and VPID, and the translation of
 * every VM exit into a vendor-neutral struct vm_exit.
 *
 * vCPUs are pinned: a VMCS is only ever current on the CPU that created
 * it, so there is no VMCLEAR-on-migration protocol to get wrong.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/guest_state.h"
#include "arch/x86_64/pagetable.h"
#include "arch/x86_64/vmx/vmcs.h"
#include "arch/x86_64/vmx/vmx_priv.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

_Static_assert(offsetof(struct guest_regs, cr2) == 16 * 8, "vmx_entry.S");
_Static_assert(offsetof(struct guest_regs, r15) == VM_REG_R15 * 8 &&
	       offsetof(struct guest_regs, rdi) == VM_REG_RDI * 8 &&
	       offsetof(struct guest_regs, rbp) == VM_REG_RBP * 8, "indexed by enum vm_reg");

extern char vmx_exit_point[];

/* Chosen once on the BSP, used on every CPU. */
static struct {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool unrestricted, vpid, xsave;
	bool l1d_flush, md_clear, ibpb;
	uint32_t preempt_shift;
	uint32_t slice;			/* a time slice in preemption-timer units */
	uint64_t invvpid_type;
} caps;

/* VPIDs of live vCPUs: unique, never 0 (SDM 26.2.1.1). */
#define VPID_MAX 4096
static uint64_t vpid_used[VPID_MAX / 64];
static struct spinlock vpid_lock = SPINLOCK_INIT;

static uint16_t vpid_get(void)
{
	uint64_t f = spin_lock_irqsave(&vpid_lock);
	uint16_t r = 0;

	for (uint32_t i = 1; i < VPID_MAX && !r; i++)
		if (!(vpid_used[i / 64] & (1ull << (i % 64)))) {
			vpid_used[i / 64] |= 1ull << (i % 64);
			r = (uint16_t)i;
		}
	spin_unlock_irqrestore(&vpid_lock, f);
	return r;		/* 0: none left, the vCPU runs without VPID */
}

static void vpid_put(uint16_t id)
{
	uint64_t f = spin_lock_irqsave(&vpid_lock);

	if (id)
		vpid_used[id / 64] &= ~(1ull << (id % 64));
	spin_unlock_irqrestore(&vpid_lock, f);
}


/* CR4 bits a guest may own (mirrors vmm/msr.c's cr_write list). */
#define CR4_GUEST_OK (0x1full | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | \
		      (1u << 9) | (1u << 10) | (1u << 11) | (1u << 16) | \
		      (1u << 18) | (1u << 20) | (1u << 21))

static inline int vmread_safe(uint64_t field, uint64_t *v)
{
	uint8_t bad;

	__asm__ volatile("vmread %2, %0; setna %1" : "=rm"(*v), "=qm"(bad) : "r"(field) : "cc");
	return bad ? -EIO : 0;
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v = 0;

	(void)vmread_safe(field, &v);
	return v;
}

static inline int vmwrite(uint64_t field, uint64_t v)
{
	uint8_t bad;

	__asm__ volatile("vmwrite %1, %2; setna %0" : "=qm"(bad) : "rm"(v), "r"(field) : "cc");
	return bad ? -EIO : 0;
}

static int vmptrld(uint64_t pa)
{
	uint8_t bad;

	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(bad) : "m"(pa) : "cc", "memory");
	return bad ? -EIO : 0;
}

static int vmclear(uint64_t pa)
{
	uint8_t bad;

	__asm__ volatile("vmclear %1; setna %0" : "=qm"(bad) : "m"(pa) : "cc", "memory");
	return bad ? -EIO : 0;
}

/* Adjusts wanted control bits to what the CPU allows: bits set in the low
 * half of the capability MSR must be 1, bits clear in the high half must
 * be 0 (SDM Vol 3D A.3). Returns -ENOTSUP if a required bit is missing. */
static int adjust(uint32_t msr, uint32_t want, uint32_t required, uint32_t *out)
{
	uint64_t cap = rdmsr(msr);
	uint32_t v = (want | (uint32_t)cap) & (uint32_t)(cap >> 32);

	if ((v & required) != required)
		return -ENOTSUP;
	*out = v;
	return 0;
}

static const char *probe(void)
{
	uint64_t basic, fc, ept;
	bool tru;

	if (!cpu_feat.vmx)
		return "no VT-x (CPUID.1:ECX.VMX)";
	fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & 1) && !(fc & 4))
		return "VT-x disabled by the firmware (IA32_FEATURE_CONTROL locked)";
	basic = rdmsr(MSR_VMX_BASIC);
	caps.revision = (uint32_t)basic & 0x7fffffff;
	if (((basic >> 32) & 0x1fff) > 4096)
		return "VMCS larger than a page";
	if (((basic >> 50) & 0xf) != 6)
		return "VMCS memory type is not write-back";
	tru = basic & (1ull << 55);	/* the "true" control MSRs exist */

	if (adjust(tru ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED,
		   PIN_EXTINT_EXIT | PIN_NMI_EXIT | PIN_VIRTUAL_NMI | PIN_PREEMPT_TIMER,
		   PIN_EXTINT_EXIT | PIN_NMI_EXIT, &caps.pin))
		return "pin-based controls lack interrupt/NMI exiting";
	if (adjust(tru ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
		   PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
		   PROC_SECONDARY | PROC_MWAIT_EXIT | PROC_MONITOR_EXIT |
		   PROC_RDPMC_EXIT | PROC_MOV_DR_EXIT | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT,
		   /* Without CR8 exiting (or a TPR shadow) a guest's MOV to
		    * CR8 writes the physical TPR (SDM Vol 3C 25.3) and can
		    * mask the host's own interrupts: required. */
		   PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
		   PROC_SECONDARY | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT, &caps.proc))
		return "processor-based controls lack HLT or CR8 exiting or I/O and MSR bitmaps";
	/* CR3 exiting is not needed with EPT; clear it where allowed. */
	caps.proc &= ~(PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT) |
		     (uint32_t)rdmsr(tru ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	if (adjust(MSR_VMX_PROCBASED2,
		   PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_RDTSCP |
		   PROC2_INVPCID | PROC2_WBINVD_EXIT | PROC2_XSAVES,
		   PROC2_EPT, &caps.proc2))
		return "no EPT";
	ept = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(ept & (1ull << 6)) || !(ept & (1ull << 14)))
		return "EPT lacks 4-level walks or write-back memory";
	if (!(ept & (1ull << 20)) || !(ept & (1ull << 25)))
		return "no INVEPT (single-context)";
	if (adjust(tru ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
		   EXIT_HOST_LONG_MODE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		   EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG | EXIT_SAVE_PREEMPT,
		   EXIT_HOST_LONG_MODE | EXIT_SAVE_EFER | EXIT_LOAD_EFER, &caps.exit))
		return "exit controls lack EFER save/load";
	if (adjust(tru ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
		   ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG,
		   ENTRY_LOAD_EFER, &caps.entry))
		return "entry controls lack EFER load";
	caps.unrestricted = caps.proc2 & PROC2_UNRESTRICTED;
	/* The preemption timer counts down at the TSC rate divided by
	 * 2^IA32_VMX_MISC[4:0] (SDM Vol 3C 25.5.1). */
	caps.preempt_shift = (uint32_t)rdmsr(MSR_VMX_MISC) & 0x1f;
	caps.vpid = (caps.proc2 & PROC2_VPID) && (ept & (1ull << 32)) &&
		    (ept & ((1ull << 41) | (1ull << 42)));
	caps.invvpid_type = (ept & (1ull << 41)) ? 1 : 2;	/* single- or all-context */
	if (!caps.vpid)
		caps.proc2 &= ~PROC2_VPID;
	caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	return NULL;
}

/* Side-channel mitigations on entry (Intel's guidance on L1TF and MDS):
 * flush L1D before entering a guest unless the CPU says it need not, and
 * clear CPU buffers with VERW where MD_CLEAR exists. */
static void probe_mitigations(void)
{
	uint32_t a, b, c, d;
	uint64_t arch_cap = 0;

	if (cpu_feat.max_leaf < 7)
		return;
	cpuid(7, 0, &a, &b, &c, &d);
	if (d & (1u << 29))			/* IA32_ARCH_CAPABILITIES */
		arch_cap = rdmsr(0x10a);
	caps.l1d_flush = (d & (1u << 28)) && !(arch_cap & (1u << 3)) &&	/* SKIP_L1DFL_VMENTRY */
			 !(arch_cap & (1u << 0));				/* RDCL_NO */
	caps.md_clear = (d & (1u << 10)) && !(arch_cap & (1u << 5));		/* MDS_NO */
	caps.ibpb = d & (1u << 26);
}

static int vmxon_here(void)
{
	struct percpu *pc = this_cpu();
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL), cr0, cr4, pa;
	uint8_t bad;

	if (!(fc & 1))		/* unlocked: allow VMXON outside SMX, lock */
		wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4);
	cr0 = (read_cr0() | caps.cr0_fixed0) & caps.cr0_fixed1;
	cr4 = (read_cr4() | caps.cr4_fixed0 | (1ull << 13)) & caps.cr4_fixed1;
	write_cr0(cr0);
	write_cr4(cr4);
	if (!pc->vmm_area_pa) {
		if (page_alloc(1, &pa))
			return -ENOMEM;
		*(uint32_t *)phys_to_virt(pa) = caps.revision;
		pc->vmm_area_pa = pa;
	}
	pa = pc->vmm_area_pa;
	__asm__ volatile("vmxon %1; setna %0" : "=qm"(bad) : "m"(pa) : "cc", "memory");
	return bad ? -EIO : 0;
}

static int shared_bitmaps(uint64_t *a, uint64_t *b);

static int vmx_hw_init(void)
{
	static const char *why;
	static bool probed;

	if (!probed) {
		why = probe();
		probe_mitigations();
		probed = true;
		if (why) {
			pr_warn("vmx: cannot run VMs: %s", why);
			return -ENODEV;
		}
		if (shared_bitmaps(NULL, NULL)) {	/* at boot: they live forever */
			why = "no memory for the I/O and MSR bitmaps";
			return -ENOMEM;
		}
		pr_info("vmx: VT-x with EPT%s%s%s, VMCS revision %#x",
			caps.vpid ? ", VPID" : "",
			caps.unrestricted ? ", unrestricted guest" : "",
			(caps.pin & PIN_PREEMPT_TIMER) ? ", preemption timer" : "",
			caps.revision);
		pr_info("vmx: side channels: L1D flush on entry %s, VERW buffer clearing %s, "
			"IBPB between VMs %s",
			caps.l1d_flush ? "on" : "not needed",
			caps.md_clear ? "on" : "not needed",
			caps.ibpb ? "on" : "unavailable");
	}
	if (why)
		return -ENODEV;
	return vmxon_here();
}

/* ---------------------------------------------------------------- EPT */

static void *ept_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return page_alloc(1, pa) ? NULL : phys_to_virt(*pa);
}

static void *ept_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static const struct pt_ops ept_ops = {
	.alloc = ept_alloc, .p2v = ept_p2v, .huge_1g = false, .ept = true,
};

/* Every port and MSR access exits (all-ones bitmaps, SDM Vol 3C 24.6.4,
 * 24.6.9): the device models and the MSR policy decide; bitmaps rather
 * than unconditional exiting so that a port could one day be passed
 * through. One copy, never written again, serves every VM and vCPU
 * (12 KiB a VM saved); allocated on first use. Either pointer may be
 * NULL. */
static int shared_bitmaps(uint64_t *io, uint64_t *msr)
{
	static struct spinlock lock = SPINLOCK_INIT;
	static uint64_t io_pa, msr_pa;
	uint64_t f = spin_lock_irqsave(&lock);
	int r = 0;

	if (!io_pa) {
		if (page_alloc(2, &io_pa) || page_alloc(1, &msr_pa)) {
			if (io_pa)
				page_free(io_pa, 2);
			io_pa = 0;
			r = -ENOMEM;
		} else {
			memset(phys_to_virt(io_pa), 0xff, 2 * 4096);
			memset(phys_to_virt(msr_pa), 0xff, 4096);
		}
	}
	if (io)
		*io = io_pa;
	if (msr)
		*msr = msr_pa;
	spin_unlock_irqrestore(&lock, f);
	return r;
}

static int vmx_vm_init(struct vm *vm)
{
	struct vmx_vm *xv = kzalloc(sizeof(*xv));

	if (!xv)
		return -ENOMEM;
	xv->ept_root = ept_alloc(NULL, &xv->ept_root_pa);
	if (!xv->ept_root) {
		kfree(xv);
		return -ENOMEM;
	}
	if (shared_bitmaps(&xv->io_bitmap_pa, NULL)) {
		page_free(xv->ept_root_pa, 1);
		kfree(xv);
		return -ENOMEM;
	}
	vm->arch = xv;
	return 0;
}

/* Frees every table page below root (leaves map guest RAM, owned by the
 * VM and freed by vmm/vm.c). */
static void free_tables(uint64_t *t, int level)
{
	for (int i = 0; i < 512 && level > 0; i++) {
		uint64_t e = t[i];

		if ((e & (EPT_R | EPT_W | EPT_X)) && !(e & EPT_PS))
			free_tables(phys_to_virt(e & PTE_ADDR), level - 1);
	}
	page_free(virt_to_phys(t), 1);
}

static void vmx_vm_destroy(struct vm *vm)
{
	struct vmx_vm *xv = vm->arch;

	if (!xv)
		return;
	free_tables(xv->ept_root, 3);
	kfree(xv);		/* the bitmaps are shared */
	vm->arch = NULL;
}

static int vmx_vm_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t len)
{
	struct vmx_vm *xv = vm->arch;

	return pt_map(&ept_ops, xv->ept_root, gpa, hpa, len, PT_W | PT_X);
}

/* ---------------------------------------------------------------- VMCS */

static uint64_t fixed_cr0(uint64_t v)
{
	uint64_t f0 = caps.cr0_fixed0;

	if (caps.unrestricted)
		f0 &= ~(X86_CR0_PE | X86_CR0_PG);
	return (v | f0) & caps.cr0_fixed1;
}

static uint64_t fixed_cr4(uint64_t v)
{
	return (v | caps.cr4_fixed0) & caps.cr4_fixed1;
}

/* The data segment registers' VMCS fields: selector, base, limit,
 * access rights. */
static const uint32_t data_segs[][4] = {
	{ VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
	{ VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
	{ VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
	{ VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
	{ VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
};

static int setup_vmcs(struct vcpu *v, struct vmx_vcpu *x)
{
	struct percpu *pc = this_cpu();
	struct vmx_vm *xv = v->vm->arch;
	int r = 0;

	/* Every MSR access exits: the MSR policy is an allow-list. */
	if (shared_bitmaps(NULL, &x->msr_bitmap_pa))
		return -ENOMEM;

#define W(f, val) r |= vmwrite((f), (val))
	W(VMCS_PIN_CTLS, caps.pin);
	W(VMCS_PROC_CTLS, caps.proc);
	W(VMCS_PROC_CTLS2, caps.proc2);
	W(VMCS_EXIT_CTLS, caps.exit);
	W(VMCS_ENTRY_CTLS, caps.entry | ENTRY_GUEST_LONG_MODE);	/* the guest starts in long mode */
	/* #DB and #AC can be raised in a loop that never reaches an
	 * instruction boundary, locking the CPU (CVE-2015-5307, -8104):
	 * intercept and reflect them. #MC belongs to the host. */
	W(VMCS_EXCEPTION_BITMAP, (1u << 1) | (1u << 17) | (1u << 18));
	W(VMCS_PF_ERR_MASK, 0);
	W(VMCS_PF_ERR_MATCH, 0);
	W(VMCS_CR3_TARGET_COUNT, 0);
	W(VMCS_MSR_BITMAP, x->msr_bitmap_pa);
	W(VMCS_IO_BITMAP_A, xv->io_bitmap_pa);
	W(VMCS_IO_BITMAP_B, xv->io_bitmap_pa + 4096);
	W(VMCS_EPT_POINTER, xv->ept_root_pa | (3u << 3) | 6u);	/* 4 levels, WB */
	if (caps.vpid && x->vpid)
		W(VMCS_VPID, x->vpid);
	W(VMCS_LINK_POINTER, ~0ull);
	W(VMCS_EXIT_MSR_STORE_N, 0);
	W(VMCS_EXIT_MSR_LOAD_N, 0);
	W(VMCS_ENTRY_MSR_LOAD_N, 0);
	W(VMCS_ENTRY_INTR_INFO, 0);

	/* The guest owns CR0/CR4 except what VMX pins (fixed bits) and
	 * CR4.VMXE, which it never sees set (SDM Vol 3C 24.6.6). */
	W(VMCS_CR0_MASK, (caps.cr0_fixed0 | ~caps.cr0_fixed1) &
	  ~(caps.unrestricted ? (X86_CR0_PE | X86_CR0_PG) : 0) & 0xffffffffull);
	/* CR4 bits our CPUID does not promise exit too, so that cr_write()
	 * can refuse them. */
	W(VMCS_CR4_MASK, (caps.cr4_fixed0 | ~caps.cr4_fixed1 | ~CR4_GUEST_OK) & 0xffffffffull);

	/* Host state: this CPU, as it is now (SDM Vol 3C 24.5). */
	W(VMCS_HOST_CR0, read_cr0());
	W(VMCS_HOST_CR3, read_cr3());
	W(VMCS_HOST_CR4, read_cr4());
	W(VMCS_HOST_CS_SEL, SEL_KCODE);
	W(VMCS_HOST_SS_SEL, SEL_KDATA);
	W(VMCS_HOST_DS_SEL, SEL_KDATA);
	W(VMCS_HOST_ES_SEL, SEL_KDATA);
	W(VMCS_HOST_FS_SEL, 0);
	W(VMCS_HOST_GS_SEL, 0);
	W(VMCS_HOST_TR_SEL, SEL_TSS);
	W(VMCS_HOST_FS_BASE, 0);
	W(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)pc);
	W(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&pc->tss);
	W(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)pc->gdt);
	{
		struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) idtr;

		__asm__ volatile("sidt %0" : "=m"(idtr));
		W(VMCS_HOST_IDTR_BASE, idtr.base);
	}
	W(VMCS_HOST_SYSENTER_CS, 0);
	W(VMCS_HOST_SYSENTER_ESP, 0);
	W(VMCS_HOST_SYSENTER_EIP, 0);
	W(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	W(VMCS_HOST_PAT, rdmsr(0x277));
	W(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);

	/* Guest state: 64-bit flat mode; the loader sets CR3 and RIP. */
	x->cr0_shadow = X86_CR0_PE | X86_CR0_PG | X86_CR0_NE | X86_CR0_ET;
	x->cr4_shadow = X86_CR4_PAE;
	W(VMCS_GUEST_CR0, fixed_cr0(x->cr0_shadow));
	W(VMCS_CR0_SHADOW, x->cr0_shadow);
	W(VMCS_GUEST_CR4, fixed_cr4(x->cr4_shadow));
	W(VMCS_CR4_SHADOW, x->cr4_shadow);
	W(VMCS_GUEST_CR3, 0);
	W(VMCS_GUEST_EFER, EFER_LME | EFER_LMA | EFER_NXE);
	W(VMCS_GUEST_PAT, 0x0007040600070406ull);	/* power-on PAT */
	W(VMCS_GUEST_DEBUGCTL, 0);
	W(VMCS_GUEST_DR7, 0x400);
	W(VMCS_GUEST_RFLAGS, 0x2);
	W(VMCS_GUEST_RSP, 0);
	W(VMCS_GUEST_RIP, 0);
	W(VMCS_GUEST_PENDING_DBG, 0);
	W(VMCS_GUEST_INTERRUPTIBILITY, 0);
	W(VMCS_GUEST_ACTIVITY, 0);
	W(VMCS_GUEST_SYSENTER_CS, 0);
	W(VMCS_GUEST_SYSENTER_ESP, 0);
	W(VMCS_GUEST_SYSENTER_EIP, 0);
	W(VMCS_GUEST_CS_SEL, 0x08);
	W(VMCS_GUEST_CS_BASE, 0);
	W(VMCS_GUEST_CS_LIMIT, 0xffffffff);
	W(VMCS_GUEST_CS_AR, 0xa09b);		/* code, present, L, G */
	for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
		W(data_segs[i][0], 0x10);
		W(data_segs[i][1], 0);
		W(data_segs[i][2], 0xffffffff);
		W(data_segs[i][3], 0xc093);	/* data, present, D/B, G */
	}
	W(VMCS_GUEST_LDTR_SEL, 0);
	W(VMCS_GUEST_LDTR_BASE, 0);
	W(VMCS_GUEST_LDTR_LIMIT, 0);
	W(VMCS_GUEST_LDTR_AR, 0x10000);		/* unusable */
	W(VMCS_GUEST_TR_SEL, 0);
	W(VMCS_GUEST_TR_BASE, 0);
	W(VMCS_GUEST_TR_LIMIT, 0x67);
	W(VMCS_GUEST_TR_AR, 0x8b);		/* busy 64-bit TSS */
	W(VMCS_GUEST_GDTR_BASE, 0);
	W(VMCS_GUEST_GDTR_LIMIT, 0);
	W(VMCS_GUEST_IDTR_BASE, 0);
	W(VMCS_GUEST_IDTR_LIMIT, 0);
#undef W
	return r ? -EIO : 0;
}

/* Forgets which vCPU's VMCS is current here (another VMCS is about to be
 * loaded), keeping what the hardware holds of its state. */
static void unload_current(void)
{
	struct percpu *pc = this_cpu();
	struct vcpu *prev = pc->vmm_loaded;

	if (prev && prev->arch)
		((struct vmx_vcpu *)prev->arch)->kgs_base = rdmsr(MSR_KERNEL_GS_BASE);
	pc->vmm_loaded = NULL;
}

static int vmx_vcpu_init(struct vcpu *v)
{
	struct vmx_vcpu *x = kzalloc(sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	if (page_alloc(1, &x->vmcs_pa)) {
		kfree(x);
		return -ENOMEM;
	}
	if (guest_fpu_init(&x->fpu)) {
		page_free(x->vmcs_pa, 1);
		kfree(x);
		return -ENOMEM;
	}
	x->vmcs = phys_to_virt(x->vmcs_pa);
	*(uint32_t *)x->vmcs = caps.revision;
	x->cpu = this_cpu()->cpu;
	x->vpid = caps.vpid ? vpid_get() : 0;
	v->arch = x;
	v->gpr = (uint64_t *)&x->regs;
	unload_current();
	r = vmclear(x->vmcs_pa);
	r = r ? r : vmptrld(x->vmcs_pa);
	r = r ? r : setup_vmcs(v, x);
	if (r) {
		pr_err("vmx: VMCS set-up failed: VM-instruction error %llu",
		       (unsigned long long)vmread(VMCS_INSN_ERROR));
		return -EIO;
	}
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (!x)
		return;
	if (this_cpu()->vmm_loaded == v)
		unload_current();
	vmclear(x->vmcs_pa);
	if (this_cpu()->fpu_owner == v)
		this_cpu()->fpu_owner = NULL;
	page_free(x->vmcs_pa, 1);
	guest_fpu_free(&x->fpu);
	/* The MSR bitmap is shared. */
	vpid_put(x->vpid);
	kfree(x);
	v->arch = NULL;
}

/* ---------------------------------------------------------------- run */

/* Makes v's VMCS current and its lazily switched state (MSRs the VMCS
 * does not hold, FPU registers, XCR0) live on this CPU. */
static int load_vcpu(struct vcpu *v, struct vmx_vcpu *x)
{
	struct percpu *pc = this_cpu();
	struct vcpu *prev = pc->vmm_loaded;

	if (prev != v) {
		if (caps.ibpb && prev && prev->vm != v->vm)
			wrmsr(0x49, 1);		/* IBPB: VMs do not share predictions */
		unload_current();
		if (vmptrld(x->vmcs_pa))
			return -EIO;
		pc->vmm_loaded = v;
		wrmsr(MSR_KERNEL_GS_BASE, x->kgs_base);
		wrmsr(0xc0000081, x->star);
		wrmsr(0xc0000082, x->lstar);
		wrmsr(0xc0000083, x->cstar);
		wrmsr(0xc0000084, x->sfmask);
	}
	if (pc->fpu_owner != v) {
		struct vcpu *o = pc->fpu_owner;

		guest_fpu_switch(o && o->arch ? &((struct vmx_vcpu *)o->arch)->fpu : NULL, &x->fpu);
		pc->fpu_owner = v;
	}
	return 0;
}

/* Register and event accessors run in the vCPU's task on its pCPU, but
 * another vCPU may have run there since: make this one's VMCS current. */
static void ensure_loaded(struct vcpu *v)
{
	if (this_cpu()->vmm_loaded != v) {
		uint64_t f = irq_save();

		load_vcpu(v, v->arch);
		irq_restore(f);
	}
}

/* VM-instruction error numbers (SDM Vol 3C 30.4). */
static const char *insn_error(uint32_t n)
{
	switch (n) {
	case 3: return "VMCLEAR with the VMXON pointer";
	case 4: return "VMLAUNCH with a non-clear VMCS";
	case 5: return "VMRESUME with a non-launched VMCS";
	case 7: return "entry with invalid control field(s)";
	case 8: return "entry with invalid host-state field(s)";
	case 9: return "VMPTRLD with an invalid address";
	case 11: return "VMPTRLD with a wrong VMCS revision";
	case 12: return "VMREAD/VMWRITE of an unsupported field";
	case 26: return "entry with events blocked by MOV SS";
	default: return "VMLAUNCH/VMRESUME failed";
	}
}

/* After a failed entry: the guest state the checks of SDM Vol 3C 26.3
 * look at first, for the console. */
static void dump_guest_state(struct vcpu *v)
{
	pr_err("vmx: vm %s vcpu %u: cr0 %#llx cr4 %#llx efer %#llx rip %#llx rflags %#llx "
	       "cs %#llx/%#llx ss %#llx/%#llx tr ar %#llx entry ctls %#llx interruptibility %#llx",
	       v->vm->name, v->id,
	       (unsigned long long)vmread(VMCS_GUEST_CR0), (unsigned long long)vmread(VMCS_GUEST_CR4),
	       (unsigned long long)vmread(VMCS_GUEST_EFER), (unsigned long long)vmread(VMCS_GUEST_RIP),
	       (unsigned long long)vmread(VMCS_GUEST_RFLAGS),
	       (unsigned long long)vmread(VMCS_GUEST_CS_SEL), (unsigned long long)vmread(VMCS_GUEST_CS_AR),
	       (unsigned long long)vmread(VMCS_GUEST_SS_SEL), (unsigned long long)vmread(VMCS_GUEST_SS_AR),
	       (unsigned long long)vmread(VMCS_GUEST_TR_AR), (unsigned long long)vmread(VMCS_ENTRY_CTLS),
	       (unsigned long long)vmread(VMCS_GUEST_INTERRUPTIBILITY));
}

/* Exit qualifications number the GPRs as the instruction encoding does
 * (SDM Vol 3C Tables 28-3, 28-4). */
static const uint8_t gpr_map[16] = {
	VM_REG_RAX, VM_REG_RCX, VM_REG_RDX, VM_REG_RBX,
	VM_REG_RSP, VM_REG_RBP, VM_REG_RSI, VM_REG_RDI,
	VM_REG_R8, VM_REG_R9, VM_REG_R10, VM_REG_R11,
	VM_REG_R12, VM_REG_R13, VM_REG_R14, VM_REG_R15,
};

static void translate(struct vcpu *v, uint32_t reason, struct vm_exit *e)
{
	uint32_t basic = reason & 0xffff;
	uint64_t q = 0;

	/* Field by field, only what the exit needs: this runs on every
	 * exit (a handler reads only the union member of its own code). */
	e->raw = reason;
	e->insn_len = (uint8_t)vmread(VMCS_EXIT_INSN_LEN);
	if (reason & (1u << 31)) {
		dump_guest_state(v);
		e->code = VM_EXIT_ENTRY_FAIL;
		e->u.fail.error = basic;
		e->u.fail.why = basic == EXIT_REASON_BAD_GUEST ? "invalid guest state" :
				basic == EXIT_REASON_BAD_MSR_LOAD ? "MSR loading" :
				"machine check during entry";
		return;
	}
	switch (basic) {
	case EXIT_REASON_EXCEPTION: {
		uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);

		if ((info & 0x700) == INTR_TYPE_NMI) {
			/* Not the guest's: run the host's NMI handler. */
			__asm__ volatile("int $2");
			e->code = VM_EXIT_NONE;
			break;
		}
		e->code = VM_EXIT_EXCEPTION;
		e->u.exc.vector = info & 0xff;
		e->u.exc.has_error = info & INTR_INFO_HAS_ERR;
		e->u.exc.error = (uint32_t)vmread(VMCS_EXIT_INTR_ERR);
		break;
	}
	case EXIT_REASON_EXTINT:
		e->code = VM_EXIT_EXTINT;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		e->code = VM_EXIT_TRIPLE_FAULT;
		break;
	case EXIT_REASON_INTR_WINDOW:
		e->code = VM_EXIT_INTR_WINDOW;
		break;
	case EXIT_REASON_CPUID:
		e->code = VM_EXIT_CPUID;
		break;
	case EXIT_REASON_HLT:
		e->code = VM_EXIT_HLT;
		break;
	case EXIT_REASON_IO:
		q = vmread(VMCS_EXIT_QUAL);
		e->code = VM_EXIT_IO;
		e->u.io.size = (uint8_t)((q & 7) + 1);
		e->u.io.in = q & 8;
		e->u.io.string = q & 16;
		e->u.io.rep = q & 32;
		e->u.io.port = (uint16_t)(q >> 16);
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		e->code = basic == EXIT_REASON_RDMSR ? VM_EXIT_RDMSR : VM_EXIT_WRMSR;
		e->u.msr.index = (uint32_t)((struct vmx_vcpu *)v->arch)->regs.rcx;
		break;
	case EXIT_REASON_CR: {
		unsigned type;

		q = vmread(VMCS_EXIT_QUAL);
		type = (q >> 4) & 3;

		/* CLTS and LMSW only touch masked CR0 bits we do not mask;
		 * they cannot exit with our masks. Anything else is odd. */
		if (type > 1) {
			e->code = VM_EXIT_UNKNOWN;
			break;
		}
		e->code = VM_EXIT_CR;
		e->u.cr.cr = q & 15;
		e->u.cr.write = type == 0;
		e->u.cr.gpr = gpr_map[(q >> 8) & 15];
		break;
	}
	case EXIT_REASON_EPT_VIOLATION:
		q = vmread(VMCS_EXIT_QUAL);
		e->insn_len = 0;	/* undefined for EPT violations (SDM 27.2.5) */
		e->code = VM_EXIT_MMIO;
		e->u.mmio.gpa = vmread(VMCS_GUEST_PHYS_ADDR);
		e->u.mmio.write = q & 2;
		e->u.mmio.fetch = q & 4;
		break;
	case EXIT_REASON_XSETBV:
		e->code = VM_EXIT_XSETBV;
		break;
	case EXIT_REASON_PREEMPT:
		((struct vmx_vcpu *)v->arch)->new_slice = true;
		e->code = VM_EXIT_PREEMPT;
		break;
	case EXIT_REASON_VMCALL: case EXIT_REASON_VMCLEAR:
	case 20: case 21: case 22: case 23: case 24: case 25: case 26:
	case EXIT_REASON_VMXON: case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID: case EXIT_REASON_VMFUNC:
	case EXIT_REASON_GETSEC:
		e->code = VM_EXIT_VIRT_INSN;
		break;
	case EXIT_REASON_INVD: case EXIT_REASON_WBINVD:
		e->code = VM_EXIT_CACHE_FLUSH;
		break;
	case EXIT_REASON_DR: {
		/* SDM Vol 3C Table 28-4: DR number, direction (1: MOV
		 * from DR), register. */
		q = vmread(VMCS_EXIT_QUAL);
		e->code = VM_EXIT_DR;
		e->u.dr.dr = q & 7;
		e->u.dr.write = !(q & 16);
		e->u.dr.gpr = gpr_map[(q >> 8) & 15];
		break;
	}
	case EXIT_REASON_RDPMC: case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR:
		e->code = VM_EXIT_PRIV_INSN;
		break;
	default:
		e->code = VM_EXIT_UNKNOWN;
		break;
	}
}

/* Before a vCPU's first entry: no translation cached for its EPT root or
 * its VPID may survive from an earlier VM that used the same page or
 * number (SDM Vol 3C 28.4.3). */
static void flush_tlbs(struct vcpu *v, struct vmx_vcpu *x)
{
	struct vmx_vm *xv = v->vm->arch;
	struct { uint64_t eptp, zero; } ed = { xv->ept_root_pa | (3u << 3) | 6u, 0 };
	struct { uint64_t vpid, linear; } vd = { x->vpid, 0 };
	uint64_t single = 1;

	__asm__ volatile("invept %0, %1" : : "m"(ed), "r"(single) : "cc", "memory");
	if (caps.vpid && x->vpid)
		__asm__ volatile("invvpid %0, %1" : : "m"(vd), "r"(caps.invvpid_type) : "cc", "memory");
}

static int vmx_vcpu_run(struct vcpu *v, struct vm_exit *out)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t flags;
	uint32_t reason;
	int failed;

	flags = irq_save();
	if (this_cpu()->vmm_loaded != v || this_cpu()->fpu_owner != v) {
		x->new_slice = true;
		if (load_vcpu(v, x)) {
			irq_restore(flags);
			memset(out, 0, sizeof(*out));
			out->code = VM_EXIT_ENTRY_FAIL;
			out->u.fail.why = "VMPTRLD failed";
			return 0;
		}
	}
	if (x->pending_intr) {
		vmwrite(VMCS_ENTRY_INTR_INFO, x->pending_intr);
		vmwrite(VMCS_ENTRY_EXC_ERR, x->pending_err);
		x->pending_intr = 0;
	}
	/* The time slice: the preemption timer ends it even when the guest
	 * masks interrupts and never exits (the LAPIC tick then waits). */
	/* A new slice when the vCPU comes back to the CPU or used its
	 * last one up; in between, the CPU saves what is left at each exit
	 * (exit control "save preemption timer value"), so the slice spans
	 * exits and costs nothing per entry. */
	if (x->new_slice && (caps.pin & PIN_PREEMPT_TIMER)) {
		if (!caps.slice) {
			uint64_t t = (tsc_hz() / SCHED_HZ) >> caps.preempt_shift;

			caps.slice = t > 0xffffffff ? 0xffffffff : (uint32_t)t;
		}
		vmwrite(VMCS_PREEMPT_TIMER, caps.slice);
		x->new_slice = !(caps.exit & EXIT_SAVE_PREEMPT);
	}
	if (caps.l1d_flush)
		wrmsr(0x10b, 1);		/* IA32_FLUSH_CMD.L1D_FLUSH */
	else if (caps.md_clear) {
		static const uint16_t ds = SEL_KDATA;

		__asm__ volatile("verw %0" : : "m"(ds) : "cc");
	}
	if (!x->launched)
		flush_tlbs(v, x);
	failed = vmx_enter(&x->regs, x->launched);
	if (!failed) {
		x->launched = true;
		reason = (uint32_t)vmread(VMCS_EXIT_REASON);
		translate(v, reason, out);
	} else {
		memset(out, 0, sizeof(*out));
		out->code = VM_EXIT_ENTRY_FAIL;
		out->u.fail.error = (uint32_t)vmread(VMCS_INSN_ERROR);
		out->u.fail.why = insn_error(out->u.fail.error);
	}
	/* An injection the CPU did not complete (the exit came while the
	 * event was being delivered) is re-queued (SDM Vol 3C 27.2.4). */
	if (!failed) {
		uint32_t idt = (uint32_t)vmread(VMCS_IDT_VEC_INFO);

		if ((idt & INTR_INFO_VALID) && !x->pending_intr) {
			x->pending_intr = idt & ~(1u << 12);
			x->pending_err = (uint32_t)vmread(VMCS_IDT_VEC_ERR);
		}
	}
	irq_restore(flags);		/* a pending host interrupt is taken here */
	return 0;
}

/* ---------------------------------------------------------------- registers */

static uint64_t *gpr(struct vmx_vcpu *x, enum vm_reg r)
{
	if ((unsigned)r > VM_REG_R15 || r == VM_REG_RSP)
		return NULL;
	return &((uint64_t *)&x->regs)[r];
}

static const uint32_t vmcs_reg[VM_REG_COUNT] = {
	[VM_REG_RSP] = VMCS_GUEST_RSP,
	[VM_REG_RIP] = VMCS_GUEST_RIP,
	[VM_REG_RFLAGS] = VMCS_GUEST_RFLAGS,
	[VM_REG_CR3] = VMCS_GUEST_CR3,
	[VM_REG_EFER] = VMCS_GUEST_EFER,
	[VM_REG_CS_BASE] = VMCS_GUEST_CS_BASE,
	[VM_REG_FS_BASE] = VMCS_GUEST_FS_BASE,
	[VM_REG_GS_BASE] = VMCS_GUEST_GS_BASE,
	[VM_REG_SYSENTER_CS] = VMCS_GUEST_SYSENTER_CS,
	[VM_REG_SYSENTER_ESP] = VMCS_GUEST_SYSENTER_ESP,
	[VM_REG_SYSENTER_EIP] = VMCS_GUEST_SYSENTER_EIP,
	[VM_REG_PAT] = VMCS_GUEST_PAT,
};

static uint64_t *lazy_msr(struct vmx_vcpu *x, enum vm_reg r)
{
	switch (r) {
	case VM_REG_KGS_BASE: return &x->kgs_base;
	case VM_REG_STAR: return &x->star;
	case VM_REG_LSTAR: return &x->lstar;
	case VM_REG_CSTAR: return &x->cstar;
	case VM_REG_SFMASK: return &x->sfmask;
	case VM_REG_XCR0: return &x->fpu.xcr0;
	default: return NULL;
	}
}

/* Callers run on the vCPU's pCPU with its VMCS current (exit handlers). */
static int vmx_get_reg(struct vcpu *v, enum vm_reg r, uint64_t *val)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t *p = gpr(x, r);

	if ((unsigned)r >= VM_REG_COUNT)
		return -EINVAL;
	if (p) {
		*val = *p;
		return 0;
	}
	ensure_loaded(v);
	if (r == VM_REG_KGS_BASE && this_cpu()->vmm_loaded == v) {
		*val = rdmsr(MSR_KERNEL_GS_BASE);	/* SWAPGS changes it freely */
		return 0;
	}
	if ((p = lazy_msr(x, r))) {
		*val = *p;
		return 0;
	}
	switch (r) {
	case VM_REG_CR0: {
		/* Bits the guest owns are live in the VMCS; masked ones are
		 * what it wrote (the read shadow). */
		uint64_t mask = vmread(VMCS_CR0_MASK);

		*val = (vmread(VMCS_GUEST_CR0) & ~mask) | (x->cr0_shadow & mask);
		return 0;
	}
	case VM_REG_CR4: {
		uint64_t mask = vmread(VMCS_CR4_MASK);

		*val = (vmread(VMCS_GUEST_CR4) & ~mask) | (x->cr4_shadow & mask);
		return 0;
	}
	case VM_REG_CPL:
		*val = (vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
		return 0;
	case VM_REG_INTR_SHADOW:
		*val = vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPT_STI | INTERRUPT_MOV_SS);
		return 0;
	case VM_REG_CS_MODE: {
		uint64_t ar = vmread(VMCS_GUEST_CS_AR);	/* bit 13 L, bit 14 D/B */

		*val = ((ar & (1u << 13)) && (vmread(VMCS_GUEST_EFER) & EFER_LMA)) ? 64 :
		       (ar & (1u << 14)) ? 32 : 16;
		return 0;
	}
	default:
		break;
	}
	if (!vmcs_reg[r])
		return -EINVAL;
	*val = vmread(vmcs_reg[r]);
	return 0;
}

static int vmx_set_reg(struct vcpu *v, enum vm_reg r, uint64_t val)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t *p = gpr(x, r);
	bool loaded = this_cpu()->vmm_loaded == v;

	if ((unsigned)r >= VM_REG_COUNT)
		return -EINVAL;
	if (p) {
		*p = val;
		return 0;
	}
	ensure_loaded(v);
	loaded = true;
	if ((p = lazy_msr(x, r))) {
		static const uint32_t msr[] = {
			[VM_REG_KGS_BASE] = MSR_KERNEL_GS_BASE, [VM_REG_STAR] = 0xc0000081,
			[VM_REG_LSTAR] = 0xc0000082, [VM_REG_CSTAR] = 0xc0000083,
			[VM_REG_SFMASK] = 0xc0000084,
		};

		if (r == VM_REG_XCR0) {
			guest_fpu_set_xcr0(&x->fpu, val, loaded && this_cpu()->fpu_owner == v);
			return 0;
		}
		*p = val;
		if (loaded) {
			wrmsr(msr[r], val);
		}
		return 0;
	}
	switch (r) {
	case VM_REG_CR0:
		x->cr0_shadow = val;
		vmwrite(VMCS_CR0_SHADOW, val);
		return vmwrite(VMCS_GUEST_CR0, fixed_cr0(val));
	case VM_REG_CR4:
		x->cr4_shadow = val;
		vmwrite(VMCS_CR4_SHADOW, val);
		return vmwrite(VMCS_GUEST_CR4, fixed_cr4(val));
	case VM_REG_EFER: {
		uint32_t entry = (uint32_t)vmread(VMCS_ENTRY_CTLS);

		/* IA-32e mode guest follows EFER.LMA (SDM Vol 3C 26.2.4). */
		if (val & EFER_LMA)
			entry |= ENTRY_GUEST_LONG_MODE;
		else
			entry &= ~ENTRY_GUEST_LONG_MODE;
		vmwrite(VMCS_ENTRY_CTLS, entry);
		return vmwrite(VMCS_GUEST_EFER, val);
	}
	case VM_REG_INTR_SHADOW: {
		uint64_t i = vmread(VMCS_GUEST_INTERRUPTIBILITY);

		i = (i & ~(uint64_t)(INTERRUPT_STI | INTERRUPT_MOV_SS)) |
		    (val & (INTERRUPT_STI | INTERRUPT_MOV_SS));
		return vmwrite(VMCS_GUEST_INTERRUPTIBILITY, i);
	}
	default:
		break;
	}
	if (!vmcs_reg[r])
		return -EINVAL;
	return vmwrite(vmcs_reg[r], val);
}

/* Moves RIP past an emulated instruction and ends an STI/MOV SS shadow
 * (SDM Vol 3C 25.4.2: the shadow covers only the next instruction). */
static void vmx_skip_insn(struct vcpu *v, unsigned len)
{
	uint64_t i;

	ensure_loaded(v);
	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
	i = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (i & (INTERRUPT_STI | INTERRUPT_MOV_SS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, i & ~(uint64_t)(INTERRUPT_STI | INTERRUPT_MOV_SS));
}

static int vmx_inject(struct vcpu *v, enum vm_event_type t, uint8_t vector,
		      bool has_error, uint32_t error)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t type = t == VM_EVENT_EXTINT ? INTR_TYPE_EXTINT :
			t == VM_EVENT_NMI ? INTR_TYPE_NMI : INTR_TYPE_HW_EXC;

	if (x->pending_intr)
		return -EBUSY;
	x->pending_intr = INTR_INFO_VALID | type | vector |
			  (has_error ? INTR_INFO_HAS_ERR : 0);
	x->pending_err = error;
	return 0;
}

static void vmx_want_intr_window(struct vcpu *v, bool on)
{
	uint32_t p;

	ensure_loaded(v);
	p = (uint32_t)vmread(VMCS_PROC_CTLS);

	vmwrite(VMCS_PROC_CTLS, on ? p | PROC_INTR_WINDOW : p & ~PROC_INTR_WINDOW);
}

static bool vmx_can_inject_intr(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	ensure_loaded(v);
	return !x->pending_intr && (vmread(VMCS_GUEST_RFLAGS) & (1u << 9)) &&
	       !(vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPT_STI | INTERRUPT_MOV_SS));
}

static bool vmx_event_queued(struct vcpu *v)
{
	return ((struct vmx_vcpu *)v->arch)->pending_intr != 0;
}

static int vmx_set_entry_state(struct vcpu *v, bool prot32, uint16_t cs, uint16_t ds,
			       uint64_t gdt_base, uint16_t gdt_limit)
{
	int r = 0;

	ensure_loaded(v);
	if (prot32) {
		/* 32-bit flat, paging off (Multiboot Specification 3.2):
		 * needs unrestricted guest (SDM 26.3.1.1). */
		if (!caps.unrestricted)
			return -ENODEV;
		r |= vmx_set_reg(v, VM_REG_EFER, 0);
		r |= vmx_set_reg(v, VM_REG_CR0, X86_CR0_PE | X86_CR0_ET);
		r |= vmx_set_reg(v, VM_REG_CR4, 0);
		r |= vmwrite(VMCS_GUEST_CR3, 0);
		r |= vmwrite(VMCS_GUEST_CS_AR, 0xc09b);		/* code, D, G */
		r |= vmwrite(VMCS_GUEST_TR_AR, 0x8b);
		r |= vmwrite(VMCS_GUEST_TR_LIMIT, 0xffff);
	}
	if (cs) {
		r |= vmwrite(VMCS_GUEST_CS_SEL, cs);
		for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
			r |= vmwrite(data_segs[i][0], ds);
	}
	r |= vmwrite(VMCS_GUEST_GDTR_BASE, gdt_base);
	r |= vmwrite(VMCS_GUEST_GDTR_LIMIT, gdt_limit);
	return r ? -EIO : 0;
}

/* The state after INIT and a start-up IPI (SDM Vol 3A 8.4.4 and Table
 * 9-1): real mode at vector * 4096. Needs unrestricted guest (SDM 26.3.1.1
 * otherwise demands protected mode with paging). */
static int vmx_vcpu_sipi(struct vcpu *v, uint8_t vector)
{
	struct vmx_vcpu *x = v->arch;
	int r = 0;

	if (!caps.unrestricted)
		return -ENODEV;
	ensure_loaded(v);
	r |= vmx_set_reg(v, VM_REG_EFER, 0);
	r |= vmx_set_reg(v, VM_REG_CR0, X86_CR0_ET);
	r |= vmx_set_reg(v, VM_REG_CR4, 0);
	r |= vmwrite(VMCS_GUEST_CR3, 0);
	r |= vmwrite(VMCS_GUEST_CS_SEL, (uint64_t)vector << 8);
	r |= vmwrite(VMCS_GUEST_CS_BASE, (uint64_t)vector << 12);
	r |= vmwrite(VMCS_GUEST_CS_LIMIT, 0xffff);
	r |= vmwrite(VMCS_GUEST_CS_AR, 0x9b);
	for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
		r |= vmwrite(data_segs[i][0], 0);
		r |= vmwrite(data_segs[i][1], 0);
		r |= vmwrite(data_segs[i][2], 0xffff);
		r |= vmwrite(data_segs[i][3], 0x93);
	}
	r |= vmwrite(VMCS_GUEST_TR_LIMIT, 0xffff);
	r |= vmwrite(VMCS_GUEST_TR_AR, 0x8b);
	r |= vmwrite(VMCS_GUEST_GDTR_BASE, 0);
	r |= vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	r |= vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	r |= vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	r |= vmwrite(VMCS_GUEST_RFLAGS, 0x2);
	r |= vmwrite(VMCS_GUEST_RIP, 0);
	r |= vmwrite(VMCS_GUEST_RSP, 0);
	r |= vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	r |= vmwrite(VMCS_GUEST_ACTIVITY, 0);
	x->pending_intr = 0;
	for (int i = VM_REG_RAX; i <= VM_REG_R15; i++)
		if (i != VM_REG_RSP)
			v->gpr[i] = 0;
	return r ? -EIO : 0;
}

const struct vmm_ops vmx_ops = {
	.name = "vmx",
	.hw_init = vmx_hw_init,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vm_map = vmx_vm_map,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_run = vmx_vcpu_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.skip_insn = vmx_skip_insn,
	.inject = vmx_inject,
	.want_intr_window = vmx_want_intr_window,
	.can_inject_intr = vmx_can_inject_intr,
	.event_queued = vmx_event_queued,
	.set_entry_state = vmx_set_entry_state,
	.vcpu_sipi = vmx_vcpu_sipi,
};
