/*
 * Tests for arch/x86/cpuid.c. The hardware CPUID (cpuid_host) is faked by
 * a table of host answers; leaves the table lacks answer a poison pattern,
 * so anything passed through that should not be shows up. Feature leaves
 * can be switched to "every bit set" to check the filters bit by bit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/emulate.h"
#include "core/public/cpuid.h"

#define POISON 0xdeadbeefu
#define BIT(n) (1u << (n))

struct host_leaf {
	uint32_t leaf, subleaf;
	struct cpuid_regs r;
};

/* A Skylake-SP-like host (values from a real part, trimmed to what is tested). */
static const struct host_leaf skylake[] = {
	{ 0x0, 0, { 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 } }, /* GenuineIntel */
	{ 0x1, 0, { 0x00050654, 0x12400800, 0x7ffefbff, 0xbfebfbff } },
	{ 0x2, 0, { 0x00feff01, 0x000000f0, 0x00000000, 0x00c30000 } },
	{ 0x4, 0, { 0x7c004121, 0x01c0003f, 0x0000003f, 0x00000000 } },
	{ 0x4, 3, { 0x7c0fc163, 0x02c0003f, 0x0000ffff, 0x00000004 } },
	{ 0x4, 4, { 0, 0, 0, 0 } },
	{ 0x5, 0, { 0x40, 0x40, 0x3, 0x2020 } },
	{ 0x6, 0, { 0x77, 0x2, 0x9, 0 } },
	{ 0x7, 0, { 0x1, 0xd39ffffb, 0x0000081c, 0xbc000400 } },
	{ 0x7, 1, { 0x20, 0, 0, 0 } },
	{ 0xa, 0, { 0x07300404, 0, 0, 0x603 } },
	{ 0xb, 0, { 0x1, 0x2, 0x100, 0x3 } },
	{ 0xd, 0, { 0x2ff, 0xa88, 0xa88, 0 } },
	{ 0xd, 1, { 0xf, 0xa08, 0, 0 } },
	{ 0x14, 0, { 0x1, 0xf, 0x7, 0 } },
	{ 0x15, 0, { 0x2, 0xbc, 0, 0 } },
	{ 0x16, 0, { 0x834, 0xe74, 0x64, 0 } },
	{ 0x80000000, 0, { 0x80000008, 0, 0, 0 } },
	{ 0x80000001, 0, { 0, 0, 0x00000121, 0x2c100800 } },
	{ 0x80000002, 0, { 0x65746e49, 0x2952286c, 0x6f655820, 0x2952286e } },
	{ 0x80000006, 0, { 0, 0, 0x01006040, 0 } },
	{ 0x80000007, 0, { 0, 0, 0, 0x100 } },
	{ 0x80000008, 0, { 0x0000302e, 0x200, 0x1, 0x2 } },
	/* An outer hypervisor's leaves: must never reach the guest. */
	{ 0x40000000, 0, { 0x40000010, 0x4b4d564b, 0x564b4d56, 0x4d } },
	{ 0x40000001, 0, { 0x1234, 0x1, 0x2, 0x3 } },
	{ 0x40000100, 0, { 0x40000105, 0x1, 0x2, 0x3 } },
};

static const struct host_leaf *host = skylake;
static size_t host_count = ARRAY_SIZE(skylake);
/* Leaves answered with every feature bit set instead of the table. */
static uint32_t all_ones_leaf = ~0u;
static unsigned int host_calls;

static struct domain dom;
static struct vcpu vcpu0, vcpu2;

void cpuid_host(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	host_calls++;
	if (leaf == all_ones_leaf) {
		*r = (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u };
		return;
	}
	for (size_t i = 0; i < host_count; i++) {
		if (host[i].leaf == leaf && host[i].subleaf == subleaf) {
			*r = host[i].r;
			return;
		}
	}
	*r = (struct cpuid_regs){ POISON, POISON, POISON, POISON };
}

static int setup(void **state)
{
	host = skylake;
	host_count = ARRAY_SIZE(skylake);
	all_ones_leaf = ~0u;
	host_calls = 0;

	memset(&dom, 0, sizeof(dom));
	dom.id = 7;
	dom.nr_vcpus = 4;
	memset(&vcpu0, 0, sizeof(vcpu0));
	vcpu0.domain = &dom;
	vcpu0.id = 0;
	memset(&vcpu2, 0, sizeof(vcpu2));
	vcpu2.domain = &dom;
	vcpu2.id = 2;
	return 0;
}

