/*
 * What core/ needs from the architecture. Everything behind it lives in
 * arch/x86/; a second backend would implement the same functions.
 */
#ifndef CORE_ARCH_H
#define CORE_ARCH_H

#include "boot/bootinfo.h"
#include "core/types.h"

/* Descriptor tables and exception handling for the boot CPU. */
void arch_early_init(void);

/* Replaces the loader's page tables with the hypervisor's own. */
int arch_paging_init(const struct boot_info *bi);

/* Hardware virtualisation present and usable? 0, or -ENODEV and a reason. */
int arch_virt_check(char *why, size_t len);
void arch_virt_report(void);

/* Starts every listed CPU; returns how many are online, the caller included. */
struct acpi_info;
unsigned int arch_smp_boot(const struct acpi_info *acpi, unsigned int max_cpus);

/* Prints one line per CPU: id, APIC id, state. */
void arch_cpus_report(void);

unsigned int arch_cpu_id(void);
unsigned int arch_cpus_online(void);
uint64_t arch_cycles(void);
/* Measures the TSC against a fixed-rate timer: needed before any delay or timeout. */
void arch_time_init(void);
/* TSC ticks per millisecond (calibrated at boot). */
uint64_t arch_tsc_khz(void);
void arch_cpu_relax(void);

/* Stops every other CPU (used on panic). */
void arch_stop_other_cpus(void);
/* Prints a backtrace of the caller. */
void arch_backtrace_here(void);

/*
 * Domains and vCPUs (the VMX backend in arch/x86/). perms for
 * arch_domain_map are ARCH_MAP_* bits.
 */
struct domain;
struct vcpu;

#define ARCH_MAP_R (1u << 0)
#define ARCH_MAP_W (1u << 1)
#define ARCH_MAP_X (1u << 2)
#define ARCH_MAP_RWX (ARCH_MAP_R | ARCH_MAP_W | ARCH_MAP_X)

int arch_domain_init(struct domain *d);
void arch_domain_destroy(struct domain *d);
/* Maps guest-physical [gpa, gpa+size) to host [hpa, ...), replacing what was there. */
int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms);
int arch_domain_unmap(struct domain *d, uint64_t gpa, uint64_t size);

/* Guest-virtual to guest-physical through the guest's own page tables. */
int arch_guest_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa);

/* True when the vCPU runs 64-bit code now: which hypercall structure layouts it uses. */
bool arch_vcpu_is_64bit(struct vcpu *v);

int arch_vcpu_init(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
/* PVH start: 32-bit protected mode, paging off, EIP = entry, EBX = ebx. */
void arch_vcpu_set_pvh_entry(struct vcpu *v, uint32_t entry, uint32_t ebx);
/*
 * VCPUOP_initialise: checks the guest's context (core/public/hvm_vcpu.h)
 * and makes it the state v starts in. 0, -EINVAL for a context Xen refuses
 * or the CPU could not enter, -EBUSY if v has run already.
 */
struct vcpu_hvm_context;
int arch_vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx);
/* On v's own CPU: makes v the vCPU whose state guest-virtual accesses (copy_to_guest) use. */
int arch_vcpu_load(struct vcpu *v);
/* Runs the vCPU until it has a request for the scheduler or its slice ends. */
void arch_vcpu_run(struct vcpu *v, uint64_t slice_tsc);
void arch_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
/* Makes a CPU leave guest mode soon (an IPI); harmless if it is not in one. */
void arch_kick_cpu(unsigned int cpu);
/* Waits with interrupts on until one arrives (a kick, a timer); returns with them off. */
void arch_idle_wait(void);
/*
 * Takes the interrupts pending at this CPU now (a moment with them on). A
 * guest that runs with interrupts off may not leave for an external
 * interrupt on every platform (Bochs keeps it masked): the scheduler
 * opens this window between runs, so timers fire by the end of a slice.
 */
void arch_irq_window(void);
/*
 * This CPU's timer interrupt (which calls timer_interrupt()) at TSC value
 * deadline_tsc, or at once if that has passed; UINT64_MAX: none. Replaces
 * the previous deadline.
 */
void arch_timer_program(uint64_t deadline_tsc);
/* Makes CPU cpu take a timer interrupt soon (its queue's head changed). */
void arch_timer_kick(unsigned int cpu);
/* Per-CPU virtualisation start (VMXON) and stop (VMXOFF). */
int arch_virt_cpu_start(void);
void arch_virt_cpu_stop(void);

__noreturn void arch_poweroff(const struct acpi_info *acpi);
__noreturn void arch_halt(void);

#endif
