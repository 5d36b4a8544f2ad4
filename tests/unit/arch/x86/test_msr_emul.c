/*
 * Tests for arch/x86/msr_emul.c, and for arch/x86/io_emul.c (the port I/O
 * emulation has no test file of its own). Guest RAM is a plain buffer
 * behind a fake guest_phys_write, so the hypercall page can be checked
 * byte by byte; the TSC and the domain console are faked.
 *
 * unit-test-sources: arch/x86/io_emul.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/emulate.h"
#include "arch/x86/msr.h"
#include "core/arch.h"
#include "core/errno.h"
#include "core/guest_memory.h"
#include "core/public/cpuid.h"
#include "tests/unit/fakes/console.h"

#define GUEST_RAM (2 * MiB)
#define FAKE_TSC 0x123456789abcULL

static uint8_t *ram;
static unsigned int phys_writes; /* guest_phys_write calls */
static struct domain dom;
static struct vcpu vcpu0, vcpu1;
static char console_out[256];
static size_t console_len;

/* ---- fakes ---- */

int guest_phys_write(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
	assert_ptr_equal(d, &dom);
	phys_writes++; /* attempts: a refused MSR write must not even try */
	if (gpa >= d->memory_bytes || len > d->memory_bytes - gpa)
		return -EFAULT;
	memcpy(ram + gpa, src, len);
	return 0;
}

uint64_t arch_cycles(void)
{
	return FAKE_TSC;
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	assert_ptr_equal(d, &dom);
	assert_true(len <= sizeof(console_out) - console_len);
	memcpy(console_out + console_len, buf, len);
	console_len += len;
}

static int setup(void **state)
{
	ram = malloc(GUEST_RAM);
	assert_non_null(ram);
	memset(ram, 0x5a, GUEST_RAM);
	phys_writes = 0;

	memset(&dom, 0, sizeof(dom));
	dom.id = 4;
	dom.memory_bytes = GUEST_RAM;
	dom.nr_vcpus = 2;
	memset(&vcpu0, 0, sizeof(vcpu0));
	vcpu0.domain = &dom;
	vcpu0.id = 0;
	memset(&vcpu1, 0, sizeof(vcpu1));
	vcpu1.domain = &dom;
	vcpu1.id = 1;

	console_len = 0;
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

/* ---- pass-through list ---- */

static void test_passthrough_list(void **state)
{
	static const uint32_t passed[] = {
		0xc0000100, 0xc0000101, 0xc0000102, /* FS, GS, kernel GS base */
		0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SFMASK */
		0x174, 0x175, 0x176, /* SYSENTER_CS/ESP/EIP */
	};
	static const uint32_t trapped[] = {
		0x10, /* TSC: a write would move the host's */
		0x1b, 0x3a, 0xfe, 0x1a0, 0x2ff, 0x277, 0xc0000080, /* APIC base ... EFER */
		0xc0000103, /* TSC_AUX */
		0x40000000, 0x48, 0x49, 0x10a, 0x173, 0x177, 0xc0000085, 0xc00000ff, 0xc0000104,
		0x800, 0x8ff, 0xffffffff,
	};

	for (size_t i = 0; i < ARRAY_SIZE(passed); i++)
		assert_true(msr_is_passthrough(passed[i]));
	for (size_t i = 0; i < ARRAY_SIZE(trapped); i++)
		assert_false(msr_is_passthrough(trapped[i]));
}

/* ---- reads ---- */

static uint64_t read_ok(struct vcpu *v, uint32_t msr)
{
	uint64_t value = 0xdeadbeefdeadbeefULL;

	assert_int_equal(msr_emulate_read(v, msr, &value), 0);
	return value;
}

static void test_read_emulated(void **state)
{
	/* xAPIC at 0xFEE00000, enabled; only vCPU 0 is the BSP. */
	assert_int_equal(read_ok(&vcpu0, MSR_IA32_APIC_BASE), 0xfee00900);
	assert_int_equal(read_ok(&vcpu1, MSR_IA32_APIC_BASE), 0xfee00800);
	assert_int_equal(read_ok(&vcpu0, MSR_IA32_FEATURE_CONTROL), FEATURE_CONTROL_LOCK);
	assert_int_equal(read_ok(&vcpu0, 0x10), FAKE_TSC);
	assert_int_equal(read_ok(&vcpu0, 0x17), 0);  /* PLATFORM_ID */
	assert_int_equal(read_ok(&vcpu0, 0x8b), 0);  /* BIOS_SIGN_ID */
	assert_int_equal(read_ok(&vcpu0, MSR_IA32_MTRRCAP), 0);
	/* MTRRs enabled, default write-back, fixed ranges off (there are none). */
	assert_int_equal(read_ok(&vcpu0, MSR_IA32_MTRR_DEF_TYPE), 0x806);
	/* Fast strings; BTS and PEBS unavailable. */
	assert_int_equal(read_ok(&vcpu0, 0x1a0), 0x1801);
	assert_int_equal(read_ok(&vcpu0, 0x200), 0); /* PHYSBASE0 */
	assert_int_equal(read_ok(&vcpu0, 0x21f), 0);
	assert_int_equal(read_ok(&vcpu0, 0x250), 0); /* FIX64K */
	assert_int_equal(read_ok(&vcpu0, 0x26f), 0); /* FIX4K_F8000 */
}

static void test_read_refused(void **state)
{
	static const uint32_t refused[] = {
		XEN_HYPERCALL_MSR, /* write-only */
		0x0, 0x1, 0x3b, 0x48, 0x49, 0x79, 0xce, 0x10a, 0x179, 0x17a, 0x1d9, 0x220,
		0x24f, 0x251, 0x257, 0x25a, 0x267, 0x270, 0x2fe, 0x300, 0x480, 0x802, 0x830,
		0xc0000103, 0xc0010000, 0x40000001, 0xffffffff,
	};

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		uint64_t value = 0x1111;

		assert_int_equal(msr_emulate_read(&vcpu0, refused[i], &value), -EPERM);
		assert_int_equal(value, 0x1111);
	}
}

