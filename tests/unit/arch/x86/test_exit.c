/*
 * Host tests for arch/x86/exit.c, the VM-exit handlers, with the control
 * register emulation of arch/x86/vmcs.c behind them. The VMCS is an array
 * indexed by field encoding behind fake vmread/vmwrite (vmx.h), and each
 * test sets the exit information a real exit would leave, calls
 * vmx_handle_exit() and checks the guest state, the injected event and
 * the calls into core. Decoding follows the SDM's tables (chapter 28).
 *
 * unit-test-sources: arch/x86/vmcs.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/ept.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "arch/x86/vmx_exit_reasons.h"
#include "core/arch.h"
#include "core/errno.h"
#include "core/hypercall.h"
#include "core/mm.h"
#include "tests/unit/fakes/physmem.h"

bool vmx_handle_exit(struct vcpu *v);

#define NR_FIELDS 0x7000
#define PHYS_BASE 0x100000UL
#define PHYS_SIZE (64 * PAGE_SIZE)
#define GUEST_RIP 0x401000UL
#define INSN_LEN 3

/* Written out from the SDM rather than taken from the code under test. */
#define CR0_PE 0x1UL
#define CR0_ET 0x10UL
#define CR0_NE 0x20UL
#define CR0_NW (1UL << 29)
#define CR0_CD (1UL << 30)
#define CR0_PG (1UL << 31)
#define CR4_PAE 0x20UL
#define CR4_VMXE 0x2000UL
#define CR4_PCIDE 0x20000UL
#define CR4_OSFXSR 0x200UL
#define CR4_OSXSAVE 0x40000UL
#define CR4_SMEP 0x100000UL
#define CR4_PKE 0x400000UL
#define EFER_LME_ 0x100UL
#define EFER_LMA_ 0x400UL
#define AR_CS64 0xa09bU /* present, L, execute/read */
#define AR_CS32 0xc09bU
#define AR_DPL3 0x60U
#define ENTRY_IA32E (1u << 9)
#define RFLAGS_TF 0x100UL
#define RFLAGS_IF 0x200UL
#define BLOCK_STI 0x1U
#define BLOCK_MOV_SS 0x2U
#define BLOCK_NMI 0x8U
#define PENDING_BS (1UL << 14)
#define INFO_VALID (1u << 31)
#define INFO_ERROR (1u << 11)
#define TYPE_HW_EXC (3u << 8)
#define TYPE_SW_INT (4u << 8)
#define TYPE_NMI (2u << 8)
#define GP_INJECTED (INFO_VALID | INFO_ERROR | TYPE_HW_EXC | 13)
#define UD_INJECTED (INFO_VALID | TYPE_HW_EXC | 6)
#define CR_QUAL(cr, type, reg) ((uint64_t)(cr) | (uint64_t)(type) << 4 | (uint64_t)(reg) << 8)
#define REG_RAX 0
#define REG_RCX 1
#define REG_RSP 4
#define REG_R9 9

static uint64_t vmcs[NR_FIELDS];
static struct domain dom;
static struct vcpu vcpu;

/* What the code under test asked of its surroundings. */
static unsigned int crashes, dispatches, invvpids, ept_syncs, nmis, pdpte_reads;
static uint64_t dispatch_nr, dispatch_args[HYPERCALL_NR_ARGS];
static int pdpte_rc;
static uint64_t fake_pdptes[PAE_NR_PDPTES];
static uint64_t io_out_value;
static uint16_t io_port;
static unsigned int io_size;

/* ---- the fake VMCS and VMX instructions ---- */

uint64_t vmread(uint64_t field)
{
	assert_true(field < NR_FIELDS);
	return vmcs[field];
}

void vmwrite(uint64_t field, uint64_t v)
{
	assert_true(field < NR_FIELDS);
	vmcs[field] = v;
}

bool vmwrite_checked(uint64_t field, uint64_t v)
{
	vmwrite(field, v);
	return true;
}

bool vmx_vmptrld(paddr_t pa)
{
	return true;
}

bool vmx_vmclear(paddr_t pa)
{
	return true;
}

void vmx_invept(uint64_t type, uint64_t eptp)
{
}

void vmx_invvpid_single(uint16_t vpid)
{
	assert_int_equal(vpid, vcpu.arch.vpid);
	invvpids++;
}

int vmx_run(struct vcpu *v, uint64_t launched);
int vmx_run(struct vcpu *v, uint64_t launched)
{
	fail_msg("vmx_run is not exercised here");
	return 1;
}

void vmx_exit_stub(void);
void vmx_exit_stub(void)
{
}

bool vmx_control(uint32_t want, uint32_t must, uint32_t allowed0, uint32_t allowed1,
		 uint32_t *out)
{
	fail_msg("vmcs_load is not exercised here");
	return false;
}

