/*
 * Per-domain extended page tables; see ept.h. Every change is made in two
 * passes over the same walker: the first only counts the table frames the
 * change needs, they are then allocated, and the second pass applies the
 * change and cannot fail. So -ENOMEM changes nothing, and a guest never sees
 * a half-made mapping.
 */
#include "arch/x86/ept.h"
#include "arch/x86/msr.h"
#include "core/arch.h"
#include "core/config.h"
#include "core/console.h"
#include "core/domain.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/panic.h"
#include "core/spinlock.h"

#define EPT_ENTRIES 512
#define MTRR_MAX_VAR 32
#define MTRR_FIXED_RANGES 88
#define MTRR_FIXED_END 0x100000UL

struct mtrr_range {
	uint64_t base, mask; /* address bits only */
	uint8_t type;
};

/* The host MTRRs as read once (SDM 12.11). */
struct mtrr_state {
	bool enabled;
	bool fixed_enabled;
	uint8_t default_type;
	uint8_t fixed[MTRR_FIXED_RANGES]; /* 8 x 64 KiB, 16 x 16 KiB, 64 x 4 KiB from 0 */
	unsigned int nr_var;
	struct mtrr_range var[MTRR_MAX_VAR];
};

static struct {
	bool ready;
	uint64_t caps; /* IA32_VMX_EPT_VPID_CAP */
	uint64_t addr_mask; /* host-physical address bits below MAXPHYADDR */
	uint64_t addr_limit; /* 2^MAXPHYADDR */
	struct mtrr_state mtrr;
} host;

/* EPT changes are rare and short: one lock for all domains keeps struct arch_domain small. */
static spinlock_t ept_lock = SPINLOCK_INIT;
uint64_t ept_global_generation = 1;
uint64_t ept_synced_generation[HV_MAX_CPUS];

/*
 * A table as the walker sees it: a real frame, or (count pass only) one
 * that does not exist yet and would hold nothing or the pieces of a split
 * large leaf.
 */
struct ept_view {
	uint64_t *entries; /* NULL: imagined by the count pass */
	uint64_t split;    /* entries == NULL: the large leaf it would replace, 0 if none */
	unsigned int level; /* 4 PML4, 3 PDPT, 2 PD, 1 PT */
};

/* One arch_domain_map or arch_domain_unmap in progress. */
struct ept_change {
	struct domain *d;
	bool apply; /* false: only count the tables needed */
	bool unmap;
	uint64_t perms; /* EPT_READ/WRITE/EXEC of new leaves */
	unsigned long tables_needed;
	paddr_t pool; /* zeroed frames for the apply pass, linked through their first word */
	unsigned long pool_count;
	bool flush; /* a present entry changed: cached translations are stale */
};

static const char *const memtype_names[8] = { "UC", "WC", "?2", "?3", "WT", "WP", "WB", "?7" };

static uint64_t level_span(unsigned int level)
{
	return 1UL << (PAGE_SHIFT + 9 * (level - 1));
}

