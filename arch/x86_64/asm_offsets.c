/* Structure offsets for assembly: compiled to assembly only, never linked;
 * the Makefile turns the @@ASM@@ lines into build/gen/asm_offsets.h. */
#include <stddef.h>
#include "arch/x86_64/trap.h"
#include "arch/x86_64/smp_priv.h"
#include "arch/x86_64/guest_state.h"

#define DEFINE(sym, val) __asm__ volatile("\n@@ASM@@ " #sym " %0" : : "i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(TF_R15, offsetof(struct trap_frame, r15));
	DEFINE(TF_RAX, offsetof(struct trap_frame, rax));
	DEFINE(TF_VECTOR, offsetof(struct trap_frame, vector));
	DEFINE(TF_RIP, offsetof(struct trap_frame, rip));
	DEFINE(TF_SIZE, sizeof(struct trap_frame));
	DEFINE(APB_CR3, offsetof(struct ap_boot, cr3));
	DEFINE(APB_EFER, offsetof(struct ap_boot, efer));
	DEFINE(APB_CR4, offsetof(struct ap_boot, cr4));
	DEFINE(APB_STACK, offsetof(struct ap_boot, stack));
	DEFINE(APB_ENTRY, offsetof(struct ap_boot, entry));
	DEFINE(APB_ARG, offsetof(struct ap_boot, arg));
	DEFINE(APB_SIZE, sizeof(struct ap_boot));
	DEFINE(GR_RAX, offsetof(struct guest_regs, rax));
	DEFINE(GR_RCX, offsetof(struct guest_regs, rcx));
	DEFINE(GR_RDX, offsetof(struct guest_regs, rdx));
	DEFINE(GR_RBX, offsetof(struct guest_regs, rbx));
	DEFINE(GR_RBP, offsetof(struct guest_regs, rbp));
	DEFINE(GR_RSI, offsetof(struct guest_regs, rsi));
	DEFINE(GR_RDI, offsetof(struct guest_regs, rdi));
	DEFINE(GR_R8, offsetof(struct guest_regs, r8));
	DEFINE(GR_R9, offsetof(struct guest_regs, r9));
	DEFINE(GR_R10, offsetof(struct guest_regs, r10));
	DEFINE(GR_R11, offsetof(struct guest_regs, r11));
	DEFINE(GR_R12, offsetof(struct guest_regs, r12));
	DEFINE(GR_R13, offsetof(struct guest_regs, r13));
	DEFINE(GR_R14, offsetof(struct guest_regs, r14));
	DEFINE(GR_R15, offsetof(struct guest_regs, r15));
	DEFINE(GR_CR2, offsetof(struct guest_regs, cr2));
}
