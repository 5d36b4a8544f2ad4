/*
 * Guest timers as Xen offers them, delivered as VIRQ_TIMER on an event
 * channel: VCPUOP_set_singleshot_timer (never early, stopped, re-armed,
 * in the past, far in the future, 1,000 in a row), set_timer_op, the
 * periodic timer, and the errors for bad arguments. The guest polls its
 * port's pending bit in shared_info, yielding in between (no upcall).
 */
#include "rt/rt.h"

const char test_title[] = "timers: single-shot, periodic and set_timer_op as VIRQ_TIMER";

#define MS 1000000ul /* ns */
#define IN_A_ROW 1000
/* Not mapped by the guest's page tables (PML4 slot 1 is empty). */
#define UNMAPPED_VA 0x8000000000ull

static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile struct shared_info *si = (volatile void *)shared_info_page;
static evtchn_port_t port;

static void barrier(void)
{
	asm volatile("" ::: "memory");
}

static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift >= 0)
		delta <<= shift;
	else
		delta >>= -shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* System time from vcpu_info[0]'s pvclock record (version protocol). */
static uint64_t now_ns(void)
{
	volatile struct vcpu_time_info *t = &si->vcpu_info[0].time;

	for (;;) {
		uint32_t version = t->version;
		uint64_t tsc_timestamp, system_time, tsc;
		uint32_t mul;
		int8_t shift;

		barrier();
		tsc_timestamp = t->tsc_timestamp;
		system_time = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		tsc = rdtsc();
		barrier();
		if (!(version & 1) && t->version == version)
			return system_time + scale_delta(tsc - tsc_timestamp, mul, shift);
	}
}

static bool pending(void)
{
	return si->evtchn_pending[port / 64] & (1ull << (port % 64));
}

static void clear_pending(void)
{
	__atomic_and_fetch(&si->evtchn_pending[port / 64], ~(1ull << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

/*
 * Polls until the event comes or until system time `until`: true and the
 * time it was seen, or false. An event seen before `not_before` is early.
 */
static bool wait_event(uint64_t not_before, uint64_t until, uint64_t *seen, bool *early)
{
	*early = false;
	for (;;) {
		uint64_t now = now_ns();

		if (pending()) {
			*seen = now;
			*early = now + 1 < not_before; /* the guest's clock may trail by 1 ns */
			return true;
		}
		if (now >= until)
			return false;
		hypercall_yield();
	}
}

/* Waits for the event due at deadline: it must come, and not before. Clears it. */
static void expect_event(const char *what, uint64_t deadline, uint64_t slack)
{
	uint64_t seen = 0;
	bool early = false, came = wait_event(deadline, deadline + slack, &seen, &early);

	if (came)
		check(!early, "%s fired %lu us after its deadline", what,
		      (seen - deadline) / 1000);
	else
		check(false, "%s fired by its deadline + %lu ms", what, slack / MS);
	clear_pending();
}

static int64_t singleshot(uint64_t deadline, uint32_t flags)
{
	struct vcpu_set_singleshot_timer set = { .timeout_abs_ns = deadline, .flags = flags };

	return hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &set);
}

static int64_t set_timer_op(int64_t deadline)
{
	return hypercall_page_call(__HYPERVISOR_set_timer_op, (uint64_t)deadline, 0, 0, 0, 0);
}

static int64_t periodic(unsigned int vcpu, uint64_t period)
{
	struct vcpu_set_periodic_timer set = { .period_ns = period };

	return hypercall_vcpu_op(VCPUOP_set_periodic_timer, vcpu, &set);
}

static void setup(void)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0,
		.gpfn = (uint64_t)(uintptr_t)shared_info_page >> PAGE_SHIFT,
	};
	struct evtchn_bind_virq bind = { .virq = VIRQ_TIMER, .vcpu = 0 };

	if (!check_eq("shared_info placed", hypercall_memory_op(XENMEM_add_to_physmap, &xatp), 0))
		test_finish();
	if (!check_eq("bind_virq(VIRQ_TIMER, vCPU 0)",
		      hypercall_page_call(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
					  HCALL_ARG(&bind), 0, 0, 0),
		      0))
		test_finish();
	port = bind.port;
	printk("VIRQ_TIMER on port %u\n", port);
	/* Masked: the event only sets its pending bit, no upcall is wanted. */
	si->evtchn_mask[port / 64] |= 1ull << (port % 64);
}