/* ---- writes ---- */

static void test_write_ignored_or_checked(void **state)
{
	/* MTRRs, MISC_ENABLE and the microcode-revision reset are accepted and ignored. */
	assert_int_equal(msr_emulate_write(&vcpu0, 0x200, 0x6), 0);
	assert_int_equal(msr_emulate_write(&vcpu0, 0x259, ~0ULL), 0);
	assert_int_equal(msr_emulate_write(&vcpu0, MSR_IA32_MTRR_DEF_TYPE, 0), 0);
	assert_int_equal(read_ok(&vcpu0, MSR_IA32_MTRR_DEF_TYPE), 0x806);
	assert_int_equal(msr_emulate_write(&vcpu0, 0x1a0, 0), 0);
	assert_int_equal(read_ok(&vcpu0, 0x1a0), 0x1801);
	assert_int_equal(msr_emulate_write(&vcpu0, 0x8b, 0), 0);

	/* The APIC base: rewriting the same value only. */
	assert_int_equal(msr_emulate_write(&vcpu0, MSR_IA32_APIC_BASE, 0xfee00900), 0);
	assert_int_equal(msr_emulate_write(&vcpu1, MSR_IA32_APIC_BASE, 0xfee00800), 0);
	assert_int_equal(msr_emulate_write(&vcpu1, MSR_IA32_APIC_BASE, 0xfee00900), -EPERM);
	assert_int_equal(msr_emulate_write(&vcpu0, MSR_IA32_APIC_BASE, 0xfee00d00), -EPERM);
	assert_int_equal(msr_emulate_write(&vcpu0, MSR_IA32_APIC_BASE, 0xfec00900), -EPERM);
	assert_int_equal(msr_emulate_write(&vcpu0, MSR_IA32_APIC_BASE, 0xfee00100), -EPERM);
}

static void test_write_refused(void **state)
{
	static const uint32_t refused[] = {
		0x10, /* the TSC */
		MSR_IA32_FEATURE_CONTROL, MSR_IA32_MTRRCAP, 0x17, 0x3b, 0x48, 0x49, 0x79, 0x10b,
		0x220, 0x2fe, 0xc0000103, 0x40000001, 0xffffffff,
	};

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
		assert_int_equal(msr_emulate_write(&vcpu0, refused[i], 0), -EPERM);
	assert_int_equal(phys_writes, 0);
}

/* ---- the hypercall page ---- */

static void assert_hypercall_page(const uint8_t *page)
{
	for (uint32_t nr = 0; nr < PAGE_SIZE / XEN_HYPERCALL_STUB_SIZE; nr++) {
		const uint8_t *stub = page + nr * XEN_HYPERCALL_STUB_SIZE;
		uint32_t imm;

		/* mov $nr, %eax; vmcall; ret; int3 padding. */
		assert_int_equal(stub[0], 0xb8);
		memcpy(&imm, stub + 1, 4);
		assert_int_equal(imm, nr);
		assert_int_equal(stub[5], 0x0f);
		assert_int_equal(stub[6], 0x01);
		assert_int_equal(stub[7], 0xc1);
		assert_int_equal(stub[8], 0xc3);
		for (size_t i = 9; i < XEN_HYPERCALL_STUB_SIZE; i++)
			assert_int_equal(stub[i], 0xcc);
	}
}

