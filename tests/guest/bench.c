/*
 * The VM-exit benchmark: the round trip of a null hypercall and of a CPUID
 * exit, in TSC ticks, which in Bochs with one CPU are emulated instructions
 * (docs: PLATFORM.md); then grant tables, the domain granting a page to
 * itself. Prints one machine-readable line for each:
 *   BENCH null_hypercall <N> instructions
 *   BENCH cpuid_exit <N> instructions
 *   BENCH grant_copy_4k <N> instructions    per 4 KiB, in batches of 16 copies
 *   BENCH memcpy_4k <N> instructions        the same bytes by the same memcpy, in the guest
 *   BENCH grant_map_unmap <N> instructions  one map and its unmap, two hypercalls
 */
#include "core/public/grant_table.h"
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

/* ---- grant tables: copy and map/unmap, the domain granting to itself ---- */

#define GRANT_REF 8
#define GRANT_BATCH 16
#define GRANT_COPY_CALLS 100
#define GRANT_MAP_PAIRS 500
#define GRANT_MAP_GPA 0x10000000ull /* beyond RAM, inside the boot identity map */

static uint8_t grant_table_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t grant_src[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t grant_dst[GRANT_BATCH][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static int64_t gnttab_op(unsigned int cmd, void *uop, unsigned int count)
{
	return hypercall_page_call(__HYPERVISOR_grant_table_op, cmd, HCALL_ARG(uop), count, 0, 0);
}

/* Places the table and grants grant_src to ourselves; false if the hypervisor refuses. */
static bool grant_setup(domid_t self)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					   .idx = 0,
					   .gpfn = (uint64_t)(uintptr_t)grant_table_page >> PAGE_SHIFT };
	struct grant_entry_v1 *e = (struct grant_entry_v1 *)grant_table_page + GRANT_REF;

	if (hypercall_memory_op(XENMEM_add_to_physmap, &xatp))
		return false;
	e->domid = self;
	e->frame = (uint32_t)((uintptr_t)grant_src >> PAGE_SHIFT);
	__atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_RELEASE);
	return true;
}

/* Instructions per 4 KiB: batches of 16 copies from the grant into 16 own frames. */
static void bench_grant_copy(void)
{
	struct gnttab_copy ops[GRANT_BATCH];
	uint64_t t0, ticks, memcpy_ticks;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		grant_src[i] = (uint8_t)(i * 13);
	for (unsigned int i = 0; i < GRANT_BATCH; i++)
		ops[i] = (struct gnttab_copy){
			.source = { .u.ref = GRANT_REF, .domid = DOMID_SELF },
			.dest = { .u.gmfn = (uint64_t)(uintptr_t)grant_dst[i] >> PAGE_SHIFT,
				  .domid = DOMID_SELF },
			.len = PAGE_SIZE,
			.flags = GNTCOPY_source_gref,
		};
	gnttab_op(GNTTABOP_copy, ops, GRANT_BATCH); /* warm-up */
	t0 = tsc();
	for (unsigned int n = 0; n < GRANT_COPY_CALLS; n++)
		gnttab_op(GNTTABOP_copy, ops, GRANT_BATCH);
	ticks = tsc() - t0;
	for (unsigned int i = 0; i < GRANT_BATCH; i++)
		bad += ops[i].status != GNTST_okay || memcmp(grant_dst[i], grant_src, PAGE_SIZE);
	if (bad) {
		test_fail("grant copy: %u of %u copies wrong", bad, GRANT_BATCH);
		return;
	}
	/* The same bytes with the same memcpy (core/lib/string.c), here in the guest. */
	t0 = tsc();
	for (unsigned int n = 0; n < GRANT_COPY_CALLS; n++)
		for (unsigned int i = 0; i < GRANT_BATCH; i++) {
			memcpy(grant_dst[i], grant_src, PAGE_SIZE);
			asm volatile("" ::: "memory");
		}
	memcpy_ticks = tsc() - t0;
	printk("BENCH grant_copy_4k %lu instructions\n",
	       (ticks + GRANT_COPY_CALLS * GRANT_BATCH / 2) / (GRANT_COPY_CALLS * GRANT_BATCH));
	printk("BENCH memcpy_4k %lu instructions\n",
	       (memcpy_ticks + GRANT_COPY_CALLS * GRANT_BATCH / 2) /
		       (GRANT_COPY_CALLS * GRANT_BATCH));
}

/* One map of the grant at a fixed gpa and its unmap. */
static void bench_grant_map_unmap(void)
{
	struct gnttab_map_grant_ref map = { .host_addr = GRANT_MAP_GPA, .flags = GNTMAP_host_map,
					    .ref = GRANT_REF, .dom = DOMID_SELF };
	struct gnttab_unmap_grant_ref unmap = { .host_addr = GRANT_MAP_GPA };
	unsigned int bad = 0;
	uint64_t t0, ticks;

	t0 = tsc();
	for (unsigned int n = 0; n < GRANT_MAP_PAIRS; n++) {
		gnttab_op(GNTTABOP_map_grant_ref, &map, 1);
		unmap.handle = map.handle;
		gnttab_op(GNTTABOP_unmap_grant_ref, &unmap, 1);
		bad += map.status != GNTST_okay || unmap.status != GNTST_okay;
	}
	ticks = tsc() - t0;
	if (bad) {
		test_fail("grant map/unmap: %u of %u pairs failed", bad, GRANT_MAP_PAIRS);
		return;
	}
	printk("BENCH grant_map_unmap %lu instructions\n",
	       (ticks + GRANT_MAP_PAIRS / 2) / GRANT_MAP_PAIRS);
}

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

	if (!grant_setup((domid_t)cpuid(xen_cpuid_base + 4).ecx)) {
		test_fail("cannot place the grant table: no grant benchmarks");
		return;
	}
	bench_grant_copy();
	bench_grant_map_unmap();
}
