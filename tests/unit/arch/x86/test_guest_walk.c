/*
 * Host tests for arch/x86/guest_walk.c. Guest RAM is a buffer behind a fake
 * guest_phys_read() that refuses anything outside it; the paging registers
 * come from a fake vmx_guest_paging_state(). Page tables are built here
 * from the SDM's formats (chapter 4), with MAXPHYADDR 36.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/guest_walk.h"
#include "core/arch.h"
#include "core/errno.h"
#include "core/guest_memory.h"

#define RAM_SIZE (16 * MiB)
#define PHYS_BITS 36
#define SENTINEL 0x5a5a5a5a5a5a5a5aUL

/* Entry bits and control bits, written out from the SDM. */
#define P 0x1UL
#define RW 0x2UL
#define US 0x4UL
#define A 0x20UL
#define PS 0x80UL
#define PAT_LARGE 0x1000UL
#define NX (1UL << 63)
#define CR0_PE 0x1UL
#define CR0_WP (1UL << 16)
#define CR0_PG (1UL << 31)
#define CR4_PSE (1UL << 4)
#define CR4_PAE (1UL << 5)
#define CR4_LA57 (1UL << 12)
#define EFER_LME_ (1UL << 8)
#define EFER_LMA_ (1UL << 10)
#define EFER_NXE_ (1UL << 11)

static uint8_t *ram;
static struct domain dom;
static struct vcpu vcpu;
static uint64_t cr0, cr3, cr4, efer;
static unsigned long reads;

int guest_phys_read(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
	assert_ptr_equal(d, &dom);
	reads++;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(dst, ram + gpa, len);
	return 0;
}

const volatile void *guest_phys_entry(const struct domain *d, uint64_t gpa, unsigned int size)
{
	assert_ptr_equal(d, &dom);
	assert_true(size == 4 || size == 8);
	/* Entries are naturally aligned: the walker never asks for anything else. */
	assert_int_equal(gpa & (size - 1), 0);
	reads++;
	if (gpa >= RAM_SIZE || size > RAM_SIZE - gpa)
		return NULL;
	return ram + gpa;
}

void vmx_guest_paging_state(struct vcpu *v, uint64_t *cr0_out, uint64_t *cr3_out,
			    uint64_t *cr4_out, uint64_t *efer_out)
{
	assert_ptr_equal(v, &vcpu);
	*cr0_out = cr0;
	*cr3_out = cr3;
	*cr4_out = cr4;
	*efer_out = efer;
}

unsigned int guest_walk_phys_addr_bits(void)
{
	return PHYS_BITS;
}

void arch_cpu_relax(void)
{
}

