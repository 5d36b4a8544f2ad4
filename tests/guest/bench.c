/*
 * The VM-exit benchmark: the round trip of a null hypercall and of a CPUID
 * exit, in TSC ticks, which in Bochs with one CPU are emulated instructions
 * (docs: PLATFORM.md). Prints one machine-readable line for each:
 *   BENCH null_hypercall <N> instructions
 *   BENCH cpuid_exit <N> instructions
 */
#include "rt/rt.h"

const char test_title[] = "bench: VM-exit round trips";

#define BENCH_ITERATIONS 100000
#define WARMUP_ITERATIONS 1000

/*
 * The timed loops, in assembly so that the measured loop and its empty twin
 * differ by exactly the instruction being measured. Each returns the TSC
 * ticks n iterations took.
 *   bench_hypercall_loop:  call stub (mov $17,%eax; vmcall; ret), XENVER_version
 *   bench_call_loop:       call a stub of the same shape without the vmcall
 *   bench_cpuid_loop:      cpuid of leaf 0x40000000
 *   bench_nocpuid_loop:    the same register set-up without the cpuid
 */
uint64_t bench_hypercall_loop(uint64_t n, void *stub);
uint64_t bench_cpuid_loop(uint64_t n, void *unused);
uint64_t bench_nocpuid_loop(uint64_t n, void *unused);
void bench_empty_stub(void);

asm(".pushsection .text\n"
    /* TSC into %r12 (start) or %rax (end, minus %r12): R8 is a hypercall argument register. */
    ".macro bench_tsc_start\n"
    "	lfence\n"
    "	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov %rax, %r12\n"
    ".endm\n"
    ".macro bench_tsc_end\n"
    "	lfence\n"
    "	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	sub %r12, %rax\n"
    ".endm\n"
    "bench_hypercall_loop:\n"
    "	push %rbx\n"
    "	push %r12\n"
    "	mov %rdi, %rcx\n"
    "	mov %rsi, %rbx\n"
    "	bench_tsc_start\n"
    "1:	xor %edi, %edi\n" /* XENVER_version, no argument */
    "	xor %esi, %esi\n"
    "	call *%rbx\n"
    "	dec %rcx\n"
    "	jnz 1b\n"
    "	bench_tsc_end\n"
    "	pop %r12\n"
    "	pop %rbx\n"
    "	ret\n"
    "bench_empty_stub:\n"
    "	mov $17, %eax\n"
    "	ret\n"
    "bench_cpuid_loop:\n"
    "	push %rbx\n"
    "	push %r12\n"
    "	mov %rdi, %r9\n"
    "	bench_tsc_start\n"
    "1:	mov $0x40000000, %eax\n"
    "	xor %ecx, %ecx\n"
    "	cpuid\n"
    "	dec %r9\n"
    "	jnz 1b\n"
    "	bench_tsc_end\n"
    "	pop %r12\n"
    "	pop %rbx\n"
    "	ret\n"
    "bench_nocpuid_loop:\n"
    "	push %rbx\n"
    "	push %r12\n"
    "	mov %rdi, %r9\n"
    "	bench_tsc_start\n"
    "1:	mov $0x40000000, %eax\n"
    "	xor %ecx, %ecx\n"
    "	dec %r9\n"
    "	jnz 1b\n"
    "	bench_tsc_end\n"
    "	pop %r12\n"
    "	pop %rbx\n"
    "	ret\n"
    ".purgem bench_tsc_start\n"
    ".purgem bench_tsc_end\n"
    ".popsection\n");

/* The average cost of one round trip, empty-loop cost subtracted, rounded. */
static uint64_t per_iteration(uint64_t ticks, uint64_t empty_ticks)
{
	if (ticks < empty_ticks)
		return 0;
	return (ticks - empty_ticks + BENCH_ITERATIONS / 2) / BENCH_ITERATIONS;
}

void test_main(const struct hvm_start_info *si)
{
	void *stub = hypercall_page + __HYPERVISOR_xen_version * XEN_HYPERCALL_STUB_SIZE;
	uint64_t hcall, call, cpuid_ticks, nocpuid;

	(void)si;
	test_require_xen();
	if (hypercall_xen_version(XENVER_version, NULL) < 0) {
		test_error("xen_version fails: nothing to measure");
		return;
	}

	/* Warm-up: first-touch costs (page walks, lazy state) stay out of the numbers. */
	bench_hypercall_loop(WARMUP_ITERATIONS, stub);
	bench_hypercall_loop(WARMUP_ITERATIONS, bench_empty_stub);
	bench_cpuid_loop(WARMUP_ITERATIONS, NULL);
	bench_nocpuid_loop(WARMUP_ITERATIONS, NULL);

	/*
	 * The empty twins measure the loop itself (and the stub's own mov and
	 * ret); subtracting them leaves the VMCALL or CPUID round trip: exit,
	 * the hypervisor's work, and the entry back.
	 */
	hcall = bench_hypercall_loop(BENCH_ITERATIONS, stub);
	call = bench_hypercall_loop(BENCH_ITERATIONS, bench_empty_stub);
	cpuid_ticks = bench_cpuid_loop(BENCH_ITERATIONS, NULL);
	nocpuid = bench_nocpuid_loop(BENCH_ITERATIONS, NULL);

	printk("%u iterations each: hypercall loop %lu ticks, empty twin %lu; "
	       "cpuid loop %lu, empty twin %lu\n",
	       BENCH_ITERATIONS, hcall, call, cpuid_ticks, nocpuid);
	printk("BENCH null_hypercall %lu instructions\n", per_iteration(hcall, call));
	printk("BENCH cpuid_exit %lu instructions\n", per_iteration(cpuid_ticks, nocpuid));
}
