/*
 * Exception and interrupt dispatch. Any exception in the hypervisor itself
 * is fatal: it is reported with vector, error code, registers and a
 * backtrace with symbol names, the other CPUs are stopped, and this one
 * halts. Interrupt vectors go to the registered handlers.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/time.h"
#include "arch/x86/traps.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/symbols.h"

#define BACKTRACE_MAX_FRAMES 24
#define STOP_WAIT_US 100000

static irq_handler_t irq_handlers[256];
static volatile uint32_t cpus_stopping;
/* What arch_stop_other_cpus() achieved, for the report. */
static unsigned int cpus_stopped, cpus_not_stopped;

static const char *const exception_names[32] = {
	"#DE divide error",	  "#DB debug",
	"NMI",			  "#BP breakpoint",
	"#OF overflow",		  "#BR bound range",
	"#UD invalid opcode",	  "#NM device not available",
	"#DF double fault",	  "coprocessor segment overrun",
	"#TS invalid TSS",	  "#NP segment not present",
	"#SS stack fault",	  "#GP general protection",
	"#PF page fault",	  "reserved 15",
	"#MF x87 error",	  "#AC alignment check",
	"#MC machine check",	  "#XM SIMD exception",
	"#VE virtualization",	  "#CP control protection",
};

void irq_register(uint8_t vector, irq_handler_t handler)
{
	irq_handlers[vector] = handler;
}

static void print_symbol(const char *prefix, uint64_t addr)
{
	uint64_t offset, size;
	const char *name = symbol_lookup(addr, &offset, &size);

	if (name)
		printk(LOG_ERROR, "%s[<%016lx>] %s+%#lx/%#lx\n", prefix, addr, name, offset, size);
	else
		printk(LOG_ERROR, "%s[<%016lx>] ?\n", prefix, addr);
}

