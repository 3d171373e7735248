/* The VMCB (APM Vol 2 appendix B) and SVM exit codes (appendix C).
 * Private to arch/x86_64/svm/. */
#ifndef ARCH_X86_64_SVM_VMCB_H
#define ARCH_X86_64_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

struct vmcb_seg {
	uint16_t sel;
	uint16_t attrib;	/* descriptor bits 47:40 and 55:52 */
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));

struct vmcb_control {
	uint32_t intercept_cr;		/* 0x000: reads 15:0, writes 31:16 */
	uint32_t intercept_dr;		/* 0x004 */
	uint32_t intercept_exc;		/* 0x008 */
	uint32_t intercept1;		/* 0x00c */
	uint32_t intercept2;		/* 0x010 */
	uint32_t intercept3;		/* 0x014 */
	uint8_t reserved1[0x03c - 0x018];
	uint16_t pause_threshold;	/* 0x03c */
	uint16_t pause_count;		/* 0x03e */
	uint64_t iopm_pa;		/* 0x040 */
	uint64_t msrpm_pa;		/* 0x048 */
	uint64_t tsc_offset;		/* 0x050 */
	uint32_t asid;			/* 0x058 */
	uint8_t tlb_control;		/* 0x05c */
	uint8_t reserved2[3];
	uint64_t int_ctl;		/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING... */
	uint64_t int_state;		/* 0x068: bit 0 interrupt shadow */
	uint64_t exit_code;		/* 0x070 */
	uint64_t exit_info1;		/* 0x078 */
	uint64_t exit_info2;		/* 0x080 */
	uint64_t exit_int_info;		/* 0x088 */
	uint64_t np_enable;		/* 0x090 */
	uint8_t reserved3[0x0a8 - 0x098];
	uint64_t event_inj;		/* 0x0a8 */
	uint64_t n_cr3;			/* 0x0b0 */
	uint64_t lbr_ctl;		/* 0x0b8 */
	uint32_t clean;			/* 0x0c0 */
	uint32_t reserved4;
	uint64_t next_rip;		/* 0x0c8 */
	uint8_t insn_len;		/* 0x0d0 */
	uint8_t insn_bytes[15];		/* 0x0d1 */
	uint8_t reserved5[0x400 - 0x0e0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;	/* 0x400 */
	uint8_t reserved1[0x4cb - 0x4a0];
	uint8_t cpl;			/* 0x4cb */
	uint32_t reserved2;
	uint64_t efer;			/* 0x4d0 */
	uint8_t reserved3[0x548 - 0x4d8];
	uint64_t cr4;			/* 0x548 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip;			/* 0x578 */
	uint8_t reserved4[0x5d8 - 0x580];
	uint64_t rsp;			/* 0x5d8 */
	uint8_t reserved5[0x5f8 - 0x5e0];
	uint64_t rax;			/* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;			/* 0x640 */
	uint8_t reserved6[0x668 - 0x648];
	uint64_t g_pat;			/* 0x668 */
	uint64_t dbgctl;
	uint8_t reserved7[0x1000 - 0x678];
} __attribute__((packed));

struct vmcb {
	struct vmcb_control c;
	struct vmcb_save s;
} __attribute__((packed));

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(offsetof(struct vmcb, c.exit_code) == 0x70, "VMCB layout");
_Static_assert(offsetof(struct vmcb, c.event_inj) == 0xa8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, c.next_rip) == 0xc8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.cpl) == 0x4cb, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.efer) == 0x4d0, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.cr4) == 0x548, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.rip) == 0x578, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.rsp) == 0x5d8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.rax) == 0x5f8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.cr2) == 0x640, "VMCB layout");
_Static_assert(offsetof(struct vmcb, s.g_pat) == 0x668, "VMCB layout");

/* intercept1 */
#define INT1_INTR	(1u << 0)
#define INT1_NMI	(1u << 1)
#define INT1_SMI	(1u << 2)
#define INT1_INIT	(1u << 3)
#define INT1_VINTR	(1u << 4)
#define INT1_RDPMC	(1u << 15)
#define INT1_CPUID	(1u << 18)
#define INT1_RSM	(1u << 19)
#define INT1_INVD	(1u << 22)
#define INT1_HLT	(1u << 24)
#define INT1_INVLPGA	(1u << 26)
#define INT1_IOIO	(1u << 27)
#define INT1_MSR	(1u << 28)
#define INT1_TASK_SWITCH (1u << 29)
#define INT1_SHUTDOWN	(1u << 31)
/* intercept2 */
#define INT2_VMRUN	(1u << 0)
#define INT2_VMMCALL	(1u << 1)
#define INT2_VMLOAD	(1u << 2)
#define INT2_VMSAVE	(1u << 3)
#define INT2_STGI	(1u << 4)
#define INT2_CLGI	(1u << 5)
#define INT2_SKINIT	(1u << 6)
#define INT2_ICEBP	(1u << 8)
#define INT2_WBINVD	(1u << 9)
#define INT2_MONITOR	(1u << 10)
#define INT2_MWAIT	(1u << 11)
#define INT2_MWAIT_C	(1u << 12)
#define INT2_XSETBV	(1u << 13)

/* int_ctl */
#define V_IRQ		(1ull << 8)
#define V_IGN_TPR	(1ull << 20)
#define V_INTR_MASKING	(1ull << 24)

/* event_inj / exit_int_info */
#define EVT_VALID	(1ull << 31)
#define EVT_HAS_ERR	(1ull << 11)
#define EVT_TYPE_INTR	(0ull << 8)
#define EVT_TYPE_NMI	(2ull << 8)
#define EVT_TYPE_EXC	(3ull << 8)

/* Exit codes */
#define SVM_EXIT_CR0_READ	0x000
#define SVM_EXIT_CR0_WRITE	0x010
#define SVM_EXIT_CR4_WRITE	0x014
#define SVM_EXIT_DR0_READ	0x020	/* ... DR7: 0x027 */
#define SVM_EXIT_DR0_WRITE	0x030	/* ... DR7: 0x037 */
#define SVM_EXIT_EXC_BASE	0x040
#define SVM_EXIT_INTR		0x060
#define SVM_EXIT_NMI		0x061
#define SVM_EXIT_SMI		0x062
#define SVM_EXIT_INIT		0x063
#define SVM_EXIT_VINTR		0x064
#define SVM_EXIT_RDPMC		0x06f
#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_RSM		0x073
#define SVM_EXIT_INVD		0x076
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_INVLPGA	0x07a
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_TASK_SWITCH	0x07d
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMRUN		0x080
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_VMLOAD		0x082
#define SVM_EXIT_VMSAVE		0x083
#define SVM_EXIT_STGI		0x084
#define SVM_EXIT_CLGI		0x085
#define SVM_EXIT_SKINIT		0x086
#define SVM_EXIT_ICEBP		0x088
#define SVM_EXIT_WBINVD		0x089
#define SVM_EXIT_MONITOR	0x08a
#define SVM_EXIT_MWAIT		0x08b
#define SVM_EXIT_MWAIT_C	0x08c
#define SVM_EXIT_XSETBV		0x08d
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	((uint64_t)-1)

#endif
