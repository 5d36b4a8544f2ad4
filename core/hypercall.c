/*
 * Hypercall dispatch: a constant table indexed by the hypercall number.
 * This is the hot path of every VMCALL exit, so it does nothing but the
 * bounds check and the indirect call; each handler does its own checks.
 */
#include "core/hypercall.h"
#include "core/errno.h"
#include "core/evtchn.h"
#include "core/hypercalls.h"
#include "core/vcpu_timer.h"

/* Numbers without an entry (vm_assist, ...) answer -ENOSYS. */
static const hypercall_fn_t hypercall_table[NR_HYPERCALLS] = {
	[__HYPERVISOR_memory_op] = do_memory_op,
	[__HYPERVISOR_xen_version] = do_xen_version,
	[__HYPERVISOR_console_io] = do_console_io,
	[__HYPERVISOR_vcpu_op] = do_vcpu_op,
	[__HYPERVISOR_sched_op] = do_sched_op,
	[__HYPERVISOR_hvm_op] = do_hvm_op,
	[__HYPERVISOR_grant_table_op] = do_grant_table_op,
	[__HYPERVISOR_event_channel_op] = do_event_channel_op,
	[__HYPERVISOR_set_timer_op] = do_set_timer_op, /* time: core/vcpu_timer.c */
};

int64_t hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[HYPERCALL_NR_ARGS])
{
	hypercall_fn_t fn;

	if (nr >= NR_HYPERCALLS)
		return -ENOSYS;
	fn = hypercall_table[nr];
	if (!fn)
		return -ENOSYS;
	return fn(v, args);
}
