/*
 * Tests for core/domain.c with the real scheduler (core/sched.c,
 * core/sched_rr.c), guest memory and frame allocator over a fake physical
 * arena: a domain's whole life, from the boot configuration to the "all
 * domains ended" call, with every frame counted.
 *
 * Several CPUs are simulated on one thread. run_cpu(N) runs sched_run() as
 * CPU N until it has nothing left to run: the fake arch_idle_wait() jumps
 * back out of it. Each run_cpu() starts with that CPU's timer interrupt
 * (core/timer.c is real; the fake APIC timer only records its deadline). What a guest does in a time slice is a per-test function
 * called by the fake arch_vcpu_run(); a hook in the fake
 * arch_domain_destroy() can run another CPU in the middle of a domain's
 * release, the way a second processor would. The heap is the C library's,
 * so AddressSanitizer sees any use of a freed domain or vCPU.
 *
 * unit-test-sources: core/sched.c core/sched_rr.c core/timer.c core/time.c core/vcpu_timer.c core/guest_memory.c core/page_alloc.c core/grant_table.c core/console_ring.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/config.h"
#include "core/domain.h"
#include "core/domain_build.h"
#include "core/domain_lifecycle.h"
#include "core/errno.h"
#include "core/evtchn.h"
#include "core/heap.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "core/pvclock.h"
#include "core/sched.h"
#include "core/symbols.h"
#include "core/time.h"
#include "core/timer.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_SIZE (64 * MiB)
#define TSC_KHZ 1000 /* one tick per microsecond */
#define NR_TEST_CPUS 2

static const struct boot_mem_region test_map[] = {
	{ .base = 1 * MiB, .length = 47 * MiB, .type = BOOT_MEM_AVAILABLE },
};

/* ---- the C library where the hypervisor has its own ---- */

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

void *kmalloc(size_t size)
{
	return malloc(size);
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *ptr)
{
	free(ptr);
}

/* ---- simulated CPUs ---- */

static unsigned int current_cpu;
static unsigned int nr_cpus = NR_TEST_CPUS;
static uint64_t now;
static jmp_buf *idle_exit;
static unsigned int kicks[HV_MAX_CPUS];

unsigned int arch_cpu_id(void)
{
	return current_cpu;
}

unsigned int arch_cpus_online(void)
{
	return nr_cpus;
}

uint64_t arch_cycles(void)
{
	return now;
}

uint64_t arch_tsc_khz(void)
{
	return TSC_KHZ;
}

void arch_cpu_relax(void)
{
	/* One thread: a lock found taken would never be released. */
	fail_msg("spinning on a lock that is taken");
}

void arch_kick_cpu(unsigned int cpu)
{
	assert_true(cpu < nr_cpus);
	assert_int_not_equal(cpu, current_cpu);
	kicks[cpu]++;
}

void arch_irq_window(void)
{
}

void arch_idle_wait(void)
{
	longjmp(*idle_exit, 1);
}

static uint64_t timer_deadline[HV_MAX_CPUS];
static unsigned int timer_kicks[HV_MAX_CPUS];

void arch_timer_program(uint64_t deadline_tsc)
{
	timer_deadline[current_cpu] = deadline_tsc;
}

void arch_timer_kick(unsigned int cpu)
{
	assert_true(cpu < nr_cpus);
	assert_int_not_equal(cpu, current_cpu);
	timer_kicks[cpu]++;
}

/* The guest timers' VIRQ: never raised here (no guest sets a timer). */
void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
	fail_msg("VIRQ %u raised on d%uv%u", virq, v->domain->id, v->id);
}

/* pvclock records are tested with the hypercalls that place them (test_hypercall.c). */
void pvclock_before_run(struct vcpu *v, unsigned int cpu)
{
}

const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
	return NULL;
}

/* Runs CPU cpu's scheduling loop until its run queue is empty. */
static void run_cpu(unsigned int cpu)
{
	jmp_buf here;
	jmp_buf *volatile outer = idle_exit;
	volatile unsigned int outer_cpu = current_cpu;

	current_cpu = cpu;
	idle_exit = &here;
	timer_interrupt();
	if (!setjmp(here))
		sched_run();
	idle_exit = outer;
	current_cpu = outer_cpu;
}

static void run_all_cpus(void)
{
	for (unsigned int round = 0; round < 4; round++)
		for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
			run_cpu(cpu);
}

