/*
 * Tests for core/page_alloc.c. The allocator only ever writes its bitmap
 * block, so maps may describe memory beyond the fake physical arena as long
 * as the bitmap lands inside it.
 * unit-test-sources: core/memmap.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/errno.h"
#include "core/memmap.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_SIZE (64 * MiB)
#define ARENA_FILL 0xa5
#define LOW_FRAMES (LOW_MEMORY_LIMIT / PAGE_SIZE)

#define R(b, l, t) ((struct boot_mem_region){ .base = (b), .length = (l), .type = (t) })

static struct boot_mem_region map[64];
static uint32_t map_count;

static int setup(void **state)
{
	fake_physmem_init(0, ARENA_SIZE);
	memset(phys_to_virt(0), ARENA_FILL, ARENA_SIZE);
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	fake_physmem_free();
	return 0;
}

static void use_map(const struct boot_mem_region *regions, uint32_t count)
{
	assert_true(count <= ARRAY_SIZE(map));
	memcpy(map, regions, count * sizeof(*regions));
	map_count = count;
	assert_int_equal(memmap_normalize(map, &map_count, ARRAY_SIZE(map)), 0);
}

#define USE_MAP(...)                                                                       \
	do {                                                                               \
		const struct boot_mem_region regions_[] = { __VA_ARGS__ };                 \
		use_map(regions_, ARRAY_SIZE(regions_));                                   \
	} while (0)

/* Whether [pa, pa + size) lies inside one AVAILABLE region of the current map. */
static bool in_available(paddr_t pa, uint64_t size)
{
	for (uint32_t i = 0; i < map_count; i++) {
		const struct boot_mem_region *r = &map[i];

		if (r->type == BOOT_MEM_AVAILABLE && pa >= r->base &&
		    pa + size <= r->base + r->length)
			return true;
	}
	return false;
}

/* Frames wholly inside AVAILABLE regions, frame 0 excluded, counted frame by frame. */
static uint64_t count_available_frames(paddr_t limit)
{
	uint64_t n = 0;

	for (paddr_t pa = PAGE_SIZE; pa < limit; pa += PAGE_SIZE)
		n += in_available(pa, PAGE_SIZE);
	return n;
}

/*
 * A map with everything firmware gets wrong: unsorted, overlapping,
 * unaligned edges, zero-length entries; then the hypervisor image and a
 * module are reserved the way boot code does it.
 */
static void use_messy_map(void)
{
	USE_MAP(R(0x3000000, 0xfff000, BOOT_MEM_AVAILABLE), R(0xf0000, 0x10000, BOOT_MEM_RESERVED),
		R(0x0, 0x9fc00, BOOT_MEM_AVAILABLE), R(0x9fc00, 0x400, BOOT_MEM_RESERVED),
		R(0x100000, 0x1f00000, BOOT_MEM_AVAILABLE),
		R(0x100800, 0x1000000, BOOT_MEM_AVAILABLE), R(0x500000, 0, BOOT_MEM_BAD),
		R(0x2000000, 0x1000000, BOOT_MEM_AVAILABLE),
		R(0x2000800, 0x1000, BOOT_MEM_ACPI_NVS), R(0x3fff800, 0x800, BOOT_MEM_AVAILABLE),
		R(0xfec00000, 0x1000, BOOT_MEM_RESERVED));
	assert_int_equal(memmap_set_type(map, &map_count, ARRAY_SIZE(map), 0x200000, 0x200000,
					 BOOT_MEM_RESERVED),
			 0);
	assert_int_equal(memmap_set_type(map, &map_count, ARRAY_SIZE(map), 0x1000000, 0x234567,
					 BOOT_MEM_RESERVED),
			 0);
}

struct seen {
	uint8_t *frames; /* 1: handed out */
	uint64_t nr;
};

static void seen_init(struct seen *s, paddr_t limit)
{
	s->nr = limit / PAGE_SIZE;
	s->frames = calloc(s->nr, 1);
	assert_non_null(s->frames);
}

static void seen_mark(struct seen *s, paddr_t pa, unsigned int order)
{
	for (uint64_t f = pa / PAGE_SIZE; f < pa / PAGE_SIZE + (1ULL << order); f++) {
		assert_true(f < s->nr);
		assert_int_equal(s->frames[f], 0);
		s->frames[f] = 1;
	}
}

