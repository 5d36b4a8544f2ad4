/*
 * The control-register emulation behind every paging mode, and the guest
 * page walker in each. The guest leaves long mode through compatibility
 * mode (CR0.PG off, EFER.LME off: both exit), turns on PAE paging or
 * 32-bit paging (CR0.PG on exits again: with EPT the hypervisor must load
 * the PAE PDPTEs itself), makes a 32-bit console_io hypercall whose buffer
 * is reached only through an alias mapping (4 KiB, 2 MiB or 4 MiB page),
 * reads memory through it, and comes back to long mode. The lines the
 * hypercalls print are checked by the emulator test. In long mode, MOV to
 * CR0 and WRMSR to EFER must fault where the SDM says, and single-stepping
 * over an instruction the hypervisor emulates must still trap after it.
 */
#include "rt/rt.h"

const char test_title[] = "paging-modes: CR0/EFER emulation, PAE and 32-bit paging";

#define STRINGIFY_1(x) #x
#define STRINGIFY(x) STRINGIFY_1(x)

#define CR0_NE (1ull << 5)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR4_PSE (1u << 4)
#define CR4_VMXE (1ull << 13)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)
#define PSE_LARGE_PAGE_SIZE (4u << 20)
#define CR0_PG_BIT 31
#define EFER_LME_BIT 8

/* Where the aliases live: nothing else maps these guest-virtual addresses. */
#define PAE_ALIAS_4K 0x40000000u     /* PDPTE 1, PDE 0, PTE 0 */
#define PAE_ALIAS_2M 0x40200000u     /* PDPTE 1, PDE 1: a 2 MiB page */
#define PAE_UNMAPPED 0x60000000u     /* PDPTE 1, PDE 256: not present */
#define LEGACY_ALIAS_4K 0x80000000u  /* PDE 512, PTE 0 */
#define LEGACY_ALIAS_4M 0xc0000000u  /* PDE 768: a 4 MiB page */
#define LEGACY_UNMAPPED 0x90000000u  /* PDE 576: not present */

/* One trip into a 32-bit paging mode (filled by C, run by paging32_call). */
struct trip32 {
	uint32_t cr3;      /* 0x00: the PDPT (PAE) or the page directory */
	uint32_t cr4;      /* 0x04: CR4 for the trip (PAE or PSE) */
	uint32_t nr;       /* 0x08: hypercall number, 32-bit convention */
	uint32_t arg1;     /* 0x0c: EBX */
	uint32_t arg2;     /* 0x10: ECX */
	uint32_t arg3;     /* 0x14: EDX */
	uint32_t ret;      /* 0x18: EAX after VMCALL */
	uint32_t probe_va; /* 0x1c: a 32-bit read through the trip's page tables */
	uint32_t probe;    /* 0x20 */
};

/* Long mode -> 32-bit protected mode with paging -> long mode; see the top comment. */
void paging32_call(struct trip32 *trip);

/* Used only from the assembly below. */
uint32_t saved_cr3, saved_cr4;

