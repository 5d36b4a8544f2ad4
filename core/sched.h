/*
 * The vCPU scheduler. Each physical CPU runs sched_run() for good: it picks
 * a runnable vCPU of its own, runs it for a time slice (the VMX preemption
 * timer takes the CPU back even from a guest spinning with interrupts off),
 * and handles what the vCPU asked for (yield, block) or what happened to
 * its domain (stop). The policy is a table of operations, like Xen's
 * struct scheduler, so another policy is a new file.
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include "core/domain.h"

struct scheduler {
	const char *name;
	/* Called with the CPU's run-queue lock held. */
	void (*insert)(unsigned int cpu, struct vcpu *v);
	struct vcpu *(*pick_next)(unsigned int cpu);
	uint64_t (*slice_tsc)(void);
};

extern const struct scheduler sched_round_robin;

void sched_init(void);

/*
 * Makes a DOWN or BLOCKED vCPU runnable on its CPU (and wakes that CPU); a
 * running vCPU that has asked to block (HLT, SCHEDOP_block) then does not.
 */
void sched_wake(struct vcpu *v);

/* Asks a vCPU to stop for good; its own CPU frees it. */
void sched_stop_vcpu(struct vcpu *v);

/* The CPU's scheduling loop; never returns. */
__noreturn void sched_run(void);

/* Chooses the physical CPU for a new vCPU (cpu < 0: spread over online CPUs). */
unsigned int sched_place_vcpu(int cpu);

#endif