static int setup(void **state)
{
	ram = calloc(1, RAM_SIZE);
	assert_non_null(ram);
	memset(&dom, 0, sizeof(dom));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.domain = &dom;
	vcpu.arch.walk_cache.gva_page = ~0UL; /* as arch_vcpu_init leaves it */
	cr0 = CR0_PE;
	cr3 = cr4 = efer = 0;
	reads = 0;
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static void put32(uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= RAM_SIZE);
	memcpy(ram + gpa, &v, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
	assert_true(gpa + 8 <= RAM_SIZE);
	memcpy(ram + gpa, &v, 8);
}

/* Translates and returns the result; on failure checks *gpa was left alone. */
static int xlate(uint64_t gva, bool write, uint64_t *gpa)
{
	uint64_t out = SENTINEL;
	int rc = arch_guest_translate(&vcpu, gva, write, &out);

	if (rc)
		assert_int_equal(out, SENTINEL);
	*gpa = out;
	return rc;
}

static void expect_gpa(uint64_t gva, bool write, uint64_t want)
{
	uint64_t gpa;

	assert_int_equal(xlate(gva, write, &gpa), 0);
	assert_int_equal(gpa, want);
}

static void expect_fault(uint64_t gva, bool write)
{
	uint64_t gpa;

	assert_int_equal(xlate(gva, write, &gpa), -EFAULT);
}

/* ---- Paging off ---- */

static void test_paging_off_is_identity(void **state)
{
	expect_gpa(0x12345678, false, 0x12345678);
	expect_gpa(0xffffffff, true, 0xffffffff);
	expect_fault(0x100000000UL, false);
	expect_fault(0xffffffff80000000UL, true);
	assert_int_equal(reads, 0);
}

/* ---- 32-bit paging ---- */

static void setup_legacy(void)
{
	cr0 = CR0_PE | CR0_PG | CR0_WP;
	cr3 = 0x10000 | 0x18; /* PWT and PCD are not address bits */
	put32(0x10000 + 1 * 4, 0x11000 | P | RW | A);     /* 0x00400000: PT */
	put32(0x11000 + 5 * 4, 0xabc000 | P | RW);        /* 0x00405000 */
	put32(0x11000 + 6 * 4, 0xabd000 | P);             /* read-only */
	put32(0x11000 + 7 * 4, 0xabe000 | RW);            /* not present */
	put32(0x10000 + 2 * 4, 0x12000 | P);              /* 0x00800000: read-only PT */
	put32(0x12000 + 0 * 4, 0x100000 | P | RW);
	put32(0x10000 + 3 * 4, 0x00c00000 | (0x5 << 13) | P | RW | PS); /* 4 MiB, PSE-36 */
	put32(0x10000 + 4 * 4, 0x01000000 | (1u << 21) | P | RW | PS);  /* bit 21 reserved */
	put32(0x10000 + 5 * 4, 0x01400000 | (1u << 17) | P | RW | PS);  /* above MAXPHYADDR */
	put32(0x10000 + 6 * 4, 0x0f000000 | P | RW);      /* a PT outside RAM */
	put32(0x10000 + 0x401 * 4, 0x11000 | P | RW);     /* just past the PD */
}

static void test_legacy_4k_pages(void **state)
{
	setup_legacy();
	expect_gpa(0x00405123, false, 0xabc123);
	expect_gpa(0x00405fff, true, 0xabcfff);
	expect_gpa(0x00406000, false, 0xabd000);
	expect_fault(0x00406000, true); /* read-only PTE */
	expect_fault(0x00407000, false); /* not-present PTE */
	expect_gpa(0x00800010, false, 0x100010);
	expect_fault(0x00800010, true); /* read-only PDE, writable PTE */
	expect_fault(0x00000000, false); /* not-present PDE */
	expect_fault(0x01800000, false); /* PT beyond guest RAM */
	expect_fault(0x100405123UL, false);

	/* CR0.WP clear does not make a read-only page writable for us. */
	cr0 &= ~CR0_WP;
	expect_fault(0x00406000, true);
}

static void test_legacy_4m_pages(void **state)
{
	setup_legacy();
	cr4 = CR4_PSE;
	expect_gpa(0x00c12345, true, 0x500c12345UL);
	expect_gpa(0x00ffffff, false, 0x500ffffffUL);
	expect_fault(0x01000000, false); /* bit 21 set */
	expect_fault(0x01400000, false); /* bit 17 is above MAXPHYADDR 36 */
	expect_gpa(0x00405123, false, 0xabc123); /* 4 KiB pages still work */

	/* Without CR4.PSE the PS bit is ignored: the "page" is a page table. */
	cr4 = 0;
	put32(0x10000 + 3 * 4, 0x00400000 | P | RW | PS);
	put32(0x00400000 + 0x12 * 4, 0x777000 | P);
	expect_gpa(0x00c12345, false, 0x777345);
}

/* ---- PAE paging ---- */

static void setup_pae(void)
{
	cr0 = CR0_PE | CR0_PG;
	cr4 = CR4_PAE;
	cr3 = 0x20020; /* the PDPT is 32-byte aligned */
	put64(0x20020 + 2 * 8, 0x21000 | P);                 /* 0x80000000 */
	put64(0x21000 + 1 * 8, 0x22000 | P | RW);            /* 0x80200000: PT */
	put64(0x22000 + 3 * 8, 0x1234000 | P | RW | NX);     /* 0x80203000 */
	put64(0x22000 + 4 * 8, 0x1235000 | P | RW | (1UL << 62)); /* reserved in PAE */
	put64(0x22000 + 5 * 8, 0x1236000 | P);               /* read-only */
	put64(0x22000 + 6 * 8, 0x1000000000UL | P | RW);     /* bit 36 above MAXPHYADDR */
	put64(0x21000 + 4 * 8, 0x40000000 | P | RW | PS);    /* 0x80800000: 2 MiB */
	put64(0x21000 + 5 * 8, 0x40200000 | P | RW | PS | (1UL << 13)); /* reserved */
	put64(0x21000 + 6 * 8, 0x40400000 | P | RW | PS | PAT_LARGE); /* PAT, not address */
	put64(0x20020 + 1 * 8, 0x23000 | P | RW);            /* 0x40000000: RW is reserved */
	put64(0x23000 + 0 * 8, 0x600000 | P | RW | PS);      /* (a valid PD behind it) */
	put64(0x20020 + 6 * 8, 0x21000 | P);                 /* just past the PDPT */
	put64(0x20020 + 3 * 8, 0x2000000 | P);               /* 0xc0000000: PD outside RAM */
}

static void test_pae(void **state)
{
	setup_pae();
	efer = EFER_NXE_;
	expect_gpa(0x80203456, true, 0x1234456);
	expect_gpa(0x80801234, true, 0x40001234);
	expect_gpa(0x80c00001, false, 0x40400001);
	expect_gpa(0x80205000, false, 0x1236000);
	expect_fault(0x80205000, true);
	expect_fault(0x80204000, false); /* bit 62 */
	expect_fault(0x80206000, false); /* bit 36 */
	expect_fault(0x80a00000, false); /* bit 13 of a 2 MiB page */
	expect_fault(0x40000000, false); /* PDPTE with a reserved bit */
	expect_fault(0x00000000, false); /* PDPTE not present */
	expect_fault(0xc0000000, false); /* PD beyond guest RAM */
	expect_fault(0x80207000, false); /* PTE not present */
	expect_fault(0x180203456UL, false);

	/* Without EFER.NXE bit 63 is reserved. */
	efer = 0;
	expect_fault(0x80203456, false);
	expect_gpa(0x80801234, false, 0x40001234);

	/* EFER.LMA, not LME, says long mode is active. */
	efer = EFER_LME_ | EFER_NXE_;
	expect_gpa(0x80203456, true, 0x1234456);
}

/* What an emulated MOV to CR0/CR3 loads into the VMCS (SDM 4.4.1). */
static void test_pae_pdpte_load(void **state)
{
	/* R/W and U/S (bits 2:1), bits 8:5, above MAXPHYADDR, XD: reserved in a PDPTE. */
	static const uint64_t reserved[] = { RW, US, 1UL << 5, 1UL << 8, 1UL << 36, NX };
	uint64_t pdpte[PAE_NR_PDPTES];

	put64(0x30000 + 0 * 8, 0x31000 | P);
	put64(0x30000 + 1 * 8, 0);
	put64(0x30000 + 2 * 8, 0x32000 | P | (1UL << 3) | (1UL << 4)); /* PWT, PCD */
	put64(0x30000 + 3 * 8, 0xfffffffffffff000UL); /* not present: anything goes */
	assert_int_equal(guest_walk_read_pdptes(&dom, 0x30000 | 0x18, pdpte), 0);
	assert_int_equal(pdpte[0], 0x31000 | P);
	assert_int_equal(pdpte[2], 0x32000 | P | 0x18);
	assert_int_equal(pdpte[3], 0xfffffffffffff000UL);

	/* CR3 bits 4:0 are not address bits: the PDPT is 32-byte aligned. */
	assert_int_equal(guest_walk_read_pdptes(&dom, 0x30000 | 0x1f, pdpte), 0);
	assert_int_equal(pdpte[0], 0x31000 | P);

	/* A present entry with a reserved bit. */
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		put64(0x30000 + 1 * 8, 0x33000 | P | reserved[i]);
		assert_int_equal(guest_walk_read_pdptes(&dom, 0x30000, pdpte), -EINVAL);
	}
	put64(0x30000 + 1 * 8, 0x33000 | P);
	assert_int_equal(guest_walk_read_pdptes(&dom, 0x30000, pdpte), 0);

	/* A PDPT outside guest RAM (only the low 32 bits of CR3 count). */
	assert_int_equal(guest_walk_read_pdptes(&dom, RAM_SIZE, pdpte), -EFAULT);
	assert_int_equal(guest_walk_read_pdptes(&dom, 0x100030000UL, pdpte), 0);
}

