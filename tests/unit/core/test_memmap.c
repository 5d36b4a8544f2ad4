/*
 * Tests for core/memmap.c.
 * unit-test-sources: tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/errno.h"
#include "core/memmap.h"
#include "tests/unit/fakes/console.h"

#define AVAIL BOOT_MEM_AVAILABLE
#define RES BOOT_MEM_RESERVED
#define RECLAIM BOOT_MEM_ACPI_RECLAIM
#define NVS BOOT_MEM_ACPI_NVS
#define BAD BOOT_MEM_BAD
#define FW BOOT_MEM_FIRMWARE_RUNTIME

#define R(b, l, t) ((struct boot_mem_region){ .base = (b), .length = (l), .type = (t) })

/* The rule of memmap.h, written out independently: higher wins. */
static int rank(uint32_t type)
{
	static const uint32_t order[] = { AVAIL, RES, RECLAIM, NVS, BAD, FW };

	for (int i = 0; i < (int)ARRAY_SIZE(order); i++) {
		if (order[i] == type)
			return i;
	}
	return 1; /* unknown types count as RESERVED */
}

static uint32_t effective(uint32_t type)
{
	return type >= AVAIL && type <= FW ? type : RES;
}

static void expect_map(const struct boot_mem_region *got, uint32_t got_count,
		       const struct boot_mem_region *want, uint32_t want_count)
{
	assert_int_equal(got_count, want_count);
	for (uint32_t i = 0; i < want_count; i++) {
		assert_int_equal(got[i].base, want[i].base);
		assert_int_equal(got[i].length, want[i].length);
		assert_int_equal(got[i].type, want[i].type);
	}
}

#define EXPECT_MAP(got, count, ...)                                                        \
	do {                                                                               \
		const struct boot_mem_region want_[] = { __VA_ARGS__ };                    \
		expect_map(got, count, want_, ARRAY_SIZE(want_));                          \
	} while (0)

/* Sorted, no empty entries, no overlap, touching entries differ in type. */
static void assert_normalized(const struct boot_mem_region *map, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		assert_true(map[i].length > 0);
		assert_true(map[i].length <= UINT64_MAX - map[i].base);
		assert_true(map[i].type >= AVAIL && map[i].type <= FW);
		if (i > 0) {
			uint64_t prev_end = map[i - 1].base + map[i - 1].length;

			assert_true(map[i].base >= prev_end);
			if (map[i].base == prev_end)
				assert_int_not_equal(map[i].type, map[i - 1].type);
		}
	}
}

/* --- A reference built point by point, to compare random maps against. --- */

typedef uint32_t (*type_at_fn)(uint64_t addr, const void *ctx);

struct input_ctx {
	const struct boot_mem_region *map;
	uint32_t count;
};

static bool input_extent(const struct boot_mem_region *r, uint64_t *end)
{
	if (r->length == 0)
		return false;
	if (r->length > UINT64_MAX - r->base) {
		if (effective(r->type) == AVAIL)
			return false;
		*end = UINT64_MAX;
	} else {
		*end = r->base + r->length;
	}
	return *end > r->base;
}

/* The type an unnormalised map gives addr: the highest-ranked covering region. */
static uint32_t input_type_at(uint64_t addr, const void *ctx)
{
	const struct input_ctx *in = ctx;
	uint32_t best = 0;

	for (uint32_t i = 0; i < in->count; i++) {
		uint64_t end;
		uint32_t t = effective(in->map[i].type);

		if (!input_extent(&in->map[i], &end))
			continue;
		if (in->map[i].base <= addr && addr < end && (best == 0 || rank(t) > rank(best)))
			best = t;
	}
	return best;
}

