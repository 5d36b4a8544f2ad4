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

#endif
