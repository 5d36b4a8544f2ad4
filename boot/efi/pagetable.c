/*
 * Hand-off page tables (see pagetable.h). SDM Vol. 3A 4.5: 4-level paging,
 * 512 entries per table, PS in a PDE maps 2 MiB.
 */
#include "boot/efi/pagetable.h"
#include "core/errno.h"
#include "core/lib/string.h"

#define PTE_PRESENT (1ULL << 0)
#define PTE_WRITABLE (1ULL << 1)
#define PTE_LARGE (1ULL << 7) /* PS: a 2 MiB page in a PDE */
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PT_ENTRIES 512

#define PML4_SHIFT 39
#define PDPT_SHIFT 30
#define PD_SHIFT 21

#define LARGE_PAGE_SIZE (1ULL << PD_SHIFT)

static unsigned int table_index(uint64_t va, unsigned int shift)
{
	return (va >> shift) & (PT_ENTRIES - 1);
}

/* How many aligned 2^shift blocks [first, last] touches. */
static uint64_t blocks_touched(uint64_t first, uint64_t last, unsigned int shift)
{
	return (last >> shift) - (first >> shift) + 1;
}

uint32_t handoff_pt_identity_pages(uint64_t limit)
{
	uint64_t gib = ALIGN_UP(limit, 1ULL << PDPT_SHIFT) >> PDPT_SHIFT;

	/* One PD per GiB, one PDPT per 512 GiB, the PML4. */
	return (uint32_t)(gib + ALIGN_UP(gib, PT_ENTRIES) / PT_ENTRIES + 1);
}

uint32_t handoff_pt_range_pages(uint64_t va, uint64_t size)
{
	uint64_t last = va + (size ? size - 1 : 0);

	/* Page tables, page directories, PDPTs. */
	return (uint32_t)(blocks_touched(va, last, PD_SHIFT) +
			  blocks_touched(va, last, PDPT_SHIFT) +
			  blocks_touched(va, last, PML4_SHIFT));
}

int handoff_pt_init(struct handoff_pt *pt, void *pool, uint64_t pool_phys, uint32_t nr_pages)
{
	if (!nr_pages || !IS_ALIGNED(pool_phys, PAGE_SIZE) ||
	    !IS_ALIGNED((uintptr_t)pool, PAGE_SIZE))
		return -EINVAL;

	pt->pool = pool;
	pt->pool_phys = pool_phys;
	pt->nr_pages = nr_pages;
	pt->used = 1;
	memset(pool, 0, PAGE_SIZE);
	return 0;
}

uint64_t handoff_pt_root(const struct handoff_pt *pt)
{
	return pt->pool_phys;
}

static uint64_t *table_at(const struct handoff_pt *pt, uint64_t entry)
{
	uint64_t index = ((entry & PTE_ADDR_MASK) - pt->pool_phys) / PAGE_SIZE;

	return pt->pool + index * PT_ENTRIES;
}

/*
 * The table that entry *slot points to, allocating it when the slot is
 * empty. NULL with *err set when the slot maps a large page or the pool is
 * exhausted.
 */
static uint64_t *next_table(struct handoff_pt *pt, uint64_t *slot, int *err)
{
	uint64_t *table;

	if (*slot & PTE_LARGE) {
		*err = -EEXIST;
		return NULL;
	}
	if (*slot & PTE_PRESENT)
		return table_at(pt, *slot);
	if (pt->used == pt->nr_pages) {
		*err = -ENOMEM;
		return NULL;
	}

	table = pt->pool + (uint64_t)pt->used * PT_ENTRIES;
	memset(table, 0, PAGE_SIZE);
	*slot = (pt->pool_phys + (uint64_t)pt->used * PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE;
	pt->used++;
	return table;
}

/* The page directory covering va, created as needed. */
static uint64_t *pd_for(struct handoff_pt *pt, uint64_t va, int *err)
{
	uint64_t *pdpt;

	pdpt = next_table(pt, &pt->pool[table_index(va, PML4_SHIFT)], err);
	if (!pdpt)
		return NULL;
	return next_table(pt, &pdpt[table_index(va, PDPT_SHIFT)], err);
}

int handoff_pt_map_identity(struct handoff_pt *pt, uint64_t limit)
{
	uint64_t end, pa;
	uint64_t *pd;
	unsigned int i;
	int ret = 0;

	if (!limit || limit > HANDOFF_PT_IDENTITY_MAX)
		return -EINVAL;

	end = ALIGN_UP(limit, 1ULL << PDPT_SHIFT);
	for (pa = 0; pa < end; pa += 1ULL << PDPT_SHIFT) {
		pd = pd_for(pt, pa, &ret);
		if (!pd)
			goto out;
		for (i = 0; i < PT_ENTRIES; i++) {
			if (pd[i] & PTE_PRESENT) {
				ret = -EEXIST;
				goto out;
			}
			pd[i] = (pa + i * LARGE_PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
		}
	}
out:
	return ret;
}

static bool is_canonical(uint64_t va)
{
	return ((int64_t)(va << 16) >> 16) == (int64_t)va;
}

int handoff_pt_map_range(struct handoff_pt *pt, uint64_t va, uint64_t pa, uint64_t size)
{
	uint64_t first, last, page, frame, entry;
	uint64_t *pd, *table;
	int ret = 0;

	if (!size || (va & (PAGE_SIZE - 1)) != (pa & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (va + size - 1 < va || pa + size - 1 < pa)
		return -EINVAL;
	first = ALIGN_DOWN(va, PAGE_SIZE);
	last = va + size - 1;
	/* Both ends canonical and on the same side of the hole. */
	if (!is_canonical(first) || !is_canonical(last) || (first >> 63) != (last >> 63))
		return -EINVAL;

	frame = ALIGN_DOWN(pa, PAGE_SIZE);
	for (page = first; page <= ALIGN_DOWN(last, PAGE_SIZE); page += PAGE_SIZE) {
		pd = pd_for(pt, page, &ret);
		if (!pd)
			goto out;
		table = next_table(pt, &pd[table_index(page, PD_SHIFT)], &ret);
		if (!table)
			goto out;

		entry = frame | PTE_PRESENT | PTE_WRITABLE;
		if (table[table_index(page, PAGE_SHIFT)] & PTE_PRESENT &&
		    table[table_index(page, PAGE_SHIFT)] != entry) {
			ret = -EEXIST;
			goto out;
		}
		table[table_index(page, PAGE_SHIFT)] = entry;
		frame += PAGE_SIZE;
		/* The last page of the address space: stepping on would wrap. */
		if (page == ALIGN_DOWN(~0ULL, PAGE_SIZE))
			break;
	}
out:
	return ret;
}
