/*
 * System time: nanoseconds since the hypervisor measured the TSC at boot,
 * computed from the TSC with the same 32-bit multiplier and shift the
 * guests get in their pvclock records (Xen's vcpu_time_info), so the
 * hypervisor's "now" and a guest's never disagree by more than a rounding.
 */
#ifndef CORE_TIME_H
#define CORE_TIME_H

#include "core/types.h"

#define NSEC_PER_USEC 1000UL
#define NSEC_PER_MSEC 1000000UL
#define NSEC_PER_SEC 1000000000UL
#define TIME_NEVER UINT64_MAX /* a deadline that is never reached */

/*
 * ticks to ns as pvclock defines it: shift the tick count left by shift
 * (right when negative), multiply by mul and keep bits 95:32.
 */
struct time_scale {
	uint32_t mul;
	int8_t shift;
};

/* The scale for a counter running at khz ticks per millisecond; false if khz is 0. */
bool time_scale_for_khz(struct time_scale *s, uint64_t khz);
uint64_t time_scale_apply(const struct time_scale *s, uint64_t ticks);
/* The fewest ticks that time_scale_apply turns into at least ns (UINT64_MAX if none). */
uint64_t time_scale_inverse(const struct time_scale *s, uint64_t ns);

/* Starts system time at 0 now; after arch_time_init (the TSC rate). Boot CPU only. */
void time_init(void);

/* The scale and the TSC value at system time 0, for the pvclock records. */
extern struct time_scale system_time_scale;
extern uint64_t system_time_base_tsc;

/* System time at TSC value tsc (0 before the base), and now. */
uint64_t system_time_at(uint64_t tsc);
uint64_t system_time(void);
/* The first TSC value at which system time reaches ns (UINT64_MAX: never). */
uint64_t system_time_to_tsc(uint64_t ns);

#endif