asm(".pushsection .text\n"
    ".code64\n"
    "paging32_call:\n"
    "	push %rbx\n"
    "	push %rbp\n"
    "	push %r12\n"
    "	push %r13\n"
    "	push %r14\n"
    "	push %r15\n"
    "	pushfq\n"
    "	cli\n"
    "	mov %cr3, %rax\n"
    "	mov %eax, saved_cr3(%rip)\n"
    "	mov %cr4, %rax\n"
    "	mov %eax, saved_cr4(%rip)\n"
    "	lea 1f(%rip), %rax\n"
    "	pushq $" STRINGIFY(GDT_CS32) "\n"
    "	push %rax\n"
    "	lretq\n"
    ".code32\n"
    /* Compatibility mode: paging off leaves IA-32e mode, then LME can go. */
    "1:	mov %cr0, %eax\n"
    "	btr $" STRINGIFY(CR0_PG_BIT) ", %eax\n"
    "	mov %eax, %cr0\n"
    "	mov $" STRINGIFY(MSR_EFER) ", %ecx\n"
    "	rdmsr\n"
    "	btr $" STRINGIFY(EFER_LME_BIT) ", %eax\n"
    "	wrmsr\n"
    "	mov 0x04(%edi), %eax\n"
    "	mov %eax, %cr4\n"
    "	mov 0x00(%edi), %eax\n"
    "	mov %eax, %cr3\n"
    "	mov %cr0, %eax\n"
    "	bts $" STRINGIFY(CR0_PG_BIT) ", %eax\n"
    "	mov %eax, %cr0\n"
    /* PAE or 32-bit paging now: the hypercall, then the probe. */
    "	push %edi\n"
    "	mov 0x0c(%edi), %ebx\n"
    "	mov 0x10(%edi), %ecx\n"
    "	mov 0x14(%edi), %edx\n"
    "	mov 0x08(%edi), %eax\n"
    "	vmcall\n"
    "	pop %edi\n"
    "	mov %eax, 0x18(%edi)\n"
    "	mov 0x1c(%edi), %eax\n"
    "	mov (%eax), %eax\n"
    "	mov %eax, 0x20(%edi)\n"
    /* Back: paging off, the long-mode CR4 and CR3, LME, paging on. */
    "	mov %cr0, %eax\n"
    "	btr $" STRINGIFY(CR0_PG_BIT) ", %eax\n"
    "	mov %eax, %cr0\n"
    "	mov saved_cr4, %eax\n"
    "	mov %eax, %cr4\n"
    "	mov saved_cr3, %eax\n"
    "	mov %eax, %cr3\n"
    "	mov $" STRINGIFY(MSR_EFER) ", %ecx\n"
    "	rdmsr\n"
    "	bts $" STRINGIFY(EFER_LME_BIT) ", %eax\n"
    "	wrmsr\n"
    "	mov %cr0, %eax\n"
    "	bts $" STRINGIFY(CR0_PG_BIT) ", %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmp $" STRINGIFY(GDT_CS64) ", $2f\n"
    ".code64\n"
    "2:	popfq\n"
    "	pop %r15\n"
    "	pop %r14\n"
    "	pop %r13\n"
    "	pop %r12\n"
    "	pop %rbp\n"
    "	pop %rbx\n"
    "	ret\n"
    ".popsection\n");

/* PAE: four PDPTEs, identity 2 MiB pages for [0, 1 GiB), aliases under PDPTE 1. */
static uint64_t pae_pdpt[4] __attribute__((aligned(32)));
static uint64_t pae_pd_low[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pae_pd_alias[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pae_pt_alias[512] __attribute__((aligned(PAGE_SIZE)));
/* 32-bit paging: identity 4 MiB pages for [0, 1 GiB), aliases above 2 GiB. */
static uint32_t legacy_pd[1024] __attribute__((aligned(PAGE_SIZE)));
static uint32_t legacy_pt[1024] __attribute__((aligned(PAGE_SIZE)));

/* Each message on a page of its own, reached through an alias only. */
static char messages[4][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE))) = {
	"paging-modes: PAE paging, 4 KiB alias\n",
	"paging-modes: PAE paging, 2 MiB alias\n",
	"paging-modes: 32-bit paging, 4 KiB alias\n",
	"paging-modes: 32-bit paging, 4 MiB alias\n",
};
#define PROBE_OFFSET 256 /* a word in each message page, after the text */

static uint32_t phys32(const void *p)
{
	return (uint32_t)(uintptr_t)p; /* the runtime maps itself 1:1 below 1 GiB */
}

static void build_pae_tables(void)
{
	for (unsigned int i = 0; i < 512; i++)
		pae_pd_low[i] = ((uint64_t)i << LARGE_PAGE_SHIFT) | PTE_P | PTE_W | PTE_PS;
	pae_pdpt[0] = phys32(pae_pd_low) | PTE_P;
	pae_pdpt[1] = phys32(pae_pd_alias) | PTE_P;
	pae_pd_alias[0] = phys32(pae_pt_alias) | PTE_P | PTE_W;
	pae_pt_alias[0] = phys32(messages[0]) | PTE_P | PTE_W;
	pae_pd_alias[1] = (phys32(messages[1]) & ~(LARGE_PAGE_SIZE - 1)) | PTE_P | PTE_W | PTE_PS;
}

