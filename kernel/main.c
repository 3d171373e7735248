/*
 * Bastion's init order. entry.S arrives here on the boot stack with the
 * boot page tables (identity 0-4 GiB, kernel at -2 GiB), interrupts off.
 */
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap.h"
#include "boot/bootinfo.h"
#include "drivers/acpi.h"
#include "drivers/uart16550.h"
#include "kernel/bootcfg.h"
#include "kernel/console.h"
#include "kernel/drbg.h"
#include "kernel/entropy.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/system.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "net/netstack.h"
#include "kernel/sched.h"
#include "vmm/vmm.h"
#include "drivers/cmos.h"
#include "drivers/nic.h"
#include "net/vnet.h"
#include "vmm/loader.h"

void heap_setup(void);
struct percpu *percpu_bsp_new(uint32_t apic_id);
void kmain(uint32_t magic, uint32_t info_pa);

static struct boot_info bootinfo;
static struct bootcfg config;
static struct percpu bsp_early;
static char early_ist[3][4096] __attribute__((aligned(16)));

/* What the boot-info parser read, for "bootinfo.dump": the captures feed
 * the host unit tests (tests/unit/data/bootinfo/). */
static struct {
	uint64_t pa;
	uint32_t len;
} early_reads[64];
static uint32_t n_early_reads;

static const void *early_map(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	/* The boot tables identity-map the first 4 GiB. */
	if (pa + len < pa || pa + len > (4ull << 30))
		return NULL;
	for (uint32_t i = 0; i < n_early_reads; i++) {
		uint64_t b = early_reads[i].pa, e = b + early_reads[i].len;

		if (pa <= e && pa + len >= b) {	/* overlaps or touches: grow */
			uint64_t nb = pa < b ? pa : b, ne = pa + len > e ? pa + len : e;

			if (ne - nb <= UINT32_MAX) {
				early_reads[i].pa = nb;
				early_reads[i].len = (uint32_t)(ne - nb);
				return (const void *)(uintptr_t)pa;
			}
		}
	}
	if (n_early_reads < 64 && len <= UINT32_MAX) {
		early_reads[n_early_reads].pa = pa;
		early_reads[n_early_reads++].len = (uint32_t)len;
	}
	return (const void *)(uintptr_t)pa;
}

static void dump_early_reads(uint32_t magic, uint32_t info_pa)
{
	pr_info("bootdump: magic %x info %x", magic, info_pa);
	for (uint32_t i = 0; i < n_early_reads; i++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)early_reads[i].pa;

		for (uint32_t off = 0; off < early_reads[i].len; off += 32) {
			char hex[65];
			uint32_t n = early_reads[i].len - off < 32 ? early_reads[i].len - off : 32;

			for (uint32_t j = 0; j < n; j++)
				ksnprintf(hex + 2 * j, 3, "%02x", p[off + j]);
			pr_info("bootdump: %llx %s",
				(unsigned long long)(early_reads[i].pa + off), hex);
		}
	}
}

static const void *physmap_read(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	return mm_map_phys(pa, len, 0);
}

static const char *on(bool b)
{
	return b ? "on" : "off";
}

static void report_memory(void)
{
	static const char *const names[] = {
		"?", "usable", "reserved", "ACPI tables", "ACPI NVS", "bad",
	};
	uint64_t ks, ke;

	for (uint32_t i = 0; i < bootinfo.nmem; i++) {
		const struct boot_mem_range *m = &bootinfo.mem[i];

		pr_info("mem: [%#014llx-%#014llx] %s", (unsigned long long)m->base,
			(unsigned long long)(m->base + m->len - 1),
			m->type < 6 ? names[m->type] : "?");
	}
	mm_kernel_image(&ks, &ke);
	pr_info("mem: usable %llu MiB in %u ranges; kernel %#llx-%#llx, %u module(s)",
		(unsigned long long)(bootinfo_usable_bytes(&bootinfo) >> 20),
		bootinfo.nmem, (unsigned long long)ks, (unsigned long long)ke,
		bootinfo.nmods);
}

