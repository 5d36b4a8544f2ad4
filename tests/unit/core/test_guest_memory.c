/*
 * Tests for core/guest_memory.c on the real frame allocator and heap over a
 * fake physical arena. The arch edges are fakes kept here: arch_domain_map
 * and arch_domain_unmap record their calls (and can be told to fail), and
 * arch_guest_translate is a tiny MMU that maps guest-virtual pages onto
 * guest-physical pages in reverse order, with one page that can be made
 * unmapped, read-only, or pointing outside guest RAM.
 * unit-test-sources: core/page_alloc.c core/heap.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/errno.h"
#include "core/guest_memory.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_SIZE (64 * MiB)
#define ARENA_FILL 0xa5
#define FREE_START (1 * MiB)
#define FREE_END (48 * MiB)
#define CHUNK (2 * MiB)
#define NO_PAGE UINT64_MAX

static const struct boot_mem_region test_map[] = {
	{ .base = FREE_START, .length = FREE_END - FREE_START, .type = BOOT_MEM_AVAILABLE },
};

/* ---- fake arch_domain_map / arch_domain_unmap ---- */

struct map_call {
	uint64_t gpa;
	paddr_t hpa;
	uint64_t size;
	unsigned int perms;
};

#define MAX_CALLS 8192

static struct map_call map_calls[MAX_CALLS];
static unsigned int nr_map_calls;
static unsigned int map_fail_at; /* 1-based call number that fails; 0: none */
static struct map_call unmap_calls[16];
static unsigned int nr_unmap_calls;
static struct domain *expected_domain;

int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms)
{
	assert_ptr_equal(d, expected_domain);
	assert_true(nr_map_calls < MAX_CALLS);
	map_calls[nr_map_calls++] =
		(struct map_call){ .gpa = gpa, .hpa = hpa, .size = size, .perms = perms };
	return nr_map_calls == map_fail_at ? -ENOMEM : 0;
}

int arch_domain_unmap(struct domain *d, uint64_t gpa, uint64_t size)
{
	assert_ptr_equal(d, expected_domain);
	assert_true(nr_unmap_calls < ARRAY_SIZE(unmap_calls));
	unmap_calls[nr_unmap_calls++] = (struct map_call){ .gpa = gpa, .size = size };
	return 0;
}

/* ---- fake MMU for arch_guest_translate ---- */

#define GVA_BASE 0xffff800000400000ULL

static struct {
	uint64_t nr_pages;       /* gva page i maps gpa page nr_pages - 1 - i */
	uint64_t unmapped_page;  /* index, or NO_PAGE */
	uint64_t readonly_page;
	uint64_t outside_page;   /* translates beyond guest RAM */
	unsigned int calls;
} mmu;

static struct vcpu *expected_vcpu;

int arch_guest_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
	uint64_t index;

	assert_ptr_equal(v, expected_vcpu);
	mmu.calls++;
	if (gva < GVA_BASE || (gva - GVA_BASE) / PAGE_SIZE >= mmu.nr_pages)
		return -EFAULT;
	index = (gva - GVA_BASE) / PAGE_SIZE;
	if (index == mmu.unmapped_page || (write && index == mmu.readonly_page))
		return -EFAULT;
	*gpa = (mmu.nr_pages - 1 - index) * PAGE_SIZE + gva % PAGE_SIZE;
	if (index == mmu.outside_page)
		*gpa += 64 * GiB;
	return 0;
}

static uint64_t gva_of_page(uint64_t index)
{
	return GVA_BASE + index * PAGE_SIZE;
}

/* The gpa the fake MMU gives a gva: what copy_*_guest must have used. */
static uint64_t gpa_of_gva(uint64_t gva)
{
	return (mmu.nr_pages - 1 - (gva - GVA_BASE) / PAGE_SIZE) * PAGE_SIZE + gva % PAGE_SIZE;
}

/* ---- fixtures ---- */

static struct domain dom;
static struct vcpu vcpu0;
static uint64_t baseline_free;

