/* Local APIC, its timer, TSC calibration (see lapic.h). */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

#define APIC_BASE_X2   (1ull << 10)
#define APIC_BASE_EN   (1ull << 11)

#define REG_ID     0x020
#define REG_EOI    0x0b0
#define REG_SVR    0x0f0
#define REG_ICR    0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERR   0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR  0x390
#define REG_TIMER_DIV  0x3e0

#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)

static bool x2;
static volatile uint32_t *mmio;
static uint64_t tsc_rate, timer_rate;	/* Hz; timer after divide-by-16 */
static uint64_t tsc_boot;
static uint64_t ns_mult;		/* ns = (tsc delta * ns_mult) >> 32 */

static uint32_t rd(uint32_t reg)
{
	if (x2)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return mmio[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	if (x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

bool lapic_x2apic(void)
{
	return x2;
}

uint32_t lapic_id(void)
{
	return x2 ? rd(REG_ID) : rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

static void enable_here(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* xAPIC -> x2APIC goes through enabled xAPIC mode (SDM 10.12.5). */
	base |= APIC_BASE_EN;
	wrmsr(MSR_APIC_BASE, base);
	if (x2)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2);
	wr(REG_SVR, 0x100 | VEC_SPURIOUS);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_LVT_ERR, LVT_MASKED | 0xfe);
	if (this_cpu()->cpu != 0) {
		wr(REG_LVT_LINT0, LVT_MASKED);
		wr(REG_LVT_LINT1, LVT_MASKED);
	}
	wr(REG_TIMER_DIV, 0x3);		/* divide by 16 */
}

void lapic_init(void)
{
	/* Remap the 8259s away from the exception vectors, then mask them:
	 * all our interrupts come through the LAPIC. */
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, 0x20); outb(0xa1, 0x28);
	outb(0x21, 0x04); outb(0xa1, 0x02);
	outb(0x21, 0x01); outb(0xa1, 0x01);
	outb(0x21, 0xff); outb(0xa1, 0xff);

	x2 = cpu_feat.x2apic;
	if (!x2) {
		uint64_t pa = rdmsr(MSR_APIC_BASE) & 0xffffffffff000ull;

		mmio = mm_map_phys(pa, 4096, 1);
	}
	enable_here();
}

void lapic_init_ap(void)
{
	enable_here();
}

static void icr_write(uint32_t dest, uint32_t low)
{
	if (x2) {
		wrmsr(0x830, ((uint64_t)dest << 32) | low);
		return;
	}
	wr(REG_ICR_HI, dest << 24);
	wr(REG_ICR, low);
	for (int i = 0; i < 100000 && (rd(REG_ICR) & (1u << 12)); i++)
		cpu_relax();
}

void lapic_send_init(uint32_t apic_id)
{
	icr_write(apic_id, 0x00004500);		/* INIT, level assert */
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	icr_write(apic_id, 0x00004600 | page);	/* start-up */
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_write(apic_id, 0x00004000 | vector);
}

void lapic_send_nmi_others(void)
{
	if (!x2 && !mmio)
		return;			/* too early: nobody else runs yet */
	icr_write(0, 0x000c4400);	/* NMI, all excluding self */
}

/* PIT channel 2, gated through port 0x61, counts down from count at
 * 1.193182 MHz; OUT2 (port 0x61 bit 5) rises at zero. */
static void pit_start(uint16_t count)
{
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);			/* ch2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
}

static bool pit_done(void)
{
	return inb(0x61) & 0x20;
}

/* Returns false when the PIT never fired (absent or clock-gated, as on
 * some recent boards): the caller then trusts CPUID alone. */
static bool measure(uint64_t *tsc_hz_out, uint64_t *apic_hz_out)
{
	const uint16_t count = 11932;		/* 10 ms */
	uint64_t t0, t1, spins = 0;
	uint32_t a0, a1;

	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_INIT, 0xffffffff);
	pit_start(count);
	t0 = rdtsc();
	a0 = rd(REG_TIMER_CUR);
	while (!pit_done() && spins++ < 100000000)
		cpu_relax();
	t1 = rdtsc();
	a1 = rd(REG_TIMER_CUR);
	wr(REG_TIMER_INIT, 0);
	*tsc_hz_out = (t1 - t0) * 100;
	*apic_hz_out = (uint64_t)(a0 - a1) * 100;
	return pit_done();
}

void lapic_calibrate(void)
{
	uint64_t t[3], a[3], tmp;
	uint32_t eax, ebx, ecx, edx;

	bool pit = true;

	for (int i = 0; i < 3; i++)
		pit = measure(&t[i], &a[i]) && pit;
	/* Median of three: one measurement may catch an emulator hiccup. */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++) {
			if (t[j] < t[i]) { tmp = t[i]; t[i] = t[j]; t[j] = tmp; }
			if (a[j] < a[i]) { tmp = a[i]; a[i] = a[j]; a[j] = tmp; }
		}
	tsc_rate = t[1];
	timer_rate = a[1];

	/* CPUID 0x15 states the TSC/crystal ratio exactly where present
	 * (SDM Vol 3B 18.7.3); prefer it to a measurement. */
	if (cpu_feat.max_leaf >= 0x15) {
		cpuid(0x15, 0, &eax, &ebx, &ecx, &edx);
		if (eax && ebx && ecx)
			tsc_rate = (uint64_t)ecx * ebx / eax;
		/* The APIC timer runs from the core crystal (SDM Vol 3A
		 * 10.5.4): divided by 16 as programmed. */
		if (!pit && ecx)
			timer_rate = ecx / 16;
	}
	if (!pit)
		pr_warn("time: the PIT did not respond; rates from CPUID%s",
			timer_rate ? "" : " are unknown, using guesses");
	if (!tsc_rate)
		tsc_rate = 1000000000;		/* never divide by zero below */
	if (!timer_rate)
		timer_rate = 1000000;
	ns_mult = (1000000000ull << 32) / tsc_rate;
	tsc_boot = tsc_boot ? tsc_boot : rdtsc();
}

uint64_t lapic_timer_hz(void)
{
	return timer_rate;
}

void lapic_timer_periodic(uint32_t hz)
{
	uint64_t c = timer_rate / (hz ? hz : 1);

	wr(REG_TIMER_INIT, 0);
	wr(REG_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	wr(REG_TIMER_INIT, c > 0xffffffff ? 0xffffffff : (uint32_t)(c ? c : 1));
}

void lapic_timer_oneshot(uint64_t ns)
{
	uint64_t c = timer_rate * (ns / 1000) / 1000000;

	wr(REG_LVT_TIMER, VEC_TIMER);
	wr(REG_TIMER_INIT, ns ? (c > 0xffffffff ? 0xffffffff : (uint32_t)(c ? c : 1)) : 0);
}

uint64_t tsc_hz(void)
{
	return tsc_rate;
}

uint64_t time_ns(void)
{
	if (!ns_mult)
		return 0;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * ns_mult) >> 32);
}

uint64_t time_ms(void)
{
	return time_ns() / 1000000;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + (tsc_rate ? tsc_rate : 1000000000) / 1000000 * us;

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}

void time_mark_boot(void)
{
	tsc_boot = rdtsc();
}