/* ---- fake guests and VMX ---- */

typedef void (*guest_fn)(struct vcpu *v, unsigned int run);

static guest_fn guest;
static unsigned int runs[MAX_DOMAINS][DOMAIN_MAX_VCPUS];
static unsigned int vcpus_destroyed;
static int vcpu_init_fail_for; /* domain id whose vCPU 1 cannot be set up; 0: none */

int arch_vcpu_init(struct vcpu *v)
{
	paddr_t pa;
	int rc;

	if (v->domain->id == vcpu_init_fail_for && v->id == 1)
		return -ENOMEM;
	rc = domain_alloc_overhead_page(v->domain, &pa);
	if (rc)
		return rc;
	v->arch.vmcs_pa = pa;
	v->arch.loaded_on_cpu = -1;
	return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
	if (!v->arch.vmcs_pa)
		return;
	/* Only the CPU whose VMCS it is may clear it. */
	if (v->arch.loaded_on_cpu != -1)
		assert_int_equal(v->arch.loaded_on_cpu, current_cpu);
	domain_free_overhead_page(v->domain, v->arch.vmcs_pa);
	v->arch.vmcs_pa = 0;
	vcpus_destroyed++;
}

/* console_io's rate limit is tested with its handler (test_hypercall.c): no limit here. */
bool domain_console_tokens_take(struct domain *d, size_t want)
{
	return true;
}

int arch_vcpu_load(struct vcpu *v)
{
	/* Only on the vCPU's own CPU, as for a VMCS. */
	assert_int_equal(v->cpu, current_cpu);
	v->arch.loaded_on_cpu = (int)current_cpu;
	return 0;
}

void arch_vcpu_run(struct vcpu *v, uint64_t slice_tsc)
{
	(void)slice_tsc;
	assert_int_equal(v->cpu, current_cpu);
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_true(v->on_cpu);
	assert_non_null(v->arch.vmcs_pa);
	v->arch.loaded_on_cpu = (int)current_cpu;
	if (v->requests)
		return;
	assert_true(v->domain->id < MAX_DOMAINS);
	guest(v, runs[v->domain->id][v->id]++);
}

static void (*destroy_hook)(struct domain *d);

/*
 * core/evtchn.c (tested on its own): the shared_info frame it takes, and
 * when its teardown runs - first, while the domain's memory and EPT exist.
 */
static unsigned int evtchn_inits, evtchn_destroys;
static int evtchn_init_fail_for; /* domain id whose channels cannot be set up; 0: none */
static struct evtchn_domain *const evtchn_marker = (struct evtchn_domain *)&evtchn_inits;

int evtchn_domain_init(struct domain *d)
{
	evtchn_inits++;
	assert_int_equal(d->nr_vcpus, d->config.vcpus);
	if (d->id == evtchn_init_fail_for)
		return -ENOMEM;
	d->evtchn = evtchn_marker;
	return domain_alloc_overhead_page(d, &d->shared_info_hpa);
}

void evtchn_domain_destroy(struct domain *d)
{
	if (!d->evtchn)
		return;
	assert_ptr_equal(d->evtchn, evtchn_marker);
	assert_non_null(d->arch.ept_root);
	assert_non_null(d->chunks);
	d->evtchn = NULL;
	evtchn_destroys++;
}

int arch_domain_init(struct domain *d)
{
	return domain_alloc_overhead_page(d, &d->arch.ept_root);
}

void arch_domain_destroy(struct domain *d)
{
	if (!d->arch.ept_root)
		return;
	if (destroy_hook) {
		void (*hook)(struct domain *) = destroy_hook;

		destroy_hook = NULL;
		hook(d);
	}
	domain_free_overhead_page(d, d->arch.ept_root);
	d->arch.ept_root = 0;
}

int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms)
{
	return 0;
}

int arch_domain_unmap(struct domain *d, uint64_t gpa, uint64_t size)
{
	return 0;
}

int arch_guest_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
	return -EFAULT;
}

/* The builder is tested on its own (test_domain_build.c): here it fails on request. */
int domain_build(struct domain *d, const struct boot_module *kernel,
		 const struct boot_module *initrd, char *err, size_t errlen)
{
	if (!strcmp(kernel->name, "broken")) {
		snprintf(err, errlen, "domain '%s': kernel 'broken' is not a usable ELF image",
			 d->name);
		return -ENOEXEC;
	}
	return 0;
}

