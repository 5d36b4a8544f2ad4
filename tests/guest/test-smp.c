/*
 * Two domains at once on two CPUs (smp-a on CPU 0, smp-b on CPU 1, the
 * same kernel): each does a fixed amount of work - hypercalls, yields, and
 * a memory pattern tagged with its own domain id that must survive - and
 * reports SUCCESS. The emulator test checks the CPU placement in the log.
 */
#include "rt/rt.h"

const char test_title[] = "SMP: two domains working at the same time";

#define SMP_ITERATIONS 5000
#define YIELD_EVERY 250
#define PATTERN_BYTES (1024 * 1024)
#define PATTERN_WORDS (PATTERN_BYTES / sizeof(uint64_t))

static uint64_t pattern[PATTERN_WORDS];

static uint64_t pattern_word(uint32_t domid, uint64_t i)
{
	return ((uint64_t)domid << 48) ^ (0x9e3779b97f4a7c15ull * (i + 1));
}

void test_main(const struct hvm_start_info *si)
{
	struct cpuid_result leaf4;
	uint32_t domid;
	int64_t version;
	uint64_t i, bad = 0;

	(void)si;
	test_require_xen();
	leaf4 = cpuid(xen_cpuid_base + 4);
	if (!(leaf4.eax & XEN_HVM_CPUID_DOMID_PRESENT)) {
		test_error("CPUID leaf 4 has no domain id");
		return;
	}
	domid = leaf4.ecx;
	printk("domain %u starts %u iterations\n", domid, SMP_ITERATIONS);

	for (i = 0; i < PATTERN_WORDS; i++)
		pattern[i] = pattern_word(domid, i);
	version = hypercall_xen_version(XENVER_version, NULL);
	for (i = 1; i <= SMP_ITERATIONS; i++) {
		int64_t v = hypercall_xen_version(XENVER_version, NULL);

		if (v != version) {
			test_fail("iteration %lu: xen_version %ld, expected %ld", i, v, version);
			return;
		}
		if (i % YIELD_EVERY == 0 && hypercall_yield() != 0) {
			test_fail("iteration %lu: yield failed", i);
			return;
		}
	}
	for (i = 0; i < PATTERN_WORDS; i++)
		bad += pattern[i] != pattern_word(domid, i);
	check(bad == 0, "domain %u: 1 MiB pattern intact (%lu words changed)", domid, bad);
	check_eq("CPUID leaf 4 domain id unchanged", cpuid(xen_cpuid_base + 4).ecx, domid);
}