static struct cpuid_regs guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	/* Poisoned, so a path that forgets to fill a register shows up. */
	struct cpuid_regs r = { POISON, POISON, POISON, POISON };

	cpuid_emulate(v, leaf, subleaf, &r);
	return r;
}

static void assert_zero(struct cpuid_regs r)
{
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(r.ecx, 0);
	assert_int_equal(r.edx, 0);
}

static void assert_regs(struct cpuid_regs r, uint32_t eax, uint32_t ebx, uint32_t ecx,
			uint32_t edx)
{
	assert_int_equal(r.eax, eax);
	assert_int_equal(r.ebx, ebx);
	assert_int_equal(r.ecx, ecx);
	assert_int_equal(r.edx, edx);
}

static void test_leaf0_passes_through(void **state)
{
	assert_regs(guest_cpuid(&vcpu0, 0, 0), 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
}

static void test_leaf1_real_host(void **state)
{
	struct cpuid_regs r = guest_cpuid(&vcpu2, 1, 0);

	assert_int_equal(r.eax, 0x00050654);
	/* APIC id = vCPU id, logical count = vCPUs, CLFLUSH size and brand kept. */
	assert_int_equal(r.ebx, (2u << 24) | (4u << 16) | 0x0800);
	assert_true(r.ecx & BIT(31)); /* hypervisor present */
	assert_false(r.ecx & BIT(5)); /* VMX */
	assert_false(r.ecx & BIT(3)); /* MONITOR */
	assert_false(r.ecx & BIT(26)); /* XSAVE */
	assert_false(r.ecx & BIT(27)); /* OSXSAVE */
	assert_false(r.ecx & BIT(28)); /* AVX */
	assert_false(r.ecx & BIT(21)); /* x2APIC */
	assert_true(r.ecx & BIT(0)); /* SSE3 */
	assert_true(r.ecx & BIT(20)); /* SSE4.2 */
	assert_true(r.ecx & BIT(30)); /* RDRAND */
	assert_true(r.edx & BIT(0)); /* FPU */
	assert_true(r.edx & BIT(26)); /* SSE2 */
	assert_true(r.edx & BIT(28)); /* HTT: more than one vCPU */
	assert_false(r.edx & BIT(7)); /* MCE */
	assert_false(r.edx & BIT(14)); /* MCA */
	assert_false(r.edx & BIT(21)); /* DS */
}

static void test_leaf1_filters_every_bit(void **state)
{
	const uint32_t ecx_allowed = BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) |
				     BIT(22) | BIT(23) | BIT(25) | BIT(30) | BIT(31);
	const uint32_t edx_allowed = BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) |
				     BIT(6) | BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) |
				     BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) |
				     BIT(25) | BIT(26) | BIT(27);
	struct cpuid_regs r;

	all_ones_leaf = 1;
	dom.nr_vcpus = 1;
	r = guest_cpuid(&vcpu0, 1, 0);
	assert_int_equal(r.eax, ~0u);
	assert_int_equal(r.ebx, (0u << 24) | (1u << 16) | 0xffff);
	assert_int_equal(r.ecx, ecx_allowed);
	/* One vCPU: no HTT. */
	assert_int_equal(r.edx, edx_allowed);

	/* Host bits that are clear stay clear, except the hypervisor bit. */
	all_ones_leaf = ~0u;
	host_count = 0;
	r = guest_cpuid(&vcpu0, 1, 0);
	/* The host's leaf 0 is poison here, i.e. a huge max leaf: leaf 1 is in range. */
	assert_int_equal(r.ecx, (POISON & ecx_allowed) | BIT(31));
}

static void test_leaf4_topology(void **state)
{
	struct cpuid_regs r = guest_cpuid(&vcpu0, 4, 0);

	/* L1d: type and level kept, 4 cores per package, each cache private. */
	assert_int_equal(r.eax, (3u << 26) | 0x121);
	assert_int_equal(r.ebx, 0x01c0003f);
	assert_int_equal(r.ecx, 0x3f);

	r = guest_cpuid(&vcpu0, 4, 3);
	assert_int_equal(r.eax, (3u << 26) | 0x163);
	assert_int_equal(r.edx, 4);

	/* The null cache type ends the list and stays null. */
	assert_zero(guest_cpuid(&vcpu0, 4, 4));
}