paddr_t vmx_msr_bitmap_pa, vmx_io_bitmap_a_pa, vmx_io_bitmap_b_pa;

struct vmx_caps vmx_caps = {
	.revision = 0x2b,
	.cr0_fixed0 = CR0_PE | CR0_NE | CR0_PG,
	.cr0_fixed1 = 0xffffffffUL,
	.cr4_fixed0 = CR4_VMXE,
	.cr4_fixed1 = 0x3727ffUL,
};

/* ---- the rest of the hypervisor ---- */

int64_t hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[HYPERCALL_NR_ARGS])
{
	dispatches++;
	dispatch_nr = nr;
	memcpy(dispatch_args, args, sizeof(dispatch_args));
	return -ENOSYS;
}

void cpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	*out = (struct cpuid_regs){ leaf, subleaf, 0x11, 0x22 };
}

int msr_emulate_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	*value = 0x1122334455667788UL;
	return msr == 0x10 ? 0 : -EPERM;
}

int msr_emulate_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
	return -EPERM;
}

uint32_t io_emulate_in(struct vcpu *v, uint16_t port, unsigned int size)
{
	io_port = port;
	io_size = size;
	return 0xa1b2c3d4u;
}

void io_emulate_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t value)
{
	io_port = port;
	io_size = size;
	io_out_value = value;
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	assert_ptr_equal(d, &dom);
	crashes++;
}

void trap_nmi_in_guest(void)
{
	nmis++;
}

uint64_t ept_global_generation = 1;
uint64_t ept_synced_generation[HV_MAX_CPUS];

void ept_sync_cpu(struct domain *d)
{
	assert_ptr_equal(d, &dom);
	ept_syncs++;
	ept_synced_generation[vcpu.cpu] = ept_global_generation;
}

int guest_walk_read_pdptes(struct domain *d, uint64_t cr3, uint64_t pdpte[PAE_NR_PDPTES])
{
	assert_ptr_equal(d, &dom);
	pdpte_reads++;
	if (pdpte_rc)
		return pdpte_rc;
	memcpy(pdpte, fake_pdptes, sizeof(fake_pdptes));
	return 0;
}

unsigned int guest_walk_phys_addr_bits(void)
{
	return 36;
}

/* arch/x86/desc.c is not linked: the host IDT address only goes into the VMCS. */
uint64_t idt_base(void)
{
	return 0xffffffff80400000UL;
}

int domain_alloc_overhead_page(struct domain *d, paddr_t *pa)
{
	static unsigned int next;

	assert_true(next < PHYS_SIZE / PAGE_SIZE);
	*pa = PHYS_BASE + next++ * PAGE_SIZE;
	return 0;
}

void domain_free_overhead_page(struct domain *d, paddr_t pa)
{
}

/* core/evtchn.c: the vector the guest chose for upcalls (0: none). */
static uint8_t upcall_vector;

uint8_t evtchn_upcall_vector(const struct vcpu *v)
{
	return upcall_vector;
}

/* ---- helpers ---- */

/* A 64-bit guest at CPL 0 with paging on, as the runtime's tests run. */
static int setup(void **state)
{
	memset(vmcs, 0, sizeof(vmcs));
	memset(&dom, 0, sizeof(dom));
	memset(&vcpu, 0, sizeof(vcpu));
	dom.id = 3;
	dom.nr_vcpus = 1;
	vcpu.domain = &dom;
	vcpu.id = 0;
	vcpu.arch.vpid = 7;
	fake_physmem_init(PHYS_BASE, PHYS_SIZE);
	assert_int_equal(arch_vcpu_init(&vcpu), 0);
	vcpu.arch.vpid = 7;
	crashes = dispatches = invvpids = ept_syncs = nmis = pdpte_reads = 0;
	upcall_vector = 0;
	vcpu.vcpu_info = calloc(1, sizeof(struct vcpu_info));
	pdpte_rc = 0;
	ept_synced_generation[0] = ept_global_generation;

	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	vmcs[VMCS_EXIT_INSTRUCTION_LENGTH] = INSN_LEN;
	vmcs[VMCS_GUEST_RFLAGS] = 0x2;
	vmcs[VMCS_GUEST_CS_AR] = AR_CS64;
	vmcs[VMCS_GUEST_SS_AR] = 0xc093;
	vmcs[VMCS_GUEST_CR0] = CR0_PE | CR0_NE | CR0_ET | CR0_PG;
	vmcs[VMCS_CR0_READ_SHADOW] = CR0_PE | CR0_NE | CR0_ET | CR0_PG;
	vmcs[VMCS_GUEST_CR4] = CR4_PAE | CR4_VMXE;
	vmcs[VMCS_CR4_READ_SHADOW] = 0;
	vmcs[VMCS_GUEST_CR3] = 0x200000;
	vmcs[VMCS_GUEST_IA32_EFER] = EFER_LME_ | EFER_LMA_;
	vmcs[VMCS_ENTRY_CONTROLS] = ENTRY_IA32E;
	return 0;
}

