/*
 * The vendor-neutral VMM: VMs, vCPUs, and the boundary to the VT-x and
 * AMD-V back ends. Nothing outside arch/x86_64/ sees a VMCS, a VMCB or a
 * raw exit number: a back end turns each hardware exit into a struct
 * vm_exit and vmm/exit.c dispatches it through a bounded const table.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/spinlock.h"

#define VM_NAME_MAX   32
#define VM_MAX_VCPUS  8
#define VM_MAX_MEM_MIB 4096

/* Why a vCPU left the guest, in vendor-neutral terms. */
enum vm_exit_code {
	VM_EXIT_NONE,		/* handled inside the back end, resume */
	VM_EXIT_CPUID,
	VM_EXIT_IO,		/* port I/O */
	VM_EXIT_MMIO,		/* access to a guest-physical page with no RAM */
	VM_EXIT_HLT,
	VM_EXIT_RDMSR,
	VM_EXIT_WRMSR,
	VM_EXIT_CR,		/* control-register access we intercept */
	VM_EXIT_XSETBV,
	VM_EXIT_EXTINT,		/* a host interrupt arrived */
	VM_EXIT_INTR_WINDOW,	/* the guest can take an interrupt now */
	VM_EXIT_PREEMPT,	/* the time slice ended */
	VM_EXIT_TRIPLE_FAULT,
	VM_EXIT_VIRT_INSN,	/* VMX/SVM instruction executed by the guest */
	VM_EXIT_PRIV_INSN,	/* other intercepted instruction (RDPMC, MWAIT, ...) */
	VM_EXIT_CACHE_FLUSH,	/* INVD, WBINVD */
	VM_EXIT_EXCEPTION,	/* an intercepted guest exception */
	VM_EXIT_ENTRY_FAIL,	/* the back end could not enter the guest */
	VM_EXIT_DR,		/* MOV to or from a debug register */
	VM_EXIT_UNKNOWN,	/* anything else: the VM stops */
	VM_EXIT_COUNT
};

enum vm_reg {
	VM_REG_RAX, VM_REG_RCX, VM_REG_RDX, VM_REG_RBX,
	VM_REG_RSP, VM_REG_RBP, VM_REG_RSI, VM_REG_RDI,
	VM_REG_R8, VM_REG_R9, VM_REG_R10, VM_REG_R11,
	VM_REG_R12, VM_REG_R13, VM_REG_R14, VM_REG_R15,
	VM_REG_RIP, VM_REG_RFLAGS, VM_REG_CR0, VM_REG_CR3, VM_REG_CR4,
	VM_REG_EFER, VM_REG_CS_BASE, VM_REG_CPL,
	/* MSR-backed state: the back end knows where each lives (VMCS,
	 * VMCB, or loaded lazily around entry). */
	VM_REG_FS_BASE, VM_REG_GS_BASE, VM_REG_KGS_BASE,
	VM_REG_STAR, VM_REG_LSTAR, VM_REG_CSTAR, VM_REG_SFMASK,
	VM_REG_SYSENTER_CS, VM_REG_SYSENTER_ESP, VM_REG_SYSENTER_EIP,
	VM_REG_PAT, VM_REG_XCR0,
	VM_REG_INTR_SHADOW,	/* STI / MOV SS blocking, cleared past an insn */
	VM_REG_CS_MODE,		/* read-only: 64, 32 or 16 (the code segment's L/D bits) */
	VM_REG_COUNT
};

struct vm_exit {
	enum vm_exit_code code;
	uint32_t raw;		/* the vendor's reason, for diagnostics only */
	uint8_t insn_len;	/* 0 when the back end does not know it */
	union {
		struct {
			uint16_t port;
			uint8_t size;	/* 1, 2, 4 */
			bool in;
			bool string;	/* INS/OUTS: refused, see exit.c */
			bool rep;
		} io;
		struct {
			uint64_t gpa;
			bool write;
			bool fetch;
		} mmio;
		struct {
			uint32_t index;
		} msr;
		struct {
			uint8_t cr;	/* 0, 3, 4, 8 */
			bool write;
			uint8_t gpr;	/* enum vm_reg of the operand */
		} cr;
		struct {
			uint8_t dr;	/* 0..7 */
			bool write;
			uint8_t gpr;	/* enum vm_reg of the operand */
		} dr;
		struct {
			uint8_t vector;
			uint32_t error;
			bool has_error;
		} exc;
		struct {
			uint32_t error;	/* VM-instruction error or the like */
			const char *why;
		} fail;
	} u;
};

/* Exception and interrupt injection (SDM Vol 3C 24.8.3, APM 15.20). */
enum vm_event_type { VM_EVENT_EXTINT, VM_EVENT_NMI, VM_EVENT_EXCEPTION };

struct vcpu;
struct vm;

/* One per vendor, chosen at boot (STYLE: one boundary per vendor). All
 * return 0 or -errno; vcpu_run returns 0 with *out filled for any exit,
 * and -EIO only when the back end itself is broken. */
