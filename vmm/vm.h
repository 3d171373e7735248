/* VMs and vCPUs. The back ends see these structs (they keep their own
 * state behind the arch pointers); everything else goes through vm_*(). */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/spinlock.h"
#include "vmm/vmm.h"

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
	struct vm *vm;			/* [I] */
	void *arch;			/* [c] back end's state */
	volatile uint32_t kick;		/* [a] stop requested */
	bool halted;			/* [c] in HLT, waiting for an interrupt */
	uint64_t wake_tsc;		/* [c] when a halted vCPU re-checks */
	struct vm_stats stats;		/* [c] */
};

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
};

/* Host pointer for [gpa, gpa+len) inside guest RAM, or NULL. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* Stops the VM from any context: records the first reason, marks it
 * stopping, and kicks its vCPUs out of the guest. */
void vm_stop_reason(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
