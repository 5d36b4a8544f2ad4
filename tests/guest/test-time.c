/*
 * Time as a PVH guest sees it (Xen's ABI): the pvclock record in its
 * vcpu_info - first the slot in shared_info, then a vcpu_info it registers
 * elsewhere - and the wall clock in shared_info. Checks the version
 * protocol, the scale, that the clock never goes back (across many reads,
 * yields and the move of the record) and keeps pace with the TSC, and that
 * the wall clock is a plausible date taken from the RTC.
 */
#include "rt/rt.h"

const char test_title[] = "time: pvclock and wall clock";

#define READS 20000
#define YIELDS 50
/* 1999-12-01 and 2100-01-01: any RTC a test machine has lies between. */
#define PLAUSIBLE_FIRST 943920000ull
#define PLAUSIBLE_LAST 4102444800ull
#define NSEC_PER_SEC 1000000000ull
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t vcpu_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* Where the registered vcpu_info goes in its page: any 8-byte aligned offset that fits. */
#define VCPU_INFO_OFFSET 0x140

static volatile struct shared_info *si = (volatile void *)shared_info_page;

static void barrier(void)
{
	asm volatile("" ::: "memory");
}

/* A consistent copy of a record (the version even and unchanged around it); false if none. */
static bool read_record(volatile struct vcpu_time_info *t, struct vcpu_time_info *out)
{
	for (unsigned int tries = 0; tries < 1000; tries++) {
		uint32_t version = t->version;

		barrier();
		if (version & 1)
			continue;
		out->tsc_timestamp = t->tsc_timestamp;
		out->system_time = t->system_time;
		out->tsc_to_system_mul = t->tsc_to_system_mul;
		out->tsc_shift = t->tsc_shift;
		out->flags = t->flags;
		barrier();
		if (t->version == version) {
			out->version = version;
			return true;
		}
	}
	return false;
}

/* The guest's side of the scale, as Linux computes it. */
static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift >= 0)
		delta <<= shift;
	else
		delta >>= -shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* System time now from record t, and the TSC it was read at. */
static uint64_t pvclock_read(volatile struct vcpu_time_info *t, uint64_t *tsc_out)
{
	struct vcpu_time_info r = { 0 };
	uint64_t tsc;

	if (!read_record(t, &r))
		rt_panic("pvclock record stays odd (being written) for good");
	tsc = rdtsc();
	if (tsc_out)
		*tsc_out = tsc;
	return r.system_time + scale_delta(tsc - r.tsc_timestamp, r.tsc_to_system_mul, r.tsc_shift);
}

static int64_t add_to_physmap(uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = domid, .space = space, .idx = idx, .gpfn = gpfn
	};

	return hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
}

static void check_record(const char *where, volatile struct vcpu_time_info *t)
{
	struct vcpu_time_info r = { 0 };
	uint64_t khz;

	if (!check(read_record(t, &r), "%s: a consistent record", where))
		return;
	check(r.version != 0 && !(r.version & 1), "%s: version %u is even and was written", where,
	      r.version);
	check(r.tsc_to_system_mul >= 1u << 31, "%s: tsc_to_system_mul %#x is normalised", where,
	      r.tsc_to_system_mul);
	check(r.tsc_shift >= -10 && r.tsc_shift <= 31, "%s: tsc_shift %d", where, r.tsc_shift);
	check(r.tsc_timestamp <= rdtsc(), "%s: tsc_timestamp %lu is not in the future", where,
	      r.tsc_timestamp);
	/* The TSC rate it implies: ticks per ms = 10^6 ns / (ns per tick). */
	khz = scale_delta(1ull << 32, r.tsc_to_system_mul, r.tsc_shift);
	khz = khz ? (1000000ull << 32) / khz : 0;
	check(khz >= 1000 && khz <= 10000000, "%s: the TSC runs at %lu kHz (1 MHz - 10 GHz)",
	      where, khz);
}