static void report_protections(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	bool nx = rdmsr(MSR_EFER) & EFER_NXE;

	pr_info("protections: NX %s, SMEP %s, SMAP %s, UMIP %s, WP %s", on(nx),
		on(cr4 & CR4_SMEP), on(cr4 & CR4_SMAP), on(cr4 & CR4_UMIP),
		on(cr0 & CR0_WP));
	pr_info("protections: W^X kernel mappings (text RX, rodata R, data NX), "
		"guard pages under all stacks, stack protector");
}

/* Test-only faults (command line test.fault=KIND), run after ready. */
static void __attribute__((noinline)) test_fault(const char *kind)
{
	extern char _text[];
	static volatile int zero;
	static volatile uint64_t *volatile bad_ptr[2] = {
		(volatile uint64_t *)16, (volatile uint64_t *)0x8000000000000000ull,
	};

	pr_info("test: triggering fault '%s'", kind);
	if (!strcmp(kind, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(kind, "pf"))
		*bad_ptr[0] = 1;			/* nothing is mapped at 16 */
	else if (!strcmp(kind, "gp"))
		*bad_ptr[1] = 1;			/* non-canonical */
	else if (!strcmp(kind, "de"))
		zero = 1 / zero;
	else if (!strcmp(kind, "wx"))
		*(volatile uint8_t *)_text = 0xcc;		/* text is not writable */
	else if (!strcmp(kind, "nx"))
		((void (*)(void))(uintptr_t)&zero)();		/* data is not executable */
	else if (!strcmp(kind, "panic"))
		panic("test panic");
	else
		pr_warn("test: unknown fault kind '%s'", kind);
}

static volatile uint64_t overflow_depth = ~0ull;

/* Recurses into the guard page below the stack: #PF, then #DF on IST. */
static void test_stack_overflow(volatile char *p)
{
	volatile char pad[512];

	pad[0] = p ? *p : 0;
	if (--overflow_depth)
		test_stack_overflow(pad);
	pad[1] = 0;
}

static void kmain_stage2(void);

static struct fw_rule rules_in[BOOTCFG_MAX_RULES], rules_out[BOOTCFG_MAX_RULES];
static char cmdline[LOADER_CMDLINE_MAX];

/* VM number i's port on the switch, from the boot config, and the
 * command line that tells its init the addresses (tools/mkimage/README.md:
 * bastion.ip, bastion.gw, bastion.mac, bastion.hostname). */
static void vm_network(uint32_t i, struct vnet_attach *na, char *line, size_t len)
{
	const struct bootcfg_vm *c = &config.vms[i];
	size_t n;

	na->network = config.nets[c->network].name;
	if (c->has_mac) {
		memcpy(na->mac, c->mac, 6);
	} else {
		const uint8_t mac[6] = { 0x02, 0x42, 0x41, 0x53, 0x01, (uint8_t)i };

		memcpy(na->mac, mac, 6);
	}
	if (c->has_ipv4) {
		na->has_ip4 = true;
		for (int b = 0; b < 4; b++)
			na->ip4[b] = (uint8_t)(c->ipv4.addr >> (24 - 8 * b));
	}
	na->nlabels = c->nlabels;
	na->labels = c->labels;
	if (bootcfg_vm_rules(&config, i, false, rules_in, BOOTCFG_MAX_RULES, &na->nin))
		na->nin = 0;		/* no list: deny everything */
	if (bootcfg_vm_rules(&config, i, true, rules_out, BOOTCFG_MAX_RULES, &na->nout))
		na->nout = 0;
	na->in = rules_in;
	na->out = rules_out;
	n = (size_t)ksnprintf(line, len, "%s bastion.hostname=%s bastion.mac=%02x:%02x:%02x:%02x:%02x:%02x",
			      c->cmdline ? c->cmdline : "", c->name, na->mac[0], na->mac[1],
			      na->mac[2], na->mac[3], na->mac[4], na->mac[5]);
	if (c->has_ipv4 && n < len)
		n += (size_t)ksnprintf(line + n, len - n, " bastion.ip=%u.%u.%u.%u/%u",
				       na->ip4[0], na->ip4[1], na->ip4[2], na->ip4[3],
				       c->ipv4.prefix);
	if (c->gateway && n < len)
		ksnprintf(line + n, len - n, " bastion.gw=%u.%u.%u.%u", c->gateway >> 24,
			  (c->gateway >> 16) & 0xff, (c->gateway >> 8) & 0xff, c->gateway & 0xff);
}

/* The virtual switch and the networks of the boot config (its task
 * needs the scheduler: called from the monitor task), and the NIC as its
 * uplink. */
static struct nic *uplink;

static void start_switch(void)
{
	int r = vnet_init();

	for (uint32_t i = 0; !r && i < config.nnets; i++)
		r = vnet_net_add(config.nets[i].name, config.nets[i].vlan, config.nets[i].uplink);
	if (r) {
		pr_err("switch: cannot start (%d): VMs get no network", r);
		return;
	}
	pr_info("switch: %u network(s), stateful firewall on every port", config.nnets);
	r = nic_probe(&uplink);
	if (r) {
		pr_warn("uplink: no supported NIC (%d): the uplink networks stay inside this host", r);
		return;
	}
	r = vnet_uplink_attach(uplink);
	if (r)
		pr_err("uplink: %s not attached to the switch (%d)", uplink->name, r);
	else
		pr_info("uplink: %s %02x:%02x:%02x:%02x:%02x:%02x on the switch, link %s", uplink->name,
			uplink->mac[0], uplink->mac[1], uplink->mac[2], uplink->mac[3],
			uplink->mac[4], uplink->mac[5], uplink->link_up(uplink) ? "up" : "down");
}

/* Starts the VMs the boot config declares; a VM that cannot be created
 * is reported and skipped, the others still start. */
static void start_config_vms(void)
{
	for (uint32_t i = 0; i < config.nvms; i++) {
		const struct bootcfg_vm *c = &config.vms[i];
		const struct boot_module *m = bootinfo_find_module(&bootinfo, c->kernel);
		struct vm_config vc = { c->name, c->memory_mib, c->vcpus, NULL, 0, NULL, 0, NULL, NULL };
		struct vnet_attach na = { 0 };
		char err[120];
		struct vm *vm;
		int r;

		if (!m) {
			pr_err("vm %s: no boot module named \"%s\"", c->name, c->kernel);
			continue;
		}
		vc.image = phys_to_virt(m->start);
		vc.image_len = (size_t)(m->end - m->start);
		vc.cmdline = c->cmdline;
		if (c->network >= 0) {
			vm_network(i, &na, cmdline, sizeof(cmdline));
			vc.net = &na;
			vc.cmdline = cmdline;
		}
		if (c->initrd[0]) {
			const struct boot_module *rd = bootinfo_find_module(&bootinfo, c->initrd);

			if (!rd) {
				pr_err("vm %s: no boot module named \"%s\"", c->name, c->initrd);
				continue;
			}
			vc.initrd = phys_to_virt(rd->start);
			vc.initrd_len = (size_t)(rd->end - rd->start);
		}
		r = vm_create(&vc, &vm, err, sizeof(err));
		if (r) {
			pr_err("vm %s: not created: %s", c->name, err);
			continue;
		}
		vm_start(vm);
		pr_info("vm %s: started, %u MiB, %u vCPU(s)", c->name, c->memory_mib, c->vcpus);
	}
}

/* The host's own service task on CPU 0: starts the serial console and the
 * configured VMs, then runs the heartbeat that proves no guest starves the
 * host, and, for tests, the end of the run: with test.exit the host stops
 * once every VM has stopped; with test.timeout=N, the VMs still running
 * after N seconds in which none stopped are stopped first (a slow machine
 * only waits longer, it never cuts a guest short). */
static uint64_t free_before_vms;

static const void *find_module(const char *name, size_t *len)
{
	const struct boot_module *m = bootinfo_find_module(&bootinfo, name);

	if (!m)
		return NULL;
	*len = (size_t)(m->end - m->start);
	return phys_to_virt(m->start);
}

static void monitor_task(void *arg)
{
	char buf[16];
	uint64_t timeout = 0, start = time_ms(), beat = 0, last_change = start;
	unsigned last_running = ~0u;
	bool test_exit = bootinfo_cmdline_opt(bootinfo.cmdline, "test.exit", NULL, 0);
	bool heartbeat = bootinfo_cmdline_opt(bootinfo.cmdline, "test.heartbeat", NULL, 0);

	(void)arg;
	/* Not in test.exit runs: with a spinning guest and another vCPU on
	 * the same CPU, the console's 100 Hz polling has been seen to stall
	 * that vCPU (an open scheduler bug, see the note on issue 3); the
	 * console has its own test. */
	start_switch();
	if (test_exit)
		pr_info("console: serial line off in test.exit runs");
	if (console_start(find_module, &config, !test_exit))
		pr_err("console: cannot start the console service");
	else if (!test_exit)
		pr_info("console: JSON-RPC on the serial line (kernel/RPC.md), "
			"e.g. {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vm.list\"}");
	kheap_trim();
	free_before_vms = page_free_count();
	start_config_vms();
	if (bootinfo_cmdline_opt(bootinfo.cmdline, "test.timeout", buf, sizeof(buf)))
		for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
			timeout = timeout * 10 + (uint64_t)(*p - '0');
	for (;;) {
		uint64_t now = time_ms() - start;

		if (heartbeat && now / 1000 > beat) {
			beat = now / 1000;
			pr_info("monitor: heartbeat %llu", (unsigned long long)beat);
		}
		if (test_exit) {
			unsigned running = vm_count_running();

			if (running != last_running) {
				last_running = running;
				last_change = time_ms();
			}
			if (timeout && time_ms() - last_change >= timeout * 1000 && running) {
				pr_info("monitor: test timeout, stopping the VMs still running");
				sched_dump();
				vm_stop_all();
			}
			if (!vm_count_running()) {
				vm_print_all();
				vnet_print();
				vm_destroy_all();
				kheap_trim();
				pr_info("vmm: after destroying every VM, %llu pages free (%llu before any VM)",
					(unsigned long long)page_free_count(),
					(unsigned long long)free_before_vms);
				system_shutdown(STATUS_OK);
			}
		}
		vm_tick();
		sched_block(rdtsc() + tsc_hz() / 10);	/* every 100 ms */
	}
}

/* Waits up to 100 ms for this CPU's tick count to move past t0. */
static bool tick_after(uint64_t t0)
{
	uint64_t w = time_ns();

	while (this_cpu()->ticks == t0 && time_ns() - w < 100000000)
		__asm__ volatile("hlt");
	return this_cpu()->ticks != t0;
}

/* Proves both timer modes deliver interrupts before we call it ready. */
static void timer_selftest(void)
{
	bool periodic, oneshot;
	uint64_t t0 = this_cpu()->ticks, t1;

	periodic = tick_after(t0) && tick_after(t0 + 1);
	lapic_timer_oneshot(0);
	t1 = this_cpu()->ticks;
	lapic_timer_oneshot(2000000);			/* 2 ms */
	oneshot = tick_after(t1);
	lapic_timer_oneshot(1000000000ull / SCHED_HZ);	/* the scheduler re-arms it */
	pr_info("timer: LAPIC periodic 100 Hz %s, one-shot %s",
		periodic ? "ok" : "FAILED", oneshot ? "ok" : "FAILED");
}

/* Runs fn on a new stack; never returns. */
static __attribute__((noreturn)) void switch_stack(uint64_t top, void (*fn)(void))
{
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "pushq $0\n\t"
			 "jmp *%1" : : "r"(top), "r"(fn) : "memory");
	__builtin_unreachable();
}

