/*
 * Per-CPU timer queues in system time (core/time.h), after Xen's
 * common/timer.c: a timer belongs to one physical CPU, whose local APIC
 * timer is programmed for the earliest deadline on its queue, and its
 * callback runs on that CPU, from the timer interrupt, with no queue lock
 * held (so it may set, stop or migrate any timer, its own included).
 *
 * Interrupts are only ever open in the idle wait and in the moment after
 * an external-interrupt VM exit, where no lock is held: callbacks may take
 * any lock, and the functions below may be called from anywhere.
 */
#ifndef CORE_TIMER_H
#define CORE_TIMER_H

#include "core/types.h"

typedef void (*timer_fn_t)(void *data);

enum timer_status {
	TIMER_INACTIVE,
	TIMER_QUEUED,
	TIMER_KILLED, /* timer_kill: never queued again */
};

/* Embedded in its owner; the fields are the queue's, not for callers. */
struct timer {
	uint64_t expires; /* system time, ns */
	timer_fn_t fn;
	void *data;
	struct timer *prev, *next; /* the CPU's queue, earliest first */
	volatile uint32_t cpu;
	volatile uint32_t status; /* enum timer_status */
};

/* Prepares t (inactive) to run fn(data) on CPU cpu. */
void timer_init(struct timer *t, timer_fn_t fn, void *data, unsigned int cpu);

/*
 * Arms or re-arms t for system time expires (ns); one already in the past
 * runs at once (at the next interrupt window). TIME_NEVER never expires.
 */
void timer_set(struct timer *t, uint64_t expires);
/* Takes t off its queue; a callback already running elsewhere finishes. */
void timer_stop(struct timer *t);
/*
 * Stops t for good and waits until a callback of it running on another CPU
 * has returned: afterwards t may be freed. Not for the caller's own CPU's
 * running callback to wait on itself (it returns at once there).
 */
void timer_kill(struct timer *t);
/* Moves t to CPU cpu's queue, keeping its deadline if it is armed. */
void timer_migrate(struct timer *t, unsigned int cpu);
bool timer_is_active(const struct timer *t);
/* The deadline of an armed t, else TIME_NEVER. */
uint64_t timer_expires(const struct timer *t);

/*
 * Runs the callbacks of this CPU's expired timers, then programs the APIC
 * timer for the next. Called by the timer interrupt (arch/x86/idle.c).
 */
void timer_interrupt(void);

/* Debug key 't': every CPU's queue. */
void timer_dump(void);

#endif