static int teardown(void **state)
{
	free(vcpu.vcpu_info);
	fake_physmem_free();
	return 0;
}

static bool exit_with(uint32_t reason, uint64_t qualification)
{
	vmcs[VMCS_EXIT_REASON] = reason;
	vmcs[VMCS_EXIT_QUALIFICATION] = qualification;
	vmcs[VMCS_ENTRY_INTERRUPTION_INFO] = 0;
	return vmx_handle_exit(&vcpu);
}

static void assert_advanced(void)
{
	assert_int_equal(vmcs[VMCS_GUEST_RIP], GUEST_RIP + INSN_LEN);
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], 0);
}

static void assert_gp_injected(void)
{
	assert_int_equal(vmcs[VMCS_GUEST_RIP], GUEST_RIP);
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], GP_INJECTED);
	assert_int_equal(vmcs[VMCS_ENTRY_EXCEPTION_ERROR_CODE], 0);
}

static void enter_compatibility_mode(void)
{
	vmcs[VMCS_GUEST_CS_AR] = AR_CS32;
}

/* 32-bit protected mode, paging off: the PVH start state. */
static void enter_protected_mode(void)
{
	vmcs[VMCS_GUEST_CS_AR] = AR_CS32;
	vmcs[VMCS_GUEST_CR0] = CR0_PE | CR0_NE | CR0_ET;
	vmcs[VMCS_CR0_READ_SHADOW] = CR0_PE | CR0_ET;
	vmcs[VMCS_GUEST_IA32_EFER] = 0;
	vmcs[VMCS_ENTRY_CONTROLS] = 0;
}

/* ---- completing an emulated instruction ---- */

static void test_advance_plain(void **state)
{
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_INTERRUPTIBILITY], 0);
	assert_int_equal(vmcs[VMCS_GUEST_PENDING_DBG_EXCEPTIONS], 0);
	assert_int_equal(vcpu.arch.regs.rbx, 0);
	assert_int_equal(vcpu.arch.regs.rcx, 0x11);
}

/* "sti; cpuid" and "mov ss; cpuid": the shadow covered CPUID, not what follows it. */
static void test_advance_ends_sti_and_mov_ss_shadows(void **state)
{
	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_IF;
	vmcs[VMCS_GUEST_INTERRUPTIBILITY] = BLOCK_STI | BLOCK_NMI;
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_INTERRUPTIBILITY], BLOCK_NMI);

	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	vmcs[VMCS_GUEST_INTERRUPTIBILITY] = BLOCK_MOV_SS;
	assert_true(exit_with(EXIT_REASON_VMCALL, 0));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_INTERRUPTIBILITY], 0);
}

/* EFLAGS.TF: the single-step trap after the emulated instruction is pended, as BS. */
static void test_advance_pends_single_step(void **state)
{
	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_TF;
	vmcs[VMCS_GUEST_PENDING_DBG_EXCEPTIONS] = 0x1; /* B0, from a breakpoint */
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_PENDING_DBG_EXCEPTIONS], 0x1 | PENDING_BS);
}

/* A refused instruction does not complete: no advance, no single step. */
static void test_fault_does_not_advance(void **state)
{
	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_TF;
	vmcs[VMCS_GUEST_INTERRUPTIBILITY] = BLOCK_STI;
	vcpu.arch.regs.rcx = 0x3a0; /* not an MSR we emulate */
	assert_true(exit_with(EXIT_REASON_MSR_READ, 0));
	assert_gp_injected();
	assert_int_equal(vmcs[VMCS_GUEST_INTERRUPTIBILITY], BLOCK_STI);
	assert_int_equal(vmcs[VMCS_GUEST_PENDING_DBG_EXCEPTIONS], 0);
}

/* ---- VMCALL ---- */

static void test_vmcall_64bit(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	r->rax = 17;
	r->rdi = 1, r->rsi = 2, r->rdx = 3, r->r10 = 4, r->r8 = 5;
	assert_true(exit_with(EXIT_REASON_VMCALL, 0));
	assert_int_equal(dispatches, 1);
	assert_int_equal(dispatch_nr, 17);
	assert_int_equal(dispatch_args[0], 1);
	assert_int_equal(dispatch_args[4], 5);
	assert_int_equal(r->rax, (uint64_t)-ENOSYS);
	assert_advanced();
}