/* Takes every frame alloc_pages(0) will give; returns how many. */
static uint64_t drain_high(struct seen *s)
{
	uint64_t n = 0;
	paddr_t pa;

	while (alloc_pages(0, &pa) == 0) {
		assert_true(pa >= LOW_MEMORY_LIMIT);
		assert_true(in_available(pa, PAGE_SIZE));
		if (s)
			seen_mark(s, pa, 0);
		n++;
	}
	return n;
}

static uint64_t drain_low(struct seen *s)
{
	uint64_t n = 0;
	paddr_t pa;

	while (alloc_low_page(LOW_MEMORY_LIMIT, &pa) == 0) {
		assert_true(pa > 0 && pa < LOW_MEMORY_LIMIT);
		assert_true(in_available(pa, PAGE_SIZE));
		if (s)
			seen_mark(s, pa, 0);
		n++;
	}
	return n;
}

static void test_init_errors(void **state)
{
	struct boot_mem_region overlapping[] = {
		R(0x100000, 0x200000, BOOT_MEM_AVAILABLE),
		R(0x200000, 0x1000, BOOT_MEM_RESERVED),
	};
	struct boot_mem_region unsorted[] = {
		R(0x400000, 0x1000, BOOT_MEM_AVAILABLE),
		R(0x100000, 0x1000, BOOT_MEM_AVAILABLE),
	};
	struct boot_mem_region none[] = {
		R(0x0, 0x1000, BOOT_MEM_AVAILABLE), /* frame 0 only */
		R(0x100000, 0x200000, BOOT_MEM_RESERVED),
		R(0x300800, 0x800, BOOT_MEM_AVAILABLE), /* no whole frame */
	};
	paddr_t pa;

	assert_int_equal(page_alloc_init(overlapping, 0), -EINVAL);
	assert_int_equal(page_alloc_init(overlapping, ARRAY_SIZE(overlapping)), -EINVAL);
	assert_int_equal(page_alloc_init(unsorted, ARRAY_SIZE(unsorted)), -EINVAL);
	assert_int_equal(page_alloc_init(none, 3), -ENOMEM);
	assert_int_equal(page_alloc_free_frames(), 0);
	assert_int_equal(alloc_pages(0, &pa), -ENOMEM);
	assert_int_equal(alloc_low_page(LOW_MEMORY_LIMIT, &pa), -ENOMEM);
}

/* The bitmap needs two frames here, and the first region above 1 MiB has one. */
static void test_bitmap_placement(void **state)
{
	struct seen seen;
	uint64_t total, bitmap_frames;

	USE_MAP(R(0x1000, 0x9e000, BOOT_MEM_AVAILABLE), R(0x100000, 0x1000, BOOT_MEM_AVAILABLE),
		R(0x2000000, 0x100000, BOOT_MEM_AVAILABLE),
		R(0x8000000, 0x7000000, BOOT_MEM_AVAILABLE));
	assert_int_equal(page_alloc_init(map, map_count), 0);
	total = page_alloc_total_frames();
	assert_int_equal(total, count_available_frames(0xf000000));
	bitmap_frames = total - page_alloc_free_frames();
	assert_true(bitmap_frames >= 2 && bitmap_frames < 0x100);

	seen_init(&seen, 0xf000000);
	drain_high(&seen);
	drain_low(&seen);
	assert_int_equal(page_alloc_free_frames(), 0);
	/* The frames never handed out are the bitmap's, at the start of the third region. */
	for (paddr_t pa = PAGE_SIZE; pa < 0xf000000; pa += PAGE_SIZE) {
		bool bitmap = pa >= 0x2000000 && pa < 0x2000000 + bitmap_frames * PAGE_SIZE;

		if (in_available(pa, PAGE_SIZE))
			assert_int_equal(seen.frames[pa / PAGE_SIZE], !bitmap);
	}
	free(seen.frames);
}

/* With nothing above 1 MiB, the bitmap goes below, and the low pool shrinks. */
static void test_bitmap_placement_low(void **state)
{
	USE_MAP(R(0x0, 0x9f000, BOOT_MEM_AVAILABLE));
	assert_int_equal(page_alloc_init(map, map_count), 0);
	assert_int_equal(page_alloc_total_frames(), 0x9e);
	assert_int_equal(page_alloc_free_frames(), 0x9d);
	assert_int_equal(drain_high(NULL), 0);
	assert_int_equal(drain_low(NULL), 0x9d);
}

