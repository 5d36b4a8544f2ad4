/*
 * Hypercall dispatch: Xen's numbers and register convention (see
 * core/public/xen.h). Each handler validates every argument before it
 * changes any state, and returns 0/a value or a negative errno.
 */
#ifndef CORE_HYPERCALL_H
#define CORE_HYPERCALL_H

#include "core/domain.h"

#define HYPERCALL_NR_ARGS 5

/* Returns the value for the guest's RAX; -ENOSYS for unknown numbers. */
int64_t hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[HYPERCALL_NR_ARGS]);

/*
 * For a long hypercall that has done part of its work: the guest will issue
 * the same hypercall again, with these arguments (its progress encoded in
 * them), after the scheduler has had the CPU. The handler's return value
 * is then ignored; the guest sees one call that returns when all is done.
 */
static inline void hypercall_preempt(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	for (unsigned int i = 0; i < HYPERCALL_NR_ARGS; i++)
		v->hypercall_restart_args[i] = args[i];
	v->hypercall_restart = true;
}

/* True when a long hypercall should stop and hypercall_preempt: its time slice is used up. */
bool hypercall_should_preempt(struct vcpu *v);

#endif
