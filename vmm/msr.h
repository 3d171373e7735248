/* The guest MSR allow-list. */
#ifndef VMM_MSR_H
#define VMM_MSR_H

#include <stdint.h>

struct vcpu;

/* Both return 0, or -EPERM when the architectural answer is #GP (the
 * MSR is not on the list, or the value is invalid for it). They reach the
 * vCPU's state only through vmm->get_reg/set_reg. */
int msr_read(struct vcpu *v, uint32_t index, uint64_t *val);
int msr_write(struct vcpu *v, uint32_t index, uint64_t val);

/* XSETBV: 0 or -EPERM (#GP). */
int xcr_write(struct vcpu *v, uint32_t index, uint64_t val);

/* MOV to CR0/CR4 by the guest: 0 or -EPERM (#GP). */
int cr_write(struct vcpu *v, unsigned cr, uint64_t val);

#endif
