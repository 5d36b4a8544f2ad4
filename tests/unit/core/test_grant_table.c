/*
 * Tests for core/grant_table.c and its hypercall, core/hc_grant.c, called
 * through do_grant_table_op() as the VMCALL exit does. Edges faked here:
 * guest-virtual addresses are host pointers (with a switch that makes every
 * copy fault); guest RAM and the hypervisor's frames live in the fake
 * physical arena; each domain's EPT is a small table of 4 KiB entries that
 * arch_domain_map/unmap edit, so a test can see exactly what a guest would
 * reach at a gpa. Frames are counted: every test ends with all of them back.
 *
 * unit-test-sources: core/hc_grant.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/errno.h"
#include "core/grant_table.h"
#include "core/guest_memory.h"
#include "core/heap.h"
#include "core/hypercall.h"
#include "core/hypercalls.h"
#include "core/mm.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_BASE 0x10000000ULL
#define RAM_PAGES 16
#define RAM_BYTES (RAM_PAGES * PAGE_SIZE)
#define POOL_PAGES 160
#define ARENA_SIZE (3 * RAM_BYTES + POOL_PAGES * PAGE_SIZE)
#define POOL_BASE (ARENA_BASE + 3 * RAM_BYTES)

#define DOM_A 1 /* the granter */
#define DOM_B 2 /* the mapper */
#define DOM_C 3 /* a third domain */
#define EPT_SLOTS 64
#define MAP_GPA 0x20000ULL /* beyond B's RAM: a hole until a grant is mapped there */
#define RAM_GFN 5          /* inside B's RAM */

struct ept_entry {
	uint64_t gpa;
	paddr_t hpa;
	unsigned int perms;
	bool used;
};

struct domain *domains[MAX_DOMAINS];
static struct domain dom[4];
static struct vcpu vcpu[4];
static struct ept_entry ept[4][EPT_SLOTS];
static bool pool_used[POOL_PAGES];
static unsigned int pool_in_use;
static int overhead_fail_after = -1; /* allocations left before failing; -1 never */
static bool copies_fault;
static bool guest_64bit = true;
static unsigned int preempt_after; /* hypercall_should_preempt is true from this call on; 0 never */
static unsigned int preempt_calls;
static unsigned int crashes;

/* ---- fakes ---- */

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *ptr)
{
	free(ptr);
}

int domain_alloc_overhead_page(struct domain *d, paddr_t *pa)
{
	if (overhead_fail_after == 0)
		return -ENOMEM;
	if (overhead_fail_after > 0)
		overhead_fail_after--;
	for (unsigned int i = 0; i < POOL_PAGES; i++) {
		if (pool_used[i])
			continue;
		pool_used[i] = true;
		pool_in_use++;
		d->frames_overhead++;
		*pa = POOL_BASE + i * PAGE_SIZE;
		memset(phys_to_virt(*pa), 0xa5, PAGE_SIZE); /* fresh frames are not zero */
		return 0;
	}
	return -ENOMEM;
}

void domain_free_overhead_page(struct domain *d, paddr_t pa)
{
	unsigned int i = (unsigned int)((pa - POOL_BASE) / PAGE_SIZE);

	assert_true(pa >= POOL_BASE && i < POOL_PAGES && pool_used[i]);
	pool_used[i] = false;
	pool_in_use--;
	d->frames_overhead--;
}

static paddr_t ram_base(const struct domain *d)
{
	return ARENA_BASE + (d->id - 1) * RAM_BYTES;
}

int guest_phys_to_host(const struct domain *d, uint64_t gpa, paddr_t *hpa)
{
	if (gpa >= d->memory_bytes)
		return -EFAULT;
	*hpa = ram_base(d) + gpa;
	return 0;
}

static struct ept_entry *ept_find(struct domain *d, uint64_t gpa)
{
	for (unsigned int i = 0; i < EPT_SLOTS; i++)
		if (ept[d->id][i].used && ept[d->id][i].gpa == gpa)
			return &ept[d->id][i];
	return NULL;
}

int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms)
{
	struct ept_entry *e = ept_find(d, gpa);

	assert_int_equal(size, PAGE_SIZE);
	assert_true((gpa & (PAGE_SIZE - 1)) == 0 && (hpa & (PAGE_SIZE - 1)) == 0);
	for (unsigned int i = 0; !e && i < EPT_SLOTS; i++)
		if (!ept[d->id][i].used)
			e = &ept[d->id][i];
	if (!e)
		return -ENOMEM;
	*e = (struct ept_entry){ .gpa = gpa, .hpa = hpa, .perms = perms, .used = true };
	return 0;
}

int arch_domain_unmap(struct domain *d, uint64_t gpa, uint64_t size)
{
	struct ept_entry *e = ept_find(d, gpa);

	assert_int_equal(size, PAGE_SIZE);
	if (e)
		e->used = false;
	return 0;
}

/* What the domain reaches at gpa: its own RAM unless the fake EPT says otherwise. */
static paddr_t ept_lookup(struct domain *d, uint64_t gpa, unsigned int *perms)
{
	struct ept_entry *e = ept_find(d, gpa);

	if (e) {
		*perms = e->perms;
		return e->hpa;
	}
	if (gpa < d->memory_bytes) {
		*perms = ARCH_MAP_RWX;
		return ram_base(d) + gpa;
	}
	*perms = 0;
	return 0;
}

