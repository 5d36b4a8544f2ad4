/*
 * Host tests for arch/x86/ept.c. Table frames come from a counting fake of
 * domain_alloc_overhead_page() inside the fake physical memory; the MSRs
 * (EPT capabilities, MTRRs) and INVEPT are fakes. The tables are checked by
 * a walker written here from the SDM's entry format (29.3.2), not from
 * ept.h, so a wrong bit in either shows up.
 *
 * unit-test-sources: tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/ept.h"
#include "core/arch.h"
#include "core/domain.h"
#include "core/errno.h"
#include "core/mm.h"
#include "core/panic.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_BASE 0x10000000UL
#define ARENA_FRAMES 2048
#define PHYS_BITS 40

/* The SDM's encodings, written out independently of ept.h. */
#define E_R 0x1UL
#define E_W 0x2UL
#define E_X 0x4UL
#define E_TYPE(e) (((e) >> 3) & 7)
#define E_IPAT 0x40UL
#define E_PS 0x80UL
#define E_ADDR 0x000ffffffffff000UL
#define UC 0
#define WC 1
#define WT 4
#define WP 5
#define WB 6

#define CAP_XONLY (1UL << 0)
#define CAP_WALK4 (1UL << 6)
#define CAP_WB (1UL << 14)
#define CAP_2M (1UL << 16)
#define CAP_1G (1UL << 17)
#define CAP_INVEPT (1UL << 20)
#define CAP_SINGLE (1UL << 25)
#define CAP_ALL (1UL << 26)
#define CAPS_FULL (CAP_WALK4 | CAP_WB | CAP_2M | CAP_1G | CAP_INVEPT | CAP_SINGLE | CAP_ALL)

#define MTRR_E (1UL << 11)
#define MTRR_FE (1UL << 10)
#define MTRR_V (1UL << 11)

/* ---- Fakes: frames, MSRs, INVEPT, CPU ---- */

static uint8_t frame_used[ARENA_FRAMES];
static unsigned long frames_live, allocs, frees;
static long fail_after = -1; /* allocations left before -ENOMEM; -1: never */

int domain_alloc_overhead_page(struct domain *d, paddr_t *pa)
{
	if (fail_after == 0)
		return -ENOMEM;
	if (fail_after > 0)
		fail_after--;
	for (unsigned int i = 0; i < ARENA_FRAMES; i++) {
		if (frame_used[i])
			continue;
		frame_used[i] = 1;
		*pa = ARENA_BASE + (paddr_t)i * PAGE_SIZE;
		memset(phys_to_virt(*pa), 0xa5, PAGE_SIZE); /* the code must zero it */
		frames_live++;
		allocs++;
		d->frames_overhead++;
		return 0;
	}
	return -ENOMEM;
}

void domain_free_overhead_page(struct domain *d, paddr_t pa)
{
	unsigned long i = (pa - ARENA_BASE) / PAGE_SIZE;

	assert_true(pa >= ARENA_BASE && IS_ALIGNED(pa, PAGE_SIZE) && i < ARENA_FRAMES);
	assert_int_equal(frame_used[i], 1);
	frame_used[i] = 0;
	memset(phys_to_virt(pa), 0xcc, PAGE_SIZE); /* a use after free reads garbage */
	frames_live--;
	frees++;
	d->frames_overhead--;
}

struct fake_msr {
	uint32_t msr;
	uint64_t value;
};

static struct fake_msr msrs[64];
static unsigned int nr_msrs;

static void set_msr(uint32_t msr, uint64_t value)
{
	for (unsigned int i = 0; i < nr_msrs; i++) {
		if (msrs[i].msr == msr) {
			msrs[i].value = value;
			return;
		}
	}
	assert_true(nr_msrs < ARRAY_SIZE(msrs));
	msrs[nr_msrs++] = (struct fake_msr){ msr, value };
}

uint64_t ept_hw_rdmsr(uint32_t msr)
{
	for (unsigned int i = 0; i < nr_msrs; i++)
		if (msrs[i].msr == msr)
			return msrs[i].value;
	fail_msg("rdmsr(%#x) of an MSR the test did not set", msr);
	return 0;
}

unsigned int ept_hw_phys_addr_bits(void)
{
	return PHYS_BITS;
}

static bool in_vmx = true;
static unsigned int invepts, last_invept_type;
static uint64_t last_invept_eptp;

bool ept_hw_in_vmx_operation(void)
{
	return in_vmx;
}

void ept_hw_invept(unsigned int type, uint64_t eptp)
{
	invepts++;
	last_invept_type = type;
	last_invept_eptp = eptp;
}

static unsigned int cpu_id;

unsigned int arch_cpu_id(void)
{
	return cpu_id;
}

void arch_cpu_relax(void)
{
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fail_msg("panic: %s", buf);
	abort();
}

/* ---- Set-up ---- */

static struct domain dom;

/* Write-back everywhere, fixed ranges off, eight variable ranges all invalid. */
static void mtrr_plain(void)
{
	set_msr(0xfe, 8 | (1UL << 8) | (1UL << 10));
	set_msr(0x2ff, MTRR_E | WB);
	for (unsigned int i = 0; i < 8; i++) {
		set_msr(0x200 + 2 * i, 0);
		set_msr(0x201 + 2 * i, 0);
	}
	for (uint32_t m = 0x250; m <= 0x26f; m++)
		set_msr(m, 0x0606060606060606UL);
}

/* Variable range n: [base, base + size), size a power of two, as firmware sets it. */
static void mtrr_var(unsigned int n, uint64_t base, uint64_t size, unsigned int type)
{
	uint64_t mask = ~(size - 1) & ((1UL << PHYS_BITS) - 1) & ~0xfffUL;

	set_msr(0x200 + 2 * n, base | type);
	set_msr(0x201 + 2 * n, mask | MTRR_V);
}

