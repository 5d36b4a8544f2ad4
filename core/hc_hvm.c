/*
 * hvm_op(op, arg): HVM parameters (Xen 4.17's arch/x86/hvm/hvm.c
 * semantics for a guest acting on itself).
 */
#include "core/guest_memory.h"
#include "core/hypercalls.h"

/* The parameters Xen lets a guest read about itself; the rest are the toolstack's. */
static bool param_guest_readable(uint32_t index)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_CONSOLE_EVTCHN:
		return true;
	default:
		return false;
	}
}

/*
 * Xen returns 0 for a parameter nobody set. For the PV console we fail
 * instead: XTF takes any error as "no PV console" and writes through
 * console_io, but would wait forever on a ring at pfn 0 that nobody drains.
 * A 0 XenStore pfn/port, on the other hand, is how guests learn there is none.
 */
static bool param_unset_is_error(uint32_t index)
{
	return index == HVM_PARAM_CONSOLE_PFN || index == HVM_PARAM_CONSOLE_EVTCHN;
}

/* Copies the argument in and checks what get and set have in common. */
static int param_fetch(struct vcpu *v, uint64_t arg, struct xen_hvm_param *p)
{
	if (copy_from_guest(v, p, arg, sizeof(*p)))
		return -EFAULT;
	if (p->index >= HVM_NR_PARAMS)
		return -EINVAL;
	return hypercall_check_domid(v->domain, p->domid);
}

static int64_t get_param(struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	struct xen_hvm_param p;
	int rc;

	rc = param_fetch(v, arg, &p);
	if (rc)
		return rc;
	if (!param_guest_readable(p.index))
		return -EPERM;
	if (param_unset_is_error(p.index) && !d->hvm_params[p.index])
		return -ENOENT;

	p.value = d->hvm_params[p.index];
	return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
}

static int64_t set_param(struct vcpu *v, uint64_t arg)
{
	struct xen_hvm_param p;
	int rc;

	rc = param_fetch(v, arg, &p);
	if (rc)
		return rc;
	/* The callback (upcall) route is the guest's choice; the rest are set for it. */
	if (p.index != HVM_PARAM_CALLBACK_IRQ)
		return -EPERM;

	/* Kept for event delivery; nothing is delivered through it yet. */
	__atomic_store_n(&v->domain->hvm_params[p.index], p.value, __ATOMIC_RELEASE);
	return 0;
}

int64_t do_hvm_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	switch (args[0]) {
	case HVMOP_set_param:
		return set_param(v, args[1]);
	case HVMOP_get_param:
		return get_param(v, args[1]);
	case HVMOP_set_evtchn_upcall_vector:
		/* Needs event channels, which do not exist yet. */
	case HVMOP_pagetable_dying:
		/* A shadow-paging hint: nothing to do under EPT, and Xen allows -ENOSYS. */
	default:
		return -ENOSYS;
	}
}