static void test_vmcall_32bit(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	enter_compatibility_mode();
	r->rax = 0xdead000000000012UL;
	r->rbx = 0xffffffff00000001UL, r->rcx = 2, r->rdx = 3, r->rsi = 4, r->rdi = 5;
	assert_true(exit_with(EXIT_REASON_VMCALL, 0));
	assert_int_equal(dispatch_nr, 0x12);
	assert_int_equal(dispatch_args[0], 1);
	assert_int_equal(dispatch_args[3], 4);
	assert_int_equal(dispatch_args[4], 5);
	assert_int_equal(r->rax, (uint32_t)-ENOSYS);
	assert_advanced();
}

static void test_vmcall_from_user_mode(void **state)
{
	vmcs[VMCS_GUEST_SS_AR] = 0xc093 | AR_DPL3;
	assert_true(exit_with(EXIT_REASON_VMCALL, 0));
	assert_int_equal(dispatches, 0);
	assert_int_equal(vcpu.arch.regs.rax, (uint64_t)-EPERM);
	assert_advanced();
}

/* ---- CR8: the vCPU's own task priority ---- */

static void test_cr8_is_per_vcpu(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	r->r9 = 9;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(8, 0, REG_R9)));
	assert_advanced();

	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	r->rcx = ~0UL;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(8, 1, REG_RCX)));
	assert_advanced();
	assert_int_equal(r->rcx, 9);

	/* RSP lives in the VMCS. */
	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(8, 1, REG_RSP)));
	assert_int_equal(vmcs[VMCS_GUEST_RSP], 9);

	/* A new vCPU in the same slot starts from 0. */
	vmx_guest_cpu_state_init(&vcpu);
	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(8, 1, REG_RCX)));
	assert_int_equal(r->rcx, 0);
}

static void test_cr8_reserved_bits(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	r->rax = 0x10;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(8, 0, REG_RAX)));
	assert_gp_injected();
	r->rcx = 5;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(8, 1, REG_RCX)));
	assert_int_equal(r->rcx, 0);
}

/* ---- CR0 and long mode ---- */

static void test_cr0_enters_long_mode(void **state)
{
	enter_protected_mode();
	vmcs[VMCS_GUEST_CR4] = CR4_PAE | CR4_VMXE;
	vmcs[VMCS_GUEST_IA32_EFER] = EFER_LME_;
	vcpu.arch.regs.rax = CR0_PE | CR0_ET | CR0_PG;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_IA32_EFER], EFER_LME_ | EFER_LMA_);
	assert_true(vmcs[VMCS_ENTRY_CONTROLS] & ENTRY_IA32E);
	assert_int_equal(vmcs[VMCS_CR0_READ_SHADOW], CR0_PE | CR0_ET | CR0_PG);
	assert_int_equal(vmcs[VMCS_GUEST_CR0], CR0_PE | CR0_NE | CR0_ET | CR0_PG);
	assert_int_equal(pdpte_reads, 0); /* long mode has no PDPTE registers */
}

static void test_cr0_without_pae_refused_for_long_mode(void **state)
{
	enter_protected_mode();
	vmcs[VMCS_GUEST_CR4] = CR4_VMXE;
	vmcs[VMCS_GUEST_IA32_EFER] = EFER_LME_;
	vcpu.arch.regs.rax = CR0_PE | CR0_PG;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
	assert_gp_injected();
	assert_int_equal(vmcs[VMCS_GUEST_IA32_EFER], EFER_LME_);
}

/* SDM vol 2, MOV CR, 64-bit mode exceptions: clearing CR0.PG is #GP. */
static void test_cr0_paging_stays_on_in_64bit_mode(void **state)
{
	vcpu.arch.regs.rax = CR0_PE | CR0_NE | CR0_ET;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
	assert_gp_injected();
	assert_int_equal(vmcs[VMCS_GUEST_IA32_EFER], EFER_LME_ | EFER_LMA_);
	assert_true(vmcs[VMCS_ENTRY_CONTROLS] & ENTRY_IA32E);
	assert_true(vmcs[VMCS_CR0_READ_SHADOW] & CR0_PG);
}

/* From compatibility mode it is allowed, and leaves IA-32e mode. */
static void test_cr0_leaves_long_mode_from_compatibility_mode(void **state)
{
	enter_compatibility_mode();
	/* 32-bit operand: whatever the upper half of RAX holds does not count. */
	vcpu.arch.regs.rax = 0xffffffff00000000UL | CR0_PE | CR0_NE | CR0_ET;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_IA32_EFER], EFER_LME_);
	assert_false(vmcs[VMCS_ENTRY_CONTROLS] & ENTRY_IA32E);
	assert_int_equal(vmcs[VMCS_CR0_READ_SHADOW], CR0_PE | CR0_NE | CR0_ET);
}