/* ---- what the guests do ---- */

static void guest_poweroff(struct vcpu *v, unsigned int run)
{
	domain_console_write(v->domain, "Test result: SUCCESS\n", 21);
	domain_shutdown(v->domain, SHUTDOWN_poweroff);
}

static void guest_block_then_poweroff(struct vcpu *v, unsigned int run)
{
	if (run == 0)
		__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_ACQ_REL);
	else
		guest_poweroff(v, run);
}

static void guest_block(struct vcpu *v, unsigned int run)
{
	__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_ACQ_REL);
}

static void guest_crash(struct vcpu *v, unsigned int run)
{
	domain_crash(v->domain, "EPT violation at gpa %#x", 0x12345000);
}

static void guest_yield_then_poweroff(struct vcpu *v, unsigned int run)
{
	if (run < 3)
		__atomic_or_fetch(&v->requests, VCPU_REQ_YIELD, __ATOMIC_ACQ_REL);
	else
		guest_poweroff(v, run);
}

/* ---- the "all domains ended" call ---- */

static unsigned int all_ended_calls;
static uint64_t free_at_all_ended;
static uint64_t free_before;

static void all_ended(void)
{
	all_ended_calls++;
	free_at_all_ended = page_alloc_free_frames();
	for (unsigned int i = 1; i < MAX_DOMAINS; i++)
		assert_null(domains[i]);
}

/* ---- fixture ---- */

static struct boot_info bi;
static struct domain_config configs[MAX_DOMAINS - 1];

static int setup(void **state)
{
	fake_physmem_init(0, ARENA_SIZE);
	if (page_alloc_init(test_map, ARRAY_SIZE(test_map)) != 0)
		return -1;
	free_before = page_alloc_free_frames();
	fake_console_reset();
	memset(&bi, 0, sizeof(bi));
	bi.nr_modules = 2;
	strcpy(bi.modules[0].name, "k");
	strcpy(bi.modules[1].name, "broken");
	memset(configs, 0, sizeof(configs));
	memset(runs, 0, sizeof(runs));
	memset(kicks, 0, sizeof(kicks));
	current_cpu = 0;
	nr_cpus = NR_TEST_CPUS;
	now = 1000000;
	time_init();
	memset(timer_deadline, 0, sizeof(timer_deadline));
	memset(timer_kicks, 0, sizeof(timer_kicks));
	guest = guest_poweroff;
	destroy_hook = NULL;
	vcpu_init_fail_for = 0;
	evtchn_init_fail_for = 0;
	evtchn_inits = evtchn_destroys = 0;
	vcpus_destroyed = 0;
	all_ended_calls = 0;
	free_at_all_ended = 0;
	domains_all_ended = all_ended;
	return 0;
}

static int teardown(void **state)
{
	for (unsigned int i = 1; i < MAX_DOMAINS; i++)
		assert_null(domains[i]);
	fake_physmem_free();
	return 0;
}

static void configure(unsigned int i, const char *name, const char *kernel, int cpu,
		      unsigned int vcpus)
{
	struct domain_config *c = &configs[i];

	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->kernel, sizeof(c->kernel), "%s", kernel);
	c->memory = 2 * MiB;
	c->vcpus = vcpus;
	c->cpu = cpu;
}

static void assert_logged(const char *text)
{
	if (!strstr(fake_console_output(), text))
		fail_msg("'%s' not in the log:\n%s", text, fake_console_output());
}

static void assert_not_logged(const char *text)
{
	if (strstr(fake_console_output(), text))
		fail_msg("'%s' is in the log:\n%s", text, fake_console_output());
}

static void assert_every_frame_back(void)
{
	assert_int_equal(all_ended_calls, 1);
	assert_int_equal(free_at_all_ended, free_before);
	assert_int_equal(page_alloc_free_frames(), free_before);
}

/* ---- tests ---- */

