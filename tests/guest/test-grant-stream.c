/*
 * 16 MiB through a granted ring, twice: d1 produces 4 KiB pages into a ring
 * of 16 pages it grants to d2; d2 consumes them first by grant copy, then
 * by mapping the ring pages read-only, and checks every byte. The indices
 * live in a control page d1 grants writable and d2 maps. Without event
 * channels both sides poll (and yield, should they share a CPU). Roles by
 * domain id (CPUID leaf 0x40000004 ECX): d1 produces, d2 consumes.
 */
#include "core/public/grant_table.h"
#include "rt/rt.h"

const char test_title[] = "grant stream: 16 MiB by grant copy and 16 MiB by grant map";

#define PRODUCER 1
#define CONSUMER 2
#define RING_PAGES 16
#define STREAM_PAGES 4096 /* 16 MiB per pass */
#define PASSES 2          /* copy, then map */
#define REF_CONTROL 1
#define REF_RING 2 /* ring page i is ref REF_RING + i */
#define MAP_CONTROL 0x10000000ull
#define MAP_RING 0x10001000ull
#define SPIN_LIMIT 100000000ull

struct control {
	volatile uint32_t prod;  /* pages produced, all passes */
	volatile uint32_t cons;  /* pages consumed */
	volatile uint32_t ready; /* the producer has granted everything */
};

static uint8_t table_frame[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t control_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint64_t ring[RING_PAGES][PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static uint64_t local[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));

static int64_t gnttab_op(unsigned int cmd, void *uop, unsigned int count)
{
	return hypercall_page_call(__HYPERVISOR_grant_table_op, cmd, HCALL_ARG(uop), count, 0, 0);
}

static uint64_t word_of(uint32_t seq, unsigned int i)
{
	return ((uint64_t)seq << 32) ^ (0x9e3779b97f4a7c15ull * (i + 1));
}

/* Spins (yielding now and then) until *word >= value; false after SPIN_LIMIT polls. */
static bool wait_at_least(volatile uint32_t *word, uint32_t value)
{
	for (uint64_t n = 0; n < SPIN_LIMIT; n++) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) >= value)
			return true;
		if (n % 64 == 63)
			hypercall_yield();
		else
			asm volatile("pause" ::: "memory");
	}
	return false;
}

static void producer(void)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					   .idx = 0, .gpfn = (uintptr_t)table_frame >> PAGE_SHIFT };
	struct grant_entry_v1 *e = (struct grant_entry_v1 *)table_frame;
	struct control *c = (struct control *)control_page;
	uint32_t total = STREAM_PAGES * PASSES;

	if (!check_eq("add_to_physmap(grant_table)",
		      hypercall_memory_op(XENMEM_add_to_physmap, &xatp), 0))
		return;
	memset(control_page, 0, sizeof(control_page));
	for (unsigned int i = 0; i < RING_PAGES; i++) {
		e[REF_RING + i].domid = CONSUMER;
		e[REF_RING + i].frame = (uint32_t)((uintptr_t)ring[i] >> PAGE_SHIFT);
		__atomic_store_n(&e[REF_RING + i].flags, GTF_permit_access | GTF_readonly,
				 __ATOMIC_RELEASE);
	}
	e[REF_CONTROL].domid = CONSUMER;
	e[REF_CONTROL].frame = (uint32_t)((uintptr_t)control_page >> PAGE_SHIFT);
	__atomic_store_n(&e[REF_CONTROL].flags, GTF_permit_access, __ATOMIC_RELEASE);
	__atomic_store_n(&c->ready, 1, __ATOMIC_RELEASE);

	for (uint32_t seq = 0; seq < total; seq++) {
		uint64_t *page = ring[seq % RING_PAGES];

		/* Room in the ring: the consumer is fewer than RING_PAGES behind. */
		if (seq >= RING_PAGES && !wait_at_least(&c->cons, seq - RING_PAGES + 1)) {
			test_fail("page %u: the consumer stopped at %u", seq, c->cons);
			return;
		}
		for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
			page[i] = word_of(seq, i);
		__atomic_store_n(&c->prod, seq + 1, __ATOMIC_RELEASE);
	}
	if (!wait_at_least(&c->cons, total))
		test_fail("the consumer stopped at %u of %u pages", c->cons, total);
	printk("produced %u pages (%u MiB)\n", total, total / 256);
}

