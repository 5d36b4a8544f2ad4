/*
 * Tests for drivers/acpi.c. The firmware tables are built byte by byte in
 * the fake physical memory, from the offsets in the ACPI specification
 * rather than from the parser's structures, so a wrong offset in either
 * shows up.
 *
 * unit-test-sources: tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/errno.h"
#include "core/mm.h"
#include "drivers/acpi.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_BASE 0x7ff00000ull
#define ARENA_SIZE (256 * 1024)

/* Table header (ACPI 5.2.6). */
#define HDR_LENGTH 4
#define HDR_CHECKSUM 9
#define HDR_SIZE 36

/* MADT (ACPI 5.2.12). */
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_ENTRIES 44

/* FADT (ACPI 5.2.9). */
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_V1_LENGTH 116
#define FADT_V5_LENGTH 268
#define FADT_RESET_REG_SUP (1u << 10)

#define GAS_MEMORY 0
#define GAS_IO 1

static paddr_t next_free;
static struct acpi_info info;
static char err[128];

/* ---- building tables ---- */

static uint8_t *pa_ptr(paddr_t pa)
{
	return phys_to_virt(pa);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static paddr_t table_alloc(size_t len)
{
	paddr_t pa = next_free;

	next_free = ALIGN_UP(pa + len, 16);
	assert_true(next_free <= ARENA_BASE + ARENA_SIZE);
	return pa;
}

static void table_header(paddr_t pa, const char *sig, uint32_t len)
{
	uint8_t *t = pa_ptr(pa);

	memcpy(t, sig, 4);
	put32(t + HDR_LENGTH, len);
	t[8] = 1;
	memcpy(t + 10, "HVTEST", 6);
	memcpy(t + 16, "UNITTEST", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "HVTC", 4);
	put32(t + 32, 1);
}

static paddr_t table_new(const char *sig, uint32_t len)
{
	paddr_t pa = table_alloc(len);

	table_header(pa, sig, len);
	return pa;
}

/* Sets the checksum so that the len bytes at pa sum to 0. */
static void table_seal_len(paddr_t pa, uint32_t len)
{
	uint8_t *t = pa_ptr(pa);

	t[HDR_CHECKSUM] = 0;
	t[HDR_CHECKSUM] = (uint8_t)-sum(t, len);
}

static void table_seal(paddr_t pa)
{
	uint8_t *t = pa_ptr(pa);

	table_seal_len(pa, t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24);
}

/* A loader's 36-byte RSDP copy (ACPI 5.2.5.3). */
static void make_rsdp(uint8_t *r, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "HVOEM1", 6);
	r[15] = revision;
	put32(r + 16, rsdt);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	r[8] = (uint8_t)-sum(r, 20);
	r[32] = (uint8_t)-sum(r, 36);
}

static paddr_t make_root(const char *sig, const paddr_t *entries, unsigned int n)
{
	size_t size = strcmp(sig, "XSDT") ? 4 : 8;
	paddr_t pa = table_new(sig, HDR_SIZE + n * size);
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (size == 8)
			put64(pa_ptr(pa) + HDR_SIZE + i * 8, entries[i]);
		else
			put32(pa_ptr(pa) + HDR_SIZE + i * 4, (uint32_t)entries[i]);
	}
	table_seal(pa);
	return pa;
}

struct madt_builder {
	uint8_t buf[2048];
	size_t len;
};

static void madt_raw(struct madt_builder *b, const uint8_t *bytes, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, bytes, n);
	b->len += n;
}

static void madt_lapic(struct madt_builder *b, uint8_t acpi_id, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, acpi_id, apic_id };

	put32(e + 4, flags);
	madt_raw(b, e, sizeof(e));
}

