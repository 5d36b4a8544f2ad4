/*
 * The domain that keeps running while another one misbehaves (isolation,
 * triple fault, spin tests): many hypercalls and yields, each result
 * checked, then SUCCESS. Its own memory must stay intact throughout.
 */
#include "rt/rt.h"

const char test_title[] = "witness: keeps working beside a misbehaving domain";

#define WITNESS_ITERATIONS 2000
#define YIELD_EVERY 100
#define REPORT_EVERY 500
#define PATTERN_WORDS 4096

static uint64_t pattern[PATTERN_WORDS];

static uint64_t pattern_word(unsigned int i)
{
	return 0x9e3779b97f4a7c15ull * (i + 1);
}

void test_main(const struct hvm_start_info *si)
{
	int64_t version, v;
	unsigned int i, bad = 0;

	(void)si;
	test_require_xen();
	for (i = 0; i < PATTERN_WORDS; i++)
		pattern[i] = pattern_word(i);
	version = hypercall_xen_version(XENVER_version, NULL);

	for (i = 1; i <= WITNESS_ITERATIONS; i++) {
		v = hypercall_xen_version(XENVER_version, NULL);
		if (v != version) {
			test_fail("iteration %u: xen_version %ld, expected %ld", i, v, version);
			return;
		}
		if (i % YIELD_EVERY == 0 && hypercall_yield() != 0) {
			test_fail("iteration %u: yield failed", i);
			return;
		}
		if (i % REPORT_EVERY == 0)
			printk("%u hypercalls done\n", i);
	}

	for (i = 0; i < PATTERN_WORDS; i++)
		bad += pattern[i] != pattern_word(i);
	check(bad == 0, "memory pattern intact (%u of %u words changed)", bad, PATTERN_WORDS);
	check(hypercall_vcpu_op(VCPUOP_is_up, 0, NULL) == 1, "vCPU 0 is still up");
}
