/*
 * Host tests for arch/x86/vcpu_context.c: which VCPUOP_initialise contexts
 * are refused (Xen's checks, and those VM entry would fail on), and the
 * start state an accepted one becomes. Expected values are written out
 * from Xen's public header and the SDM, not taken from the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/guest_walk.h"
#include "arch/x86/vmcs.h"
#include "core/arch.h"
#include "core/domain.h"
#include "core/errno.h"
#include "core/public/hvm_vcpu.h"

#define CR0_PE 0x1UL
#define CR0_ET 0x10UL
#define CR0_WP 0x10000UL
#define CR0_NW (1UL << 29)
#define CR0_PG (1UL << 31)
#define CR4_PAE 0x20UL
#define CR4_VMXE 0x2000UL
#define EFER_SCE 0x1UL
#define EFER_LME 0x100UL
#define EFER_LMA 0x400UL
#define VMX_AR_UNUSABLE_ (1u << 16)

static struct domain dom;
static struct vcpu vcpu;
static unsigned int pdpte_reads;
static int pdpte_rc;

uint64_t vmcs_guest_cr4_valid(void)
{
	return 0x1727ffUL & ~CR4_VMXE; /* what a guest may set: never VMXE */
}

unsigned int guest_walk_phys_addr_bits(void)
{
	return 36;
}

int guest_walk_read_pdptes(struct domain *d, uint64_t cr3, uint64_t pdpte[PAE_NR_PDPTES])
{
	assert_ptr_equal(d, &dom);
	pdpte_reads++;
	for (unsigned int i = 0; i < PAE_NR_PDPTES; i++)
		pdpte[i] = cr3 + 0x1000 * i + 1;
	return pdpte_rc;
}

static int setup(void **state)
{
	memset(&dom, 0, sizeof(dom));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.domain = &dom;
	vcpu.id = 1;
	pdpte_reads = 0;
	pdpte_rc = 0;
	return 0;
}

static struct vcpu_hvm_context ctx64(void)
{
	struct vcpu_hvm_context c;

	memset(&c, 0, sizeof(c));
	c.mode = VCPU_HVM_MODE_64B;
	c.cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
		.rax = 1, .rcx = 2, .rdx = 3, .rbx = 4, .rsp = 0x8000, .rbp = 6, .rsi = 7, .rdi = 8,
		.rip = 0xffffffff80001000UL, .rflags = 0x202,
		.cr0 = CR0_PE | CR0_ET | CR0_WP | CR0_PG, .cr3 = 0x200000, .cr4 = CR4_PAE,
		.efer = EFER_LME | EFER_SCE,
	};
	return c;
}

/* Flat 32-bit protected mode, paging off (the PVH start state's shape). */
static struct vcpu_hvm_context ctx32(void)
{
	struct vcpu_hvm_context c;

	memset(&c, 0, sizeof(c));
	c.mode = VCPU_HVM_MODE_32B;
	c.cpu_regs.x86_32 = (struct vcpu_hvm_x86_32){
		.ebx = 0x1234, .esp = 0x9000, .eip = 0x100000, .eflags = 0x2,
		.cr0 = CR0_PE | CR0_ET,
		.cs_limit = 0xffffffff, .ds_limit = 0xffffffff, .ss_limit = 0xffffffff,
		.es_limit = 0xffffffff, .tr_limit = 0x67,
		.cs_ar = 0xc9b, .ds_ar = 0xc93, .ss_ar = 0xc93, .es_ar = 0xc93, .tr_ar = 0x8b,
	};
	return c;
}

static int set(const struct vcpu_hvm_context *c)
{
	return arch_vcpu_set_hvm_context(&vcpu, c);
}

static void test_64bit_start_state(void **state)
{
	struct vcpu_hvm_context c = ctx64();
	const struct vcpu_start_state *s = &vcpu.arch.start;

	c.cpu_regs.x86_64.rflags = 0xffffffff00000202UL; /* non-architectural bits dropped */
	assert_int_equal(set(&c), 0);
	assert_int_equal(s->rip, 0xffffffff80001000UL);
	assert_int_equal(s->rsp, 0x8000);
	assert_int_equal(s->rax, 1);
	assert_int_equal(s->rdi, 8);
	assert_int_equal(s->rflags, 0x202);
	assert_int_equal(s->cr3, 0x200000);
	/* Long mode active: LMA added, as the CPU would. */
	assert_int_equal(s->efer, EFER_LME | EFER_LMA | EFER_SCE);
	/* Xen's 64-bit segments in VMCS form: L code, flat data, busy TSS. */
	assert_int_equal(s->cs.ar, 0xa09b);
	assert_int_equal(s->cs.limit, 0xffffffff);
	assert_int_equal(s->ss.ar, 0xc093);
	assert_int_equal(s->ds.ar, 0xc093);
	assert_int_equal(s->gs.ar, 0xc093);
	assert_int_equal(s->tr.ar, 0x008b);
	assert_int_equal(s->tr.limit, 0x67);
	assert_false(s->has_pdptes);
	assert_int_equal(pdpte_reads, 0);
}