static void madt_x2apic(struct madt_builder *b, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	uint8_t e[16] = { 9, 16 };

	put32(e + 4, x2apic_id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	madt_raw(b, e, sizeof(e));
}

static void madt_ioapic(struct madt_builder *b, uint8_t id, uint32_t address, uint32_t gsi_base)
{
	uint8_t e[12] = { 1, 12, id };

	put32(e + 4, address);
	put32(e + 8, gsi_base);
	madt_raw(b, e, sizeof(e));
}

static void madt_override(struct madt_builder *b, uint64_t address)
{
	uint8_t e[12] = { 5, 12 };

	put64(e + 4, address);
	madt_raw(b, e, sizeof(e));
}

static paddr_t madt_finish(const struct madt_builder *b, uint32_t lapic_base)
{
	paddr_t pa = table_new("APIC", MADT_ENTRIES + b->len);

	put32(pa_ptr(pa) + MADT_LAPIC_ADDR, lapic_base);
	put32(pa_ptr(pa) + MADT_FLAGS, 1);
	memcpy(pa_ptr(pa) + MADT_ENTRIES, b->buf, b->len);
	table_seal(pa);
	return pa;
}

/* A MADT with the boot CPU (APIC id 0) and one more (APIC id 1). */
static paddr_t make_madt_2cpus(void)
{
	struct madt_builder b = { .len = 0 };

	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 1, 1);
	madt_ioapic(&b, 0, 0xfec00000, 0);
	return madt_finish(&b, 0xfee00000);
}

static paddr_t make_dsdt(const uint8_t *aml, size_t n)
{
	paddr_t pa = table_new("DSDT", HDR_SIZE + n);

	memcpy(pa_ptr(pa) + HDR_SIZE, aml, n);
	table_seal(pa);
	return pa;
}

/* Name (_S5, Package (4) { 5, 5, 0, 0 }) as iasl emits it. */
static const uint8_t aml_s5_bytes[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

static void put_gas(uint8_t *p, uint8_t space, uint8_t bit_width, uint64_t address)
{
	p[0] = space;
	p[1] = bit_width;
	p[2] = 0;
	p[3] = 1;
	put64(p + 4, address);
}

/*
 * A FADT of the given length with SCI 9, PM1a at 0x604, PM1b none, the
 * DSDT at dsdt and, when long enough, an I/O reset register 0xcf9 <- 6.
 * Callers may poke more fields and reseal.
 */
static paddr_t make_fadt(uint32_t len, paddr_t dsdt)
{
	paddr_t pa = table_new("FACP", len);
	uint8_t *t = pa_ptr(pa);

	put32(t + FADT_DSDT, (uint32_t)dsdt);
	put16(t + FADT_SCI_INT, 9);
	put32(t + FADT_PM1A_CNT, 0x604);
	if (len >= FADT_RESET_VALUE + 1) {
		put32(t + FADT_FLAGS, FADT_RESET_REG_SUP);
		put_gas(t + FADT_RESET_REG, GAS_IO, 8, 0xcf9);
		t[FADT_RESET_VALUE] = 6;
	}
	table_seal(pa);
	return pa;
}

static int parse(const uint8_t *rsdp, uint32_t len)
{
	memset(&info, 0xa5, sizeof(info));
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return acpi_parse(rsdp, len, &info, err, sizeof(err));
}

static bool logged(const char *text)
{
	return strstr(fake_console_output(), text) != NULL;
}

static int setup(void **state)
{
	fake_physmem_init(ARENA_BASE, ARENA_SIZE);
	fake_console_reset();
	next_free = ARENA_BASE + 0x40;
	return 0;
}

static int teardown(void **state)
{
	fake_physmem_free();
	return 0;
}

/* A complete machine: RSDT and XSDT pointing at different MADTs, FADT, DSDT. */
struct machine {
	paddr_t xsdt, rsdt, madt_x, madt_r, fadt, dsdt;
};

static void make_machine(struct machine *m)
{
	struct madt_builder b = { .len = 0 };
	paddr_t entries[2];

	m->dsdt = make_dsdt(aml_s5_bytes, sizeof(aml_s5_bytes));
	m->fadt = make_fadt(FADT_V5_LENGTH, m->dsdt);
	m->madt_x = make_madt_2cpus();
	madt_lapic(&b, 0, 0, 1);
	m->madt_r = madt_finish(&b, 0xfee00000);
	entries[0] = m->fadt;
	entries[1] = m->madt_x;
	m->xsdt = make_root("XSDT", entries, 2);
	entries[1] = m->madt_r;
	m->rsdt = make_root("RSDT", entries, 2);
}

/* ---- tests ---- */

static void test_checksum(void **state)
{
	static const uint8_t bytes[] = { 0x10, 0x20, 0xf0, 0x31 };

	assert_int_equal(acpi_checksum(bytes, 0), 0);
	assert_int_equal(acpi_checksum(bytes, 2), 0x30);
	assert_int_equal(acpi_checksum(bytes, 4), 0x51); /* 0x151 wraps */
}

static void test_no_rsdp(void **state)
{
	uint8_t rsdp[36] = { 0 };

	assert_int_equal(parse(rsdp, 0), -ENOENT);
	assert_false(info.has_madt);
	assert_int_equal(info.nr_cpus, 0);
	assert_non_null(strstr(err, "RSDP"));
}

static void test_xsdt_path(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	make_machine(&m);
	make_rsdp(rsdp, 2, (uint32_t)m.rsdt, m.xsdt);
	assert_int_equal(parse(rsdp, 36), 0);
	assert_string_equal(err, "");
	assert_int_equal(info.revision, 2);
	assert_string_equal(info.oem_id, "HVOEM1");

	/* The XSDT's MADT (two CPUs), not the RSDT's (one). */
	assert_true(info.has_madt);
	assert_int_equal(info.lapic_base, 0xfee00000);
	assert_int_equal(info.nr_cpus, 2);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_int_equal(info.cpus[1].acpi_id, 1);
	assert_int_equal(info.nr_cpus_ignored, 0);
	assert_int_equal(info.nr_ioapics, 1);

	assert_true(info.has_fadt);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.pm1a_cnt_port, 0x604);
	assert_int_equal(info.pm1b_cnt_port, 0);
	assert_true(info.has_reset_reg);
	assert_int_equal(info.reset_port, 0xcf9);
	assert_int_equal(info.reset_value, 6);
	assert_true(info.has_s5);
	assert_int_equal(info.s5_slp_typa, 5);
	assert_int_equal(info.s5_slp_typb, 5);
}