static void build_legacy_tables(void)
{
	for (unsigned int i = 0; i < 256; i++)
		legacy_pd[i] = (i * PSE_LARGE_PAGE_SIZE) | PTE_P | PTE_W | PTE_PS;
	legacy_pd[LEGACY_ALIAS_4K >> 22] = phys32(legacy_pt) | PTE_P | PTE_W;
	legacy_pt[0] = phys32(messages[2]) | PTE_P | PTE_W;
	legacy_pd[LEGACY_ALIAS_4M >> 22] =
		(phys32(messages[3]) & ~(PSE_LARGE_PAGE_SIZE - 1)) | PTE_P | PTE_W | PTE_PS;
}

static uint32_t pae_va(unsigned int msg, uint32_t base)
{
	uint32_t mask = base == PAE_ALIAS_2M ? LARGE_PAGE_SIZE - 1 : PAGE_SIZE - 1;

	return base + (phys32(messages[msg]) & mask);
}

static uint32_t legacy_va(unsigned int msg, uint32_t base)
{
	uint32_t mask = base == LEGACY_ALIAS_4M ? PSE_LARGE_PAGE_SIZE - 1 : PAGE_SIZE - 1;

	return base + (phys32(messages[msg]) & mask);
}

/*
 * One trip: console_io(write, the message) through va, and a read of the
 * message page's probe word, through the same alias when it is mapped.
 */
static void trip(const char *mode, uint32_t cr3, uint32_t cr4, unsigned int msg, uint32_t va,
		 int32_t want)
{
	struct trip32 t = {
		.cr3 = cr3,
		.cr4 = cr4,
		.nr = __HYPERVISOR_console_io,
		.arg1 = CONSOLEIO_write,
		.arg2 = (uint32_t)strlen(messages[msg]),
		.arg3 = va,
		.probe_va = want ? phys32(&messages[msg][PROBE_OFFSET]) : va + PROBE_OFFSET,
	};
	uint32_t magic = 0x5eed0000u + msg;

	memcpy(&messages[msg][PROBE_OFFSET], &magic, sizeof(magic));
	paging32_call(&t);
	check((int32_t)t.ret == want, "%s: console_io through %#x returns %d (want %d)", mode, va,
	      (int32_t)t.ret, want);
	check(t.probe == magic, "%s: memory reads right (%#x)", mode, t.probe);
}

/* ---- long mode: what MOV to CR0 and WRMSR to EFER must refuse ---- */

void write_cr0_arg(void *arg);
void write_cr4_arg(void *arg);
void write_efer_arg(void *arg);
void step_over_cpuid(void *arg);
extern const uint8_t step_over_cpuid_next[];

asm(".pushsection .text\n"
    "write_cr0_arg:\n"
    "	mov %rdi, %cr0\n"
    "	ret\n"
    "write_cr4_arg:\n"
    "	mov %rdi, %cr4\n"
    "	ret\n"
    "write_efer_arg:\n"
    "	mov $" STRINGIFY(MSR_EFER) ", %ecx\n"
    "	mov %rdi, %rax\n"
    "	mov %rdi, %rdx\n"
    "	shr $32, %rdx\n"
    "	wrmsr\n"
    "	ret\n"
    /* TF set by POPF traps after the instruction that follows: here CPUID, a VM exit. */
    "step_over_cpuid:\n"
    "	push %rbx\n"
    "	xor %eax, %eax\n"
    "	pushfq\n"
    "	orq $0x100, (%rsp)\n"
    "	popfq\n"
    "	cpuid\n"
    "step_over_cpuid_next: nop\n"
    "	pop %rbx\n"
    "	ret\n"
    ".popsection\n");

