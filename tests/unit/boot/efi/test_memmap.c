/*
 * Tests for boot/efi/memmap.c: UEFI memory map conversion, with the
 * firmware's DescriptorSize (48 on OVMF) larger than the descriptor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/efi/memmap.h"
#include "core/errno.h"

#define DESC_SIZE 48
#define MAX_DESC 600

static uint8_t map[MAX_DESC * DESC_SIZE];
static unsigned int nr_desc;
static struct boot_mem_region regions[BOOT_MAX_MEMMAP];
static uint32_t count;

static int reset(void **state)
{
	memset(map, 0xee, sizeof(map));
	nr_desc = 0;
	memset(regions, 0, sizeof(regions));
	count = 12345;
	return 0;
}

static void add(uint32_t type, uint64_t base, uint64_t pages)
{
	struct uefi_memory_descriptor d = {
		.type = type,
		.physical_start = base,
		.virtual_start = 0,
		.nr_pages = pages,
		.attribute = 0xf,
	};

	assert_true(nr_desc < MAX_DESC);
	memcpy(map + nr_desc++ * DESC_SIZE, &d, sizeof(d));
}

static int convert(uint32_t capacity)
{
	return uefi_memmap_convert(map, nr_desc * DESC_SIZE, DESC_SIZE, regions, capacity, &count);
}

static void expect(uint32_t i, uint64_t base, uint64_t length, uint32_t type)
{
	assert_true(i < count);
	assert_int_equal(regions[i].base, base);
	assert_int_equal(regions[i].length, length);
	assert_int_equal(regions[i].type, type);
}

static void test_type_conversion(void **state)
{
	static const uint32_t want[] = {
		[UEFI_RESERVED_MEMORY] = BOOT_MEM_RESERVED,
		[UEFI_LOADER_CODE] = BOOT_MEM_AVAILABLE,
		[UEFI_LOADER_DATA] = BOOT_MEM_AVAILABLE,
		[UEFI_BOOT_SERVICES_CODE] = BOOT_MEM_AVAILABLE,
		[UEFI_BOOT_SERVICES_DATA] = BOOT_MEM_AVAILABLE,
		[UEFI_RUNTIME_SERVICES_CODE] = BOOT_MEM_FIRMWARE_RUNTIME,
		[UEFI_RUNTIME_SERVICES_DATA] = BOOT_MEM_FIRMWARE_RUNTIME,
		[UEFI_CONVENTIONAL_MEMORY] = BOOT_MEM_AVAILABLE,
		[UEFI_UNUSABLE_MEMORY] = BOOT_MEM_BAD,
		[UEFI_ACPI_RECLAIM_MEMORY] = BOOT_MEM_ACPI_RECLAIM,
		[UEFI_ACPI_MEMORY_NVS] = BOOT_MEM_ACPI_NVS,
		[UEFI_MEMORY_MAPPED_IO] = BOOT_MEM_RESERVED,
		[UEFI_MEMORY_MAPPED_IO_PORT_SPACE] = BOOT_MEM_RESERVED,
		[UEFI_PAL_CODE] = BOOT_MEM_RESERVED,
		[UEFI_PERSISTENT_MEMORY] = BOOT_MEM_RESERVED,
		[UEFI_UNACCEPTED_MEMORY] = BOOT_MEM_RESERVED,
	};
	uint32_t type;

	for (type = 0; type < sizeof(want) / sizeof(want[0]); type++)
		assert_int_equal(uefi_memory_type_to_boot(type), want[type]);
	assert_int_equal(uefi_memory_type_to_boot(0x70000000), BOOT_MEM_RESERVED);
	assert_int_equal(uefi_memory_type_to_boot(0x80000001), BOOT_MEM_RESERVED);
}

/* A map shaped like OVMF's (q35, 512 MiB), unsorted at the end. */
static void test_ovmf_like_map(void **state)
{
	add(UEFI_BOOT_SERVICES_CODE, 0x0, 1);
	add(UEFI_CONVENTIONAL_MEMORY, 0x1000, 0x9f);
	add(UEFI_CONVENTIONAL_MEMORY, 0x100000, 0x700);
	add(UEFI_ACPI_MEMORY_NVS, 0x800000, 8);
	add(UEFI_CONVENTIONAL_MEMORY, 0x808000, 3);
	add(UEFI_ACPI_MEMORY_NVS, 0x80b000, 1);
	add(UEFI_LOADER_DATA, 0x80c000, 4);
	add(UEFI_BOOT_SERVICES_DATA, 0x810000, 0xf0);
	add(UEFI_RUNTIME_SERVICES_DATA, 0x1f000000, 0x10);
	add(UEFI_RUNTIME_SERVICES_CODE, 0x1f010000, 0x10);
	add(UEFI_ACPI_RECLAIM_MEMORY, 0x1f020000, 4);
	add(UEFI_RESERVED_MEMORY, 0xb0000000, 0x10000);
	add(UEFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400);
	add(UEFI_LOADER_CODE, 0x900000, 0x10);
	add(UEFI_CONVENTIONAL_MEMORY, 0x910000, 0x1e6f0);
	add(UEFI_UNUSABLE_MEMORY, 0x1f024000, 0);

	assert_int_equal(convert(BOOT_MAX_MEMMAP), 0);
	assert_int_equal(count, 10);
	/* Boot services, loader and free memory merge into one AVAILABLE run. */
	expect(0, 0x0, 0xa0000, BOOT_MEM_AVAILABLE);
	expect(1, 0x100000, 0x700000, BOOT_MEM_AVAILABLE);
	expect(2, 0x800000, 0x8000, BOOT_MEM_ACPI_NVS);
	expect(3, 0x808000, 0x3000, BOOT_MEM_AVAILABLE);
	expect(4, 0x80b000, 0x1000, BOOT_MEM_ACPI_NVS);
	/* 0x80c000..0x1f000000: loader data, boot data, loader code, free (the last two late). */
	expect(5, 0x80c000, 0x1f000000 - 0x80c000, BOOT_MEM_AVAILABLE);
	expect(6, 0x1f000000, 0x20000, BOOT_MEM_FIRMWARE_RUNTIME);
	expect(7, 0x1f020000, 0x4000, BOOT_MEM_ACPI_RECLAIM);
	expect(8, 0xb0000000, 0x10000000, BOOT_MEM_RESERVED);
	expect(9, 0xffc00000, 0x400000, BOOT_MEM_RESERVED);

	assert_int_equal(uefi_memmap_end(map, nr_desc * DESC_SIZE, DESC_SIZE), 0x100000000ULL);
}