static void test_cr0_paging_stays_on_with_pcide(void **state)
{
	/* Not offered today (CPUID): a guest that had it could not turn paging off. */
	enter_compatibility_mode();
	vmcs[VMCS_GUEST_CR4] |= CR4_PCIDE;
	vmcs[VMCS_CR4_READ_SHADOW] |= CR4_PCIDE;
	vcpu.arch.regs.rax = CR0_PE | CR0_NE | CR0_ET;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
	assert_gp_injected();
}

static void test_cr0_reserved_combinations(void **state)
{
	static const uint64_t bad[] = {
		CR0_PE | CR0_ET | CR0_PG | (1UL << 32), /* bits 63:32 */
		CR0_ET | CR0_PG,                        /* PG without PE */
		CR0_PE | CR0_ET | CR0_PG | CR0_NW,      /* NW without CD */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		vcpu.arch.regs.rax = bad[i];
		assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
		assert_gp_injected();
	}
}

/* With EPT, VM entry takes the PAE PDPTEs from the VMCS: turning PAE paging on loads them. */
static void test_cr0_pae_paging_loads_pdptes(void **state)
{
	enter_protected_mode();
	vmcs[VMCS_GUEST_CR4] = CR4_PAE | CR4_VMXE;
	vmcs[VMCS_GUEST_CR3] = 0x345000;
	for (unsigned int i = 0; i < PAE_NR_PDPTES; i++)
		fake_pdptes[i] = 0x1000UL * (i + 1) | 1;
	vcpu.arch.regs.rax = CR0_PE | CR0_ET | CR0_PG;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
	assert_advanced();
	assert_int_equal(pdpte_reads, 1);
	for (unsigned int i = 0; i < PAE_NR_PDPTES; i++)
		assert_int_equal(vmcs[VMCS_GUEST_PDPTE0 + 2 * i], fake_pdptes[i]);
	assert_int_equal(vmcs[VMCS_GUEST_IA32_EFER], 0);
	assert_false(vmcs[VMCS_ENTRY_CONTROLS] & ENTRY_IA32E);
}

/* A present PDPTE with a reserved bit: the MOV to CR0 raises #GP and changes nothing. */
static void test_cr0_bad_pdpte_refused(void **state)
{
	enter_protected_mode();
	vmcs[VMCS_GUEST_CR4] = CR4_PAE | CR4_VMXE;
	pdpte_rc = -EINVAL;
	vcpu.arch.regs.rax = CR0_PE | CR0_ET | CR0_PG;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(0, 0, REG_RAX)));
	assert_gp_injected();
	assert_int_equal(vmcs[VMCS_CR0_READ_SHADOW], CR0_PE | CR0_ET);
	assert_int_equal(vmcs[VMCS_GUEST_CR0], CR0_PE | CR0_NE | CR0_ET);
	assert_int_equal(vmcs[VMCS_GUEST_PDPTE0], 0);
}

/* ---- CR3 (exits only where the CPU cannot turn CR3-load exiting off) ---- */

static void test_cr3_load_flushes_and_checks(void **state)
{
	vcpu.arch.regs.rax = 0x123000;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(3, 0, REG_RAX)));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_CR3], 0x123000);
	assert_int_equal(invvpids, 1);

	/* Above MAXPHYADDR (36 here): reserved. */
	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	vcpu.arch.regs.rax = 1UL << 40;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(3, 0, REG_RAX)));
	assert_gp_injected();
	assert_int_equal(vmcs[VMCS_GUEST_CR3], 0x123000);

	vcpu.arch.regs.rcx = 0;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(3, 1, REG_RCX)));
	assert_int_equal(vcpu.arch.regs.rcx, 0x123000);
}

static void test_cr3_load_in_pae_mode_loads_pdptes(void **state)
{
	enter_protected_mode();
	vmcs[VMCS_GUEST_CR0] |= CR0_PG;
	vmcs[VMCS_CR0_READ_SHADOW] |= CR0_PG;
	vmcs[VMCS_GUEST_CR4] = CR4_PAE | CR4_VMXE;
	fake_pdptes[2] = 0x7000 | 1;
	vcpu.arch.regs.rax = 0x5000;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(3, 0, REG_RAX)));
	assert_advanced();
	assert_int_equal(pdpte_reads, 1);
	assert_int_equal(vmcs[VMCS_GUEST_PDPTE0 + 4], 0x7001);

	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	pdpte_rc = -EINVAL;
	vcpu.arch.regs.rax = 0x6000;
	assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(3, 0, REG_RAX)));
	assert_gp_injected();
	assert_int_equal(vmcs[VMCS_GUEST_CR3], 0x5000);
}