static int setup(void **state)
{
	fake_physmem_init(0, ARENA_SIZE);
	/* Fresh memory is not zero on real machines either. */
	memset(phys_to_virt(0), ARENA_FILL, ARENA_SIZE);
	if (page_alloc_init(test_map, ARRAY_SIZE(test_map)) != 0)
		return -1;
	baseline_free = page_alloc_free_frames();
	fake_console_reset();

	memset(&dom, 0, sizeof(dom));
	memset(&vcpu0, 0, sizeof(vcpu0));
	vcpu0.domain = &dom;
	dom.vcpus[0] = &vcpu0;
	dom.nr_vcpus = 1;
	expected_domain = &dom;
	expected_vcpu = &vcpu0;
	nr_map_calls = 0;
	nr_unmap_calls = 0;
	map_fail_at = 0;
	memset(&mmu, 0, sizeof(mmu));
	mmu.unmapped_page = mmu.readonly_page = mmu.outside_page = NO_PAGE;
	return 0;
}

static int teardown(void **state)
{
	if (dom.chunks)
		domain_memory_free(&dom);
	fake_physmem_free();
	return 0;
}

/* ---- helpers ---- */

static void assert_domain_empty(void)
{
	assert_null(dom.chunks);
	assert_int_equal(dom.nr_chunks, 0);
	assert_int_equal(dom.frames_guest, 0);
	assert_int_equal(dom.memory_bytes, 0);
}

/*
 * The chunk list covers [0, bytes) exactly, in order, each chunk naturally
 * aligned in guest and host space, inside the allocator's memory, no two
 * sharing a frame; and each was mapped RWX exactly as recorded.
 */
static void assert_chunks_valid(uint64_t bytes)
{
	uint64_t gpa = 0;

	assert_int_equal(dom.memory_bytes, bytes);
	assert_int_equal(dom.frames_guest, bytes / PAGE_SIZE);
	assert_int_equal(nr_map_calls, dom.nr_chunks);
	for (unsigned int i = 0; i < dom.nr_chunks; i++) {
		const struct guest_chunk *c = &dom.chunks[i];
		uint64_t size = PAGE_SIZE << c->order;

		assert_true(c->order <= 9);
		assert_int_equal(c->gpa, gpa);
		assert_int_equal(c->gpa % size, 0);
		assert_int_equal(c->hpa % size, 0);
		assert_true(c->hpa >= FREE_START && c->hpa + size <= FREE_END);
		for (unsigned int j = 0; j < i; j++) {
			const struct guest_chunk *o = &dom.chunks[j];

			assert_false(c->hpa < o->hpa + (PAGE_SIZE << o->order) &&
				     o->hpa < c->hpa + size);
		}
		assert_int_equal(map_calls[i].gpa, c->gpa);
		assert_int_equal(map_calls[i].hpa, c->hpa);
		assert_int_equal(map_calls[i].size, size);
		assert_int_equal(map_calls[i].perms, ARCH_MAP_RWX);
		gpa += size;
	}
	assert_int_equal(gpa, bytes);
}

/* Every byte of guest RAM reads as zero, through the API and through the host. */
static void assert_memory_zero(void)
{
	uint8_t *buf = malloc(dom.memory_bytes);

	assert_non_null(buf);
	memset(buf, 0x5a, dom.memory_bytes);
	assert_int_equal(guest_phys_read(&dom, buf, 0, dom.memory_bytes), 0);
	for (uint64_t i = 0; i < dom.memory_bytes; i++)
		if (buf[i] != 0)
			fail_msg("guest byte 0x%llx is 0x%02x", (unsigned long long)i, buf[i]);
	for (unsigned int i = 0; i < dom.nr_chunks; i++) {
		const uint8_t *host = phys_to_virt(dom.chunks[i].hpa);

		for (uint64_t j = 0; j < (PAGE_SIZE << dom.chunks[i].order); j++)
			assert_int_equal(host[j], 0);
	}
	free(buf);
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 13 + (i >> 9) + 1);
}

/* The host byte behind a guest-physical address, found without the code under test. */
static uint8_t host_byte(uint64_t gpa)
{
	for (unsigned int i = 0; i < dom.nr_chunks; i++) {
		const struct guest_chunk *c = &dom.chunks[i];

		if (gpa >= c->gpa && gpa - c->gpa < (PAGE_SIZE << c->order))
			return *(uint8_t *)phys_to_virt(c->hpa + (gpa - c->gpa));
	}
	fail_msg("gpa 0x%llx is in no chunk", (unsigned long long)gpa);
	return 0;
}

/* Blocks taken from the allocator to fragment it. */
struct held {
	paddr_t *pa;
	unsigned int *order;
	size_t nr;
};

