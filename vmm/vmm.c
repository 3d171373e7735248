/* Choosing the back end, per-CPU work for VMs, exit statistics. */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "vmm/vm.h"
#include "vmm/vmm_priv.h"

const struct vmm_ops *vmm;
uint64_t vmm_xcr0_host = 1;

int vmm_init(void)
{
	const struct vmm_ops *ops = arch_vmm_select();
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 26)) {			/* XSAVE */
		cpuid(0xd, 0, &a, &b, &c, &d);
		vmm_xcr0_host = a | 1;
	}

	if (!ops) {
		pr_warn("vmm: neither VT-x nor AMD-V on this CPU; VMs cannot run");
		return -ENODEV;
	}
	if (ops->hw_init())
		return -ENODEV;
	vmm = ops;
	return 0;
}

int vmm_init_ap(void)
{
	return vmm ? vmm->hw_init() : -ENODEV;
}

struct on_cpu {
	int (*fn)(void *, void *);
	void *a, *b;
	volatile int done;
	int ret;
};

static void on_cpu_task(void *arg)
{
	struct on_cpu *oc = arg;

	oc->ret = oc->fn(oc->a, oc->b);
	__atomic_store_n(&oc->done, 1, __ATOMIC_RELEASE);
}

int vmm_on_cpu(uint32_t cpu, int (*fn)(void *a, void *b), void *a, void *b)
{
	struct on_cpu *oc;
	int r;

	if (cpu == this_cpu()->cpu)
		return fn(a, b);
	oc = kzalloc(sizeof(*oc));
	if (!oc)
		return -ENOMEM;
	oc->fn = fn;
	oc->a = a;
	oc->b = b;
	if (!task_create("vmm-on-cpu", cpu, on_cpu_task, oc)) {
		kfree(oc);
		return -ENOMEM;
	}
	/* The boot path calls this before its own CPU schedules; a task
	 * yields while it waits. */
	while (!__atomic_load_n(&oc->done, __ATOMIC_ACQUIRE)) {
		if (task_current())
			sched_yield();
		cpu_relax();
	}
	r = oc->ret;
	kfree(oc);
	return r;
}

int vcpu_setup(void *vcpu, void *entry)
{
	struct vcpu *v = vcpu;
	const struct guest_entry *ge = entry;
	int r = vmm->vcpu_init(v);

	if (r)
		return r;
	v->dr6 = 0xffff0ff0;	/* power-on values (SDM Vol 3B 17.2) */
	v->dr7 = 0x400;
	/* On the PC platform application processors wait for INIT/SIPI
	 * (pc_attach_vcpu); the test guests start every vCPU at the
	 * image's entry point, each with its own stack. */
	r |= vmm->set_reg(v, VM_REG_RIP, ge->rip);
	r |= vmm->set_reg(v, VM_REG_RSP, ge->rsp - 0x10000 * v->id);
	r |= vmm->set_reg(v, VM_REG_CR3, ge->cr3);
	r |= vmm->set_reg(v, VM_REG_RDI, v->id);
	r |= vmm->set_reg(v, VM_REG_RSI, ge->rsi);
	r |= vmm->set_reg(v, VM_REG_RAX, ge->rax);
	r |= vmm->set_reg(v, VM_REG_RBX, ge->rbx);
	if (ge->gdt_limit || ge->mode != GUEST_MODE_LONG)
		r |= vmm->set_entry_state(v, ge->mode == GUEST_MODE_PROT32, ge->cs, ge->ds,
					  ge->gdt_base, ge->gdt_limit);
	return r ? -EIO : 0;
}

int vcpu_teardown(void *vcpu, void *unused)
{
	(void)unused;
	vmm->vcpu_destroy(vcpu);
	return 0;
}

static const char *const exit_names[VM_EXIT_COUNT] = {
	[VM_EXIT_NONE] = "none", [VM_EXIT_CPUID] = "cpuid", [VM_EXIT_IO] = "io",
	[VM_EXIT_MMIO] = "mmio", [VM_EXIT_HLT] = "hlt", [VM_EXIT_RDMSR] = "rdmsr",
	[VM_EXIT_WRMSR] = "wrmsr", [VM_EXIT_CR] = "cr", [VM_EXIT_XSETBV] = "xsetbv",
	[VM_EXIT_EXTINT] = "extint", [VM_EXIT_INTR_WINDOW] = "intr-window",
	[VM_EXIT_PREEMPT] = "preempt", [VM_EXIT_TRIPLE_FAULT] = "triple-fault",
	[VM_EXIT_VIRT_INSN] = "vmx-insn", [VM_EXIT_PRIV_INSN] = "priv-insn",
	[VM_EXIT_CACHE_FLUSH] = "cache-flush", [VM_EXIT_EXCEPTION] = "exception",
	[VM_EXIT_ENTRY_FAIL] = "entry-fail", [VM_EXIT_DR] = "dr", [VM_EXIT_UNKNOWN] = "unknown",
};

const char *vm_exit_name(enum vm_exit_code c)
{
	return (unsigned)c < VM_EXIT_COUNT && exit_names[c] ? exit_names[c] : "?";
}

void vmm_print_stats(struct vm *vm)
{
	uint64_t mhz = tsc_hz() / 1000000 ? tsc_hz() / 1000000 : 1;


	for (int c = 0; c < VM_EXIT_COUNT; c++) {
		uint64_t n = 0, t = 0;

		for (uint32_t i = 0; i < vm->nvcpus; i++) {
			n += vm->vcpus[i]->stats.count[c];
			t += vm->vcpus[i]->stats.tsc[c];
		}
		if (n)
			pr_info("vm %s:   exits %-12s %10llu  %8llu us handling",
				vm->name, exit_names[c] ? exit_names[c] : "?",
				(unsigned long long)n, (unsigned long long)(t / mhz));
	}
}
