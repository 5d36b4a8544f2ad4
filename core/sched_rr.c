/*
 * Round-robin scheduling: one FIFO run queue per physical CPU and a fixed
 * time slice.
 */
#include "core/config.h"
#include "core/sched.h"

#define SLICE_US 10000

#include "core/arch.h"

struct rr_queue {
	struct vcpu *head, *tail;
};

static struct rr_queue queues[HV_MAX_CPUS];

static void rr_insert(unsigned int cpu, struct vcpu *v)
{
	struct rr_queue *q = &queues[cpu];

	v->next = NULL;
	if (q->tail)
		q->tail->next = v;
	else
		q->head = v;
	q->tail = v;
}

static struct vcpu *rr_pick_next(unsigned int cpu)
{
	struct rr_queue *q = &queues[cpu];
	struct vcpu *v = q->head;

	if (v) {
		q->head = v->next;
		if (!q->head)
			q->tail = NULL;
		v->next = NULL;
	}
	return v;
}

static uint64_t rr_slice_tsc(void)
{
	return arch_tsc_khz() * SLICE_US / 1000;
}

const struct scheduler sched_round_robin = {
	.name = "round-robin",
	.insert = rr_insert,
	.pick_next = rr_pick_next,
	.slice_tsc = rr_slice_tsc,
};