static void test_rsdt_path(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	/* ACPI 1.0: a 20-byte RSDP, the RSDT only. */
	make_machine(&m);
	make_rsdp(rsdp, 0, (uint32_t)m.rsdt, m.xsdt);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.revision, 0);
	assert_true(info.has_madt);
	assert_int_equal(info.nr_cpus, 1);
	assert_true(info.has_fadt);
	assert_true(info.has_s5);

	/* Revision 2 without an XSDT falls back to the RSDT too. */
	make_rsdp(rsdp, 2, (uint32_t)m.rsdt, 0);
	assert_int_equal(parse(rsdp, 36), 0);
	assert_int_equal(info.revision, 2);
	assert_int_equal(info.nr_cpus, 1);
}

static void test_rsdp_bad_signature(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	make_machine(&m);
	make_rsdp(rsdp, 0, (uint32_t)m.rsdt, 0);
	rsdp[0] = 'X';
	rsdp[8] -= 'X' - 'R';
	assert_int_equal(acpi_checksum(rsdp, 20), 0);
	assert_int_equal(parse(rsdp, 20), -EINVAL);
	assert_non_null(strstr(err, "signature"));
	assert_false(info.has_madt);
}

static void test_rsdp_bad_checksum(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	make_machine(&m);
	make_rsdp(rsdp, 0, (uint32_t)m.rsdt, 0);
	rsdp[8]++;
	assert_int_equal(parse(rsdp, 20), -EINVAL);
	assert_non_null(strstr(err, "checksum"));
	assert_false(info.has_madt);
	assert_false(info.has_fadt);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	make_machine(&m);
	make_rsdp(rsdp, 2, (uint32_t)m.rsdt, m.xsdt);
	rsdp[32]++;
	assert_int_equal(acpi_checksum(rsdp, 20), 0);
	assert_int_equal(parse(rsdp, 36), -EINVAL);
	assert_non_null(strstr(err, "extended checksum"));
	assert_false(info.has_madt);
}

static void test_rsdp_v2_too_short(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	/* A revision 2 RSDP copied with only its first 20 bytes. */
	make_machine(&m);
	make_rsdp(rsdp, 2, (uint32_t)m.rsdt, m.xsdt);
	assert_int_equal(parse(rsdp, 20), -EINVAL);
	assert_non_null(strstr(err, "length"));

	/* A length field below 36, with both checksums right. */
	put32(rsdp + 20, 20);
	rsdp[32] = 0;
	rsdp[32] = (uint8_t)-sum(rsdp, 36);
	assert_int_equal(parse(rsdp, 36), -EINVAL);
	assert_non_null(strstr(err, "length"));

	assert_int_equal(parse(rsdp, 19), -EINVAL);
}

