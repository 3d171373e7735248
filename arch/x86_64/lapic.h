/* Local APIC (x2APIC when the CPU has it, else xAPIC MMIO) and its timer;
 * the TSC and PIT-based calibration. SDM Vol 3A chapter 10. */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* BSP: chooses the mode, masks the legacy PICs, enables the APIC. */
void lapic_init(void);
/* APs: enable the APIC in the mode the BSP chose. */
void lapic_init_ap(void);
bool lapic_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* Measures the TSC and LAPIC timer rates against the PIT (or CPUID leaf
 * 0x15 when it states them). Call once on the BSP with interrupts off. */
void lapic_calibrate(void);
uint64_t lapic_timer_hz(void);

/* Periodic interrupts at hz on vector VEC_TIMER on this CPU. */
void lapic_timer_periodic(uint32_t hz);
/* One interrupt after ns nanoseconds (0 stops the timer). */
void lapic_timer_oneshot(uint64_t ns);

void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_nmi_others(void);

/* Busy-waits, on the calibrated TSC. */
void udelay(uint64_t us);

#endif
