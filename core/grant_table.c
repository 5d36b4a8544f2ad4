/*
 * Grant tables, version 1; see grant_table.h. Xen 4.17's common/grant_table.c
 * semantics for an auto-translated guest.
 *
 * State: the granter's shared entries (hypervisor frames the guest maps with
 * XENMEM_add_to_physmap), one active entry per grant holding the pins other
 * domains have on it, and each mapper's maptrack of handles. One lock for all
 * domains' grant state. A domain is known here (registered[]) from
 * gnttab_domain_init until gnttab_domain_destroy, which runs before any of
 * its frames is freed and takes the lock: a domain found in registered[]
 * under the lock therefore has its memory, EPT and table all alive.
 *
 * The granting guest may rewrite its shared entry at any time. Pins are
 * therefore counted in the active entry, and the frame and mapper recorded
 * there at the first pin are what every later use trusts; the shared flags
 * only ever get GTF_reading/GTF_writing set (by cmpxchg on the flags+domid
 * word, after checking it) and cleared (atomically) when the pins go.
 */
#include "core/grant_table.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/guest_memory.h"
#include "core/heap.h"
#include "core/hypercalls.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/spinlock.h"

#define ACTIVE_PER_PAGE (PAGE_SIZE / sizeof(struct grant_active))
#define MAPTRACK_PER_PAGE (PAGE_SIZE / sizeof(struct grant_maptrack))
#define MAPTRACK_PAGES (GNTTAB_MAPTRACK_MAX / MAPTRACK_PER_PAGE)
#define PIN_MAX 0xff /* per kind: refuse before a counter overflows */
#define GFN_NONE (~0ULL)
#define HANDLE_NONE (~0u)

/* The pins on one grant. */
struct grant_active {
	uint32_t gfn;  /* the granter's frame, read at the first pin */
	domid_t domid; /* the one domain holding the pins */
	uint8_t pin_w; /* writable maps and copies in flight */
	uint8_t pin_r; /* read-only ones */
};

#define MAPTRACK_USED (1u << 0)
#define MAPTRACK_READONLY (1u << 1)

/* One grant this domain has mapped: handle = index. */
struct grant_maptrack {
	uint64_t gfn;   /* where, in the mapper */
	uint32_t ref;   /* grant ref, or the next free handle */
	domid_t dom;    /* granter */
	uint16_t flags; /* MAPTRACK_* */
};

struct grant_table {
	unsigned int nr_frames;  /* frames allocated so far: entries [0, nr_frames * 512) */
	unsigned int max_frames; /* it grows up to this on demand, as Xen's */
	paddr_t shared[GNTTAB_MAX_FRAMES];      /* struct grant_entry_v1[512] each */
	uint64_t shared_gfn[GNTTAB_MAX_FRAMES]; /* where the guest placed it; GFN_NONE */
	paddr_t active[GNTTAB_MAX_FRAMES];      /* struct grant_active[512] each */
	paddr_t maptrack[MAPTRACK_PAGES];
	unsigned int maptrack_pages;
	uint32_t maptrack_free; /* head of the free list, HANDLE_NONE */
	unsigned int maps;      /* handles in use */
	unsigned int pins;      /* pins held by others on this table */
};

static spinlock_t gnttab_lock = SPINLOCK_INIT;
static struct domain *registered[MAX_DOMAINS];

_Static_assert(sizeof(struct grant_active) == 8, "active entry");
_Static_assert(sizeof(struct grant_maptrack) == 16, "maptrack entry");
_Static_assert(MAPTRACK_PAGES * MAPTRACK_PER_PAGE == GNTTAB_MAPTRACK_MAX, "maptrack pages");

