/*
 * vcpu_op(cmd, vcpuid, arg): per-vCPU state a PVH guest registers or
 * queries (Xen 4.17's common/domain.c do_vcpu_op semantics). Bringing vCPUs
 * up and down and the timers are not offered yet: those sub-ops answer
 * -ENOSYS, except stopping a timer, which trivially succeeds.
 */
#include "core/guest_memory.h"
#include "core/hypercalls.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/spinlock.h"

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
	uint64_t runstate_gva; /* 0: none */
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
	struct vcpu_areas *a;
	int rc = -ENOENT;

	spin_lock(&vcpu_areas_lock);
	a = areas_of(v);
	if (a && a->runstate_gva) {
		*gva = a->runstate_gva;
		rc = 0;
	}
	spin_unlock(&vcpu_areas_lock);
	return rc;
}

static bool vcpu_is_up(const struct vcpu *t)
{
	return t->state == VCPU_RUNNABLE || t->state == VCPU_BLOCKED;
}

/* No time accounting yet: the state is real, the times are zero. */
static void runstate_fill(const struct vcpu *t, struct vcpu_runstate_info *info)
{
	memset(info, 0, sizeof(*info));
	switch (t->state) {
	case VCPU_RUNNABLE:
		info->state = t->on_cpu ? RUNSTATE_running : RUNSTATE_runnable;
		break;
	case VCPU_BLOCKED:
		info->state = RUNSTATE_blocked;
		break;
	default:
		info->state = RUNSTATE_offline;
		break;
	}
}

static int64_t get_runstate_info(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct vcpu_runstate_info info;

	runstate_fill(t, &info);
	return copy_to_guest(v, arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int64_t register_runstate_area(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct vcpu_register_runstate_memory_area area;
	struct vcpu_runstate_info info;
	struct vcpu_areas *a;

	if (copy_from_guest(v, &area, arg, sizeof(area)))
		return -EFAULT;

	spin_lock(&vcpu_areas_lock);
	a = areas_of(t);
	if (a)
		a->runstate_gva = area.addr;
	spin_unlock(&vcpu_areas_lock);
	if (!a)
		return -EINVAL;

	/* Xen writes the current state at once and, like it, ignores a fault here. */
	if (area.addr) {
		runstate_fill(t, &info);
		(void)copy_to_guest(v, area.addr, &info, sizeof(info));
	}
	return 0;
}

static int64_t register_vcpu_info(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct domain *d = v->domain;
	struct vcpu_register_vcpu_info reg;
	struct vcpu_info initial;
	struct vcpu_areas *a;
	uint64_t gpa;
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
	if (t != v && t->state != VCPU_DOWN)
		return -EINVAL;
	gpa = (reg.mfn << PAGE_SHIFT) + reg.offset;

	spin_lock(&vcpu_areas_lock);
	a = areas_of(t);
	if (!a || a->has_vcpu_info) {
		rc = -EINVAL; /* once only, as in Xen */
		goto out;
	}

	/* The new copy starts as the old one: shared_info's slot, if any. */
	memset(&initial, 0, sizeof(initial));
	if (d->shared_info_hpa && t->id < XEN_LEGACY_MAX_VCPUS) {
		const struct shared_info *si = phys_to_virt(d->shared_info_hpa);

		memcpy(&initial, &si->vcpu_info[t->id], sizeof(initial));
	}
	if (guest_phys_write(d, gpa, &initial, sizeof(initial))) {
		rc = -EFAULT;
		goto out;
	}
	a->has_vcpu_info = true;
	a->vcpu_info_gpa = gpa;
	rc = 0;
out:
	spin_unlock(&vcpu_areas_lock);
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
	case VCPUOP_is_up:
		return vcpu_is_up(t);
	case VCPUOP_get_runstate_info:
		return get_runstate_info(v, t, arg);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate_area(v, t, arg);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, t, arg);
	case VCPUOP_stop_periodic_timer:
		/* No periodic timer is ever armed. */
		return 0;
	case VCPUOP_stop_singleshot_timer:
		/* Xen: only a vCPU's own timer. None is ever armed. */
		return t == v ? 0 : -EINVAL;
	case VCPUOP_initialise:
	case VCPUOP_up:
	case VCPUOP_down:
		/* vCPUs are started by the domain builder (and INIT/SIPI), not by the guest yet. */
	case VCPUOP_set_periodic_timer:
	case VCPUOP_set_singleshot_timer:
		/* No guest timers yet. */
	default:
		return -ENOSYS;
	}
}
