/*
 * Building and loading the VMCS of a vCPU. The VMCS is filled on the
 * vCPU's own physical CPU the first time it runs, and stays current there
 * (vCPUs do not migrate).
 */
#ifndef ARCH_X86_VMCS_H
#define ARCH_X86_VMCS_H

#include "core/domain.h"

/* Makes v's VMCS current on this CPU, building it on first use. 0 or -errno. */
int vmcs_load(struct vcpu *v);

/* Guest paging registers for the guest page walker (v's VMCS must be current). */
void vmx_guest_paging_state(struct vcpu *v, uint64_t *cr0, uint64_t *cr3, uint64_t *cr4,
			    uint64_t *efer);

/* CR0/CR4 as the guest sees them (its bits and our read shadows); VMCS current. */
uint64_t vmcs_guest_cr0(void);
uint64_t vmcs_guest_cr4(void);

/*
 * Applies a guest write to CR0/CR3/CR4 (fixed bits, shadows, long-mode
 * activation, PAE PDPTEs); 0, or -errno for a write that raises #GP.
 */
int vmcs_set_guest_cr0(struct vcpu *v, uint64_t value);
int vmcs_set_guest_cr3(struct vcpu *v, uint64_t value);
int vmcs_set_guest_cr4(struct vcpu *v, uint64_t value);

/* The CR4 bits a guest may set (what MOV to CR4 accepts). */
uint64_t vmcs_guest_cr4_valid(void);

/*
 * Puts v's registers that live outside the VMCS (x87/SSE, DR0-3/DR6, the
 * task priority) in their reset state (exit.c). -EINVAL for an id out of range.
 */
void vmx_guest_cpu_state_init(struct vcpu *v);

/* Logs the guest state most often behind a failed VM entry, naming the bad field. */
void vmcs_diagnose_guest_state(struct vcpu *v);

#endif