static void test_one_domain_lifecycle(void **state)
{
	configure(0, "one", "k", 1, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	assert_non_null(domains[1]);
	assert_int_equal(domains[1]->state, DOMAIN_RUNNING);
	assert_int_equal(kicks[1], 1); /* vCPU 0 was queued on CPU 1 from CPU 0 */
	assert_int_equal(all_ended_calls, 0);

	run_cpu(0);
	assert_int_equal(runs[1][0], 0);
	run_cpu(1);
	assert_int_equal(runs[1][0], 1);
	assert_logged("(d1) Test result: SUCCESS\n");
	assert_logged("domain 1 (one) shutdown poweroff\n");
	assert_logged("DOMAIN-END: one SUCCESS shutdown poweroff\n");
	assert_int_equal(vcpus_destroyed, 1);
	assert_every_frame_back();
}

static void test_yield_requeues(void **state)
{
	guest = guest_yield_then_poweroff;
	configure(0, "yielder", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	run_cpu(0);
	assert_int_equal(runs[1][0], 4);
	assert_logged("DOMAIN-END: yielder SUCCESS");
	assert_every_frame_back();
}

/*
 * Two domains ending on two CPUs at once: the one whose release finishes
 * last must be the one that reports, or the report sees frames that are
 * still being freed (and the machine powers off under that CPU's feet).
 */
static void run_cpu1_now(struct domain *d)
{
	assert_string_equal(d->name, "first");
	run_cpu(1);
}

static void test_all_ended_waits_for_every_release(void **state)
{
	configure(0, "first", "k", 0, 1);
	configure(1, "second", "k", 1, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 2), 2);

	/* CPU 0 releases "first"; half-way through, CPU 1 ends "second" entirely. */
	destroy_hook = run_cpu1_now;
	run_cpu(0);
	assert_null(destroy_hook);
	assert_int_equal(runs[2][0], 1);
	assert_logged("DOMAIN-END: first SUCCESS");
	assert_logged("DOMAIN-END: second SUCCESS");
	assert_every_frame_back();
}

/*
 * A wake-up that comes while the vCPU is still running, after it asked to
 * block (HLT) but before the scheduler blocked it, must not be lost.
 */
static void guest_block_and_get_woken(struct vcpu *v, unsigned int run)
{
	if (run == 0) {
		__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_ACQ_REL);
		/* An event for it, from another CPU, at this very moment. */
		current_cpu = 1;
		sched_wake(v);
		current_cpu = 0;
		return;
	}
	guest_poweroff(v, run);
}

