/*
 * grant_table_op(cmd, uop, count): the guest's structures in and out, and
 * Xen 4.17's per-command rules (counts, versions, continuations). The grant
 * state itself is core/grant_table.c.
 */
#include "core/arch.h"
#include "core/grant_table.h"
#include "core/guest_memory.h"
#include "core/hypercalls.h"

/* ---- Dispatch ---- */

/* Size of one operation's structure in the guest's layout; 0 if not offered. */
static size_t op_size(unsigned int cmd, bool native)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return sizeof(struct gnttab_map_grant_ref);
	case GNTTABOP_unmap_grant_ref:
		return sizeof(struct gnttab_unmap_grant_ref);
	case GNTTABOP_copy:
		return native ? sizeof(struct gnttab_copy) : sizeof(struct compat_gnttab_copy);
	default:
		return 0;
	}
}

/* One operation of a batch, read from and written back to buf in the guest's layout. */
static void batch_op(struct domain *d, unsigned int cmd, void *buf, bool native)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		((struct gnttab_map_grant_ref *)buf)->status = gnttab_map(d, buf);
		break;
	case GNTTABOP_unmap_grant_ref:
		((struct gnttab_unmap_grant_ref *)buf)->status = gnttab_unmap(d, buf);
		break;
	case GNTTABOP_copy:
		if (native) {
			((struct gnttab_copy *)buf)->status = gnttab_copy(d, buf);
		} else {
			struct compat_gnttab_copy *c = buf;
			const struct gnttab_copy op = {
				.source = { .u.gmfn = c->source.u.gmfn, .domid = c->source.domid,
					    .offset = c->source.offset },
				.dest = { .u.gmfn = c->dest.u.gmfn, .domid = c->dest.domid,
					  .offset = c->dest.offset },
				.len = c->len,
				.flags = c->flags,
			};

			c->status = gnttab_copy(d, &op);
		}
		break;
	}
}

/* Operations read and written back per guest copy: one page walk for several. */
#define BATCH_CHUNK 16

/*
 * map, unmap and copy take a batch of count operations, each with its own
 * status. A long batch is continued (Xen's convention: uop advanced past
 * the done ones, count reduced) when the time slice is used up.
 */
static int64_t batch(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS], unsigned int cmd,
		     uint64_t uop, uint32_t count)
{
	bool native = arch_vcpu_is_64bit(v);
	size_t size = op_size(cmd, native);
	union {
		struct gnttab_map_grant_ref map;
		struct gnttab_unmap_grant_ref unmap;
		struct gnttab_copy copy;
		struct compat_gnttab_copy compat_copy;
	} buf[BATCH_CHUNK];
	uint8_t *ops = (uint8_t *)buf; /* size bytes each, in the guest's layout */

	for (uint32_t done = 0; done < count;) {
		uint32_t n = MIN(count - done, (uint32_t)BATCH_CHUNK), j;

		if (copy_from_guest(v, ops, uop, n * size))
			return -EFAULT;
		for (j = 0; j < n; j++) {
			if ((done || j) && hypercall_should_preempt(v))
				break;
			batch_op(v->domain, cmd, ops + j * size, native);
		}
		if (copy_to_guest(v, uop, ops, j * size))
			return -EFAULT;
		done += j;
		uop += j * size;
		if (j < n) {
			const uint64_t next[HYPERCALL_NR_ARGS] = { args[0], uop, count - done,
								   args[3], args[4] };

			hypercall_preempt(v, next);
			return 0;
		}
	}
	return 0;
}

/* The gfns of the first nr_frames table frames (GFN_NONE where not placed). */
static int16_t setup_table_frames(struct vcpu *v, uint32_t nr_frames, uint64_t list, bool native)
{
	int16_t st = gnttab_setup(v->domain, nr_frames);

	if (st != GNTST_okay)
		return st;
	for (uint32_t i = 0; i < nr_frames; i++) {
		uint64_t gfn = gnttab_frame_gfn(v->domain, i);
		uint32_t gfn32 = (uint32_t)gfn;

		if (native ? copy_to_guest(v, list + i * sizeof(gfn), &gfn, sizeof(gfn)) :
			     copy_to_guest(v, list + i * sizeof(gfn32), &gfn32, sizeof(gfn32)))
			return GNTST_bad_virt_addr;
	}
	return GNTST_okay;
}