static void set_caps(uint64_t caps)
{
	set_msr(0x48c, caps);
	ept_host_init();
}

static int setup(void **state)
{
	fake_physmem_init(ARENA_BASE, ARENA_FRAMES * PAGE_SIZE);
	fake_console_reset();
	memset(frame_used, 0, sizeof(frame_used));
	frames_live = allocs = frees = 0;
	fail_after = -1;
	invepts = 0;
	in_vmx = true;
	cpu_id = 0;
	nr_msrs = 0;
	mtrr_plain();
	set_caps(CAPS_FULL);
	memset(&dom, 0, sizeof(dom));
	dom.id = 3;
	strcpy(dom.name, "test");
	assert_int_equal(arch_domain_init(&dom), 0);
	return 0;
}

static int teardown(void **state)
{
	if (dom.arch.ept_root)
		arch_domain_destroy(&dom);
	assert_int_equal(frames_live, 0);
	fake_physmem_free();
	return 0;
}

/* ---- An independent walker ---- */

struct leaf {
	uint64_t entry;
	unsigned int level; /* 1: 4 KiB, 2: 2 MiB, 3: 1 GiB; 0: not mapped */
	paddr_t hpa;        /* of gpa itself */
};

static uint64_t *table_at(uint64_t entry)
{
	return phys_to_virt(entry & E_ADDR);
}

/* What the CPU would do for gpa, checking every reserved bit on the way. */
static struct leaf hw_walk(uint64_t gpa)
{
	uint64_t *table = table_at(dom.arch.eptp);
	struct leaf l = { 0 };

	for (unsigned int level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e = table[(gpa >> shift) & 511];

		if (!(e & 7))
			return l;
		if (level == 1 || (e & E_PS)) {
			assert_true(level <= 3);
			/* Bit 7 of a PTE is ignored: keep it 0. */
			assert_true(level > 1 || !(e & E_PS));
			/* Write without read is a misconfiguration; types 2, 3, 7 are reserved. */
			assert_true((e & (E_R | E_W)) != E_W);
			assert_true(E_TYPE(e) == UC || E_TYPE(e) == WC || E_TYPE(e) == WT ||
				    E_TYPE(e) == WP || E_TYPE(e) == WB);
			assert_true(e & E_IPAT);
			assert_int_equal(e & E_ADDR & ((1UL << shift) - 1), 0);
			assert_int_equal(e & ~E_ADDR & ~0x7ffUL & ~(1UL << 63), 0);
			l.entry = e;
			l.level = level;
			l.hpa = (e & E_ADDR) + (gpa & ((1UL << shift) - 1));
			return l;
		}
		assert_int_equal(e & 0xff, 7); /* non-leaf: RWX, bits 7:3 reserved */
		assert_int_equal(e & ~E_ADDR & ~0xfffUL, 0);
		table = table_at(e);
	}
	return l;
}

/* Table frames reachable from the root, the root included. */
static unsigned long count_tables(uint64_t *table, unsigned int level)
{
	unsigned long n = 1;

	for (unsigned int i = 0; level > 1 && i < 512; i++)
		if ((table[i] & 7) && !(table[i] & E_PS))
			n += count_tables(table_at(table[i]), level - 1);
	return n;
}

static void check_accounting(void)
{
	unsigned long reachable = count_tables(table_at(dom.arch.eptp), 4);

	assert_int_equal(reachable, frames_live);
	assert_int_equal(dom.arch.ept_tables, frames_live);
}

static void expect_leaf(uint64_t gpa, paddr_t hpa, unsigned int level, unsigned int perms,
			unsigned int type)
{
	struct leaf l = hw_walk(gpa);
	paddr_t t_hpa = 0;
	unsigned int t_perms = 0;

	assert_int_equal(l.level, level);
	assert_int_equal(l.hpa, hpa);
	assert_int_equal(l.entry & 7, perms);
	assert_int_equal(E_TYPE(l.entry), type);
	assert_int_equal(ept_translate(&dom, gpa, &t_hpa, &t_perms), 0);
	assert_int_equal(t_hpa, hpa);
	assert_int_equal(t_perms, perms); /* ARCH_MAP_R/W/X are bits 0/1/2 like EPT's */
}

static void expect_unmapped(uint64_t gpa)
{
	paddr_t hpa;
	unsigned int perms;

	assert_int_equal(hw_walk(gpa).level, 0);
	assert_int_equal(ept_translate(&dom, gpa, &hpa, &perms), -ENOENT);
}

/* ---- Tests ---- */

static void test_init_sets_eptp(void **state)
{
	uint64_t *root = table_at(dom.arch.eptp);

	assert_int_equal(frames_live, 1);
	assert_int_equal(dom.arch.ept_tables, 1);
	assert_int_equal(dom.arch.eptp & E_ADDR, dom.arch.ept_root);
	/* SDM 25.6.11: bits 2:0 type WB, bits 5:3 walk length 3, no A/D flag (bit 6). */
	assert_int_equal(dom.arch.eptp & 0xfff, 6 | (3 << 3));
	for (unsigned int i = 0; i < 512; i++)
		assert_int_equal(root[i], 0);
	expect_unmapped(0);
}

static void test_map_4k(void **state)
{
	assert_int_equal(arch_domain_map(&dom, 0x5000, 0x123000, PAGE_SIZE,
					 ARCH_MAP_R | ARCH_MAP_W),
			 0);
	expect_leaf(0x5000, 0x123000, 1, E_R | E_W, WB);
	expect_leaf(0x5abc, 0x123abc, 1, E_R | E_W, WB);
	expect_unmapped(0x4000);
	expect_unmapped(0x6000);
	assert_int_equal(frames_live, 4); /* PML4, PDPT, PD, PT */
	assert_int_equal(invepts, 0);     /* nothing was mapped before */
	check_accounting();
}