static void test_messy_map_every_frame_once(void **state)
{
	struct seen seen;
	uint64_t total, free_at_start, high, low, missing = 0;
	paddr_t first_missing = 0, last_missing = 0;
	uint8_t *arena = phys_to_virt(0);

	use_messy_map();
	assert_int_equal(page_alloc_init(map, map_count), 0);
	total = page_alloc_total_frames();
	free_at_start = page_alloc_free_frames();
	assert_int_equal(total, count_available_frames(ARENA_SIZE));
	assert_true(free_at_start < total);

	seen_init(&seen, ARENA_SIZE);
	high = drain_high(&seen);
	assert_int_equal(page_alloc_free_frames(), free_at_start - high);
	low = drain_low(&seen);
	assert_int_equal(low, count_available_frames(LOW_MEMORY_LIMIT));
	assert_int_equal(high + low, free_at_start);
	assert_int_equal(page_alloc_free_frames(), 0);
	assert_int_equal(page_alloc_total_frames(), total);

	/* Every available frame was handed out but the bitmap's, which sit together above 1 MiB. */
	for (paddr_t pa = PAGE_SIZE; pa < ARENA_SIZE; pa += PAGE_SIZE) {
		if (!in_available(pa, PAGE_SIZE)) {
			assert_int_equal(seen.frames[pa / PAGE_SIZE], 0);
		} else if (!seen.frames[pa / PAGE_SIZE]) {
			if (missing++ == 0)
				first_missing = pa;
			last_missing = pa;
		}
	}
	assert_int_equal(missing, total - free_at_start);
	assert_int_equal(last_missing - first_missing, (missing - 1) * PAGE_SIZE);
	assert_true(first_missing >= LOW_MEMORY_LIMIT);

	/* The allocator wrote nothing but its bitmap frames. */
	for (paddr_t pa = 0; pa < ARENA_SIZE; pa++) {
		if (pa >= first_missing && pa < last_missing + PAGE_SIZE)
			continue;
		if (arena[pa] != ARENA_FILL)
			fail_msg("byte at 0x%llx changed", (unsigned long long)pa);
	}
	free(seen.frames);
}

static void test_orders_are_aligned(void **state)
{
	struct seen seen;
	paddr_t pa;

	use_messy_map();
	assert_int_equal(page_alloc_init(map, map_count), 0);
	seen_init(&seen, ARENA_SIZE);
	for (int round = 0; round < 3; round++) {
		for (unsigned int order = 0; order <= 10; order++) {
			uint64_t before = page_alloc_free_frames();

			assert_int_equal(alloc_pages(order, &pa), 0);
			assert_true(IS_ALIGNED(pa, PAGE_SIZE << order));
			assert_true(pa >= LOW_MEMORY_LIMIT);
			assert_true(in_available(pa, PAGE_SIZE << order));
			seen_mark(&seen, pa, order);
			assert_int_equal(page_alloc_free_frames(), before - (1ULL << order));
		}
	}
	free(seen.frames);
}

static void test_large_orders(void **state)
{
	paddr_t pa;

	/* 3 GiB of RAM described, the bitmap at 1 MiB inside the arena. */
	USE_MAP(R(0x100000, 0xbff00000, BOOT_MEM_AVAILABLE));
	assert_int_equal(page_alloc_init(map, map_count), 0);
	assert_int_equal(alloc_pages(19, &pa), -ENOMEM); /* 2 GiB aligned would need 4 GiB */
	assert_int_equal(alloc_pages(18, &pa), 0);
	assert_int_equal(pa, 1 * GiB);
	assert_int_equal(alloc_pages(18, &pa), 0);
	assert_int_equal(pa, 2 * GiB);
	assert_int_equal(alloc_pages(18, &pa), -ENOMEM);
	assert_int_equal(alloc_pages(64 - PAGE_SHIFT, &pa), -EINVAL);
	free_pages(1 * GiB, 18);
	assert_int_equal(alloc_pages(18, &pa), 0);
	assert_int_equal(pa, 1 * GiB);
}

