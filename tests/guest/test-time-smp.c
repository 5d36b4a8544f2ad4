/*
 * pvclock across physical CPUs: vCPU 0 and vCPU 1 of one domain run on
 * different CPUs, each reading its own record (shared_info's slots 0 and
 * 1). Each publishes its latest reading, and each reading must be at least
 * what the other vCPU published before it: system time is one clock for
 * the whole machine, never behind on another CPU.
 */
#include "rt/rt.h"
#include "rt/vcpu.h"

const char test_title[] = "time-smp: pvclock consistent between two vCPUs on two CPUs";

#define ROUNDS 20000

static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile struct shared_info *si = (volatile void *)shared_info_page;
static volatile uint64_t published[2];
static volatile uint64_t behind[2], worst[2], reads[2];
static volatile int done[2];

static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift >= 0)
		delta <<= shift;
	else
		delta >>= -shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static uint64_t now_ns(unsigned int id)
{
	volatile struct vcpu_time_info *t = &si->vcpu_info[id].time;

	for (;;) {
		uint32_t version = t->version;
		uint64_t ts, st, tsc;
		uint32_t mul;
		int8_t shift;

		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ts = t->tsc_timestamp;
		st = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		tsc = rdtsc();
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (version && !(version & 1) && t->version == version)
			return st + scale_delta(tsc - ts, mul, shift);
	}
}

/* Each reading against the other's latest published one, read just before. */
static void compare(unsigned int id)
{
	unsigned int other = !id;

	for (unsigned int i = 0; i < ROUNDS && !done[other]; i++) {
		uint64_t theirs = __atomic_load_n(&published[other], __ATOMIC_SEQ_CST);
		uint64_t mine = now_ns(id);

		if (mine + 1 < theirs) { /* a rounding of 1 ns is the scale's */
			behind[id]++;
			worst[id] = MAX(worst[id], theirs - mine);
		}
		__atomic_store_n(&published[id], mine, __ATOMIC_SEQ_CST);
		reads[id]++;
	}
	done[id] = 1;
}

static void secondary(unsigned int id)
{
	compare(id);
}

void test_main(const struct hvm_start_info *start)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0,
		.gpfn = (uint64_t)(uintptr_t)shared_info_page >> PAGE_SHIFT,
	};

	(void)start;
	test_require_xen();
	if (!check_eq("shared_info placed", hypercall_memory_op(XENMEM_add_to_physmap, &xatp), 0))
		test_finish();
	if (!check_eq("initialise vCPU 1", rt_vcpu_initialise(1, false, secondary), 0) ||
	    !check_eq("up vCPU 1", hypercall_vcpu_op(VCPUOP_up, 1, NULL), 0))
		test_finish();
	/* vCPU 1's record is written on its first run. */
	while (!reads[1])
		cpu_relax();
	compare(0);
	while (!done[1])
		cpu_relax();
	check(reads[0] > 100 && reads[1] > 100, "both read the clock (%lu and %lu times)", reads[0],
	      reads[1]);
	check(!behind[0] && !behind[1],
	      "neither was behind the other (vCPU 0: %lu times by up to %lu ns, vCPU 1: %lu by %lu)",
	      behind[0], worst[0], behind[1], worst[1]);
}