static uint32_t map_type_at(const struct boot_mem_region *map, uint32_t count, uint64_t addr)
{
	for (uint32_t i = 0; i < count; i++) {
		if (map[i].base <= addr && addr - map[i].base < map[i].length)
			return map[i].type;
	}
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Builds the normalised map of a type function whose changes all lie on points. */
static uint32_t reference_map(uint64_t *points, uint32_t nr_points, type_at_fn type_at,
			      const void *ctx, struct boot_mem_region *out)
{
	uint32_t n = 0;

	qsort(points, nr_points, sizeof(*points), compare_u64);
	for (uint32_t i = 0; i + 1 < nr_points; i++) {
		uint64_t lo = points[i], hi = points[i + 1];
		uint32_t t;

		if (lo == hi)
			continue;
		t = type_at(lo, ctx);
		if (t == 0)
			continue;
		if (n > 0 && out[n - 1].type == t && out[n - 1].base + out[n - 1].length == lo)
			out[n - 1].length += hi - lo;
		else
			out[n++] = R(lo, hi - lo, t);
	}
	return n;
}

static uint32_t input_points(const struct boot_mem_region *map, uint32_t count, uint64_t *points)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < count; i++) {
		uint64_t end;

		if (!input_extent(&map[i], &end))
			continue;
		points[n++] = map[i].base;
		points[n++] = end;
	}
	return n;
}

/* --- memmap_normalize --- */

static void test_unsorted_disjoint(void **state)
{
	struct boot_mem_region map[] = {
		R(0x300000, 0x100000, AVAIL),
		R(0x0, 0x9f000, AVAIL),
		R(0xf0000, 0x10000, RES),
		R(0x100000, 0x100000, NVS),
	};
	uint32_t count = ARRAY_SIZE(map);

	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), 0);
	EXPECT_MAP(map, count, R(0x0, 0x9f000, AVAIL), R(0xf0000, 0x10000, RES),
		   R(0x100000, 0x100000, NVS), R(0x300000, 0x100000, AVAIL));
}

/* Every ordered pair of different types, overlapping in the middle. */
static void test_overlap_priority_pairs(void **state)
{
	static const uint32_t types[] = { AVAIL, RES, RECLAIM, NVS, BAD, FW };
	/* winner[a][b] for the types above, in that order: written out, not computed. */
	static const uint32_t winner[6][6] = {
		{ AVAIL, RES, RECLAIM, NVS, BAD, FW }, { RES, RES, RECLAIM, NVS, BAD, FW },
		{ RECLAIM, RECLAIM, RECLAIM, NVS, BAD, FW }, { NVS, NVS, NVS, NVS, BAD, FW },
		{ BAD, BAD, BAD, BAD, BAD, FW }, { FW, FW, FW, FW, FW, FW },
	};

	for (int a = 0; a < 6; a++) {
		for (int b = 0; b < 6; b++) {
			struct boot_mem_region map[3] = {
				R(0x1000, 0x2000, types[a]),
				R(0x2000, 0x2000, types[b]),
			};
			uint32_t count = 2, w = winner[a][b];

			if (a == b)
				continue;
			assert_int_equal(memmap_normalize(map, &count, 3), 0);
			assert_normalized(map, count);
			if (w == types[a]) {
				EXPECT_MAP(map, count, R(0x1000, 0x2000, types[a]),
					   R(0x3000, 0x1000, types[b]));
			} else {
				EXPECT_MAP(map, count, R(0x1000, 0x1000, types[a]),
					   R(0x2000, 0x2000, types[b]));
			}
		}
	}
}

static void test_contained_region_splits_outer(void **state)
{
	struct boot_mem_region map[4] = {
		R(0x0, 0x10000, AVAIL),
		R(0x4000, 0x1000, RES),
	};
	uint32_t count = 2;

	assert_int_equal(memmap_normalize(map, &count, 3), 0);
	EXPECT_MAP(map, count, R(0x0, 0x4000, AVAIL), R(0x4000, 0x1000, RES),
		   R(0x5000, 0xb000, AVAIL));
}

static void test_contained_lower_region_vanishes(void **state)
{
	struct boot_mem_region map[] = {
		R(0x4000, 0x1000, AVAIL),
		R(0x0, 0x10000, NVS),
		R(0x0, 0x10000, RES), /* same extent, lower rank */
	};
	uint32_t count = ARRAY_SIZE(map);

	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), 0);
	EXPECT_MAP(map, count, R(0x0, 0x10000, NVS));
}

