/*
 * The scheduling loop and vCPU state changes; see sched.h. A vCPU's state
 * only changes under its CPU's run-queue lock, and only its own CPU runs or
 * frees it, so its VMCS is never touched from another processor.
 */
#include "core/arch.h"
#include "core/config.h"
#include "core/console.h"
#include "core/console_ring.h"
#include "core/domain_lifecycle.h"
#include "core/guest_memory.h"
#include "core/hypercall.h"
#include "core/lib/string.h"
#include "core/pvclock.h"
#include "core/sched.h"
#include "core/time.h"

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
 * Accounts the time since the last change to the state v leaves, as Xen's
 * vcpu_runstate_change does. Run-queue lock held. Another CPU's TSC may
 * lag a little: time never runs backwards here.
 */
static void runstate_set(struct vcpu *v, int state)
{
	struct vcpu_runstate_info *r = &v->runstate;
	uint64_t now = system_time();

	if (now > r->state_entry_time) {
		r->time[r->state & 3] += now - r->state_entry_time;
		r->state_entry_time = now;
	}
	r->state = state;
}

void sched_vcpu_init(struct vcpu *v)
{
	v->state = VCPU_DOWN;
	v->down = true;
	memset(&v->runstate, 0, sizeof(v->runstate));
	v->runstate.state = RUNSTATE_offline;
	v->runstate.state_entry_time = system_time();
}

void sched_runstate_get(struct vcpu *v, struct vcpu_runstate_info *info)
{
	uint64_t now;

	spin_lock(&runqueue_lock[v->cpu]);
	*info = v->runstate;
	now = system_time();
	/* Like Xen: the current state's time includes the part not yet accounted. */
	if (now > info->state_entry_time)
		info->time[info->state & 3] += now - info->state_entry_time;
	spin_unlock(&runqueue_lock[v->cpu]);
}

/*
 * The guest's copy of v's runstate, if it registered one: written on v's
 * own CPU, where v's paging state can be loaded. As in Xen, a fault is
 * ignored (the guest sees a stale copy).
 */
static void runstate_publish(struct vcpu *v)
{
	struct vcpu_runstate_info info;
	uint64_t gva = v->runstate_gva;

	if (!gva || arch_vcpu_load(v))
		return;
	spin_lock(&runqueue_lock[v->cpu]);
	info = v->runstate;
	spin_unlock(&runqueue_lock[v->cpu]);
	(void)copy_to_guest(v, gva, &info, sizeof(info));
}

void sched_vcpu_up(struct vcpu *v)
{
	unsigned int cpu = v->cpu;
	bool queued = false;

	spin_lock(&runqueue_lock[cpu]);
	if (v->state == VCPU_DOWN) {
		v->state = VCPU_RUNNABLE;
		runstate_set(v, RUNSTATE_runnable);
		scheduler->insert(cpu, v);
		queued = true;
	} else if (v->state == VCPU_RUNNABLE) {
		/* Taken down and up again before its CPU acted on it: it stays. */
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_DOWN, __ATOMIC_ACQ_REL);
	}
	spin_unlock(&runqueue_lock[cpu]);
	if (queued && cpu != arch_cpu_id())
		arch_kick_cpu(cpu);
}

void sched_vcpu_down(struct vcpu *v)
{
	unsigned int cpu = v->cpu;
	bool kick = false;

	spin_lock(&runqueue_lock[cpu]);
	if (v->state == VCPU_BLOCKED) {
		v->state = VCPU_DOWN;
		runstate_set(v, RUNSTATE_offline);
	} else if (v->state == VCPU_RUNNABLE) {
		/* Running or queued: its own CPU takes it off when it next looks at it. */
		__atomic_or_fetch(&v->requests, VCPU_REQ_DOWN, __ATOMIC_ACQ_REL);
		kick = v->on_cpu;
	}
	spin_unlock(&runqueue_lock[cpu]);
	if (kick && cpu != arch_cpu_id())
		arch_kick_cpu(cpu);
}

