/*
 * The hypercall handlers behind the dispatch table in core/hypercall.c, one
 * file per hypercall (core/hc_*.c), and what they record for the rest of
 * the hypervisor. Each handler takes the five raw argument registers, checks
 * every argument before it changes anything, and returns the guest's RAX.
 */
#ifndef CORE_HYPERCALLS_H
#define CORE_HYPERCALLS_H

#include "core/domain.h"
#include "core/errno.h"
#include "core/hypercall.h"

typedef int64_t (*hypercall_fn_t)(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);

int64_t do_console_io(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);
int64_t do_xen_version(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);
int64_t do_sched_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);
int64_t do_vcpu_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);
int64_t do_memory_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);
int64_t do_hvm_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);
int64_t do_grant_table_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]); /* hc_grant.c */

/*
 * Where a guest registered vCPU v's vcpu_info (VCPUOP_register_vcpu_info):
 * 0 and its guest-physical address, or -ENOENT when it has not (the vCPU
 * then uses its slot in shared_info, for ids below XEN_LEGACY_MAX_VCPUS).
 */
int vcpu_info_location(const struct vcpu *v, uint64_t *gpa);

/*
 * The guest-virtual address at which vCPU v's runstate is to be kept up to
 * date (VCPUOP_register_runstate_memory_area), or -ENOENT if none.
 */
int vcpu_runstate_area(const struct vcpu *v, uint64_t *gva);

/*
 * A domain may name itself as DOMID_SELF or by its id. Naming another
 * domain takes privileges no domain has yet: -EPERM if it exists (Xen's
 * XSM answer), -ESRCH if not.
 */
static inline int hypercall_check_domid(const struct domain *d, domid_t domid)
{
	if (domid == DOMID_SELF || domid == d->id)
		return 0;
	return domid < MAX_DOMAINS && domains[domid] ? -EPERM : -ESRCH;
}

#endif
