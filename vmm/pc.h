/*
 * The PC platform a Linux micro-VM sees (DESIGN "The platform a micro-VM
 * sees"): a local APIC per vCPU, the I/O APIC, the 8254 PIT, the CMOS
 * clock, the 8259 pair (registers only), the 8042 reset line, and the
 * COM1 interrupt. Test guests (ELF64) do without it and keep the direct
 * injection of vmm/exit.c.
 */
#ifndef VMM_PC_H
#define VMM_PC_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/vlapic.h"

struct vm;
struct vcpu;

/* ISA interrupt lines (MP table: IRQ n is I/O APIC pin n). */
#define PC_IRQ_PIT  0
#define PC_IRQ_COM1 4

/* Attaches the platform devices to vm's buses (virtio-net with mac).
 * Returns 0, -ENOMEM, or an iobus error. Freed by pc_free. */
int pc_attach(struct vm *vm, const uint8_t mac[6]);
/* Puts the VM's virtio-net on the switch (net/vnet.h). Returns 0 or what
 * vnet_port_add returns, err saying why. */
struct vnet_attach;
int pc_attach_net(struct vm *vm, const struct vnet_attach *a, char *err, size_t errlen);
/* Takes the VM off the switch; no frame is delivered to it afterwards. */
void pc_detach_net(struct vm *vm);
void pc_free(struct vm *vm);
/* Gives a vCPU its local APIC (after pc_attach, before it runs). */
void pc_attach_vcpu(struct vcpu *v);

/* A device drives an I/O APIC input. Any context but the PC lock. */
void pc_set_irq(struct vm *vm, unsigned irq, bool level);
/* An MSI from a device (virtio-pci MSI-X): routed like an IPI. */
void pc_msi(struct vm *vm, uint64_t addr, uint32_t data);

/* COM1's interrupt line (a 16550's irq callback; ctx is the VM). */
void pc_uart_irq(void *vm, bool level);
/* A magic SysRq on COM1: a break, then key (Linux's serial console
 * takes the next character after a break as a SysRq command). */
void pc_sysrq(struct vm *vm, char key);

/* vCPU side (the owning pCPU only). Moves posted interrupts into the
 * local APIC and fires due timers. */
void pc_vcpu_sync(struct vcpu *v, uint64_t now);
/* The vector to inject now, or -1; pc_vcpu_taken once it is queued. */
int pc_vcpu_pending(struct vcpu *v);
void pc_vcpu_taken(struct vcpu *v, uint8_t vector);
/* The earliest TSC at which this vCPU has a timer to fire, 0: none. */
uint64_t pc_vcpu_deadline(struct vcpu *v);
/* The local APIC's register page, for the MMIO exit. */
int pc_lapic_read(void *vcpu, uint64_t off, unsigned size, uint64_t *val);
int pc_lapic_write(void *vcpu, uint64_t off, unsigned size, uint64_t val);

#endif
