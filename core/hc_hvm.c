/*
 * hvm_op(op, arg): HVM parameters (Xen 4.17's arch/x86/hvm/hvm.c
 * semantics for a guest acting on itself).
 */
#include "core/evtchn.h"
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
 * (The domain builder sets the ring's pfn, core/console_ring.c; its event
 * channel exists once event channels do.) A 0 XenStore pfn/port, on the
 * other hand, is how guests learn there is none.
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

static int set_callback_irq(struct domain *d, uint64_t value);

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

	rc = set_callback_irq(v->domain, p.value);
	if (rc)
		return rc;
	__atomic_store_n(&v->domain->hvm_params[p.index], p.value, __ATOMIC_RELEASE);
	return 0;
}

/*
 * HVM_PARAM_CALLBACK_IRQ: bits 63:56 the type, the rest its argument. Only
 * the vector type is delivered (as Linux PVH and XTF use it); the GSI and
 * PCI INTx types need the emulated IOAPIC a PVH domain does not have.
 * 0 turns delivery off.
 */
static int set_callback_irq(struct domain *d, uint64_t value)
{
	uint64_t type = value >> HVM_PARAM_CALLBACK_TYPE_SHIFT;
	uint8_t vector = (uint8_t)value;

	if (value == 0) {
		d->callback_vector = 0;
		return 0;
	}
	if (type != HVM_PARAM_CALLBACK_TYPE_VECTOR)
		return -EOPNOTSUPP;
	/* Vectors below 0x10 are exceptions and reserved ones (SDM 6.2). */
	if (vector < 0x10)
		return -EINVAL;
	__atomic_store_n(&d->callback_vector, vector, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		evtchn_upcall_reassert(d->vcpus[i]);
	return 0;
}

/* HVMOP_set_evtchn_upcall_vector: a per-vCPU vector, which overrides the domain's. */
static int64_t set_upcall_vector(struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	struct xen_hvm_evtchn_upcall_vector op;
	struct vcpu *t;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	if (op.vector < 0x10)
		return -EINVAL;
	if (op.vcpu >= d->nr_vcpus || op.vcpu >= DOMAIN_MAX_VCPUS || !d->vcpus[op.vcpu])
		return -ENOENT;
	t = d->vcpus[op.vcpu];
	__atomic_store_n(&t->upcall_vector, op.vector, __ATOMIC_SEQ_CST);
	evtchn_upcall_reassert(t);
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
		return set_upcall_vector(v, args[1]);
	case HVMOP_pagetable_dying:
		/* A shadow-paging hint: nothing to do under EPT, and Xen allows -ENOSYS. */
	default:
		return -ENOSYS;
	}
}
