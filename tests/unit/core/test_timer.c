/*
 * Tests for core/timer.c and core/time.c: the TSC-to-ns scale and its
 * inverse, the per-CPU queues (order, re-arming, cancelling, deadlines in
 * the past and far away, the APIC timer programmed only when the head gets
 * earlier), callbacks that stop, re-arm or kill timers, and timer_kill
 * waiting for a callback running on another CPU (two real threads).
 *
 * The hardware edge is faked: a CPU is a thread-local number, the TSC a
 * variable the test advances, the APIC timer a per-CPU record of the last
 * deadline programmed, a kick a counter.
 *
 * unit-test-sources: core/time.c tests/unit/fakes/console.c
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/config.h"
#include "core/symbols.h"
#include "core/time.h"
#include "core/timer.h"
#include "tests/unit/fakes/console.h"

#define TSC_KHZ 1000 /* one tick per microsecond */
#define US 1000ULL   /* ns */
#define NR_TEST_CPUS 2
#define MANY 1000

/* ---- fake CPUs, TSC and APIC timer ---- */

static __thread unsigned int current_cpu;
static volatile uint64_t now_tsc;
static uint64_t khz = TSC_KHZ;
static uint64_t programmed[HV_MAX_CPUS];
static unsigned int program_calls[HV_MAX_CPUS];
static unsigned int timer_kicks[HV_MAX_CPUS];

unsigned int arch_cpu_id(void)
{
	return current_cpu;
}

unsigned int arch_cpus_online(void)
{
	return NR_TEST_CPUS;
}

uint64_t arch_cycles(void)
{
	return now_tsc;
}

uint64_t arch_tsc_khz(void)
{
	return khz;
}

void arch_cpu_relax(void)
{
	sched_yield(); /* another thread holds what we wait for */
}

void arch_timer_program(uint64_t deadline_tsc)
{
	programmed[current_cpu] = deadline_tsc;
	program_calls[current_cpu]++;
}

void arch_timer_kick(unsigned int cpu)
{
	assert_int_not_equal(cpu, current_cpu);
	timer_kicks[cpu]++;
}

const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
	*offset = *size = 0;
	return "test_callback";
}

/* ---- callbacks that record what ran ---- */

static int order[MANY + 8];
static unsigned int nr_run;

struct probe {
	struct timer timer;
	int id;
	struct timer *victim;  /* stopped by the callback, if set */
	uint64_t rearm_ns;     /* re-armed by this much after running, if set */
	unsigned int runs;
	bool kill_self;
};

static void record(void *data)
{
	struct probe *p = data;

	p->runs++;
	order[nr_run++] = p->id;
	if (p->victim)
		timer_stop(p->victim);
	if (p->rearm_ns)
		timer_set(&p->timer, system_time() + p->rearm_ns);
	if (p->kill_self)
		timer_kill(&p->timer);
}

static void probe_init(struct probe *p, int id, unsigned int cpu)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	timer_init(&p->timer, record, p, cpu);
}

static void advance_us(uint64_t us)
{
	now_tsc += us;
}

static int setup(void **state)
{
	fake_console_reset();
	current_cpu = 0;
	khz = TSC_KHZ;
	now_tsc = 5000;
	time_init();
	memset(programmed, 0, sizeof(programmed));
	memset(program_calls, 0, sizeof(program_calls));
	memset(timer_kicks, 0, sizeof(timer_kicks));
	nr_run = 0;
	return 0;
}

/* Every queue must be empty after a test, or the next one sees its timers. */
static int teardown(void **state)
{
	for (unsigned int cpu = 0; cpu < NR_TEST_CPUS; cpu++) {
		current_cpu = cpu;
		now_tsc += 1ULL << 40;
		nr_run = 0;
		timer_interrupt();
		assert_int_equal(nr_run, 0);
	}
	current_cpu = 0;
	return 0;
}

/* ---- the scale ---- */