/* Only the bits of features the guest is offered: VMXE, OSXSAVE, PKE... are refused. */
static void test_cr4_hidden_bits_refused(void **state)
{
	static const uint64_t hidden[] = { CR4_VMXE, CR4_PCIDE, CR4_OSXSAVE, CR4_PKE, 1UL << 40 };

	for (size_t i = 0; i < ARRAY_SIZE(hidden); i++) {
		vcpu.arch.regs.rax = CR4_PAE | CR4_OSFXSR | hidden[i];
		assert_true(exit_with(EXIT_REASON_CR_ACCESS, CR_QUAL(4, 0, REG_RAX)));
		assert_gp_injected();
	}
	assert_int_equal(vmcs[VMCS_GUEST_CR4], CR4_PAE | CR4_VMXE);
	assert_int_equal(vmcs_guest_cr4(), CR4_PAE);

	assert_int_equal(vmcs_set_guest_cr4(&vcpu, CR4_PAE | CR4_OSFXSR | CR4_SMEP), 0);
	assert_int_equal(vmcs[VMCS_GUEST_CR4], CR4_PAE | CR4_OSFXSR | CR4_SMEP | CR4_VMXE);
	assert_int_equal(vmcs_guest_cr4(), CR4_PAE | CR4_OSFXSR | CR4_SMEP);
	/* Long mode needs PAE. */
	assert_int_equal(vmcs_set_guest_cr4(&vcpu, CR4_OSFXSR), -EINVAL);
}

/* ---- MSRs, XSETBV, I/O ---- */

static void test_efer_writes(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	r->rcx = MSR_EFER;
	r->rdx = 0;
	r->rax = EFER_LMA_; /* LME cleared with paging on */
	assert_true(exit_with(EXIT_REASON_MSR_WRITE, 0));
	assert_gp_injected();
	r->rax = EFER_LME_ | EFER_LMA_ | (1UL << 12); /* an unknown bit */
	assert_true(exit_with(EXIT_REASON_MSR_WRITE, 0));
	assert_gp_injected();
	r->rax = EFER_LME_ | 0x801; /* SCE and NXE; LMA is read-only */
	assert_true(exit_with(EXIT_REASON_MSR_WRITE, 0));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_IA32_EFER], EFER_LME_ | EFER_LMA_ | 0x801);
}

static void test_pat_writes(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	r->rcx = MSR_IA32_PAT;
	r->rdx = 0x00070406;
	r->rax = 0x00070402; /* type 2 is reserved */
	assert_true(exit_with(EXIT_REASON_MSR_WRITE, 0));
	assert_gp_injected();
	r->rax = 0x00070406;
	assert_true(exit_with(EXIT_REASON_MSR_WRITE, 0));
	assert_advanced();
	assert_int_equal(vmcs[VMCS_GUEST_IA32_PAT], 0x0007040600070406UL);
}

static void test_msr_read_splits_edx_eax(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	r->rcx = 0xffffffff00000010UL; /* only ECX names the MSR */
	assert_true(exit_with(EXIT_REASON_MSR_READ, 0));
	assert_advanced();
	assert_int_equal(r->rax, 0x55667788);
	assert_int_equal(r->rdx, 0x11223344);
}

static void test_xsetbv(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	r->rcx = 0, r->rdx = 0, r->rax = 3; /* SSE state: XSAVE is not offered */
	assert_true(exit_with(EXIT_REASON_XSETBV, 0));
	assert_gp_injected();
	r->rax = 1;
	assert_true(exit_with(EXIT_REASON_XSETBV, 0));
	assert_advanced();
}

static void test_port_io(void **state)
{
	uint64_t *rax = &vcpu.arch.regs.rax;

	/* SDM table 28-5: size - 1 in bits 2:0, IN in bit 3, port in 31:16. */
	*rax = 0x1111111111111111UL;
	assert_true(exit_with(EXIT_REASON_IO_INSTRUCTION, 0x00710008 | 1));
	assert_int_equal(io_port, 0x71);
	assert_int_equal(io_size, 2);
	assert_int_equal(*rax, 0x111111111111c3d4UL);
	assert_true(exit_with(EXIT_REASON_IO_INSTRUCTION, 0x00710008 | 3));
	assert_int_equal(*rax, 0xa1b2c3d4UL);
	*rax = 0x12345678;
	assert_true(exit_with(EXIT_REASON_IO_INSTRUCTION, 0x00e90000));
	assert_int_equal(io_size, 1);
	assert_int_equal(io_out_value, 0x78);
	/* INS/OUTS: not emulated, the domain is crashed. */
	assert_false(exit_with(EXIT_REASON_IO_INSTRUCTION, 0x00e90010));
	assert_int_equal(crashes, 1);
}

