/*
 * Timer queues; see timer.h. Each CPU's queue is a list sorted by
 * deadline (a CPU holds a few dozen timers at most: one or two per vCPU
 * placed on it and the domain timeouts), under that CPU's lock. A timer's
 * cpu only changes with both CPUs' locks held, so holding the lock of the
 * CPU a timer names pins it there.
 */
#include "core/arch.h"
#include "core/config.h"
#include "core/console.h"
#include "core/spinlock.h"
#include "core/symbols.h"
#include "core/time.h"
#include "core/timer.h"

#define DUMP_MAX_TIMERS 32 /* per CPU, for debug key 't' */

struct timer_queue {
	spinlock_t lock;
	struct timer *head;
	struct timer *running;  /* whose callback runs now, with the lock dropped */
	uint64_t programmed;    /* the deadline the APIC timer holds; TIME_NEVER: none */
	uint64_t callbacks_run; /* for the dump */
};

static struct timer_queue queues[HV_MAX_CPUS] = {
	[0 ... HV_MAX_CPUS - 1] = { .programmed = TIME_NEVER },
};

void timer_init(struct timer *t, timer_fn_t fn, void *data, unsigned int cpu)
{
	t->expires = TIME_NEVER;
	t->fn = fn;
	t->data = data;
	t->prev = t->next = NULL;
	t->cpu = cpu < HV_MAX_CPUS ? cpu : 0;
	t->status = TIMER_INACTIVE;
}

/* Locks the queue of the CPU t is on; returns that CPU. */
static unsigned int lock_timer(const struct timer *t)
{
	for (;;) {
		unsigned int cpu = t->cpu;

		spin_lock(&queues[cpu].lock);
		if (cpu == t->cpu)
			return cpu;
		spin_unlock(&queues[cpu].lock);
	}
}