static void test_gap_is_kept(void **state)
{
	add(UEFI_CONVENTIONAL_MEMORY, 0x810000, 0x10);
	/* A hole between them stays a hole. */
	add(UEFI_CONVENTIONAL_MEMORY, 0x800000, 0x8);

	assert_int_equal(convert(BOOT_MAX_MEMMAP), 0);
	assert_int_equal(count, 2);
	expect(0, 0x800000, 0x8000, BOOT_MEM_AVAILABLE);
	expect(1, 0x810000, 0x10000, BOOT_MEM_AVAILABLE);
}

static void test_region_joins_the_next_one(void **state)
{
	add(UEFI_CONVENTIONAL_MEMORY, 0x3000, 1);
	add(UEFI_ACPI_MEMORY_NVS, 0x1000, 1);
	/* Touches the NVS page before it (another type) and the free page after it. */
	add(UEFI_LOADER_DATA, 0x2000, 1);

	assert_int_equal(convert(BOOT_MAX_MEMMAP), 0);
	assert_int_equal(count, 2);
	expect(0, 0x1000, 0x1000, BOOT_MEM_ACPI_NVS);
	expect(1, 0x2000, 0x2000, BOOT_MEM_AVAILABLE);
}

static void test_inserted_region_joins_both_neighbours(void **state)
{
	add(UEFI_CONVENTIONAL_MEMORY, 0x0, 1);
	add(UEFI_CONVENTIONAL_MEMORY, 0x2000, 1);
	add(UEFI_BOOT_SERVICES_DATA, 0x1000, 1);

	assert_int_equal(convert(BOOT_MAX_MEMMAP), 0);
	assert_int_equal(count, 1);
	expect(0, 0, 0x3000, BOOT_MEM_AVAILABLE);
}