/* Many reads and some yields: the clock never goes back. Returns the last value. */
static uint64_t check_monotonic(const char *where, volatile struct vcpu_time_info *t,
				uint64_t previous)
{
	uint64_t now, backwards = 0, worst = 0;

	for (unsigned int i = 0; i < READS; i++) {
		now = pvclock_read(t, NULL);
		if (now < previous) {
			backwards++;
			worst = MAX(worst, previous - now);
		}
		previous = MAX(previous, now);
		if (i % (READS / YIELDS) == 0)
			hypercall_yield();
	}
	check(!backwards, "%s: %u reads and %u yields, never backwards (%lu times, by %lu ns)",
	      where, READS, YIELDS, backwards, worst);
	return previous;
}

/* System time advances with the TSC at the record's rate, read to read. */
static void check_pace(volatile struct vcpu_time_info *t)
{
	uint64_t tsc1, tsc2, ns1, ns2, expect;
	struct vcpu_time_info r = { 0 };

	ns1 = pvclock_read(t, &tsc1);
	for (volatile unsigned int i = 0; i < 100000; i++)
		;
	ns2 = pvclock_read(t, &tsc2);
	read_record(t, &r);
	expect = scale_delta(tsc2 - tsc1, r.tsc_to_system_mul, r.tsc_shift);
	check(ns2 > ns1, "system time advanced over a busy loop (%lu ns)", ns2 - ns1);
	check(ns2 - ns1 + 1 >= expect && ns2 - ns1 <= expect + 1,
	      "by the TSC's ticks scaled (%lu ns for %lu ticks)", ns2 - ns1, tsc2 - tsc1);
}

static void check_wallclock(void)
{
	uint32_t version = si->wc_version;
	uint64_t sec, now_sec;

	barrier();
	sec = ((uint64_t)si->wc_sec_hi << 32) | si->wc_sec;
	check(version && !(version & 1), "wc_version %u is even and was written", version);
	check(si->wc_nsec < NSEC_PER_SEC, "wc_nsec %u is below 10^9", si->wc_nsec);
	now_sec = sec + pvclock_read(&si->vcpu_info[0].time, NULL) / NSEC_PER_SEC;
	check(now_sec >= PLAUSIBLE_FIRST && now_sec < PLAUSIBLE_LAST,
	      "the wall clock reads %lu s since 1970 (between 1999-12 and 2100)", now_sec);
	printk("wall clock: %lu s since 1970\n", now_sec);
}

void test_main(const struct hvm_start_info *start)
{
	uint64_t gfn = (uint64_t)(uintptr_t)shared_info_page >> PAGE_SHIFT;
	struct vcpu_register_vcpu_info reg = {
		.mfn = (uint64_t)(uintptr_t)vcpu_info_page >> PAGE_SHIFT,
		.offset = VCPU_INFO_OFFSET,
	};
	volatile struct vcpu_info *moved = (volatile void *)(vcpu_info_page + VCPU_INFO_OFFSET);
	uint64_t last, before_move;

	(void)start;
	test_require_xen();
	if (!check_eq("shared_info placed", add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info,
							    0, gfn), 0))
		test_finish();

	printk("pvclock in shared_info's vcpu_info[0]\n");
	check_record("shared_info", &si->vcpu_info[0].time);
	last = check_monotonic("shared_info", &si->vcpu_info[0].time, 0);
	check_pace(&si->vcpu_info[0].time);
	check_wallclock();

	printk("pvclock in a registered vcpu_info\n");
	before_move = pvclock_read(&si->vcpu_info[0].time, NULL);
	memset(vcpu_info_page, 0xff, PAGE_SIZE);
	if (!check_eq("register_vcpu_info", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg),
		      0))
		test_finish();
	check_record("registered", &moved->time);
	last = pvclock_read(&moved->time, NULL);
	check(last >= before_move, "the moved record continues the clock (%lu >= %lu)", last,
	      before_move);
	check_monotonic("registered", &moved->time, last);
	check(vcpu_info_page[0] == 0xff && vcpu_info_page[VCPU_INFO_OFFSET - 1] == 0xff &&
		      vcpu_info_page[VCPU_INFO_OFFSET + sizeof(struct vcpu_info)] == 0xff,
	      "nothing around the registered vcpu_info was written");
}
