/* Shared inside vmm/ only. */
#ifndef VMM_VMM_PRIV_H
#define VMM_VMM_PRIV_H

#include "vmm/loader.h"
#include "vmm/vm.h"

/* Runs fn(a, b) on cpu and returns its result; directly when that is this
 * CPU, else through a one-shot task there, waiting for it. */
int vmm_on_cpu(uint32_t cpu, int (*fn)(void *a, void *b), void *a, void *b);

int vcpu_setup(void *vcpu, void *entry);	/* on the vCPU's pCPU */
int vcpu_teardown(void *vcpu, void *unused);
void vcpu_task(void *vcpu);			/* the vCPU's run loop */
void vmm_print_stats(struct vm *vm);

#endif