static void test_64bit_refused(void **state)
{
	struct vcpu_hvm_context c;

	c = ctx64();
	c.cpu_regs.x86_64.rip = 0x0000800000000000UL;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.cr0 &= ~CR0_PG;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.cr0 &= ~CR0_PE; /* PG without PE */
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.cr0 |= CR0_NW; /* NW without CD */
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.cr0 |= 1UL << 32;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.cr4 = 0;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.cr4 |= CR4_VMXE;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.efer = EFER_SCE;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.efer |= 1UL << 12;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.cr3 = 1UL << 36; /* beyond MAXPHYADDR */
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.cpu_regs.x86_64.rflags |= 1UL << 17; /* virtual-8086 */
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.pad = 1;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx64();
	c.mode = 2; /* Xen's old 16-bit number: not in the ABI */
	assert_int_equal(set(&c), -EINVAL);
	/* Nothing was kept. */
	assert_int_equal(vcpu.arch.start.rip, 0);
}

static void test_32bit_start_state(void **state)
{
	struct vcpu_hvm_context c = ctx32();
	const struct vcpu_start_state *s = &vcpu.arch.start;

	c.cpu_regs.x86_32.ds_ar = 0; /* a null DS is allowed */
	c.cpu_regs.x86_32.tr_ar = 0x89; /* available TSS: made busy */
	c.cpu_regs.x86_32.cs_ar = 0xc9a; /* not accessed: made so */
	assert_int_equal(set(&c), 0);
	assert_int_equal(s->rip, 0x100000);
	assert_int_equal(s->rbx, 0x1234);
	assert_int_equal(s->rsp, 0x9000);
	assert_int_equal(s->cr0, CR0_PE | CR0_ET);
	assert_int_equal(s->efer, 0);
	assert_int_equal(s->cs.ar, 0xc09b);
	assert_int_equal(s->ss.ar, 0xc093);
	assert_int_equal(s->ds.ar, VMX_AR_UNUSABLE_);
	assert_int_equal(s->es.ar, 0xc093);
	assert_int_equal(s->tr.ar, 0x008b);
	assert_int_equal(s->fs.ar, 0xc093);
	assert_false(s->has_pdptes);
}

static void test_32bit_pae_paging_loads_pdptes(void **state)
{
	struct vcpu_hvm_context c = ctx32();

	c.cpu_regs.x86_32.cr0 |= CR0_PG;
	c.cpu_regs.x86_32.cr4 = CR4_PAE;
	c.cpu_regs.x86_32.cr3 = 0x300000;
	assert_int_equal(set(&c), 0);
	assert_int_equal(pdpte_reads, 1);
	assert_true(vcpu.arch.start.has_pdptes);
	assert_int_equal(vcpu.arch.start.pdpte[2], 0x302001);

	/* PDPTEs that MOV to CR3 would refuse: so is the context. */
	memset(&vcpu.arch.start, 0, sizeof(vcpu.arch.start));
	pdpte_rc = -EINVAL;
	assert_int_equal(set(&c), -EINVAL);
}

static void test_32bit_long_mode(void **state)
{
	struct vcpu_hvm_context c = ctx32();

	/* Compatibility mode: LME with paging and PAE. */
	c.cpu_regs.x86_32.cr0 |= CR0_PG;
	c.cpu_regs.x86_32.cr4 = CR4_PAE;
	c.cpu_regs.x86_32.efer = EFER_LME;
	assert_int_equal(set(&c), 0);
	assert_int_equal(vcpu.arch.start.efer, EFER_LME | EFER_LMA);
	assert_int_equal(pdpte_reads, 0);
	/* LME with paging but no PAE. */
	c.cpu_regs.x86_32.cr4 = 0;
	assert_int_equal(set(&c), -EINVAL);
	/* A 64-bit code segment that is also 32-bit. */
	c.cpu_regs.x86_32.cr4 = CR4_PAE;
	c.cpu_regs.x86_32.cs_ar = 0xe9b;
	assert_int_equal(set(&c), -EINVAL);
	/* LMA without LME; LMA with paging off. */
	c = ctx32();
	c.cpu_regs.x86_32.efer = EFER_LMA;
	assert_int_equal(set(&c), -EINVAL);
	c.cpu_regs.x86_32.efer = EFER_LMA | EFER_LME;
	assert_int_equal(set(&c), -EINVAL);
	/* LME with paging off is how long mode is entered: accepted, not active. */
	c.cpu_regs.x86_32.efer = EFER_LME;
	assert_int_equal(set(&c), 0);
	assert_int_equal(vcpu.arch.start.efer, EFER_LME);
}