struct vmm_ops {
	const char *name;
	int (*hw_init)(void);			/* on every CPU */
	int (*vm_init)(struct vm *vm);		/* second-level tables */
	void (*vm_destroy)(struct vm *vm);
	int (*vm_map)(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t len);
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	int (*vcpu_run)(struct vcpu *v, struct vm_exit *out);
	int (*get_reg)(struct vcpu *v, enum vm_reg r, uint64_t *val);
	int (*set_reg)(struct vcpu *v, enum vm_reg r, uint64_t val);
	/* RIP += len, and the STI/MOV SS interrupt shadow ends. */
	void (*skip_insn)(struct vcpu *v, unsigned len);
	/* Queues an event for the next entry; -EBUSY if one is queued. */
	int (*inject)(struct vcpu *v, enum vm_event_type t, uint8_t vector,
		      bool has_error, uint32_t error);
	/* Asks for VM_EXIT_INTR_WINDOW as soon as the guest can take an
	 * interrupt. */
	void (*want_intr_window)(struct vcpu *v, bool on);
	bool (*can_inject_intr)(struct vcpu *v);
	/* An event is queued for the next entry (injected or re-delivered). */
	bool (*event_queued)(struct vcpu *v);
	/* The entry state a loader asks for (struct guest_entry): 64-bit
	 * (as vcpu_init leaves it) or 32-bit protected mode without paging
	 * (Multiboot), flat segments with these selectors and GDTR (e.g.
	 * Linux's __BOOT_CS/__BOOT_DS); cs 0 keeps the defaults. */
	int (*set_entry_state)(struct vcpu *v, bool prot32, uint16_t cs, uint16_t ds,
			       uint64_t gdt_base, uint16_t gdt_limit);
	/* Puts an application processor in the state a start-up IPI with
	 * this vector gives (real mode at vector * 4096, SDM 8.4.4.1).
	 * NULL when the back end cannot. */
	int (*vcpu_sipi)(struct vcpu *v, uint8_t vector);
};

extern const struct vmm_ops vmx_ops, svm_ops;

/* XCR0 bits the host CPU supports (CPUID 0xD), at least x87. */
extern uint64_t vmm_xcr0_host;

/* arch/x86_64/: the back end this CPU supports, or NULL. */
const struct vmm_ops *arch_vmm_select(void);

/* The back end this machine uses; NULL when it has neither (the reason is
 * printed once at boot). */
extern const struct vmm_ops *vmm;

/* VM lifecycle: the kernel APIs the RPC console will use. */
struct vm_config {
	const char *name;
	uint32_t memory_mib;		/* 2..VM_MAX_MEM_MIB */
	uint32_t vcpus;			/* 1..VM_MAX_VCPUS */
	const void *image;		/* the guest kernel, copied at create */
	size_t image_len;
	/* Linux bzImage guests (the PC platform): */
	const void *initrd;		/* NULL: none */
	size_t initrd_len;
	const char *cmdline;		/* NULL: empty */
	/* The VM's port on the switch (net/vnet.h); NULL: a vNIC wired to
	 * nothing. */
	const struct vnet_attach *net;
};
struct vnet_attach;

/* Creates a VM (memory zeroed, image loaded, vCPUs set up, not running).
 * Returns 0 and *out, or -EINVAL (bad config or image; err says why),
 * -ENOMEM, -ENODEV (no VMM back end), -ENOSPC (too many VMs). */
int vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen);
int vm_start(struct vm *vm);
/* Stops a running VM: its vCPUs leave the guest and end. */
int vm_stop(struct vm *vm);
/* Asks a Linux guest to end its container (SIGTERM to every process but
 * init, through the serial console's magic SysRq), and stops the VM by
 * force after grace_ms if it has not ended by then; other guests are
 * stopped at once. Returns 0 or -EBUSY (not running). */
int vm_shutdown(struct vm *vm, uint32_t grace_ms);
/* The last bytes of the VM's console (up to len - 1, NUL-terminated),
 * from the start of a line when the ring allows. Returns the length. */
size_t vm_console_tail(struct vm *vm, char *buf, size_t len);
/* Up to len bytes of the console from the absolute offset from (bytes
 * ever written count from 0), or from the oldest byte still kept if from
 * is older: *start gets where the bytes copied begin, *end the console's
 * length. Returns the bytes copied (not NUL-terminated). */
size_t vm_console_read(struct vm *vm, uint64_t from, char *buf, size_t len, uint64_t *start,
		       uint64_t *end);
/* Called by the host's monitor every 100 ms: forced stops that are due. */
void vm_tick(void);
/* Frees a stopped VM; every page goes back zeroed. -EBUSY if running. */
int vm_destroy(struct vm *vm);
struct vm *vm_find(const char *name);
/* Prints every VM's state, exit status and exit statistics. */
void vm_print_all(void);
/* VMs created or running (not yet stopped). */
unsigned vm_count_running(void);
void vm_stop_all(void);
/* Destroys every stopped VM. */
void vm_destroy_all(void);

/* A snapshot of one VM, for the console and the RPC methods. */
struct vm_info {
	char name[VM_NAME_MAX];
	/* "created", "running", "stopping", or once stopped: "exited"
	 * (exit_status holds the status), "stopped" (by the operator) or
	 * "crashed" (reason says why). */
	const char *state;
	char reason[96];		/* why it stopped, "" while running */
	int exit_status;		/* from the test device, -1: none */
	uint32_t memory_mib, vcpus;
	uint64_t exits[VM_EXIT_COUNT];	/* by reason, all vCPUs */
	uint64_t exit_us[VM_EXIT_COUNT];	/* time spent handling them */
};

#define VM_SLOTS 32

/* Fills *out for the VM in slot (0..VM_SLOTS-1); -ENOENT if empty. */
int vm_get_info(uint32_t slot, struct vm_info *out);
/* The VM's state word as vm_info has it. */
const char *vm_state_name(const struct vm *vm);
/* "cpuid", "io", ...: a stable name for each exit code. */
const char *vm_exit_name(enum vm_exit_code c);

/* Chooses and initialises a back end on the boot CPU. Returns 0,
 * -ENODEV (no usable VT-x/EPT nor AMD-V/NPT; reason printed). */
int vmm_init(void);
/* Per-CPU part, on each AP. */
int vmm_init_ap(void);

#endif