/* The bytes of page seq as the consumer sees them at p: every word checked. */
static unsigned int bad_words(const volatile uint64_t *p, uint32_t seq)
{
	unsigned int bad = 0;

	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		bad += p[i] != word_of(seq, i);
	return bad;
}

static bool consume_pass(struct control *c, unsigned int pass, bool by_map)
{
	uint64_t start = rdtsc(), bad = 0;
	uint32_t first = pass * STREAM_PAGES;

	for (uint32_t seq = first; seq < first + STREAM_PAGES; seq++) {
		unsigned int slot = seq % RING_PAGES;

		if (!wait_at_least(&c->prod, seq + 1)) {
			test_fail("page %u: the producer stopped at %u", seq, c->prod);
			return false;
		}
		if (by_map) {
			bad += bad_words((const volatile uint64_t *)(uintptr_t)(MAP_RING +
										 slot * PAGE_SIZE),
					 seq);
		} else {
			struct gnttab_copy op = {
				.source = { .u.ref = REF_RING + slot, .domid = PRODUCER },
				.dest = { .u.gmfn = (uintptr_t)local >> PAGE_SHIFT,
					  .domid = DOMID_SELF },
				.len = PAGE_SIZE,
				.flags = GNTCOPY_source_gref,
			};

			if (gnttab_op(GNTTABOP_copy, &op, 1) || op.status != GNTST_okay) {
				test_fail("page %u: grant copy failed (status %d)", seq, op.status);
				return false;
			}
			bad += bad_words(local, seq);
		}
		__atomic_store_n(&c->cons, seq + 1, __ATOMIC_RELEASE);
	}
	printk("16 MiB by grant %s: %u pages in %lu instructions, %lu words wrong\n",
	       by_map ? "map" : "copy", STREAM_PAGES, rdtsc() - start, bad);
	return check_eq(by_map ? "words wrong, by grant map" : "words wrong, by grant copy", bad,
			0);
}

static void consumer(void)
{
	struct gnttab_map_grant_ref map = { .host_addr = MAP_CONTROL, .flags = GNTMAP_host_map,
					    .ref = REF_CONTROL, .dom = PRODUCER };
	struct gnttab_map_grant_ref ring_map[RING_PAGES];
	struct gnttab_unmap_grant_ref ring_unmap[RING_PAGES];
	struct control *c = (struct control *)(uintptr_t)MAP_CONTROL;
	unsigned int bad = 0;

	/* The control page exists once the producer granted it: retry until then. */
	for (uint64_t n = 0; n < SPIN_LIMIT / 64; n++) {
		map.status = 99;
		if (gnttab_op(GNTTABOP_map_grant_ref, &map, 1) == 0 && map.status == GNTST_okay)
			break;
		hypercall_yield();
	}
	if (!check_eq("map the control page", map.status, GNTST_okay) ||
	    !wait_at_least(&c->ready, 1) || !consume_pass(c, 0, false))
		return;

	for (unsigned int i = 0; i < RING_PAGES; i++)
		ring_map[i] = (struct gnttab_map_grant_ref){
			.host_addr = MAP_RING + i * PAGE_SIZE,
			.flags = GNTMAP_host_map | GNTMAP_readonly,
			.ref = REF_RING + i,
			.dom = PRODUCER,
		};
	if (!check_eq("map the ring", gnttab_op(GNTTABOP_map_grant_ref, ring_map, RING_PAGES), 0))
		return;
	for (unsigned int i = 0; i < RING_PAGES; i++)
		bad += ring_map[i].status != GNTST_okay;
	if (!check_eq("ring pages not mapped", bad, 0) || !consume_pass(c, 1, true))
		return;
	for (unsigned int i = 0; i < RING_PAGES; i++)
		ring_unmap[i] = (struct gnttab_unmap_grant_ref){
			.host_addr = ring_map[i].host_addr, .handle = ring_map[i].handle };
	check_eq("unmap the ring", gnttab_op(GNTTABOP_unmap_grant_ref, ring_unmap, RING_PAGES),
		 0);
	for (unsigned int i = 0; i < RING_PAGES; i++)
		bad += ring_unmap[i].status != GNTST_okay;
	check_eq("ring pages not unmapped", bad, 0);
}

void test_main(const struct hvm_start_info *si)
{
	uint32_t domid;

	(void)si;
	test_require_xen();
	domid = cpuid(xen_cpuid_base + 4).ecx;
	if (domid == PRODUCER)
		producer();
	else if (domid == CONSUMER)
		consumer();
	else
		test_error("domain %u has no role here", domid);
}
