/*
 * Tests for core/heap.c, on the real frame allocator over a fake physical
 * arena. The heap keeps state between tests, so every test frees all it
 * took, and the group checks that the frame count comes back each time.
 * unit-test-sources: core/page_alloc.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/heap.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_SIZE (64 * MiB)

static const struct boot_mem_region test_map[] = {
	{ .base = 0x0, .length = 0x9f000, .type = BOOT_MEM_AVAILABLE },
	{ .base = 0x100000, .length = ARENA_SIZE - 0x100000, .type = BOOT_MEM_AVAILABLE },
};

static uint64_t baseline_free;

static int group_setup(void **state)
{
	fake_physmem_init(0, ARENA_SIZE);
	/* Fresh memory is not zero on real machines either. */
	memset(phys_to_virt(0), 0xa5, ARENA_SIZE);
	if (page_alloc_init(test_map, ARRAY_SIZE(test_map)) != 0)
		return -1;
	baseline_free = page_alloc_free_frames();
	return 0;
}

static int group_teardown(void **state)
{
	fake_physmem_free();
	return 0;
}

static int setup(void **state)
{
	fake_console_reset();
	return 0;
}

/* Every frame the heap took has gone back: nothing leaked, empty slabs released. */
static int teardown(void **state)
{
	return page_alloc_free_frames() == baseline_free ? 0 : -1;
}

static void assert_aligned(const void *p)
{
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_int_equal(virt_to_phys(p) % 16, 0);
}

/* Fills an object with bytes derived from its id, and checks them back. */
static void fill(void *p, size_t size, uint32_t id)
{
	uint8_t *b = p;

	for (size_t i = 0; i < size; i++)
		b[i] = (uint8_t)(id * 131 + i * 7 + (id >> 8));
}

static void check(const void *p, size_t size, uint32_t id)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < size; i++) {
		if (b[i] != (uint8_t)(id * 131 + i * 7 + (id >> 8)))
			fail_msg("object %u (%zu bytes at %p) corrupted at offset %zu", id, size,
				 p, i);
	}
}

struct object {
	uint8_t *p;
	size_t size;
};