void domain_kick_vcpus(struct domain *d)
{
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	crashes++;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	if (copies_fault)
		return -EFAULT;
	memcpy(dst, (void *)(uintptr_t)gva, len);
	return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	if (copies_fault)
		return -EFAULT;
	memcpy((void *)(uintptr_t)gva, src, len);
	return 0;
}

bool arch_vcpu_is_64bit(struct vcpu *v)
{
	return guest_64bit;
}

bool hypercall_should_preempt(struct vcpu *v)
{
	return preempt_after && ++preempt_calls >= preempt_after;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	fake_physmem_init(ARENA_BASE, ARENA_SIZE);
	memset(phys_to_virt(ARENA_BASE), 0x5a, ARENA_SIZE);
	memset(dom, 0, sizeof(dom));
	memset(vcpu, 0, sizeof(vcpu));
	memset(ept, 0, sizeof(ept));
	memset(domains, 0, sizeof(domains));
	memset(pool_used, 0, sizeof(pool_used));
	pool_in_use = 0;
	overhead_fail_after = -1;
	copies_fault = false;
	guest_64bit = true;
	preempt_after = 0;
	preempt_calls = 0;
	crashes = 0;
	fake_console_reset();
	for (domid_t id = DOM_A; id <= DOM_C; id++) {
		struct domain *d = &dom[id];

		d->id = id;
		snprintf(d->name, sizeof(d->name), "d%u", id);
		d->memory_bytes = RAM_BYTES;
		d->state = DOMAIN_RUNNING;
		d->nr_vcpus = 1;
		d->vcpus[0] = &vcpu[id];
		vcpu[id].domain = d;
		domains[id] = d;
		assert_int_equal(gnttab_domain_init(d), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	for (domid_t id = DOM_A; id <= DOM_C; id++) {
		gnttab_domain_destroy(&dom[id]);
		assert_null(dom[id].grant);
		assert_int_equal(dom[id].frames_overhead, 0);
	}
	assert_int_equal(pool_in_use, 0);
	fake_physmem_free();
	return 0;
}

/* ---- helpers ---- */

static int64_t gnttab_op(domid_t caller, unsigned int cmd, void *uop, uint64_t count)
{
	const uint64_t args[HYPERCALL_NR_ARGS] = { cmd, (uint64_t)(uintptr_t)uop, count, 0, 0 };

	return do_grant_table_op(&vcpu[caller], args);
}

/* The granter's table, as its guest sees it once mapped. */
static struct grant_entry_v1 *entry_of(domid_t granter, grant_ref_t ref)
{
	static uint64_t frames[GNTTAB_MAX_FRAMES];
	struct gnttab_setup_table op = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = (uint64_t)(uintptr_t)frames };
	paddr_t hpa;
	unsigned int perms;
	unsigned int frame = ref / GNTTAB_ENTRIES_PER_FRAME;

	/* Place frame at gfn 8 + frame of the granter, then reach it through its EPT. */
	assert_int_equal(gnttab_map_frame(&dom[granter], frame, 8 + frame), 0);
	op.nr_frames = frame + 1;
	assert_int_equal(gnttab_op(granter, GNTTABOP_setup_table, &op, 1), 0);
	assert_int_equal(op.status, GNTST_okay);
	assert_int_equal(frames[frame], 8 + frame);
	hpa = ept_lookup(&dom[granter], (8 + frame) * PAGE_SIZE, &perms);
	assert_int_equal(perms, ARCH_MAP_R | ARCH_MAP_W);
	return (struct grant_entry_v1 *)phys_to_virt(hpa) + ref % GNTTAB_ENTRIES_PER_FRAME;
}

static struct grant_entry_v1 *grant(domid_t granter, grant_ref_t ref, domid_t to, uint32_t gfn,
				    uint16_t extra_flags)
{
	struct grant_entry_v1 *e = entry_of(granter, ref);

	e->domid = to;
	e->frame = gfn;
	__atomic_store_n(&e->flags, GTF_permit_access | extra_flags, __ATOMIC_RELEASE);
	return e;
}

static uint8_t *ram(domid_t id, uint64_t gfn)
{
	return phys_to_virt(ram_base(&dom[id]) + gfn * PAGE_SIZE);
}

static struct gnttab_map_grant_ref map_op(domid_t granter, grant_ref_t ref, uint64_t gpa,
					  uint32_t flags)
{
	return (struct gnttab_map_grant_ref){ .host_addr = gpa, .flags = flags, .ref = ref,
					      .dom = granter, .status = 99 };
}

static int16_t map(domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t gpa,
		   uint32_t flags, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = map_op(granter, ref, gpa, flags);

	assert_int_equal(gnttab_op(mapper, GNTTABOP_map_grant_ref, &op, 1), 0);
	if (handle)
		*handle = op.handle;
	return op.status;
}

static int16_t unmap(domid_t mapper, grant_handle_t handle, uint64_t gpa)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle, .status = 99 };

	assert_int_equal(gnttab_op(mapper, GNTTABOP_unmap_grant_ref, &op, 1), 0);
	return op.status;
}

/* ---- table size, set-up and versions ---- */