static void check_scale(uint64_t tsc_khz)
{
	struct time_scale s;
	uint64_t ns;

	assert_true(time_scale_for_khz(&s, tsc_khz));
	assert_true(s.mul >= 1u << 31);
	/* One millisecond of ticks is 1,000,000 ns, less at most the truncation. */
	ns = time_scale_apply(&s, tsc_khz);
	assert_true(ns <= NSEC_PER_MSEC && ns >= NSEC_PER_MSEC - 2);
	/* One hour, to 1 ppm. */
	ns = time_scale_apply(&s, tsc_khz * 3600 * 1000);
	assert_true(ns <= 3600 * NSEC_PER_SEC && ns >= 3600 * NSEC_PER_SEC - 3600 * 1000);
	/* The inverse is the first tick count that reaches ns. */
	for (uint64_t i = 0; i < 2000; i++) {
		uint64_t want = i * 7919 * 104729 + i;
		uint64_t t = time_scale_inverse(&s, want);

		assert_true(time_scale_apply(&s, t) >= want);
		if (t)
			assert_true(time_scale_apply(&s, t - 1) < want);
	}
}

static void test_scale(void **state)
{
	struct time_scale s;

	check_scale(1000);       /* 1 MHz: 1000 ns per tick, shift > 0 */
	check_scale(4000);       /* Bochs */
	check_scale(1000000);    /* 1 GHz */
	check_scale(2500000);    /* 2.5 GHz: shift < 0 */
	check_scale(3696123);    /* not a round number */
	check_scale(10000000);   /* 10 GHz */
	assert_false(time_scale_for_khz(&s, 0));
	/* Nothing overflows at the far end: no tick count reaches 2^64 - 1 ns at 4 GHz. */
	assert_true(time_scale_for_khz(&s, 4000000));
	assert_int_equal(time_scale_inverse(&s, UINT64_MAX), UINT64_MAX);
}

static void test_system_time(void **state)
{
	assert_int_equal(system_time(), 0);
	advance_us(1234);
	assert_int_equal(system_time(), 1234 * US);
	assert_int_equal(system_time_to_tsc(1234 * US), now_tsc);
	assert_int_equal(system_time_to_tsc(1234 * US + 1), now_tsc + 1); /* rounded up */
	assert_int_equal(system_time_to_tsc(TIME_NEVER), UINT64_MAX);
	assert_int_equal(system_time_to_tsc(UINT64_MAX - 1), UINT64_MAX);
	assert_int_equal(system_time_at(0), 0); /* before the base: 0, not a wrap */
}

/* ---- the queue ---- */

static struct probe many[MANY];

/* 1,000 timers set in a scrambled order run in deadline order, ties in the order set. */
static void test_many_in_order(void **state)
{
	for (int i = 0; i < MANY; i++) {
		/* 7 is coprime with 1000: every slot once, out of order; pairs share a deadline. */
		int slot = (i * 7) % MANY;

		probe_init(&many[i], slot, 0);
		timer_set(&many[i].timer, (uint64_t)(slot / 2 + 1) * US);
	}
	advance_us(MANY / 2 + 1);
	timer_interrupt();
	assert_int_equal(nr_run, MANY);
	assert_int_equal(programmed[0], 5000 + 1); /* the earliest, set once */
	for (int i = 1; i < MANY; i++) {
		int a = order[i - 1], b = order[i];

		assert_true(a / 2 <= b / 2);
		/* Same deadline: the one set first (smaller i, i = slot * 143 mod 1000) first. */
		if (a / 2 == b / 2)
			assert_true((a * 143) % MANY < (b * 143) % MANY);
	}
}

/* Only the due ones run; the APIC timer is then set for the next. */
static void test_only_due_run(void **state)
{
	struct probe a, b, c;

	probe_init(&a, 1, 0);
	probe_init(&b, 2, 0);
	probe_init(&c, 3, 0);
	timer_set(&a.timer, 100 * US);
	assert_int_equal(programmed[0], 5000 + 100);
	timer_set(&b.timer, 50 * US);
	assert_int_equal(programmed[0], 5000 + 50);
	timer_set(&c.timer, 200 * US);
	/* Later than the head: the APIC timer is left alone. */
	assert_int_equal(program_calls[0], 2);
	assert_true(timer_is_active(&c.timer));
	assert_int_equal(timer_expires(&c.timer), 200 * US);

	advance_us(49);
	timer_interrupt(); /* early: nothing due, same deadline programmed again */
	assert_int_equal(nr_run, 0);
	assert_int_equal(programmed[0], 5000 + 50);
	advance_us(60);
	timer_interrupt();
	assert_int_equal(nr_run, 2);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_int_equal(programmed[0], 5000 + 200);
	assert_false(timer_is_active(&a.timer));
	assert_int_equal(timer_expires(&a.timer), TIME_NEVER);
	timer_stop(&c.timer);
}