static void test_map_picks_largest_pages(void **state)
{
	/* [1 GiB - 4 KiB, 2 GiB + 2 MiB + 4 KiB): a 4K page, a 1G page, a 2M page, a 4K page. */
	uint64_t gpa = GiB - PAGE_SIZE, hpa = 7 * GiB - PAGE_SIZE;
	uint64_t size = PAGE_SIZE + GiB + 2 * MiB + PAGE_SIZE;

	assert_int_equal(arch_domain_map(&dom, gpa, hpa, size, ARCH_MAP_RWX), 0);
	expect_leaf(gpa, hpa, 1, 7, WB);
	expect_leaf(GiB, 7 * GiB, 3, 7, WB);
	expect_leaf(GiB + 0x12345678, 7 * GiB + 0x12345678, 3, 7, WB);
	expect_leaf(2 * GiB, 8 * GiB, 2, 7, WB);
	expect_leaf(2 * GiB + 2 * MiB, 8 * GiB + 2 * MiB, 1, 7, WB);
	expect_unmapped(gpa - PAGE_SIZE);
	expect_unmapped(gpa + size);
	check_accounting();
}

static void test_map_without_1g_pages(void **state)
{
	set_caps(CAPS_FULL & ~CAP_1G);
	assert_int_equal(arch_domain_map(&dom, GiB, 3 * GiB, GiB, ARCH_MAP_RWX), 0);
	for (uint64_t off = 0; off < GiB; off += 2 * MiB)
		expect_leaf(GiB + off, 3 * GiB + off, 2, 7, WB);
	check_accounting();
}

static void test_map_without_large_pages(void **state)
{
	set_caps(CAPS_FULL & ~(CAP_1G | CAP_2M));
	assert_int_equal(arch_domain_map(&dom, 0, 2 * GiB, 4 * MiB, ARCH_MAP_RWX), 0);
	for (uint64_t off = 0; off < 4 * MiB; off += PAGE_SIZE)
		expect_leaf(off, 2 * GiB + off, 1, 7, WB);
	assert_int_equal(frames_live, 1 + 1 + 1 + 2);
	check_accounting();
}

static void test_misaligned_hpa_uses_small_pages(void **state)
{
	/* gpa is 2 MiB aligned, hpa only 4 KiB: no large leaf can map it. */
	assert_int_equal(arch_domain_map(&dom, 2 * MiB, GiB + PAGE_SIZE, 2 * MiB, ARCH_MAP_RWX), 0);
	for (uint64_t off = 0; off < 2 * MiB; off += PAGE_SIZE)
		expect_leaf(2 * MiB + off, GiB + PAGE_SIZE + off, 1, 7, WB);
	check_accounting();
}

static void test_split_1g_page(void **state)
{
	uint64_t hit = GiB + 5 * MiB + 3 * PAGE_SIZE;

	assert_int_equal(arch_domain_map(&dom, GiB, 4 * GiB, GiB, ARCH_MAP_RWX), 0);
	expect_leaf(hit, 4 * GiB + (hit - GiB), 3, 7, WB);
	assert_int_equal(frames_live, 2);
	invepts = 0;

	assert_int_equal(arch_domain_map(&dom, hit, 0x777000, PAGE_SIZE, ARCH_MAP_R), 0);
	expect_leaf(hit, 0x777000, 1, E_R, WB);
	/* The rest keeps its old translation, in the largest pieces the split allows. */
	expect_leaf(hit - PAGE_SIZE, 4 * GiB + (hit - GiB) - PAGE_SIZE, 1, 7, WB);
	expect_leaf(hit + PAGE_SIZE, 4 * GiB + (hit - GiB) + PAGE_SIZE, 1, 7, WB);
	expect_leaf(GiB, 4 * GiB, 2, 7, WB);
	expect_leaf(GiB + 6 * MiB, 4 * GiB + 6 * MiB, 2, 7, WB);
	expect_leaf(2 * GiB - 1, 5 * GiB - 1, 2, 7, WB);
	assert_int_equal(frames_live, 4); /* + PD from the 1G split, + PT from the 2M split */
	check_accounting();
	/* A present translation changed: single-context INVEPT of this EPTP. */
	assert_true(invepts >= 1);
	assert_int_equal(last_invept_type, 1);
	assert_int_equal(last_invept_eptp, dom.arch.eptp);
}

/* Splitting changes page sizes: flushed even when every translation stays the same. */
static void test_identical_split_is_flushed(void **state)
{
	assert_int_equal(arch_domain_map(&dom, 0, 0x40000000, 2 * MiB, ARCH_MAP_RWX), 0);
	invepts = 0;
	assert_int_equal(arch_domain_map(&dom, 0x3000, 0x40003000, PAGE_SIZE, ARCH_MAP_RWX), 0);
	expect_leaf(0x3000, 0x40003000, 1, 7, WB);
	expect_leaf(0x1ff000, 0x401ff000, 1, 7, WB);
	assert_int_equal(invepts, 1);
	check_accounting();
}

static void test_large_leaf_replaces_table(void **state)
{
	assert_int_equal(arch_domain_map(&dom, 4 * MiB, 0x100000, 16 * PAGE_SIZE, ARCH_MAP_RWX),
			 0);
	assert_int_equal(frames_live, 4);
	invepts = 0;
	assert_int_equal(arch_domain_map(&dom, 4 * MiB, 6 * MiB, 2 * MiB, ARCH_MAP_R | ARCH_MAP_X),
			 0);
	expect_leaf(4 * MiB, 6 * MiB, 2, E_R | E_X, WB);
	expect_leaf(4 * MiB + 0x3000, 6 * MiB + 0x3000, 2, E_R | E_X, WB);
	assert_int_equal(frames_live, 3); /* the page table went back */
	assert_int_equal(invepts, 1);
	check_accounting();
}