static uint64_t read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void expect_gp(const char *what, void (*fn)(void *), uint64_t arg)
{
	struct fault_info fi = { 0 };
	int vector = exec_fault(fn, (void *)(uintptr_t)arg, &fi);

	check(vector == X86_EXC_GP && fi.error_code == 0, "%s: #GP(0) (vector %d)", what, vector);
}

static void test_long_mode_refusals(void)
{
	uint64_t cr0 = read_cr0();
	uint64_t efer = rdmsr(MSR_EFER);

	/* Each write also flips CR0.NE, which the hypervisor intercepts: the exit comes first. */
	expect_gp("MOV to CR0 setting bit 32", write_cr0_arg, (cr0 ^ CR0_NE) | (1ull << 32));
	expect_gp("MOV to CR0 with NW but not CD", write_cr0_arg,
		  ((cr0 ^ CR0_NE) | CR0_NW) & ~CR0_CD);
	expect_gp("MOV to CR0 clearing PG in 64-bit mode", write_cr0_arg, cr0 & ~(uint64_t)CR0_PG);
	check(read_cr0() == cr0, "CR0 unchanged (%#lx)", read_cr0());
	expect_gp("WRMSR clearing EFER.LME with paging on", write_efer_arg, efer & ~EFER_LME);
	check(rdmsr(MSR_EFER) == efer, "EFER unchanged (%#lx)", rdmsr(MSR_EFER));
}

/* Features CPUID hides are absent: their CR4 bits cannot be set (state not switched). */
static void test_hidden_cr4_bits(void)
{
	static const struct {
		const char *name;
		uint64_t bit;
	} hidden[] = {
		{ "VMXE", CR4_VMXE }, { "OSXSAVE", CR4_OSXSAVE }, { "PKE", CR4_PKE },
	};
	uint64_t cr4 = read_cr4();
	char what[48];

	for (unsigned int i = 0; i < ARRAY_SIZE(hidden); i++) {
		snprintf(what, sizeof(what), "MOV to CR4 setting %s", hidden[i].name);
		expect_gp(what, write_cr4_arg, cr4 | hidden[i].bit);
	}
	check(read_cr4() == cr4, "CR4 unchanged (%#lx)", read_cr4());
}

static void test_single_step_over_exit(void)
{
	struct fault_info fi = { 0 };
	int vector = exec_fault(step_over_cpuid, NULL, &fi);

	check(vector == X86_EXC_DB && fi.rip == (uint64_t)step_over_cpuid_next,
	      "single step over CPUID traps right after it (vector %d at %#lx, want %p)", vector,
	      fi.rip, step_over_cpuid_next);
}

static void test_cache_instructions(void)
{
	asm volatile("wbinvd" ::: "memory");
	asm volatile("invd" ::: "memory");
	printk("  ok   WBINVD and INVD return\n");
}

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_require_xen();

	test_long_mode_refusals();
	test_hidden_cr4_bits();
	test_single_step_over_exit();
	test_cache_instructions();

	build_pae_tables();
	build_legacy_tables();
	trip("PAE, 4 KiB page", phys32(pae_pdpt), CR4_PAE, 0, pae_va(0, PAE_ALIAS_4K), 0);
	trip("PAE, 2 MiB page", phys32(pae_pdpt), CR4_PAE, 1, pae_va(1, PAE_ALIAS_2M), 0);
	trip("PAE, unmapped", phys32(pae_pdpt), CR4_PAE, 0, PAE_UNMAPPED, -EFAULT);
	trip("32-bit, 4 KiB page", phys32(legacy_pd), CR4_PSE, 2, legacy_va(2, LEGACY_ALIAS_4K),
	     0);
	trip("32-bit, 4 MiB page", phys32(legacy_pd), CR4_PSE, 3, legacy_va(3, LEGACY_ALIAS_4M),
	     0);
	trip("32-bit, unmapped", phys32(legacy_pd), CR4_PSE, 2, LEGACY_UNMAPPED, -EFAULT);
	printk("back in long mode\n");
}