void kmain(uint32_t magic, uint32_t info_pa)
{
	char err[120];
	struct phys_reader rd = { early_map, NULL };
	int r;

	time_mark_boot();
	uart_init(0x3f8, 115200);
	pr_info("\nBastion " BASTION_VERSION " - x86_64 hypervisor");
	cpu_detect();

	bsp_early.cpu = 0;
	for (int i = 0; i < 3; i++)
		bsp_early.ist_top[i] = (uint64_t)(uintptr_t)early_ist[i] + sizeof(early_ist[i]);
	gdt_load(&bsp_early);
	idt_init();
	idt_load();

	r = bootinfo_parse(magic, info_pa, &rd, &bootinfo, err, sizeof(err));
	if (r)
		panic("boot: unusable boot information: %s", err);
	pr_info("boot: %s loader \"%s\" cmdline \"%s\"%s",
		bootinfo.proto == BOOT_MB1 ? "multiboot1" : "multiboot2",
		bootinfo.loader[0] ? bootinfo.loader : "?", bootinfo.cmdline,
		bootinfo.cmdline_truncated ? " (truncated)" : "");
	system_init(bootinfo.cmdline);
	if (bootinfo_cmdline_opt(bootinfo.cmdline, "bootinfo.dump", NULL, 0))
		dump_early_reads(magic, info_pa);
	if (bootinfo_cmdline_opt(bootinfo.cmdline, "log.debug", NULL, 0))
		log_set_console_level(LOG_DEBUG);
	pr_info("cpu: %s %s%s%s%s", cpu_feat.vendor, cpu_feat.brand,
		cpu_feat.vmx ? ", VT-x" : "", cpu_feat.svm ? ", AMD-V" : "",
		cpu_feat.hypervisor ? " (under a hypervisor)" : "");

	mm_init(&bootinfo);
	heap_setup();
	report_memory();

	switch_stack(kstack_alloc(), kmain_stage2);
}

