/*
 * The scheduling loop and vCPU state changes; see sched.h. A vCPU's state
 * only changes under its CPU's run-queue lock, and only its own CPU runs or
 * frees it, so its VMCS is never touched from another processor.
 */
#include "core/arch.h"
#include "core/config.h"
#include "core/console.h"
#include "core/domain_lifecycle.h"
#include "core/hypercall.h"
#include "core/sched.h"

#define IDLE_WAIT_US 10000

static const struct scheduler *scheduler = &sched_round_robin;
static spinlock_t runqueue_lock[HV_MAX_CPUS];
static unsigned int next_placement;

void sched_init(void)
{
	pr_info("sched: %s, %lu us slices\n", scheduler->name,
		scheduler->slice_tsc() * 1000 / (arch_tsc_khz() ? arch_tsc_khz() : 1));
}

unsigned int sched_place_vcpu(int cpu)
{
	unsigned int online = arch_cpus_online();

	if (cpu >= 0 && (unsigned int)cpu < online)
		return (unsigned int)cpu;
	if (cpu >= 0)
		pr_warn("sched: CPU %d is not online; placing the vCPU automatically\n", cpu);
	return __atomic_fetch_add(&next_placement, 1, __ATOMIC_RELAXED) % online;
}

/*
 * Once the run-queue lock is released, v's CPU may run it, free it and its
 * domain: callers read nothing of v after that, hence the copy of v->cpu.
 */
void sched_wake(struct vcpu *v)
{
	unsigned int cpu = v->cpu;
	bool queued = false;

	spin_lock(&runqueue_lock[cpu]);
	if (v->state == VCPU_DOWN || v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		scheduler->insert(cpu, v);
		queued = true;
	} else if (v->state == VCPU_RUNNABLE) {
		/* It asked to block but has not yet: after_run must not block it now. */
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_BLOCK, __ATOMIC_ACQ_REL);
	}
	spin_unlock(&runqueue_lock[cpu]);
	if (queued && cpu != arch_cpu_id())
		arch_kick_cpu(cpu);
}

void sched_stop_vcpu(struct vcpu *v)
{
	unsigned int cpu = v->cpu;

	spin_lock(&runqueue_lock[cpu]);
	__atomic_or_fetch(&v->requests, VCPU_REQ_STOP, __ATOMIC_ACQ_REL);
	/* Off every queue: put it on one so its own CPU frees it. */
	if (v->state == VCPU_DOWN || v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		scheduler->insert(cpu, v);
	}
	spin_unlock(&runqueue_lock[cpu]);
	if (cpu != arch_cpu_id())
		arch_kick_cpu(cpu);
}

/* After a run: requeue, block, or (when its domain is dying) free the vCPU. */
static void after_run(unsigned int cpu, struct vcpu *v)
{
	uint32_t requests;
	bool stop;

	spin_lock(&runqueue_lock[cpu]);
	requests = __atomic_fetch_and(&v->requests, VCPU_REQ_STOP, __ATOMIC_ACQ_REL);
	stop = requests & VCPU_REQ_STOP;
	if (!stop) {
		if (requests & VCPU_REQ_BLOCK)
			v->state = VCPU_BLOCKED;
		else
			scheduler->insert(cpu, v);
	}
	spin_unlock(&runqueue_lock[cpu]);
	if (stop)
		vcpu_finalize(v);
}

bool hypercall_should_preempt(struct vcpu *v)
{
	return v->requests || arch_cycles() - v->slice_start_tsc >= scheduler->slice_tsc();
}

void sched_run(void)
{
	unsigned int cpu = arch_cpu_id();
	uint64_t slice = scheduler->slice_tsc();
	uint64_t idle = arch_tsc_khz() * IDLE_WAIT_US / 1000;

	for (;;) {
		struct vcpu *v;

		domains_check_deadlines();
		spin_lock(&runqueue_lock[cpu]);
		v = scheduler->pick_next(cpu);
		spin_unlock(&runqueue_lock[cpu]);
		if (!v) {
			arch_idle_wait(arch_cycles() + idle);
			continue;
		}
		if (v->requests & VCPU_REQ_STOP) {
			vcpu_finalize(v);
			continue;
		}
		v->on_cpu = true;
		v->slice_start_tsc = arch_cycles();
		arch_vcpu_run(v, slice);
		v->on_cpu = false;
		after_run(cpu, v);
	}
}
