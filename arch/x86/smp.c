/*
 * SMP start-up. Each application processor gets its own stack, GDT, TSS
 * and IST stacks (struct percpu), runs the trampoline from low memory into
 * long mode on the hypervisor's page tables, and checks in. CPUs are
 * started one at a time so the trampoline's parameter block is not shared.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/time.h"
#include "arch/x86/virt.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/heap.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "core/sched.h"
#include "drivers/acpi.h"

#define AP_STACK_ORDER 2 /* 16 KiB */
#define AP_START_TIMEOUT_US 1000000

struct trampoline_params {
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint32_t jump32_offset;
	uint16_t jump32_selector;
	uint32_t jump64_offset;
	uint16_t jump64_selector;
	uint32_t cr3;
	uint32_t efer;
	uint64_t stack;
	uint64_t percpu;
	uint64_t entry;
} __packed;

extern const uint8_t trampoline_start[], trampoline_end[], trampoline_params[];

unsigned int nr_cpus_online = 1;

/*
 * The start-up handshake, on the CPU's percpu state: the boot CPU sets
 * STARTING; the AP claims it (BOOTING) as the first thing it does, then
 * reports ONLINE or FAILED. A boot CPU that stops waiting moves STARTING or
 * BOOTING to FAILED, so an AP arriving after that parks instead of running
 * on a CPU id that may be handed to the next processor.
 */
