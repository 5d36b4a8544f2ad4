/*
 * Waking and idling physical CPUs, and each CPU's timer: an IPI makes a
 * CPU leave guest mode (external-interrupt exiting) or its idle HLT; the
 * local APIC timer, in TSC-deadline mode where the CPU has it (SDM
 * 11.5.4.1), else in one-shot mode calibrated against the TSC, raises
 * VECTOR_TIMER at the deadline core/timer.c asks for.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/time.h"
#include "arch/x86/traps.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/timer.h"

#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define APIC_CALIBRATE_US 1000
#define APIC_COUNT_MAX 0xffffffffu
/* One-shot counts are computed from at most this many TSC ticks ahead (no overflow). */
#define ONESHOT_TSC_LIMIT (1ULL << 40)

static bool have_tsc_deadline;
static uint64_t apic_timer_khz; /* one-shot mode: APIC timer counts per ms */

static void kick_interrupt(struct cpu_regs *regs)
{
	apic_eoi();
}

static void timer_irq(struct cpu_regs *regs)
{
	apic_eoi();
	timer_interrupt();
}

/* The APIC timer's rate, against the TSC: count down for APIC_CALIBRATE_US. */
static uint64_t apic_timer_calibrate(void)
{
	uint32_t left;

	apic_timer_oneshot(VECTOR_TIMER);
	apic_timer_start(APIC_COUNT_MAX);
	udelay(APIC_CALIBRATE_US);
	left = apic_timer_remaining();
	apic_timer_start(0);
	return (uint64_t)(APIC_COUNT_MAX - left) * 1000 / APIC_CALIBRATE_US;
}

void idle_init(void)
{
	struct cpuid_regs r;

	cpuid(1, &r);
	have_tsc_deadline = r.ecx & CPUID1_ECX_TSC_DEADLINE;
	irq_register(VECTOR_KICK, kick_interrupt);
	irq_register(VECTOR_TIMER, timer_irq);
	if (have_tsc_deadline) {
		pr_info("timer: local APIC in TSC-deadline mode\n");
		return;
	}
	apic_timer_khz = apic_timer_calibrate();
	if (!apic_timer_khz) {
		/* Never seen; the timers then run only when a kick comes. */
		pr_err("timer: the local APIC timer does not count: no timer interrupts\n");
		return;
	}
	pr_info("timer: no TSC-deadline mode; local APIC one-shot timer at %lu kHz\n",
		apic_timer_khz);
}

void idle_cpu_init(void)
{
	if (have_tsc_deadline)
		apic_timer_tsc_deadline(VECTOR_TIMER);
	else
		apic_timer_oneshot(VECTOR_TIMER);
}

void arch_timer_program(uint64_t deadline_tsc)
{
	uint64_t now, ticks, count;

	if (have_tsc_deadline) {
		/* 0 would disarm it: a deadline that has passed is any small value. */
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline_tsc == UINT64_MAX ? 0 :
					     deadline_tsc ? deadline_tsc : 1);
		return;
	}
	if (deadline_tsc == UINT64_MAX || !apic_timer_khz) {
		apic_timer_start(0);
		return;
	}
	now = rdtsc();
	ticks = deadline_tsc > now ? MIN(deadline_tsc - now, ONESHOT_TSC_LIMIT) : 0;
	count = ticks * apic_timer_khz / tsc_khz();
	/* Too far ahead: the early interrupt finds nothing due and programs the rest. */
	apic_timer_start((uint32_t)MAX(1, MIN(count, APIC_COUNT_MAX)));
}

void arch_timer_kick(unsigned int cpu)
{
	struct percpu *pc = cpu < HV_MAX_CPUS ? percpu_table[cpu] : NULL;

	if (!pc || pc == this_cpu())
		return;
	apic_send_fixed(pc->apic_id, VECTOR_TIMER);
}

void arch_kick_cpu(unsigned int cpu)
{
	struct percpu *pc = cpu < HV_MAX_CPUS ? percpu_table[cpu] : NULL;

	if (!pc || pc == this_cpu())
		return;
	apic_send_fixed(pc->apic_id, VECTOR_KICK);
}

void arch_irq_window(void)
{
	asm volatile("sti; nop; cli" ::: "memory");
}

void arch_idle_wait(void)
{
	/* STI's one-instruction shadow makes "sti; hlt" race-free. */
	asm volatile("sti; hlt; cli" ::: "memory");
}