static void test_wake_during_block_request_is_not_lost(void **state)
{
	guest = guest_block_and_get_woken;
	configure(0, "sleeper", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	run_cpu(0);
	/* Lost, the wake would leave it blocked for good: end it before judging. */
	if (domains[1]) {
		domain_crash(domains[1], "the wake-up was lost");
		run_cpu(0);
	}
	assert_int_equal(runs[1][0], 2);
	assert_logged("DOMAIN-END: sleeper SUCCESS");
	assert_every_frame_back();
}

static void test_wake_of_blocked_vcpu(void **state)
{
	struct vcpu *v;

	guest = guest_block_then_poweroff;
	configure(0, "sleeper", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	v = domains[1]->vcpus[0];
	run_cpu(0);
	assert_int_equal(runs[1][0], 1);
	assert_int_equal(v->state, VCPU_BLOCKED);
	/* A wake from another CPU queues it and kicks its CPU. */
	current_cpu = 1;
	sched_wake(v);
	current_cpu = 0;
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_int_equal(kicks[0], 1);
	/* Waking a runnable vCPU does not queue it twice. */
	sched_wake(v);
	run_cpu(0);
	assert_int_equal(runs[1][0], 2);
	assert_every_frame_back();
}

/*
 * VCPUOP_up/down's scheduler half and the runstate times, exactly (one
 * tick is 1 us): vCPU 0 runs 100 us, brings vCPU 1 up and at once down
 * again (it must never run), then blocks; vCPU 1 is brought up again, runs
 * 50 us and takes itself down.
 */
static void guest_up_down(struct vcpu *v, unsigned int run)
{
	struct vcpu *other = v->domain->vcpus[1];

	if (v->id == 1) {
		now += 50;
		sched_vcpu_down(v);
		return;
	}
	if (run == 0) {
		now += 100;
		/* An event does not start a vCPU that is down. */
		sched_wake(other);
		assert_int_equal(other->state, VCPU_DOWN);
		other->down = false;
		sched_vcpu_up(other);
		assert_int_equal(other->state, VCPU_RUNNABLE);
		sched_vcpu_down(other);
		__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_ACQ_REL);
		return;
	}
	guest_poweroff(v, run);
}

static void test_vcpu_up_down_runstate(void **state)
{
	const uint64_t t0 = 0; /* system time starts with the fixture (time_init) */
	struct vcpu_runstate_info info;
	struct vcpu *v0, *v1;

	guest = guest_up_down;
	configure(0, "updown", "k", 0, 2);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	v0 = domains[1]->vcpus[0];
	v1 = domains[1]->vcpus[1];
	assert_int_equal(v1->runstate.state, RUNSTATE_offline);
	assert_int_equal(v1->runstate.state_entry_time, t0);

	run_cpu(0);
	run_cpu(v1->cpu);
	/* Taken down while it waited for its CPU: it never ran. */
	assert_int_equal(runs[1][1], 0);
	assert_int_equal(v1->state, VCPU_DOWN);
	assert_int_equal(v1->requests, 0);
	assert_int_equal(v0->state, VCPU_BLOCKED);

	now += 100;
	sched_vcpu_up(v1);
	run_cpu(v1->cpu);
	assert_int_equal(runs[1][1], 1);
	assert_int_equal(v1->state, VCPU_DOWN);
	sched_runstate_get(v1, &info);
	assert_int_equal(info.state, RUNSTATE_offline);
	assert_int_equal(info.state_entry_time, t0 + 250000);
	assert_int_equal(info.time[RUNSTATE_running], 50000);
	assert_int_equal(info.time[RUNSTATE_runnable], 0);
	assert_int_equal(info.time[RUNSTATE_blocked], 0);
	assert_int_equal(info.time[RUNSTATE_offline], 200000);

	/* vCPU 0: ran 100 us, blocked since; the current state counts up to now. */
	sched_runstate_get(v0, &info);
	assert_int_equal(info.state, RUNSTATE_blocked);
	assert_int_equal(info.time[RUNSTATE_running], 100000);
	assert_int_equal(info.time[RUNSTATE_blocked], 150000);
	assert_int_equal(info.time[RUNSTATE_offline], 0);
	/* The snapshot accounted nothing: the vCPU's own record is unchanged. */
	assert_int_equal(v0->runstate.time[RUNSTATE_blocked], 0);

	/* Down while blocked: off at once; a wake does not start it; up does. */
	sched_vcpu_down(v0);
	assert_int_equal(v0->state, VCPU_DOWN);
	assert_int_equal(v0->runstate.state, RUNSTATE_offline);
	sched_wake(v0);
	assert_int_equal(v0->state, VCPU_DOWN);
	sched_vcpu_up(v0);
	run_all_cpus();
	assert_int_equal(runs[1][0], 2);
	assert_logged("DOMAIN-END: updown SUCCESS");
	assert_every_frame_back();
}

/* An event (sched_wake) wakes a blocked vCPU, never a down one. */
static void test_unblock(void **state)
{
	struct vcpu *v, *down;

	guest = guest_block_then_poweroff;
	configure(0, "sleeper", "k", 0, 2);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	v = domains[1]->vcpus[0];
	down = domains[1]->vcpus[1];
	run_cpu(0);
	assert_int_equal(v->state, VCPU_BLOCKED);
	current_cpu = 1;
	assert_false(sched_wake(down));
	assert_int_equal(down->state, VCPU_DOWN);
	assert_true(sched_wake(v));
	current_cpu = 0;
	assert_int_equal(v->state, VCPU_RUNNABLE);
	assert_int_equal(kicks[0], 1);
	/* Runnable already: not queued twice; a pending block request is withdrawn. */
	__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_ACQ_REL);
	assert_false(sched_wake(v));
	assert_int_equal(v->requests, 0);
	run_cpu(0);
	assert_int_equal(runs[1][0], 2);
	assert_logged("DOMAIN-END: sleeper SUCCESS");
	assert_every_frame_back();
}

/* Event channels come with the domain and go first when it is freed. */
static void test_event_channels_follow_the_domain(void **state)
{
	char list[128];

	evtchn_init_fail_for = 1;
	configure(0, "nochannels", "k", 0, 2);
	configure(1, "ok", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 2), 1);
	assert_logged("domain 'nochannels': cannot allocate 2 MiB and 2 vCPUs: out of memory: "
		      "domain not created\n");
	assert_int_equal(evtchn_inits, 2);
	assert_int_equal(evtchn_destroys, 0);
	assert_non_null(domains[2]->shared_info_hpa);
	run_cpu(0);
	assert_int_equal(evtchn_destroys, 1);
	assert_every_frame_back();
	assert_int_equal(domains_outcomes(list, sizeof(list)), 2);
	assert_string_equal(list, "nochannels=NOTCREATED ok=SUCCESS");
}