static void test_query_size_and_setup(void **state)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	uint64_t frames[GNTTAB_DEFAULT_FRAMES + 1];
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = GNTTAB_DEFAULT_FRAMES,
					.frame_list = (uint64_t)(uintptr_t)frames };

	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.status, GNTST_okay);
	assert_int_equal(q.nr_frames, 1); /* one at first: it grows on demand */
	assert_int_equal(q.max_nr_frames, GNTTAB_DEFAULT_FRAMES);
	assert_int_equal(dom[DOM_A].frames_overhead, 2);

	/* setup_table grows it; before the guest places them, the frames are nowhere. */
	memset(frames, 0, sizeof(frames));
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(dom[DOM_A].frames_overhead, 2 * GNTTAB_DEFAULT_FRAMES);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.nr_frames, GNTTAB_DEFAULT_FRAMES);
	for (unsigned int i = 0; i < GNTTAB_DEFAULT_FRAMES; i++)
		assert_int_equal(frames[i], ~0ULL);
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 2, 0x30), 0);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(frames[2], 0x30);

	s.nr_frames = GNTTAB_DEFAULT_FRAMES + 1;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_general_error);
	s.nr_frames = 1;
	s.dom = DOM_B;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_permission_denied);
	s.dom = 9;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_bad_domain);
	q.dom = DOM_C;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.status, GNTST_permission_denied);

	/* One structure at a time, as in Xen; a bad pointer is -EFAULT. */
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_query_size, &q, 2), -EINVAL);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 0), -EINVAL);
	copies_fault = true;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_query_size, &q, 1), -EFAULT);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), -EFAULT);
}

static void test_setup_table_32bit_layout(void **state)
{
	/* A 32-bit guest's handle is 32 bits: the list must sit below 4 GiB to be named. */
	uint32_t *frames = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	struct compat_gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 2 };

	assert_true(frames != MAP_FAILED && !((uintptr_t)frames >> 32));
	s.frame_list = (uint32_t)(uintptr_t)frames;
	guest_64bit = false;
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 1, 0x44), 0);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(frames[0], 0xffffffffu);
	assert_int_equal(frames[1], 0x44);
	munmap(frames, PAGE_SIZE);
}

static void test_versions(void **state)
{
	struct gnttab_set_version sv = { .version = 1 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	struct gnttab_get_status_frames gs = { .nr_frames = 0, .dom = DOMID_SELF };

	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_set_version, &sv, 1), 0);
	assert_int_equal(sv.version, 1);
	sv.version = 2;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_set_version, &sv, 1), -ENOSYS);
	assert_int_equal(sv.version, 1); /* the version in force comes back */
	sv.version = 0;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_set_version, &sv, 1), -EINVAL);
	sv.version = 3;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_set_version, &sv, 1), -EINVAL);

	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_get_version, &gv, 1), 0);
	assert_int_equal(gv.version, 1);
	gv.dom = DOM_B;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_get_version, &gv, 1), -EPERM);
	gv.dom = 11;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_get_version, &gv, 1), -ESRCH);

	/* Version 1 has no status frames. */
	gs.status = 99;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_get_status_frames, &gs, 1), 0);
	assert_int_equal(gs.status, GNTST_okay);
	gs.nr_frames = 1;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_get_status_frames, &gs, 1), 0);
	assert_int_equal(gs.status, GNTST_general_error);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_get_status_frames, &gs, 2), -EINVAL);
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], XENMAPIDX_grant_table_status, 0x30),
			 -EINVAL);
}

static void test_unknown_and_bad_commands(void **state)
{
	uint8_t buf[64] = { 0 };

	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_dump_table, buf, 1), -ENOSYS);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_transfer, buf, 1), -ENOSYS);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_swap_grant_ref, buf, 1), -ENOSYS);
	assert_int_equal(gnttab_op(DOM_A, 13, buf, 1), -ENOSYS);
	assert_int_equal(gnttab_op(DOM_A, 0x7fffffff & ~GNTTABOP_CMD_MASK, buf, 1), -EINVAL);
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_copy, buf, 0x80000000u), -EINVAL);
	/* Only the low 32 bits of count count, as Xen's unsigned int. */
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_copy, buf, 1ULL << 32), 0);
}

static void test_table_grows(void **state)
{
	uint64_t frames[3];
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 3,
					.frame_list = (uint64_t)(uintptr_t)frames };

	/* Entries past the frames there are do not exist yet. */
	assert_int_equal(map(DOM_B, DOM_A, 600, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_bad_gntref);
	/* Placing frame 2 grows the table to three frames. */
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 2, 0x30), 0);
	assert_int_equal(gnttab_nr_frames(&dom[DOM_A]), 3);
	assert_int_equal(dom[DOM_A].frames_overhead, 6);
	assert_int_equal(map(DOM_B, DOM_A, 600, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_general_error); /* exists now, but is not a grant */
	/* Out of memory: the table stays as it was, the guest gets an error. */
	overhead_fail_after = 1;
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 3, 0x31), -ENOMEM);
	assert_int_equal(gnttab_nr_frames(&dom[DOM_A]), 3);
	overhead_fail_after = 0;
	s.nr_frames = 4;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_general_error);
	overhead_fail_after = -1;
	s.nr_frames = 3;
	assert_int_equal(gnttab_op(DOM_A, GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(frames[2], 0x30);
	assert_int_equal(frames[1], ~0ULL);
}

static void test_map_frame_moves(void **state)
{
	unsigned int perms;

	assert_int_equal(gnttab_map_frame(&dom[DOM_A], GNTTAB_DEFAULT_FRAMES, 0x30), -EINVAL);
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 0, GNTTAB_MAP_GPA_LIMIT >> PAGE_SHIFT),
			 -EINVAL);
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 0, RAM_GFN), 0);
	assert_true(ept_lookup(&dom[DOM_A], RAM_GFN * PAGE_SIZE, &perms) >= POOL_BASE);
	/* Moved: the old gfn is RAM again. */
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 0, RAM_GFN + 1), 0);
	assert_int_equal(ept_lookup(&dom[DOM_A], RAM_GFN * PAGE_SIZE, &perms),
			 ram_base(&dom[DOM_A]) + RAM_GFN * PAGE_SIZE);
	assert_int_equal(perms, ARCH_MAP_RWX);
	/* Moved outside RAM: the old gfn becomes a hole. */
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 0, 0x40), 0);
	assert_int_equal(gnttab_map_frame(&dom[DOM_A], 0, 0x41), 0);
	assert_int_equal(ept_lookup(&dom[DOM_A], 0x40 * PAGE_SIZE, &perms), 0);
	assert_int_equal(perms, 0);
}