static void queue_remove(struct timer_queue *q, struct timer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

/* After the timers of equal deadline already there: they run in the order set. */
static void queue_insert(struct timer_queue *q, struct timer *t)
{
	struct timer *prev = NULL, *cur = q->head;

	while (cur && cur->expires <= t->expires) {
		prev = cur;
		cur = cur->next;
	}
	t->prev = prev;
	t->next = cur;
	if (cur)
		cur->prev = t;
	if (prev)
		prev->next = t;
	else
		q->head = t;
}

/* This CPU's queue, lock held: the APIC timer for its earliest deadline. */
static void queue_program(struct timer_queue *q)
{
	uint64_t next = q->head ? q->head->expires : TIME_NEVER;

	if (next == q->programmed)
		return;
	q->programmed = next;
	arch_timer_program(system_time_to_tsc(next));
}

/*
 * Lock held: t was queued on cpu; that CPU's APIC timer may now be too
 * late. Another CPU is kicked into its timer interrupt, which programs
 * its APIC: until then, programmed records that an interrupt is on its
 * way, so further earlier timers do not send more IPIs.
 */
static void queue_added(unsigned int cpu, struct timer_queue *q, const struct timer *t)
{
	if (t->expires >= q->programmed)
		return;
	if (cpu == arch_cpu_id()) {
		queue_program(q);
		return;
	}
	q->programmed = t->expires;
	arch_timer_kick(cpu);
}

void timer_set(struct timer *t, uint64_t expires)
{
	unsigned int cpu = lock_timer(t);
	struct timer_queue *q = &queues[cpu];

	if (t->status != TIMER_KILLED) {
		if (t->status == TIMER_QUEUED)
			queue_remove(q, t);
		t->expires = expires;
		t->status = TIMER_QUEUED;
		queue_insert(q, t);
		queue_added(cpu, q, t);
	}
	spin_unlock(&q->lock);
}

/*
 * The head's APIC deadline is left as it is: the early interrupt finds
 * nothing due and programs the next one. Cheaper than reprogramming here.
 */
void timer_stop(struct timer *t)
{
	unsigned int cpu = lock_timer(t);
	struct timer_queue *q = &queues[cpu];

	if (t->status == TIMER_QUEUED) {
		queue_remove(q, t);
		t->status = TIMER_INACTIVE;
	}
	spin_unlock(&q->lock);
}

void timer_kill(struct timer *t)
{
	unsigned int cpu = lock_timer(t), self = arch_cpu_id();
	struct timer_queue *q = &queues[cpu];

	if (t->status == TIMER_QUEUED)
		queue_remove(q, t);
	t->status = TIMER_KILLED;
	spin_unlock(&q->lock);

	/* It may have been migrated while its callback ran: look at every CPU. */
	for (unsigned int i = 0; i < HV_MAX_CPUS; i++) {
		if (i == self)
			continue;
		while (__atomic_load_n(&queues[i].running, __ATOMIC_ACQUIRE) == t)
			arch_cpu_relax();
	}
}

void timer_migrate(struct timer *t, unsigned int cpu)
{
	unsigned int old;

	if (cpu >= HV_MAX_CPUS)
		return;
	/* Both locks, the lower CPU's first; retry if t moved meanwhile. */
	for (;;) {
		old = t->cpu;
		if (old == cpu)
			return;
		spin_lock(&queues[MIN(old, cpu)].lock);
		spin_lock(&queues[MAX(old, cpu)].lock);
		if (t->cpu == old)
			break;
		spin_unlock(&queues[MAX(old, cpu)].lock);
		spin_unlock(&queues[MIN(old, cpu)].lock);
	}
	if (t->status == TIMER_QUEUED) {
		queue_remove(&queues[old], t);
		t->cpu = cpu;
		queue_insert(&queues[cpu], t);
		queue_added(cpu, &queues[cpu], t);
	} else if (t->status == TIMER_INACTIVE) {
		t->cpu = cpu;
	}
	spin_unlock(&queues[MAX(old, cpu)].lock);
	spin_unlock(&queues[MIN(old, cpu)].lock);
}

bool timer_is_active(const struct timer *t)
{
	return t->status == TIMER_QUEUED;
}

uint64_t timer_expires(const struct timer *t)
{
	unsigned int cpu = lock_timer(t);
	uint64_t expires = t->status == TIMER_QUEUED ? t->expires : TIME_NEVER;

	spin_unlock(&queues[cpu].lock);
	return expires;
}

void timer_interrupt(void)
{
	struct timer_queue *q = &queues[arch_cpu_id()];
	struct timer *t;
	uint64_t now;

	spin_lock(&q->lock);
	q->programmed = TIME_NEVER; /* it fired (or was kicked): nothing is armed now */
	now = system_time();
	while ((t = q->head) && t->expires <= now) {
		timer_fn_t fn = t->fn;
		void *data = t->data;

		queue_remove(q, t);
		t->status = TIMER_INACTIVE;
		__atomic_store_n(&q->running, t, __ATOMIC_RELEASE);
		q->callbacks_run++;
		spin_unlock(&q->lock);
		/* t may be re-armed, migrated or killed from here on: not touched again. */
		fn(data);
		spin_lock(&q->lock);
		__atomic_store_n(&q->running, NULL, __ATOMIC_RELEASE);
		now = system_time();
	}
	queue_program(q);
	spin_unlock(&q->lock);
}

static void dump_timer(const struct timer *t, uint64_t now)
{
	uint64_t offset, size;
	const char *name = symbol_lookup((uint64_t)(uintptr_t)t->fn, &offset, &size);

	if (t->expires == TIME_NEVER)
		pr_info("    never      %s(%p)\n", name ? name : "?", t->data);
	else if (t->expires < now)
		pr_info("    due %lu us ago  %s(%p)\n", (now - t->expires) / NSEC_PER_USEC,
			name ? name : "?", t->data);
	else
		pr_info("    in %lu us  %s(%p)\n", (t->expires - now) / NSEC_PER_USEC,
			name ? name : "?", t->data);
}

void timer_dump(void)
{
	unsigned int cpus = arch_cpus_online();

	pr_info("  timers at system time %lu us:\n", system_time() / NSEC_PER_USEC);
	for (unsigned int cpu = 0; cpu < cpus && cpu < HV_MAX_CPUS; cpu++) {
		struct timer_queue *q = &queues[cpu];
		unsigned int n = 0, shown = 0;
		uint64_t now;

		spin_lock(&q->lock);
		now = system_time();
		for (const struct timer *t = q->head; t; t = t->next)
			n++;
		pr_info("  CPU %u: %u timer%s, %lu callbacks run, APIC timer %s\n", cpu, n,
			n == 1 ? "" : "s", q->callbacks_run,
			q->programmed == TIME_NEVER ? "idle" : "armed");
		for (const struct timer *t = q->head; t && shown < DUMP_MAX_TIMERS; t = t->next) {
			dump_timer(t, now);
			shown++;
		}
		if (n > shown)
			pr_info("    ... %u more\n", n - shown);
		spin_unlock(&q->lock);
	}
}