static unsigned int level_index(uint64_t gpa, unsigned int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

/* SDM 29.3.2: an entry is present when any of read/write/execute is set. */
static bool ept_present(uint64_t e)
{
	return e & EPT_PERMS;
}

static bool ept_is_table(uint64_t e, unsigned int level)
{
	return level > 1 && ept_present(e) && !(e & EPT_LARGE);
}

static void ept_write_entry(uint64_t *slot, uint64_t e)
{
	/* Release: a new table's contents are visible before the entry linking it. */
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
}

/* ---- Host MTRRs ---- */

static uint8_t mtrr_sanitize(uint64_t type)
{
	switch (type) {
	case MEMTYPE_UC:
	case MEMTYPE_WC:
	case MEMTYPE_WT:
	case MEMTYPE_WP:
	case MEMTYPE_WB:
		return type;
	default:
		return MEMTYPE_UC; /* reserved encodings: the safe choice */
	}
}

static void mtrr_read(struct mtrr_state *m, uint64_t addr_mask)
{
	static const uint32_t fixed_msrs[] = {
		MSR_IA32_MTRR_FIX64K_00000,    MSR_IA32_MTRR_FIX16K_80000,
		MSR_IA32_MTRR_FIX16K_A0000,    MSR_IA32_MTRR_FIX4K_C0000,
		MSR_IA32_MTRR_FIX4K_C0000 + 1, MSR_IA32_MTRR_FIX4K_C0000 + 2,
		MSR_IA32_MTRR_FIX4K_C0000 + 3, MSR_IA32_MTRR_FIX4K_C0000 + 4,
		MSR_IA32_MTRR_FIX4K_C0000 + 5, MSR_IA32_MTRR_FIX4K_C0000 + 6,
		MSR_IA32_MTRR_FIX4K_C0000 + 7,
	};
	uint64_t cap = ept_hw_rdmsr(MSR_IA32_MTRRCAP);
	uint64_t def = ept_hw_rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	unsigned int count = cap & MTRRCAP_VCNT_MASK;

	memset(m, 0, sizeof(*m));
	m->enabled = def & MTRR_DEF_ENABLE;
	m->fixed_enabled = (def & MTRR_DEF_FIXED_ENABLE) && (cap & MTRRCAP_FIX);
	m->default_type = mtrr_sanitize(def & MTRR_DEF_TYPE_MASK);

	for (unsigned int i = 0; m->fixed_enabled && i < ARRAY_SIZE(fixed_msrs); i++) {
		uint64_t v = ept_hw_rdmsr(fixed_msrs[i]);

		for (unsigned int b = 0; b < 8; b++)
			m->fixed[i * 8 + b] = mtrr_sanitize((v >> (8 * b)) & 0xff);
	}

	if (count > MTRR_MAX_VAR) {
		pr_warn("ept: %u variable MTRRs, only the first %u are honoured\n", count,
			MTRR_MAX_VAR);
		count = MTRR_MAX_VAR;
	}
	for (unsigned int i = 0; i < count; i++) {
		uint64_t mask = ept_hw_rdmsr(MSR_IA32_MTRR_PHYSMASK(i));
		uint64_t base;

		if (!(mask & MTRR_PHYSMASK_VALID))
			continue;
		base = ept_hw_rdmsr(MSR_IA32_MTRR_PHYSBASE(i));
		m->var[m->nr_var++] = (struct mtrr_range){
			.base = base & addr_mask,
			.mask = mask & addr_mask,
			.type = mtrr_sanitize(base & MTRR_DEF_TYPE_MASK),
		};
	}
}

/* SDM 12.11.4.1: precedence when several variable ranges match one address. */
static uint8_t mtrr_combine(unsigned int types_seen)
{
	if (types_seen & (1u << MEMTYPE_UC))
		return MEMTYPE_UC;
	if (types_seen == ((1u << MEMTYPE_WT) | (1u << MEMTYPE_WB)))
		return MEMTYPE_WT;
	if (!(types_seen & (types_seen - 1)))
		return __builtin_ctz(types_seen);
	return MEMTYPE_UC; /* undefined overlap: never cache what may be a device */
}

static unsigned int mtrr_fixed_index(paddr_t pa)
{
	if (pa < 0x80000)
		return pa >> 16;
	if (pa < 0xc0000)
		return 8 + ((pa - 0x80000) >> 14);
	return 24 + ((pa - 0xc0000) >> 12);
}

bool ept_host_memtype(paddr_t pa, uint64_t size, uint8_t *type)
{
	const struct mtrr_state *m = &host.mtrr;
	unsigned int seen = 0;
	uint8_t t;

	if (!m->enabled) {
		*type = MEMTYPE_UC; /* SDM 12.11.2.1: MTRRs off means UC everywhere */
		return true;
	}

	/*
	 * The block is aligned to its power-of-two size, so its addresses agree
	 * on every bit above size - 1: a range matches all of it, none of it, or
	 * (mask bits inside the block) only part of it.
	 */
	for (unsigned int i = 0; i < m->nr_var; i++) {
		const struct mtrr_range *r = &m->var[i];

		if ((pa ^ r->base) & r->mask & ~(size - 1))
			continue;
		if (r->mask & (size - 1))
			return false;
		seen |= 1u << r->type;
	}
	t = seen ? mtrr_combine(seen) : m->default_type;

	/* Fixed ranges override the variable ones below 1 MiB (SDM 12.11.2.2). */
	if (m->fixed_enabled && pa < MTRR_FIXED_END) {
		uint64_t end = MIN(pa + size, MTRR_FIXED_END);
		unsigned int last = mtrr_fixed_index(end - 1);
		uint8_t f = m->fixed[mtrr_fixed_index(pa)];

		for (unsigned int i = mtrr_fixed_index(pa) + 1; i <= last; i++)
			if (m->fixed[i] != f)
				return false;
		if (pa + size > MTRR_FIXED_END && f != t)
			return false;
		t = f;
	}
	*type = t;
	return true;
}

void ept_host_init(void)
{
	unsigned int bits = ept_hw_phys_addr_bits();
	const struct mtrr_state *m = &host.mtrr;

	if (bits < 32 || bits > 52)
		bits = 36;
	host.addr_limit = 1UL << bits;
	host.addr_mask = (host.addr_limit - 1) & EPT_ADDR_MASK;
	host.caps = ept_hw_rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	mtrr_read(&host.mtrr, host.addr_mask);
	host.ready = true;
	pr_info("ept: MAXPHYADDR %u, leaves 4K%s%s; MTRRs %s, default %s, %u variable "
		"range(s), fixed ranges %s\n",
		bits, (host.caps & EPT_CAP_2M) ? "/2M" : "", (host.caps & EPT_CAP_1G) ? "/1G" : "",
		m->enabled ? "on" : "off (all UC)", memtype_names[m->default_type], m->nr_var,
		m->fixed_enabled ? "on" : "off");
}

/* ---- Invalidation ---- */

uint64_t ept_generation(const struct domain *d)
{
	return __atomic_load_n(&ept_global_generation, __ATOMIC_ACQUIRE);
}

/* Local INVEPT for one EPT, and a new generation for the other CPUs. */
static void ept_invalidate(uint64_t eptp)
{
	__atomic_add_fetch(&ept_global_generation, 1, __ATOMIC_ACQ_REL);
	if (!(host.caps & EPT_CAP_INVEPT) || !ept_hw_in_vmx_operation())
		return;
	if (host.caps & EPT_CAP_INVEPT_SINGLE)
		ept_hw_invept(INVEPT_SINGLE_CONTEXT, eptp);
	else if (host.caps & EPT_CAP_INVEPT_ALL)
		ept_hw_invept(INVEPT_ALL_CONTEXTS, 0);
}

void ept_sync_cpu(struct domain *d)
{
	unsigned int cpu = arch_cpu_id();
	uint64_t gen = ept_generation(d);

	if (!(host.caps & EPT_CAP_INVEPT))
		return;
	if (!(host.caps & EPT_CAP_INVEPT_ALL)) {
		/* Which other EPTs this CPU caches is unknown: flush the one entered, always. */
		if (host.caps & EPT_CAP_INVEPT_SINGLE)
			ept_hw_invept(INVEPT_SINGLE_CONTEXT, d->arch.eptp);
		return;
	}
	if (cpu < HV_MAX_CPUS && ept_synced_generation[cpu] == gen)
		return;
	ept_hw_invept(INVEPT_ALL_CONTEXTS, 0);
	if (cpu < HV_MAX_CPUS)
		ept_synced_generation[cpu] = gen;
}

/* ---- Table frames ---- */

static void ept_free_frame(struct domain *d, paddr_t pa)
{
	domain_free_overhead_page(d, pa);
	d->arch.ept_tables--;
}

static void ept_free_tree(struct domain *d, paddr_t table, unsigned int level)
{
	uint64_t *e = phys_to_virt(table);

	for (unsigned int i = 0; level > 1 && i < EPT_ENTRIES; i++)
		if (ept_is_table(e[i], level))
			ept_free_tree(d, e[i] & EPT_ADDR_MASK, level - 1);
	ept_free_frame(d, table);
}

static void ept_pool_release(struct ept_change *c)
{
	while (c->pool_count) {
		paddr_t pa = c->pool;

		c->pool = *(paddr_t *)phys_to_virt(pa);
		c->pool_count--;
		ept_free_frame(c->d, pa);
	}
}

static int ept_pool_fill(struct ept_change *c, unsigned long count)
{
	while (c->pool_count < count) {
		paddr_t pa;
		uint64_t *p;

		if (domain_alloc_overhead_page(c->d, &pa)) {
			ept_pool_release(c);
			return -ENOMEM;
		}
		c->d->arch.ept_tables++;
		p = phys_to_virt(pa);
		memset(p, 0, PAGE_SIZE);
		p[0] = c->pool;
		c->pool = pa;
		c->pool_count++;
	}
	return 0;
}

static paddr_t ept_pool_take(struct ept_change *c)
{
	paddr_t pa = c->pool;
	uint64_t *p;

	if (!c->pool_count)
		panic("ept: apply pass needs more tables than the count pass found");
	p = phys_to_virt(pa);
	c->pool = p[0];
	c->pool_count--;
	p[0] = 0;
	return pa;
}

/* ---- The walker ---- */

/* Entry idx of the table that replaces a large leaf, at the table's own level. */
static uint64_t ept_split_piece(uint64_t leaf, unsigned int level, unsigned int idx)
{
	uint64_t attrs = leaf & ~(EPT_ADDR_MASK | EPT_LARGE);
	uint64_t pa = (leaf & EPT_ADDR_MASK) + idx * level_span(level);

	return attrs | pa | (level > 1 ? EPT_LARGE : 0);
}

static uint64_t ept_view_entry(const struct ept_view *t, unsigned int idx)
{
	if (t->entries)
		return t->entries[idx];
	return t->split ? ept_split_piece(t->split, t->level, idx) : 0;
}

/* Can one leaf at this level map [hpa, hpa + span)? Gives the leaf's memory type. */
static bool ept_leaf_fits(unsigned int level, paddr_t hpa, uint8_t *type)
{
	uint64_t span = level_span(level);

	if (level == 3 && !(host.caps & EPT_CAP_1G))
		return false;
	if (level == 2 && !(host.caps & EPT_CAP_2M))
		return false;
	if (level > 3 || !IS_ALIGNED(hpa, span))
		return false;
	/* Always true for 4 KiB, the MTRRs' own grain, so level 1 never descends further. */
	return ept_host_memtype(hpa, span, type);
}

static uint64_t ept_make_leaf(const struct ept_change *c, unsigned int level, paddr_t hpa,
			      uint8_t type)
{
	return hpa | c->perms | ((uint64_t)type << EPT_MEMTYPE_SHIFT) | EPT_IGNORE_PAT |
	       (level > 1 ? EPT_LARGE : 0);
}

/* Replaces entry idx; frees a table it pointed to. */
static void ept_set_entry(struct ept_change *c, struct ept_view *t, unsigned int idx,
			  uint64_t old, uint64_t new)
{
	if (!c->apply || old == new)
		return;
	ept_write_entry(&t->entries[idx], new);
	if (ept_present(old)) {
		c->flush = true;
		if (ept_is_table(old, t->level))
			ept_free_tree(c->d, old & EPT_ADDR_MASK, t->level - 1);
	}
}

/* Makes entry idx a table (new, or split from a large leaf) and gives its view. */
static void ept_descend(struct ept_change *c, struct ept_view *t, unsigned int idx,
			uint64_t old, struct ept_view *child)
{
	paddr_t pa;

	child->level = t->level - 1;
	child->split = 0;
	if (ept_is_table(old, t->level)) {
		child->entries = phys_to_virt(old & EPT_ADDR_MASK);
		return;
	}
	if (!c->apply) {
		c->tables_needed++;
		child->entries = NULL;
		child->split = ept_present(old) ? old : 0;
		return;
	}
	pa = ept_pool_take(c);
	child->entries = phys_to_virt(pa);
	if (ept_present(old)) {
		for (unsigned int i = 0; i < EPT_ENTRIES; i++)
			child->entries[i] = ept_split_piece(old, child->level, i);
		c->flush = true; /* SDM 29.4.3: a page-size change needs an invalidation too */
	}
	ept_write_entry(&t->entries[idx], pa | EPT_PERMS);
}

/* After an unmap inside entry idx: a table left empty goes too. */
static void ept_prune(struct ept_change *c, struct ept_view *t, unsigned int idx)
{
	uint64_t e = t->entries[idx];
	const uint64_t *child;

	if (!ept_is_table(e, t->level))
		return;
	child = phys_to_virt(e & EPT_ADDR_MASK);
	for (unsigned int i = 0; i < EPT_ENTRIES; i++)
		if (child[i])
			return;
	ept_set_entry(c, t, idx, e, 0);
}

static void ept_change_table(struct ept_change *c, struct ept_view *t, uint64_t gpa,
			     paddr_t hpa, uint64_t size)
{
	uint64_t span = level_span(t->level);

	while (size) {
		unsigned int idx = level_index(gpa, t->level);
		uint64_t len = MIN(size, span - (gpa & (span - 1)));
		uint64_t old = ept_view_entry(t, idx);
		struct ept_view child;
		uint8_t type;

		if (len == span && c->unmap) {
			ept_set_entry(c, t, idx, old, 0);
		} else if (len == span && ept_leaf_fits(t->level, hpa, &type)) {
			ept_set_entry(c, t, idx, old, ept_make_leaf(c, t->level, hpa, type));
		} else if (!c->unmap || ept_present(old)) {
			ept_descend(c, t, idx, old, &child);
			ept_change_table(c, &child, gpa, hpa, len);
			if (c->apply && c->unmap)
				ept_prune(c, t, idx);
		}
		gpa += len;
		hpa += len;
		size -= len;
	}
}

static int ept_change(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		      uint64_t perms, bool unmap)
{
	struct ept_change c = { .d = d, .unmap = unmap, .perms = perms };
	struct ept_view root = { .level = EPT_LEVELS };
	int rc;

	spin_lock(&ept_lock);
	root.entries = phys_to_virt(d->arch.ept_root);
	ept_change_table(&c, &root, gpa, hpa, size);
	rc = ept_pool_fill(&c, c.tables_needed);
	if (rc)
		goto out;
	c.apply = true;
	ept_change_table(&c, &root, gpa, hpa, size);
	if (c.pool_count)
		panic("ept: %lu tables counted but not used", c.pool_count);
	if (c.flush)
		ept_invalidate(d->arch.eptp);
out:
	spin_unlock(&ept_lock);
	return rc;
}

/* ---- core/arch.h ---- */

int arch_domain_init(struct domain *d)
{
	paddr_t root;
	int rc;

	if (!host.ready)
		ept_host_init();
	rc = domain_alloc_overhead_page(d, &root);
	if (rc)
		return rc;
	memset(phys_to_virt(root), 0, PAGE_SIZE);
	d->arch.ept_root = root;
	d->arch.eptp = root | EPTP_MEMTYPE_WB | EPTP_WALK_LENGTH_4;
	d->arch.ept_tables = 1;
	/* The root frame may have been another domain's: CPUs must not trust old caches. */
	__atomic_add_fetch(&ept_global_generation, 1, __ATOMIC_ACQ_REL);
	return 0;
}

void arch_domain_destroy(struct domain *d)
{
	uint64_t eptp = d->arch.eptp;

	if (!d->arch.ept_root)
		return;
	spin_lock(&ept_lock);
	ept_free_tree(d, d->arch.ept_root, EPT_LEVELS);
	d->arch.ept_root = 0;
	d->arch.eptp = 0;
	ept_invalidate(eptp);
	spin_unlock(&ept_lock);
	if (d->arch.ept_tables)
		pr_err("ept: domain %u leaks %lu EPT table frames\n", d->id,
		       (unsigned long)d->arch.ept_tables);
}

static int ept_check_range(const struct domain *d, uint64_t gpa, uint64_t size)
{
	if (!d->arch.ept_root || !size)
		return -EINVAL;
	if (!IS_ALIGNED(gpa, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	if (gpa >= (1UL << EPT_GPA_BITS) || size > (1UL << EPT_GPA_BITS) - gpa)
		return -EINVAL;
	return 0;
}

/* ARCH_MAP_* to EPT bits; write without read is a misconfiguration (SDM 29.3.3.1). */
static int ept_perm_bits(unsigned int perms, uint64_t *bits)
{
	*bits = ((perms & ARCH_MAP_R) ? EPT_READ : 0) | ((perms & ARCH_MAP_W) ? EPT_WRITE : 0) |
		((perms & ARCH_MAP_X) ? EPT_EXEC : 0);
	if (!perms || (perms & ~ARCH_MAP_RWX))
		return -EINVAL;
	if ((perms & ARCH_MAP_W) && !(perms & ARCH_MAP_R))
		return -EINVAL;
	if (perms == ARCH_MAP_X && !(host.caps & EPT_CAP_EXEC_ONLY))
		return -EINVAL;
	return 0;
}

int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms)
{
	uint64_t bits;
	int rc;

	rc = ept_check_range(d, gpa, size);
	if (!rc)
		rc = ept_perm_bits(perms, &bits);
	if (rc)
		return rc;
	if (!IS_ALIGNED(hpa, PAGE_SIZE) || hpa >= host.addr_limit ||
	    size > host.addr_limit - hpa)
		return -EINVAL;
	return ept_change(d, gpa, hpa, size, bits, false);
}

int arch_domain_unmap(struct domain *d, uint64_t gpa, uint64_t size)
{
	int rc = ept_check_range(d, gpa, size);

	if (rc)
		return rc;
	return ept_change(d, gpa, 0, size, 0, true);
}

/* ---- Lookup and diagnostics ---- */

int ept_translate(struct domain *d, uint64_t gpa, paddr_t *hpa, unsigned int *perms)
{
	const uint64_t *table;
	int rc = -ENOENT;

	if (!d->arch.ept_root || gpa >= (1UL << EPT_GPA_BITS))
		return -EINVAL;
	spin_lock(&ept_lock);
	table = phys_to_virt(d->arch.ept_root);
	for (unsigned int level = EPT_LEVELS; level >= 1; level--) {
		uint64_t e = table[level_index(gpa, level)];
		uint64_t span = level_span(level);

		if (!ept_present(e))
			break;
		if (ept_is_table(e, level)) {
			table = phys_to_virt(e & EPT_ADDR_MASK);
			continue;
		}
		if (hpa)
			*hpa = (e & EPT_ADDR_MASK & ~(span - 1)) + (gpa & (span - 1));
		if (perms)
			*perms = ((e & EPT_READ) ? ARCH_MAP_R : 0) |
				 ((e & EPT_WRITE) ? ARCH_MAP_W : 0) |
				 ((e & EPT_EXEC) ? ARCH_MAP_X : 0);
		rc = 0;
		break;
	}
	spin_unlock(&ept_lock);
	return rc;
}

/* A run of leaves contiguous in both address spaces with the same attributes. */
struct ept_run {
	uint64_t gpa, end;
	paddr_t hpa;
	uint64_t attrs;
	unsigned long pages[3]; /* 4 KiB, 2 MiB, 1 GiB leaves */
	unsigned long runs;
};

static void ept_run_print(const struct ept_run *r)
{
	if (r->end == r->gpa)
		return;
	pr_info("  gpa [%#lx, %#lx) -> hpa %#lx %c%c%c %s (%lu x 1G, %lu x 2M, %lu x 4K)\n",
		r->gpa, r->end, r->hpa, (r->attrs & EPT_READ) ? 'r' : '-',
		(r->attrs & EPT_WRITE) ? 'w' : '-', (r->attrs & EPT_EXEC) ? 'x' : '-',
		memtype_names[(r->attrs & EPT_MEMTYPE_MASK) >> EPT_MEMTYPE_SHIFT], r->pages[2],
		r->pages[1], r->pages[0]);
}

static void ept_run_add(struct ept_run *r, uint64_t gpa, uint64_t leaf, unsigned int level)
{
	uint64_t span = level_span(level);
	paddr_t hpa = leaf & EPT_ADDR_MASK & ~(span - 1);
	uint64_t attrs = leaf & (EPT_PERMS | EPT_MEMTYPE_MASK);

	if (r->end != r->gpa &&
	    (gpa != r->end || hpa != r->hpa + (r->end - r->gpa) || attrs != r->attrs)) {
		ept_run_print(r);
		r->end = r->gpa;
	}
	if (r->end == r->gpa) {
		*r = (struct ept_run){ .gpa = gpa, .end = gpa, .hpa = hpa, .attrs = attrs,
				       .runs = r->runs + 1 };
	}
	r->end = gpa + span;
	r->pages[level - 1]++;
}

static void ept_dump_table(struct ept_run *r, paddr_t table, unsigned int level, uint64_t base)
{
	const uint64_t *e = phys_to_virt(table);

	for (unsigned int i = 0; i < EPT_ENTRIES; i++) {
		uint64_t gpa = base + i * level_span(level);

		if (ept_is_table(e[i], level))
			ept_dump_table(r, e[i] & EPT_ADDR_MASK, level - 1, gpa);
		else if (ept_present(e[i]))
			ept_run_add(r, gpa, e[i], level);
	}
}

void ept_dump(struct domain *d)
{
	struct ept_run r = { 0 };

	if (!d->arch.ept_root) {
		pr_info("EPT of domain %u: none\n", d->id);
		return;
	}
	spin_lock(&ept_lock);
	pr_info("EPT of domain %u (%s): EPTP %#lx, %lu table frames\n", d->id, d->name,
		d->arch.eptp, (unsigned long)d->arch.ept_tables);
	ept_dump_table(&r, d->arch.ept_root, EPT_LEVELS, 0);
	ept_run_print(&r);
	if (!r.runs)
		pr_info("  (no mappings)\n");
	spin_unlock(&ept_lock);
}
