/*
 * Tests for core/console_ring.c: the ring page's set-up (mapped where Xen
 * puts it, announced in HVM_PARAM_CONSOLE_PFN), and the drain - in order,
 * across the wrap, within the domain's output rate, and safe against
 * indices a guest made up.
 *
 * unit-test-sources: tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/console_ring.h"
#include "core/errno.h"
#include "core/mm.h"
#include "core/public/console.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_BASE 0x20000000ULL
#define ARENA_PAGES 4

static struct domain dom;
static unsigned int overhead_pages;
static int map_rc;
static uint64_t mapped_gpa, mapped_size;
static paddr_t mapped_hpa;
static unsigned int mapped_perms;
static size_t tokens_left; /* bytes the rate limit still allows */
static char written[8192];
static size_t written_len;

int domain_alloc_overhead_page(struct domain *d, paddr_t *pa)
{
	assert_ptr_equal(d, &dom);
	assert_true(overhead_pages < ARENA_PAGES);
	*pa = ARENA_BASE + overhead_pages++ * PAGE_SIZE;
	memset(phys_to_virt(*pa), 0xa5, PAGE_SIZE); /* as found: not zeroed */
	return 0;
}

void domain_free_overhead_page(struct domain *d, paddr_t pa)
{
	assert_ptr_equal(d, &dom);
	assert_true(overhead_pages > 0);
	overhead_pages--;
}

int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms)
{
	assert_ptr_equal(d, &dom);
	if (map_rc)
		return map_rc;
	mapped_gpa = gpa;
	mapped_hpa = hpa;
	mapped_size = size;
	mapped_perms = perms;
	return 0;
}

bool domain_console_tokens_take(struct domain *d, size_t want)
{
	if (want > tokens_left)
		return false;
	tokens_left -= want;
	return true;
}

void domain_console_ring_write(struct domain *d, const char *buf, size_t len)
{
	assert_ptr_equal(d, &dom);
	assert_true(len <= sizeof(written) - written_len);
	memcpy(written + written_len, buf, len);
	written_len += len;
}

void arch_cpu_relax(void)
{
}

static struct xencons_interface *ring(void)
{
	return phys_to_virt(dom.console_ring_hpa);
}

/* The guest's side: out_prod moves after the bytes are in. */
static void guest_put(const char *text)
{
	struct xencons_interface *r = ring();

	for (size_t i = 0; text[i]; i++)
		r->out[r->out_prod++ & (XENCONS_OUT_SIZE - 1)] = text[i];
}

static int setup(void **state)
{
	fake_physmem_init(ARENA_BASE, ARENA_PAGES * PAGE_SIZE);
	fake_console_reset();
	memset(&dom, 0, sizeof(dom));
	dom.id = 4;
	strcpy(dom.name, "cons");
	overhead_pages = 0;
	map_rc = 0;
	mapped_gpa = mapped_size = 0;
	tokens_left = SIZE_MAX;
	written_len = 0;
	assert_int_equal(console_ring_domain_init(&dom), 0);
	return 0;
}

static int teardown(void **state)
{
	console_ring_domain_destroy(&dom);
	assert_int_equal(overhead_pages, 0);
	fake_physmem_free();
	return 0;
}

static void test_init_maps_a_zeroed_page(void **state)
{
	const uint8_t *page = phys_to_virt(dom.console_ring_hpa);

	assert_int_equal(mapped_gpa, 0xfeff8000ULL);
	assert_int_equal(mapped_hpa, dom.console_ring_hpa);
	assert_int_equal(mapped_size, PAGE_SIZE);
	assert_int_equal(mapped_perms, ARCH_MAP_R | ARCH_MAP_W);
	assert_int_equal(dom.hvm_params[HVM_PARAM_CONSOLE_PFN], 0xfeff8);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(page[i], 0);
	assert_int_equal(overhead_pages, 1);
}