static bool cpu_state_move(struct percpu *pc, uint32_t from, uint32_t to)
{
	return __atomic_compare_exchange_n(&pc->state, &from, to, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

__noreturn void ap_entry(void *arg)
{
	struct percpu *pc = arg;
	char why[128];

	int rc;

	/* Its own tables first: even a parked CPU may take an NMI. */
	percpu_load(pc);
	if (!cpu_state_move(pc, CPU_STARTING, CPU_BOOTING))
		cpu_halt_forever();
	apic_init();
	idle_cpu_init();
	rc = virt_check_cpu(why, sizeof(why));
	if (!rc)
		rc = arch_virt_cpu_start();
	else
		pr_err("CPU %u: %s\n", pc->cpu_id, why);
	if (rc) {
		pr_err("CPU %u (APIC id %u): cannot enter VMX operation (%d): left offline\n",
		       pc->cpu_id, pc->apic_id, rc);
		__atomic_store_n(&pc->state, CPU_FAILED, __ATOMIC_RELEASE);
		cpu_halt_forever();
	}
	if (!cpu_state_move(pc, CPU_BOOTING, CPU_ONLINE)) {
		arch_virt_cpu_stop();
		cpu_halt_forever();
	}
	pr_info("CPU %u (APIC id %u) ready\n", pc->cpu_id, pc->apic_id);
	sched_run();
}

enum ap_start {
	AP_STARTED,
	AP_REFUSED, /* it runs, but reported that it cannot enter VMX operation */
	AP_SILENT,  /* it never ran the start-up code: given up */
	AP_HUNG,    /* it ran the start-up code but never finished: given up */
};

/* The CPU's state once it has left STARTING and BOOTING, or at the timeout. */
static uint32_t wait_for_check_in(struct percpu *pc)
{
	uint32_t state;

	for (unsigned int waited = 0;; waited += 100) {
		state = __atomic_load_n(&pc->state, __ATOMIC_ACQUIRE);
		if (state != CPU_STARTING && state != CPU_BOOTING)
			return state;
		if (waited >= AP_START_TIMEOUT_US)
			return state;
		udelay(100);
	}
}

static enum ap_start start_cpu(struct trampoline_params *params, paddr_t tramp_pa,
			       struct percpu *pc)
{
	uint32_t state;

	params->stack = pc->stack_top;
	params->percpu = (uint64_t)pc;
	__atomic_store_n(&pc->state, CPU_STARTING, __ATOMIC_RELEASE);

	/* SDM 9.4.4.1: INIT, 10 ms, STARTUP, 200 us, and a second STARTUP if needed. */
	apic_send_init(pc->apic_id);
	udelay(10000);
	for (unsigned int sipi = 0; sipi < 2; sipi++) {
		if (__atomic_load_n(&pc->state, __ATOMIC_ACQUIRE) != CPU_STARTING)
			break;
		apic_send_startup(pc->apic_id, (uint8_t)(tramp_pa >> PAGE_SHIFT));
		udelay(200);
	}
	/* Each failed move means the AP made progress: at most two more rounds. */
	for (;;) {
		state = wait_for_check_in(pc);
		if (state == CPU_ONLINE)
			return AP_STARTED;
		if (state == CPU_FAILED)
			return AP_REFUSED;
		if (cpu_state_move(pc, state, CPU_FAILED))
			return state == CPU_STARTING ? AP_SILENT : AP_HUNG;
	}
}

static struct percpu *new_percpu(unsigned int cpu_id, uint32_t apic)
{
	struct percpu *pc = kzalloc(sizeof(*pc));
	paddr_t stack;

	if (!pc)
		return NULL;
	if (alloc_pages(AP_STACK_ORDER, &stack)) {
		kfree(pc);
		return NULL;
	}
	percpu_setup(pc, cpu_id, apic, (uint64_t)phys_to_virt(stack),
		     (uint64_t)phys_to_virt(stack) + (PAGE_SIZE << AP_STACK_ORDER));
	return pc;
}

/*
 * Copies the start-up code to a fresh page below 1 MiB and fills in its
 * parameter block; NULL when no such page is left.
 */
static struct trampoline_params *trampoline_install(paddr_t pml4_pa, paddr_t *tramp_pa)
{
	struct trampoline_params *params;
	uint8_t *tramp;

	if (alloc_low_page(LOW_MEMORY_LIMIT, tramp_pa))
		return NULL;
	tramp = phys_to_virt(*tramp_pa);
	memcpy(tramp, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	params = (struct trampoline_params *)(tramp + (trampoline_params - trampoline_start));
	params->gdt_base += (uint32_t)*tramp_pa;
	params->jump32_offset += (uint32_t)*tramp_pa;
	params->jump64_offset += (uint32_t)*tramp_pa;
	params->cr3 = (uint32_t)pml4_pa;
	params->efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	params->entry = (uint64_t)ap_entry;
	return params;
}

unsigned int arch_smp_boot(const struct acpi_info *acpi, unsigned int max_cpus)
{
	uint32_t self;
	paddr_t tramp_pa, pml4_pa;
	struct trampoline_params *params = NULL;
	unsigned int next_id = 1, not_started = 0;

	bsp_apic_init();
	idle_init();
	idle_cpu_init();
	self = apic_id();
	if (!acpi || !acpi->has_madt || acpi->nr_cpus <= 1)
		return nr_cpus_online;
	if (!alloc_low_page(4UL * GiB, &pml4_pa))
		params = trampoline_install(pml4_pa, &tramp_pa);
	if (!params) {
		pr_err("smp: no memory below 1 MiB for the start-up code; running on one CPU\n");
		return nr_cpus_online;
	}

	/* The trampoline loads CR3 in 32-bit mode: give it a PML4 below 4 GiB. */
	memcpy(phys_to_virt(pml4_pa), phys_to_virt(read_cr3() & ~0xfffUL), PAGE_SIZE);

	for (unsigned int i = 0; i < acpi->nr_cpus; i++) {
		uint32_t apic = acpi->cpus[i].apic_id;
		struct percpu *pc;

		if (apic == self)
			continue;
		if (next_id >= max_cpus || next_id >= HV_MAX_CPUS) {
			not_started++;
			continue;
		}
		if (!apic_id_reachable(apic)) {
			pr_warn("smp: CPU with APIC id %u cannot be started: the firmware left the "
				"APIC in xAPIC mode, whose ids stop at 254\n",
				apic);
			continue;
		}
		pc = new_percpu(next_id, apic);
		if (!pc) {
			pr_err("smp: out of memory for CPU with APIC id %u\n", apic);
			break;
		}
		switch (start_cpu(params, tramp_pa, pc)) {
		case AP_STARTED:
			next_id++;
			nr_cpus_online++;
			continue;
		case AP_REFUSED:
			break;
		case AP_SILENT:
			pr_err("smp: CPU %u (APIC id %u) did not start\n", next_id, apic);
			/* Should it start late, it reads this page: the next CPU gets another. */
			params = trampoline_install(pml4_pa, &tramp_pa);
			if (!params) {
				pr_err("smp: no memory below 1 MiB for the start-up code: no more "
				       "CPUs started\n");
				return nr_cpus_online;
			}
			break;
		case AP_HUNG:
			/* It may still run as CPU next_id: that id cannot go to another CPU. */
			pr_err("smp: CPU %u (APIC id %u) hung while starting: no more CPUs "
			       "started\n",
			       next_id, apic);
			return nr_cpus_online;
		}
		/* Its id goes to the next CPU; its memory stays, a CPU may still run there. */
		percpu_table[next_id] = NULL;
	}
	if (not_started || acpi->nr_cpus_ignored)
		pr_info("smp: %u CPU%s not started (maxcpus=%u, at most %u)\n",
			not_started + acpi->nr_cpus_ignored,
			not_started + acpi->nr_cpus_ignored == 1 ? "" : "s", max_cpus, HV_MAX_CPUS);
	/* The low pages stay reserved: a CPU that failed may still run there. */
	return nr_cpus_online;
}

void arch_cpus_report(void)
{
	static const char *const states[] = {
		[CPU_OFFLINE] = "offline",
		[CPU_STARTING] = "starting",
		[CPU_BOOTING] = "booting",
		[CPU_ONLINE] = "online",
		[CPU_FAILED] = "failed",
	};

	for (unsigned int i = 0; i < HV_MAX_CPUS; i++) {
		const struct percpu *pc = percpu_table[i];

		if (pc)
			pr_info("  CPU %u: APIC id %u, %s\n", pc->cpu_id, pc->apic_id,
				pc->state < ARRAY_SIZE(states) ? states[pc->state] : "?");
	}
}

unsigned int arch_cpus_online(void)
{
	return nr_cpus_online;
}