static void take_all(struct held *h, unsigned int order, size_t capacity)
{
	paddr_t pa;

	while (alloc_pages(order, &pa) == 0) {
		assert_true(h->nr < capacity);
		h->pa[h->nr] = pa;
		h->order[h->nr++] = order;
	}
}

/* Takes every free frame, in blocks of 2^order where possible, then single frames. */
static void hold_everything(struct held *h, unsigned int order)
{
	size_t capacity = FREE_END / PAGE_SIZE;

	h->pa = malloc(capacity * sizeof(*h->pa));
	h->order = malloc(capacity * sizeof(*h->order));
	h->nr = 0;
	assert_non_null(h->pa);
	assert_non_null(h->order);
	take_all(h, order, capacity);
	take_all(h, 0, capacity);
	assert_int_equal(page_alloc_free_frames(), 0);
}

/* Gives back the held frames in [base, base + size). */
static void release_range(struct held *h, paddr_t base, uint64_t size)
{
	for (size_t i = 0; i < h->nr; i++)
		if (h->pa[i] >= base && h->pa[i] - base < size) {
			free_pages(h->pa[i], h->order[i]);
			h->pa[i] = 0;
		}
}

static void release_all(struct held *h)
{
	for (size_t i = 0; i < h->nr; i++)
		if (h->pa[i])
			free_pages(h->pa[i], h->order[i]);
	free(h->pa);
	free(h->order);
}

/* ---- allocation ---- */

/* A word through guest_phys_entry, as the page walker reads one. */
static int load_word(const struct domain *d, uint64_t gpa, unsigned int size, uint64_t *v)
{
	const volatile void *p = guest_phys_entry(d, gpa, size);

	if (!p)
		return -EFAULT;
	*v = size == 4 ? *(const volatile uint32_t *)p : *(const volatile uint64_t *)p;
	return 0;
}

static void test_alloc_exact_sizes(void **state)
{
	static const uint64_t sizes[] = { 2 * MiB, 6 * MiB, 32 * MiB };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		uint64_t frames = sizes[s] / PAGE_SIZE, used;

		nr_map_calls = 0;
		assert_int_equal(domain_memory_alloc(&dom, sizes[s]), 0);
		assert_non_null(dom.chunks);
		/* Unfragmented memory gives only 2 MiB chunks. */
		assert_int_equal(dom.nr_chunks, sizes[s] / CHUNK);
		for (unsigned int i = 0; i < dom.nr_chunks; i++)
			assert_int_equal(dom.chunks[i].order, 9);
		assert_chunks_valid(sizes[s]);
		/* The guest frames, plus at most the heap pages for the chunk array. */
		used = baseline_free - page_alloc_free_frames();
		assert_true(used >= frames && used <= frames + 2);
		assert_memory_zero();
		assert_int_equal(nr_unmap_calls, 0);

		domain_memory_free(&dom);
		assert_domain_empty();
		assert_int_equal(page_alloc_free_frames(), baseline_free);
	}
}

static void test_alloc_rejects_bad_sizes(void **state)
{
	static const uint64_t bad[] = {
		0, PAGE_SIZE, 1 * MiB, 2 * MiB + PAGE_SIZE, 3 * MiB, DOMAIN_MAX_MEMORY - 1,
		DOMAIN_MAX_MEMORY + 2 * MiB, 1ULL << 63, UINT64_MAX,
		UINT64_MAX - (2 * MiB - 1), /* a multiple of 2 MiB far too large */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(domain_memory_alloc(&dom, bad[i]), -EINVAL);
		assert_domain_empty();
	}
	assert_int_equal(nr_map_calls, 0);
	assert_int_equal(page_alloc_free_frames(), baseline_free);
}

static void test_alloc_twice_refused(void **state)
{
	assert_int_equal(domain_memory_alloc(&dom, 4 * MiB), 0);
	assert_int_equal(domain_memory_alloc(&dom, 4 * MiB), -EEXIST);
	assert_chunks_valid(4 * MiB);
	domain_memory_free(&dom);
	assert_int_equal(page_alloc_free_frames(), baseline_free);
}

