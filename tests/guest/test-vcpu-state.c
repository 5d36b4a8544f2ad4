/*
 * The register state a vCPU owns must be its own: the x87/SSE registers,
 * the debug registers and CR8 (the task priority). The emulator test runs
 * two copies of this kernel on one CPU; each fills that state with values
 * derived from its domain id, yields to the other many times and checks
 * that nothing changed. A new vCPU must also start from the reset state,
 * not from what the previous domain on the CPU left, and a CR8 of 15 left
 * behind must not mask the hypervisor's own interrupts on that CPU (a
 * halted domain beside us can then only end at its timeout).
 */
#include "rt/rt.h"

const char test_title[] = "vcpu-state: FPU/SSE, debug registers and CR8 are per vCPU";

#define ROUNDS 20
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define FXSAVE_SIZE 512
#define FX_FCW 0
#define FX_FSW 2
#define FX_FTW 4
#define FX_MXCSR 24
#define FX_ST0 32
#define FX_ST_STRIDE 16
#define FX_ST_BYTES 10
#define FX_NR_ST 8
#define FX_XMM0 160
#define FX_NR_XMM 16
#define FX_XMM_BYTES 16
#define FCW_RESET 0x037f
#define MXCSR_RESET 0x1f80
#define DR6_FIXED 0xffff0ff0ull
#define DR6_B0 (1ull << 0)
#define DR7_FIXED 0x400ull
#define DR7_L0 (1ull << 0)
/* Each breakpoint: local enable, R/W 01 (data writes), LEN 11 (4 bytes). */
#define DR7_WRITE_WATCHES (0x55ull | 0xddddull << 16)
#define CPUID_EXT_RDTSCP (1u << 27)
#define TPR_MAX 15

static uint8_t fx_mine[FXSAVE_SIZE] __attribute__((aligned(16)));
static uint8_t fx_now[FXSAVE_SIZE] __attribute__((aligned(16)));
/* Never written: the data breakpoints watch it. */
static uint32_t watched[4] __attribute__((aligned(16)));
static volatile uint32_t breakpoint_target;

static void fxsave(uint8_t *area)
{
	asm volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FXSAVE_SIZE])area));
}

