/* VMs and vCPUs. The back ends see these structs (they keep their own
 * state behind the arch pointers); everything else goes through vm_*(). */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/spinlock.h"
#include "vmm/iobus.h"
#include "vmm/vmm.h"

struct task;

enum vm_state { VM_CREATED, VM_RUNNING, VM_STOPPING, VM_STOPPED };

/* One contiguous run of guest RAM backed by host pages. */
struct vm_mem {
	uint64_t gpa;
	uint64_t hpa;		/* physically contiguous */
	uint64_t len;
};

#define VM_MAX_MEMSLOTS 8

struct vm_stats {
	uint64_t count[VM_EXIT_COUNT];	/* [c] exits by reason */
	uint64_t tsc[VM_EXIT_COUNT];	/* [c] host TSC cycles handling them */
};

/* [I] immutable after create  [v] vm->lock  [a] atomic  [c] owning pCPU */
struct vcpu {
	uint32_t id;			/* [I] */
	uint32_t cpu;			/* [I] the pCPU it is pinned to */
	struct vm *vm;			/* [I] */
	void *arch;			/* [c] back end's state */
	/* [c] The general registers, indexed by enum vm_reg (RAX..R15; the
	 * RSP slot is not used, RSP lives with the back end): the exit fast
	 * path reads and writes them without a call. Set by vcpu_init. */
	uint64_t *gpr;
	struct task *task;		/* [v] the task running it; NULL once it ends */
	uint64_t irq_pending[4];	/* [a] external interrupt vectors */
	uint64_t irq_level[4];		/* [a] ...of them level-triggered */
	uint32_t events;		/* [a] VCPU_EV_*: NMI, INIT, SIPI */
	uint8_t sipi_vector;		/* [a] with VCPU_EV_SIPI */
	struct vlapic *lapic;		/* [c] PC platform only, else NULL */
	bool wait_sipi;			/* [c] an AP before its start-up IPI */
	bool halted;			/* [c] in HLT, waiting for an interrupt */
	uint64_t timer_tsc;		/* [c] test device timer deadline, 0: off */
	uint8_t timer_vector;		/* [c] */
	struct vm_stats stats;		/* [c] */
	uint8_t tpr;			/* [c] CR8, virtual */
	/* [c] Debug registers as the guest wrote them (back ends that
	 * intercept MOV DR): storage only, hardware breakpoints are not
	 * offered, and nothing of one guest's reaches the CPU. */
	uint64_t dr[4], dr6, dr7;
	/* [c] The last instruction length decoded for an exit (back ends
	 * without NRIP save): a loop exits at the same RIP over and over.
	 * A guest that rewrites its code under a cached RIP only confuses
	 * its own RIP. */
	uint64_t len_rip, len_cr3;
	uint8_t len_code, len;
};

#define VM_CONSOLE_RING 4096

struct vm {
	uint32_t id;			/* [I] */
	char name[VM_NAME_MAX];		/* [I] */
	struct spinlock lock;
	enum vm_state state;		/* [v] */
	char stop_reason[96];		/* [v] why it stopped */
	int exit_status;		/* [v] from the debug-exit port, or -1 */
	void *arch;			/* [I] back end's state (EPT/NPT root) */
	uint32_t nmem;			/* [I] */
	struct vm_mem mem[VM_MAX_MEMSLOTS];	/* [I] */
	uint32_t nvcpus;		/* [I] */
	struct vcpu *vcpus[VM_MAX_VCPUS];	/* [I] */
	uint64_t ram_bytes;		/* [I] */
	uint64_t overhead;		/* [I] host bytes beyond ram_bytes */
	struct iobus pio;		/* [I] after create */
	struct iobus mmio;		/* [I] after create */
	/* Guest console output (debug port 0xe9), a ring of the last bytes. */
	char console[VM_CONSOLE_RING];	/* [v] */
	uint64_t console_len;		/* [v] bytes ever written */
	char line[128];			/* [v] the line being assembled */
	uint32_t line_len;		/* [v] */
	uint64_t lines_sec;		/* [v] console rate limit: this second */
	uint32_t lines_shown, lines_dropped;	/* [v] */
	uint32_t vcpus_running;		/* [v] vCPU tasks not yet ended */
	void *testdev;			/* [I] */
	void *uart;			/* [u] the 16550 at 0x3f8 */
	struct spinlock uart_lock;	/* [u]: the vCPUs of an SMP guest share COM1 */
	struct pc *pc;			/* [I] the PC platform (Linux guests), or NULL */
	bool operator_stop;		/* [v] stopped on request, not by itself */
	bool ready;			/* [a] created whole: others may find it */
	uint64_t kill_at_ms;		/* [v] graceful stop: forced at this time, 0: none */
};

/* One byte of the guest's console output (the UART, the debug port):
 * kept in the VM's ring, shown on the host console line by line. */
void vm_console_putc(struct vm *vm, char c);

/* Posts an external interrupt to a vCPU and wakes it. Any context. */
void vcpu_post_irq(struct vcpu *v, uint8_t vector);
/* The same for a level-triggered vector (its EOI goes to the I/O APIC). */
void vcpu_post_irq_level(struct vcpu *v, uint8_t vector);

#define VCPU_EV_NMI  1u
#define VCPU_EV_INIT 2u
#define VCPU_EV_SIPI 4u
/* Posts an NMI, INIT or start-up IPI and wakes the vCPU. */
void vcpu_post_event(struct vcpu *v, uint32_t ev, uint8_t sipi_vector);

/* Host pointer for [gpa, gpa+len) inside guest RAM, or NULL. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* Stops the VM from any context: records the first reason, marks it
 * stopping, and kicks its vCPUs out of the guest. */
void vm_stop_reason(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
