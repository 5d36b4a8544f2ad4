/*
 * Physical memory map normalisation. Firmware maps can be unsorted, contain
 * zero-length entries and overlap; after memmap_normalize() the array is
 * sorted by base, has no empty and no overlapping regions, and adjacent
 * regions of the same type are merged. Where regions overlap the more
 * restrictive type wins: anything beats AVAILABLE, and among the others the
 * higher enum value wins (BAD over NVS over RECLAIM over RESERVED) except
 * that FIRMWARE_RUNTIME beats all.
 */
#ifndef CORE_MEMMAP_H
#define CORE_MEMMAP_H

#include "boot/bootinfo.h"

/*
 * Normalises regions[0..*count) in place. Returns 0, or -ENOSPC when
 * resolving overlaps needs more than capacity entries (the map is then
 * left unchanged).
 */
int memmap_normalize(struct boot_mem_region *regions, uint32_t *count, uint32_t capacity);

/*
 * Sets [base, base+length) to type in a normalised map, splitting regions
 * as needed; the result is normalised. Returns 0, -EINVAL for a zero
 * length or a range that wraps, -ENOSPC when capacity is exceeded (map
 * unchanged).
 */
int memmap_set_type(struct boot_mem_region *regions, uint32_t *count, uint32_t capacity,
		    uint64_t base, uint64_t length, uint32_t type);

/* Total bytes of the given type in a normalised map. */
uint64_t memmap_total(const struct boot_mem_region *regions, uint32_t count, uint32_t type);

#endif