static void test_32bit_segments_refused(void **state)
{
	static const struct {
		const char *what;
		size_t offset; /* of the _ar field changed */
		uint16_t ar;
	} bad[] = {
		{ "null CS", offsetof(struct vcpu_hvm_x86_32, cs_ar), 0 },
		{ "null SS", offsetof(struct vcpu_hvm_x86_32, ss_ar), 0 },
		{ "null TR", offsetof(struct vcpu_hvm_x86_32, tr_ar), 0 },
		{ "data in CS", offsetof(struct vcpu_hvm_x86_32, cs_ar), 0xc93 },
		{ "code in SS", offsetof(struct vcpu_hvm_x86_32, ss_ar), 0xc9b },
		{ "read-only SS", offsetof(struct vcpu_hvm_x86_32, ss_ar), 0xc91 },
		{ "execute-only DS", offsetof(struct vcpu_hvm_x86_32, ds_ar), 0xc99 },
		{ "system segment in ES", offsetof(struct vcpu_hvm_x86_32, es_ar), 0xc83 },
		{ "not present CS", offsetof(struct vcpu_hvm_x86_32, cs_ar), 0xc1b },
		{ "16-bit TSS in TR", offsetof(struct vcpu_hvm_x86_32, tr_ar), 0x83 },
		{ "code descriptor in TR", offsetof(struct vcpu_hvm_x86_32, tr_ar), 0x9b },
		{ "attribute bit 12", offsetof(struct vcpu_hvm_x86_32, ds_ar), 0x1c93 },
		{ "SS.DPL 3, CS.DPL 0", offsetof(struct vcpu_hvm_x86_32, ss_ar), 0xcf3 },
		{ "DS.DPL 3 above CS.DPL", offsetof(struct vcpu_hvm_x86_32, ds_ar), 0xcf3 },
		{ "4 KiB granular limit not ending in fff", offsetof(struct vcpu_hvm_x86_32, tr_ar),
		  0x88b },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vcpu_hvm_context c = ctx32();

		memcpy((char *)&c.cpu_regs.x86_32 + bad[i].offset, &bad[i].ar, sizeof(uint16_t));
		if (set(&c) != -EINVAL)
			fail_msg("%s: accepted", bad[i].what);
	}
}

static void test_32bit_other_refusals(void **state)
{
	struct vcpu_hvm_context c;

	c = ctx32();
	c.cpu_regs.x86_32.cs_ar = 0x49b;        /* byte granular ... */
	c.cpu_regs.x86_32.cs_limit = 0x1fffff; /* ... only up to 1 MiB */
	assert_int_equal(set(&c), -EINVAL);
	c.cpu_regs.x86_32.cs_limit = 0xfffff;
	c.cpu_regs.x86_32.eip = 0x100000; /* one past the limit */
	assert_int_equal(set(&c), -EINVAL);
	c.cpu_regs.x86_32.eip = 0xfffff;
	assert_int_equal(set(&c), 0);
	c = ctx32();
	c.cpu_regs.x86_32.pad1 = 1;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx32();
	c.cpu_regs.x86_32.pad2[2] = 1;
	assert_int_equal(set(&c), -EINVAL);
	c = ctx32();
	c.cpu_regs.x86_32.cr0 = 0; /* real mode: SS.DPL must be 0, and is */
	assert_int_equal(set(&c), 0);
	c.cpu_regs.x86_32.cs_ar |= 3 << 5;
	c.cpu_regs.x86_32.ss_ar |= 3 << 5;
	assert_int_equal(set(&c), -EINVAL);
}

static void test_only_before_first_run(void **state)
{
	struct vcpu_hvm_context c = ctx64();

	vcpu.arch.vmcs_ready = true;
	assert_int_equal(set(&c), -EBUSY);
	assert_int_equal(vcpu.arch.start.rip, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_64bit_start_state, setup),
		cmocka_unit_test_setup(test_64bit_refused, setup),
		cmocka_unit_test_setup(test_32bit_start_state, setup),
		cmocka_unit_test_setup(test_32bit_pae_paging_loads_pdptes, setup),
		cmocka_unit_test_setup(test_32bit_long_mode, setup),
		cmocka_unit_test_setup(test_32bit_segments_refused, setup),
		cmocka_unit_test_setup(test_32bit_other_refusals, setup),
		cmocka_unit_test_setup(test_only_before_first_run, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
