/*
 * memory_op(cmd, arg): the guest's view of its own memory and the pages the
 * hypervisor places into it (Xen 4.17's common/memory.c and
 * arch/x86/mm.c semantics for an auto-translated guest).
 */
#include "core/arch.h"
#include "core/console.h"
#include "core/grant_table.h"
#include "core/guest_memory.h"
#include "core/hypercalls.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/pvclock.h"
#include "core/spinlock.h"

/*
 * Xen keeps the sub-operation in the low 6 bits of cmd and a continuation's
 * start extent above them (MEMOP_CMD_MASK, MEMOP_EXTENT_SHIFT).
 */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1UL << MEMOP_EXTENT_SHIFT) - 1)

#define GFN_NONE (~0ULL)

/* Serialises placing shared_info: two vCPUs must not both allocate it. */
static spinlock_t physmap_lock = SPINLOCK_INIT;

static uint64_t ram_frames(const struct domain *d)
{
	return d->memory_bytes >> PAGE_SHIFT;
}

/* Guest RAM is one E820 entry: [0, memory_bytes). */
static int64_t memory_map(struct vcpu *v, uint64_t arg)
{
	const struct e820_entry ram = {
		.addr = 0,
		.size = v->domain->memory_bytes,
		.type = E820_RAM,
	};
	struct xen_memory_map map;
	struct compat_memory_map compat;
	bool native = arch_vcpu_is_64bit(v);

	if (native && copy_from_guest(v, &map, arg, sizeof(map)))
		return -EFAULT;
	if (!native) {
		if (copy_from_guest(v, &compat, arg, sizeof(compat)))
			return -EFAULT;
		map.nr_entries = compat.nr_entries;
		map.buffer = compat.buffer;
	}

	/* As Xen: as many entries as fit (possibly none), and the count written back. */
	map.nr_entries = MIN(map.nr_entries, 1u);
	if (map.nr_entries && copy_to_guest(v, map.buffer, &ram, sizeof(ram)))
		return -EFAULT;
	compat.nr_entries = map.nr_entries;
	if (native ? copy_to_guest(v, arg, &map, sizeof(map)) :
		     copy_to_guest(v, arg, &compat.nr_entries, sizeof(compat.nr_entries)))
		return -EFAULT;
	return 0;
}

/* Called with physmap_lock held; every argument already checked. */
static int map_shared_info(struct domain *d, uint64_t gfn)
{
	uint64_t old = d->shared_info_gfn;
	paddr_t hpa, ram;
	int rc;

	if (!d->shared_info_hpa) {
		rc = domain_alloc_overhead_page(d, &hpa);
		if (rc)
			return rc;
		memset(phys_to_virt(hpa), 0, PAGE_SIZE);
		d->shared_info_hpa = hpa;
	}

	rc = arch_domain_map(d, gfn << PAGE_SHIFT, d->shared_info_hpa, PAGE_SIZE,
			     ARCH_MAP_R | ARCH_MAP_W);
	if (rc)
		return rc;
	d->shared_info_gfn = gfn;
	/* Other vCPUs must leave guest mode to pick up the new translation. */
	domain_kick_vcpus(d);

	/* Moved: the old gfn shows its own RAM frame again (Xen leaves a hole there). */
	if (old != GFN_NONE && old != gfn && old < ram_frames(d)) {
		rc = guest_phys_to_host(d, old << PAGE_SHIFT, &ram);
		if (!rc)
			rc = arch_domain_map(d, old << PAGE_SHIFT, ram, PAGE_SIZE, ARCH_MAP_RWX);
		/* Harmless if it fails: shared_info then shows at both gfns. */
		if (rc)
			pr_warn("d%u: gfn %#llx keeps showing shared_info (%d)\n", d->id,
				(unsigned long long)old, rc);
	}
	return 0;
}

static int64_t add_to_physmap(struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	struct xen_add_to_physmap xatp;
	struct compat_add_to_physmap compat;
	int rc;

	if (arch_vcpu_is_64bit(v)) {
		if (copy_from_guest(v, &xatp, arg, sizeof(xatp)))
			return -EFAULT;
	} else {
		if (copy_from_guest(v, &compat, arg, sizeof(compat)))
			return -EFAULT;
		xatp = (struct xen_add_to_physmap){ .domid = compat.domid, .size = compat.size,
						    .space = compat.space, .idx = compat.idx,
						    .gpfn = compat.gpfn };
	}
	rc = hypercall_check_domid(d, xatp.domid);
	if (rc)
		return rc;
	/* The grant table's frames replace whatever the gfn showed, as shared_info does. */
	if (xatp.space == XENMAPSPACE_grant_table)
		return gnttab_map_frame(d, xatp.idx, xatp.gpfn);
	/* Moving guest frames is not offered yet. */
	if (xatp.space != XENMAPSPACE_shared_info)
		return -ENOSYS;
	if (xatp.idx != 0)
		return -EINVAL;
	/* The page replaces a RAM frame, which stays the domain's. */
	if (xatp.gpfn >= ram_frames(d))
		return -EINVAL;

	spin_lock(&physmap_lock);
	rc = map_shared_info(d, xatp.gpfn);
	if (!rc)
		wallclock_update(d);
	spin_unlock(&physmap_lock);
	/* The caller's pvclock record may be in the page now; the others' at their next run. */
	if (!rc)
		pvclock_update(v);
	return rc;
}

/* current_reservation, maximum_reservation and maximum_gpfn take a domid_t. */
static int64_t domain_query(struct vcpu *v, unsigned int op, uint64_t arg)
{
	struct domain *d = v->domain;
	domid_t domid;
	int rc;

	if (copy_from_guest(v, &domid, arg, sizeof(domid)))
		return -EFAULT;
	rc = hypercall_check_domid(d, domid);
	if (rc)
		return rc;

	/* The memory is fixed at build time: the reservation is its maximum. */
	if (op == XENMEM_maximum_gpfn)
		return (int64_t)ram_frames(d) - 1;
	return (int64_t)d->frames_guest;
}

int64_t do_memory_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	unsigned int op = args[0] & MEMOP_CMD_MASK;

	/* No operation here is ever continued, so a start extent is not ours. */
	if (args[0] >> MEMOP_EXTENT_SHIFT)
		return -ENOSYS;

	switch (op) {
	case XENMEM_memory_map:
		return memory_map(v, args[1]);
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, args[1]);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return domain_query(v, op, args[1]);
	default:
		/* Ballooning (populate_physmap, decrease_reservation) is not offered yet. */
		return -ENOSYS;
	}
}