/* Touching holes of different types split the outer region once, not twice. */
static void test_several_holes(void **state)
{
	struct boot_mem_region map[6] = {
		R(0x0, 0x100000, AVAIL),
		R(0x20000, 0x10000, RES),
		R(0x30000, 0x10000, NVS),
		R(0x80000, 0x10000, BAD),
	};
	uint32_t count = 4;

	assert_int_equal(memmap_normalize(map, &count, 6), 0);
	EXPECT_MAP(map, count, R(0x0, 0x20000, AVAIL), R(0x20000, 0x10000, RES),
		   R(0x30000, 0x10000, NVS), R(0x40000, 0x40000, AVAIL), R(0x80000, 0x10000, BAD),
		   R(0x90000, 0x70000, AVAIL));
}

static void test_zero_length_entries(void **state)
{
	struct boot_mem_region map[] = {
		R(0x5000, 0, RES),
		R(0x1000, 0x1000, AVAIL),
		R(0x1800, 0, BAD), /* inside an available region: must not split it */
		R(0x0, 0, AVAIL),
	};
	struct boot_mem_region empty[] = { R(0x1000, 0, AVAIL), R(0x0, 0, RES) };
	uint32_t count = ARRAY_SIZE(map), empty_count = ARRAY_SIZE(empty);

	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x1000, AVAIL));

	assert_int_equal(memmap_normalize(empty, &empty_count, ARRAY_SIZE(empty)), 0);
	assert_int_equal(empty_count, 0);
}

static void test_adjacent_merge(void **state)
{
	struct boot_mem_region map[] = {
		R(0x3000, 0x1000, AVAIL), R(0x1000, 0x1000, AVAIL), R(0x2000, 0x1000, AVAIL),
		R(0x4000, 0x1000, RES),	  R(0x6000, 0x1000, AVAIL), R(0x5000, 0x1000, RES),
	};
	uint32_t count = ARRAY_SIZE(map);

	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x3000, AVAIL), R(0x4000, 0x2000, RES),
		   R(0x6000, 0x1000, AVAIL));
}

static void test_duplicates_and_same_type_overlap(void **state)
{
	struct boot_mem_region map[] = {
		R(0x0, 0x4000, RES),
		R(0x0, 0x4000, RES),
		R(0x2000, 0x4000, RES),
		R(0x1000, 0x1000, RES),
	};
	uint32_t count = ARRAY_SIZE(map);

	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), 0);
	EXPECT_MAP(map, count, R(0x0, 0x6000, RES));
}

static void test_capacity_exhausted_leaves_map_unchanged(void **state)
{
	struct boot_mem_region map[] = {
		R(0x0, 0x10000, AVAIL),
		R(0x4000, 0x1000, RES),
	};
	struct boot_mem_region copy[ARRAY_SIZE(map)];
	uint32_t count = ARRAY_SIZE(map);

	memcpy(copy, map, sizeof(map));
	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), -ENOSPC);
	assert_int_equal(count, ARRAY_SIZE(map));
	assert_memory_equal(map, copy, sizeof(map));
}

/* The intermediate states never need more room than the result. */
static void test_capacity_exactly_enough(void **state)
{
	/* An exact-size heap array, so ASan sees any write past the capacity. */
	struct boot_mem_region *map = malloc(4 * sizeof(*map));
	uint32_t count = 4;

	assert_non_null(map);
	map[0] = R(0x10, 0x10, BAD);
	map[1] = R(0x0, 0x50, NVS);
	map[2] = R(0x0, 0x100, RES);
	map[3] = R(0x60, 0x10, AVAIL);
	assert_int_equal(memmap_normalize(map, &count, 4), 0);
	EXPECT_MAP(map, count, R(0x0, 0x10, NVS), R(0x10, 0x10, BAD), R(0x20, 0x30, NVS),
		   R(0x50, 0xb0, RES));
	free(map);
}

static void test_wrapping_regions(void **state)
{
	struct boot_mem_region map[] = {
		R(0x1000, 0x1000, AVAIL),
		R(0xfffffffffff00000, 0x200000, AVAIL), /* dropped */
		R(0xffffffff00000000, 0x100000000, BAD), /* ends exactly at 2^64: clipped */
		R(0xfffffffe00000000, UINT64_MAX, RES),	 /* clipped, then loses to BAD */
	};
	uint32_t count = ARRAY_SIZE(map);

	fake_console_reset();
	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x1000, AVAIL),
		   R(0xfffffffe00000000, 0x100000000, RES),
		   R(0xffffffff00000000, 0xffffffff, BAD));
	assert_non_null(strstr(fake_console_output(), "dropped"));
	assert_non_null(strstr(fake_console_output(), "clipped"));
}