/* ---- 4-level and 5-level paging ---- */

#define KERNEL_BASE 0xffffffff80000000UL

static void setup_long(void)
{
	cr0 = CR0_PE | CR0_PG | CR0_WP;
	cr4 = CR4_PAE;
	efer = EFER_LME_ | EFER_LMA_ | EFER_NXE_;
	cr3 = 0x30000;
	put64(0x30000 + 511 * 8, 0x31000 | P | RW);          /* PML4[511] */
	put64(0x31000 + 510 * 8, 0x32000 | P | RW);          /* PDPT[510]: KERNEL_BASE */
	put64(0x32000 + 0 * 8, 0x33000 | P | RW);            /* PD[0] */
	put64(0x33000 + 7 * 8, 0x777000 | P | RW | NX);
	put64(0x33000 + 8 * 8, 0x778000 | P | RW | PS);      /* PAT bit of a 4 KiB PTE */
	put64(0x33000 + 9 * 8, 0x779000 | P);                /* read-only */
	put64(0x33000 + 10 * 8, 0x1000000000UL | P | RW);    /* bit 36 above MAXPHYADDR */
	put64(0x33000 + 11 * 8, 0x77b000 | P | RW | (0x7fUL << 52)); /* ignored bits */
	put64(0x32000 + 1 * 8, 0x600000 | P | RW | PS | PAT_LARGE); /* 2 MiB */
	put64(0x32000 + 2 * 8, 0x800000 | P | RW | PS | (1UL << 20)); /* reserved */
	put64(0x30000 + 0 * 8, 0x34000 | P | RW);            /* PML4[0] */
	put64(0x34000 + 0 * 8, 0x40000000 | P | RW | PS);    /* 1 GiB at 0 */
	put64(0x34000 + 1 * 8, 0x80000000 | P | RW | PS | (1UL << 29)); /* reserved */
	put64(0x34000 + 2 * 8, 0xc0000000 | P | PS);         /* read-only 1 GiB */
	put64(0x34000 + 3 * 8, 0x2000000 | P | RW);          /* PD outside RAM */
	put64(0x30000 + 1 * 8, P | RW | PS);                 /* PS in a PML4E: reserved */
	put64(0x30000 + 2 * 8, 0x36000 | P);                 /* read-only PML4E */
	put64(0x36000 + 0 * 8, 0x37000 | P | RW);
	put64(0x37000 + 0 * 8, 0x38000 | P | RW);
	put64(0x38000 + 0 * 8, 0x999000 | P | RW);
}