static void test_many_descriptors_fit_after_merging(void **state)
{
	unsigned int i;

	/* 500 alternating boot-data / free pages collapse into one region. */
	for (i = 0; i < 500; i++)
		add(i % 2 ? UEFI_BOOT_SERVICES_DATA : UEFI_CONVENTIONAL_MEMORY,
		    0x100000 + i * 0x1000, 1);
	assert_int_equal(convert(BOOT_MAX_MEMMAP), 0);
	assert_int_equal(count, 1);
	expect(0, 0x100000, 500 * 0x1000, BOOT_MEM_AVAILABLE);
}

static void test_too_many_regions(void **state)
{
	unsigned int i;

	for (i = 0; i < 5; i++)
		add(i % 2 ? UEFI_RESERVED_MEMORY : UEFI_CONVENTIONAL_MEMORY, i * 0x1000, 1);
	assert_int_equal(convert(5), 0);
	assert_int_equal(count, 5);
	assert_int_equal(convert(4), -ENOSPC);
	assert_int_equal(count, 0);
}

static void test_bad_input(void **state)
{
	add(UEFI_CONVENTIONAL_MEMORY, 0x1000, 1);
	assert_int_equal(uefi_memmap_convert(map, 40, 39, regions, BOOT_MAX_MEMMAP, &count),
			 -EINVAL);
	assert_int_equal(count, 0);
	assert_int_equal(uefi_memmap_end(map, 40, 39), 0);

	/* A region that wraps past the top of the address space. */
	add(UEFI_RESERVED_MEMORY, 0xfffffffffffff000ULL, 2);
	assert_int_equal(convert(BOOT_MAX_MEMMAP), -EINVAL);
	assert_int_equal(count, 0);
}

static void test_empty_map(void **state)
{
	assert_int_equal(convert(BOOT_MAX_MEMMAP), 0);
	assert_int_equal(count, 0);
	assert_int_equal(uefi_memmap_end(map, 0, DESC_SIZE), 0);
}

static void test_tail_shorter_than_a_descriptor_is_ignored(void **state)
{
	add(UEFI_CONVENTIONAL_MEMORY, 0x1000, 1);
	add(UEFI_CONVENTIONAL_MEMORY, 0x100000, 1);
	assert_int_equal(uefi_memmap_convert(map, 2 * DESC_SIZE - 1, DESC_SIZE, regions,
					     BOOT_MAX_MEMMAP, &count),
			 0);
	assert_int_equal(count, 1);
	expect(0, 0x1000, 0x1000, BOOT_MEM_AVAILABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_type_conversion, reset),
		cmocka_unit_test_setup(test_ovmf_like_map, reset),
		cmocka_unit_test_setup(test_gap_is_kept, reset),
		cmocka_unit_test_setup(test_region_joins_the_next_one, reset),
		cmocka_unit_test_setup(test_inserted_region_joins_both_neighbours, reset),
		cmocka_unit_test_setup(test_many_descriptors_fit_after_merging, reset),
		cmocka_unit_test_setup(test_too_many_regions, reset),
		cmocka_unit_test_setup(test_bad_input, reset),
		cmocka_unit_test_setup(test_empty_map, reset),
		cmocka_unit_test_setup(test_tail_shorter_than_a_descriptor_is_ignored, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
