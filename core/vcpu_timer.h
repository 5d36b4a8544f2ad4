/*
 * A vCPU's guest-visible timers (Xen 4.17 semantics): the single-shot timer
 * (VCPUOP_set_singleshot_timer / stop_singleshot_timer, and the older
 * set_timer_op hypercall) and the periodic timer (VCPUOP_set_periodic_timer
 * / stop_periodic_timer). Both raise VIRQ_TIMER on the vCPU when they fire;
 * both live on the timer queue of the vCPU's physical CPU.
 */
#ifndef CORE_VCPU_TIMER_H
#define CORE_VCPU_TIMER_H

#include "core/domain.h"
#include "core/hypercall.h"

/* At vCPU creation (on any CPU), and before the vCPU is freed (waits for a running callback). */
void vcpu_timers_init(struct vcpu *v);
void vcpu_timers_destroy(struct vcpu *v);
/* The vCPU now runs on CPU cpu: its timers follow it. */
void vcpu_timers_migrate(struct vcpu *v, unsigned int cpu);

/* The four VCPUOP timer sub-ops: caller v, target t, the guest's argument address. */
int64_t vcpu_op_timer(struct vcpu *v, struct vcpu *t, unsigned int cmd, uint64_t arg);

/* set_timer_op (hypercall 15). */
int64_t do_set_timer_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);

#endif