static void test_exhaust_free_reuse(void **state)
{
	paddr_t *frames;
	uint64_t n = 0, freed = 0, cap;
	bool paired = false;
	paddr_t pa;

	use_messy_map();
	assert_int_equal(page_alloc_init(map, map_count), 0);
	cap = page_alloc_free_frames();
	frames = calloc(cap, sizeof(*frames));
	assert_non_null(frames);
	while (alloc_pages(0, &pa) == 0)
		frames[n++] = pa;
	assert_int_equal(alloc_pages(0, &pa), -ENOMEM);

	/* Free every third frame: exactly those come back, then nothing. */
	for (uint64_t i = 0; i < n; i += 3) {
		free_pages(frames[i], 0);
		freed++;
	}
	assert_int_equal(page_alloc_free_frames(), cap - n + freed);
	for (uint64_t i = 0; i < freed; i++) {
		uint64_t j;

		assert_int_equal(alloc_pages(0, &pa), 0);
		for (j = 0; j < n && frames[j] != pa; j += 3)
			;
		assert_true(j < n);
		frames[j] = 0; /* taken: must not come back twice */
	}
	assert_int_equal(alloc_pages(0, &pa), -ENOMEM);

	/* An aligned pair freed frame by frame serves an order-1 request. */
	for (uint64_t i = 1; i + 1 < n && !paired; i++) {
		if (IS_ALIGNED(frames[i], 2 * PAGE_SIZE) &&
		    frames[i + 1] == frames[i] + PAGE_SIZE) {
			free_pages(frames[i + 1], 0);
			assert_int_equal(alloc_pages(1, &pa), -ENOMEM);
			free_pages(frames[i], 0);
			assert_int_equal(alloc_pages(1, &pa), 0);
			assert_int_equal(pa, frames[i]);
			paired = true;
		}
	}
	assert_true(paired);
	free(frames);
}

static void test_next_fit(void **state)
{
	paddr_t a, b, c;

	USE_MAP(R(0x100000, 0x400000, BOOT_MEM_AVAILABLE));
	assert_int_equal(page_alloc_init(map, map_count), 0);
	assert_int_equal(alloc_pages(0, &a), 0);
	free_pages(a, 0);
	assert_int_equal(alloc_pages(0, &b), 0);
	assert_int_equal(b, a + PAGE_SIZE);
	/* The search wraps around to the start. */
	while (alloc_pages(0, &c) == 0)
		;
	free_pages(a, 0);
	assert_int_equal(alloc_pages(0, &c), 0);
	assert_int_equal(c, a);
}

static void test_low_pool(void **state)
{
	uint64_t free_before;
	paddr_t pa, pb;

	use_messy_map();
	assert_int_equal(page_alloc_init(map, map_count), 0);
	free_before = page_alloc_free_frames();

	/* Below 0x8000 only frames 1 to 7 qualify. */
	for (int i = 1; i < 8; i++) {
		assert_int_equal(alloc_low_page(0x8000, &pa), 0);
		assert_true(pa >= PAGE_SIZE && pa + PAGE_SIZE <= 0x8000);
	}
	assert_int_equal(alloc_low_page(0x8000, &pa), -ENOMEM);
	assert_int_equal(alloc_low_page(0x8fff, &pa), -ENOMEM); /* frame 8 ends past it */
	assert_int_equal(alloc_low_page(PAGE_SIZE, &pa), -ENOMEM);
	assert_int_equal(page_alloc_free_frames(), free_before - 7);

	/* A limit above 1 MiB still takes from the low pool. */
	assert_int_equal(alloc_low_page(4 * GiB, &pb), 0);
	assert_true(pb >= 0x8000 && pb < LOW_MEMORY_LIMIT);

	/* A low frame goes back with free_pages() and comes out again. */
	free_pages(0x3000, 0);
	assert_int_equal(alloc_low_page(0x8000, &pa), 0);
	assert_int_equal(pa, 0x3000);
	assert_int_equal(page_alloc_free_frames(), free_before - 8);
}

/* free_pages() must log the reason and change nothing. */
static void expect_refused(paddr_t pa, unsigned int order, const char *reason)
{
	uint64_t free_before = page_alloc_free_frames();

	fake_console_reset();
	free_pages(pa, order);
	if (!strstr(fake_console_output(), reason))
		fail_msg("free_pages(0x%llx, %u) logged \"%s\", expected \"%s\"",
			 (unsigned long long)pa, order, fake_console_output(), reason);
	assert_int_equal(page_alloc_free_frames(), free_before);
}

