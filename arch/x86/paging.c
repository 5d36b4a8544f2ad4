/*
 * Builds and loads the hypervisor's page tables; see paging.h. Runs once on
 * the boot CPU after the frame allocator exists; the other CPUs load the
 * same CR3 from the trampoline.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/layout.h"
#include "arch/x86/msr.h"
#include "arch/x86/paging.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/page_alloc.h"

#define CPUID_EXT_PDPE1GB (1u << 26)
#define CPUID_EXT_NX (1u << 20)
#define LEVEL_4K 1
#define LEVEL_2M 2
#define LEVEL_1G 3
/* The lower canonical half of 4-level paging (SDM 4.5): where 1:1 addresses can go. */
#define IDENTITY_MAP_MAX (1UL << 47)

extern const char hv_text_start[], hv_text_end[], hv_rodata_start[], hv_rodata_end[],
	hv_data_start[], hv_end[];

int64_t hv_phys_offset;
static bool have_nx;
static uint64_t pml4_pa;
static unsigned int tables_used;

void *phys_to_virt(paddr_t pa)
{
	return (void *)pa;
}

paddr_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= HV_VIRT_BASE)
		return v - HV_VIRT_BASE + (uint64_t)hv_phys_offset;
	return v;
}

static uint64_t *new_table(void)
{
	paddr_t pa;

	if (alloc_pages(0, &pa))
		return NULL;
	tables_used++;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return phys_to_virt(pa);
}

/* Maps one page of 4 KiB, 2 MiB or 1 GiB, allocating tables on the way. */
static int map_page(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags, int level)
{
	uint64_t *table = pml4;

	for (int l = 4; l > level; l--) {
		unsigned int idx = (va >> (12 + 9 * (l - 1))) & 511;

		if (!(table[idx] & PTE_PRESENT)) {
			uint64_t *next = new_table();

			if (!next)
				return -ENOMEM;
			table[idx] = virt_to_phys(next) | PTE_PRESENT | PTE_WRITE;
		}
		table = phys_to_virt(table[idx] & PTE_ADDR_MASK);
	}
	table[(va >> (12 + 9 * (level - 1))) & 511] =
		pa | flags | PTE_PRESENT | (level > LEVEL_4K ? PTE_LARGE : 0);
	return 0;
}

static int map_identity(uint64_t *pml4, uint64_t limit, bool gib_pages)
{
	uint64_t nx = have_nx ? PTE_NX : 0;
	int rc = 0;

	/* Page 0 stays unmapped; the low 1 MiB is executable for the SMP trampoline. */
	for (uint64_t pa = PAGE_SIZE; pa < 2 * MiB && !rc; pa += PAGE_SIZE)
		rc = map_page(pml4, pa, pa, PTE_WRITE | (pa < MiB ? 0 : nx), LEVEL_4K);
	for (uint64_t pa = 2 * MiB; pa < GiB && !rc; pa += 2 * MiB)
		rc = map_page(pml4, pa, pa, PTE_WRITE | nx, LEVEL_2M);
	for (uint64_t pa = GiB; pa < limit && !rc; pa += gib_pages ? GiB : 2 * MiB)
		rc = map_page(pml4, pa, pa, PTE_WRITE | nx, gib_pages ? LEVEL_1G : LEVEL_2M);
	return rc;
}

static int map_image_range(uint64_t *pml4, const char *start, const char *end, uint64_t flags)
{
	int rc = 0;

	for (uint64_t va = (uint64_t)start; va < (uint64_t)end && !rc; va += PAGE_SIZE)
		rc = map_page(pml4, va, virt_to_phys((void *)va), flags, LEVEL_4K);
	return rc;
}

/*
 * Where the identity map ends: past everything the memory map describes,
 * and at least 4 GiB (MMIO: LAPIC, IO-APIC, HPET), but within the lower
 * canonical half and the CPU's physical address width: a region beyond
 * those cannot be mapped 1:1, and its page-table indexes would wrap onto
 * the low mappings. Only RAM there is an error; other regions are skipped.
 */
static int identity_limit(const struct boot_info *bi, uint64_t *limit)
{
	uint64_t top = 4UL * GiB;
	uint64_t mappable = MIN(IDENTITY_MAP_MAX, 1UL << cpu_phys_addr_bits());

	for (uint32_t i = 0; i < bi->nr_memmap; i++) {
		const struct boot_mem_region *r = &bi->memmap[i];
		uint64_t end = r->base + r->length;

		if (!r->length || end < r->base || end <= top)
			continue;
		if (end > mappable) {
			pr_warn("paging: memory map region [%#lx-%#lx) type %u ends beyond the "
				"%#lx that can be mapped\n",
				r->base, end, r->type, mappable);
			if (r->type == BOOT_MEM_AVAILABLE)
				return -ERANGE;
			end = mappable;
		}
		top = MAX(top, end);
	}
	*limit = ALIGN_UP(top, GiB);
	return 0;
}

int arch_paging_init(const struct boot_info *bi)
{
	struct cpuid_regs r;
	uint64_t *pml4, limit;
	uint64_t nx;
	bool gib_pages;
	int rc;

	rc = identity_limit(bi, &limit);
	if (rc)
		return rc;
	cpuid(0x80000001, &r);
	gib_pages = r.edx & CPUID_EXT_PDPE1GB;
	nx = have_nx ? PTE_NX : 0;

	pml4 = new_table();
	if (!pml4)
		return -ENOMEM;
	rc = map_identity(pml4, limit, gib_pages);
	if (!rc)
		rc = map_image_range(pml4, hv_text_start, hv_text_end, 0);
	if (!rc)
		rc = map_image_range(pml4, hv_rodata_start, hv_rodata_end, nx);
	if (!rc)
		rc = map_image_range(pml4, hv_data_start, hv_end, PTE_WRITE | nx);
	if (rc)
		return rc;

	pml4_pa = virt_to_phys(pml4);
	write_cr3(pml4_pa);
	pr_info("paging: own page tables at %#lx: %lu GiB mapped 1:1 with %s pages, image "
		"at %#lx (%u table pages)\n",
		pml4_pa, limit / GiB, gib_pages ? "1 GiB" : "2 MiB",
		virt_to_phys(hv_text_start), tables_used);
	return 0;
}

void paging_enable_nx(void)
{
	struct cpuid_regs r;

	cpuid(0x80000001, &r);
	have_nx = r.edx & CPUID_EXT_NX;
	if (have_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}
