/*
 * The UEFI memory map, converted into boot_info's memory regions. Pure C
 * (the descriptor layout is the UEFI specification's, restated here) so
 * that host unit tests can feed it firmware-like maps.
 */
#ifndef BOOT_EFI_MEMMAP_H
#define BOOT_EFI_MEMMAP_H

#include "boot/bootinfo.h"

/* UEFI 2.10 7.2.1 EFI_MEMORY_TYPE. */
enum uefi_memory_type {
	UEFI_RESERVED_MEMORY = 0,
	UEFI_LOADER_CODE = 1,
	UEFI_LOADER_DATA = 2,
	UEFI_BOOT_SERVICES_CODE = 3,
	UEFI_BOOT_SERVICES_DATA = 4,
	UEFI_RUNTIME_SERVICES_CODE = 5,
	UEFI_RUNTIME_SERVICES_DATA = 6,
	UEFI_CONVENTIONAL_MEMORY = 7,
	UEFI_UNUSABLE_MEMORY = 8,
	UEFI_ACPI_RECLAIM_MEMORY = 9,
	UEFI_ACPI_MEMORY_NVS = 10,
	UEFI_MEMORY_MAPPED_IO = 11,
	UEFI_MEMORY_MAPPED_IO_PORT_SPACE = 12,
	UEFI_PAL_CODE = 13,
	UEFI_PERSISTENT_MEMORY = 14,
	UEFI_UNACCEPTED_MEMORY = 15,
};

/*
 * UEFI 2.10 7.2.3 EFI_MEMORY_DESCRIPTOR. GetMemoryMap() returns entries
 * DescriptorSize bytes apart, which may be more than this structure.
 */
struct uefi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t nr_pages; /* of 4 KiB */
	uint64_t attribute;
};

#define UEFI_PAGE_SIZE 4096ULL

/*
 * The boot_info type of a UEFI memory type: memory that is free once boot
 * services have exited is AVAILABLE, runtime services FIRMWARE_RUNTIME,
 * the ACPI kinds and unusable memory their own, everything else RESERVED.
 */
uint32_t uefi_memory_type_to_boot(uint32_t type);

/*
 * Converts the map (map_size bytes of desc_size-byte descriptors) into
 * regions[], sorted by base, with empty entries dropped and touching
 * regions of the same type merged (so firmware maps of several hundred
 * entries fit). Overlaps are kept for the hypervisor's memmap_normalize().
 * Returns 0, -EINVAL when desc_size is smaller than a descriptor or a
 * region wraps, -ENOSPC when more than capacity regions remain.
 */
int uefi_memmap_convert(const void *map, uint64_t map_size, uint64_t desc_size,
			struct boot_mem_region *regions, uint32_t capacity, uint32_t *count);

/* The end of the highest region of any type (0 for an empty map). */
uint64_t uefi_memmap_end(const void *map, uint64_t map_size, uint64_t desc_size);

#endif