static void test_hypercall_page(void **state)
{
	const uint64_t gpa = 0x105000;

	assert_int_equal(msr_emulate_write(&vcpu0, XEN_HYPERCALL_MSR, gpa), 0);
	assert_int_equal(vcpu0.arch.hypercall_page_gpa, gpa);
	assert_hypercall_page(ram + gpa);
	/* Exactly the page: the bytes on either side are untouched. */
	assert_int_equal(ram[gpa - 1], 0x5a);
	assert_int_equal(ram[gpa + PAGE_SIZE], 0x5a);
	/* Stub 29 is sched_op, the one XTF calls last. */
	assert_int_equal(ram[gpa + 29 * 32 + 1], 29);
	assert_int_equal(vcpu1.arch.hypercall_page_gpa, 0);

	/* The last page of RAM will do too; the register still cannot be read back. */
	assert_int_equal(msr_emulate_write(&vcpu1, XEN_HYPERCALL_MSR, GUEST_RAM - PAGE_SIZE), 0);
	assert_hypercall_page(ram + GUEST_RAM - PAGE_SIZE);
	assert_int_equal(vcpu1.arch.hypercall_page_gpa, GUEST_RAM - PAGE_SIZE);
}

static void test_hypercall_page_refused(void **state)
{
	/* Page index 1 (only page 0 exists), any non-zero low bits. */
	assert_int_equal(msr_emulate_write(&vcpu0, XEN_HYPERCALL_MSR, 0x105001), -EPERM);
	assert_int_equal(msr_emulate_write(&vcpu0, XEN_HYPERCALL_MSR, 0x105fff), -EPERM);
	/* Outside guest RAM. */
	assert_int_equal(msr_emulate_write(&vcpu0, XEN_HYPERCALL_MSR, GUEST_RAM), -EPERM);
	assert_int_equal(msr_emulate_write(&vcpu0, XEN_HYPERCALL_MSR, 0xfffffffffffff000ULL),
			 -EPERM);
	/* A page only partly in RAM (were RAM not a whole number of pages). */
	dom.memory_bytes = GUEST_RAM - 0x800;
	assert_int_equal(msr_emulate_write(&vcpu0, XEN_HYPERCALL_MSR, GUEST_RAM - PAGE_SIZE),
			 -EPERM);
	assert_int_equal(phys_writes, 0);
	assert_int_equal(vcpu0.arch.hypercall_page_gpa, 0);
}

/* ---- port I/O (arch/x86/io_emul.c) ---- */

static void test_io_reads_float(void **state)
{
	assert_int_equal(io_emulate_in(&vcpu0, 0x60, 1), 0xff);
	assert_int_equal(io_emulate_in(&vcpu0, 0xcfc, 2), 0xffff);
	assert_int_equal(io_emulate_in(&vcpu0, 0xcfc, 4), 0xffffffff);
	assert_int_equal(io_emulate_in(&vcpu0, 0x12, 1), 0xff);
	/* The debug port reads back its number, as Bochs' and QEMU's do. */
	assert_int_equal(io_emulate_in(&vcpu0, 0xe9, 1), 0xe9);
	assert_int_equal(io_emulate_in(&vcpu0, 0xe9, 2), 0xffff);
}

static void test_io_debug_port(void **state)
{
	io_emulate_out(&vcpu0, 0xe9, 1, 'o');
	io_emulate_out(&vcpu1, 0xe9, 1, 0x100 | 'k');
	io_emulate_out(&vcpu0, 0xe9, 1, '\n');
	assert_int_equal(console_len, 3);
	assert_memory_equal(console_out, "ok\n", 3);

	/* Only byte writes are console output; others are dropped like any port's. */
	io_emulate_out(&vcpu0, 0xe9, 2, 'x');
	io_emulate_out(&vcpu0, 0xe9, 4, 'y');
	io_emulate_out(&vcpu0, 0xe8, 1, 'z');
	io_emulate_out(&vcpu0, 0x3f8, 1, 'z');
	assert_int_equal(console_len, 3);
}

static unsigned int count(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Runs last: the log limit is global and is used up here. */
static void test_io_logging_is_bounded(void **state)
{
	/* Port 0x80 was not touched before: logged once, however often it is used. */
	for (int i = 0; i < 1000; i++)
		io_emulate_out(&vcpu0, 0x80, 1, (uint32_t)i);
	assert_int_equal(count(fake_console_output(), "port 0x80 "), 1);
	assert_non_null(strstr(fake_console_output(), "d4v0: out8 on unhandled port 0x80"));

	/* A scan of every port: a bounded number of lines, then one notice. */
	fake_console_reset();
	for (uint32_t port = 0; port < 65536; port++)
		(void)io_emulate_in(&vcpu1, (uint16_t)port, 1);
	assert_true(count(fake_console_output(), "unhandled port") <= 32);
	assert_int_equal(count(fake_console_output(), "not logged"), 1);

	fake_console_reset();
	for (uint32_t port = 0; port < 65536; port++)
		io_emulate_out(&vcpu1, (uint16_t)port, 4, 0);
	assert_string_equal(fake_console_output(), "");
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_passthrough_list),
		TEST(test_read_emulated),
		TEST(test_read_refused),
		TEST(test_write_ignored_or_checked),
		TEST(test_write_refused),
		TEST(test_hypercall_page),
		TEST(test_hypercall_page_refused),
		TEST(test_io_reads_float),
		TEST(test_io_debug_port),
		TEST(test_io_logging_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