static void test_bad_frees_are_logged_and_ignored(void **state)
{
	uint64_t free_before, total;
	paddr_t pa, pair;

	use_messy_map();
	assert_int_equal(page_alloc_init(map, map_count), 0);
	total = page_alloc_total_frames();
	assert_int_equal(alloc_pages(0, &pa), 0);
	assert_int_equal(alloc_pages(1, &pair), 0);
	free_pages(pair + PAGE_SIZE, 0); /* the pair is now half free */
	free_before = page_alloc_free_frames();

	fake_console_reset();
	free_pages(pa, 0);
	assert_int_equal(page_alloc_free_frames(), free_before + 1);
	assert_string_equal(fake_console_output(), "");
	expect_refused(pa, 0, "double free");
	/* Half free: refused whole, the allocated half stays allocated (checked below). */
	expect_refused(pair, 1, "double free");
	expect_refused(0x200000, 0, "never free"); /* the hypervisor image */
	expect_refused(0x2000000, 0, "never free"); /* partly NVS */
	expect_refused(0x0, 0, "never free");
	expect_refused(0x9f000, 0, "never free"); /* partly reserved */
	expect_refused(0x10000000, 0, "never free"); /* beyond the bitmap */
	expect_refused(0x3ffe000, 1, "never free"); /* runs past the last region */
	expect_refused(0xfec00000, 0, "never free");
	expect_refused(pa + 0x800, 0, "misaligned");
	expect_refused(pair + PAGE_SIZE, 1, "misaligned");
	expect_refused(pa, 64, "bad order");
	assert_int_equal(page_alloc_free_frames(), free_before + 1);
	assert_int_equal(page_alloc_total_frames(), total);

	/* The bitmap's own frames: find them as the ones never handed out. */
	{
		struct seen seen;
		paddr_t bitmap = 0;

		seen_init(&seen, ARENA_SIZE);
		seen_mark(&seen, pair, 0);
		drain_high(&seen);
		for (paddr_t p = LOW_MEMORY_LIMIT; p < ARENA_SIZE && !bitmap; p += PAGE_SIZE) {
			if (in_available(p, PAGE_SIZE) && !seen.frames[p / PAGE_SIZE])
				bitmap = p;
		}
		assert_true(bitmap != 0);
		expect_refused(bitmap, 0, "bitmap");
		assert_int_equal(alloc_pages(0, &pa), -ENOMEM);
		free(seen.frames);
	}
}

/*
 * Several CPUs allocate and free at once (hypercalls, domains ending): two
 * threads doing so must never get the same frame, and every frame must come
 * back. Each block carries its owner's tag; a block handed out twice has its
 * tag overwritten by the other thread. Assertions stay in the main thread.
 */
#define RACE_THREADS 4
#define RACE_ROUNDS 500000
#define RACE_HELD 32

static pthread_barrier_t race_start;

struct race_thread {
	pthread_t thread;
	uint64_t tag;
	uint64_t errors;
};

static void *race_worker(void *arg)
{
	struct race_thread *t = arg;
	paddr_t held[RACE_HELD] = { 0 };
	unsigned int orders[RACE_HELD] = { 0 };

	pthread_barrier_wait(&race_start);
	for (unsigned int round = 0; round < RACE_ROUNDS; round++) {
		unsigned int slot = round % RACE_HELD;
		volatile uint64_t *p;

		if (held[slot]) {
			p = phys_to_virt(held[slot]);
			if (*p != t->tag + slot)
				t->errors++;
			free_pages(held[slot], orders[slot]);
			held[slot] = 0;
		}
		orders[slot] = round % 3;
		if (alloc_pages(orders[slot], &held[slot])) {
			held[slot] = 0;
			continue;
		}
		p = phys_to_virt(held[slot]);
		*p = t->tag + slot;
	}
	for (unsigned int slot = 0; slot < RACE_HELD; slot++) {
		if (held[slot])
			free_pages(held[slot], orders[slot]);
	}
	return NULL;
}

static void test_concurrent_alloc_free(void **state)
{
	struct race_thread threads[RACE_THREADS];
	uint64_t free_before;

	USE_MAP(R(0x100000, ARENA_SIZE - 0x100000, BOOT_MEM_AVAILABLE));
	assert_int_equal(page_alloc_init(map, map_count), 0);
	free_before = page_alloc_free_frames();
	fake_console_reset();
	assert_int_equal(pthread_barrier_init(&race_start, NULL, RACE_THREADS), 0);
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		threads[i].tag = (uint64_t)(i + 1) << 32;
		threads[i].errors = 0;
		assert_int_equal(pthread_create(&threads[i].thread, NULL, race_worker, &threads[i]),
				 0);
	}
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		assert_int_equal(pthread_join(threads[i].thread, NULL), 0);
		assert_int_equal(threads[i].errors, 0);
	}
	pthread_barrier_destroy(&race_start);
	assert_int_equal(page_alloc_free_frames(), free_before);
	assert_string_equal(fake_console_output(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bitmap_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bitmap_placement_low, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messy_map_every_frame_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orders_are_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaust_free_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_alloc_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_are_logged_and_ignored, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