static bool on_this_cpu_stack(uint64_t addr)
{
	struct percpu *pc = this_cpu();
	uint64_t ist_base = (uint64_t)pc->ist_stacks;

	if (addr >= pc->stack_base && addr + 16 <= pc->stack_top)
		return true;
	return addr >= ist_base && addr + 16 <= ist_base + sizeof(pc->ist_stacks);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	printk(LOG_ERROR, "Backtrace:\n");
	print_symbol("  ", rip);
	/* Frame pointers are trusted only while they stay on this CPU's stacks. */
	for (unsigned int i = 0; i < BACKTRACE_MAX_FRAMES; i++) {
		uint64_t *frame = (uint64_t *)rbp;

		if (!rbp || (rbp & 7) || !on_this_cpu_stack(rbp))
			break;
		if (!frame[1])
			break;
		print_symbol("  ", frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void arch_backtrace_here(void)
{
	uint64_t *frame = __builtin_frame_address(0);

	backtrace_print((uint64_t)__builtin_return_address(0), frame[0]);
}

static void dump_registers(const struct cpu_regs *r)
{
	printk(LOG_ERROR, "RIP: %04lx:%016lx RFLAGS: %016lx\n", r->cs, r->rip, r->rflags);
	printk(LOG_ERROR, "RSP: %04lx:%016lx\n", r->ss, r->rsp);
	printk(LOG_ERROR, "RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	printk(LOG_ERROR, "RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	printk(LOG_ERROR, "RBP: %016lx R8:  %016lx R9:  %016lx\n", r->rbp, r->r8, r->r9);
	printk(LOG_ERROR, "R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
	printk(LOG_ERROR, "R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
	printk(LOG_ERROR, "CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr0(),
	       read_cr2(), read_cr3(), read_cr4());
}

/*
 * A CPU asked to stop (by NMI or the stop vector) parks here for good. One
 * that never came online (parked during start-up) may share its CPU id with
 * a live one: it has no VMX state of its own to leave.
 */
static __noreturn void stop_this_cpu(void)
{
	struct percpu *pc = this_cpu();

	if (pc->state == CPU_ONLINE) {
		arch_virt_cpu_stop();
		pc->state = CPU_OFFLINE;
	}
	cpu_halt_forever();
}

static __noreturn void fatal_exception(struct cpu_regs *regs)
{
	struct percpu *pc = this_cpu();
	const char *name = regs->vector < 32 && exception_names[regs->vector] ?
				   exception_names[regs->vector] :
				   "exception";
	uint64_t offset, size;
	const char *where = symbol_lookup(regs->rip, &offset, &size);

	/* A fault while reporting a fault: say the least and stop. */
	if (pc->exception_depth++) {
		console_enter_panic();
		printk(LOG_ERROR, "\n*** nested exception %lu at %016lx on CPU %u\n", regs->vector,
		       regs->rip, pc->cpu_id);
		hv_result("panic", "nested exception %lu on CPU %u", regs->vector, pc->cpu_id);
		cpu_halt_forever();
	}
	arch_stop_other_cpus();
	console_enter_panic();
	printk(LOG_ERROR, "\n*** FATAL EXCEPTION on CPU %u: %s (vector %lu), error code %#lx\n",
	       pc->cpu_id, name, regs->vector, regs->error_code);
	if (cpus_stopped || cpus_not_stopped)
		printk(LOG_ERROR, "other CPUs: %u stopped, %u did not answer the NMI\n",
		       cpus_stopped, cpus_not_stopped);
	if (regs->vector == VECTOR_PAGE_FAULT)
		printk(LOG_ERROR, "page fault address %016lx (%s, %s, %s)\n", read_cr2(),
		       regs->error_code & 1 ? "protection" : "not present",
		       regs->error_code & 2 ? "write" : "read",
		       regs->error_code & 16 ? "instruction fetch" : "data");
	dump_registers(regs);
	backtrace_print(regs->rip, regs->rbp);
	hv_result("panic", "CPU %u: %s (vector %lu) at %s+%#lx", pc->cpu_id, name, regs->vector,
		  where ? where : "?", where ? offset : regs->rip);
	console_flush();
	cpu_halt_forever();
}

void trap_dispatch(struct cpu_regs *regs)
{
	uint64_t v = regs->vector;

	if (v == VECTOR_NMI) {
		if (cpus_stopping)
			stop_this_cpu();
		printk(LOG_WARN, "CPU %u: NMI received and ignored\n", this_cpu()->cpu_id);
		return;
	}
	if (v == VECTOR_PANIC_STOP)
		stop_this_cpu();
	if (v < VECTOR_FIRST_IRQ)
		fatal_exception(regs);
	if (irq_handlers[v]) {
		irq_handlers[v](regs);
		return;
	}
	if (v == VECTOR_SPURIOUS)
		return; /* SDM 11.9: a spurious interrupt takes no EOI */
	/* Unacknowledged, it would hold back every vector of its priority class and below. */
	apic_eoi();
	printk(LOG_WARN, "CPU %u: unexpected interrupt vector %lu\n", this_cpu()->cpu_id, v);
}

void trap_nmi_in_guest(void)
{
	if (cpus_stopping)
		stop_this_cpu();
	printk(LOG_WARN, "CPU %u: NMI received in guest mode and ignored\n", this_cpu()->cpu_id);
}

/*
 * NMI reaches CPUs spinning with interrupts off. It goes to the CPUs this
 * hypervisor started, one by one: a broadcast would also reach processors
 * still parked by the firmware (beyond maxcpus or HV_MAX_CPUS, or that
 * failed to start), whose NMI handler may be gone with the firmware's memory.
 * Then a bounded wait until they have halted, so that what follows (a
 * report, a power-off) does not race them; nothing is printed here, as a
 * stopped CPU may hold the console lock.
 */
void arch_stop_other_cpus(void)
{
	const struct percpu *self = this_cpu();
	bool sent[HV_MAX_CPUS] = { false };
	unsigned int nr_sent = 0, running = 0;

	if (__atomic_exchange_n(&cpus_stopping, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned int i = 0; i < HV_MAX_CPUS; i++) {
		const struct percpu *pc = percpu_table[i];

		if (pc && pc != self && pc->state == CPU_ONLINE) {
			apic_send_nmi(pc->apic_id);
			sent[i] = true;
			nr_sent++;
		}
	}
	for (unsigned int waited = 0; nr_sent; waited += 100) {
		running = 0;
		for (unsigned int i = 0; i < HV_MAX_CPUS; i++)
			running += sent[i] && percpu_table[i]->state == CPU_ONLINE;
		if (!running || waited >= STOP_WAIT_US)
			break;
		udelay(100);
	}
	cpus_stopped = nr_sent - running;
	cpus_not_stopped = running;
}