/* ---- other exits ---- */

static void test_wbinvd_and_invd_are_no_ops(void **state)
{
	assert_true(exit_with(EXIT_REASON_WBINVD, 0));
	assert_advanced();
	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	assert_true(exit_with(EXIT_REASON_INVD, 0));
	assert_advanced();
}

static void test_vmx_instructions_are_undefined(void **state)
{
	assert_true(exit_with(EXIT_REASON_VMXON, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], UD_INJECTED);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], GUEST_RIP);
}

/* An NMI exit in the middle of delivering a guest #PF: the #PF is delivered again. */
static void test_event_interrupted_by_nmi_is_reinjected(void **state)
{
	vmcs[VMCS_EXIT_INTERRUPTION_INFO] = INFO_VALID | TYPE_NMI | 2;
	vmcs[VMCS_IDT_VECTORING_INFO] = INFO_VALID | INFO_ERROR | TYPE_HW_EXC | 14 | (1u << 12);
	vmcs[VMCS_IDT_VECTORING_ERROR_CODE] = 6;
	assert_true(exit_with(EXIT_REASON_EXCEPTION_NMI, 0));
	assert_int_equal(nmis, 1);
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO],
			 INFO_VALID | INFO_ERROR | TYPE_HW_EXC | 14);
	assert_int_equal(vmcs[VMCS_ENTRY_EXCEPTION_ERROR_CODE], 6);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], GUEST_RIP);
}

/* A software interrupt (INT n) is re-injected with its instruction length. */
static void test_software_interrupt_reinjected_at_slice_end(void **state)
{
	vmcs[VMCS_IDT_VECTORING_INFO] = INFO_VALID | TYPE_SW_INT | 0x80;
	vmcs[VMCS_EXIT_INSTRUCTION_LENGTH] = 2;
	assert_false(exit_with(EXIT_REASON_PREEMPTION_TIMER, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], INFO_VALID | TYPE_SW_INT | 0x80);
	assert_int_equal(vmcs[VMCS_ENTRY_INSTRUCTION_LENGTH], 2);
}

static void test_no_vectoring_no_injection(void **state)
{
	vmcs[VMCS_IDT_VECTORING_INFO] = 0x80;
	assert_false(exit_with(EXIT_REASON_PREEMPTION_TIMER, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], 0);
}

static void test_unknown_and_failed_entries_crash(void **state)
{
	assert_false(exit_with(EXIT_REASON_TASK_SWITCH, 0));
	assert_false(exit_with(EXIT_REASON_MAX + 3, 0));
	assert_false(exit_with(EXIT_REASON_ENTRY_FAILURE | EXIT_REASON_INVALID_GUEST_STATE, 0));
	assert_false(exit_with(EXIT_REASON_TRIPLE_FAULT, 0));
	assert_false(exit_with(EXIT_REASON_EPT_VIOLATION, 2));
	assert_int_equal(crashes, 5);
}

/* ---- back to the guest or to the scheduler ---- */

static void test_resume_or_schedule(void **state)
{
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_int_equal(ept_syncs, 0);

	/* An EPT changed meanwhile: flushed before resuming. */
	ept_global_generation++;
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_int_equal(ept_syncs, 1);

	vcpu.requests = VCPU_REQ_YIELD;
	assert_false(exit_with(EXIT_REASON_CPUID, 0));
	vcpu.requests = 0;

	/* HLT: advanced, then the vCPU blocks. */
	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	assert_false(exit_with(EXIT_REASON_HLT, 0));
	assert_advanced();
	assert_true(vcpu.requests & VCPU_REQ_BLOCK);
}

/* ---- event-channel upcalls ---- */

#define PROC_INTERRUPT_WINDOW (1u << 2)
#define UPCALL_INJECTED(vec) (INFO_VALID | (vec)) /* type 0: external interrupt */

static void upcall_due(uint8_t vector)
{
	upcall_vector = vector;
	vcpu.vcpu_info->evtchn_upcall_pending = 1;
	vcpu.upcall_asserted = true;
}

static void assert_upcall_state(bool asserted, bool window)
{
	assert_int_equal(vcpu.upcall_asserted, asserted);
	assert_int_equal(!!(vmcs[VMCS_PROC_BASED_CONTROLS] & PROC_INTERRUPT_WINDOW), window);
}

static void test_upcall_injected_when_interrupts_are_on(void **state)
{
	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_IF;
	upcall_due(0xf3);
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_int_equal(vmcs[VMCS_GUEST_RIP], GUEST_RIP + INSN_LEN);
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], UPCALL_INJECTED(0xf3));
	assert_upcall_state(false, false);
	assert_int_equal(vcpu.upcall_injected, 1);

	/* Once only. */
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], 0);
	assert_int_equal(vcpu.upcall_injected, 1);
}