/* ---- map and unmap ---- */

static void test_map_unmap_writable(void **state)
{
	struct grant_entry_v1 *e = grant(DOM_A, 8, DOM_B, 3, 0);
	grant_handle_t h;
	unsigned int perms;
	paddr_t hpa;

	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, &h), GNTST_okay);
	hpa = ept_lookup(&dom[DOM_B], MAP_GPA, &perms);
	assert_int_equal(hpa, ram_base(&dom[DOM_A]) + 3 * PAGE_SIZE);
	assert_int_equal(perms, ARCH_MAP_R | ARCH_MAP_W);
	assert_int_equal(e->flags, GTF_permit_access | GTF_reading | GTF_writing);

	/* The granter cannot revoke it under us: the pin keeps the frame we checked. */
	e->frame = 4;
	e->flags = 0;
	assert_int_equal(ept_lookup(&dom[DOM_B], MAP_GPA, &perms), hpa);

	assert_int_equal(unmap(DOM_B, h, MAP_GPA + 8), GNTST_general_error); /* not its address */
	assert_int_equal(unmap(DOM_B, h, MAP_GPA), GNTST_okay);
	assert_int_equal(ept_lookup(&dom[DOM_B], MAP_GPA, &perms), 0); /* a hole again */
	assert_int_equal(e->flags & (GTF_reading | GTF_writing), 0);
	assert_int_equal(unmap(DOM_B, h, MAP_GPA), GNTST_bad_handle);
	assert_int_equal(unmap(DOM_B, 5000, MAP_GPA), GNTST_bad_handle);
}

static void test_map_over_ram_restores_it(void **state)
{
	grant_handle_t h;
	unsigned int perms;

	grant(DOM_A, 1, DOM_B, 2, 0);
	assert_int_equal(map(DOM_B, DOM_A, 1, RAM_GFN * PAGE_SIZE, GNTMAP_host_map, &h),
			 GNTST_okay);
	assert_int_equal(ept_lookup(&dom[DOM_B], RAM_GFN * PAGE_SIZE, &perms),
			 ram_base(&dom[DOM_A]) + 2 * PAGE_SIZE);
	assert_int_equal(unmap(DOM_B, h, RAM_GFN * PAGE_SIZE), GNTST_okay);
	assert_int_equal(ept_lookup(&dom[DOM_B], RAM_GFN * PAGE_SIZE, &perms),
			 ram_base(&dom[DOM_B]) + RAM_GFN * PAGE_SIZE);
	assert_int_equal(perms, ARCH_MAP_RWX);
}

