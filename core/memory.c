/*
 * Memory bring-up; see memory.h. The loader's map is normalised, then the
 * hypervisor image, the boot modules, the loader's hand-off data and page 0
 * are marked reserved before the allocator sees it.
 */
#include "core/console.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/memmap.h"
#include "core/memory.h"
#include "core/page_alloc.h"

/* Reservations can split regions: leave room for that. */
#define MEMMAP_CAPACITY (BOOT_MAX_MEMMAP + 2 * (BOOT_MAX_MODULES + BOOT_MAX_RESERVED + 4))

static struct boot_mem_region memmap[MEMMAP_CAPACITY];
static uint32_t memmap_count;

static const char *const type_names[] = {
	[BOOT_MEM_AVAILABLE] = "available",	   [BOOT_MEM_RESERVED] = "reserved",
	[BOOT_MEM_ACPI_RECLAIM] = "ACPI",	   [BOOT_MEM_ACPI_NVS] = "ACPI NVS",
	[BOOT_MEM_BAD] = "bad",			   [BOOT_MEM_FIRMWARE_RUNTIME] = "firmware runtime",
};

static int reserve(uint64_t base, uint64_t length, const char *what)
{
	uint64_t start = ALIGN_DOWN(base, PAGE_SIZE);
	uint64_t end = ALIGN_UP(base + length, PAGE_SIZE);
	int rc;

	if (!length)
		return 0;
	rc = memmap_set_type(memmap, &memmap_count, MEMMAP_CAPACITY, start, end - start,
			     BOOT_MEM_RESERVED);
	if (rc)
		pr_err("memory: cannot reserve %s [%#lx-%#lx): %d\n", what, start, end, rc);
	return rc;
}

int memory_init(const struct boot_info *bi)
{
	uint64_t available;
	int rc;

	if (!bi->nr_memmap) {
		pr_err("memory: the loader passed no memory map\n");
		return -EINVAL;
	}
	memcpy(memmap, bi->memmap, bi->nr_memmap * sizeof(memmap[0]));
	memmap_count = bi->nr_memmap;
	rc = memmap_normalize(memmap, &memmap_count, MEMMAP_CAPACITY);
	if (rc) {
		pr_err("memory: the memory map has too many overlapping regions\n");
		return rc;
	}
	available = memmap_total(memmap, memmap_count, BOOT_MEM_AVAILABLE);

	/* Page 0 holds the real-mode IVT and stays unmapped to catch null pointers. */
	rc = reserve(0, PAGE_SIZE, "page 0");
	if (!rc)
		rc = reserve(bi->hv_phys_start, bi->hv_phys_end - bi->hv_phys_start,
			     "the hypervisor image");
	for (uint32_t i = 0; i < bi->nr_modules && !rc; i++)
		rc = reserve(bi->modules[i].base, bi->modules[i].size, bi->modules[i].name);
	for (uint32_t i = 0; i < bi->nr_reserved && !rc; i++)
		rc = reserve(bi->reserved[i].base, bi->reserved[i].length, "loader hand-off data");
	if (rc)
		return rc;

	for (uint32_t i = 0; i < memmap_count; i++) {
		const struct boot_mem_region *r = &memmap[i];
		const char *name = r->type < ARRAY_SIZE(type_names) && type_names[r->type] ?
					   type_names[r->type] :
					   "unknown";

		pr_debug("  [%016lx-%016lx) %s\n", r->base, r->base + r->length, name);
	}

	rc = page_alloc_init(memmap, memmap_count);
	if (rc) {
		pr_err("memory: frame allocator initialisation failed: %d\n", rc);
		return rc;
	}
	pr_info("memory: %lu KiB available in the firmware map (%u regions), %lu KiB free "
		"for the allocator\n",
		available / KiB, memmap_count, page_alloc_free_frames() * PAGE_SIZE / KiB);
	return 0;
}