static unsigned int nr_entries(const struct grant_table *gt)
{
	return gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

static struct grant_entry_v1 *shared_entry(struct grant_table *gt, grant_ref_t ref)
{
	struct grant_entry_v1 *e = phys_to_virt(gt->shared[ref / GNTTAB_ENTRIES_PER_FRAME]);

	return &e[ref % GNTTAB_ENTRIES_PER_FRAME];
}

static struct grant_active *active_entry(struct grant_table *gt, grant_ref_t ref)
{
	struct grant_active *a = phys_to_virt(gt->active[ref / ACTIVE_PER_PAGE]);

	return &a[ref % ACTIVE_PER_PAGE];
}

static struct grant_maptrack *maptrack_entry(struct grant_table *gt, uint32_t handle)
{
	struct grant_maptrack *m = phys_to_virt(gt->maptrack[handle / MAPTRACK_PER_PAGE]);

	return &m[handle % MAPTRACK_PER_PAGE];
}

/* A domain by id, as the grant code knows it. With gnttab_lock held. */
static struct domain *domain_by_id(domid_t id)
{
	return id < MAX_DOMAINS ? registered[id] : NULL;
}

/* ---- Table life ---- */

static void table_free(struct domain *d, struct grant_table *gt)
{
	for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++) {
		if (gt->shared[i])
			domain_free_overhead_page(d, gt->shared[i]);
		if (gt->active[i])
			domain_free_overhead_page(d, gt->active[i]);
	}
	for (unsigned int i = 0; i < gt->maptrack_pages; i++)
		domain_free_overhead_page(d, gt->maptrack[i]);
	kfree(gt);
}