static void fxrstor(const uint8_t *area)
{
	asm volatile("fxrstor64 %0" ::"m"(*(const uint8_t(*)[FXSAVE_SIZE])area));
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	asm volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

static uint64_t read_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void write_cr8(uint64_t v)
{
	asm volatile("mov %0, %%cr8" ::"r"(v) : "memory");
}

#define DR_ACCESSORS(n)                                                    \
	static uint64_t read_dr##n(void)                                   \
	{                                                                  \
		uint64_t v;                                                \
		asm volatile("mov %%db" #n ", %0" : "=r"(v));              \
		return v;                                                  \
	}                                                                  \
	static void write_dr##n(uint64_t v)                                \
	{                                                                  \
		asm volatile("mov %0, %%db" #n ::"r"(v) : "memory");       \
	}
DR_ACCESSORS(0)
DR_ACCESSORS(1)
DR_ACCESSORS(2)
DR_ACCESSORS(3)
DR_ACCESSORS(6)
DR_ACCESSORS(7)

static uint64_t read_dr(unsigned int n)
{
	switch (n) {
	case 0:
		return read_dr0();
	case 1:
		return read_dr1();
	case 2:
		return read_dr2();
	default:
		return read_dr3();
	}
}

static unsigned int domid(void)
{
	return cpuid(xen_cpuid_base + 4).ecx;
}

/* Bytes of the FXSAVE image that are register contents, not implementation details. */
static bool fx_compare(const uint8_t *a, const uint8_t *b, const char **what)
{
	if (memcmp(a + FX_FCW, b + FX_FCW, 2) || memcmp(a + FX_FSW, b + FX_FSW, 2) ||
	    a[FX_FTW] != b[FX_FTW]) {
		*what = "x87 control/status/tag";
		return false;
	}
	if (memcmp(a + FX_MXCSR, b + FX_MXCSR, 4)) {
		*what = "MXCSR";
		return false;
	}
	for (unsigned int i = 0; i < FX_NR_ST; i++) {
		if (memcmp(a + FX_ST0 + i * FX_ST_STRIDE, b + FX_ST0 + i * FX_ST_STRIDE,
			   FX_ST_BYTES)) {
			*what = "an x87/MMX register";
			return false;
		}
	}
	if (memcmp(a + FX_XMM0, b + FX_XMM0, FX_NR_XMM * FX_XMM_BYTES)) {
		*what = "an XMM register";
		return false;
	}
	return true;
}

static void check_reset_fpu(void)
{
	uint16_t fcw;
	uint32_t mxcsr;
	bool xmm_zero = true;

	fxsave(fx_now);
	memcpy(&fcw, fx_now + FX_FCW, sizeof(fcw));
	memcpy(&mxcsr, fx_now + FX_MXCSR, sizeof(mxcsr));
	for (unsigned int i = 0; i < FX_NR_XMM * FX_XMM_BYTES; i++)
		xmm_zero &= fx_now[FX_XMM0 + i] == 0;
	check_eq("FCW of a new vCPU", fcw, FCW_RESET);
	check_eq("MXCSR of a new vCPU", mxcsr, MXCSR_RESET);
	check(xmm_zero, "XMM0-15 of a new vCPU are zero");
}

/* Every register a value that no other domain would choose. */
static void fill_fpu(unsigned int id)
{
	uint16_t fcw = FCW_RESET | (id & 3) << 10; /* rounding control */
	uint32_t mxcsr = MXCSR_RESET | (id & 3) << 13;

	memset(fx_mine, 0, sizeof(fx_mine));
	memcpy(fx_mine + FX_FCW, &fcw, sizeof(fcw));
	fx_mine[FX_FTW] = 0xff; /* abridged tag: all eight registers valid */
	memcpy(fx_mine + FX_MXCSR, &mxcsr, sizeof(mxcsr));
	for (unsigned int i = 0; i < FX_NR_ST; i++)
		for (unsigned int b = 0; b < FX_ST_BYTES; b++)
			fx_mine[FX_ST0 + i * FX_ST_STRIDE + b] = (uint8_t)(id * 16 + i + b * 3);
	for (unsigned int i = 0; i < FX_NR_XMM * FX_XMM_BYTES; i++)
		fx_mine[FX_XMM0 + i] = (uint8_t)(id * 0x51 + i);
	fxrstor(fx_mine);
}

static uint64_t dr_value(unsigned int id, unsigned int n)
{
	return (uint64_t)(uintptr_t)&watched[n] + ((uint64_t)id << 32);
}

static uint64_t dr6_value(unsigned int id)
{
	return DR6_FIXED | (1ull << (id % 4));
}

static void fill_debug_registers(unsigned int id)
{
	write_dr0(dr_value(id, 0));
	write_dr1(dr_value(id, 1));
	write_dr2(dr_value(id, 2));
	write_dr3(dr_value(id, 3));
	write_dr6(dr6_value(id));
	write_dr7(DR7_FIXED | DR7_WRITE_WATCHES);
}

static bool state_intact(unsigned int id, unsigned int round)
{
	const char *what = "";
	uint64_t v;

	fxsave(fx_now);
	if (!fx_compare(fx_now, fx_mine, &what)) {
		test_fail("round %u: %s changed", round, what);
		return false;
	}
	for (unsigned int n = 0; n < 4; n++) {
		v = read_dr(n);
		if (v != dr_value(id, n)) {
			test_fail("round %u: DR%u is %#lx, expected %#lx", round, n, v,
				  dr_value(id, n));
			return false;
		}
	}
	v = read_dr6();
	if (v != dr6_value(id)) {
		test_fail("round %u: DR6 is %#lx, expected %#lx", round, v, dr6_value(id));
		return false;
	}
	v = read_dr7();
	if (v != (DR7_FIXED | DR7_WRITE_WATCHES)) {
		test_fail("round %u: DR7 is %#lx, expected %#llx", round, v,
			  DR7_FIXED | DR7_WRITE_WATCHES);
		return false;
	}
	v = read_cr8();
	if (v != (id & TPR_MAX)) {
		test_fail("round %u: CR8 is %lu, expected %u", round, v, id & TPR_MAX);
		return false;
	}
	return true;
}

void write_cr8_reserved(void *arg);
void write_breakpoint_target(void *arg);
void rdtscp_probe(void *arg);
extern const uint8_t write_cr8_reserved_insn[], rdtscp_insn[];

asm(".pushsection .text\n"
    /* Bits 63:4 of CR8 are reserved (SDM vol 3, 2.5): MOV to CR8 raises #GP(0). */
    "write_cr8_reserved:\n"
    "	mov $0x10, %eax\n"
    "write_cr8_reserved_insn: mov %rax, %cr8\n"
    "	ret\n"
    "write_breakpoint_target:\n"
    "	movl $1, breakpoint_target(%rip)\n"
    "	ret\n"
    "rdtscp_probe:\n"
    "rdtscp_insn: rdtscp\n"
    "	ret\n"
    ".popsection\n");

static void test_cr8_faults(void)
{
	struct fault_info fi = { 0 };
	int vector;

	write_cr8(TPR_MAX);
	vector = exec_fault(write_cr8_reserved, NULL, &fi);
	check(vector == X86_EXC_GP && fi.error_code == 0 &&
		      fi.rip == (uint64_t)write_cr8_reserved_insn,
	      "MOV to CR8 with a reserved bit: #GP(0) at the instruction (vector %d)", vector);
	check_eq("CR8 unchanged by the faulting write", (int64_t)read_cr8(), TPR_MAX);
}

/* A data breakpoint set before a VM exit still fires after it. */
static void test_breakpoint_survives_exit(void)
{
	struct fault_info fi = { 0 };
	int vector;

	write_dr6(DR6_FIXED);
	write_dr0((uint64_t)(uintptr_t)&breakpoint_target);
	write_dr7(DR7_FIXED | DR7_L0 | 0xdull << 16);
	(void)cpuid(0); /* a VM exit */
	vector = exec_fault(write_breakpoint_target, NULL, &fi);
	write_dr7(DR7_FIXED);
	check(vector == X86_EXC_DB, "a write breakpoint set before a VM exit fires (vector %d)",
	      vector);
	check((read_dr6() & DR6_B0) != 0, "DR6.B0 reports it (DR6 %#lx)", read_dr6());
}

static void test_rdtscp_hidden(void)
{
	struct fault_info fi = { 0 };
	int vector;

	if (cpuid(0x80000001).edx & CPUID_EXT_RDTSCP) {
		printk("  (RDTSCP offered: its #UD is not checked)\n");
		return;
	}
	vector = exec_fault(rdtscp_probe, NULL, &fi);
	check(vector == X86_EXC_UD && fi.rip == (uint64_t)rdtscp_insn,
	      "RDTSCP, hidden by CPUID, raises #UD (vector %d)", vector);
}

void test_main(const struct hvm_start_info *si)
{
	unsigned int id, round;

	(void)si;
	test_require_xen();
	id = domid();
	printk("domain %u\n", id);

	check_reset_fpu();
	check_eq("CR8 of a new vCPU", (int64_t)read_cr8(), 0);

	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	test_breakpoint_survives_exit();
	test_rdtscp_hidden();

	fill_fpu(id);
	fill_debug_registers(id);
	write_cr8(id & TPR_MAX);
	for (round = 1; round <= ROUNDS; round++) {
		if (hypercall_yield() != 0) {
			test_fail("round %u: yield failed", round);
			break;
		}
		(void)cpuid(0);
		if (!state_intact(id, round))
			break;
	}
	if (round > ROUNDS)
		printk("  ok   FPU/SSE, DR0-3, DR6, DR7 and CR8 intact over %u yields\n", ROUNDS);
	write_dr7(DR7_FIXED);

	/* Ends with CR8 = 15: every interrupt class masked, were it the real TPR. */
	test_cr8_faults();
}
