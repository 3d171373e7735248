/* AP start-up: INIT-SIPI-SIPI through the trampoline (SDM Vol 3A 8.4.4). */
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/smp_priv.h"
#include "arch/x86_64/trap.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "vmm/vmm.h"

extern const char ap_tramp_start[], ap_tramp_end[], ap_boot_data[];
static volatile uint32_t smp_released;

void cpu_setup_protections(void)
{
	uint64_t cr4 = read_cr4();

	/* SMEP/SMAP: supervisor never executes or touches user pages (there
	 * are none on the host: any such access is a bug or an attack).
	 * UMIP: SGDT/SIDT/SLDT/SMSW/STR fault outside ring 0. */
	if (cpu_feat.smep)
		cr4 |= CR4_SMEP;
	if (cpu_feat.smap)
		cr4 |= CR4_SMAP;
	if (cpu_feat.umip)
		cr4 |= CR4_UMIP;
	if (cpu_feat.pge)
		cr4 |= CR4_PGE;
	/* FXSAVE/XSAVE switch guests' FPU state; the host itself never
	 * touches FPU/SSE registers (-mgeneral-regs-only). */
	if (cpu_feat.fxsr)
		cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (cpu_feat.xsave)
		cr4 |= X86_CR4_OSXSAVE;
	write_cr4(cr4);
	write_cr0(read_cr0() | CR0_WP);
	if (cpu_feat.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}

static void timer_tick(struct trap_frame *tf)
{
	(void)tf;
	this_cpu()->ticks++;
	sched_tick();
}

__attribute__((noreturn)) void ap_main(struct percpu *pc);
__attribute__((noreturn)) void ap_main(struct percpu *pc)
{
	gdt_load(pc);
	idt_load();
	cpu_setup_protections();
	lapic_init_ap();
	vmm_init_ap();
	__atomic_store_n(&pc->online, 1, __ATOMIC_RELEASE);

	/* The BSP removes the trampoline's identity mapping once every AP is
	 * up; reloading CR3 drops any TLB entry for it. */
	while (!__atomic_load_n(&smp_released, __ATOMIC_ACQUIRE))
		cpu_relax();
	write_cr3(read_cr3());
	lapic_timer_oneshot(1000000000ull / SCHED_HZ);
	sched_start();
}

static struct percpu *percpu_new(uint32_t cpu, uint32_t apic_id)
{
	struct percpu *pc = kzalloc(sizeof(*pc));

	if (!pc)
		return NULL;
	pc->cpu = cpu;
	pc->apic_id = apic_id;
	pc->stack_top = kstack_alloc();
	for (int i = 0; i < 3; i++)
		pc->ist_top[i] = kstack_alloc();
	if (!pc->stack_top || !pc->ist_top[0] || !pc->ist_top[1] || !pc->ist_top[2]) {
		kfree(pc);	/* the stack slots are not reused: a boot-time loss */
		return NULL;
	}
	return pc;
}

static bool wait_online(struct percpu *pc, uint64_t us)
{
	for (uint64_t t = 0; t < us; t += 100) {
		if (__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE))
			return true;
		udelay(100);
	}
	return false;
}

uint32_t smp_start(const uint32_t *apic_ids, uint32_t n)
{
	uint32_t self = lapic_id(), online = 1;
	size_t tsize = (size_t)(ap_tramp_end - ap_tramp_start);
	struct ap_boot *ab;

	trap_set_handler(VEC_TIMER, timer_tick);
	if (n <= 1)
		goto done;
	if (mm_identity_map_page(AP_TRAMP_PA, 1)) {
		pr_err("smp: cannot map the start-up trampoline");
		goto done;
	}
	memcpy(phys_to_virt(AP_TRAMP_PA), ap_tramp_start, tsize);
	ab = (struct ap_boot *)((char *)phys_to_virt(AP_TRAMP_PA) +
				(ap_boot_data - ap_tramp_start));
	ab->cr3 = (uint32_t)read_cr3();
	ab->cr4 = (uint32_t)(read_cr4() & (CR4_PAE | CR4_PGE));
	ab->efer = (1u << 8) | (cpu_feat.nx ? EFER_NXE : 0);
	ab->entry = (uint64_t)(uintptr_t)ap_main;

	for (uint32_t i = 0; i < n && ncpus < MAX_CPUS; i++) {
		struct percpu *pc;

		if (apic_ids[i] == self)
			continue;
		pc = percpu_new(ncpus, apic_ids[i]);
		if (!pc) {
			pr_err("smp: out of memory for cpu %u", ncpus);
			break;
		}
		ab->stack = pc->stack_top;
		ab->arg = (uint64_t)(uintptr_t)pc;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);

		lapic_send_init(apic_ids[i]);
		udelay(10000);
		lapic_send_sipi(apic_ids[i], AP_TRAMP_PA >> 12);
		if (!wait_online(pc, 1000)) {
			lapic_send_sipi(apic_ids[i], AP_TRAMP_PA >> 12);
			wait_online(pc, 200000);
		}
		if (!pc->online) {
			pr_warn("smp: cpu with APIC id %u did not start", apic_ids[i]);
			continue;	/* pc stays allocated: the AP may still wake */
		}
		cpus[ncpus++] = pc;
		online++;
		pr_info("smp: cpu %u online (APIC id %u)", pc->cpu, pc->apic_id);
	}
	mm_identity_map_page(AP_TRAMP_PA, 0);
done:
	__atomic_store_n(&smp_released, 1, __ATOMIC_RELEASE);
	/* Tasks can be given to an AP once it schedules. */
	for (uint32_t i = 1; i < ncpus; i++)
		for (int t = 0; t < 10000 && !__atomic_load_n(&cpus[i]->sched_ready, __ATOMIC_ACQUIRE); t++)
			udelay(10);
	return online;
}

struct percpu *percpu_bsp_new(uint32_t apic_id);
struct percpu *percpu_bsp_new(uint32_t apic_id)
{
	return percpu_new(0, apic_id);
}
