/*
 * vcpu_op(cmd, vcpuid, arg): per-vCPU state a PVH guest registers, queries
 * or changes (Xen 4.17's common/domain.c do_vcpu_op semantics): bringing
 * secondary vCPUs up with the HVM context of VCPUOP_initialise, taking them
 * down, their runstate; the timer sub-ops are core/vcpu_timer.c's.
 */
#include "core/evtchn.h"
#include "core/guest_memory.h"
#include "core/hypercalls.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/public/hvm_vcpu.h"
#include "core/pvclock.h"
#include "core/sched.h"
#include "core/spinlock.h"
#include "core/vcpu_timer.h"

/* VCPUOP_register_runstate_memory_area's argument: a guest-virtual address. */
struct vcpu_register_runstate_memory_area {
	uint64_t addr;
};

/*
 * What guests registered, kept beside struct vcpu (which has no fields for
 * it). An entry belongs to one domain incarnation, recognised by its
 * address and start time, so a new domain reusing the id starts empty.
 */
struct vcpu_areas {
	const struct domain *owner;
	uint64_t owner_start_tsc;
	bool has_vcpu_info;
	uint64_t vcpu_info_gpa;
};

static struct vcpu_areas vcpu_areas[MAX_DOMAINS][DOMAIN_MAX_VCPUS];
static spinlock_t vcpu_areas_lock = SPINLOCK_INIT;

/* The entry of v, or NULL if v's ids are out of the table's range. Lock held. */
static struct vcpu_areas *areas_of(const struct vcpu *v)
{
	const struct domain *d = v->domain;
	struct vcpu_areas *a;

	if (d->id >= MAX_DOMAINS || v->id >= DOMAIN_MAX_VCPUS)
		return NULL;
	a = &vcpu_areas[d->id][v->id];
	if (a->owner != d || a->owner_start_tsc != d->start_tsc) {
		memset(a, 0, sizeof(*a));
		a->owner = d;
		a->owner_start_tsc = d->start_tsc;
	}
	return a;
}

int vcpu_info_location(const struct vcpu *v, uint64_t *gpa)
{
	struct vcpu_areas *a;
	int rc = -ENOENT;

	spin_lock(&vcpu_areas_lock);
	a = areas_of(v);
	if (a && a->has_vcpu_info) {
		*gpa = a->vcpu_info_gpa;
		rc = 0;
	}
	spin_unlock(&vcpu_areas_lock);
	return rc;
}

int vcpu_runstate_area(const struct vcpu *v, uint64_t *gva)
{
	uint64_t area = v->runstate_gva;

	if (!area)
		return -ENOENT;
	*gva = area;
	return 0;
}

static int64_t get_runstate_info(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct vcpu_runstate_info info;

	sched_runstate_get(t, &info);
	return copy_to_guest(v, arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int64_t register_runstate_area(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct vcpu_register_runstate_memory_area area;
	struct vcpu_runstate_info info;

	if (copy_from_guest(v, &area, arg, sizeof(area)))
		return -EFAULT;
	/* The scheduler writes it from now on, at every switch of t (0 stops it). */
	t->runstate_gva = area.addr;

	/* Xen writes the current state at once for the caller itself, ignoring a fault. */
	if (area.addr && t == v) {
		sched_runstate_get(t, &info);
		(void)copy_to_guest(v, area.addr, &info, sizeof(info));
	}
	return 0;
}

/*
 * VCPUOP_initialise: a vCPU gets its start state once (-EEXIST after
 * that, vCPU 0 included), and stays down until VCPUOP_up.
 */
static int64_t vcpu_initialise(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct domain *d = v->domain;
	struct vcpu_hvm_context ctx;
	int64_t rc;

	if (copy_from_guest(v, &ctx, arg, sizeof(ctx)))
		return -EFAULT;
	spin_lock(&d->vcpu_updown_lock);
	if (t->initialised) {
		rc = -EEXIST;
	} else {
		rc = arch_vcpu_set_hvm_context(t, &ctx);
		if (!rc)
			t->initialised = true;
	}
	spin_unlock(&d->vcpu_updown_lock);
	return rc;
}

static int64_t vcpu_up(struct vcpu *v, struct vcpu *t)
{
	struct domain *d = v->domain;
	bool wake = false;

	spin_lock(&d->vcpu_updown_lock);
	if (!t->initialised) {
		spin_unlock(&d->vcpu_updown_lock);
		return -EINVAL;
	}
	if (t->down) {
		t->down = false;
		wake = true;
	}
	spin_unlock(&d->vcpu_updown_lock);
	if (wake)
		sched_vcpu_up(t);
	return 0;
}

/* Xen: taking the last vCPU that is up down powers the domain off. */
static int64_t vcpu_down(struct vcpu *v, struct vcpu *t)
{
	struct domain *d = v->domain;
	bool others_up = false, sleep = false;

	spin_lock(&d->vcpu_updown_lock);
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i] != t && !d->vcpus[i]->down)
			others_up = true;
	if (others_up && !t->down) {
		t->down = true;
		sleep = true;
	}
	spin_unlock(&d->vcpu_updown_lock);
	if (!others_up)
		domain_shutdown(d, SHUTDOWN_poweroff);
	else if (sleep)
		sched_vcpu_down(t);
	return 0;
}

