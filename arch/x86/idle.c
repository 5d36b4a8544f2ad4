/*
 * Waking and idling physical CPUs for the scheduler: an IPI makes a CPU
 * leave guest mode (external-interrupt exiting) or its idle HLT; the local
 * APIC timer in TSC-deadline mode (SDM 11.5.4.1) bounds an idle wait.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/traps.h"
#include "core/arch.h"

#define MSR_IA32_TSC_DEADLINE 0x6e0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

static bool have_tsc_deadline;

static void kick_interrupt(struct cpu_regs *regs)
{
	apic_eoi();
}

static void timer_interrupt(struct cpu_regs *regs)
{
	apic_eoi();
}

void idle_init(void)
{
	struct cpuid_regs r;

	cpuid(1, &r);
	have_tsc_deadline = r.ecx & CPUID1_ECX_TSC_DEADLINE;
	irq_register(VECTOR_KICK, kick_interrupt);
	irq_register(VECTOR_TIMER, timer_interrupt);
}

void idle_cpu_init(void)
{
	if (have_tsc_deadline)
		apic_timer_tsc_deadline(VECTOR_TIMER);
}

void arch_kick_cpu(unsigned int cpu)
{
	struct percpu *pc = cpu < HV_MAX_CPUS ? percpu_table[cpu] : NULL;

	if (!pc || pc == this_cpu())
		return;
	apic_send_fixed(pc->apic_id, VECTOR_KICK);
}

void arch_idle_wait(uint64_t deadline_tsc)
{
	if (have_tsc_deadline) {
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline_tsc);
		/* STI's one-instruction shadow makes "sti; hlt" race-free. */
		asm volatile("sti; hlt; cli" ::: "memory");
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
		return;
	}
	/* No deadline timer: poll with interrupts open, so kicks still arrive. */
	asm volatile("sti" ::: "memory");
	while (rdtsc() < deadline_tsc)
		cpu_relax();
	asm volatile("cli" ::: "memory");
}
