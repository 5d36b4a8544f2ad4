/*
 * Changes to the runtime's identity map. Page-table pages come from a
 * small static pool: the tables are identity-mapped, so a table's physical
 * address is also its virtual one.
 */
#include "rt/rt.h"

#define PT_ENTRIES 512
#define PT_POOL_PAGES 32
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define LOWER_HALF_END (1ull << 47)

extern uint64_t boot_pml4[PT_ENTRIES];

static uint64_t pt_pool[PT_POOL_PAGES][PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static unsigned int pt_pool_used;

static uint64_t *pt_alloc(void)
{
	uint64_t *t;

	if (pt_pool_used == PT_POOL_PAGES)
		return NULL;
	t = pt_pool[pt_pool_used++];
	memset(t, 0, PAGE_SIZE);
	return t;
}

static unsigned int pt_index(uint64_t va, unsigned int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

static uint64_t *pte_table(uint64_t pte)
{
	return (uint64_t *)(uintptr_t)(pte & PTE_ADDR_MASK);
}

/* Replaces a 2 MiB mapping by a table of 512 4 KiB ones with the same attributes. */
static int split_large_page(uint64_t *pde)
{
	uint64_t *pt = pt_alloc();
	uint64_t base = *pde & PTE_ADDR_MASK & ~(uint64_t)(LARGE_PAGE_SIZE - 1);
	uint64_t flags = *pde & (PTE_P | PTE_W | PTE_U);
	unsigned int i;

	if (!pt)
		return -ENOMEM;
	for (i = 0; i < PT_ENTRIES; i++)
		pt[i] = (base + (uint64_t)i * PAGE_SIZE) | flags;
	*pde = (uint64_t)(uintptr_t)pt | PTE_P | PTE_W | (flags & PTE_U);
	return 0;
}

/*
 * The level-0 entry for va. Missing tables are created when create is set
 * (else -ENOENT); a 2 MiB page on the way is always split.
 */
static int walk(uint64_t va, bool create, uint64_t **pte_out)
{
	uint64_t *table = boot_pml4;
	unsigned int level;
	int rc;

	for (level = 3; level > 0; level--) {
		uint64_t *e = &table[pt_index(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t *next;

			if (!create)
				return -ENOENT;
			next = pt_alloc();
			if (!next)
				return -ENOMEM;
			*e = (uint64_t)(uintptr_t)next | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			/* The boot map has 2 MiB pages only; a 1 GiB one would be ours too. */
			if (level != 1)
				return -EINVAL;
			rc = split_large_page(e);
			if (rc)
				return rc;
		}
		table = pte_table(*e);
	}
	*pte_out = &table[pt_index(va, 0)];
	return 0;
}

static bool va_ok(uint64_t va)
{
	return !(va & (PAGE_SIZE - 1)) && va < LOWER_HALF_END;
}

int map_page(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte;
	int rc;

	if (!va_ok(va) || (pa & ~PTE_ADDR_MASK))
		return -EINVAL;
	rc = walk(va, true, &pte);
	if (rc)
		return rc;
	*pte = pa | PTE_P | (flags & (PTE_W | PTE_U));
	invlpg(va);
	return 0;
}

int unmap_page(uint64_t va)
{
	uint64_t *pte;
	int rc;

	if (!va_ok(va))
		return -EINVAL;
	/* A 2 MiB page in the way is split by walk(): only the one 4 KiB page goes. */
	rc = walk(va, false, &pte);
	if (rc)
		return rc;
	if (!(*pte & PTE_P))
		return -ENOENT;
	*pte = 0;
	invlpg(va);
	return 0;
}