static void test_map_readonly(void **state)
{
	struct grant_entry_v1 *e = grant(DOM_A, 9, DOM_B, 3, GTF_readonly);
	grant_handle_t h, h2;
	unsigned int perms;

	/* A read-only grant cannot be mapped writable, and nothing is left set. */
	assert_int_equal(map(DOM_B, DOM_A, 9, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_general_error);
	assert_int_equal(e->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(ept_lookup(&dom[DOM_B], MAP_GPA, &perms), 0);

	assert_int_equal(map(DOM_B, DOM_A, 9, MAP_GPA, GNTMAP_host_map | GNTMAP_readonly, &h),
			 GNTST_okay);
	ept_lookup(&dom[DOM_B], MAP_GPA, &perms);
	assert_int_equal(perms, ARCH_MAP_R);
	assert_int_equal(e->flags, GTF_permit_access | GTF_readonly | GTF_reading);

	/* A writable grant mapped read-only, then writable too: both pins count. */
	e = grant(DOM_A, 10, DOM_B, 4, 0);
	assert_int_equal(map(DOM_B, DOM_A, 10, MAP_GPA + PAGE_SIZE,
			     GNTMAP_host_map | GNTMAP_readonly, &h2),
			 GNTST_okay);
	assert_int_equal(e->flags, GTF_permit_access | GTF_reading);
	assert_int_equal(map(DOM_B, DOM_A, 10, MAP_GPA + 2 * PAGE_SIZE, GNTMAP_host_map, NULL),
			 GNTST_okay);
	assert_int_equal(e->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(DOM_B, h2, MAP_GPA + PAGE_SIZE), GNTST_okay);
	assert_int_equal(e->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(DOM_B, h, MAP_GPA), GNTST_okay);
}

static void test_map_bad_inputs(void **state)
{
	struct grant_entry_v1 *e = grant(DOM_A, 8, DOM_B, 3, 0);
	struct gnttab_map_grant_ref op;
	unsigned int perms;

	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, 0, NULL), GNTST_bad_gntref);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_device_map, NULL),
			 GNTST_general_error);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map | GNTMAP_contains_pte,
			     NULL),
			 GNTST_general_error);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map | GNTMAP_application_map,
			     NULL),
			 GNTST_general_error);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA + 1, GNTMAP_host_map, NULL),
			 GNTST_bad_virt_addr);
	assert_int_equal(map(DOM_B, DOM_A, 8, GNTTAB_MAP_GPA_LIMIT, GNTMAP_host_map, NULL),
			 GNTST_bad_virt_addr);
	assert_int_equal(map(DOM_B, 9, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_bad_domain);
	assert_int_equal(map(DOM_B, 0x7ff4, 8, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_bad_domain);
	assert_int_equal(map(DOM_B, DOM_A, GNTTAB_DEFAULT_FRAMES * GNTTAB_ENTRIES_PER_FRAME,
			     MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_bad_gntref);
	assert_int_equal(map(DOM_B, DOM_A, ~0u, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_bad_gntref);
	/* Granted to B, not to C; and not a grant at all. */
	assert_int_equal(map(DOM_C, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_general_error);
	grant(DOM_A, 11, DOM_B, 3, 0)->flags = GTF_accept_transfer;
	assert_int_equal(map(DOM_B, DOM_A, 11, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_general_error);
	/* A frame outside the granter's RAM is never reached (hypervisor or other memory). */
	grant(DOM_A, 12, DOM_B, RAM_PAGES, 0);
	assert_int_equal(map(DOM_B, DOM_A, 12, MAP_GPA, GNTMAP_host_map, NULL), GNTST_bad_page);
	assert_int_equal(entry_of(DOM_A, 12)->flags, GTF_permit_access);
	grant(DOM_A, 13, DOM_B, 0xffffffffu, 0);
	assert_int_equal(map(DOM_B, DOM_A, 13, MAP_GPA, GNTMAP_host_map, NULL), GNTST_bad_page);
	/* A dying granter offers nothing. */
	dom[DOM_A].state = DOMAIN_DYING;
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_bad_domain);
	dom[DOM_A].state = DOMAIN_RUNNING;

	assert_int_equal(e->flags, GTF_permit_access);
	assert_int_equal(ept_lookup(&dom[DOM_B], MAP_GPA, &perms), 0);

	/* A failed EPT change leaves no pin behind. */
	for (unsigned int i = 0; i < EPT_SLOTS; i++)
		ept[DOM_B][i] = (struct ept_entry){ .gpa = 0x100000 + i * PAGE_SIZE, .used = true };
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_general_error);
	assert_int_equal(e->flags, GTF_permit_access);
	memset(ept[DOM_B], 0, sizeof(ept[DOM_B]));

	/* A fault on the structure is -EFAULT. */
	op = map_op(DOM_A, 8, MAP_GPA, GNTMAP_host_map);
	copies_fault = true;
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_map_grant_ref, &op, 1), -EFAULT);
	copies_fault = false;
	assert_int_equal(e->flags, GTF_permit_access);
}

static void test_map_batch_each_status(void **state)
{
	struct gnttab_map_grant_ref ops[3];
	struct gnttab_unmap_grant_ref un[3];

	grant(DOM_A, 1, DOM_B, 1, 0);
	grant(DOM_A, 2, DOM_B, 2, 0);
	ops[0] = map_op(DOM_A, 1, MAP_GPA, GNTMAP_host_map);
	ops[1] = map_op(DOM_A, 3, MAP_GPA + PAGE_SIZE, GNTMAP_host_map); /* not granted */
	ops[2] = map_op(DOM_A, 2, MAP_GPA + 2 * PAGE_SIZE, GNTMAP_host_map);
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_map_grant_ref, ops, 3), 0);
	assert_int_equal(ops[0].status, GNTST_okay);
	assert_int_equal(ops[1].status, GNTST_general_error);
	assert_int_equal(ops[2].status, GNTST_okay);
	assert_int_not_equal(ops[0].handle, ops[2].handle);
	for (unsigned int i = 0; i < 3; i++)
		un[i] = (struct gnttab_unmap_grant_ref){ .host_addr = ops[i].host_addr,
							 .handle = ops[i].handle };
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_unmap_grant_ref, un, 3), 0);
	assert_int_equal(un[0].status, GNTST_okay);
	assert_int_equal(un[1].status, GNTST_bad_handle);
	assert_int_equal(un[2].status, GNTST_okay);
}

static void test_maptrack_limit(void **state)
{
	static grant_handle_t handles[GNTTAB_MAPTRACK_MAX];

	/* 1024 grants of one frame, each mapped once: every handle, then no space. */
	for (grant_ref_t ref = 0; ref < GNTTAB_MAPTRACK_MAX; ref++)
		grant(DOM_A, ref, DOM_B, 3, GTF_readonly);
	for (unsigned int i = 0; i < GNTTAB_MAPTRACK_MAX; i++) {
		/* The fake EPT has room for a few entries: map them all at one gpa. */
		assert_int_equal(map(DOM_B, DOM_A, i, MAP_GPA, GNTMAP_host_map | GNTMAP_readonly,
				     &handles[i]),
				 GNTST_okay);
	}
	assert_int_equal(map(DOM_B, DOM_A, 0, MAP_GPA, GNTMAP_host_map | GNTMAP_readonly, NULL),
			 GNTST_no_space);
	/* 1024 handles of 16 bytes: four maptrack pages. */
	assert_int_equal(dom[DOM_B].frames_overhead, 2 + 4);
	assert_int_equal(unmap(DOM_B, handles[77], MAP_GPA), GNTST_okay);
	assert_int_equal(map(DOM_B, DOM_A, 77, MAP_GPA, GNTMAP_host_map | GNTMAP_readonly,
			     &handles[77]),
			 GNTST_okay);
	/* The mapper dies with all of them: every pin goes (teardown checks the frames). */
	gnttab_domain_destroy(&dom[DOM_B]);
	for (grant_ref_t ref = 0; ref < GNTTAB_MAPTRACK_MAX; ref++)
		assert_int_equal(entry_of(DOM_A, ref)->flags, GTF_permit_access | GTF_readonly);
}