/* A deadline already passed fires at the next interrupt; a huge one never, without overflow. */
static void test_past_and_far_future(void **state)
{
	struct probe past, far, never;

	advance_us(1000);
	probe_init(&past, 1, 0);
	probe_init(&far, 2, 0);
	probe_init(&never, 3, 0);
	timer_set(&far.timer, UINT64_MAX - 1);
	assert_int_equal(programmed[0], UINT64_MAX);
	timer_set(&never.timer, TIME_NEVER);
	timer_set(&past.timer, 10 * US);
	assert_true(programmed[0] <= now_tsc); /* the APIC fires at once */
	timer_interrupt();
	assert_int_equal(nr_run, 1);
	assert_int_equal(order[0], 1);
	assert_int_equal(programmed[0], UINT64_MAX);
	advance_us(1000000000ULL); /* 1000 s later, still nothing */
	timer_interrupt();
	assert_int_equal(nr_run, 1);
	timer_stop(&far.timer);
	timer_stop(&never.timer);
}

/* Re-arming moves a timer (it is queued once); a stopped one does not run. */
static void test_rearm_and_stop(void **state)
{
	struct probe a, b;

	probe_init(&a, 1, 0);
	probe_init(&b, 2, 0);
	timer_set(&a.timer, 10 * US);
	timer_set(&a.timer, 30 * US);
	timer_set(&b.timer, 20 * US);
	timer_stop(&b.timer);
	timer_stop(&b.timer); /* twice is harmless */
	advance_us(25);
	timer_interrupt();
	assert_int_equal(nr_run, 0);
	advance_us(10);
	timer_interrupt();
	assert_int_equal(nr_run, 1);
	assert_int_equal(a.runs, 1);
	assert_int_equal(b.runs, 0);
}

/* A callback may stop another due timer, re-arm itself, or kill itself. */
static void test_callbacks_change_timers(void **state)
{
	struct probe stopper, victim, periodic, suicidal;

	probe_init(&stopper, 1, 0);
	probe_init(&victim, 2, 0);
	probe_init(&periodic, 3, 0);
	probe_init(&suicidal, 4, 0);
	stopper.victim = &victim.timer;
	periodic.rearm_ns = 100 * US;
	suicidal.kill_self = true;
	timer_set(&stopper.timer, 10 * US);
	timer_set(&victim.timer, 10 * US); /* due with the stopper, after it */
	timer_set(&periodic.timer, 10 * US);
	timer_set(&suicidal.timer, 10 * US);
	advance_us(10);
	timer_interrupt();
	assert_int_equal(stopper.runs, 1);
	assert_int_equal(victim.runs, 0);
	assert_int_equal(periodic.runs, 1);
	assert_int_equal(suicidal.runs, 1);
	assert_int_equal(programmed[0], now_tsc + 100);
	/* Killed: setting it again does nothing. */
	timer_set(&suicidal.timer, 0);
	assert_false(timer_is_active(&suicidal.timer));
	advance_us(100);
	timer_interrupt();
	assert_int_equal(periodic.runs, 2);
	assert_int_equal(suicidal.runs, 1);
	periodic.rearm_ns = 0;
	timer_stop(&periodic.timer);
}

/* A timer of another CPU: that CPU is kicked, not this one's APIC programmed; migration moves it. */
static void test_other_cpu_and_migrate(void **state)
{
	struct probe p, q;

	probe_init(&p, 1, 1);
	probe_init(&q, 2, 1);
	timer_set(&p.timer, 50 * US);
	assert_int_equal(timer_kicks[1], 1);
	assert_int_equal(program_calls[0], 0);
	timer_set(&q.timer, 60 * US);
	assert_int_equal(timer_kicks[1], 1); /* later than the head: no second kick */
	advance_us(100);
	timer_interrupt(); /* CPU 0's interrupt runs none of CPU 1's timers */
	assert_int_equal(nr_run, 0);

	/* Migrated to this CPU: armed here, kept its deadline, runs here. */
	timer_migrate(&p.timer, 0);
	assert_int_equal(programmed[0], 5000 + 50);
	timer_interrupt();
	assert_int_equal(nr_run, 1);
	assert_int_equal(order[0], 1);
	/* An inactive timer migrates too, and is then set on its new CPU. */
	timer_migrate(&p.timer, 1);
	timer_set(&p.timer, 0);
	assert_int_equal(timer_kicks[1], 2);
	current_cpu = 1;
	timer_interrupt();
	assert_int_equal(nr_run, 3);
	current_cpu = 0;
}