/* Grows the table to frames frames (a shared and an active page each). 0 or -ENOMEM. */
static int table_grow(struct domain *d, struct grant_table *gt, unsigned int frames)
{
	while (gt->nr_frames < frames) {
		unsigned int i = gt->nr_frames;

		if (!gt->shared[i] && domain_alloc_overhead_page(d, &gt->shared[i]))
			return -ENOMEM;
		if (domain_alloc_overhead_page(d, &gt->active[i]))
			return -ENOMEM; /* shared[i] is kept for the next try, and freed at the end */
		memset(phys_to_virt(gt->shared[i]), 0, PAGE_SIZE);
		memset(phys_to_virt(gt->active[i]), 0, PAGE_SIZE);
		__atomic_store_n(&gt->nr_frames, i + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

int gnttab_domain_init(struct domain *d)
{
	unsigned int max = d->config.gnttab_frames ? d->config.gnttab_frames :
						     GNTTAB_DEFAULT_FRAMES;
	struct grant_table *gt;

	if (max > GNTTAB_MAX_FRAMES || d->id >= MAX_DOMAINS)
		return -EINVAL;
	gt = kzalloc(sizeof(*gt));
	if (!gt)
		return -ENOMEM;
	gt->max_frames = max;
	gt->maptrack_free = HANDLE_NONE;
	for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++)
		gt->shared_gfn[i] = GFN_NONE;
	/* One frame at first, as Xen's INITIAL_NR_GRANT_FRAMES: a small domain costs little. */
	if (table_grow(d, gt, 1)) {
		table_free(d, gt);
		return -ENOMEM;
	}
	spin_lock(&gnttab_lock);
	d->grant = gt;
	registered[d->id] = d;
	spin_unlock(&gnttab_lock);
	return 0;
}

/* The pin of one writable or read-only use goes; the shared flags follow, as in Xen. */
static void unpin(struct grant_table *gt, grant_ref_t ref, bool readonly)
{
	struct grant_active *act = active_entry(gt, ref);
	struct grant_entry_v1 *e = shared_entry(gt, ref);

	if (readonly)
		act->pin_r--;
	else
		act->pin_w--;
	gt->pins--;
	if (!act->pin_w)
		__atomic_and_fetch(&e->flags, (uint16_t)~GTF_writing, __ATOMIC_ACQ_REL);
	if (!act->pin_w && !act->pin_r)
		__atomic_and_fetch(&e->flags, (uint16_t)~GTF_reading, __ATOMIC_ACQ_REL);
}

/*
 * Sets GTF_reading (and GTF_writing) in the shared entry if it grants ld
 * access of that kind (Xen's _set_status_v1). The guest may change the entry
 * under us: the check and the update are one cmpxchg of flags+domid.
 */
static int16_t set_status(struct grant_entry_v1 *e, domid_t ld, bool readonly)
{
	uint32_t *word = (uint32_t *)e; /* flags in the low half, domid in the high half */
	uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);

	for (unsigned int tries = 0; tries < 4; tries++) {
		uint16_t flags = (uint16_t)old;
		uint32_t new = old | GTF_reading;

		if ((flags & GTF_type_mask) != GTF_permit_access || (domid_t)(old >> 16) != ld)
			return GNTST_general_error;
		if (!readonly) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			new |= GTF_writing;
		}
		if (__atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return GNTST_okay;
	}
	return GNTST_general_error; /* the guest keeps changing it */
}

/*
 * Takes a pin on granter rd's ref for domain ld and finds the granted frame
 * (host address in *hpa). GNTST_okay, or the status Xen gives. With
 * gnttab_lock held.
 */
static int16_t pin(struct domain *rd, grant_ref_t ref, domid_t ld, bool readonly, paddr_t *hpa)
{
	struct grant_table *gt = rd->grant;
	struct grant_active *act;
	struct grant_entry_v1 *e;
	bool first;
	int16_t st;

	if (ref >= nr_entries(gt))
		return GNTST_bad_gntref;
	act = active_entry(gt, ref);
	e = shared_entry(gt, ref);
	first = !act->pin_w && !act->pin_r;
	if (!first && (act->domid != ld || act->pin_w == PIN_MAX || act->pin_r == PIN_MAX))
		return GNTST_general_error;

	if (first) {
		uint32_t gfn;

		st = set_status(e, ld, readonly);
		if (st != GNTST_okay)
			return st;
		gfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
		/* Only the granter's own RAM: never hypervisor memory or another domain's. */
		if (guest_phys_to_host(rd, (uint64_t)gfn << PAGE_SHIFT, hpa)) {
			__atomic_and_fetch(&e->flags, (uint16_t)~(GTF_reading | GTF_writing),
					   __ATOMIC_ACQ_REL);
			return GNTST_bad_page;
		}
		act->gfn = gfn;
		act->domid = ld;
	} else {
		/* The first writable pin on a read-only pinned grant checks the entry again. */
		if (!readonly && !act->pin_w) {
			st = set_status(e, ld, false);
			if (st != GNTST_okay)
				return st;
		}
		/* Checked at the first pin; the domain's RAM never changes. */
		if (guest_phys_to_host(rd, (uint64_t)act->gfn << PAGE_SHIFT, hpa))
			return GNTST_bad_page;
	}
	if (readonly)
		act->pin_r++;
	else
		act->pin_w++;
	gt->pins++;
	return GNTST_okay;
}

/* What the mapper sees at gfn once a grant leaves it: its own RAM, or nothing. */
static void restore_gfn(struct domain *d, uint64_t gfn)
{
	paddr_t ram;
	int rc;

	if (!guest_phys_to_host(d, gfn << PAGE_SHIFT, &ram))
		rc = arch_domain_map(d, gfn << PAGE_SHIFT, ram, PAGE_SIZE, ARCH_MAP_RWX);
	else
		rc = arch_domain_unmap(d, gfn << PAGE_SHIFT, PAGE_SIZE);
	if (rc) {
		/* Never leave a foreign frame mapped: fall back to a hole. */
		pr_warn("d%u: grant at gfn %#lx: cannot restore (%d)\n", d->id, gfn, rc);
		if (arch_domain_unmap(d, gfn << PAGE_SHIFT, PAGE_SIZE))
			domain_crash(d, "grant mapping at gfn %#lx cannot be removed", gfn);
	}
}

static void maptrack_release(struct grant_table *gt, uint32_t handle)
{
	struct grant_maptrack *m = maptrack_entry(gt, handle);

	m->flags = 0;
	m->ref = gt->maptrack_free;
	gt->maptrack_free = handle;
	gt->maps--;
}

/* A free handle, growing the maptrack by a page when there is none. */
static int16_t maptrack_reserve(struct domain *d)
{
	struct grant_table *gt = d->grant;
	struct grant_maptrack *mt;
	unsigned int base;
	paddr_t page;

	if (gt->maptrack_free != HANDLE_NONE)
		return GNTST_okay;
	if (gt->maptrack_pages == MAPTRACK_PAGES || domain_alloc_overhead_page(d, &page))
		return GNTST_no_space;
	mt = phys_to_virt(page);
	base = gt->maptrack_pages * MAPTRACK_PER_PAGE;
	for (unsigned int i = 0; i < MAPTRACK_PER_PAGE; i++)
		mt[i] = (struct grant_maptrack){
			.ref = i + 1 < MAPTRACK_PER_PAGE ? base + i + 1 : HANDLE_NONE,
		};
	gt->maptrack[gt->maptrack_pages++] = page;
	gt->maptrack_free = base;
	return GNTST_okay;
}

static uint32_t maptrack_handles(const struct grant_table *gt)
{
	return gt->maptrack_pages * MAPTRACK_PER_PAGE;
}

void gnttab_domain_destroy(struct domain *d)
{
	struct grant_table *gt = d->grant;

	if (!gt)
		return;
	spin_lock(&gnttab_lock);
	/* Its own maps of others' grants: the pins go (its EPT goes with it). */
	for (uint32_t h = 0; h < maptrack_handles(gt); h++) {
		struct grant_maptrack *m = maptrack_entry(gt, h);
		struct domain *rd;

		if (!(m->flags & MAPTRACK_USED))
			continue;
		rd = domain_by_id(m->dom);
		if (rd && rd != d)
			unpin(rd->grant, m->ref, m->flags & MAPTRACK_READONLY);
		maptrack_release(gt, h);
	}
	/* Others' maps of its pages: out of their EPTs before the frames are freed. */
	for (unsigned int id = 0; id < MAX_DOMAINS; id++) {
		struct domain *md = domain_by_id((domid_t)id);
		struct grant_table *mgt;
		unsigned int removed = 0;

		if (!md || md == d)
			continue;
		mgt = md->grant;
		for (uint32_t h = 0; h < maptrack_handles(mgt); h++) {
			struct grant_maptrack *m = maptrack_entry(mgt, h);

			if (!(m->flags & MAPTRACK_USED) || m->dom != d->id)
				continue;
			restore_gfn(md, m->gfn);
			maptrack_release(mgt, h);
			removed++;
		}
		if (removed) {
			pr_info("d%u: %u grant mapping%s of dying d%u torn down\n", md->id, removed,
				removed == 1 ? "" : "s", d->id);
			domain_kick_vcpus(md);
		}
	}
	registered[d->id] = NULL;
	d->grant = NULL;
	spin_unlock(&gnttab_lock);
	table_free(d, gt);
}

uint64_t gnttab_memory_bytes(const struct domain *d)
{
	const struct grant_table *gt = d->grant;

	if (!gt)
		return 0;
	return sizeof(*gt) + (uint64_t)(2 * gt->nr_frames + gt->maptrack_pages) * PAGE_SIZE;
}

/* ---- Placing the table in the guest ---- */

int gnttab_map_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
	struct grant_table *gt = d->grant;
	uint64_t old;
	int rc;

	if (idx & XENMAPIDX_grant_table_status)
		return -EINVAL; /* v2 status frames */
	if (!gt || idx >= gt->max_frames || gfn >= GNTTAB_MAP_GPA_LIMIT >> PAGE_SHIFT)
		return -EINVAL;
	spin_lock(&gnttab_lock);
	/* A frame past the table grows it (and every frame before it), as in Xen. */
	rc = table_grow(d, gt, (unsigned int)idx + 1);
	if (rc)
		goto out;
	old = gt->shared_gfn[idx];
	rc = arch_domain_map(d, gfn << PAGE_SHIFT, gt->shared[idx], PAGE_SIZE,
			     ARCH_MAP_R | ARCH_MAP_W);
	if (!rc) {
		for (unsigned int i = 0; i < gt->nr_frames; i++)
			if (gt->shared_gfn[i] == gfn)
				gt->shared_gfn[i] = GFN_NONE; /* replaced there */
		gt->shared_gfn[idx] = gfn;
		if (old != GFN_NONE && old != gfn)
			restore_gfn(d, old);
		domain_kick_vcpus(d);
	}
out:
	spin_unlock(&gnttab_lock);
	return rc;
}

