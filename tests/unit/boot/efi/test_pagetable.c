/*
 * Tests for boot/efi/pagetable.c: the tables are built in a host buffer
 * standing for physical memory at POOL_PHYS, then walked the way the MMU
 * walks them (SDM Vol. 3A 4.5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/efi/pagetable.h"
#include "core/errno.h"

#define POOL_PHYS 0x7f000000ULL
#define POOL_PAGES 64
#define HV_VA 0xffffffff80200000ULL

static uint64_t *pool;
static struct handoff_pt pt;

static int setup(void **state)
{
	pool = aligned_alloc(4096, POOL_PAGES * 4096);
	assert_non_null(pool);
	memset(pool, 0xcc, POOL_PAGES * 4096);
	assert_int_equal(handoff_pt_init(&pt, pool, POOL_PHYS, POOL_PAGES), 0);
	return 0;
}

static int teardown(void **state)
{
	free(pool);
	return 0;
}

static const uint64_t *table(uint64_t entry)
{
	uint64_t pa = entry & 0x000ffffffffff000ULL;

	assert_true(pa >= POOL_PHYS && pa < POOL_PHYS + POOL_PAGES * 4096);
	return pool + (pa - POOL_PHYS) / 8;
}

/* Translates va like the MMU; false when not mapped. Checks P and RW on the way. */
static bool translate(uint64_t va, uint64_t *pa)
{
	const uint64_t *t = table(handoff_pt_root(&pt));
	unsigned int shift;
	uint64_t e;

	for (shift = 39;; shift -= 9) {
		e = t[(va >> shift) & 511];
		if (!(e & 1))
			return false;
		assert_true(e & 2);
		assert_false(e & (1ULL << 63)); /* no NX: EFER.NXE may be clear */
		if (shift == 12 || (shift == 21 && (e & 0x80))) {
			/* PS is reserved in a PML4E and must be 0 in a PDPTE here. */
			*pa = (e & 0x000ffffffffff000ULL & ~((1ULL << shift) - 1)) |
			      (va & ((1ULL << shift) - 1));
			return true;
		}
		assert_false(e & 0x80);
		t = table(e);
	}
}

static uint64_t pa_of(uint64_t va)
{
	uint64_t pa = ~0ULL;

	assert_true(translate(va, &pa));
	return pa;
}

static void test_page_counts(void **state)
{
	/* 4 GiB: 4 PDs, 1 PDPT, the PML4. */
	assert_int_equal(handoff_pt_identity_pages(4ULL << 30), 6);
	assert_int_equal(handoff_pt_identity_pages((4ULL << 30) + 1), 7);
	/* 513 GiB needs a second PDPT. */
	assert_int_equal(handoff_pt_identity_pages(513ULL << 30), 513 + 2 + 1);

	/* One page: a PT, a PD, a PDPT. */
	assert_int_equal(handoff_pt_range_pages(HV_VA, 1), 3);
	/* Crossing a 2 MiB boundary needs a second PT. */
	assert_int_equal(handoff_pt_range_pages(HV_VA + 0x1ff000, 0x2000), 4);
}

static void test_identity_map(void **state)
{
	uint64_t pa;

	assert_int_equal(handoff_pt_map_identity(&pt, 4ULL << 30), 0);
	assert_int_equal(pt.used, handoff_pt_identity_pages(4ULL << 30));
	assert_int_equal(pa_of(0), 0);
	assert_int_equal(pa_of(0x1234), 0x1234);
	assert_int_equal(pa_of(0x7f012345), 0x7f012345);
	assert_int_equal(pa_of(0xfee00000), 0xfee00000);
	assert_int_equal(pa_of((4ULL << 30) - 1), (4ULL << 30) - 1);
	assert_false(translate(4ULL << 30, &pa));
	assert_false(translate(HV_VA, &pa));
}

static void test_identity_rounds_up_to_gib(void **state)
{
	uint64_t pa;

	assert_int_equal(handoff_pt_map_identity(&pt, (5ULL << 30) + 4096), 0);
	assert_int_equal(pa_of((6ULL << 30) - 8), (6ULL << 30) - 8);
	assert_false(translate(6ULL << 30, &pa));
}

static void test_identity_errors(void **state)
{
	assert_int_equal(handoff_pt_map_identity(&pt, 0), -EINVAL);
	assert_int_equal(handoff_pt_map_identity(&pt, (1ULL << 47) + 1), -EINVAL);
	/* 64 GiB needs 66 pages; the pool has 64. */
	assert_int_equal(handoff_pt_map_identity(&pt, 64ULL << 30), -ENOMEM);
	assert_int_equal(pt.used, POOL_PAGES);
}

static void test_identity_twice_conflicts(void **state)
{
	assert_int_equal(handoff_pt_map_identity(&pt, 1ULL << 30), 0);
	assert_int_equal(handoff_pt_map_identity(&pt, 1ULL << 30), -EEXIST);
}

