/*
 * What guests read the time from (Xen's ABI, core/public/xen.h): each
 * vCPU's pvclock record (vcpu_time_info, in its vcpu_info) and the wall
 * clock in shared_info. A record holds a TSC value and the system time at
 * it, and the scale from TSC ticks to ns; the guest adds the scaled ticks
 * since. Writers follow the version protocol: odd while it changes.
 */
#ifndef CORE_PVCLOCK_H
#define CORE_PVCLOCK_H

#include "core/domain.h"

/* Where v's record is now (its vcpu_info), or NULL while it has none. */
struct vcpu_time_info *vcpu_time_info(struct vcpu *v);
/* d's shared_info page, or NULL before the guest placed it. */
struct shared_info *domain_shared_info(struct domain *d);

/*
 * Rewrites v's record. On v's own CPU, before it enters the guest: from
 * the scheduler when the record moved or v changed CPU, and from a
 * hypercall of v that moved it.
 */
void pvclock_update(struct vcpu *v);
/* The scheduler's check before each run of v on CPU cpu: pvclock_update if needed. */
void pvclock_before_run(struct vcpu *v, unsigned int cpu);

/* Reads the RTC: the wall-clock time at system time 0. Boot CPU, after time_init(). */
void wallclock_init(void);
/* Writes the wall clock into d's shared_info (when the guest places it). */
void wallclock_update(struct domain *d);
/* The wall-clock time at system time 0, ns since the epoch (0: unknown). */
uint64_t wallclock_base_ns(void);

#endif