static void test_pin_counter_limit(void **state)
{
	grant(DOM_A, 8, DOM_B, 3, 0);
	for (unsigned int i = 0; i < 255; i++)
		assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_okay);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL),
			 GNTST_general_error);
}

static void test_maptrack_allocation_failure(void **state)
{
	grant(DOM_A, 8, DOM_B, 3, 0);
	overhead_fail_after = 0;
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_no_space);
	overhead_fail_after = -1;
	assert_int_equal(entry_of(DOM_A, 8)->flags, GTF_permit_access);
}

/* ---- a domain dies with mappings ---- */

static void test_granter_dies_mappings_torn_down(void **state)
{
	grant_handle_t h1, h2;
	unsigned int perms;

	grant(DOM_A, 8, DOM_B, 3, 0);
	grant(DOM_A, 9, DOM_C, 4, 0);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, &h1), GNTST_okay);
	assert_int_equal(map(DOM_B, DOM_A, 8, RAM_GFN * PAGE_SIZE, GNTMAP_host_map, &h2),
			 GNTST_okay);
	assert_int_equal(map(DOM_C, DOM_A, 9, MAP_GPA, GNTMAP_host_map, NULL), GNTST_okay);

	gnttab_domain_destroy(&dom[DOM_A]);
	assert_int_equal(dom[DOM_A].frames_overhead, 0);
	/* Nothing of A's is reachable any more: holes and B's own RAM. */
	assert_int_equal(ept_lookup(&dom[DOM_B], MAP_GPA, &perms), 0);
	assert_int_equal(ept_lookup(&dom[DOM_B], RAM_GFN * PAGE_SIZE, &perms),
			 ram_base(&dom[DOM_B]) + RAM_GFN * PAGE_SIZE);
	assert_int_equal(ept_lookup(&dom[DOM_C], MAP_GPA, &perms), 0);
	assert_non_null(strstr(fake_console_output(), "d2: 2 grant mappings of dying d1 torn down"));
	/* The handles are gone; A is unknown now. */
	assert_int_equal(unmap(DOM_B, h1, MAP_GPA), GNTST_bad_handle);
	assert_int_equal(unmap(DOM_B, h2, RAM_GFN * PAGE_SIZE), GNTST_bad_handle);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_bad_domain);
	assert_int_equal(crashes, 0);
}

static void test_mapper_dies_pins_dropped(void **state)
{
	struct grant_entry_v1 *e = grant(DOM_A, 8, DOM_B, 3, 0);

	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_okay);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA + PAGE_SIZE,
			     GNTMAP_host_map | GNTMAP_readonly, NULL),
			 GNTST_okay);
	gnttab_domain_destroy(&dom[DOM_B]);
	assert_int_equal(e->flags, GTF_permit_access);
	/* The grant is free again: C may have it once A re-grants it. */
	e->domid = DOM_C;
	assert_int_equal(map(DOM_C, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_okay);
}

/* ---- copy ---- */

static struct gnttab_copy copy_op(uint64_t src, domid_t sdom, uint16_t soff, uint64_t dst,
				  domid_t ddom, uint16_t doff, uint16_t len, uint16_t flags)
{
	struct gnttab_copy op = { .len = len, .flags = flags, .status = 99 };

	op.source.u.gmfn = src;
	op.source.domid = sdom;
	op.source.offset = soff;
	op.dest.u.gmfn = dst;
	op.dest.domid = ddom;
	op.dest.offset = doff;
	return op;
}

static int16_t copy1(domid_t caller, struct gnttab_copy op)
{
	assert_int_equal(gnttab_op(caller, GNTTABOP_copy, &op, 1), 0);
	return op.status;
}

static void test_copy_both_directions(void **state)
{
	struct grant_entry_v1 *e = grant(DOM_A, 8, DOM_B, 3, 0);

	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		ram(DOM_A, 3)[i] = (uint8_t)(i * 7);
	/* From A's grant into B's own frame 2. */
	assert_int_equal(copy1(DOM_B, copy_op(8, DOM_A, 0, 2, DOMID_SELF, 0, PAGE_SIZE,
					      GNTCOPY_source_gref)),
			 GNTST_okay);
	assert_memory_equal(ram(DOM_B, 2), ram(DOM_A, 3), PAGE_SIZE);
	assert_int_equal(e->flags, GTF_permit_access); /* no pin outlives the copy */

	/* From B's frame 4 into A's grant, at offsets. */
	memset(ram(DOM_B, 4), 0xee, PAGE_SIZE);
	assert_int_equal(copy1(DOM_B, copy_op(4, DOMID_SELF, 100, 8, DOM_A, 200, 50,
					      GNTCOPY_dest_gref)),
			 GNTST_okay);
	assert_int_equal(ram(DOM_A, 3)[199], (uint8_t)(199 * 7));
	assert_int_equal(ram(DOM_A, 3)[200], 0xee);
	assert_int_equal(ram(DOM_A, 3)[249], 0xee);
	assert_int_equal(ram(DOM_A, 3)[250], (uint8_t)(250 * 7));

	/* Gref to gref, and a zero-length copy. */
	grant(DOM_C, 5, DOM_B, 6, 0);
	assert_int_equal(copy1(DOM_B, copy_op(8, DOM_A, 0, 5, DOM_C, 0, 16,
					      GNTCOPY_source_gref | GNTCOPY_dest_gref)),
			 GNTST_okay);
	assert_memory_equal(ram(DOM_C, 6), ram(DOM_A, 3), 16);
	assert_int_equal(copy1(DOM_B, copy_op(8, DOM_A, PAGE_SIZE, 2, DOMID_SELF, PAGE_SIZE, 0,
					      GNTCOPY_source_gref)),
			 GNTST_okay);
}

