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
 * An event for v: a BLOCKED vCPU becomes runnable on its CPU (and wakes
 * that CPU); a running vCPU that has asked to block (HLT, SCHEDOP_block)
 * then does not. A DOWN or dead vCPU is left alone. Returns true if it
 * queued v. Any CPU.
 */
bool sched_wake(struct vcpu *v);

/* A new vCPU: down, its runstate "offline" from now. */
void sched_vcpu_init(struct vcpu *v);

/* VCPUOP_up (and the domain's start): a DOWN vCPU becomes runnable on its CPU. */
void sched_vcpu_up(struct vcpu *v);

/* VCPUOP_down: the vCPU leaves its CPU (at its next exit, if running) and stays DOWN. */
void sched_vcpu_down(struct vcpu *v);

/* v's runstate, the current state's time counted up to now (VCPUOP_get_runstate_info). */
void sched_runstate_get(struct vcpu *v, struct vcpu_runstate_info *info);

/* Asks a vCPU to stop for good; its own CPU frees it. */
void sched_stop_vcpu(struct vcpu *v);

/* The CPU's scheduling loop; never returns. */
__noreturn void sched_run(void);

/* Chooses the physical CPU for a new vCPU (cpu < 0: spread over online CPUs). */
unsigned int sched_place_vcpu(int cpu);

#endif
