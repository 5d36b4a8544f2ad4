/*
 * Exceptions a guest raises reach its own IDT with the right vector, error
 * code, RIP (and CR2 for #PF): the hypervisor must neither swallow them nor
 * take them for itself. Each is caught and the test goes on.
 */
#include "rt/rt.h"

const char test_title[] = "exceptions are delivered to the guest's IDT";

/* An unmapped address: PML4 slot 1 is empty in the runtime's page tables. */
#define UNMAPPED_VA 0x8000000000ull
#define NON_CANONICAL_VA 0x8000000000000000ull
/* Read-only VMX capability MSR: writing it faults on hardware and must under us. */
#define REFUSED_MSR MSR_IA32_VMX_BASIC
/* A selector far beyond the runtime's 4-entry GDT: loading it is #GP(selector). */
#define BAD_SELECTOR 0x1230
#define CR0_TS 8
#define STRINGIFY_1(x) #x
#define STRINGIFY(x) STRINGIFY_1(x)

/* Fault sites with global labels, so that the reported RIP can be checked exactly. */
void fault_ud2(void *arg);
void fault_divide(void *arg);
void fault_int3(void *arg);
void fault_bad_segment(void *arg);
void fault_single_step(void *arg);
void fault_fpu_ts(void *arg);
extern const uint8_t fault_ud2_insn[], fault_divide_insn[], fault_int3_next[],
	fault_bad_segment_insn[], fault_single_step_next[], fault_fpu_ts_insn[];

asm(".pushsection .text\n"
    "fault_ud2:\n"
    "fault_ud2_insn: ud2\n"
    "	ret\n"
    "fault_divide:\n"
    "	xor %ecx, %ecx\n"
    "	mov $1, %eax\n"
    "	xor %edx, %edx\n"
    "fault_divide_insn: divl %ecx\n"
    "	ret\n"
    "fault_int3:\n"
    "	int3\n"
    "fault_int3_next: ret\n"
    "fault_bad_segment:\n"
    "	mov $" STRINGIFY(BAD_SELECTOR) ", %eax\n"
    "fault_bad_segment_insn: mov %eax, %ds\n"
    "	ret\n"
    /* TF set by POPF traps after the instruction that follows the POPF. */
    "fault_single_step:\n"
    "	pushfq\n"
    "	orq $0x100, (%rsp)\n"
    "	popfq\n"
    "	nop\n"
    "fault_single_step_next: nop\n"
    "	ret\n"
    "fault_fpu_ts:\n"
    "	mov %cr0, %rax\n"
    "	or $" STRINGIFY(CR0_TS) ", %rax\n"
    "	mov %rax, %cr0\n"
    "fault_fpu_ts_insn: fnop\n"
    "	ret\n"
    ".popsection\n");

struct fault_case {
	const char *name;
	void (*fn)(void *);
	unsigned int vector;
	uint32_t error_code;
	const uint8_t *rip;
};

static const struct fault_case fault_cases[] = {
	{ "ud2", fault_ud2, X86_EXC_UD, 0, fault_ud2_insn },
	{ "divide by zero", fault_divide, X86_EXC_DE, 0, fault_divide_insn },
	{ "int3", fault_int3, X86_EXC_BP, 0, fault_int3_next },
	{ "load of a bad selector", fault_bad_segment, X86_EXC_GP, BAD_SELECTOR,
	  fault_bad_segment_insn },
	{ "single step (EFLAGS.TF)", fault_single_step, X86_EXC_DB, 0, fault_single_step_next },
	{ "FPU instruction with CR0.TS", fault_fpu_ts, X86_EXC_NM, 0, fault_fpu_ts_insn },
};

/* want_rip 0: any RIP (probes report their own instruction, which C cannot name). */
static void check_fault(const char *what, int vector, const struct fault_info *fi,
			unsigned int want_vector, uint32_t want_error, uint64_t want_rip)
{
	if (vector < 0) {
		test_fail("%s: no exception, expected %s", what, exception_name(want_vector));
		return;
	}
	if (fi->vector == want_vector && fi->error_code == want_error &&
	    (!want_rip || fi->rip == want_rip)) {
		printk("  ok   %s: %s, error code %#x, at %#lx\n", what, exception_name(fi->vector),
		       fi->error_code, fi->rip);
		return;
	}
	test_fail("%s: %s, error code %#x, at %#lx; expected %s, error code %#x, at %#lx", what,
		  exception_name(fi->vector), fi->error_code, fi->rip, exception_name(want_vector),
		  want_error, want_rip);
}