static void test_copy_bad_inputs(void **state)
{
	uint8_t before[PAGE_SIZE];

	grant(DOM_A, 8, DOM_B, 3, 0);
	grant(DOM_A, 9, DOM_B, 4, GTF_readonly);
	memcpy(before, ram(DOM_A, 4), PAGE_SIZE);

	/* Past the page. */
	assert_int_equal(copy1(DOM_B, copy_op(8, DOM_A, 1, 2, DOMID_SELF, 0, PAGE_SIZE,
					      GNTCOPY_source_gref)),
			 GNTST_bad_copy_arg);
	assert_int_equal(copy1(DOM_B, copy_op(8, DOM_A, 0, 2, DOMID_SELF, 4000, 200,
					      GNTCOPY_source_gref)),
			 GNTST_bad_copy_arg);
	/* A frame by number only for DOMID_SELF: never another domain's memory. */
	assert_int_equal(copy1(DOM_B, copy_op(3, DOM_A, 0, 2, DOMID_SELF, 0, 8, 0)),
			 GNTST_permission_denied);
	assert_int_equal(copy1(DOM_B, copy_op(2, DOMID_SELF, 0, 3, DOM_A, 0, 8, 0)),
			 GNTST_permission_denied);
	/* Own frames outside RAM. */
	assert_int_equal(copy1(DOM_B, copy_op(RAM_PAGES, DOMID_SELF, 0, 2, DOMID_SELF, 0, 8, 0)),
			 GNTST_bad_page);
	assert_int_equal(copy1(DOM_B, copy_op(2, DOMID_SELF, 0, ~0ULL, DOMID_SELF, 0, 8, 0)),
			 GNTST_bad_page);
	/* A read-only grant as the destination. */
	assert_int_equal(copy1(DOM_B, copy_op(2, DOMID_SELF, 0, 9, DOM_A, 0, 8,
					      GNTCOPY_dest_gref)),
			 GNTST_general_error);
	assert_memory_equal(ram(DOM_A, 4), before, PAGE_SIZE);
	/* Foreign grefs: granted to B, so C cannot use them; bad refs and domains. */
	assert_int_equal(copy1(DOM_C, copy_op(8, DOM_A, 0, 2, DOMID_SELF, 0, 8,
					      GNTCOPY_source_gref)),
			 GNTST_general_error);
	assert_int_equal(copy1(DOM_B, copy_op(99999, DOM_A, 0, 2, DOMID_SELF, 0, 8,
					      GNTCOPY_source_gref)),
			 GNTST_bad_gntref);
	assert_int_equal(copy1(DOM_B, copy_op(8, 12, 0, 2, DOMID_SELF, 0, 8,
					      GNTCOPY_source_gref)),
			 GNTST_bad_domain);
	assert_int_equal(copy1(DOM_B, copy_op(8, DOM_A, 0, 2, DOMID_SELF, 0, 8, 0x4 |
					      GNTCOPY_source_gref)),
			 GNTST_bad_copy_arg);
	/* A failed destination leaves no pin on the source. */
	assert_int_equal(copy1(DOM_B, copy_op(8, DOM_A, 0, RAM_PAGES, DOMID_SELF, 0, 8,
					      GNTCOPY_source_gref)),
			 GNTST_bad_page);
	assert_int_equal(entry_of(DOM_A, 8)->flags, GTF_permit_access);
}

static void test_copy_32bit_layout(void **state)
{
	struct compat_gnttab_copy op = { .len = 64, .flags = GNTCOPY_source_gref };

	grant(DOM_A, 8, DOM_B, 3, 0);
	memset(ram(DOM_A, 3), 0x3c, 64);
	op.source.u.ref = 8;
	op.source.domid = DOM_A;
	op.dest.u.gmfn = 2;
	op.dest.domid = DOMID_SELF;
	op.status = 99;
	guest_64bit = false;
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_copy, &op, 1), 0);
	assert_int_equal(op.status, GNTST_okay);
	assert_int_equal(ram(DOM_B, 2)[63], 0x3c);
}

static void test_copy_batch_preempted(void **state)
{
	struct gnttab_copy ops[8];

	grant(DOM_A, 8, DOM_B, 3, 0);
	for (unsigned int i = 0; i < 8; i++)
		ops[i] = copy_op(8, DOM_A, 0, i % 4, DOMID_SELF, 0, 64, GNTCOPY_source_gref);
	/* The time slice ends before the fourth: three done, the rest continued. */
	preempt_after = 3;
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_copy, ops, 8), 0);
	assert_true(vcpu[DOM_B].hypercall_restart);
	assert_int_equal(vcpu[DOM_B].hypercall_restart_args[0], GNTTABOP_copy);
	assert_int_equal(vcpu[DOM_B].hypercall_restart_args[1], (uint64_t)(uintptr_t)&ops[3]);
	assert_int_equal(vcpu[DOM_B].hypercall_restart_args[2], 5);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(ops[i].status, GNTST_okay);
	assert_int_equal(ops[3].status, 99);
	/* The continuation does the rest. */
	vcpu[DOM_B].hypercall_restart = false;
	preempt_after = 0;
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_copy, &ops[3], 5), 0);
	assert_false(vcpu[DOM_B].hypercall_restart);
	for (unsigned int i = 3; i < 8; i++)
		assert_int_equal(ops[i].status, GNTST_okay);
}