static int64_t setup_table(struct vcpu *v, uint64_t uop)
{
	bool native = arch_vcpu_is_64bit(v);
	struct gnttab_setup_table op;
	struct compat_gnttab_setup_table c;
	int16_t st;

	if (native ? copy_from_guest(v, &op, uop, sizeof(op)) :
		     copy_from_guest(v, &c, uop, sizeof(c)))
		return -EFAULT;
	if (!native)
		op = (struct gnttab_setup_table){ .dom = c.dom, .nr_frames = c.nr_frames,
						  .frame_list = c.frame_list };
	st = gnttab_check_self(v->domain, op.dom);
	if (st == GNTST_okay)
		st = setup_table_frames(v, op.nr_frames, op.frame_list, native);
	op.status = c.status = st;
	if (native ? copy_to_guest(v, uop, &op, sizeof(op)) :
		     copy_to_guest(v, uop, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

static int64_t query_size(struct vcpu *v, uint64_t uop)
{
	struct gnttab_query_size op;

	if (copy_from_guest(v, &op, uop, sizeof(op)))
		return -EFAULT;
	op.status = gnttab_check_self(v->domain, op.dom);
	if (op.status == GNTST_okay) {
		op.nr_frames = gnttab_nr_frames(v->domain);
		op.max_nr_frames = gnttab_max_frames(v->domain);
	}
	return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* Version 1 has no status frames: asking for none succeeds, any more is an error. */
static int64_t get_status_frames(struct vcpu *v, uint64_t uop)
{
	bool native = arch_vcpu_is_64bit(v);
	struct gnttab_get_status_frames op;
	struct compat_gnttab_get_status_frames c;

	if (native ? copy_from_guest(v, &op, uop, sizeof(op)) :
		     copy_from_guest(v, &c, uop, sizeof(c)))
		return -EFAULT;
	if (!native)
		op = (struct gnttab_get_status_frames){ .nr_frames = c.nr_frames, .dom = c.dom };
	op.status = gnttab_check_self(v->domain, op.dom);
	if (op.status == GNTST_okay && op.nr_frames)
		op.status = GNTST_general_error;
	c.status = op.status;
	if (native ? copy_to_guest(v, uop, &op, sizeof(op)) :
		     copy_to_guest(v, uop, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

/* Only version 1: 2 is -ENOSYS (Xen built without v2), anything else -EINVAL. */
static int64_t set_version(struct vcpu *v, uint64_t uop)
{
	struct gnttab_set_version op;
	int64_t rc = 0;

	if (copy_from_guest(v, &op, uop, sizeof(op)))
		return -EFAULT;
	if (op.version != 1)
		rc = op.version == 2 ? -ENOSYS : -EINVAL;
	op.version = 1; /* the version in force, written back as Xen does */
	return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : rc;
}

static int64_t get_version(struct vcpu *v, uint64_t uop)
{
	struct gnttab_get_version op;
	int rc;

	if (copy_from_guest(v, &op, uop, sizeof(op)))
		return -EFAULT;
	rc = hypercall_check_domid(v->domain, op.dom);
	if (rc)
		return rc;
	op.version = 1;
	return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* grant_table_op(cmd, uop, count). */
int64_t do_grant_table_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	unsigned int cmd = (unsigned int)args[0];
	uint64_t uop = args[1];
	uint32_t count = (uint32_t)args[2];

	/* Xen takes cmd and count as unsigned int, and refuses counts that are negative as int. */
	if ((int32_t)count < 0)
		return -EINVAL;
	/* Bits above the command carry a continuation's state: only cache_flush has any. */
	if (cmd & ~GNTTABOP_CMD_MASK)
		return (cmd & GNTTABOP_CMD_MASK) == GNTTABOP_cache_flush ? -ENOSYS : -EINVAL;
	if (!v->domain->grant)
		return -ENOSYS;

	switch (cmd) {
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_copy:
		return batch(v, args, cmd, uop, count);
	case GNTTABOP_setup_table:
		return count == 1 ? setup_table(v, uop) : -EINVAL;
	case GNTTABOP_query_size:
		return count == 1 ? query_size(v, uop) : -EINVAL;
	case GNTTABOP_get_status_frames:
		return count == 1 ? get_status_frames(v, uop) : -EINVAL;
	case GNTTABOP_set_version:
		return set_version(v, uop);
	case GNTTABOP_get_version:
		return get_version(v, uop);
	default:
		/* dump_table, transfer, unmap_and_replace, swap_grant_ref, cache_flush. */
		return -ENOSYS;
	}
}