static void test_root_broken(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	make_machine(&m);
	make_rsdp(rsdp, 2, (uint32_t)m.rsdt, m.xsdt);
	pa_ptr(m.xsdt)[HDR_CHECKSUM]++;
	assert_int_equal(parse(rsdp, 36), -EINVAL);
	assert_non_null(strstr(err, "XSDT"));
	assert_non_null(strstr(err, "checksum"));
	assert_false(info.has_madt);

	/* The RSDP points at the wrong table. */
	make_rsdp(rsdp, 0, (uint32_t)m.madt_r, 0);
	assert_int_equal(parse(rsdp, 20), -EINVAL);
	assert_non_null(strstr(err, "RSDT"));
	assert_non_null(strstr(err, "signature"));

	/* No root table at all. */
	make_rsdp(rsdp, 0, 0, 0);
	assert_int_equal(parse(rsdp, 20), -EINVAL);
	assert_non_null(strstr(err, "address"));
}

static void test_root_bad_length(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	make_machine(&m);
	make_rsdp(rsdp, 0, (uint32_t)m.rsdt, 0);
	put32(pa_ptr(m.rsdt) + HDR_LENGTH, 35);
	table_seal_len(m.rsdt, 35);
	assert_int_equal(parse(rsdp, 20), -EINVAL);
	assert_non_null(strstr(err, "length 35"));

	/* Huge: rejected before anything past the header is touched. */
	put32(pa_ptr(m.rsdt) + HDR_LENGTH, 0x7fffffff);
	assert_int_equal(parse(rsdp, 20), -EINVAL);
	assert_non_null(strstr(err, "too large"));
}

static void test_root_partial_and_null_entries(void **state)
{
	paddr_t entries[3];
	paddr_t xsdt, madt;
	uint8_t rsdp[36];

	/* A null entry and an unused table are passed over; the MADT is found. */
	madt = make_madt_2cpus();
	entries[0] = 0;
	entries[1] = make_dsdt(aml_s5_bytes, sizeof(aml_s5_bytes));
	entries[2] = madt;
	xsdt = make_root("XSDT", entries, 3);
	/* Four stray bytes after the entries. */
	put32(pa_ptr(xsdt) + HDR_LENGTH, HDR_SIZE + 3 * 8 + 4);
	table_seal(xsdt);
	make_rsdp(rsdp, 2, 0, xsdt);
	assert_int_equal(parse(rsdp, 36), 0);
	assert_true(info.has_madt);
	assert_int_equal(info.nr_cpus, 2);
	assert_false(info.has_fadt);
	assert_true(logged("XSDT entry 0: bad address 0x0"));
	assert_true(logged("partial entry"));
}

static void test_table_bad_checksum(void **state)
{
	struct machine m;
	uint8_t rsdp[36];

	make_machine(&m);
	make_rsdp(rsdp, 2, (uint32_t)m.rsdt, m.xsdt);
	pa_ptr(m.madt_x)[MADT_ENTRIES + 3] = 7; /* an APIC id changed after sealing */
	assert_int_equal(parse(rsdp, 36), 0);
	assert_false(info.has_madt);
	assert_int_equal(info.nr_cpus, 0);
	assert_true(logged("APIC table at 0x"));
	assert_true(logged("bad checksum"));
	/* The other tables are still used. */
	assert_true(info.has_fadt);
	assert_true(info.has_s5);
}

static void test_table_bad_length(void **state)
{
	paddr_t entries[2];
	paddr_t madt, fadt, xsdt;
	uint8_t rsdp[36];

	/* A MADT shorter than its fixed fields, a FADT claiming 2 MiB. */
	madt = make_madt_2cpus();
	put32(pa_ptr(madt) + HDR_LENGTH, 40);
	table_seal_len(madt, 40);
	fadt = make_fadt(FADT_V5_LENGTH, 0);
	put32(pa_ptr(fadt) + HDR_LENGTH, 2 * 1024 * 1024);
	entries[0] = madt;
	entries[1] = fadt;
	xsdt = make_root("XSDT", entries, 2);
	make_rsdp(rsdp, 2, 0, xsdt);

	assert_int_equal(parse(rsdp, 36), 0);
	assert_false(info.has_madt);
	assert_false(info.has_fadt);
	assert_true(logged("APIC table at"));
	assert_true(logged("length 40 below 44"));
	assert_true(logged("FACP table at"));
	assert_true(logged("length 2097152 too large"));

	/* A header length below the header itself. */
	fake_console_reset();
	put32(pa_ptr(madt) + HDR_LENGTH, 20);
	assert_int_equal(parse(rsdp, 36), 0);
	assert_false(info.has_madt);
	assert_true(logged("length 20 below 44"));
}