static void test_singleshot(void)
{
	uint64_t deadline, seen;
	bool early;

	printk("single-shot\n");
	deadline = now_ns() + 2 * MS;
	check_eq("set_singleshot_timer(now + 2 ms)", singleshot(deadline, 0), 0);
	expect_event("the timer", deadline, 100 * MS);

	deadline = now_ns() + 2 * MS;
	check_eq("set then stop", singleshot(deadline, 0), 0);
	check_eq("stop_singleshot_timer", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL),
		 0);
	check(!wait_event(0, deadline + 10 * MS, &seen, &early), "a stopped timer does not fire");

	/* Re-armed earlier: the first deadline is gone. */
	check_eq("set at now + 1 s", singleshot(now_ns() + 1000 * MS, 0), 0);
	deadline = now_ns() + 2 * MS;
	check_eq("re-armed at now + 2 ms", singleshot(deadline, 0), 0);
	expect_event("the re-armed timer", deadline, 100 * MS);
	check_eq("stop after it fired", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL),
		 0);

	/* In the past: at once, or -ETIME when the guest asked for a future one. */
	check_eq("deadline in the past, future flag", singleshot(now_ns() - 1, VCPU_SSHOTTMR_future),
		 -ETIME);
	check(!pending(), "  raised nothing");
	check_eq("deadline in the past", singleshot(1, 0), 0);
	check(pending(), "  raised VIRQ_TIMER at once");
	clear_pending();

	/* Far away: no overflow into the past. */
	check_eq("deadline 2^63 ns away", singleshot(now_ns() + (1ull << 63), 0), 0);
	check(!wait_event(0, now_ns() + 5 * MS, &seen, &early), "  does not fire");
	check_eq("deadline 2^64 - 1", singleshot(UINT64_MAX, 0), 0);
	check(!wait_event(0, now_ns() + 5 * MS, &seen, &early), "  does not fire");
	hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
}

static void test_in_a_row(void)
{
	unsigned int fired = 0, early = 0;
	uint64_t seen, deadline, last = 0, backwards = 0;
	bool was_early;

	printk("%u single-shot timers in a row\n", IN_A_ROW);
	for (unsigned int i = 0; i < IN_A_ROW; i++) {
		deadline = now_ns() + 100000; /* 100 us */
		if (singleshot(deadline, 0))
			break;
		if (!wait_event(deadline, deadline + 100 * MS, &seen, &was_early))
			break;
		fired++;
		early += was_early;
		backwards += seen < last;
		last = seen;
		clear_pending();
	}
	check(fired == IN_A_ROW, "%u of %u fired", fired, IN_A_ROW);
	check(!early, "none early (%u were)", early);
	check(!backwards, "each after the one before");
}

static void test_set_timer_op(void)
{
	uint64_t deadline, seen, start;
	bool early;

	printk("set_timer_op\n");
	deadline = now_ns() + 2 * MS;
	check_eq("set_timer_op(now + 2 ms)", set_timer_op((int64_t)deadline), 0);
	expect_event("set_timer_op's timer", deadline, 100 * MS);
	deadline = now_ns() + 2 * MS;
	check_eq("set_timer_op(now + 2 ms)", set_timer_op((int64_t)deadline), 0);
	check_eq("set_timer_op(0) stops it", set_timer_op(0), 0);
	check(!wait_event(0, deadline + 10 * MS, &seen, &early), "  it did not fire");
	/* Xen's answer to a wrapped (negative) deadline: an event in 100 ms. */
	start = now_ns();
	check_eq("set_timer_op(-1)", set_timer_op(-1), 0);
	expect_event("  the 100 ms fallback", start + 100 * MS, 900 * MS);
}

static void test_periodic(void)
{
	uint64_t start, seen, end;
	unsigned int events = 0;
	bool early;

	printk("periodic\n");
	check_eq("set_periodic_timer(1 ms)", periodic(0, MS), 0);
	start = now_ns();
	end = start + 20 * MS;
	while (wait_event(0, end, &seen, &early)) {
		events++;
		clear_pending();
	}
	/* One event per period; with polling some may merge, none may be extra. */
	check(events >= 5 && events <= 20, "%u events in 20 ms", events);
	check_eq("stop_periodic_timer", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	/* One may have been raised between the last poll and the stop. */
	wait_event(0, now_ns() + 2 * MS, &seen, &early);
	clear_pending();
	check(!wait_event(0, now_ns() + 10 * MS, &seen, &early), "stopped: no more events");
}

static void test_bad_arguments(void)
{
	printk("bad arguments\n");
	check_eq("singleshot on vCPU 1 of a 1-vCPU domain",
		 hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 1, NULL), -ENOENT);
	check_eq("singleshot from an unmapped address",
		 hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)UNMAPPED_VA), -EFAULT);
	check_eq("periodic of 1 ms - 1 ns", periodic(0, MS - 1), -EINVAL);
	check_eq("periodic of 0", periodic(0, 0), -EINVAL);
	check_eq("periodic of 2^63 ns", periodic(0, 1ull << 63), -EINVAL);
	check_eq("periodic from an unmapped address",
		 hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, (void *)UNMAPPED_VA), -EFAULT);
	check(!pending(), "none of them raised an event");
}

void test_main(const struct hvm_start_info *start)
{
	(void)start;
	test_require_xen();
	setup();
	test_bad_arguments();
	test_singleshot();
	test_set_timer_op();
	test_periodic();
	test_in_a_row();
}