static int compare_objects(const void *a, const void *b)
{
	const struct object *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

static void assert_disjoint(struct object *objects, size_t n)
{
	qsort(objects, n, sizeof(*objects), compare_objects);
	for (size_t i = 1; i < n; i++)
		assert_true(objects[i - 1].p + objects[i - 1].size <= objects[i].p);
}

static void test_zero_and_null(void **state)
{
	assert_null(kmalloc(0));
	assert_null(kzalloc(0));
	kfree(NULL);
	assert_string_equal(fake_console_output(), "");
}

static void test_many_sizes(void **state)
{
	enum { N = 3000 };
	struct object *objects = calloc(N, sizeof(*objects));
	struct object *sorted = calloc(N, sizeof(*objects));

	assert_non_null(objects);
	assert_non_null(sorted);
	for (uint32_t i = 0; i < N; i++) {
		size_t size = 1 + (i * 37) % 2600; /* every class, and some large blocks */

		objects[i].p = kmalloc(size);
		objects[i].size = size;
		assert_non_null(objects[i].p);
		assert_aligned(objects[i].p);
		fill(objects[i].p, size, i);
	}
	for (uint32_t i = 0; i < N; i++)
		check(objects[i].p, objects[i].size, i);
	memcpy(sorted, objects, N * sizeof(*objects));
	assert_disjoint(sorted, N);
	for (uint32_t i = 0; i < N; i++)
		kfree(objects[i].p);
	assert_string_equal(fake_console_output(), "");
	free(objects);
	free(sorted);
}

/* Small objects share pages: 252 objects of 16 bytes fit in one. */
static void test_small_objects_share_pages(void **state)
{
	void *p[252];
	uint64_t before = page_alloc_free_frames();

	for (int i = 0; i < 252; i++) {
		p[i] = kmalloc(16);
		assert_non_null(p[i]);
	}
	assert_int_equal(page_alloc_free_frames(), before - 1);
	for (int i = 0; i < 252; i++)
		kfree(p[i]);
	assert_int_equal(page_alloc_free_frames(), before);
}

static void test_free_and_reuse(void **state)
{
	void *a = kmalloc(100), *b = kmalloc(100), *c;

	assert_non_null(a);
	assert_non_null(b);
	fill(b, 100, 2);
	kfree(a);
	c = kmalloc(128); /* the same class: a's slot is free again */
	assert_ptr_equal(c, a);
	check(b, 100, 2);
	kfree(b);
	kfree(c);
}

static void test_kzalloc_zeroes(void **state)
{
	static const size_t sizes[] = { 16, 24, 100, 2048, 3000, 9000 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		/* The neighbour keeps the slab alive, so the freed slot comes back dirty. */
		uint8_t *neighbour = kmalloc(sizes[s]), *p = kmalloc(sizes[s]), *q;

		assert_non_null(neighbour);
		assert_non_null(p);
		memset(p, 0xff, sizes[s]);
		kfree(p);
		q = kzalloc(sizes[s]);
		assert_non_null(q);
		if (sizes[s] <= 2048 / 2)
			assert_ptr_equal(q, p);
		for (size_t i = 0; i < sizes[s]; i++)
			assert_int_equal(q[i], 0);
		kfree(q);
		kfree(neighbour);
	}
}

static void test_large_allocations(void **state)
{
	/* Size, then frames taken: a 16-byte header precedes the data. */
	static const struct {
		size_t size;
		uint64_t frames;
	} cases[] = {
		{ 2049, 1 }, { 4080, 1 }, { 4081, 2 }, { 4096, 2 }, { 3 * PAGE_SIZE, 4 },
		{ 1 * MiB, 512 }, { 8 * MiB - 16, 2048 },
	};
	void *p[ARRAY_SIZE(cases)];
	uint64_t before = page_alloc_free_frames();

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t free_before = page_alloc_free_frames();

		p[i] = kmalloc(cases[i].size);
		assert_non_null(p[i]);
		assert_aligned(p[i]);
		assert_int_equal(page_alloc_free_frames(), free_before - cases[i].frames);
		fill(p[i], cases[i].size, (uint32_t)i);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check(p[i], cases[i].size, (uint32_t)i);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		kfree(p[i]);
	assert_int_equal(page_alloc_free_frames(), before);
}

static void test_overflowing_sizes(void **state)
{
	assert_null(kmalloc(SIZE_MAX));
	assert_null(kmalloc(SIZE_MAX - 15));
	assert_null(kmalloc(SIZE_MAX - PAGE_SIZE));
	assert_null(kmalloc(SIZE_MAX / 2 + 1));
	assert_null(kzalloc(SIZE_MAX));
	assert_null(kmalloc(128 * MiB)); /* more than there is */
}

static void test_out_of_memory(void **state)
{
	paddr_t *frames = calloc(ARENA_SIZE / PAGE_SIZE, sizeof(*frames));
	size_t n = 0;
	void *p;

	assert_non_null(frames);
	while (alloc_pages(0, &frames[n]) == 0)
		n++;
	assert_null(kmalloc(64));
	assert_null(kmalloc(5000));
	free_pages(frames[--n], 0);
	p = kmalloc(64);
	assert_non_null(p);
	assert_null(kmalloc(5000));
	kfree(p);
	while (n > 0)
		free_pages(frames[--n], 0);
	free(frames);
}

static void test_bad_frees_are_logged_and_ignored(void **state)
{
	uint8_t *a = kmalloc(32), *b = kmalloc(32), *big = kmalloc(10000), *gone;
	uint64_t free_frames;
	paddr_t page;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(big);
	fill(b, 32, 1);
	kfree(a);
	free_frames = page_alloc_free_frames();

	kfree(a);
	assert_non_null(strstr(fake_console_output(), "double free"));
	fake_console_reset();
	kfree(b + 16);
	assert_non_null(strstr(fake_console_output(), "not an object"));
	fake_console_reset();
	kfree(big + 16);
	assert_non_null(strstr(fake_console_output(), "not the start"));
	fake_console_reset();
	assert_int_equal(alloc_pages(0, &page), 0);
	memset(phys_to_virt(page), 0xa5, PAGE_SIZE);
	kfree((uint8_t *)phys_to_virt(page) + 64);
	assert_non_null(strstr(fake_console_output(), "not a heap pointer"));
	free_pages(page, 0);
	assert_int_equal(page_alloc_free_frames(), free_frames);
	check(b, 32, 1);

	/* Freed twice after its pages went back: no longer taken for a heap block. */
	kfree(big);
	fake_console_reset();
	kfree(big);
	assert_non_null(strstr(fake_console_output(), "not a heap pointer"));
	kfree(b);
	gone = b;
	fake_console_reset();
	kfree(gone);
	assert_non_null(strstr(fake_console_output(), "not a heap pointer"));
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_random_alloc_free(void **state)
{
	enum { SLOTS = 600 };
	static struct object live[SLOTS], sorted[SLOTS];
	static uint32_t ids[SLOTS];
	uint32_t next_id = 0;
	size_t n;

	memset(live, 0, sizeof(live));
	for (int step = 0; step < 60000; step++) {
		size_t i = rng() % SLOTS;

		if (live[i].p) {
			check(live[i].p, live[i].size, ids[i]);
			kfree(live[i].p);
			live[i].p = NULL;
		} else {
			size_t size = rng() % 16 == 0 ? 1 + rng() % 20000 : 1 + rng() % 2048;

			live[i].p = kmalloc(size);
			live[i].size = size;
			ids[i] = next_id++;
			assert_non_null(live[i].p);
			assert_aligned(live[i].p);
			fill(live[i].p, size, ids[i]);
		}
	}
	n = 0;
	for (size_t i = 0; i < SLOTS; i++) {
		if (live[i].p) {
			check(live[i].p, live[i].size, ids[i]);
			sorted[n++] = live[i];
		}
	}
	assert_disjoint(sorted, n);
	for (size_t i = 0; i < SLOTS; i++)
		kfree(live[i].p);
	assert_string_equal(fake_console_output(), "");
}

/*
 * Domains are built and freed on several CPUs at once: threads sharing the
 * heap must each get their own objects and give every page back. Each
 * thread writes its tag over its objects and checks it before freeing; the
 * errors are counted and asserted in the main thread.
 */
#define RACE_THREADS 4
#define RACE_ROUNDS 200000
#define RACE_HELD 64

static pthread_barrier_t race_start;

struct race_thread {
	pthread_t thread;
	uint8_t tag;
	uint64_t errors;
};

static void *race_worker(void *arg)
{
	struct race_thread *t = arg;
	struct object held[RACE_HELD] = { 0 };
	uint64_t seed = t->tag;

	pthread_barrier_wait(&race_start);
	for (unsigned int round = 0; round < RACE_ROUNDS; round++) {
		struct object *o = &held[round % RACE_HELD];

		if (o->p) {
			for (size_t i = 0; i < o->size; i++)
				t->errors += o->p[i] != t->tag;
			kfree(o->p);
			o->p = NULL;
		}
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		o->size = 1 + (seed >> 33) % 300;
		o->p = kmalloc(o->size);
		if (!o->p) {
			t->errors++;
			continue;
		}
		memset(o->p, t->tag, o->size);
	}
	for (unsigned int i = 0; i < RACE_HELD; i++)
		kfree(held[i].p);
	return NULL;
}

static void test_concurrent_alloc_free(void **state)
{
	struct race_thread threads[RACE_THREADS];

	assert_int_equal(pthread_barrier_init(&race_start, NULL, RACE_THREADS), 0);
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		threads[i].tag = (uint8_t)(0x11 * (i + 1));
		threads[i].errors = 0;
		assert_int_equal(pthread_create(&threads[i].thread, NULL, race_worker, &threads[i]),
				 0);
	}
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		assert_int_equal(pthread_join(threads[i].thread, NULL), 0);
		assert_int_equal(threads[i].errors, 0);
	}
	pthread_barrier_destroy(&race_start);
	assert_string_equal(fake_console_output(), "");
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_zero_and_null),
		TEST(test_many_sizes),
		TEST(test_small_objects_share_pages),
		TEST(test_free_and_reuse),
		TEST(test_kzalloc_zeroes),
		TEST(test_large_allocations),
		TEST(test_overflowing_sizes),
		TEST(test_out_of_memory),
		TEST(test_bad_frees_are_logged_and_ignored),
		TEST(test_random_alloc_free),
		TEST(test_concurrent_alloc_free),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