/*
 * A table whose (sane) length runs past the end of physical memory: the
 * parser must ask for the mapping of its whole extent before reading it,
 * which the fake refuses, rather than summing bytes it never mapped (which
 * ASan would report instead). Run in a child, since the fake's refusal
 * ends the test.
 */
static void test_table_past_arena(void **state)
{
	paddr_t madt = ARENA_BASE + ARENA_SIZE - 64;
	char output[4096];
	paddr_t xsdt, entries[1];
	uint8_t rsdp[36];
	int pipefd[2];
	ssize_t n;
	size_t got = 0;
	int status;
	pid_t pid;

	table_header(madt, "APIC", 4096);
	entries[0] = madt;
	xsdt = make_root("XSDT", entries, 1);
	make_rsdp(rsdp, 2, 0, xsdt);

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		setenv("CMOCKA_TEST_ABORT", "1", 1);
		acpi_parse(rsdp, 36, &info, err, sizeof(err));
		_exit(0);
	}
	close(pipefd[1]);
	while (got < sizeof(output) - 1 &&
	       (n = read(pipefd[0], output + got, sizeof(output) - 1 - got)) > 0)
		got += (size_t)n;
	output[got] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(output, "outside the fake physical memory"));
	assert_null(strstr(output, "AddressSanitizer"));
}

static void test_table_ends_at_arena_end(void **state)
{
	struct madt_builder b = { .len = 0 };
	paddr_t madt, xsdt, entries[1];
	uint32_t len;
	uint8_t rsdp[36];

	/* The same table fitting exactly is fine: no access past its end. */
	madt_lapic(&b, 0, 3, 1);
	len = MADT_ENTRIES + b.len;
	madt = ARENA_BASE + ARENA_SIZE - len;
	table_header(madt, "APIC", len);
	put32(pa_ptr(madt) + MADT_LAPIC_ADDR, 0xfee00000);
	memcpy(pa_ptr(madt) + MADT_ENTRIES, b.buf, b.len);
	table_seal(madt);
	entries[0] = madt;
	xsdt = make_root("XSDT", entries, 1);
	make_rsdp(rsdp, 2, 0, xsdt);
	assert_int_equal(parse(rsdp, 36), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.cpus[0].apic_id, 3);
}

static void test_missing_madt(void **state)
{
	paddr_t entries[1];
	uint8_t rsdp[36];
	paddr_t rsdt;

	entries[0] = make_fadt(FADT_V5_LENGTH, make_dsdt(aml_s5_bytes, sizeof(aml_s5_bytes)));
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_false(info.has_madt);
	assert_int_equal(info.nr_cpus, 0);
	assert_int_equal(info.nr_ioapics, 0);
	assert_int_equal(info.lapic_base, 0);
	assert_true(info.has_fadt);
	assert_true(logged("no usable MADT"));
}

