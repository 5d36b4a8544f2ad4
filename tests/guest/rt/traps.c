/*
 * The runtime's IDT and exception dispatch: exec_fault recovery first,
 * then the exception table, else a panic that crashes the domain.
 */
#include "rt/rt.h"

/* A 64-bit interrupt gate (SDM vol 3, 6.14.1). */
struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entries are 16 bytes");

#define IDT_GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define EXCEPTION_STUB_SIZE 16  /* rt/entry.S aligns each stub to 16 bytes */

extern const uint8_t exception_stubs[];
extern const uint8_t upcall_stub[];
extern const struct extable_entry __start_ex_table[], __stop_ex_table[];
extern const uint8_t exec_fault_landing[];
/* Set by exec_fault() while its function runs (rt/entry.S). */
extern uint64_t fault_recovery_rsp;
extern struct fault_info *fault_recovery_info;

static struct idt_entry idt[256] __attribute__((aligned(16)));
static void (*interrupt_handler)(void);
struct fault_info extable_last_fault;

static const char *const exception_names[X86_NR_EXCEPTIONS] = {
	[X86_EXC_DE] = "#DE", [X86_EXC_DB] = "#DB", [X86_EXC_NMI] = "NMI", [X86_EXC_BP] = "#BP",
	[X86_EXC_OF] = "#OF", [X86_EXC_BR] = "#BR", [X86_EXC_UD] = "#UD", [X86_EXC_NM] = "#NM",
	[X86_EXC_DF] = "#DF", [X86_EXC_TS] = "#TS", [X86_EXC_NP] = "#NP", [X86_EXC_SS] = "#SS",
	[X86_EXC_GP] = "#GP", [X86_EXC_PF] = "#PF", [X86_EXC_MF] = "#MF", [X86_EXC_AC] = "#AC",
	[X86_EXC_MC] = "#MC", [X86_EXC_XM] = "#XM", [X86_EXC_VE] = "#VE", [X86_EXC_CP] = "#CP",
};

const char *exception_name(unsigned int vector)
{
	if (vector < X86_NR_EXCEPTIONS && exception_names[vector])
		return exception_names[vector];
	return "#??";
}

static void set_gate(unsigned int v, uint64_t addr)
{
	idt[v] = (struct idt_entry){
		.offset_lo = (uint16_t)addr,
		.selector = GDT_CS64,
		.type_attr = IDT_GATE_INTERRUPT,
		.offset_mid = (uint16_t)(addr >> 16),
		.offset_hi = (uint32_t)(addr >> 32),
	};
}

void traps_init(void)
{
	struct desc_ptr ptr = { .limit = sizeof(idt) - 1, .base = (uint64_t)idt };
	unsigned int v;

	for (v = 0; v < X86_NR_EXCEPTIONS; v++)
		set_gate(v, (uint64_t)(exception_stubs + v * EXCEPTION_STUB_SIZE));
	set_gate(RT_UPCALL_VECTOR, (uint64_t)upcall_stub);
	lidt(&ptr);
}

void traps_set_upcall_handler(void (*fn)(void))
{
	interrupt_handler = fn;
}

static void record_fault(struct fault_info *info, const struct cpu_regs *regs)
{
	info->vector = (uint32_t)regs->vector;
	info->error_code = (uint32_t)regs->error_code;
	info->rip = regs->rip;
	info->cr2 = regs->vector == X86_EXC_PF ? read_cr2() : 0;
}

static const struct extable_entry *extable_find(uint64_t rip)
{
	const struct extable_entry *e;

	for (e = __start_ex_table; e < __stop_ex_table; e++)
		if (e->insn == rip)
			return e;
	return NULL;
}

void do_exception(struct cpu_regs *regs)
{
	const struct extable_entry *fixup;

	/* An interrupt, not an exception: it may arrive inside exec_fault() too. */
	if (regs->vector == RT_UPCALL_VECTOR) {
		if (interrupt_handler) {
			interrupt_handler();
			return;
		}
		printk("PANIC: upcall at vector %#x with no handler, RIP %#lx\n", RT_UPCALL_VECTOR,
		       regs->rip);
		rt_crash();
	}

	/* exec_fault(): unwind to its landing on its own stack, RAX = vector. */
	if (fault_recovery_rsp) {
		if (fault_recovery_info)
			record_fault(fault_recovery_info, regs);
		regs->rip = (uint64_t)exec_fault_landing;
		regs->rsp = fault_recovery_rsp;
		regs->rax = regs->vector;
		/* A single-step trap must not keep stepping through the landing. */
		regs->rflags &= ~(uint64_t)X86_EFLAGS_TF;
		fault_recovery_rsp = 0;
		return;
	}

	fixup = extable_find(regs->rip);
	if (fixup) {
		record_fault(&extable_last_fault, regs);
		regs->rip = fixup->fixup;
		return;
	}

	/* One printk per line: the hypervisor logs a guest's output line by line. */
	printk("PANIC: unexpected exception #%lu (%s) at RIP %#lx, error code %#lx, CR2 %#lx\n",
	       regs->vector, exception_name((unsigned int)regs->vector), regs->rip,
	       regs->error_code, regs->vector == X86_EXC_PF ? read_cr2() : 0);
	printk("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", regs->rax, regs->rbx, regs->rcx,
	       regs->rdx);
	printk("  RSI %016lx RDI %016lx RBP %016lx RSP %016lx\n", regs->rsi, regs->rdi, regs->rbp,
	       regs->rsp);
	rt_crash();
}
