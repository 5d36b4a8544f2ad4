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
uint64_t arch_cycles(void);
void arch_cpu_relax(void);

/* Stops every other CPU (used on panic). */
void arch_stop_other_cpus(void);
/* Prints a backtrace of the caller. */
void arch_backtrace_here(void);

__noreturn void arch_poweroff(const struct acpi_info *acpi);
__noreturn void arch_halt(void);

#endif