static void test_long_mode(void **state)
{
	setup_long();
	expect_gpa(KERNEL_BASE + 0x7abc, true, 0x777abc);
	expect_gpa(KERNEL_BASE + 0x8010, false, 0x778010);
	expect_gpa(KERNEL_BASE + 0x9010, false, 0x779010);
	expect_fault(KERNEL_BASE + 0x9010, true);
	expect_fault(KERNEL_BASE + 0xa000, false); /* above MAXPHYADDR */
	expect_gpa(KERNEL_BASE + 0xb000, false, 0x77b000);
	expect_fault(KERNEL_BASE + 0xc000, false); /* not present */
	expect_gpa(KERNEL_BASE + 0x212345, true, 0x612345);
	expect_fault(KERNEL_BASE + 0x400000, false); /* bit 20 of a 2 MiB page */
	expect_gpa(0x3fffffff, true, 0x7fffffff);
	expect_gpa(0x00001234, false, 0x40001234);
	expect_fault(0x40000000, false); /* bit 29 of a 1 GiB page */
	expect_gpa(0x80000000, false, 0xc0000000);
	expect_fault(0x80000000, true);
	expect_fault(0xc0000000, false);       /* PD beyond guest RAM */
	expect_fault(0x8000000000UL, false);   /* PS in a PML4E */
	expect_gpa(0x10000000000UL, false, 0x999000);
	expect_fault(0x10000000000UL, true);   /* read-only at the top level */
	expect_fault(0x18000000000UL, false);  /* PML4E not present */

	/* Non-canonical addresses never reach the tables. */
	reads = 0;
	expect_fault(0x0000800000000000UL, false);
	expect_fault(0xffff7fffffffffffUL, false);
	expect_fault(0x8000000000000000UL, false);
	assert_int_equal(reads, 0);

	/* Without EFER.NXE bit 63 is reserved. */
	efer &= ~EFER_NXE_;
	expect_fault(KERNEL_BASE + 0x7abc, false);
	expect_gpa(KERNEL_BASE + 0x212345, false, 0x612345);

	/* CR0.WP clear changes nothing for the hypervisor's own writes. */
	cr0 &= ~CR0_WP;
	expect_fault(KERNEL_BASE + 0x9010, true);

	/* The top-level table beyond guest RAM. */
	cr3 = 0x4000000;
	expect_fault(0x1234, false);
}

