/* IDT, trap dispatch and the fatal exception report. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/trap.h"
#include "kernel/fmt.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/system.h"

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "isr.S frame");

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

extern const char isr_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler handlers[256];

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(isr_stubs + 16 * v);
		struct idt_gate *g = &idt[v];

		g->off_lo = a & 0xffff;
		g->off_mid = (a >> 16) & 0xffff;
		g->off_hi = a >> 32;
		g->sel = SEL_KCODE;
		g->type = 0x8e;		/* present, DPL 0, interrupt gate */
		g->ist = 0;
	}
	/* Faults that can come with a broken stack get their own. */
	idt[8].ist = IST_DF;
	idt[2].ist = IST_NMI;
	idt[18].ist = IST_MC;
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void trap_set_handler(uint8_t vec, irq_handler fn)
{
	handlers[vec] = fn;
}

static void emerg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emerg(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	log_emergency(line, (size_t)n);
}

static void print_frame(int i, uint64_t addr)
{
	uint64_t off;
	const char *s = ksyms_lookup(addr, &off);

	if (s)
		emerg("  #%d %016llx %s+%#llx\n", i, (unsigned long long)addr, s,
		      (unsigned long long)off);
	else
		emerg("  #%d %016llx\n", i, (unsigned long long)addr);
}

/* A frame pointer is followed only while it stays in kernel memory and
 * 8-byte aligned, moving up the stack: a corrupt chain stops the walk,
 * it never faults. */
static bool frame_ok(uint64_t rbp, uint64_t prev)
{
	if (!rbp || (rbp & 7) || rbp <= prev || rbp + 16 < rbp)
		return false;
	if (!(rbp >= KSTACK_BASE && rbp < KSTACK_BASE + (uint64_t)KSTACK_SLOTS * KSTACK_SLOT) &&
	    !(rbp >= KERNEL_VMA))	/* the boot and early IST stacks live in .bss */
		return false;
	/* Both words of the frame must be readable (a frame may straddle a
	 * page boundary). */
	return mm_is_mapped(rbp) && mm_is_mapped(rbp + 8);
}

void backtrace_print(uint64_t rip, uint64_t rbp, int max)
{
	int i = 0;

	emerg("backtrace:\n");
	print_frame(i++, rip);
	for (uint64_t prev = 0; i < max && frame_ok(rbp, prev); i++) {
		uint64_t *fp = (uint64_t *)(uintptr_t)rbp;
		uint64_t ret = fp[1];

		if (!ret)
			break;
		print_frame(i, ret);
		prev = rbp;
		rbp = fp[0];
	}
}

void trap_dump(const struct trap_frame *tf)
{
	uint64_t off;
	const char *s = ksyms_lookup(tf->rip, &off);

	emerg("  RIP=%016llx <%s+%#llx>  CS=%04llx  RFLAGS=%08llx\n",
	      (unsigned long long)tf->rip, s ? s : "?", s ? (unsigned long long)off : 0ull,
	      (unsigned long long)tf->cs, (unsigned long long)tf->rflags);
	emerg("  RSP=%016llx  SS=%04llx  ERR=%#llx\n", (unsigned long long)tf->rsp,
	      (unsigned long long)tf->ss, (unsigned long long)tf->error);
	emerg("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
	      (unsigned long long)tf->rax, (unsigned long long)tf->rbx,
	      (unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
	emerg("  RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n",
	      (unsigned long long)tf->rsi, (unsigned long long)tf->rdi,
	      (unsigned long long)tf->rbp, (unsigned long long)tf->r8);
	emerg("  R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n",
	      (unsigned long long)tf->r9, (unsigned long long)tf->r10,
	      (unsigned long long)tf->r11, (unsigned long long)tf->r12);
	emerg("  R13=%016llx R14=%016llx R15=%016llx\n",
	      (unsigned long long)tf->r13, (unsigned long long)tf->r14,
	      (unsigned long long)tf->r15);
	emerg("  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
	      (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
	      (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	backtrace_print(tf->rip, tf->rbp, 16);
}

static void fatal_exception(struct trap_frame *tf)
{
	uint32_t cpu = system_stopping() ? 0 : this_cpu()->cpu;

	system_begin_stop();
	emerg("\nEXCEPTION: %s on cpu %u, error %#llx\n", exc_names[tf->vector],
	      cpu, (unsigned long long)tf->error);
	if (tf->vector == 14)
		emerg("  page fault at %#llx: %s, %s%s\n",
		      (unsigned long long)read_cr2(),
		      tf->error & 1 ? "protection violation" : "not present",
		      tf->error & 2 ? "write" : "read",
		      tf->error & 16 ? ", instruction fetch" : "");
	if (tf->vector == 8)
		emerg("  double fault: likely a kernel stack overflow into a guard page\n");
	trap_dump(tf);
	system_halt("fatal exception");
}

void trap_dispatch(struct trap_frame *tf);
void trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	if (v == 2) {
		/* NMI: the stop broadcast, or a hardware error report. */
		if (system_stopping())
			cpu_halt_forever();
		emerg("NMI on cpu %u (ignored)\n", this_cpu()->cpu);
		return;
	}
	if (v < 32) {
		fatal_exception(tf);
		return;
	}
	if (v == VEC_IPI_STOP)
		cpu_halt_forever();
	if (v == VEC_SPURIOUS)
		return;			/* no EOI for spurious (SDM 10.9) */
	if (handlers[v])
		handlers[v](tf);
	else
		pr_warn("trap: unexpected interrupt %llu on cpu %u",
			(unsigned long long)v, this_cpu()->cpu);
	lapic_eoi();
}