static int64_t register_vcpu_info(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct domain *d = v->domain;
	struct vcpu_register_vcpu_info reg;
	struct vcpu_info initial;
	struct vcpu_areas *a;
	uint64_t gpa;
	paddr_t hpa;
	int64_t rc;

	if (copy_from_guest(v, &reg, arg, sizeof(reg)))
		return -EFAULT;
	/* It must fit in its page, at its natural alignment. */
	if (reg.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (reg.offset & 7))
		return -EINVAL;
	if (reg.mfn >= d->memory_bytes >> PAGE_SHIFT)
		return -EINVAL;
	/* That gfn shows shared_info, not the RAM frame we would write. */
	if (reg.mfn == d->shared_info_gfn)
		return -EINVAL;
	/* Xen: on the caller itself, or on a vCPU that is not running. */
	if (t != v && (!t->down || t->state != VCPU_DOWN))
		return -EINVAL;
	gpa = (reg.mfn << PAGE_SHIFT) + reg.offset;

	spin_lock(&vcpu_areas_lock);
	a = areas_of(t);
	if (!a || a->has_vcpu_info) {
		rc = -EINVAL; /* once only, as in Xen */
		goto out;
	}

	/* The new copy starts as the old one (shared_info's slot, if any). */
	memset(&initial, 0, sizeof(initial));
	if (t->vcpu_info)
		memcpy(&initial, t->vcpu_info, sizeof(initial));
	/*
	 * As Xen does: everything counts as pending, so an event that landed
	 * in the old copy while it moved is found by the guest's scan.
	 */
	initial.evtchn_upcall_pending = 1;
	initial.evtchn_pending_sel = ~0UL;
	/* In one page of guest RAM (checked above), so one host page too. */
	if (guest_phys_write(d, gpa, &initial, sizeof(initial)) ||
	    guest_phys_to_host(d, gpa, &hpa)) {
		rc = -EFAULT;
		goto out;
	}
	a->has_vcpu_info = true;
	a->vcpu_info_gpa = gpa;
	__atomic_store_n(&t->vcpu_info, (struct vcpu_info *)phys_to_virt(hpa), __ATOMIC_SEQ_CST);
	rc = 0;
out:
	spin_unlock(&vcpu_areas_lock);
	if (!rc)
		evtchn_upcall_reassert(t);
	/* Its pvclock record moved; another vCPU's is written when it next runs. */
	if (!rc && t == v)
		pvclock_update(v);
	return rc;
}

int64_t do_vcpu_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint32_t cmd = (uint32_t)args[0];    /* an int in Xen's prototype */
	uint32_t vcpuid = (uint32_t)args[1]; /* an unsigned int */
	uint64_t arg = args[2];
	struct domain *d = v->domain;
	struct vcpu *t;

	if (vcpuid >= d->nr_vcpus || vcpuid >= DOMAIN_MAX_VCPUS || !d->vcpus[vcpuid])
		return -ENOENT;
	t = d->vcpus[vcpuid];

	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(v, t, arg);
	case VCPUOP_up:
		return vcpu_up(v, t);
	case VCPUOP_down:
		return vcpu_down(v, t);
	case VCPUOP_is_up:
		return !__atomic_load_n(&t->down, __ATOMIC_ACQUIRE);
	case VCPUOP_get_runstate_info:
		return get_runstate_info(v, t, arg);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate_area(v, t, arg);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, t, arg);
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
	case VCPUOP_set_singleshot_timer:
	case VCPUOP_stop_singleshot_timer:
		return vcpu_op_timer(v, t, cmd, arg);
	default:
		return -ENOSYS;
	}
}