/*
 * The last walk is remembered, and reused only while it would read the
 * same entries and find the same values.
 */
static void test_walk_cache(void **state)
{
	setup_long();
	reads = 0;
	expect_gpa(KERNEL_BASE + 0x7abc, false, 0x777abc);
	assert_int_equal(reads, 4);
	/* The same page again: no walk, the offset from the new address. */
	expect_gpa(KERNEL_BASE + 0x7010, false, 0x777010);
	assert_int_equal(reads, 4);
	/* A write needs a walk that checked writability: one; then both reuse it. */
	expect_gpa(KERNEL_BASE + 0x7020, true, 0x777020);
	assert_int_equal(reads, 8);
	expect_gpa(KERNEL_BASE + 0x7030, false, 0x777030);
	expect_gpa(KERNEL_BASE + 0x7040, true, 0x777040);
	assert_int_equal(reads, 8);

	/* The guest rewrites its PTE without telling anyone: the new frame. */
	put64(0x33000 + 7 * 8, 0x555000 | P | RW);
	expect_gpa(KERNEL_BASE + 0x7abc, false, 0x555abc);
	/* A PD entry pointing at another table. */
	put64(0x35000 + 7 * 8, 0x666000 | P);
	put64(0x32000 + 0 * 8, 0x35000 | P | RW);
	expect_gpa(KERNEL_BASE + 0x7abc, false, 0x666abc);
	expect_fault(KERNEL_BASE + 0x7abc, true);
	/* An entry made not present faults at once. */
	put64(0x35000 + 7 * 8, 0x666000);
	expect_fault(KERNEL_BASE + 0x7abc, false);
	put64(0x35000 + 7 * 8, 0x666000 | P);
	expect_gpa(KERNEL_BASE + 0x7abc, false, 0x666abc);

	/* Other paging registers: a new walk. */
	reads = 0;
	efer &= ~EFER_NXE_;
	expect_gpa(KERNEL_BASE + 0x7abc, false, 0x666abc);
	assert_int_equal(reads, 4);
	cr3 = 0x4000000;
	expect_fault(KERNEL_BASE + 0x7abc, false);
	cr3 = 0x30000;
	/* A large page: fewer entries on the path, checked the same way. */
	reads = 0;
	expect_gpa(KERNEL_BASE + 0x212345, false, 0x612345);
	expect_gpa(KERNEL_BASE + 0x212999, false, 0x612999);
	assert_int_equal(reads, 3);
	put64(0x32000 + 1 * 8, 0xa00000 | P | RW | PS);
	expect_gpa(KERNEL_BASE + 0x212345, false, 0xa12345);
	/* A failed walk is not remembered. */
	expect_fault(KERNEL_BASE + 0xc000, false);
	expect_fault(KERNEL_BASE + 0xc000, false);
}

static void test_five_level(void **state)
{
	const uint64_t gva = 0x00ff800000001234UL; /* canonical only with 57 bits */

	cr0 = CR0_PE | CR0_PG;
	cr4 = CR4_PAE | CR4_LA57;
	efer = EFER_LME_ | EFER_LMA_;
	cr3 = 0x50000;
	put64(0x50000 + ((gva >> 48) & 511) * 8, 0x51000 | P | RW);
	put64(0x51000 + ((gva >> 39) & 511) * 8, 0x52000 | P | RW);
	put64(0x52000 + ((gva >> 30) & 511) * 8, 0x53000 | P | RW);
	put64(0x53000 + ((gva >> 21) & 511) * 8, 0x54000 | P | RW);
	put64(0x54000 + ((gva >> 12) & 511) * 8, 0xabc000 | P | RW);
	expect_gpa(gva, true, 0xabc234);
	expect_fault(0x0100000000000000UL, false);
	put64(0x50000 + ((gva >> 48) & 511) * 8, P | RW | PS);
	expect_fault(gva, false);

	cr4 = CR4_PAE;
	expect_fault(gva, false); /* not canonical with 48 bits */
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_paging_off_is_identity),
		TEST(test_legacy_4k_pages),
		TEST(test_legacy_4m_pages),
		TEST(test_pae),
		TEST(test_pae_pdpte_load),
		TEST(test_long_mode),
		TEST(test_walk_cache),
		TEST(test_five_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