static void kmain_stage2(void)
{
	struct phys_reader rd = { physmap_read, NULL };
	const struct boot_module *cfgmod;
	struct acpi_cpus acpi;
	struct percpu *bsp;
	char fault[16];
	uint32_t online;
	int r;

	/* The BSP's permanent per-CPU block, with guarded IST stacks. */
	bsp = percpu_bsp_new(0);
	if (!bsp)
		panic("percpu: out of memory");
	gdt_load(bsp);
	cpus[0] = bsp;
	cpu_setup_protections();

	pr_info("entropy: %s", entropy_init());
	r = drbg_selftest();
	if (r)
		pr_err("entropy: CTR-DRBG self-test FAILED (%d)", r);
	r = r ? r : drbg_init();
	if (r)
		pr_err("entropy: CTR-DRBG failed to seed (%d)", r);
	else
		pr_info("entropy: CTR-DRBG self-test passed, seeded");

	lapic_init();
	bsp->apic_id = lapic_id();
	lapic_calibrate();
	pr_info("time: TSC %llu MHz, LAPIC timer %llu kHz, %s mode",
		(unsigned long long)(tsc_hz() / 1000000),
		(unsigned long long)(lapic_timer_hz() / 1000),
		lapic_x2apic() ? "x2APIC" : "xAPIC");

	r = acpi_find_cpus(&rd, bootinfo.have_rsdp ? bootinfo.rsdp : NULL, &acpi);
	if (r) {
		pr_warn("acpi: no usable MADT (%d); starting the boot CPU only", r);
		acpi.n = 1;
		acpi.apic_id[0] = bsp->apic_id;
	}
	cmos_init();
	vmm_init();
	online = smp_start(acpi.apic_id, acpi.n);
	pr_info("smp: %u of %u CPUs online", online, acpi.n);
	report_protections();

	lapic_timer_periodic(100);
	irq_enable();

	cfgmod = bootinfo_find_module(&bootinfo, "bootcfg");
	if (cfgmod)
		bootcfg_load(phys_to_virt(cfgmod->start),
			     (size_t)(cfgmod->end - cfgmod->start), &config);
	else
		bootcfg_load(NULL, 0, &config);
	if (!bootinfo_cmdline_opt(bootinfo.cmdline, "log.debug", NULL, 0))
		log_set_console_level(config.log_level);

	r = netstack_init();
	pr_info("net: lwIP %s", r ? "failed to start" : "ready (no interfaces yet)");

	timer_selftest();
	pr_info("mem: %llu of %llu pages free",
		(unsigned long long)page_free_count(),
		(unsigned long long)page_total_count());
	pr_info("bastion: ready in %llu ms", (unsigned long long)time_ms());

	if (bootinfo_cmdline_opt(bootinfo.cmdline, "test.fault", fault, sizeof(fault))) {
		if (!strcmp(fault, "stack"))
			test_stack_overflow(NULL);
		test_fault(fault);
	}
	/* From here the boot context is CPU 0's idle task; the rest of the
	 * start-up (VMs, then the monitor loop) is a task like any other, so
	 * a guest that spins cannot starve it. */
	sched_init_cpu();
	if (!task_create("init", 0, monitor_task, NULL))
		panic("sched: cannot start the init task");
	sched_start();
}