static void test_hidden_basic_leaves(void **state)
{
	/* MONITOR, power, PMU, topology, XSAVE (both subleaves), PT: present on the host. */
	static const uint32_t leaves[][2] = {
		{ 0x3, 0 }, { 0x5, 0 }, { 0x6, 0 }, { 0xa, 0 }, { 0xb, 0 },
		{ 0xb, 1 }, { 0xd, 0 }, { 0xd, 1 }, { 0x12, 0 }, { 0x14, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++)
		assert_zero(guest_cpuid(&vcpu0, leaves[i][0], leaves[i][1]));
}

static void test_passed_basic_leaves(void **state)
{
	assert_regs(guest_cpuid(&vcpu0, 2, 0), 0x00feff01, 0xf0, 0, 0x00c30000);
	assert_regs(guest_cpuid(&vcpu0, 0x15, 0), 0x2, 0xbc, 0, 0);
	assert_regs(guest_cpuid(&vcpu0, 0x16, 0), 0x834, 0xe74, 0x64, 0);
}

static void test_leaves_above_host_max(void **state)
{
	/* Intel would repeat leaf 0x16 here; we answer zeros. */
	assert_zero(guest_cpuid(&vcpu0, 0x17, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x1f, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x20, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x3fffffff, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x50000000, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x7fffffff, 0));
}

static void test_leaf7_real_host(void **state)
{
	struct cpuid_regs r = guest_cpuid(&vcpu0, 7, 0);

	assert_int_equal(r.eax, 0); /* subleaf 1 is not offered */
	assert_true(r.ebx & BIT(0)); /* FSGSBASE */
	assert_true(r.ebx & BIT(7)); /* SMEP */
	assert_true(r.ebx & BIT(9)); /* ERMS */
	assert_true(r.ebx & BIT(20)); /* SMAP */
	assert_false(r.ebx & BIT(1)); /* TSC_ADJUST */
	assert_false(r.ebx & BIT(5)); /* AVX2 */
	assert_false(r.ebx & BIT(10)); /* INVPCID */
	assert_false(r.ebx & BIT(14)); /* MPX */
	assert_false(r.ebx & BIT(16)); /* AVX512F */
	assert_false(r.ebx & BIT(25)); /* Intel PT */
	assert_false(r.ecx & BIT(3)); /* PKU */
	assert_false(r.ecx & BIT(4)); /* OSPKE */
	assert_false(r.edx & BIT(26)); /* IBRS/IBPB: SPEC_CTRL would #GP */
	assert_false(r.edx & BIT(29)); /* ARCH_CAPABILITIES */
	assert_true(r.edx & BIT(10)); /* MD_CLEAR */

	assert_zero(guest_cpuid(&vcpu0, 7, 1));
	assert_zero(guest_cpuid(&vcpu0, 7, 2));
}

static void test_leaf7_filters_every_bit(void **state)
{
	struct cpuid_regs r;

	all_ones_leaf = 7;
	r = guest_cpuid(&vcpu0, 7, 0);
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, BIT(0) | BIT(3) | BIT(4) | BIT(6) | BIT(7) | BIT(8) | BIT(9) |
					BIT(11) | BIT(13) | BIT(18) | BIT(19) | BIT(20) | BIT(23) |
					BIT(24) | BIT(29));
	assert_int_equal(r.ecx, BIT(2) | BIT(8) | BIT(25) | BIT(27) | BIT(28));
	assert_int_equal(r.edx, BIT(4) | BIT(10) | BIT(14));
	/* SGX, WAITPKG, LA57, RDPID, CET among the hidden. */
	assert_false(r.ebx & BIT(2));
	assert_false(r.ecx & (BIT(5) | BIT(7) | BIT(16) | BIT(22)));
	assert_false(r.edx & BIT(20));
}

static void test_xen_leaves(void **state)
{
	struct cpuid_regs r = guest_cpuid(&vcpu2, XEN_CPUID_LEAF(0), 0);
	char signature[13];

	assert_int_equal(r.eax, 0x40000005);
	memcpy(signature, &r.ebx, 4);
	memcpy(signature + 4, &r.ecx, 4);
	memcpy(signature + 8, &r.edx, 4);
	signature[12] = '\0';
	assert_string_equal(signature, "XenVMMXenVMM");

	assert_regs(guest_cpuid(&vcpu2, XEN_CPUID_LEAF(1), 0), 0x00040011, 0, 0, 0);
	assert_regs(guest_cpuid(&vcpu2, XEN_CPUID_LEAF(2), 0), 1, 0x40000000, 0, 0);
	assert_zero(guest_cpuid(&vcpu2, XEN_CPUID_LEAF(3), 0));
	assert_zero(guest_cpuid(&vcpu2, XEN_CPUID_LEAF(3), 1));
	/* vCPU id and domid present; no upcall vector yet. */
	assert_regs(guest_cpuid(&vcpu2, XEN_CPUID_LEAF(4), 0), BIT(3) | BIT(4), 2, 7, 0);
	assert_regs(guest_cpuid(&vcpu0, XEN_CPUID_LEAF(4), 0), BIT(3) | BIT(4), 0, 7, 0);
	assert_zero(guest_cpuid(&vcpu2, XEN_CPUID_LEAF(5), 0));
	/* Nothing of them comes from the hardware (an outer hypervisor's leaves). */
	assert_int_equal(host_calls, 0);
}

