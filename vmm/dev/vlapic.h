/*
 * A local APIC for a guest vCPU, in xAPIC mode (MMIO page at 0xFEE00000):
 * registers, interrupt acceptance and priority (IRR/ISR/TMR, TPR/PPR),
 * EOI, the timer in one-shot, periodic and TSC-deadline modes, and the
 * interrupt command register turned into messages for the VM to route.
 * Pure: time is the guest TSC passed in by the caller; the timer counts
 * at the TSC rate divided by the divide configuration register.
 * x2APIC is not offered (CPUID hides it), so MSR 0x800+ access faults.
 */
#ifndef VMM_DEV_VLAPIC_H
#define VMM_DEV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BASE      0xfee00000ull
#define LAPIC_SIZE      0x1000
#define LAPIC_VERSION   0x50014	/* version 0x14, 6 LVT entries (max LVT 5) */

/* IA32_APIC_BASE (SDM Vol 3A 10.4.4). */
#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)

/* Delivery modes, in ICR, redirection entries and MSI data (SDM 10.6.1). */
enum apic_dm {
	APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
	APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* An interrupt message as the APIC bus carries it: from an ICR write, an
 * I/O APIC redirection entry or an MSI. */
struct apic_msg {
	uint8_t vector;
	uint8_t dm;		/* enum apic_dm */
	uint8_t dest;		/* APIC ID (physical) or logical mask */
	uint8_t shorthand;	/* ICR only: 0 none, 1 self, 2 all, 3 all but self */
	bool logical;
	bool level;		/* level-triggered (TMR is set on acceptance) */
	bool assert;		/* ICR level bit: INIT de-assert is a no-op */
};

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* [c] owning vCPU only: everything here. Other vCPUs and devices post
 * interrupts through the vCPU's atomic mailbox (vcpu_post_irq), which
 * the owner drains into vlapic_accept(). */
struct vlapic {
	uint32_t id;
	uint64_t base_msr;
	uint32_t tpr, ldr, dfr, svr, esr, esr_pending;
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t timer_icr;	/* initial count */
	uint32_t timer_dcr;	/* divide configuration */
	uint64_t timer_start;	/* TSC when the count was loaded */
	uint64_t timer_due;	/* TSC of the next expiry, 0: not armed */
	uint64_t tsc_deadline;	/* IA32_TSC_DEADLINE as the guest wrote it */
};

/* Power-on / INIT state (SDM Vol 3A 10.4.7.1); the BSP flag only on 0. */
void vlapic_reset(struct vlapic *l, uint32_t id);

/* The xAPIC register page. Accesses must be 32-bit aligned dwords (the
 * SDM's "undefined" for others: we refuse them, -EINVAL, and the vCPU
 * gets a #GP). A write that sends an IPI fills *msg and returns 1; an
 * EOI of a level-triggered vector returns 2 with *eoi_vec set, so the VM
 * can tell the I/O APIC; otherwise 0. */
int vlapic_read(struct vlapic *l, uint32_t off, unsigned size, uint64_t now, uint64_t *val);
int vlapic_write(struct vlapic *l, uint32_t off, unsigned size, uint64_t val, uint64_t now,
		struct apic_msg *msg, uint8_t *eoi_vec);

/* IA32_APIC_BASE. Returns 0, or -EINVAL for a value the guest may not
 * write (x2APIC mode, a moved base, reserved bits): #GP. */
int vlapic_set_base(struct vlapic *l, uint64_t val);
/* IA32_TSC_DEADLINE (SDM 10.5.4.1): armed only in TSC-deadline mode. */
void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t val);
uint64_t vlapic_get_tsc_deadline(const struct vlapic *l);

/* CR8 is TPR[7:4] (SDM 10.8.6.1). */
uint8_t vlapic_get_cr8(const struct vlapic *l);
void vlapic_set_cr8(struct vlapic *l, uint8_t cr8);

/* An interrupt arrives (fixed or lowest-priority delivery). Vectors 0-15
 * are illegal (SDM 10.5.3: "received illegal vector"): dropped, ESR
 * set. Dropped while the APIC is disabled. */
void vlapic_accept(struct vlapic *l, uint8_t vector, bool level);

/* The vector to deliver now (highest IRR above the processor priority),
 * or -1. */
int vlapic_pending(const struct vlapic *l);
/* The vCPU took vector: IRR -> ISR (SDM 10.8.4). */
void vlapic_ack(struct vlapic *l, uint8_t vector);

/* The TSC at which the timer next fires, 0 when it is not armed. */
uint64_t vlapic_timer_due(const struct vlapic *l);
/* Fires the timer if it is due at now (sets the LVT vector in IRR unless
 * masked; re-arms in periodic mode). Returns true if it fired. */
bool vlapic_timer_poll(struct vlapic *l, uint64_t now);

/* Does the message's destination name this APIC (SDM 10.6.2)? Shorthands
 * are the caller's business (it knows who sent). */
bool vlapic_match_dest(const struct vlapic *l, const struct apic_msg *m);
bool vlapic_enabled(const struct vlapic *l);

/* Decodes an MSI (address 0xFEExxxxx, data) into a message (SDM 10.11).
 * Returns 0, or -EINVAL for an address outside the interrupt range. */
int apic_msg_from_msi(uint64_t addr, uint32_t data, struct apic_msg *m);

#endif