static void test_map_range(void **state)
{
	uint64_t pa;

	assert_int_equal(handoff_pt_map_identity(&pt, 4ULL << 30), 0);
	/* A segment of 3 pages and a bit, starting mid-page. */
	assert_int_equal(handoff_pt_map_range(&pt, HV_VA + 0x123, 0x7e000123, 0x3000), 0);
	assert_int_equal(pa_of(HV_VA), 0x7e000000);
	assert_int_equal(pa_of(HV_VA + 0x123), 0x7e000123);
	assert_int_equal(pa_of(HV_VA + 0x2fff), 0x7e002fff);
	assert_int_equal(pa_of(HV_VA + 0x3122), 0x7e003122);
	assert_false(translate(HV_VA + 0x4000, &pa));
	assert_false(translate(HV_VA - 1, &pa));
	/* The identity map is untouched. */
	assert_int_equal(pa_of(0x7e000000), 0x7e000000);

	/* The next segment shares the last page, mapped to the same frame: fine. */
	assert_int_equal(handoff_pt_map_range(&pt, HV_VA + 0x3200, 0x7e003200, 0x200000), 0);
	assert_int_equal(pa_of(HV_VA + 0x1f3000), 0x7e1f3000);
	/* Crossing into the next 2 MiB took a second page table. */
	assert_int_equal(pa_of(HV_VA + 0x2031ff), 0x7e2031ff);
	assert_false(translate(HV_VA + 0x204000, &pa));
}

static void test_map_range_last_page(void **state)
{
	assert_int_equal(handoff_pt_map_range(&pt, 0xfffffffffffff000ULL, 0x5000, 0x1000), 0);
	assert_int_equal(pa_of(0xffffffffffffffffULL), 0x5fff);
}

static void test_map_range_errors(void **state)
{
	assert_int_equal(handoff_pt_map_identity(&pt, 1ULL << 30), 0);
	assert_int_equal(handoff_pt_map_range(&pt, HV_VA, 0x1000, 0), -EINVAL);
	/* Different offsets in the page cannot be mapped. */
	assert_int_equal(handoff_pt_map_range(&pt, HV_VA + 8, 0x1000, 0x10), -EINVAL);
	/* Non-canonical, wrapping, crossing the hole. */
	assert_int_equal(handoff_pt_map_range(&pt, 0x0000800000000000ULL, 0x1000, 0x1000), -EINVAL);
	assert_int_equal(handoff_pt_map_range(&pt, 0xfffffffffffff000ULL, 0x1000, 0x2000), -EINVAL);
	assert_int_equal(handoff_pt_map_range(&pt, 0x00007ffffffff000ULL, 0x1000, 0x2000), -EINVAL);
	assert_int_equal(handoff_pt_map_range(&pt, 0x1000, 0x1000, 0xffff800000000000ULL), -EINVAL);
	assert_int_equal(handoff_pt_map_range(&pt, HV_VA, 0xfffffffffffff000ULL, 0x2000), -EINVAL);
	/* Inside a 2 MiB identity page. */
	assert_int_equal(handoff_pt_map_range(&pt, 0x200000, 0x300000, 0x1000), -EEXIST);
	/* A page already mapped to another frame. */
	assert_int_equal(handoff_pt_map_range(&pt, HV_VA, 0x1000000, 0x1000), 0);
	assert_int_equal(handoff_pt_map_range(&pt, HV_VA, 0x2000000, 0x1000), -EEXIST);
	assert_int_equal(pa_of(HV_VA), 0x1000000);
}

static void test_map_range_pool_exhausted(void **state)
{
	struct handoff_pt small;

	uint64_t pa;

	assert_int_equal(handoff_pt_init(&small, pool, POOL_PHYS, 4), 0);
	/* PML4, PDPT, PD and one PT fit; the second PT does not. */
	assert_int_equal(handoff_pt_map_range(&small, HV_VA + 0x1ff000, 0x1000000, 0x2000),
			 -ENOMEM);
	assert_int_equal(small.used, 4);
	pt = small;
	assert_int_equal(pa_of(HV_VA + 0x1ff000), 0x1000000);
	assert_false(translate(HV_VA + 0x200000, &pa));
}

static void test_init_errors(void **state)
{
	struct handoff_pt other;

	assert_int_equal(handoff_pt_init(&other, pool, POOL_PHYS, 0), -EINVAL);
	assert_int_equal(handoff_pt_init(&other, pool, POOL_PHYS + 8, 1), -EINVAL);
	assert_int_equal(handoff_pt_init(&other, (char *)pool + 8, POOL_PHYS, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_page_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_rounds_up_to_gib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_twice_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_range_last_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_range_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_range_pool_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