/* ---- The operations (with gnttab_lock held) ---- */

/* Table operations name the caller itself: okay, or the status Xen gives. */
static int16_t self_only(struct domain *d, domid_t dom)
{
	if (dom == DOMID_SELF || dom == d->id)
		return GNTST_okay;
	return domain_by_id(dom) ? GNTST_permission_denied : GNTST_bad_domain;
}

static int16_t map_one(struct domain *ld, struct gnttab_map_grant_ref *op)
{
	struct grant_table *lgt = ld->grant;
	bool readonly = op->flags & GNTMAP_readonly;
	struct grant_maptrack *m;
	struct domain *rd;
	uint32_t handle;
	paddr_t hpa;
	int16_t st;

	op->handle = HANDLE_NONE;
	if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
		return GNTST_bad_gntref;
	/* PV page-table forms, and device-only maps (an IOMMU we do not drive). */
	if (op->flags & (GNTMAP_contains_pte | GNTMAP_application_map | GNTMAP_device_map))
		return GNTST_general_error;
	if (op->host_addr & (PAGE_SIZE - 1) || op->host_addr >= GNTTAB_MAP_GPA_LIMIT)
		return GNTST_bad_virt_addr;
	rd = op->dom == DOMID_SELF ? ld : domain_by_id(op->dom);
	if (!rd || rd->state != DOMAIN_RUNNING)
		return GNTST_bad_domain;
	st = maptrack_reserve(ld);
	if (st != GNTST_okay)
		return st;

	st = pin(rd, op->ref, ld->id, readonly, &hpa);
	if (st != GNTST_okay)
		return st;
	if (arch_domain_map(ld, op->host_addr, hpa, PAGE_SIZE,
			    readonly ? ARCH_MAP_R : ARCH_MAP_R | ARCH_MAP_W)) {
		unpin(rd->grant, op->ref, readonly);
		return GNTST_general_error;
	}
	domain_kick_vcpus(ld);
	handle = lgt->maptrack_free;
	m = maptrack_entry(lgt, handle);
	lgt->maptrack_free = m->ref;
	*m = (struct grant_maptrack){
		.gfn = op->host_addr >> PAGE_SHIFT,
		.ref = op->ref,
		.dom = rd->id,
		.flags = MAPTRACK_USED | (readonly ? MAPTRACK_READONLY : 0),
	};
	lgt->maps++;
	op->handle = handle;
	op->dev_bus_addr = 0;
	return GNTST_okay;
}

