/* Interrupt and exception entry. */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdint.h>

/* Laid out by isr.S: general registers as pushed, then vector and error
 * code, then the CPU's interrupt frame (SDM Vol 3A 6.14.1). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_TIMER    0x40
#define VEC_IPI_STOP 0xf0
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler)(struct trap_frame *tf);

void idt_init(void);		/* once, on the BSP */
void idt_load(void);		/* on every CPU */
void trap_set_handler(uint8_t vec, irq_handler fn);

/* Prints a frame's registers and a backtrace from it. */
void trap_dump(const struct trap_frame *tf);

/* Walks saved frame pointers from rbp; prints at most max frames. */
void backtrace_print(uint64_t rip, uint64_t rbp, int max);

#endif