static void test_copy_long_batch(void **state)
{
	static struct gnttab_copy ops[40];

	grant(DOM_A, 8, DOM_B, 3, 0);
	for (unsigned int i = 0; i < 40; i++)
		ops[i] = copy_op(8, DOM_A, 0, i % 4, DOMID_SELF, 0, 64, GNTCOPY_source_gref);
	ops[17].len = PAGE_SIZE + 1;
	/* Preempted in the second chunk of operations: what was done is written back. */
	preempt_after = 20;
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_copy, ops, 40), 0);
	assert_true(vcpu[DOM_B].hypercall_restart);
	assert_int_equal(vcpu[DOM_B].hypercall_restart_args[1], (uint64_t)(uintptr_t)&ops[20]);
	assert_int_equal(vcpu[DOM_B].hypercall_restart_args[2], 20);
	for (unsigned int i = 0; i < 20; i++)
		assert_int_equal(ops[i].status, i == 17 ? GNTST_bad_copy_arg : GNTST_okay);
	assert_int_equal(ops[20].status, 99);
	/* The whole batch again, not preempted: every chunk done, no pin left. */
	vcpu[DOM_B].hypercall_restart = false;
	preempt_after = 0;
	ops[0].status = ops[39].status = 99;
	assert_int_equal(gnttab_op(DOM_B, GNTTABOP_copy, ops, 40), 0);
	assert_int_equal(ops[39].status, GNTST_okay);
	assert_false(vcpu[DOM_B].hypercall_restart);
	assert_int_equal(entry_of(DOM_A, 8)->flags, GTF_permit_access);
}

/* ---- sizes and the debug key ---- */

static void test_config_and_memory(void **state)
{
	struct domain d = { .id = 4, .memory_bytes = RAM_BYTES };

	d.config.gnttab_frames = GNTTAB_MAX_FRAMES + 1;
	assert_int_equal(gnttab_domain_init(&d), -EINVAL);
	d.config.gnttab_frames = 1;
	overhead_fail_after = 1; /* the active page fails */
	assert_int_equal(gnttab_domain_init(&d), -ENOMEM);
	assert_int_equal(d.frames_overhead, 0);
	assert_null(d.grant);
	overhead_fail_after = -1;
	assert_int_equal(gnttab_domain_init(&d), 0);
	assert_int_equal(gnttab_nr_frames(&d), 1);
	assert_int_equal(d.frames_overhead, 2);
	gnttab_domain_destroy(&d);
	assert_int_equal(d.frames_overhead, 0);

	/* At the start: one shared and one active frame, no maptrack yet. */
	assert_int_equal(dom[DOM_A].frames_overhead, 2);
	assert_true(gnttab_memory_bytes(&dom[DOM_A]) > 2 * PAGE_SIZE);
	assert_true(gnttab_memory_bytes(&dom[DOM_A]) < 2 * PAGE_SIZE + 1024);
	printf("grant structures per domain at start: %lu bytes (%lu more per frame grown, "
	       "%lu per 256 maps held)\n",
	       (unsigned long)gnttab_memory_bytes(&dom[DOM_A]), 2 * PAGE_SIZE, PAGE_SIZE);
}

static void test_dump(void **state)
{
	grant(DOM_A, 8, DOM_B, 3, 0);
	assert_int_equal(map(DOM_B, DOM_A, 8, MAP_GPA, GNTMAP_host_map, NULL), GNTST_okay);
	fake_console_reset();
	gnttab_dump();
	assert_non_null(strstr(fake_console_output(), "d1 ref 8: flags 0x19 domid 2 frame 0x3, "
						      "pins w1 r0"));
	assert_non_null(strstr(fake_console_output(), "d1 (d1): grant table 1 of 4 frames (512 "
						      "entries), 1 in use, 1 pinned by others, "
						      "0 maps held"));
	assert_non_null(strstr(fake_console_output(), "d2 (d2): grant table 1 of 4 frames (512 "
						      "entries), 0 in use, 0 pinned by others, "
						      "1 maps held (1 maptrack pages)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_query_size_and_setup),
		T(test_setup_table_32bit_layout),
		T(test_versions),
		T(test_unknown_and_bad_commands),
		T(test_table_grows),
		T(test_map_frame_moves),
		T(test_map_unmap_writable),
		T(test_map_over_ram_restores_it),
		T(test_map_readonly),
		T(test_map_bad_inputs),
		T(test_map_batch_each_status),
		T(test_maptrack_limit),
		T(test_pin_counter_limit),
		T(test_maptrack_allocation_failure),
		T(test_granter_dies_mappings_torn_down),
		T(test_mapper_dies_pins_dropped),
		T(test_copy_both_directions),
		T(test_copy_bad_inputs),
		T(test_copy_32bit_layout),
		T(test_copy_batch_preempted),
		T(test_copy_long_batch),
		T(test_config_and_memory),
		T(test_dump),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