/* ---- timer_kill against a callback running on another CPU ---- */

static volatile int callback_entered, callback_release, callback_done, kill_returned;
static volatile int done_when_killed;
static struct timer slow_timer;

static void slow_callback(void *data)
{
	__atomic_store_n(&callback_entered, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&callback_release, __ATOMIC_SEQ_CST))
		sched_yield();
	__atomic_store_n(&callback_done, 1, __ATOMIC_SEQ_CST);
}

static void *cpu1_runs_timers(void *arg)
{
	current_cpu = 1;
	timer_interrupt();
	return NULL;
}

static void *cpu0_kills(void *arg)
{
	current_cpu = 0;
	timer_kill(&slow_timer);
	/* Checked by the main thread: cmocka's asserts are not for other threads. */
	done_when_killed = __atomic_load_n(&callback_done, __ATOMIC_SEQ_CST);
	__atomic_store_n(&kill_returned, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_kill_waits_for_callback_elsewhere(void **state)
{
	pthread_t runner, killer;

	callback_entered = callback_release = callback_done = kill_returned = 0;
	done_when_killed = 0;
	timer_init(&slow_timer, slow_callback, NULL, 1);
	timer_set(&slow_timer, 10 * US);
	advance_us(10);
	assert_int_equal(pthread_create(&runner, NULL, cpu1_runs_timers, NULL), 0);
	while (!__atomic_load_n(&callback_entered, __ATOMIC_SEQ_CST))
		sched_yield();
	assert_int_equal(pthread_create(&killer, NULL, cpu0_kills, NULL), 0);
	usleep(20000);
	assert_int_equal(__atomic_load_n(&kill_returned, __ATOMIC_SEQ_CST), 0);
	__atomic_store_n(&callback_release, 1, __ATOMIC_SEQ_CST);
	assert_int_equal(pthread_join(runner, NULL), 0);
	assert_int_equal(pthread_join(killer, NULL), 0);
	assert_int_equal(kill_returned, 1);
	assert_int_equal(done_when_killed, 1); /* it returned only after the callback */
	/* Killed for good. */
	timer_set(&slow_timer, 0);
	assert_false(timer_is_active(&slow_timer));
}

/* Sets and stops from two CPUs at once keep the queues whole (ASan and the teardown check). */
static struct probe racers[64];

static void *hammer(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg;

	current_cpu = me;
	for (unsigned int round = 0; round < 2000; round++) {
		struct probe *p = &racers[(round * 13 + me * 7) % 64];

		if (round % 3 == 2)
			timer_stop(&p->timer);
		else if (round % 5 == 4)
			timer_migrate(&p->timer, round % NR_TEST_CPUS);
		else
			timer_set(&p->timer, (round % 50 + 1000000) * US);
	}
	return NULL;
}

static void test_concurrent_set_stop_migrate(void **state)
{
	pthread_t t[NR_TEST_CPUS];

	for (int i = 0; i < 64; i++)
		probe_init(&racers[i], i, i % NR_TEST_CPUS);
	for (unsigned int i = 0; i < NR_TEST_CPUS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)(uintptr_t)i), 0);
	for (unsigned int i = 0; i < NR_TEST_CPUS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 64; i++)
		timer_kill(&racers[i].timer);
}

/* ---- debug key 't' ---- */

static void test_dump(void **state)
{
	struct probe a, b;

	probe_init(&a, 1, 0);
	probe_init(&b, 2, 1);
	timer_set(&a.timer, 250 * US);
	timer_set(&b.timer, TIME_NEVER);
	fake_console_reset();
	timer_dump();
	assert_non_null(strstr(fake_console_output(), "CPU 0: 1 timer,"));
	assert_non_null(strstr(fake_console_output(), "in 250 us  test_callback"));
	assert_non_null(strstr(fake_console_output(), "CPU 1: 1 timer,"));
	assert_non_null(strstr(fake_console_output(), "never"));
	timer_stop(&a.timer);
	timer_stop(&b.timer);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_scale),
		TEST(test_system_time),
		TEST(test_many_in_order),
		TEST(test_only_due_run),
		TEST(test_past_and_far_future),
		TEST(test_rearm_and_stop),
		TEST(test_callbacks_change_timers),
		TEST(test_other_cpu_and_migrate),
		TEST(test_kill_waits_for_callback_elsewhere),
		TEST(test_concurrent_set_stop_migrate),
		TEST(test_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