static void test_madt_entries(void **state)
{
	struct madt_builder b = { .len = 0 };
	static const uint8_t short_lapic[4] = { 0, 4, 9, 9 };
	static const uint8_t unknown[6] = { 0x7f, 6, 1, 2, 3, 4 };
	paddr_t entries[1];
	uint8_t rsdp[36];
	paddr_t rsdt;

	madt_lapic(&b, 1, 0, 1);		/* enabled */
	madt_lapic(&b, 2, 2, 0);		/* disabled: not a CPU */
	madt_lapic(&b, 3, 4, 2);		/* online capable only: a hot-plug slot */
	madt_raw(&b, short_lapic, sizeof(short_lapic)); /* too short for its type */
	madt_ioapic(&b, 0, 0xfec00000, 0);
	madt_raw(&b, unknown, sizeof(unknown));
	madt_x2apic(&b, 0x100, 1, 17);		/* enabled x2APIC */
	madt_x2apic(&b, 0x101, 0, 18);		/* disabled x2APIC */
	madt_x2apic(&b, 0x102, 2, 19);		/* online-capable x2APIC slot */
	madt_lapic(&b, 5, 4, 1);		/* enabled: the slot's id is free */
	madt_lapic(&b, 6, 4, 1);		/* duplicate APIC id 4 */
	madt_x2apic(&b, 0, 1, 20);		/* duplicate of APIC id 0 */
	madt_lapic(&b, 7, 0xff, 1);		/* the xAPIC broadcast id */
	madt_x2apic(&b, 0xffffffff, 1, 21);	/* the x2APIC broadcast id */
	madt_override(&b, 0x1fee00000ull);
	madt_ioapic(&b, 1, 0xfec01000, 24);
	entries[0] = madt_finish(&b, 0xfee00000);
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);

	assert_int_equal(parse(rsdp, 20), 0);
	assert_true(info.has_madt);
	assert_int_equal(info.lapic_base, 0x1fee00000ull);
	assert_int_equal(info.nr_ioapics, 2);
	assert_int_equal(info.nr_cpus, 3);
	assert_int_equal(info.nr_cpus_ignored, 0);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.cpus[0].acpi_id, 1);
	assert_int_equal(info.cpus[1].apic_id, 0x100);
	assert_int_equal(info.cpus[1].acpi_id, 17);
	assert_int_equal(info.cpus[2].apic_id, 4);
	assert_int_equal(info.cpus[2].acpi_id, 5);
	assert_true(logged("duplicate local APIC id 4"));
	assert_true(logged("duplicate x2APIC id 0"));
	assert_true(logged("type 0 entry at offset 68: length 4 below 8"));
	assert_false(info.has_fadt);
}

static void test_madt_malformed_entry(void **state)
{
	struct madt_builder b = { .len = 0 };
	static const uint8_t zero_length[2] = { 0, 0 };
	paddr_t entries[1], rsdt, madt;
	uint8_t rsdp[36];

	/* A zero-length entry would loop forever: the walk stops there. */
	madt_lapic(&b, 0, 0, 1);
	madt_raw(&b, zero_length, sizeof(zero_length));
	madt_lapic(&b, 1, 1, 1);
	entries[0] = madt_finish(&b, 0xfee00000);
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_true(info.has_madt);
	assert_int_equal(info.nr_cpus, 1);
	assert_true(logged("bad entry at offset 52"));

	/* An entry whose length runs past the table end. */
	fake_console_reset();
	b.len = 0;
	madt_lapic(&b, 0, 0, 1);
	madt_x2apic(&b, 0x200, 1, 1);
	madt = madt_finish(&b, 0xfee00000);
	pa_ptr(madt)[MADT_ENTRIES + 8 + 1] = 17;
	table_seal(madt);
	entries[0] = madt;
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_true(logged("bad entry at offset 52"));

	/* One lone byte after the last entry. */
	fake_console_reset();
	b.len = 0;
	madt_lapic(&b, 0, 0, 1);
	madt_raw(&b, zero_length, 1);
	entries[0] = madt_finish(&b, 0xfee00000);
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_true(logged("bad entry at offset 52"));
}

static void test_madt_too_many_cpus(void **state)
{
	struct madt_builder b = { .len = 0 };
	paddr_t entries[1], rsdt;
	uint8_t rsdp[36];
	unsigned int i;

	for (i = 0; i < HV_MAX_CPUS + 3; i++)
		madt_lapic(&b, (uint8_t)i, (uint8_t)i, 1);
	madt_x2apic(&b, 0x1000, 1, 0x1000);
	entries[0] = madt_finish(&b, 0xfee00000);
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.nr_cpus, HV_MAX_CPUS);
	assert_int_equal(info.nr_cpus_ignored, 4);
	assert_int_equal(info.cpus[HV_MAX_CPUS - 1].apic_id, HV_MAX_CPUS - 1);
}

/* Parses a machine whose FADT points at a DSDT holding aml. */
static int parse_with_dsdt(const uint8_t *aml, size_t n)
{
	paddr_t entries[1], rsdt;
	uint8_t rsdp[36];

	entries[0] = make_fadt(FADT_V5_LENGTH, make_dsdt(aml, n));
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	return parse(rsdp, 20);
}

