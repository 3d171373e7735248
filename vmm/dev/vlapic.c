/*
 * The guest's local APIC (xAPIC). Register map: SDM Vol 3A Table 10-1.
 * Everything a guest writes is masked to the bits the register has;
 * reserved offsets read as zero and ignore writes, as on the chip.
 */
#include <errno.h>
#include <string.h>
#include "vmm/dev/vlapic.h"

enum {
	R_ID = 0x20, R_VER = 0x30, R_TPR = 0x80, R_APR = 0x90, R_PPR = 0xa0,
	R_EOI = 0xb0, R_LDR = 0xd0, R_DFR = 0xe0, R_SVR = 0xf0, R_ISR = 0x100,
	R_TMR = 0x180, R_IRR = 0x200, R_ESR = 0x280, R_ICR_LO = 0x300,
	R_ICR_HI = 0x310, R_LVT = 0x320, R_TIMER_ICR = 0x380,
	R_TIMER_CCR = 0x390, R_TIMER_DCR = 0x3e0,
};

#define LVT_MASKED     (1u << 16)
#define SVR_ENABLE     (1u << 8)
#define TIMER_MODE(l)  (((l)->lvt[LVT_TIMER] >> 17) & 3)
#define MODE_ONESHOT   0
#define MODE_PERIODIC  1
#define MODE_DEADLINE  2
#define ESR_RX_ILLEGAL (1u << 6)
#define ESR_TX_ILLEGAL (1u << 5)

/* Writable bits of each LVT entry (SDM Figure 10-8): vector, delivery
 * mode, polarity, trigger, mask, timer mode. Delivery status and remote
 * IRR are the APIC's own. */
static const uint32_t lvt_mask[LVT_COUNT] = {
	[LVT_TIMER] = 0x000700ff,
	[LVT_THERMAL] = 0x000107ff,
	[LVT_PERF] = 0x000107ff,
	[LVT_LINT0] = 0x0001a7ff,
	[LVT_LINT1] = 0x0001a7ff,
	[LVT_ERROR] = 0x000100ff,
};

static bool test_bit(const uint32_t *a, unsigned v)
{
	return a[v / 32] & (1u << (v % 32));
}

static void set_bit(uint32_t *a, unsigned v, bool on)
{
	if (on)
		a[v / 32] |= 1u << (v % 32);
	else
		a[v / 32] &= ~(1u << (v % 32));
}

static int highest(const uint32_t *a)
{
	for (int i = 7; i >= 0; i--)
		if (a[i])
			return i * 32 + 31 - __builtin_clz(a[i]);
	return -1;
}

void vlapic_reset(struct vlapic *l, uint32_t id)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->base_msr = LAPIC_BASE | APIC_BASE_ENABLE | (id == 0 ? APIC_BASE_BSP : 0);
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	for (int i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
}

bool vlapic_enabled(const struct vlapic *l)
{
	return (l->base_msr & APIC_BASE_ENABLE) && (l->svr & SVR_ENABLE);
}