static void test_unknown_types_are_reserved(void **state)
{
	struct boot_mem_region map[] = {
		R(0x0, 0x3000, AVAIL),
		R(0x1000, 0x1000, 12),
		R(0x2000, 0x1000, 0),
	};
	uint32_t count = ARRAY_SIZE(map);

	assert_int_equal(memmap_normalize(map, &count, ARRAY_SIZE(map)), 0);
	EXPECT_MAP(map, count, R(0x0, 0x1000, AVAIL), R(0x1000, 0x2000, RES));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct boot_mem_region random_region(void)
{
	uint32_t type = 1 + rng() % 7; /* 7: unknown */
	uint64_t base, length;

	if (rng() % 16 == 0) {
		/* Near the top of the address space, sometimes wrapping. */
		base = UINT64_MAX - rng() % 64;
		length = rng() % 128;
	} else {
		base = rng() % 64;
		length = rng() % 8 == 0 ? 0 : 1 + rng() % 24;
	}
	return R(base, length, type);
}

static void test_random_maps_match_reference(void **state)
{
	for (int iter = 0; iter < 20000; iter++) {
		struct boot_mem_region input[16], want[64];
		uint64_t points[32];
		uint32_t n = 1 + rng() % 12, want_count, nr_points, count;
		struct input_ctx ctx = { input, n };
		struct boot_mem_region *map;

		for (uint32_t i = 0; i < n; i++)
			input[i] = random_region();
		nr_points = input_points(input, n, points);
		want_count = reference_map(points, nr_points, input_type_at, &ctx, want);

		/* One entry short: refused, untouched. */
		if (want_count > 0 && want_count - 1 >= n) {
			map = malloc(want_count * sizeof(*map));
			assert_non_null(map);
			memcpy(map, input, n * sizeof(*map));
			count = n;
			assert_int_equal(memmap_normalize(map, &count, want_count - 1), -ENOSPC);
			assert_int_equal(count, n);
			assert_memory_equal(map, input, n * sizeof(*map));
			free(map);
		}

		/* Exactly enough room: an exact-size array, so ASan sees any overrun. */
		map = malloc(MAX(want_count, n) * sizeof(*map));
		assert_non_null(map);
		memcpy(map, input, n * sizeof(*map));
		count = n;
		assert_int_equal(memmap_normalize(map, &count, MAX(want_count, n)), 0);
		assert_normalized(map, count);
		expect_map(map, count, want, want_count);
		free(map);
	}
}

/* --- memmap_set_type --- */

static void test_set_type_middle_splits(void **state)
{
	struct boot_mem_region map[3] = { R(0x100000, 0x700000, AVAIL) };
	uint32_t count = 1;

	assert_int_equal(memmap_set_type(map, &count, 3, 0x200000, 0x100000, RES), 0);
	EXPECT_MAP(map, count, R(0x100000, 0x100000, AVAIL), R(0x200000, 0x100000, RES),
		   R(0x300000, 0x500000, AVAIL));
}

static void test_set_type_at_region_edges(void **state)
{
	struct boot_mem_region map[4] = { R(0x1000, 0x4000, AVAIL), R(0x8000, 0x1000, AVAIL) };
	uint32_t count = 2;

	/* At the start of a region. */
	assert_int_equal(memmap_set_type(map, &count, 4, 0x1000, 0x1000, RES), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x1000, RES), R(0x2000, 0x3000, AVAIL),
		   R(0x8000, 0x1000, AVAIL));
	/* At its end, touching the next region's type. */
	assert_int_equal(memmap_set_type(map, &count, 4, 0x4000, 0x1000, RES), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x1000, RES), R(0x2000, 0x2000, AVAIL),
		   R(0x4000, 0x1000, RES), R(0x8000, 0x1000, AVAIL));
	/* Exactly one whole region, merging with both neighbours. */
	assert_int_equal(memmap_set_type(map, &count, 4, 0x2000, 0x2000, RES), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x4000, RES), R(0x8000, 0x1000, AVAIL));
	/* The very last region, exactly. */
	assert_int_equal(memmap_set_type(map, &count, 4, 0x8000, 0x1000, NVS), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x4000, RES), R(0x8000, 0x1000, NVS));
}

