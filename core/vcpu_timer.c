/*
 * Guest timers; see vcpu_timer.h. Validate, then act: every argument is
 * checked before a timer changes. Deadlines are absolute system time in
 * ns, the time the guest reads from its pvclock record.
 */
#include "core/evtchn.h"
#include "core/guest_memory.h"
#include "core/hypercalls.h"
#include "core/public/event_channel.h"
#include "core/time.h"
#include "core/timer.h"
#include "core/vcpu_timer.h"

/* Xen's bounds: a period of at least 1 ms, and no delta that could overflow NOW() + delta. */
#define PERIOD_MIN_NS NSEC_PER_MSEC
#define STIME_DELTA_MAX (UINT64_MAX >> 2)
/* set_timer_op: a deadline more than 2^50 ns (~13 days) away is taken as a wrapped one. */
#define SET_TIMER_HUGE_SHIFT 50
#define SET_TIMER_HUGE_RETRY_NS (100 * NSEC_PER_MSEC)

static void singleshot_fired(void *data)
{
	evtchn_send_virq(data, VIRQ_TIMER);
}

/* Re-armed one period on; periods missed (the CPU was busy) are skipped, not replayed. */
static void periodic_fired(void *data)
{
	struct vcpu *v = data;
	uint64_t period = __atomic_load_n(&v->periodic_period, __ATOMIC_ACQUIRE);
	uint64_t now = system_time(), next;

	evtchn_send_virq(v, VIRQ_TIMER);
	if (!period)
		return;
	next = v->periodic_next + period;
	if (next <= now)
		next = now + period;
	v->periodic_next = next;
	timer_set(&v->periodic_timer, next);
}

void vcpu_timers_init(struct vcpu *v)
{
	timer_init(&v->singleshot_timer, singleshot_fired, v, v->cpu);
	timer_init(&v->periodic_timer, periodic_fired, v, v->cpu);
	v->periodic_period = 0; /* Xen's default for HVM guests: no periodic timer */
}

void vcpu_timers_destroy(struct vcpu *v)
{
	timer_kill(&v->singleshot_timer);
	timer_kill(&v->periodic_timer);
}

void vcpu_timers_migrate(struct vcpu *v, unsigned int cpu)
{
	timer_migrate(&v->singleshot_timer, cpu);
	timer_migrate(&v->periodic_timer, cpu);
}

static int64_t set_singleshot(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct vcpu_set_singleshot_timer set;

	if (t != v)
		return -EINVAL;
	if (copy_from_guest(v, &set, arg, sizeof(set)))
		return -EFAULT;
	if (set.timeout_abs_ns < system_time()) {
		if (set.flags & VCPU_SSHOTTMR_future)
			return -ETIME;
		/* Xen: a deadline already passed raises the event at once. */
		evtchn_send_virq(v, VIRQ_TIMER);
		return 0;
	}
	timer_migrate(&v->singleshot_timer, v->cpu);
	timer_set(&v->singleshot_timer, set.timeout_abs_ns);
	return 0;
}

static int64_t set_periodic(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
	struct vcpu_set_periodic_timer set;

	if (copy_from_guest(v, &set, arg, sizeof(set)))
		return -EFAULT;
	if (set.period_ns < PERIOD_MIN_NS || set.period_ns > STIME_DELTA_MAX)
		return -EINVAL;
	timer_stop(&t->periodic_timer);
	__atomic_store_n(&t->periodic_period, set.period_ns, __ATOMIC_RELEASE);
	t->periodic_next = system_time() + set.period_ns;
	timer_set(&t->periodic_timer, t->periodic_next);
	return 0;
}

static int64_t stop_periodic(struct vcpu *t)
{
	__atomic_store_n(&t->periodic_period, 0, __ATOMIC_RELEASE);
	timer_stop(&t->periodic_timer);
	return 0;
}

int64_t vcpu_op_timer(struct vcpu *v, struct vcpu *t, unsigned int cmd, uint64_t arg)
{
	switch (cmd) {
	case VCPUOP_set_singleshot_timer:
		return set_singleshot(v, t, arg);
	case VCPUOP_stop_singleshot_timer:
		/* Xen: only the caller's own timer. */
		if (t != v)
			return -EINVAL;
		timer_stop(&v->singleshot_timer);
		return 0;
	case VCPUOP_set_periodic_timer:
		return set_periodic(v, t, arg);
	case VCPUOP_stop_periodic_timer:
		return stop_periodic(t);
	default:
		return -ENOSYS;
	}
}

/*
 * set_timer_op(timeout): 0 stops the single-shot timer; a negative
 * deadline, or one more than 2^50 ns away, is what a guest's wrapped jiffies
 * arithmetic produces, and (as Xen does) fires in 100 ms instead.
 */
int64_t do_set_timer_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	int64_t timeout = (int64_t)args[0];
	uint64_t now = system_time();

	if (timeout == 0) {
		timer_stop(&v->singleshot_timer);
		return 0;
	}
	timer_migrate(&v->singleshot_timer, v->cpu);
	if (timeout < 0 ||
	    ((uint64_t)timeout > now && ((uint64_t)timeout - now) >> SET_TIMER_HUGE_SHIFT)) {
		timer_set(&v->singleshot_timer, now + SET_TIMER_HUGE_RETRY_NS);
		return 0;
	}
	timer_set(&v->singleshot_timer, (uint64_t)timeout);
	return 0;
}