static void test_upcall_waits_for_an_interrupt_window(void **state)
{
	/* RFLAGS.IF clear: interrupt-window exiting instead. */
	upcall_due(0xf3);
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], 0);
	assert_upcall_state(true, true);

	/* IF set but in a MOV SS shadow (an advance does not end it for a fault): still waits. */
	vmcs[VMCS_PROC_BASED_CONTROLS] &= ~PROC_INTERRUPT_WINDOW;
	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_IF;
	vmcs[VMCS_GUEST_INTERRUPTIBILITY] = BLOCK_MOV_SS;
	assert_true(exit_with(EXIT_REASON_INTERRUPT_WINDOW, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], 0);
	assert_upcall_state(true, true);

	/* The window opens: window exiting goes off and the upcall is injected, RIP unchanged. */
	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	vmcs[VMCS_GUEST_INTERRUPTIBILITY] = 0;
	assert_true(exit_with(EXIT_REASON_INTERRUPT_WINDOW, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], UPCALL_INJECTED(0xf3));
	assert_upcall_state(false, false);
	assert_int_equal(vmcs[VMCS_GUEST_RIP], GUEST_RIP);
}

static void test_upcall_not_over_another_event(void **state)
{
	struct guest_regs *r = &vcpu.arch.regs;

	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_IF;
	upcall_due(0xf3);
	/* XSETBV with a bad value: #GP is injected; the upcall waits for the window after it. */
	r->rcx = 0, r->rdx = 0, r->rax = 3;
	assert_true(exit_with(EXIT_REASON_XSETBV, 0));
	assert_gp_injected();
	assert_upcall_state(true, true);
}

static void test_upcall_with_nothing_to_deliver(void **state)
{
	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_IF;
	/* No vector chosen: the guest polls its bitmaps. */
	upcall_due(0);
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], 0);
	assert_upcall_state(false, false);
	/* A vector, but the guest took the events already. */
	upcall_due(0xf3);
	vcpu.vcpu_info->evtchn_upcall_pending = 0;
	assert_true(exit_with(EXIT_REASON_CPUID, 0));
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], 0);
	assert_upcall_state(false, false);
	assert_int_equal(vcpu.upcall_injected, 0);
}

static void test_hlt_with_an_upcall_due_does_not_block(void **state)
{
	/* "sti; hlt": IF set, the STI shadow covering the HLT. */
	vmcs[VMCS_GUEST_RFLAGS] = 0x2 | RFLAGS_IF;
	vmcs[VMCS_GUEST_INTERRUPTIBILITY] = BLOCK_STI;
	upcall_due(0xf3);
	assert_true(exit_with(EXIT_REASON_HLT, 0));
	assert_int_equal(vmcs[VMCS_GUEST_RIP], GUEST_RIP + INSN_LEN);
	assert_int_equal(vmcs[VMCS_ENTRY_INTERRUPTION_INFO], UPCALL_INJECTED(0xf3));
	assert_int_equal(vcpu.requests, 0);

	/* Interrupts off: it halts (blocks) as before, the upcall still due. */
	vmcs[VMCS_GUEST_RIP] = GUEST_RIP;
	vmcs[VMCS_GUEST_RFLAGS] = 0x2;
	upcall_due(0xf3);
	assert_false(exit_with(EXIT_REASON_HLT, 0));
	assert_int_equal(vcpu.requests, VCPU_REQ_BLOCK);
	assert_true(vcpu.upcall_asserted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_advance_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upcall_injected_when_interrupts_are_on, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_upcall_waits_for_an_interrupt_window, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_upcall_not_over_another_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upcall_with_nothing_to_deliver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hlt_with_an_upcall_due_does_not_block, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_advance_ends_sti_and_mov_ss_shadows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_advance_pends_single_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_does_not_advance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmcall_64bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmcall_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmcall_from_user_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr8_is_per_vcpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr8_reserved_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_enters_long_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_without_pae_refused_for_long_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cr0_paging_stays_on_in_64bit_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cr0_leaves_long_mode_from_compatibility_mode,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_paging_stays_on_with_pcide, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cr0_reserved_combinations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_pae_paging_loads_pdptes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_bad_pdpte_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr3_load_flushes_and_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr3_load_in_pae_mode_loads_pdptes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cr4_hidden_bits_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_efer_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pat_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_read_splits_edx_eax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xsetbv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wbinvd_and_invd_are_no_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmx_instructions_are_undefined, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_event_interrupted_by_nmi_is_reinjected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_software_interrupt_reinjected_at_slice_end,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_vectoring_no_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_failed_entries_crash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resume_or_schedule, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