/* The largest size is valid but cannot fit: everything taken goes back. */
static void test_alloc_enomem_rolls_back(void **state)
{
	uint64_t sizes[] = {
		DOMAIN_MAX_MEMORY,
		/* Just more than is free: fails on the very last frames. */
		ALIGN_UP(baseline_free * PAGE_SIZE + 1, CHUNK),
	};

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		uint64_t mapped = 0;

		nr_map_calls = nr_unmap_calls = 0;
		assert_int_equal(domain_memory_alloc(&dom, sizes[s]), -ENOMEM);
		assert_domain_empty();
		assert_int_equal(page_alloc_free_frames(), baseline_free);
		/* Everything mapped was unmapped again, in one range from 0. */
		for (unsigned int i = 0; i < nr_map_calls; i++)
			mapped += map_calls[i].size;
		assert_true(mapped > 40 * MiB);
		assert_int_equal(nr_unmap_calls, 1);
		assert_int_equal(unmap_calls[0].gpa, 0);
		assert_int_equal(unmap_calls[0].size, mapped);
	}
	/* And the memory is still usable. */
	nr_map_calls = 0;
	assert_int_equal(domain_memory_alloc(&dom, 8 * MiB), 0);
	assert_chunks_valid(8 * MiB);
}

static void test_alloc_map_failure_rolls_back(void **state)
{
	map_fail_at = 3;
	assert_int_equal(domain_memory_alloc(&dom, 16 * MiB), -ENOMEM);
	assert_domain_empty();
	assert_int_equal(nr_map_calls, 3);
	assert_int_equal(page_alloc_free_frames(), baseline_free);
	/* The failed chunk's range is unmapped too: the map may have been partial. */
	assert_int_equal(nr_unmap_calls, 1);
	assert_int_equal(unmap_calls[0].gpa, 0);
	assert_int_equal(unmap_calls[0].size, 3 * CHUNK);

	map_fail_at = 1;
	nr_map_calls = nr_unmap_calls = 0;
	assert_int_equal(domain_memory_alloc(&dom, 2 * MiB), -ENOMEM);
	assert_int_equal(unmap_calls[0].size, CHUNK);
	assert_int_equal(page_alloc_free_frames(), baseline_free);
}

/* Only isolated 1 MiB blocks are free: the domain is built from them, aligned. */
static void test_alloc_fragmented_1m_blocks(void **state)
{
	struct held h;
	size_t freed = 0;

	hold_everything(&h, 8);
	for (size_t i = 0; i < h.nr; i += 2) {
		if (h.order[i] == 8) {
			free_pages(h.pa[i], 8);
			h.pa[i] = 0;
			freed++;
		}
	}
	/* Held neighbours keep each freed block isolated: no 2 MiB block is free. */
	assert_true(freed >= 8);

	assert_int_equal(domain_memory_alloc(&dom, 4 * MiB), 0);
	assert_int_equal(dom.nr_chunks, 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(dom.chunks[i].order, 8);
		assert_int_equal(dom.chunks[i].gpa, i * MiB);
	}
	assert_chunks_valid(4 * MiB);
	assert_memory_zero();

	domain_memory_free(&dom);
	release_all(&h);
	assert_int_equal(page_alloc_free_frames(), baseline_free);
}

/*
 * Free memory in blocks of every order from 256 frames down to single
 * frames, each hemmed in by held frames: the allocation falls back step by
 * step and still yields a valid, fully zeroed, fully mapped domain. Then an
 * access crossing many small chunks lands in the right host frames.
 */
