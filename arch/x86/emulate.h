/*
 * What the VM-exit handlers emulate for a guest: CPUID, MSRs and port I/O.
 * A refused MSR access returns -EPERM and the caller injects #GP.
 */
#ifndef ARCH_X86_EMULATE_H
#define ARCH_X86_EMULATE_H

#include "arch/x86/cpu.h"
#include "core/domain.h"

void cpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);

int msr_emulate_read(struct vcpu *v, uint32_t msr, uint64_t *value);
int msr_emulate_write(struct vcpu *v, uint32_t msr, uint64_t value);
/* MSRs the guest may read and write without an exit (state kept in the VMCS or switched). */
extern const uint32_t msr_passthrough[];
extern const unsigned int nr_msr_passthrough;
bool msr_is_passthrough(uint32_t msr);

uint32_t io_emulate_in(struct vcpu *v, uint16_t port, unsigned int size);
void io_emulate_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t value);

#endif