/* A crash on vCPU 0 also releases vCPU 1, never started, on its own CPU. */
static void test_crash_releases_down_vcpus(void **state)
{
	guest = guest_crash;
	configure(0, "twin", "k", 0, 2);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	assert_int_equal(domains[1]->vcpus[1]->state, VCPU_DOWN);
	run_all_cpus();
	assert_int_equal(runs[1][0], 1);
	assert_int_equal(runs[1][1], 0);
	assert_int_equal(vcpus_destroyed, 2);
	assert_logged("domain 1 (twin) crashed: EPT violation at gpa 0x12345000\n");
	assert_logged("DOMAIN-END: twin CRASH crashed: EPT violation at gpa 0x12345000\n");
	assert_every_frame_back();
}

/* A domain that never wakes is destroyed at its timeout, by the timer on vCPU 0's CPU. */
static void guest_stuck_blocks(struct vcpu *v, unsigned int run)
{
	if (!strcmp(v->domain->name, "stuck"))
		guest_block(v, run);
	else
		guest_poweroff(v, run);
}

static void test_timeout_destroys_blocked_domain(void **state)
{
	guest = guest_stuck_blocks;
	configure(0, "stuck", "k", 0, 1);
	configs[0].timeout_ms = 5;
	configure(1, "fine", "k", 1, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 2), 2);
	/* 5 ms = 5000 ticks after the start: CPU 0's APIC timer is armed for it. */
	assert_int_equal(timer_deadline[0], now + 5000);
	run_cpu(0);
	assert_int_equal(domains[1]->vcpus[0]->state, VCPU_BLOCKED);
	now += 4999;
	run_cpu(1); /* "fine" ends */
	run_cpu(0); /* "stuck" is 1 us short of its deadline */
	assert_int_equal(all_ended_calls, 0);
	assert_non_null(domains[1]);
	assert_int_equal(domains[1]->vcpus[0]->state, VCPU_BLOCKED);
	now += 1;
	run_cpu(0); /* the timer fires; the same CPU then releases the vCPU */
	assert_logged("domain 1 (stuck) destroyed: timeout after 5 ms (vCPU 0 blocked)\n");
	assert_logged("DOMAIN-END: stuck CRASH destroyed: timeout");
	assert_every_frame_back();
}

/* A domain that ends before its timeout takes its timer with it (ASan sees a stale one). */
static void test_timeout_cancelled_when_domain_ends(void **state)
{
	configure(0, "quick", "k", 1, 1);
	configs[0].timeout_ms = 5;
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	/* Set from CPU 0 on CPU 1's queue: CPU 1 is made to program its own APIC timer. */
	assert_int_equal(timer_kicks[1], 1);
	assert_int_equal(timer_deadline[1], 0);
	run_cpu(1);
	assert_int_equal(timer_deadline[1], now + 5000);
	assert_int_equal(all_ended_calls, 1);
	now += 10000;
	run_cpu(1); /* the APIC timer still fires: nothing is due */
	assert_not_logged("timeout");
	assert_every_frame_back();
}

/* A domain that cannot be built is skipped alone, and gives back what it had. */
static void test_domains_not_created(void **state)
{
	char list[256];

	configure(0, "nokernel", "missing", 0, 1);
	configure(1, "bad", "broken", 0, 1);
	configure(2, "halfvcpus", "k", 0, 2);
	vcpu_init_fail_for = 3;
	configure(3, "good", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 4), 1);
	assert_logged("domain 'nokernel': no boot module named 'missing': domain not created\n");
	assert_logged("domain 'bad': kernel 'broken' is not a usable ELF image: domain not "
		      "created\n");
	assert_logged("domain 'halfvcpus': cannot allocate 2 MiB and 2 vCPUs: out of memory: "
		      "domain not created\n");
	assert_logged("DOMAIN-END: halfvcpus NOTCREATED\n");
	assert_int_equal(page_alloc_free_frames() + domains[4]->frames_guest +
				 domains[4]->frames_overhead,
			 free_before);
	run_cpu(0);
	assert_every_frame_back();
	assert_int_equal(domains_outcomes(list, sizeof(list)), 4);
	assert_string_equal(list, "nokernel=NOTCREATED bad=NOTCREATED halfvcpus=NOTCREATED "
				  "good=SUCCESS");
}