static void test_set_type_over_gaps_and_several_regions(void **state)
{
	struct boot_mem_region map[4] = {
		R(0x1000, 0x1000, AVAIL),
		R(0x3000, 0x1000, NVS),
		R(0x5000, 0x2000, AVAIL),
	};
	uint32_t count = 3;

	assert_int_equal(memmap_set_type(map, &count, 4, 0x1800, 0x4000, BAD), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x800, AVAIL), R(0x1800, 0x4000, BAD),
		   R(0x5800, 0x1800, AVAIL));
}

static void test_set_type_in_gap(void **state)
{
	struct boot_mem_region map[4] = { R(0x1000, 0x1000, RES), R(0x3000, 0x1000, RES) };
	uint32_t count = 2;

	/* Touching same-type neighbours on both sides: one region. */
	assert_int_equal(memmap_set_type(map, &count, 4, 0x2000, 0x1000, RES), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x3000, RES));
	/* Beyond the end, touching a different type. */
	assert_int_equal(memmap_set_type(map, &count, 4, 0x4000, 0x1000, AVAIL), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x3000, RES), R(0x4000, 0x1000, AVAIL));
	/* Before the start, not touching. */
	assert_int_equal(memmap_set_type(map, &count, 4, 0x0, 0x800, FW), 0);
	EXPECT_MAP(map, count, R(0x0, 0x800, FW), R(0x1000, 0x3000, RES),
		   R(0x4000, 0x1000, AVAIL));
	/* Into an empty map. */
	count = 0;
	assert_int_equal(memmap_set_type(map, &count, 4, 0x7000, 0x1000, AVAIL), 0);
	EXPECT_MAP(map, count, R(0x7000, 0x1000, AVAIL));
}

static void test_set_type_same_type_is_noop(void **state)
{
	struct boot_mem_region map[2] = { R(0x1000, 0x4000, AVAIL) };
	uint32_t count = 1;

	assert_int_equal(memmap_set_type(map, &count, 1, 0x2000, 0x1000, AVAIL), 0);
	EXPECT_MAP(map, count, R(0x1000, 0x4000, AVAIL));
}

static void test_set_type_at_top_of_address_space(void **state)
{
	struct boot_mem_region map[3] = { R(0xffffffffff000000, 0xffffff, RES) };
	uint32_t count = 1;

	assert_int_equal(memmap_set_type(map, &count, 3, 0xfffffffffff00000, 0xfffff, BAD), 0);
	EXPECT_MAP(map, count, R(0xffffffffff000000, 0xf00000, RES),
		   R(0xfffffffffff00000, 0xfffff, BAD));
}

static void test_set_type_errors_leave_map_unchanged(void **state)
{
	struct boot_mem_region map[2] = { R(0x1000, 0x4000, AVAIL), R(0x9000, 0x1000, RES) };
	struct boot_mem_region copy[2];
	uint32_t count = 2;

	memcpy(copy, map, sizeof(map));
	assert_int_equal(memmap_set_type(map, &count, 2, 0x2000, 0, RES), -EINVAL);
	assert_int_equal(memmap_set_type(map, &count, 2, 0xfffffffffffff000, 0x1000, RES),
			 -EINVAL);
	assert_int_equal(memmap_set_type(map, &count, 2, 0x2000, UINT64_MAX, RES), -EINVAL);
	assert_int_equal(memmap_set_type(map, &count, 2, 0x2000, 0x1000, 0), -EINVAL);
	assert_int_equal(memmap_set_type(map, &count, 2, 0x2000, 0x1000, FW + 1), -EINVAL);
	/* A split needs two more entries. */
	assert_int_equal(memmap_set_type(map, &count, 3, 0x2000, 0x1000, RES), -ENOSPC);
	/* A new region in a gap needs one more. */
	assert_int_equal(memmap_set_type(map, &count, 2, 0x7000, 0x100, RES), -ENOSPC);
	assert_int_equal(count, 2);
	assert_memory_equal(map, copy, sizeof(map));
}

struct set_ctx {
	const struct boot_mem_region *map;
	uint32_t count;
	uint64_t base, end;
	uint32_t type;
};

