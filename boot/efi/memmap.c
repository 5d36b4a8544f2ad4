/*
 * UEFI memory map conversion (see memmap.h). Each descriptor is inserted
 * into a sorted array and merged with the neighbours it touches, so the
 * array never holds more than the final number of regions.
 */
#include "boot/efi/memmap.h"
#include "core/errno.h"
#include "core/lib/string.h"

uint32_t uefi_memory_type_to_boot(uint32_t type)
{
	switch (type) {
	case UEFI_CONVENTIONAL_MEMORY:
	case UEFI_BOOT_SERVICES_CODE:
	case UEFI_BOOT_SERVICES_DATA:
	case UEFI_LOADER_CODE:
	case UEFI_LOADER_DATA:
		return BOOT_MEM_AVAILABLE;
	case UEFI_RUNTIME_SERVICES_CODE:
	case UEFI_RUNTIME_SERVICES_DATA:
		return BOOT_MEM_FIRMWARE_RUNTIME;
	case UEFI_ACPI_RECLAIM_MEMORY:
		return BOOT_MEM_ACPI_RECLAIM;
	case UEFI_ACPI_MEMORY_NVS:
		return BOOT_MEM_ACPI_NVS;
	case UEFI_UNUSABLE_MEMORY:
		return BOOT_MEM_BAD;
	default:
		return BOOT_MEM_RESERVED;
	}
}

static const struct uefi_memory_descriptor *descriptor(const void *map, uint64_t desc_size,
							 uint64_t i)
{
	return (const struct uefi_memory_descriptor *)((const uint8_t *)map + i * desc_size);
}

static bool touches(const struct boot_mem_region *a, const struct boot_mem_region *b)
{
	return a->type == b->type && a->base + a->length == b->base;
}

static void remove_region(struct boot_mem_region *regions, uint32_t *count, uint32_t i)
{
	memmove(&regions[i], &regions[i + 1], (*count - i - 1) * sizeof(regions[0]));
	(*count)--;
}

/* Inserts r in base order, merging it with the neighbours it touches. */
static int insert_region(struct boot_mem_region *regions, uint32_t *count, uint32_t capacity,
			 const struct boot_mem_region *r)
{
	uint32_t i = *count;

	while (i && regions[i - 1].base > r->base)
		i--;

	if (i && touches(&regions[i - 1], r)) {
		regions[i - 1].length += r->length;
		if (i < *count && touches(&regions[i - 1], &regions[i])) {
			regions[i - 1].length += regions[i].length;
			remove_region(regions, count, i);
		}
		return 0;
	}
	if (i < *count && touches(r, &regions[i])) {
		regions[i].base = r->base;
		regions[i].length += r->length;
		return 0;
	}

	if (*count == capacity)
		return -ENOSPC;
	memmove(&regions[i + 1], &regions[i], (*count - i) * sizeof(regions[0]));
	regions[i] = *r;
	(*count)++;
	return 0;
}

int uefi_memmap_convert(const void *map, uint64_t map_size, uint64_t desc_size,
			struct boot_mem_region *regions, uint32_t capacity, uint32_t *count)
{
	const struct uefi_memory_descriptor *d;
	struct boot_mem_region r = { 0 };
	uint64_t i, nr = 0;
	int ret = 0;

	*count = 0;
	if (desc_size < sizeof(*d)) {
		ret = -EINVAL;
		goto out;
	}
	nr = map_size / desc_size;
	/* Validate every descriptor before converting any. */
	for (i = 0; i < nr; i++) {
		d = descriptor(map, desc_size, i);
		if (d->nr_pages > (~0ULL - d->physical_start) / UEFI_PAGE_SIZE) {
			ret = -EINVAL;
			goto out;
		}
	}

	for (i = 0; i < nr; i++) {
		d = descriptor(map, desc_size, i);
		if (!d->nr_pages)
			continue;
		r.base = d->physical_start;
		r.length = d->nr_pages * UEFI_PAGE_SIZE;
		r.type = uefi_memory_type_to_boot(d->type);
		ret = insert_region(regions, count, capacity, &r);
		if (ret)
			goto out;
	}
out:
	if (ret)
		*count = 0;
	return ret;
}

uint64_t uefi_memmap_end(const void *map, uint64_t map_size, uint64_t desc_size)
{
	const struct uefi_memory_descriptor *d;
	uint64_t i, end, highest = 0;

	if (desc_size < sizeof(*d))
		return 0;
	for (i = 0; i < map_size / desc_size; i++) {
		d = descriptor(map, desc_size, i);
		end = d->physical_start + d->nr_pages * UEFI_PAGE_SIZE;
		if (d->nr_pages && end > highest)
			highest = end;
	}
	return highest;
}