static void test_fadt_without_s5(void **state)
{
	static const uint8_t aml[] = {
		/* Name (_S4, Package (4) { 4, 4, 0, 0 }) */
		0x08, '_', 'S', '4', '_', 0x12, 0x08, 0x04, 0x0a, 0x04, 0x0a, 0x04, 0x00, 0x00,
		/* A reference to _S5_ that is not a package. */
		0x70, '_', 'S', '5', '_', 0x60,
	};

	assert_int_equal(parse_with_dsdt(aml, sizeof(aml)), 0);
	assert_true(info.has_fadt);
	assert_false(info.has_s5);
	assert_int_equal(info.pm1a_cnt_port, 0x604);
	assert_true(logged("no \\_S5_ object"));
}

static void test_fadt_s5_forms(void **state)
{
	/* ZeroOp / OneOp elements, after a non-package "_S5_" reference. */
	static const uint8_t aml_zero_one[] = {
		0x10, 0x05, '_', 'S', '5', '_', 0x0a,
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00,
	};
	/* A two-byte PkgLength and Word/DWord constants. */
	static const uint8_t aml_wide[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x4b, 0x00, 0x02, 0x0b, 0x07, 0x00,
		0x0c, 0x03, 0x00, 0x00, 0x00,
	};
	/* A value that does not fit SLP_TYP's three bits. */
	static const uint8_t aml_too_big[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x08, 0x0a, 0x00,
	};
	/* A package cut short by the end of the table. */
	static const uint8_t aml_truncated[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05,
	};
	/* A PkgLength shorter than the elements it should contain. */
	static const uint8_t aml_short_pkg[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
	};

	assert_int_equal(parse_with_dsdt(aml_zero_one, sizeof(aml_zero_one)), 0);
	assert_true(info.has_s5);
	assert_int_equal(info.s5_slp_typa, 1);
	assert_int_equal(info.s5_slp_typb, 0);

	assert_int_equal(parse_with_dsdt(aml_wide, sizeof(aml_wide)), 0);
	assert_true(info.has_s5);
	assert_int_equal(info.s5_slp_typa, 7);
	assert_int_equal(info.s5_slp_typb, 3);

	fake_console_reset();
	assert_int_equal(parse_with_dsdt(aml_too_big, sizeof(aml_too_big)), 0);
	assert_false(info.has_s5);
	assert_true(logged("malformed \\_S5_ package at offset 37"));

	assert_int_equal(parse_with_dsdt(aml_truncated, sizeof(aml_truncated)), 0);
	assert_false(info.has_s5);
	assert_true(info.has_fadt);

	assert_int_equal(parse_with_dsdt(aml_short_pkg, sizeof(aml_short_pkg)), 0);
	assert_false(info.has_s5);
}

static void test_fadt_dsdt_broken(void **state)
{
	paddr_t entries[1], rsdt, dsdt;
	uint8_t rsdp[36];

	dsdt = make_dsdt(aml_s5_bytes, sizeof(aml_s5_bytes));
	pa_ptr(dsdt)[HDR_SIZE + 8]++;
	entries[0] = make_fadt(FADT_V5_LENGTH, dsdt);
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_true(info.has_fadt);
	assert_false(info.has_s5);
	assert_true(logged("DSDT at 0x"));
	assert_true(logged("bad checksum"));

	/* A FADT naming no DSDT at all. */
	fake_console_reset();
	entries[0] = make_fadt(FADT_V5_LENGTH, 0);
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_true(info.has_fadt);
	assert_false(info.has_s5);
	assert_true(logged("names no DSDT"));
}