static void test_exec_faults(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fault_cases); i++) {
		const struct fault_case *c = &fault_cases[i];
		struct fault_info fi = { 0 };
		int vector = exec_fault(c->fn, NULL, &fi);

		check_fault(c->name, vector, &fi, c->vector, c->error_code, (uint64_t)c->rip);
	}
}

static void clear_cr0_ts(void)
{
	asm volatile("clts");
}

static void test_page_faults(void)
{
	static uint8_t target[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	uint64_t va = (uint64_t)(uintptr_t)target;
	uint64_t value;
	int vector;

	vector = probe_read((void *)UNMAPPED_VA, &value);
	check_fault("read of an unmapped address", vector, &extable_last_fault, X86_EXC_PF, 0, 0);
	check_eq("  CR2 of that #PF", (int64_t)extable_last_fault.cr2, (int64_t)UNMAPPED_VA);

	vector = probe_write((void *)(UNMAPPED_VA + 8), 1);
	check_fault("write to an unmapped address", vector, &extable_last_fault, X86_EXC_PF,
		    PFEC_WRITE, 0);
	check_eq("  CR2 of that #PF", (int64_t)extable_last_fault.cr2, (int64_t)UNMAPPED_VA + 8);

	/* A page of our own image made read-only: CR0.WP makes supervisor writes fault. */
	if (!check_eq("map_page(read-only)", map_page(va, va, 0), 0))
		return;
	vector = probe_read(target, &value);
	check(vector == -1, "read of a read-only page works");
	vector = probe_write(target, 1);
	check_fault("write to a read-only page", vector, &extable_last_fault, X86_EXC_PF,
		    PFEC_PRESENT | PFEC_WRITE, 0);
	check_eq("  CR2 of that #PF", (int64_t)extable_last_fault.cr2, (int64_t)va);

	if (!check_eq("unmap_page", unmap_page(va), 0))
		return;
	vector = probe_read(target + 16, &value);
	check_fault("read of an unmapped page", vector, &extable_last_fault, X86_EXC_PF, 0, 0);
	check_eq("  CR2 of that #PF", (int64_t)extable_last_fault.cr2, (int64_t)va + 16);

	check_eq("map_page(writable) again", map_page(va, va, PTE_W), 0);
	check(probe_write(target, 0x5a) == -1 && target[0] == 0x5a, "the page is writable again");
}

static void test_general_protection(void)
{
	uint64_t value;
	int vector;

	vector = probe_read((void *)NON_CANONICAL_VA, &value);
	check_fault("read of a non-canonical address", vector, &extable_last_fault, X86_EXC_GP, 0,
		    0);

	/*
	 * The hypervisor refuses the VMX capability MSRs (VMX is hidden). Bare
	 * QEMU TCG ignores unknown MSRs instead: that is its behaviour, not ours.
	 */
	if (!hypercall_page_ready) {
		printk("  (no hypervisor: MSR checks skipped)\n");
		return;
	}
	vector = wrmsr_safe(REFUSED_MSR, 0);
	check_fault("WRMSR to IA32_VMX_BASIC", vector, &extable_last_fault, X86_EXC_GP, 0, 0);
	vector = rdmsr_safe(REFUSED_MSR, &value);
	check_fault("RDMSR of IA32_VMX_BASIC", vector, &extable_last_fault, X86_EXC_GP, 0, 0);

	/* The hypercall-page MSR is write-only. */
	vector = rdmsr_safe(cpuid(xen_cpuid_base + 2).ebx, &value);
	check_fault("RDMSR of the hypercall-page MSR", vector, &extable_last_fault, X86_EXC_GP, 0,
		    0);
}

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_exec_faults();
	clear_cr0_ts();
	test_page_faults();
	test_general_protection();
	/* After all of that, the runtime still works: a plain call and print. */
	printk("all exceptions delivered and handled\n");
}
