/* Structure offsets for assembly: compiled to assembly only, never linked;
 * the Makefile turns the @@ASM@@ lines into build/gen/asm_offsets.h. */
#include <stddef.h>
#include "arch/x86_64/trap.h"
#include "arch/x86_64/smp_priv.h"
#include "arch/x86_64/vmx/vmx_priv.h"
#include "arch/x86_64/svm/svm_priv.h"

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
	DEFINE(SR_RAX, offsetof(struct svm_regs, rax));
	DEFINE(SR_RCX, offsetof(struct svm_regs, rcx));
	DEFINE(SR_RDX, offsetof(struct svm_regs, rdx));
	DEFINE(SR_RBX, offsetof(struct svm_regs, rbx));
	DEFINE(SR_RBP, offsetof(struct svm_regs, rbp));
	DEFINE(SR_RSI, offsetof(struct svm_regs, rsi));
	DEFINE(SR_RDI, offsetof(struct svm_regs, rdi));
	DEFINE(SR_R8, offsetof(struct svm_regs, r8));
	DEFINE(SR_R9, offsetof(struct svm_regs, r9));
	DEFINE(SR_R10, offsetof(struct svm_regs, r10));
	DEFINE(SR_R11, offsetof(struct svm_regs, r11));
	DEFINE(SR_R12, offsetof(struct svm_regs, r12));
	DEFINE(SR_R13, offsetof(struct svm_regs, r13));
	DEFINE(SR_R14, offsetof(struct svm_regs, r14));
	DEFINE(SR_R15, offsetof(struct svm_regs, r15));
	DEFINE(SR_CR2, offsetof(struct svm_regs, cr2));
	DEFINE(VR_RAX, offsetof(struct vmx_regs, rax));
	DEFINE(VR_RCX, offsetof(struct vmx_regs, rcx));
	DEFINE(VR_RDX, offsetof(struct vmx_regs, rdx));
	DEFINE(VR_RBX, offsetof(struct vmx_regs, rbx));
	DEFINE(VR_RBP, offsetof(struct vmx_regs, rbp));
	DEFINE(VR_RSI, offsetof(struct vmx_regs, rsi));
	DEFINE(VR_RDI, offsetof(struct vmx_regs, rdi));
	DEFINE(VR_R8, offsetof(struct vmx_regs, r8));
	DEFINE(VR_R9, offsetof(struct vmx_regs, r9));
	DEFINE(VR_R10, offsetof(struct vmx_regs, r10));
	DEFINE(VR_R11, offsetof(struct vmx_regs, r11));
	DEFINE(VR_R12, offsetof(struct vmx_regs, r12));
	DEFINE(VR_R13, offsetof(struct vmx_regs, r13));
	DEFINE(VR_R14, offsetof(struct vmx_regs, r14));
	DEFINE(VR_R15, offsetof(struct vmx_regs, r15));
	DEFINE(VR_CR2, offsetof(struct vmx_regs, cr2));
}