/*
 * Once the run-queue lock is released, v's CPU may run it, free it and its
 * domain: callers read nothing of v after that, hence the copy of v->cpu.
 * A vCPU that is down stays down: only VCPUOP_up starts it.
 */
bool sched_wake(struct vcpu *v)
{
	unsigned int cpu = v->cpu;
	bool queued = false;

	spin_lock(&runqueue_lock[cpu]);
	if (v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		runstate_set(v, RUNSTATE_runnable);
		scheduler->insert(cpu, v);
		queued = true;
	} else if (v->state == VCPU_RUNNABLE) {
		/* It asked to block but has not yet: after_run must not block it now. */
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_BLOCK, __ATOMIC_SEQ_CST);
	}
	spin_unlock(&runqueue_lock[cpu]);
	if (queued && cpu != arch_cpu_id())
		arch_kick_cpu(cpu);
	return queued;
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

/* After a run: requeue, block, take down, or (when its domain is dying) free the vCPU. */
static void after_run(unsigned int cpu, struct vcpu *v)
{
	uint32_t requests;
	bool stop;

	spin_lock(&runqueue_lock[cpu]);
	v->on_cpu = false;
	requests = __atomic_fetch_and(&v->requests, VCPU_REQ_STOP, __ATOMIC_ACQ_REL);
	stop = requests & VCPU_REQ_STOP;
	if (!stop) {
		if (requests & VCPU_REQ_DOWN) {
			v->state = VCPU_DOWN;
			runstate_set(v, RUNSTATE_offline);
		} else if (requests & VCPU_REQ_BLOCK) {
			v->state = VCPU_BLOCKED;
			runstate_set(v, RUNSTATE_blocked);
		} else {
			runstate_set(v, RUNSTATE_runnable);
			scheduler->insert(cpu, v);
		}
	}
	spin_unlock(&runqueue_lock[cpu]);
	if (stop) {
		vcpu_finalize(v);
		return;
	}
	runstate_publish(v); /* only this CPU runs or frees v: it is still here */
	/* Also when the guest waits for its console ring to empty (it yields). */
	console_ring_drain(v->domain);
}

/*
 * The next vCPU to run on cpu, its runstate now "running"; NULL if none.
 * One taken down while it waited is left off the queue. Lock held.
 */
static struct vcpu *pick_next(unsigned int cpu)
{
	struct vcpu *v;

	while ((v = scheduler->pick_next(cpu))) {
		uint32_t requests = v->requests;

		if (requests & VCPU_REQ_STOP)
			return v;
		if (!(requests & VCPU_REQ_DOWN)) {
			v->on_cpu = true;
			runstate_set(v, RUNSTATE_running);
			return v;
		}
		__atomic_fetch_and(&v->requests, VCPU_REQ_STOP, __ATOMIC_ACQ_REL);
		v->state = VCPU_DOWN;
		runstate_set(v, RUNSTATE_offline);
	}
	return NULL;
}

bool hypercall_should_preempt(struct vcpu *v)
{
	return v->requests || arch_cycles() - v->slice_start_tsc >= scheduler->slice_tsc();
}

void sched_run(void)
{
	unsigned int cpu = arch_cpu_id();
	uint64_t slice = scheduler->slice_tsc();

	for (;;) {
		struct vcpu *v;

		arch_irq_window();
		spin_lock(&runqueue_lock[cpu]);
		v = pick_next(cpu);
		spin_unlock(&runqueue_lock[cpu]);
		if (!v) {
			/* Until a kick (a wake-up) or a timer; a pending one ends it at once. */
			arch_idle_wait();
			continue;
		}
		if (v->requests & VCPU_REQ_STOP) {
			vcpu_finalize(v);
			continue;
		}
		runstate_publish(v);
		pvclock_before_run(v, cpu);
		v->slice_start_tsc = arch_cycles();
		arch_vcpu_run(v, slice);
		after_run(cpu, v);
	}
}