static void test_hypervisor_range_scan(void **state)
{
	/* Linux looks for a signature every 0x100 leaves: only the first base answers. */
	for (uint32_t base = 0x40000100; base < 0x40010000; base += 0x100)
		for (uint32_t i = 0; i < 6; i++)
			assert_zero(guest_cpuid(&vcpu0, base + i, 0));
	assert_zero(guest_cpuid(&vcpu0, XEN_CPUID_LEAF(6), 0));
	assert_zero(guest_cpuid(&vcpu0, 0x400000ff, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x4fffffff, 0));
}

static void test_extended_leaves(void **state)
{
	struct cpuid_regs r;

	assert_int_equal(guest_cpuid(&vcpu0, 0x80000000, 0).eax, 0x80000008);
	/* LAHF and LZCNT and PREFETCHW; SYSCALL, NX, 1G pages, LM; RDTSCP hidden. */
	assert_regs(guest_cpuid(&vcpu0, 0x80000001, 0), 0, 0, 0x121, 0x24100800);
	assert_regs(guest_cpuid(&vcpu0, 0x80000002, 0), 0x65746e49, 0x2952286c, 0x6f655820,
		    0x2952286e);
	assert_regs(guest_cpuid(&vcpu0, 0x80000006, 0), 0, 0, 0x01006040, 0);
	assert_regs(guest_cpuid(&vcpu0, 0x80000007, 0), 0, 0, 0, 0x100);
	/* Address sizes only. */
	assert_regs(guest_cpuid(&vcpu0, 0x80000008, 0), 0x302e, 0, 0, 0);

	all_ones_leaf = 0x80000001;
	r = guest_cpuid(&vcpu0, 0x80000001, 0);
	assert_int_equal(r.ecx, BIT(0) | BIT(5) | BIT(8));
	assert_int_equal(r.edx, BIT(11) | BIT(20) | BIT(26) | BIT(29));
}

static void test_extended_leaves_capped(void **state)
{
	static const struct host_leaf big_ext[] = {
		{ 0x0, 0, { 0x16, 0, 0, 0 } },
		{ 0x80000000, 0, { 0x80000021, 0, 0, 0 } },
		{ 0x80000005, 0, { 0x1, 0x2, 0x3, 0x4 } },
		{ 0x8000001f, 0, { 0x1, 0x2, 0x3, 0x4 } },
	};

	host = big_ext;
	host_count = ARRAY_SIZE(big_ext);
	assert_int_equal(guest_cpuid(&vcpu0, 0x80000000, 0).eax, 0x80000008);
	assert_regs(guest_cpuid(&vcpu0, 0x80000005, 0), 1, 2, 3, 4);
	assert_zero(guest_cpuid(&vcpu0, 0x80000009, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x8000001f, 0));
	assert_zero(guest_cpuid(&vcpu0, 0xc0000000, 0));
	assert_zero(guest_cpuid(&vcpu0, 0xffffffff, 0));
}

static void test_extended_leaves_above_host_max(void **state)
{
	static const struct host_leaf small_ext[] = {
		{ 0x0, 0, { 0xd, 0, 0, 0 } },
		{ 0x80000000, 0, { 0x80000004, 0, 0, 0 } },
	};

	host = small_ext;
	host_count = ARRAY_SIZE(small_ext);
	assert_int_equal(guest_cpuid(&vcpu0, 0x80000000, 0).eax, 0x80000004);
	assert_zero(guest_cpuid(&vcpu0, 0x80000006, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x80000008, 0));
	assert_zero(guest_cpuid(&vcpu0, 0x15, 0));
}

#define TEST(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_leaf0_passes_through),
		TEST(test_leaf1_real_host),
		TEST(test_leaf1_filters_every_bit),
		TEST(test_leaf4_topology),
		TEST(test_hidden_basic_leaves),
		TEST(test_passed_basic_leaves),
		TEST(test_leaves_above_host_max),
		TEST(test_leaf7_real_host),
		TEST(test_leaf7_filters_every_bit),
		TEST(test_xen_leaves),
		TEST(test_hypervisor_range_scan),
		TEST(test_extended_leaves),
		TEST(test_extended_leaves_capped),
		TEST(test_extended_leaves_above_host_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
