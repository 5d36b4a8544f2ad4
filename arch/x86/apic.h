/*
 * The local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode, whichever the
 * firmware left enabled.
 */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "core/types.h"

/*
 * Enables this CPU's local APIC (spurious vector, TPR 0, the firmware's
 * LVT entries masked), in the mode the first caller, the boot CPU, found.
 */
void apic_init(void);
uint32_t apic_id(void);
void apic_eoi(void);

/* Whether an IPI can name this APIC id in the current mode (not a broadcast). */
bool apic_id_reachable(uint32_t apic_id);
/* IPIs to an id that is not reachable are not sent. */
void apic_send_init(uint32_t apic_id);
void apic_send_startup(uint32_t apic_id, uint8_t vector);
void apic_send_nmi(uint32_t apic_id);
void apic_send_fixed(uint32_t apic_id, uint8_t vector);
/* Local APIC timer in TSC-deadline mode: fires when the TSC reaches IA32_TSC_DEADLINE. */
void apic_timer_tsc_deadline(uint8_t vector);
/*
 * Local APIC timer in one-shot mode, counting at the APIC's own rate (the
 * bus or crystal clock, divided by 1): apic_timer_start(n) interrupts after
 * n counts; 0 stops it.
 */
void apic_timer_oneshot(uint8_t vector);
void apic_timer_start(uint32_t count);
uint32_t apic_timer_remaining(void);
/* Waits until the last IPI was accepted; false after a bounded wait. */
bool apic_wait_icr_idle(void);

#endif