static int16_t unmap_one(struct domain *ld, struct gnttab_unmap_grant_ref *op)
{
	struct grant_table *lgt = ld->grant;
	struct grant_maptrack *m;
	struct domain *rd;

	if (op->handle >= maptrack_handles(lgt))
		return GNTST_bad_handle;
	m = maptrack_entry(lgt, op->handle);
	if (!(m->flags & MAPTRACK_USED))
		return GNTST_bad_handle;
	/* As Xen for a translated guest: the address must be where this handle's frame is. */
	if (op->host_addr >> PAGE_SHIFT != m->gfn || op->host_addr & (PAGE_SIZE - 1))
		return GNTST_general_error;
	restore_gfn(ld, m->gfn);
	domain_kick_vcpus(ld);
	rd = domain_by_id(m->dom);
	if (rd)
		unpin(rd->grant, m->ref, m->flags & MAPTRACK_READONLY);
	maptrack_release(lgt, op->handle);
	return GNTST_okay;
}

/* One side of a copy: the host address of its first byte and the pin taken. */
struct copy_side {
	struct domain *rd; /* NULL: the caller's own gfn, no pin */
	grant_ref_t ref;
	uint8_t *va;
};

static int16_t copy_side_get(struct domain *ld, uint64_t gref_or_gfn, domid_t domid,
			     uint16_t offset, bool is_gref, bool write, struct copy_side *s)
{
	struct domain *rd;
	paddr_t hpa;
	int16_t st;

	s->rd = NULL;
	if (!is_gref) {
		if (gref_or_gfn >= (1ULL << (64 - PAGE_SHIFT)) ||
		    guest_phys_to_host(ld, gref_or_gfn << PAGE_SHIFT, &hpa))
			return GNTST_bad_page;
	} else {
		rd = domid == DOMID_SELF ? ld : domain_by_id(domid);
		if (!rd || rd->state != DOMAIN_RUNNING)
			return GNTST_bad_domain;
		st = pin(rd, (grant_ref_t)gref_or_gfn, ld->id, !write, &hpa);
		if (st != GNTST_okay)
			return st;
		s->rd = rd;
		s->ref = (grant_ref_t)gref_or_gfn;
	}
	s->va = (uint8_t *)phys_to_virt(hpa) + offset;
	return GNTST_okay;
}

static void copy_side_put(struct copy_side *s, bool write)
{
	if (s->rd)
		unpin(s->rd->grant, s->ref, !write);
}