static uint32_t ppr(const struct vlapic *l)
{
	int isrv = highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	/* SDM 10.8.3.1 */
	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

static uint64_t divisor(const struct vlapic *l)
{
	/* SDM Figure 10-10: bits 0, 1 and 3; 0b111 divides by 1. */
	uint32_t v = ((l->timer_dcr & 8) >> 1) | (l->timer_dcr & 3);

	return 1ull << ((v + 1) & 7);
}

static uint64_t period(const struct vlapic *l)
{
	return (uint64_t)l->timer_icr * divisor(l);
}

static void timer_load(struct vlapic *l, uint64_t now)
{
	l->timer_start = now;
	l->timer_due = l->timer_icr && TIMER_MODE(l) != MODE_DEADLINE ? now + period(l) : 0;
}

static uint32_t timer_ccr(const struct vlapic *l, uint64_t now)
{
	uint64_t p = period(l), el;

	if (!p || TIMER_MODE(l) == MODE_DEADLINE)
		return 0;
	el = now - l->timer_start;
	if (TIMER_MODE(l) == MODE_PERIODIC)
		el %= p;
	else if (!l->timer_due || el >= p)
		return 0;
	return (uint32_t)((p - el) / divisor(l));
}

int vlapic_read(struct vlapic *l, uint32_t off, unsigned size, uint64_t now, uint64_t *val)
{
	uint32_t v = 0;

	if (size != 4 || (off & 0xf) || off >= LAPIC_SIZE)
		return -EINVAL;
	if (off >= R_ISR && off < R_ISR + 0x80)
		v = l->isr[(off - R_ISR) / 16];
	else if (off >= R_TMR && off < R_TMR + 0x80)
		v = l->tmr[(off - R_TMR) / 16];
	else if (off >= R_IRR && off < R_IRR + 0x80)
		v = l->irr[(off - R_IRR) / 16];
	else if (off >= R_LVT && off < R_LVT + LVT_COUNT * 16)
		v = l->lvt[(off - R_LVT) / 16];
	else {
		switch (off) {
		case R_ID: v = l->id << 24; break;
		case R_VER: v = LAPIC_VERSION; break;
		case R_TPR: v = l->tpr; break;
		case R_PPR: v = ppr(l); break;
		case R_LDR: v = l->ldr; break;
		case R_DFR: v = l->dfr; break;
		case R_SVR: v = l->svr; break;
		case R_ESR: v = l->esr; break;
		case R_ICR_LO: v = l->icr_lo; break;
		case R_ICR_HI: v = l->icr_hi; break;
		case R_TIMER_ICR: v = l->timer_icr; break;
		case R_TIMER_CCR: v = timer_ccr(l, now); break;
		case R_TIMER_DCR: v = l->timer_dcr; break;
		default: break;		/* APR, EOI, reserved: zero */
		}
	}
	*val = v;
	return 0;
}

static void write_lvt(struct vlapic *l, unsigned i, uint32_t v, uint64_t now)
{
	uint32_t old_mode = TIMER_MODE(l);

	v &= lvt_mask[i];
	if (!(l->svr & SVR_ENABLE))
		v |= LVT_MASKED;	/* SDM 10.4.7.2: masks stay set while disabled */
	l->lvt[i] = v;
	if (i == LVT_TIMER && TIMER_MODE(l) != old_mode) {
		/* A mode change disarms the timer (SDM 10.5.4.1). */
		l->timer_due = 0;
		l->tsc_deadline = 0;
		l->timer_icr = 0;
	}
	(void)now;
}

/* An error the APIC detected: logged for ESR and signalled through LVT
 * Error when unmasked (SDM 10.5.3). */
static void apic_error(struct vlapic *l, uint32_t bit)
{
	uint32_t lvt = l->lvt[LVT_ERROR];

	l->esr_pending |= bit;
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
		set_bit(l->irr, lvt & 0xff, true);
}

static void accept_ipi_fields(struct vlapic *l, struct apic_msg *m)
{
	uint32_t lo = l->icr_lo;

	memset(m, 0, sizeof(*m));
	m->vector = lo & 0xff;
	m->dm = (lo >> 8) & 7;
	m->logical = lo & (1u << 11);
	m->assert = lo & (1u << 14);
	m->level = lo & (1u << 15);
	m->shorthand = (lo >> 18) & 3;
	m->dest = l->icr_hi >> 24;
}

int vlapic_write(struct vlapic *l, uint32_t off, unsigned size, uint64_t val, uint64_t now,
		struct apic_msg *msg, uint8_t *eoi_vec)
{
	uint32_t v = (uint32_t)val;
	int isrv;

	if (size != 4 || (off & 0xf) || off >= LAPIC_SIZE)
		return -EINVAL;
	if (off >= R_LVT && off < R_LVT + LVT_COUNT * 16) {
		write_lvt(l, (off - R_LVT) / 16, v, now);
		return 0;
	}
	switch (off) {
	case R_TPR:
		l->tpr = v & 0xff;
		break;
	case R_EOI:
		isrv = highest(l->isr);
		if (isrv < 0)
			break;		/* EOI with nothing in service: ignored */
		set_bit(l->isr, (unsigned)isrv, false);
		if (test_bit(l->tmr, (unsigned)isrv)) {
			set_bit(l->tmr, (unsigned)isrv, false);
			*eoi_vec = (uint8_t)isrv;
			return 2;
		}
		break;
	case R_LDR:
		l->ldr = v & 0xff000000u;
		break;
	case R_DFR:
		l->dfr = v | 0x0fffffffu;
		break;
	case R_SVR:
		/* Vector, APIC enable, focus check, EOI-broadcast suppression
		 * is not offered (version register bit 24 clear). */
		l->svr = v & 0x3ff;
		if (!(l->svr & SVR_ENABLE))
			for (int i = 0; i < LVT_COUNT; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case R_ESR:
		/* A write latches the errors seen since (SDM 10.5.3). */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case R_ICR_HI:
		l->icr_hi = v & 0xff000000u;
		break;
	case R_ICR_LO:
		l->icr_lo = v & 0x000ccfffu;	/* delivery status always idle */
		accept_ipi_fields(l, msg);
		if ((msg->dm == APIC_DM_FIXED || msg->dm == APIC_DM_LOWEST) && msg->vector < 16) {
			apic_error(l, ESR_TX_ILLEGAL);
			return 0;
		}
		return 1;
	case R_TIMER_ICR:
		if (TIMER_MODE(l) == MODE_DEADLINE)
			break;		/* ignored in TSC-deadline mode */
		l->timer_icr = v;
		timer_load(l, now);
		break;
	case R_TIMER_DCR:
		l->timer_dcr = v & 0xb;
		break;
	default:
		break;		/* read-only or reserved */
	}
	return 0;
}

int vlapic_set_base(struct vlapic *l, uint64_t val)
{
	uint64_t fixed = LAPIC_BASE | (l->base_msr & APIC_BASE_BSP);

	/* Only the enable bit may change: the base stays where the MP table
	 * says, and x2APIC is not offered (SDM 10.12.1). */
	if ((val & ~APIC_BASE_ENABLE) != fixed)
		return -EINVAL;
	if ((l->base_msr & APIC_BASE_ENABLE) && !(val & APIC_BASE_ENABLE)) {
		/* Hardware disable: as after reset but with the ID kept
		 * (SDM 10.4.3). */
		uint32_t id = l->id;

		vlapic_reset(l, id);
	}
	l->base_msr = val;
	return 0;
}

void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t val)
{
	if (TIMER_MODE(l) != MODE_DEADLINE)
		return;
	l->tsc_deadline = val;
	l->timer_due = val;
}

uint64_t vlapic_get_tsc_deadline(const struct vlapic *l)
{
	return TIMER_MODE(l) == MODE_DEADLINE ? l->tsc_deadline : 0;
}

uint8_t vlapic_get_cr8(const struct vlapic *l)
{
	return (uint8_t)((l->tpr >> 4) & 0xf);
}

void vlapic_set_cr8(struct vlapic *l, uint8_t cr8)
{
	l->tpr = (uint32_t)(cr8 & 0xf) << 4;
}

void vlapic_accept(struct vlapic *l, uint8_t vector, bool level)
{
	if (!vlapic_enabled(l))
		return;
	if (vector < 16) {
		apic_error(l, ESR_RX_ILLEGAL);
		return;
	}
	set_bit(l->irr, vector, true);
	set_bit(l->tmr, vector, level);
}

int vlapic_pending(const struct vlapic *l)
{
	int v = highest(l->irr);

	if (v < 0 || !vlapic_enabled(l))
		return -1;
	return ((uint32_t)v & 0xf0) > (ppr(l) & 0xf0) ? v : -1;
}

void vlapic_ack(struct vlapic *l, uint8_t vector)
{
	set_bit(l->irr, vector, false);
	set_bit(l->isr, vector, true);
}

uint64_t vlapic_timer_due(const struct vlapic *l)
{
	return l->timer_due;
}

bool vlapic_timer_poll(struct vlapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[LVT_TIMER];

	/* Unsigned: a deadline of ~0 means never (SDM 10.5.4.1: fires
	 * when the TSC is greater than or equal to it). */
	if (!l->timer_due || now < l->timer_due)
		return false;
	switch (TIMER_MODE(l)) {
	case MODE_PERIODIC: {
		uint64_t p = period(l);

		/* Missed periods collapse into one interrupt, as on a CPU
		 * that was held off: the next one is the next boundary. */
		l->timer_due += p * ((now - l->timer_due) / p + 1);
		break;
	}
	case MODE_DEADLINE:
		l->tsc_deadline = 0;
		l->timer_due = 0;
		break;
	default:
		l->timer_due = 0;
		break;
	}
	if (!(lvt & LVT_MASKED))
		vlapic_accept(l, lvt & 0xff, false);
	return true;
}

bool vlapic_match_dest(const struct vlapic *l, const struct apic_msg *m)
{
	uint32_t ldr = l->ldr >> 24;

	if (!m->logical)
		return m->dest == 0xff || m->dest == l->id;
	if (m->dest == 0xff)
		return true;
	/* SDM 10.6.2.2: flat model ANDs the mask; cluster model matches the
	 * cluster (high nibble) and ANDs the low four bits. */
	if ((l->dfr >> 28) == 0xf)
		return (ldr & m->dest) != 0;
	return (ldr >> 4) == (uint32_t)(m->dest >> 4) && (ldr & m->dest & 0xf);
}

int apic_msg_from_msi(uint64_t addr, uint32_t data, struct apic_msg *m)
{
	/* SDM 10.11.1, Figures 10-24 and 10-25. */
	if ((addr >> 20) != (LAPIC_BASE >> 20))
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->dest = (uint8_t)(addr >> 12);
	m->logical = addr & (1u << 2);
	m->vector = data & 0xff;
	m->dm = (data >> 8) & 7;
	m->level = data & (1u << 15);
	m->assert = true;
	return 0;
}