static void test_identical_remap_needs_no_flush(void **state)
{
	uint64_t gen;

	assert_int_equal(arch_domain_map(&dom, 0, 0x40000000, 8 * MiB, ARCH_MAP_RWX), 0);
	invepts = 0;
	gen = ept_generation(&dom);

	assert_int_equal(arch_domain_map(&dom, 2 * MiB, 0x40200000, 2 * MiB, ARCH_MAP_RWX), 0);
	assert_int_equal(invepts, 0);
	assert_int_equal(ept_generation(&dom), gen);
	assert_int_equal(arch_domain_map(&dom, 2 * MiB, 0x40200000, 2 * MiB, ARCH_MAP_R), 0);
	assert_int_equal(invepts, 1);
	assert_true(ept_generation(&dom) != gen);
}

static void test_unmap(void **state)
{
	assert_int_equal(arch_domain_map(&dom, 0, GiB, GiB, ARCH_MAP_RWX), 0);
	invepts = 0;

	/* A page out of the middle of a 1 GiB leaf. */
	assert_int_equal(arch_domain_unmap(&dom, 3 * MiB, PAGE_SIZE), 0);
	expect_unmapped(3 * MiB);
	expect_leaf(3 * MiB - PAGE_SIZE, GiB + 3 * MiB - PAGE_SIZE, 1, 7, WB);
	expect_leaf(3 * MiB + PAGE_SIZE, GiB + 3 * MiB + PAGE_SIZE, 1, 7, WB);
	expect_leaf(0, GiB, 2, 7, WB);
	assert_int_equal(invepts, 1);
	check_accounting();

	/* Whole 2 MiB leaves and the rest of the split one. */
	assert_int_equal(arch_domain_unmap(&dom, 0, 8 * MiB), 0);
	expect_unmapped(0);
	expect_unmapped(7 * MiB);
	expect_leaf(8 * MiB, GiB + 8 * MiB, 2, 7, WB);
	assert_int_equal(frames_live, 3); /* the emptied page table was freed */
	check_accounting();

	/* Everything: every table below the root goes back. */
	assert_int_equal(arch_domain_unmap(&dom, 0, 512 * GiB), 0);
	expect_unmapped(8 * MiB);
	assert_int_equal(frames_live, 1);
	check_accounting();
}

static void test_unmap_of_nothing(void **state)
{
	assert_int_equal(arch_domain_map(&dom, 0, GiB, PAGE_SIZE, ARCH_MAP_RWX), 0);
	unsigned long before = allocs;

	invepts = 0;
	assert_int_equal(arch_domain_unmap(&dom, 4 * GiB, 8 * GiB), 0);
	assert_int_equal(arch_domain_unmap(&dom, PAGE_SIZE, 2 * MiB - PAGE_SIZE), 0);
	/* Parts of entries that were never mapped need no table to unmap. */
	assert_int_equal(arch_domain_unmap(&dom, 600 * GiB + PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(arch_domain_unmap(&dom, 2 * MiB + PAGE_SIZE, 3 * PAGE_SIZE), 0);
	assert_int_equal(allocs, before);
	assert_int_equal(invepts, 0);
	expect_leaf(0, GiB, 1, 7, WB);
	check_accounting();
}

static void test_permissions(void **state)
{
	assert_int_equal(arch_domain_map(&dom, 0x1000, 0x1000, PAGE_SIZE, ARCH_MAP_R), 0);
	assert_int_equal(arch_domain_map(&dom, 0x2000, 0x2000, PAGE_SIZE, ARCH_MAP_R | ARCH_MAP_X),
			 0);
	assert_int_equal(arch_domain_map(&dom, 0x3000, 0x3000, PAGE_SIZE, ARCH_MAP_R | ARCH_MAP_W),
			 0);
	expect_leaf(0x1000, 0x1000, 1, E_R, WB);
	expect_leaf(0x2000, 0x2000, 1, E_R | E_X, WB);
	expect_leaf(0x3000, 0x3000, 1, E_R | E_W, WB);

	/* Write without read and no permission at all are misconfigurations. */
	assert_int_equal(arch_domain_map(&dom, 0x4000, 0x4000, PAGE_SIZE, ARCH_MAP_W), -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0x4000, 0x4000, PAGE_SIZE, ARCH_MAP_W | ARCH_MAP_X),
			 -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0x4000, 0x4000, PAGE_SIZE, 0), -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0x4000, 0x4000, PAGE_SIZE, 8 | ARCH_MAP_R), -EINVAL);
	/* Execute-only only where the CPU supports it. */
	assert_int_equal(arch_domain_map(&dom, 0x4000, 0x4000, PAGE_SIZE, ARCH_MAP_X), -EINVAL);
	expect_unmapped(0x4000);
	set_caps(CAPS_FULL | CAP_XONLY);
	assert_int_equal(arch_domain_map(&dom, 0x4000, 0x4000, PAGE_SIZE, ARCH_MAP_X), 0);
	expect_leaf(0x4000, 0x4000, 1, E_X, WB);
}