static int16_t copy_one(struct domain *ld, const struct gnttab_copy *op)
{
	bool src_gref = op->flags & GNTCOPY_source_gref;
	bool dst_gref = op->flags & GNTCOPY_dest_gref;
	struct copy_side src, dst;
	int16_t st;

	/* Only DOMID_SELF may name a frame rather than a grant, as in Xen. */
	if ((!src_gref && op->source.domid != DOMID_SELF) ||
	    (!dst_gref && op->dest.domid != DOMID_SELF))
		return GNTST_permission_denied;
	if (op->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref))
		return GNTST_bad_copy_arg;
	if ((unsigned int)op->source.offset + op->len > PAGE_SIZE ||
	    (unsigned int)op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	st = copy_side_get(ld, src_gref ? op->source.u.ref : op->source.u.gmfn,
			   op->source.domid, op->source.offset, src_gref, false, &src);
	if (st != GNTST_okay)
		return st;
	st = copy_side_get(ld, dst_gref ? op->dest.u.ref : op->dest.u.gmfn, op->dest.domid,
			   op->dest.offset, dst_gref, true, &dst);
	if (st != GNTST_okay) {
		copy_side_put(&src, false);
		return st;
	}
	memmove(dst.va, src.va, op->len);
	copy_side_put(&dst, true);
	copy_side_put(&src, false);
	return GNTST_okay;
}

/* The grants in use and the maps held, for dump_table and the debug key. */
static void dump_domain(struct domain *d)
{
	struct grant_table *gt = d->grant;
	unsigned int used = 0;

	for (grant_ref_t ref = 0; ref < nr_entries(gt); ref++) {
		struct grant_entry_v1 *e = shared_entry(gt, ref);
		struct grant_active *a = active_entry(gt, ref);

		if (!(e->flags & GTF_type_mask) && !a->pin_w && !a->pin_r)
			continue;
		if (used++ < 16)
			pr_info("    d%u ref %u: flags %#x domid %u frame %#x, pins w%u r%u\n", d->id,
				ref, e->flags, e->domid, e->frame, a->pin_w, a->pin_r);
	}
	pr_info("  d%u (%s): grant table %u of %u frames (%u entries), %u in use, %u pinned "
		"by others, %u maps held (%u maptrack pages), %lu KiB\n",
		d->id, d->name, gt->nr_frames, gt->max_frames, nr_entries(gt), used, gt->pins,
		gt->maps,
		gt->maptrack_pages, gnttab_memory_bytes(d) / KiB);
}

void gnttab_dump(void)
{
	spin_lock(&gnttab_lock);
	for (unsigned int id = 0; id < MAX_DOMAINS; id++)
		if (registered[id])
			dump_domain(registered[id]);
	spin_unlock(&gnttab_lock);
}

/* ---- The interface of core/hc_grant.c ---- */

int16_t gnttab_map(struct domain *ld, struct gnttab_map_grant_ref *op)
{
	int16_t st;

	spin_lock(&gnttab_lock);
	st = map_one(ld, op);
	spin_unlock(&gnttab_lock);
	return st;
}

int16_t gnttab_unmap(struct domain *ld, struct gnttab_unmap_grant_ref *op)
{
	int16_t st;

	spin_lock(&gnttab_lock);
	st = unmap_one(ld, op);
	spin_unlock(&gnttab_lock);
	return st;
}

int16_t gnttab_copy(struct domain *ld, const struct gnttab_copy *op)
{
	int16_t st;

	spin_lock(&gnttab_lock);
	st = copy_one(ld, op);
	spin_unlock(&gnttab_lock);
	return st;
}

int16_t gnttab_check_self(struct domain *d, domid_t dom)
{
	int16_t st;

	spin_lock(&gnttab_lock);
	st = self_only(d, dom);
	spin_unlock(&gnttab_lock);
	return st;
}

int16_t gnttab_setup(struct domain *d, uint32_t nr_frames)
{
	int16_t st = GNTST_okay;

	if (nr_frames > d->grant->max_frames)
		return GNTST_general_error;
	spin_lock(&gnttab_lock);
	if (table_grow(d, d->grant, nr_frames))
		st = GNTST_general_error;
	spin_unlock(&gnttab_lock);
	return st;
}

unsigned int gnttab_nr_frames(const struct domain *d)
{
	return d->grant ? __atomic_load_n(&d->grant->nr_frames, __ATOMIC_ACQUIRE) : 0;
}

unsigned int gnttab_max_frames(const struct domain *d)
{
	return d->grant ? d->grant->max_frames : 0;
}

uint64_t gnttab_frame_gfn(const struct domain *d, unsigned int idx)
{
	return __atomic_load_n(&d->grant->shared_gfn[idx], __ATOMIC_ACQUIRE);
}
