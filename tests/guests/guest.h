/* The test guests' little runtime: ports of the test device, output,
 * expected faults and interrupts. */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

#define PORT_CONSOLE 0xe9
#define PORT_EXIT    0xf4
#define PORT_TIMER   0xf8
#define PORT_TIMER_VEC 0xfc
#define MMIO_SCRATCH 0xd0000000ull

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void guest_exit(uint32_t status);

/* Checks: print "PASS name" or "FAIL name: ..." and count failures. */
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
extern unsigned failures;

/* The next exception skips skip bytes of the faulting instruction and is
 * recorded; returns through fault_vector()/fault_error(). */
void expect_fault(unsigned skip);
int fault_vector(void);		/* -1: none happened */
uint32_t fault_error(void);

/* Interrupts at vector >= 32 are counted here. */
extern volatile unsigned irq_count[256];
void timer_arm(uint32_t us, uint8_t vector);

int guest_main(uint64_t vcpu_id);

#endif