static void test_invalid_arguments_change_nothing(void **state)
{
	const uint64_t top = 1UL << 48;
	unsigned long before;
	struct domain blank = { 0 };

	assert_int_equal(arch_domain_map(&dom, 0, GiB, 4 * MiB, ARCH_MAP_RWX), 0);
	before = allocs;
	invepts = 0;

	assert_int_equal(arch_domain_map(&dom, 0x800, GiB, PAGE_SIZE, ARCH_MAP_R), -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0, GiB + 0x800, PAGE_SIZE, ARCH_MAP_R), -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0, GiB, 0x800, ARCH_MAP_R), -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0, GiB, 0, ARCH_MAP_R), -EINVAL);
	assert_int_equal(arch_domain_map(&dom, top, GiB, PAGE_SIZE, ARCH_MAP_R), -EINVAL);
	assert_int_equal(arch_domain_map(&dom, top - PAGE_SIZE, GiB, 2 * PAGE_SIZE, ARCH_MAP_R),
			 -EINVAL);
	assert_int_equal(arch_domain_map(&dom, PAGE_SIZE, GiB, ~0UL & ~0xfffUL, ARCH_MAP_R),
			 -EINVAL);
	/* hpa beyond MAXPHYADDR (40 bits here), or running past it. */
	assert_int_equal(arch_domain_map(&dom, 0, 1UL << PHYS_BITS, PAGE_SIZE, ARCH_MAP_R),
			 -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0, (1UL << PHYS_BITS) - PAGE_SIZE, 2 * PAGE_SIZE,
					 ARCH_MAP_R),
			 -EINVAL);
	assert_int_equal(arch_domain_map(&dom, 0, ~0UL & ~0xfffUL, 2 * PAGE_SIZE, ARCH_MAP_R),
			 -EINVAL);
	assert_int_equal(arch_domain_unmap(&dom, 0x800, PAGE_SIZE), -EINVAL);
	assert_int_equal(arch_domain_unmap(&dom, 0, 0x1800), -EINVAL);
	assert_int_equal(arch_domain_unmap(&dom, 0, 0), -EINVAL);
	assert_int_equal(arch_domain_unmap(&dom, top - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	/* A domain without an EPT. */
	assert_int_equal(arch_domain_map(&blank, 0, GiB, PAGE_SIZE, ARCH_MAP_R), -EINVAL);
	assert_int_equal(arch_domain_unmap(&blank, 0, PAGE_SIZE), -EINVAL);
	assert_int_equal(ept_translate(&blank, 0, NULL, NULL), -EINVAL);
	assert_int_equal(ept_translate(&dom, top, NULL, NULL), -EINVAL);

	assert_int_equal(allocs, before);
	assert_int_equal(invepts, 0);
	expect_leaf(0, GiB, 2, 7, WB);
	expect_leaf(2 * MiB, GiB + 2 * MiB, 2, 7, WB);
	expect_unmapped(4 * MiB);
	check_accounting();
}

/* Highest and lowest valid addresses of the 48-bit guest-physical space. */
static void test_address_space_edges(void **state)
{
	const uint64_t top = 1UL << 48;

	assert_int_equal(arch_domain_map(&dom, top - 2 * MiB - PAGE_SIZE, 0x200000,
					 2 * MiB + PAGE_SIZE, ARCH_MAP_RWX),
			 0);
	/* gpa and hpa disagree modulo 2 MiB: every page is a 4 KiB leaf. */
	expect_leaf(top - PAGE_SIZE, 0x400000, 1, 7, WB);
	expect_leaf(top - 2 * MiB - PAGE_SIZE, 0x200000, 1, 7, WB);
	assert_int_equal(arch_domain_unmap(&dom, top - 2 * MiB - PAGE_SIZE, 2 * MiB + PAGE_SIZE),
			 0);
	expect_unmapped(top - PAGE_SIZE);
	assert_int_equal(frames_live, 1);
	check_accounting();
}

/* Every allocation of a multi-table change fails in turn: nothing may change. */
static void test_enomem_changes_nothing(void **state)
{
	static const uint64_t probes[] = { 0,
					   2 * MiB,
					   GiB,
					   GiB + 3 * MiB,
					   GiB + 3 * MiB + PAGE_SIZE,
					   2 * GiB - PAGE_SIZE,
					   600 * GiB };
	struct leaf before[ARRAY_SIZE(probes)];
	unsigned long needed, live;

	assert_int_equal(arch_domain_map(&dom, 0, 8 * GiB, 4 * MiB, ARCH_MAP_RWX), 0);
	assert_int_equal(arch_domain_map(&dom, GiB, 4 * GiB, GiB, ARCH_MAP_RWX), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(probes); i++)
		before[i] = hw_walk(probes[i]);
	live = frames_live;

	/* Remapping a page inside the 1G leaf splits it and one of its 2M pieces. */
	for (long k = 0;; k++) {
		unsigned long a0 = allocs;
		int rc;

		fail_after = k;
		invepts = 0;
		rc = arch_domain_map(&dom, GiB + 3 * MiB, 0x555000, PAGE_SIZE, ARCH_MAP_R);
		if (rc == 0) {
			needed = allocs - a0;
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(frames_live, live);
		assert_int_equal(invepts, 0);
		for (unsigned int i = 0; i < ARRAY_SIZE(probes); i++) {
			struct leaf now = hw_walk(probes[i]);

			assert_int_equal(now.entry, before[i].entry);
			assert_int_equal(now.level, before[i].level);
		}
		check_accounting();
		assert_true(k < 10);
	}
	assert_int_equal(needed, 2);
	expect_leaf(GiB + 3 * MiB, 0x555000, 1, E_R, WB);

	/* A fresh PDPT, PD and PT past the first 512 GiB. */
	for (long k = 0;; k++) {
		int rc;

		fail_after = k;
		rc = arch_domain_map(&dom, 600 * GiB, 0x666000, PAGE_SIZE, ARCH_MAP_RWX);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		expect_unmapped(600 * GiB);
		check_accounting();
		assert_true(k < 10);
	}
	expect_leaf(600 * GiB, 0x666000, 1, 7, WB);

	/* Unmapping part of a large leaf needs a frame too. */
	live = frames_live;
	fail_after = 0;
	assert_int_equal(arch_domain_unmap(&dom, 2 * MiB, PAGE_SIZE), -ENOMEM);
	assert_int_equal(frames_live, live);
	expect_leaf(2 * MiB, 8 * GiB + 2 * MiB, 2, 7, WB);
	fail_after = -1;
	check_accounting();
}

static void test_destroy_frees_every_table(void **state)
{
	assert_int_equal(arch_domain_map(&dom, 0, 0, 4 * MiB + PAGE_SIZE, ARCH_MAP_RWX), 0);
	assert_int_equal(arch_domain_map(&dom, GiB, 4 * GiB, 3 * GiB, ARCH_MAP_RWX), 0);
	assert_int_equal(arch_domain_map(&dom, 100 * GiB + PAGE_SIZE, 0x9000, 8 * PAGE_SIZE,
					 ARCH_MAP_R),
			 0);
	assert_int_equal(arch_domain_map(&dom, 513 * GiB, 0x9000, PAGE_SIZE, ARCH_MAP_R), 0);
	assert_int_equal(arch_domain_unmap(&dom, 2 * GiB + MiB, PAGE_SIZE), 0);
	check_accounting();
	assert_true(frames_live > 8);

	uint64_t eptp = dom.arch.eptp;

	invepts = 0;
	arch_domain_destroy(&dom);
	assert_int_equal(frames_live, 0);
	assert_int_equal(allocs, frees);
	assert_int_equal(dom.arch.ept_tables, 0);
	assert_int_equal(dom.arch.ept_root, 0);
	assert_int_equal(dom.arch.eptp, 0);
	assert_int_equal(dom.frames_overhead, 0);
	assert_int_equal(invepts, 1);
	assert_int_equal(last_invept_eptp, eptp);
	/* Destroying twice is harmless. */
	arch_domain_destroy(&dom);
	assert_int_equal(frees, allocs);
}

/* ---- Memory types from the MTRRs ---- */

static void test_uc_range_splits_large_pages(void **state)
{
	/* 64 KiB of UC device memory inside the first 2 MiB of a write-back GiB. */
	mtrr_var(0, 0x40110000, 0x10000, UC);
	ept_host_init();

	assert_int_equal(arch_domain_map(&dom, 0, 0x40000000, GiB, ARCH_MAP_RWX), 0);
	expect_leaf(0, 0x40000000, 1, 7, WB);
	expect_leaf(0x10f000, 0x4010f000, 1, 7, WB);
	expect_leaf(0x110000, 0x40110000, 1, 7, UC);
	expect_leaf(0x11f000, 0x4011f000, 1, 7, UC);
	expect_leaf(0x120000, 0x40120000, 1, 7, WB);
	expect_leaf(2 * MiB, 0x40200000, 2, 7, WB);
	expect_leaf(GiB - 1, 0x7fffffff, 2, 7, WB);
	assert_int_equal(frames_live, 4); /* no 1G leaf possible: PDPT, PD, one PT */
	check_accounting();
}

static void test_memtype_of_whole_ranges(void **state)
{
	/* A 256 MiB UC hole as firmware puts below 4 GiB: 2M and 1G leaves of that type. */
	mtrr_var(1, 0xf0000000, 0x10000000, UC);
	ept_host_init();
	assert_int_equal(arch_domain_map(&dom, 3 * GiB, 3 * GiB, GiB, ARCH_MAP_R | ARCH_MAP_W), 0);
	expect_leaf(3 * GiB, 3 * GiB, 2, E_R | E_W, WB);
	expect_leaf(0xefe00000, 0xefe00000, 2, E_R | E_W, WB);
	expect_leaf(0xf0000000, 0xf0000000, 2, E_R | E_W, UC);
	expect_leaf(0xfee00000, 0xfee00000, 2, E_R | E_W, UC);

	mtrr_var(1, 0xc0000000, GiB, UC);
	ept_host_init();
	assert_int_equal(arch_domain_map(&dom, 3 * GiB, 3 * GiB, GiB, ARCH_MAP_R | ARCH_MAP_W), 0);
	expect_leaf(3 * GiB, 3 * GiB, 3, E_R | E_W, UC);
	check_accounting();
}

static void test_mtrr_precedence(void **state)
{
	uint8_t t;

	/* No match: the default type. */
	set_msr(0x2ff, MTRR_E | WT);
	ept_host_init();
	assert_true(ept_host_memtype(0x200000, 2 * MiB, &t));
	assert_int_equal(t, WT);

	/* Overlaps (SDM 12.11.4.1): UC wins, WT beats WB, anything else is undefined: UC. */
	set_msr(0x2ff, MTRR_E | WB);
	mtrr_var(0, 0x1000000, 0x1000000, WB);
	mtrr_var(1, 0x1000000, 0x400000, WT);
	mtrr_var(2, 0x1400000, 0x400000, UC);
	mtrr_var(3, 0x1800000, 0x400000, WC);
	mtrr_var(4, 0x1c00000, 0x400000, WB);
	ept_host_init();
	assert_true(ept_host_memtype(0x1000000, 4 * MiB, &t));
	assert_int_equal(t, WT);
	assert_true(ept_host_memtype(0x1400000, 4 * MiB, &t));
	assert_int_equal(t, UC);
	assert_true(ept_host_memtype(0x1800000, 4 * MiB, &t));
	assert_int_equal(t, UC);
	assert_true(ept_host_memtype(0x1c00000, 4 * MiB, &t));
	assert_int_equal(t, WB);
	assert_false(ept_host_memtype(0x1000000, 16 * MiB, &t));
	assert_false(ept_host_memtype(0, 32 * MiB, &t));
	assert_true(ept_host_memtype(0x2000000, 16 * MiB, &t));
	assert_int_equal(t, WB);

	/* A range without its valid bit counts for nothing. */
	set_msr(0x201 + 2 * 2, 0);
	ept_host_init();
	assert_true(ept_host_memtype(0x1400000, 4 * MiB, &t));
	assert_int_equal(t, WB);

	/* MTRRs disabled: everything is UC. */
	set_msr(0x2ff, WB);
	ept_host_init();
	assert_true(ept_host_memtype(0x1000000, GiB, &t));
	assert_int_equal(t, UC);
}

static void test_fixed_range_mtrrs(void **state)
{
	uint8_t t;

	/* Legacy layout: RAM below 640 KiB WB, VGA UC, option ROMs WP, BIOS WP; fixed on. */
	set_msr(0x2ff, MTRR_E | MTRR_FE | WB);
	set_msr(0x258, 0x0606060606060606UL);
	set_msr(0x259, 0x0000000000000000UL);
	for (uint32_t m = 0x268; m <= 0x26f; m++)
		set_msr(m, 0x0505050505050505UL);
	set_msr(0x26f, 0x0505050505050504UL); /* 0xf8000 is WT, just to differ */
	ept_host_init();

	assert_true(ept_host_memtype(0x9f000, PAGE_SIZE, &t));
	assert_int_equal(t, WB);
	assert_true(ept_host_memtype(0xa0000, PAGE_SIZE, &t));
	assert_int_equal(t, UC);
	assert_true(ept_host_memtype(0xf8000, PAGE_SIZE, &t));
	assert_int_equal(t, WT);
	assert_true(ept_host_memtype(0xf9000, PAGE_SIZE, &t));
	assert_int_equal(t, WP);
	assert_true(ept_host_memtype(0x80000, 128 * KiB, &t));
	assert_int_equal(t, WB);
	assert_false(ept_host_memtype(0x80000, 256 * KiB, &t));
	assert_false(ept_host_memtype(0, 2 * MiB, &t));

	assert_int_equal(arch_domain_map(&dom, 0, 0, 4 * MiB, ARCH_MAP_RWX), 0);
	expect_leaf(0x9f000, 0x9f000, 1, 7, WB);
	expect_leaf(0xa0000, 0xa0000, 1, 7, UC);
	expect_leaf(0xbf000, 0xbf000, 1, 7, UC);
	expect_leaf(0xc0000, 0xc0000, 1, 7, WP);
	expect_leaf(0xf8000, 0xf8000, 1, 7, WT);
	expect_leaf(0x100000, 0x100000, 1, 7, WB);
	expect_leaf(2 * MiB, 2 * MiB, 2, 7, WB);

	/* Fixed ranges enabled in DEF_TYPE but absent in MTRRCAP: ignored. */
	set_msr(0xfe, 8);
	ept_host_init();
	assert_true(ept_host_memtype(0, 2 * MiB, &t));
	assert_int_equal(t, WB);

	/* All fixed ranges WB and the variable type WB: the first 2 MiB is one type. */
	set_msr(0xfe, 8 | (1UL << 8));
	for (uint32_t m = 0x250; m <= 0x26f; m++)
		set_msr(m, 0x0606060606060606UL);
	ept_host_init();
	assert_true(ept_host_memtype(0, 2 * MiB, &t));
	assert_int_equal(t, WB);
	mtrr_var(0, 0, 0x200000, WT);
	ept_host_init();
	assert_false(ept_host_memtype(0, 2 * MiB, &t));
}

/* ---- Invalidation ---- */

static void test_sync_cpu(void **state)
{
	/* After the domain's creation every CPU flushes once, then not again. */
	cpu_id = 1;
	invepts = 0;
	ept_sync_cpu(&dom);
	assert_int_equal(invepts, 1);
	assert_int_equal(last_invept_type, 2);
	ept_sync_cpu(&dom);
	assert_int_equal(invepts, 1);

	/* Mapping into empty entries invalidates nothing cached. */
	assert_int_equal(arch_domain_map(&dom, 0, GiB, 2 * MiB, ARCH_MAP_RWX), 0);
	ept_sync_cpu(&dom);
	assert_int_equal(invepts, 1);

	/* A removed translation: local INVEPT now, the other CPU at its next entry. */
	assert_int_equal(arch_domain_unmap(&dom, 0, PAGE_SIZE), 0);
	assert_int_equal(invepts, 2);
	ept_sync_cpu(&dom);
	assert_int_equal(invepts, 3);
	assert_int_equal(last_invept_type, 2);
	cpu_id = 2;
	ept_sync_cpu(&dom);
	assert_int_equal(invepts, 4);
	ept_sync_cpu(&dom);
	assert_int_equal(invepts, 4);

	/* Without all-context INVEPT every entry flushes the EPTP entered. */
	set_caps(CAPS_FULL & ~CAP_ALL);
	ept_sync_cpu(&dom);
	ept_sync_cpu(&dom);
	assert_int_equal(invepts, 6);
	assert_int_equal(last_invept_type, 1);
	assert_int_equal(last_invept_eptp, dom.arch.eptp);

	/* Outside VMX operation INVEPT would fault: only the generation moves. */
	in_vmx = false;
	uint64_t gen = ept_generation(&dom);

	assert_int_equal(arch_domain_unmap(&dom, PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(invepts, 6);
	assert_true(ept_generation(&dom) != gen);
}

static void test_new_domain_moves_generation(void **state)
{
	struct domain other = { .id = 4 };
	uint64_t gen = ept_generation(&dom);

	assert_int_equal(arch_domain_init(&other), 0);
	assert_true(ept_generation(&other) != gen);
	arch_domain_destroy(&other);
}

/* ---- Dump ---- */

static void test_dump(void **state)
{
	const char *out;

	ept_dump(&dom);
	assert_non_null(strstr(fake_console_output(), "(no mappings)"));
	fake_console_reset();

	assert_int_equal(arch_domain_map(&dom, 0, 0x40000000, 4 * MiB + PAGE_SIZE, ARCH_MAP_RWX),
			 0);
	assert_int_equal(arch_domain_map(&dom, 4 * MiB + PAGE_SIZE, 0x9000, PAGE_SIZE, ARCH_MAP_R),
			 0);
	assert_int_equal(arch_domain_map(&dom, 4 * MiB + 2 * PAGE_SIZE, 0x5000, PAGE_SIZE,
					 ARCH_MAP_R),
			 0);
	assert_int_equal(arch_domain_map(&dom, GiB, 2 * GiB, GiB, ARCH_MAP_RWX), 0);
	ept_dump(&dom);
	out = fake_console_output();
	assert_non_null(strstr(out, "EPT of domain 3 (test)"));
	assert_non_null(strstr(out, "gpa [0, 0x401000) -> hpa 0x40000000 rwx WB "
				    "(0 x 1G, 2 x 2M, 1 x 4K)\n"));
	assert_non_null(strstr(out, "gpa [0x401000, 0x402000) -> hpa 0x9000 r-- WB "
				    "(0 x 1G, 0 x 2M, 1 x 4K)\n"));
	assert_non_null(strstr(out, "gpa [0x402000, 0x403000) -> hpa 0x5000 r-- WB "
				    "(0 x 1G, 0 x 2M, 1 x 4K)\n"));
	assert_non_null(strstr(out, "gpa [0x40000000, 0x80000000) -> hpa 0x80000000 rwx WB "
				    "(1 x 1G, 0 x 2M, 0 x 4K)\n"));
	assert_null(strstr(out, "no mappings"));
}

/* ---- Against a model ---- */

#define MODEL_PAGES (8 * MiB / PAGE_SIZE) /* 8 MiB across a 1 GiB line: four 2M slots */
#define MODEL_BASE (GiB - 4 * MiB)

struct model_page {
	paddr_t hpa; /* 0: unmapped */
	unsigned int perms;
};

static struct model_page model[MODEL_PAGES];

static uint64_t rnd_state = 88172645463325252UL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random maps and unmaps, some failing for lack of memory, checked page by page. */
static void test_random_against_model(void **state)
{
	static const unsigned int perm_choices[] = { ARCH_MAP_R, ARCH_MAP_R | ARCH_MAP_W,
						     ARCH_MAP_R | ARCH_MAP_X, ARCH_MAP_RWX };
	unsigned long large_leaves = 0, small_leaves = 0, failures = 0;

	memset(model, 0, sizeof(model));
	for (unsigned int round = 0; round < 400; round++) {
		/* Sizes and offsets biased to 2 MiB multiples so large pages come and go. */
		uint64_t first = rnd() % MODEL_PAGES;
		uint64_t count = 1 + rnd() % (MODEL_PAGES - first);
		uint64_t hpa_base;
		unsigned int perms = perm_choices[rnd() % 4];
		bool unmap = rnd() % 3 == 0;
		int rc;

		if (rnd() % 2) {
			first &= ~511UL;
			count = (count + 511) & ~511UL;
			if (first + count > MODEL_PAGES)
				count = MODEL_PAGES - first;
		}
		hpa_base = (1 + rnd() % 64) * 2 * MiB + (rnd() % 4 == 0 ? PAGE_SIZE : 0);
		fail_after = rnd() % 5 == 0 ? (long)(rnd() % 3) : -1;

		if (unmap)
			rc = arch_domain_unmap(&dom, MODEL_BASE + first * PAGE_SIZE,
					       count * PAGE_SIZE);
		else
			rc = arch_domain_map(&dom, MODEL_BASE + first * PAGE_SIZE, hpa_base,
					     count * PAGE_SIZE, perms);
		fail_after = -1;
		if (rc) {
			assert_int_equal(rc, -ENOMEM);
			failures++;
		} else {
			for (uint64_t i = 0; i < count; i++) {
				model[first + i].hpa = unmap ? 0 : hpa_base + i * PAGE_SIZE;
				model[first + i].perms = unmap ? 0 : perms;
			}
		}

		for (uint64_t i = 0; i < MODEL_PAGES; i++) {
			uint64_t gpa = MODEL_BASE + i * PAGE_SIZE;
			struct leaf l = hw_walk(gpa);

			if (!model[i].hpa) {
				assert_int_equal(l.level, 0);
				continue;
			}
			assert_int_equal(l.hpa, model[i].hpa);
			assert_int_equal(l.entry & 7, model[i].perms);
			large_leaves += l.level == 2;
			small_leaves += l.level == 1;
		}
		check_accounting();
	}
	/* The mix really exercised both page sizes and the failure path. */
	assert_true(large_leaves > 0 && small_leaves > 0 && failures > 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_init_sets_eptp),
		TEST(test_map_4k),
		TEST(test_map_picks_largest_pages),
		TEST(test_map_without_1g_pages),
		TEST(test_map_without_large_pages),
		TEST(test_misaligned_hpa_uses_small_pages),
		TEST(test_split_1g_page),
		TEST(test_identical_split_is_flushed),
		TEST(test_large_leaf_replaces_table),
		TEST(test_identical_remap_needs_no_flush),
		TEST(test_unmap),
		TEST(test_unmap_of_nothing),
		TEST(test_permissions),
		TEST(test_invalid_arguments_change_nothing),
		TEST(test_address_space_edges),
		TEST(test_enomem_changes_nothing),
		TEST(test_destroy_frees_every_table),
		TEST(test_uc_range_splits_large_pages),
		TEST(test_memtype_of_whole_ranges),
		TEST(test_mtrr_precedence),
		TEST(test_fixed_range_mtrrs),
		TEST(test_sync_cpu),
		TEST(test_new_domain_moves_generation),
		TEST(test_dump),
		TEST(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