static void test_alloc_fragmented_mixed_orders(void **state)
{
	struct held h;
	uint8_t buf[3 * PAGE_SIZE + 123], back[sizeof(buf)];
	bool saw_single = false;

	hold_everything(&h, 0);
	/*
	 * Single frames low down, where the heap's next-fit search finds them
	 * first for the chunk array; then blocks of 2^8..2^0 frames, one at the
	 * start of each 2 MiB region from 4 MiB, each hemmed in by held frames.
	 */
	for (unsigned int k = 0; k < 16; k++)
		release_range(&h, 2 * MiB + k * 2 * PAGE_SIZE, PAGE_SIZE);
	for (unsigned int k = 0; k <= 8; k++)
		release_range(&h, 4 * MiB + k * CHUNK, PAGE_SIZE << (8 - k));

	assert_int_equal(domain_memory_alloc(&dom, 2 * MiB), 0);
	assert_true(dom.nr_chunks >= 10);
	assert_chunks_valid(2 * MiB);
	for (unsigned int i = 0; i < dom.nr_chunks; i++)
		saw_single |= dom.chunks[i].order == 0;
	assert_true(saw_single);
	assert_memory_zero();

	/* guest_phys_to_host agrees with the chunk list for every frame. */
	for (uint64_t gpa = 0; gpa < 2 * MiB; gpa += PAGE_SIZE) {
		paddr_t hpa;

		assert_int_equal(guest_phys_to_host(&dom, gpa + 5, &hpa), 0);
		*(uint8_t *)phys_to_virt(hpa) = 0x77;
		assert_int_equal(host_byte(gpa + 5), 0x77);
		*(uint8_t *)phys_to_virt(hpa) = 0;
	}

	/*
	 * guest_phys_load agrees too, alternating between far-apart frames so
	 * that the last-chunk hint is wrong as often as it is right.
	 */
	for (uint64_t gpa = 0; gpa < 2 * MiB; gpa += PAGE_SIZE) {
		uint64_t far = 2 * MiB - PAGE_SIZE - gpa, v = 0;
		paddr_t hpa;

		assert_int_equal(guest_phys_to_host(&dom, gpa + 8, &hpa), 0);
		*(uint64_t *)phys_to_virt(hpa) = gpa ^ 0x5555;
		assert_int_equal(guest_phys_to_host(&dom, far + 16, &hpa), 0);
		*(uint32_t *)phys_to_virt(hpa) = (uint32_t)far | 1;
		assert_int_equal(load_word(&dom, gpa + 8, 8, &v), 0);
		assert_int_equal(v, gpa ^ 0x5555);
		assert_int_equal(load_word(&dom, far + 16, 4, &v), 0);
		assert_int_equal(v, (uint32_t)far | 1);
	}
	assert_int_equal(guest_phys_zero(&dom, 0, 2 * MiB), 0);

	/* A write across the boundaries of small chunks at the end of guest RAM. */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	uint64_t at = 2 * MiB - sizeof(buf) - 7;
	assert_int_equal(guest_phys_write(&dom, at, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(host_byte(at + i), pattern(i));
	assert_int_equal(host_byte(at - 1), 0);
	assert_int_equal(host_byte(at + sizeof(buf)), 0);
	assert_int_equal(guest_phys_read(&dom, back, at, sizeof(back)), 0);
	assert_memory_equal(back, buf, sizeof(buf));
	assert_int_equal(guest_phys_zero(&dom, at + 100, 2 * PAGE_SIZE), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(host_byte(at + i),
				 i >= 100 && i < 100 + 2 * PAGE_SIZE ? 0 : pattern(i));

	domain_memory_free(&dom);
	assert_domain_empty();
	release_all(&h);
	assert_int_equal(page_alloc_free_frames(), baseline_free);
}

/* ---- guest-physical access ---- */


static void test_guest_phys_bounds(void **state)
{
	const uint64_t mem = 4 * MiB;
	uint8_t byte = 0xee, two[2] = { 1, 2 }, eight[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t out[8];
	paddr_t hpa;

	assert_int_equal(domain_memory_alloc(&dom, mem), 0);

	/* Last byte in, first byte out. */
	assert_int_equal(guest_phys_write(&dom, mem - 1, &byte, 1), 0);
	assert_int_equal(host_byte(mem - 1), 0xee);
	assert_int_equal(guest_phys_read(&dom, out, mem - 1, 1), 0);
	assert_int_equal(out[0], 0xee);
	assert_int_equal(guest_phys_write(&dom, mem, &byte, 1), -EFAULT);
	assert_int_equal(guest_phys_read(&dom, out, mem, 1), -EFAULT);
	assert_int_equal(guest_phys_zero(&dom, mem, 1), -EFAULT);
	assert_int_equal(guest_phys_zero(&dom, mem - 1, 1), 0);
	assert_int_equal(host_byte(mem - 1), 0);

	/* Straddling the end: refused as a whole, nothing written. */
	assert_int_equal(guest_phys_write(&dom, mem - 1, two, 2), -EFAULT);
	assert_int_equal(host_byte(mem - 1), 0);
	assert_int_equal(guest_phys_write(&dom, mem - 4, eight, 8), -EFAULT);
	for (uint64_t i = 4; i > 0; i--)
		assert_int_equal(host_byte(mem - i), 0);
	assert_int_equal(guest_phys_write(&dom, mem - 8, eight, 8), 0);
	assert_int_equal(host_byte(mem - 8), 1);
	assert_int_equal(host_byte(mem - 1), 8);

	/* Single aligned loads: the last word in, past the end, misaligned, odd sizes. */
	{
		uint64_t v = 0;

		assert_int_equal(load_word(&dom, mem - 8, 8, &v), 0);
		assert_int_equal(v, 0x0807060504030201ULL);
		assert_int_equal(load_word(&dom, mem - 4, 4, &v), 0);
		assert_int_equal(v, 0x08070605);
		assert_int_equal(load_word(&dom, mem, 8, &v), -EFAULT);
		assert_int_equal(load_word(&dom, mem, 4, &v), -EFAULT);
		assert_int_equal(load_word(&dom, mem - 12, 8, &v), -EFAULT);
		assert_int_equal(load_word(&dom, 2, 4, &v), -EFAULT);
		assert_int_equal(load_word(&dom, 0, 2, &v), -EFAULT);
		assert_int_equal(load_word(&dom, UINT64_MAX - 7, 8, &v), -EFAULT);
	}

	/* Ranges whose end wraps around 2^64. */
	assert_int_equal(guest_phys_write(&dom, UINT64_MAX, two, 2), -EFAULT);
	assert_int_equal(guest_phys_read(&dom, out, UINT64_MAX - 1, 4), -EFAULT);
	assert_int_equal(guest_phys_zero(&dom, 1, SIZE_MAX), -EFAULT);
	assert_int_equal(guest_phys_read(&dom, out, 16, SIZE_MAX - 8), -EFAULT);

	/* Empty accesses always succeed and touch nothing. */
	assert_int_equal(guest_phys_write(&dom, mem + PAGE_SIZE, NULL, 0), 0);
	assert_int_equal(guest_phys_read(&dom, NULL, UINT64_MAX, 0), 0);
	assert_int_equal(guest_phys_zero(&dom, 0, 0), 0);

	/* Host addresses. */
	assert_int_equal(guest_phys_to_host(&dom, 0, &hpa), 0);
	assert_int_equal(hpa, dom.chunks[0].hpa);
	assert_int_equal(guest_phys_to_host(&dom, mem - 1, &hpa), 0);
	assert_int_equal(hpa, dom.chunks[1].hpa + CHUNK - 1);
	assert_int_equal(guest_phys_to_host(&dom, CHUNK, &hpa), 0);
	assert_int_equal(hpa, dom.chunks[1].hpa);
	assert_int_equal(guest_phys_to_host(&dom, mem, &hpa), -EFAULT);
	assert_int_equal(guest_phys_to_host(&dom, UINT64_MAX, &hpa), -EFAULT);

	/* After the memory is freed nothing is reachable. */
	domain_memory_free(&dom);
	assert_int_equal(guest_phys_to_host(&dom, 0, &hpa), -EFAULT);
	assert_int_equal(guest_phys_write(&dom, 0, &byte, 1), -EFAULT);
	assert_int_equal(guest_phys_read(&dom, out, 0, 1), -EFAULT);
}

/* ---- guest-virtual access ---- */

static void map_guest_pages(uint64_t nr_pages)
{
	assert_int_equal(domain_memory_alloc(&dom, 4 * MiB), 0);
	mmu.nr_pages = nr_pages;
}

static void test_copy_to_and_from_guest_across_pages(void **state)
{
	uint8_t src[2 * PAGE_SIZE + 600], back[sizeof(src)];
	uint64_t gva = gva_of_page(3) + PAGE_SIZE - 300;

	map_guest_pages(8);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = pattern(i);
	assert_int_equal(copy_to_guest(&vcpu0, gva, src, sizeof(src)), 0);
	/* Each page went where the guest's page tables say: pages 3..6 are reversed. */
	for (size_t i = 0; i < sizeof(src); i++)
		assert_int_equal(host_byte(gpa_of_gva(gva + i)), pattern(i));
	assert_int_equal(host_byte(gpa_of_gva(gva - 1)), 0);
	assert_int_equal(host_byte(gpa_of_gva(gva + sizeof(src))), 0);
	assert_int_equal(mmu.calls, 4);

	memset(back, 0, sizeof(back));
	assert_int_equal(copy_from_guest(&vcpu0, back, gva, sizeof(back)), 0);
	assert_memory_equal(back, src, sizeof(src));

	/* Exactly one page, aligned: one translation. */
	mmu.calls = 0;
	assert_int_equal(copy_from_guest(&vcpu0, back, gva_of_page(5), PAGE_SIZE), 0);
	assert_int_equal(mmu.calls, 1);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(back[i], host_byte(gpa_of_gva(gva_of_page(5) + i)));

	/* Nothing to copy: no translation, even of an unmapped address. */
	mmu.calls = 0;
	assert_int_equal(copy_to_guest(&vcpu0, 0x1000, src, 0), 0);
	assert_int_equal(copy_from_guest(&vcpu0, back, 0x1000, 0), 0);
	assert_int_equal(mmu.calls, 0);
}

static void test_copy_to_guest_bad_first_page_writes_nothing(void **state)
{
	uint8_t src[PAGE_SIZE + 100];
	uint64_t gva = gva_of_page(2) + PAGE_SIZE - 50;

	map_guest_pages(8);
	memset(src, 0xab, sizeof(src));

	mmu.unmapped_page = 2;
	assert_int_equal(copy_to_guest(&vcpu0, gva, src, sizeof(src)), -EFAULT);
	assert_memory_zero();

	mmu.unmapped_page = NO_PAGE;
	mmu.readonly_page = 2;
	assert_int_equal(copy_to_guest(&vcpu0, gva, src, sizeof(src)), -EFAULT);
	assert_memory_zero();

	mmu.readonly_page = NO_PAGE;
	mmu.outside_page = 2;
	assert_int_equal(copy_to_guest(&vcpu0, gva, src, sizeof(src)), -EFAULT);
	assert_memory_zero();

	/* Outside every mapping, and a range whose end wraps. */
	mmu.outside_page = NO_PAGE;
	assert_int_equal(copy_to_guest(&vcpu0, 0x1000, src, 1), -EFAULT);
	mmu.calls = 0;
	assert_int_equal(copy_to_guest(&vcpu0, UINT64_MAX - 10, src, 100), -EFAULT);
	assert_int_equal(copy_from_guest(&vcpu0, src, UINT64_MAX - 10, 100), -EFAULT);
	assert_int_equal(mmu.calls, 0);
	assert_memory_zero();
}

/* A bad later page stops the copy there: what follows it is never written. */
static void test_copy_to_guest_bad_later_page(void **state)
{
	uint8_t src[3 * PAGE_SIZE];
	uint64_t gva = gva_of_page(1);

	map_guest_pages(8);
	memset(src, 0xcd, sizeof(src));
	mmu.unmapped_page = 2;
	assert_int_equal(copy_to_guest(&vcpu0, gva, src, sizeof(src)), -EFAULT);
	/* Page 1 may hold the partial result (documented); page 3 must not. */
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(host_byte(gpa_of_gva(gva_of_page(3) + i)), 0);
}

static void test_copy_from_guest_faults(void **state)
{
	uint8_t dst[2 * PAGE_SIZE];

	map_guest_pages(8);
	/* A read-only page can be read. */
	mmu.readonly_page = 4;
	assert_int_equal(guest_phys_zero(&dom, 0, PAGE_SIZE), 0);
	assert_int_equal(copy_from_guest(&vcpu0, dst, gva_of_page(4) + 8, 16), 0);

	mmu.unmapped_page = 5;
	assert_int_equal(copy_from_guest(&vcpu0, dst, gva_of_page(4) + 8, PAGE_SIZE), -EFAULT);
	assert_int_equal(copy_from_guest(&vcpu0, dst, gva_of_page(5), 1), -EFAULT);
	mmu.unmapped_page = NO_PAGE;
	mmu.outside_page = 6;
	assert_int_equal(copy_from_guest(&vcpu0, dst, gva_of_page(6) + 100, 10), -EFAULT);
	assert_int_equal(copy_from_guest(&vcpu0, dst, gva_of_page(8), 1), -EFAULT);
	assert_int_equal(copy_from_guest(&vcpu0, dst, gva_of_page(7), PAGE_SIZE), 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_alloc_exact_sizes),
		TEST(test_alloc_rejects_bad_sizes),
		TEST(test_alloc_twice_refused),
		TEST(test_alloc_enomem_rolls_back),
		TEST(test_alloc_map_failure_rolls_back),
		TEST(test_alloc_fragmented_1m_blocks),
		TEST(test_alloc_fragmented_mixed_orders),
		TEST(test_guest_phys_bounds),
		TEST(test_copy_to_and_from_guest_across_pages),
		TEST(test_copy_to_guest_bad_first_page_writes_nothing),
		TEST(test_copy_to_guest_bad_later_page),
		TEST(test_copy_from_guest_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