static void test_fadt_extended_fields(void **state)
{
	static const uint8_t aml_s5_3[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x03, 0x0a, 0x02, 0x00, 0x00,
	};
	paddr_t entries[1], rsdt, fadt, dsdt32, dsdt64;
	uint8_t rsdp[36];
	uint8_t *t;

	/* X_DSDT wins over DSDT; X_PM1a/b_CNT_BLK in I/O space win over the 32-bit fields. */
	dsdt32 = make_dsdt(aml_s5_bytes, sizeof(aml_s5_bytes));
	dsdt64 = make_dsdt(aml_s5_3, sizeof(aml_s5_3));
	fadt = make_fadt(FADT_V5_LENGTH, dsdt32);
	t = pa_ptr(fadt);
	put64(t + FADT_X_DSDT, dsdt64);
	put32(t + FADT_PM1B_CNT, 0x704);
	put_gas(t + FADT_X_PM1A_CNT, GAS_IO, 16, 0xb004);
	put_gas(t + FADT_X_PM1B_CNT, GAS_IO, 16, 0xb104);
	table_seal(fadt);
	entries[0] = fadt;
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.s5_slp_typa, 3);
	assert_int_equal(info.s5_slp_typb, 2);
	assert_int_equal(info.pm1a_cnt_port, 0xb004);
	assert_int_equal(info.pm1b_cnt_port, 0xb104);

	/* A memory-space X_PM1a_CNT_BLK is not a port, however low: the 32-bit field stays. */
	put_gas(t + FADT_X_PM1A_CNT, GAS_MEMORY, 16, 0xb004);
	put_gas(t + FADT_X_PM1B_CNT, GAS_IO, 16, 0);
	table_seal(fadt);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.pm1a_cnt_port, 0x604);
	assert_int_equal(info.pm1b_cnt_port, 0x704);

	/* A 32-bit block beyond the 16-bit port space is no port (0x10604 is not 0x604). */
	put32(t + FADT_PM1A_CNT, 0x10604);
	put32(t + FADT_PM1B_CNT, 0xffff0704);
	table_seal(fadt);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.pm1a_cnt_port, 0);
	assert_int_equal(info.pm1b_cnt_port, 0);
	put32(t + FADT_PM1A_CNT, 0x604);
	put32(t + FADT_PM1B_CNT, 0x704);

	/* Reset register: needs RESET_REG_SUP and system I/O space. */
	put32(t + FADT_FLAGS, 0);
	table_seal(fadt);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_false(info.has_reset_reg);

	put32(t + FADT_FLAGS, FADT_RESET_REG_SUP);
	put_gas(t + FADT_RESET_REG, GAS_MEMORY, 8, 0xcf9);
	table_seal(fadt);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_false(info.has_reset_reg);

	/* A zero X_DSDT falls back to the 32-bit DSDT. */
	put64(t + FADT_X_DSDT, 0);
	table_seal(fadt);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_true(info.has_s5);
	assert_int_equal(info.s5_slp_typa, 5);
}

static void test_fadt_acpi1(void **state)
{
	paddr_t entries[1], rsdt, fadt, dsdt;
	uint8_t rsdp[36];
	uint8_t *t;

	/* An ACPI 1.0 FADT: 116 bytes, no reset register, no X_ fields read. */
	dsdt = make_dsdt(aml_s5_bytes, sizeof(aml_s5_bytes));
	fadt = make_fadt(FADT_V1_LENGTH, dsdt);
	t = pa_ptr(fadt);
	put16(t + FADT_SCI_INT, 11);
	put32(t + FADT_FLAGS, FADT_RESET_REG_SUP);
	table_seal(fadt);
	/* Bytes just past the table that would be a reset register if read. */
	put_gas(t + FADT_RESET_REG, GAS_IO, 8, 0xcf9);
	entries[0] = fadt;
	rsdt = make_root("RSDT", entries, 1);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_true(info.has_fadt);
	assert_int_equal(info.sci_irq, 11);
	assert_int_equal(info.pm1a_cnt_port, 0x604);
	assert_false(info.has_reset_reg);
	assert_true(info.has_s5);

	/* One byte shorter than ACPI 1.0 is not a FADT. */
	put32(t + HDR_LENGTH, FADT_V1_LENGTH - 1);
	table_seal(fadt);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_false(info.has_fadt);
	assert_true(logged("length 115 below 116"));
}

static void test_duplicate_tables(void **state)
{
	struct madt_builder b = { .len = 0 };
	paddr_t entries[3], rsdt;
	uint8_t rsdp[36];

	/* A broken first MADT does not hide a valid second one; a third is ignored. */
	entries[0] = make_madt_2cpus();
	pa_ptr(entries[0])[HDR_CHECKSUM]++;
	madt_lapic(&b, 0, 6, 1);
	entries[1] = madt_finish(&b, 0xfee00000);
	entries[2] = make_madt_2cpus();
	rsdt = make_root("RSDT", entries, 3);
	make_rsdp(rsdp, 0, (uint32_t)rsdt, 0);
	assert_int_equal(parse(rsdp, 20), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.cpus[0].apic_id, 6);
	assert_true(logged("second APIC table ignored"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_rsdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xsdt_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdt_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_extended_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_v2_too_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_bad_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_partial_and_null_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_table_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_bad_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_past_arena, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_ends_at_arena_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_madt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_malformed_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_too_many_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_without_s5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_s5_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_dsdt_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_extended_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_acpi1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_tables, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