static uint32_t set_type_at(uint64_t addr, const void *ctx)
{
	const struct set_ctx *s = ctx;

	if (addr >= s->base && addr < s->end)
		return s->type;
	return map_type_at(s->map, s->count, addr);
}

static void test_set_type_random_matches_reference(void **state)
{
	for (int iter = 0; iter < 20000; iter++) {
		struct boot_mem_region input[16], before[40], want[48];
		uint64_t points[96];
		uint32_t n = rng() % 10, count, nr_points, want_count;
		struct input_ctx in = { input, n };
		struct set_ctx ctx;
		struct boot_mem_region *map;

		for (uint32_t i = 0; i < n; i++) {
			input[i] = random_region();
			if (input[i].base > 64)
				input[i] = R(rng() % 64, 1 + rng() % 16, 1 + rng() % 6);
		}
		nr_points = input_points(input, n, points);
		count = reference_map(points, nr_points, input_type_at, &in, before);

		ctx = (struct set_ctx){ before, count, rng() % 80, 0, 1 + rng() % 6 };
		ctx.end = ctx.base + 1 + rng() % 24;
		nr_points = 0;
		for (uint32_t i = 0; i < count; i++) {
			points[nr_points++] = before[i].base;
			points[nr_points++] = before[i].base + before[i].length;
		}
		points[nr_points++] = ctx.base;
		points[nr_points++] = ctx.end;
		want_count = reference_map(points, nr_points, set_type_at, &ctx, want);

		map = malloc(MAX(want_count, count) * sizeof(*map));
		assert_non_null(map);
		memcpy(map, before, count * sizeof(*map));
		if (want_count > count) {
			uint32_t c = count;

			assert_int_equal(memmap_set_type(map, &c, want_count - 1, ctx.base,
							 ctx.end - ctx.base, ctx.type),
					 -ENOSPC);
			assert_int_equal(c, count);
			assert_memory_equal(map, before, count * sizeof(*map));
		}
		assert_int_equal(memmap_set_type(map, &count, MAX(want_count, count), ctx.base,
						 ctx.end - ctx.base, ctx.type),
				 0);
		assert_normalized(map, count);
		expect_map(map, count, want, want_count);
		free(map);
	}
}

static void test_total(void **state)
{
	struct boot_mem_region map[] = {
		R(0x0, 0x9f000, AVAIL),
		R(0xf0000, 0x10000, RES),
		R(0x100000, 0x700000, AVAIL),
		R(0xfee00000, 0x1000, RES),
	};

	assert_int_equal(memmap_total(map, ARRAY_SIZE(map), AVAIL), 0x9f000 + 0x700000);
	assert_int_equal(memmap_total(map, ARRAY_SIZE(map), RES), 0x11000);
	assert_int_equal(memmap_total(map, ARRAY_SIZE(map), NVS), 0);
	assert_int_equal(memmap_total(map, 0, AVAIL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsorted_disjoint),
		cmocka_unit_test(test_overlap_priority_pairs),
		cmocka_unit_test(test_contained_region_splits_outer),
		cmocka_unit_test(test_contained_lower_region_vanishes),
		cmocka_unit_test(test_several_holes),
		cmocka_unit_test(test_zero_length_entries),
		cmocka_unit_test(test_adjacent_merge),
		cmocka_unit_test(test_duplicates_and_same_type_overlap),
		cmocka_unit_test(test_capacity_exhausted_leaves_map_unchanged),
		cmocka_unit_test(test_capacity_exactly_enough),
		cmocka_unit_test(test_wrapping_regions),
		cmocka_unit_test(test_unknown_types_are_reserved),
		cmocka_unit_test(test_random_maps_match_reference),
		cmocka_unit_test(test_set_type_middle_splits),
		cmocka_unit_test(test_set_type_at_region_edges),
		cmocka_unit_test(test_set_type_over_gaps_and_several_regions),
		cmocka_unit_test(test_set_type_in_gap),
		cmocka_unit_test(test_set_type_same_type_is_noop),
		cmocka_unit_test(test_set_type_at_top_of_address_space),
		cmocka_unit_test(test_set_type_errors_leave_map_unchanged),
		cmocka_unit_test(test_set_type_random_matches_reference),
		cmocka_unit_test(test_total),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