static void test_init_failure_frees_the_page(void **state)
{
	console_ring_domain_destroy(&dom);
	assert_int_equal(dom.console_ring_hpa, 0);
	dom.hvm_params[HVM_PARAM_CONSOLE_PFN] = 0;
	map_rc = -ENOMEM;
	assert_int_equal(console_ring_domain_init(&dom), -ENOMEM);
	assert_int_equal(overhead_pages, 0);
	assert_int_equal(dom.console_ring_hpa, 0);
	assert_int_equal(dom.hvm_params[HVM_PARAM_CONSOLE_PFN], 0);
	/* Destroying a domain without a ring is harmless. */
	console_ring_domain_destroy(&dom);
}

static void test_drain_in_order(void **state)
{
	console_ring_drain(&dom); /* empty: nothing */
	assert_int_equal(written_len, 0);
	guest_put("hello ");
	guest_put("ring\n");
	console_ring_drain(&dom);
	assert_int_equal(written_len, 11);
	assert_memory_equal(written, "hello ring\n", 11);
	assert_int_equal(ring()->out_cons, 11);
}

static void test_drain_across_the_wrap(void **state)
{
	char text[301];

	/* Indices near the top of 32 bits and near the end of out[]: both wrap. */
	ring()->out_cons = ring()->out_prod = 0xffffffffu - 99;
	for (size_t i = 0; i < 300; i++)
		text[i] = (char)('a' + i % 26);
	text[300] = '\0';
	guest_put(text);
	console_ring_drain(&dom);
	assert_int_equal(written_len, 300);
	assert_memory_equal(written, text, 300);
	assert_int_equal(ring()->out_cons, (uint32_t)(0xffffffffu - 99 + 300));
}

static void test_drain_within_the_rate(void **state)
{
	char text[1001];

	memset(text, 'x', 1000);
	text[1000] = '\0';
	guest_put(text);
	/* 300 bytes allowed: two 128-byte steps, then 44 left is not a whole step. */
	tokens_left = 300;
	console_ring_drain(&dom);
	assert_int_equal(written_len, 256);
	assert_int_equal(ring()->out_cons, 256);
	/* The rest stays in the ring for later. */
	tokens_left = SIZE_MAX;
	console_ring_drain(&dom);
	assert_int_equal(written_len, 1000);
	assert_int_equal(ring()->out_cons, 1000);
}

static void test_drain_bad_indices(void **state)
{
	/* prod far ahead of cons: more than the ring holds. */
	ring()->out_cons = 10;
	ring()->out_prod = 10 + XENCONS_OUT_SIZE + 1;
	console_ring_drain(&dom);
	assert_int_equal(written_len, 0);
	assert_int_equal(ring()->out_cons, ring()->out_prod);
	assert_non_null(strstr(fake_console_output(), "domain 4 (cons): console ring indices"));
	/* prod behind cons; logged once only. */
	fake_console_reset();
	ring()->out_prod = ring()->out_cons - 5;
	console_ring_drain(&dom);
	assert_int_equal(written_len, 0);
	assert_null(strstr(fake_console_output(), "console ring"));
	/* A sane ring works again. */
	guest_put("ok\n");
	console_ring_drain(&dom);
	assert_int_equal(written_len, 3);
}

static void test_full_ring(void **state)
{
	char text[XENCONS_OUT_SIZE + 1];

	memset(text, 'y', XENCONS_OUT_SIZE);
	text[XENCONS_OUT_SIZE] = '\0';
	guest_put(text); /* exactly full */
	console_ring_drain(&dom);
	assert_int_equal(written_len, XENCONS_OUT_SIZE);
	assert_int_equal(ring()->out_cons, XENCONS_OUT_SIZE);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		TEST(test_init_maps_a_zeroed_page), TEST(test_init_failure_frees_the_page),
		TEST(test_drain_in_order),	    TEST(test_drain_across_the_wrap),
		TEST(test_drain_within_the_rate),   TEST(test_drain_bad_indices),
		TEST(test_full_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