/* What a guest prints cannot reach the machine-read result line as anything but one word. */
static void guest_forges_result(struct vcpu *v, unsigned int run)
{
	static const char text[] = "Test result: SUCCESS\tother=SUCCESS\n";

	domain_console_write(v->domain, text, sizeof(text) - 1);
	domain_shutdown(v->domain, SHUTDOWN_poweroff);
}

static void test_result_word(void **state)
{
	char list[256];

	guest = guest_forges_result;
	configure(0, "forger", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	run_cpu(0);
	assert_logged("DOMAIN-END: forger SUCCESS shutdown poweroff\n");
	domains_outcomes(list, sizeof(list));
	assert_non_null(strstr(list, "forger=SUCCESS"));
	assert_null(strstr(list, "other"));
	assert_every_frame_back();
}

static void guest_prints(struct vcpu *v, unsigned int run)
{
	char long_line[300];

	domain_console_write(v->domain, "a\x1b[2Jb\x7f\r\n", 9);
	memset(long_line, 'x', sizeof(long_line));
	domain_console_write(v->domain, long_line, sizeof(long_line));
	domain_console_write(v->domain, "\n", 1);
	/* A crash ends the line that was being written, and the result is CRASH. */
	domain_console_write(v->domain, "Test result: SUCCESS", 20);
	domain_shutdown(v->domain, SHUTDOWN_crash);
}

static void test_console_lines(void **state)
{
	const size_t first = DOMAIN_CONSOLE_LINE - 1, second = 300 - first;
	char expected[400];
	size_t n = 0;

	guest = guest_prints;
	configure(0, "printer", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	run_cpu(0);
	/* Control characters never reach our terminal. */
	assert_logged("(d1) a?[2Jb?\n");
	/* A line longer than the buffer is cut, not lost. */
	n += (size_t)snprintf(expected + n, sizeof(expected) - n, "(d1) ");
	memset(expected + n, 'x', first);
	n += first;
	n += (size_t)snprintf(expected + n, sizeof(expected) - n, "\n(d1) ");
	memset(expected + n, 'x', second);
	n += second;
	snprintf(expected + n, sizeof(expected) - n, "\n");
	assert_logged(expected);
	assert_logged("(d1) Test result: SUCCESS\n");
	assert_logged("DOMAIN-END: printer CRASH shutdown crash\n");
	assert_every_frame_back();
}

/* The first end wins: a later crash or shutdown changes nothing. */
static void guest_ends_twice(struct vcpu *v, unsigned int run)
{
	domain_shutdown(v->domain, SHUTDOWN_poweroff);
	domain_crash(v->domain, "too late");
	domain_shutdown(v->domain, SHUTDOWN_reboot);
}

static void test_first_end_wins(void **state)
{
	guest = guest_ends_twice;
	configure(0, "twice", "k", 0, 1);
	assert_int_equal(domains_create_from_config(&bi, configs, 1), 1);
	run_cpu(0);
	assert_logged("DOMAIN-END: twice CRASH shutdown poweroff\n");
	assert_null(strstr(fake_console_output(), "too late"));
	assert_null(strstr(fake_console_output(), "reboot"));
	assert_every_frame_back();
}

static void test_placement(void **state)
{
	nr_cpus = 3;
	assert_int_equal(sched_place_vcpu(2), 2);
	assert_int_equal(sched_place_vcpu(0), 0);
	for (unsigned int i = 0; i < 6; i++)
		assert_true(sched_place_vcpu(-1) < 3);
	fake_console_reset();
	assert_true(sched_place_vcpu(3) < 3);
	assert_logged("sched: CPU 3 is not online; placing the vCPU automatically\n");
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_one_domain_lifecycle),
		TEST(test_yield_requeues),
		TEST(test_all_ended_waits_for_every_release),
		TEST(test_wake_during_block_request_is_not_lost),
		TEST(test_unblock),
		TEST(test_event_channels_follow_the_domain),
		TEST(test_wake_of_blocked_vcpu),
		TEST(test_crash_releases_down_vcpus),
		TEST(test_timeout_destroys_blocked_domain),
		TEST(test_timeout_cancelled_when_domain_ends),
		TEST(test_domains_not_created),
		TEST(test_result_word),
		TEST(test_console_lines),
		TEST(test_first_end_wins),
		TEST(test_placement),
		TEST(test_vcpu_up_down_runstate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
