/*
 * Host tests for boot/multiboot2.c: Multiboot2 information structures are
 * built in memory, copied into a heap block of exactly total_size bytes (so
 * ASan catches any read past the end), and parsed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/multiboot2.h"
#include "core/errno.h"

#define BUILD_MAX (64 * 1024)

/* An information structure under construction. */
struct mbi {
	uint8_t buf[BUILD_MAX] __attribute__((aligned(8)));
	uint32_t len;
	void *block; /* the exact-size copy handed to the parser */
};

static struct mbi *m;
static struct boot_info *bi;
static char err[256];

static int setup(void **state)
{
	m = calloc(1, sizeof(*m));
	bi = malloc(sizeof(*bi));
	assert_non_null(m);
	assert_non_null(bi);
	/* Garbage, so a test sees whether absent tags leave fields zero. */
	memset(bi, 0xa5, sizeof(*bi));
	m->len = 8;
	err[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	free(m->block);
	free(m);
	free(bi);
	return 0;
}

static void put32(uint32_t off, uint32_t v)
{
	memcpy(m->buf + off, &v, 4);
}

/* Appends a tag whose size field is `size`, with `len` payload bytes; returns its offset. */
static uint32_t add_raw(uint32_t type, uint32_t size, const void *payload, uint32_t len)
{
	uint32_t off = m->len;

	assert_true(off + 8 + len + 8 <= BUILD_MAX);
	put32(off, type);
	put32(off + 4, size);
	if (len)
		memcpy(m->buf + off + 8, payload, len);
	m->len = off + ((8 + len + 7) & ~7u);
	return off;
}

static uint32_t add_tag(uint32_t type, const void *payload, uint32_t len)
{
	return add_raw(type, 8 + len, payload, len);
}

static uint32_t add_string(uint32_t type, const char *s)
{
	return add_tag(type, s, strlen(s) + 1);
}

static uint32_t add_module(uint32_t start, uint32_t end, const char *s)
{
	uint8_t payload[1024];
	uint32_t len = strlen(s) + 1;

	assert_true(8 + len <= sizeof(payload));
	memcpy(payload, &start, 4);
	memcpy(payload + 4, &end, 4);
	memcpy(payload + 8, s, len);
	return add_tag(3, payload, 8 + len);
}

struct mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

static uint32_t add_mmap_sized(const struct mmap_entry *e, uint32_t n, uint32_t entry_size)
{
	static uint8_t payload[BUILD_MAX / 2];
	uint32_t i, len = 8 + n * entry_size;

	assert_true(len <= sizeof(payload));
	memset(payload, 0, len);
	memcpy(payload, &entry_size, 4); /* entry_version stays 0 */
	for (i = 0; i < n; i++) {
		uint8_t *p = payload + 8 + i * entry_size;

		memcpy(p, &e[i].base, 8);
		memcpy(p + 8, &e[i].length, 8);
		memcpy(p + 16, &e[i].type, 4);
	}
	return add_tag(6, payload, len);
}

static uint32_t add_mmap(void)
{
	static const struct mmap_entry e[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x100000, 0x7ff00000, 1 },
	};

	return add_mmap_sized(e, 2, 24);
}

static uint32_t add_framebuffer(uint8_t fb_type, uint32_t extra)
{
	uint8_t payload[64] = { 0 };
	uint64_t addr = 0xfd000000;
	uint32_t pitch = 4096, width = 1024, height = 768;

	memcpy(payload, &addr, 8);
	memcpy(payload + 8, &pitch, 4);
	memcpy(payload + 12, &width, 4);
	memcpy(payload + 16, &height, 4);
	payload[20] = 32;      /* bpp */
	payload[21] = fb_type; /* then u16 reserved, then colour info */
	payload[24] = 16;      /* red position, mask size 8, ... */
	payload[25] = 8;
	return add_tag(8, payload, 24 + extra);
}

static uint32_t add_rsdp(uint32_t type, uint8_t fill, uint32_t len)
{
	uint8_t payload[36];

	memset(payload, fill, sizeof(payload));
	memcpy(payload, "RSD PTR ", 8);
	return add_tag(type, payload, len);
}

/* Appends the end tag, fixes total_size, and copies to an exact-size block. */
static const void *finish_with_total(uint32_t total)
{
	m->block = malloc(total ? total : 1);
	assert_non_null(m->block);
	put32(0, total);
	memcpy(m->block, m->buf, total);
	return m->block;
}

static const void *finish(void)
{
	add_raw(0, 8, NULL, 0);
	return finish_with_total(m->len);
}

static int parse(const void *info)
{
	return multiboot2_parse(info, bi, err, sizeof(err));
}

static void assert_bi_cleared(void)
{
	static const struct boot_info zero;

	assert_memory_equal(bi, &zero, sizeof(zero));
}

static void assert_fails_with(const void *info, const char *needle)
{
	assert_int_equal(parse(info), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not contain '%s'", err, needle);
	assert_bi_cleared();
}

/* ---- valid information ------------------------------------------------- */

static void test_every_tag(void **state)
{
	static const struct mmap_entry e[] = {
		{ 0, 0x9fc00, 1 },	  { 0x9fc00, 0x400, 2 },     { 0xf0000, 0x10000, 3 },
		{ 0x100000, 0x1000, 4 }, { 0x200000, 0x1000, 5 },   { 0x300000, 0x1000, 7 },
		{ 0x400000, 0x1000, 0 }, { 0x500000, 0x7000000, 1 },
	};
	uint8_t meminfo[8] = { 0 }, unknown[20] = { 0x55 };
	uint32_t i;

	add_string(1, "serial=com2 loglvl=debug");
	add_string(2, "GRUB 2.06-13+deb12u1");
	add_tag(4, meminfo, sizeof(meminfo));
	add_module(0x1000000, 0x1234567, "dom0   console=hvc0\tquiet ");
	add_mmap_sized(e, ARRAY_SIZE(e), 24);
	add_module(0x2000000, 0x2000000, "empty");
	add_framebuffer(1, 6);
	add_rsdp(14, 0x11, 20);
	add_tag(99, unknown, sizeof(unknown));
	add_tag(21, unknown, 4);

	assert_int_equal(parse(finish()), 0);
	assert_string_equal(err, "");
	assert_int_equal(bi->magic, BOOT_INFO_MAGIC);
	assert_int_equal(bi->version, BOOT_INFO_VERSION);
	assert_string_equal(bi->cmdline, "serial=com2 loglvl=debug");
	assert_string_equal(bi->loader_name, "GRUB 2.06-13+deb12u1");

	assert_int_equal(bi->nr_modules, 2);
	assert_int_equal(bi->modules[0].base, 0x1000000);
	assert_int_equal(bi->modules[0].size, 0x234567);
	assert_string_equal(bi->modules[0].name, "dom0");
	assert_string_equal(bi->modules[0].cmdline, "console=hvc0\tquiet ");
	assert_int_equal(bi->modules[1].base, 0x2000000);
	assert_int_equal(bi->modules[1].size, 0);
	assert_string_equal(bi->modules[1].name, "empty");
	assert_string_equal(bi->modules[1].cmdline, "");

	assert_int_equal(bi->nr_memmap, ARRAY_SIZE(e));
	for (i = 0; i < ARRAY_SIZE(e); i++) {
		uint32_t want = e[i].type >= 1 && e[i].type <= 5 ? e[i].type : BOOT_MEM_RESERVED;

		assert_int_equal(bi->memmap[i].base, e[i].base);
		assert_int_equal(bi->memmap[i].length, e[i].length);
		assert_int_equal(bi->memmap[i].type, want);
		assert_int_equal(bi->memmap[i].pad, 0);
	}

	assert_int_equal(bi->framebuffer.base, 0xfd000000);
	assert_int_equal(bi->framebuffer.pitch, 4096);
	assert_int_equal(bi->framebuffer.width, 1024);
	assert_int_equal(bi->framebuffer.height, 768);
	assert_int_equal(bi->framebuffer.bpp, 32);

	assert_int_equal(bi->rsdp_length, 20);
	assert_memory_equal(bi->rsdp, "RSD PTR \x11\x11", 10);
	assert_int_equal(bi->rsdp[19], 0x11);
	assert_int_equal(bi->rsdp[20], 0);

	/* Nothing a loader hands over may be invented. */
	assert_int_equal(bi->hv_phys_start, 0);
	assert_int_equal(bi->hv_phys_end, 0);
	assert_int_equal(bi->nr_reserved, 0);
}

static void test_absent_tags_stay_zero(void **state)
{
	add_mmap();
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->magic, BOOT_INFO_MAGIC);
	assert_string_equal(bi->cmdline, "");
	assert_string_equal(bi->loader_name, "");
	assert_int_equal(bi->nr_modules, 0);
	assert_int_equal(bi->nr_memmap, 2);
	assert_int_equal(bi->rsdp_length, 0);
	assert_int_equal(bi->framebuffer.base, 0);
	assert_int_equal(bi->framebuffer.width, 0);
	assert_int_equal(bi->modules[0].name[0], 0);
	assert_int_equal(bi->memmap[2].length, 0);
}

static void test_acpi_new_preferred_after_old(void **state)
{
	add_mmap();
	add_rsdp(14, 0x11, 20);
	add_rsdp(15, 0x22, 36);
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->rsdp_length, 36);
	assert_int_equal(bi->rsdp[8], 0x22);
	assert_int_equal(bi->rsdp[35], 0x22);
}

static void test_acpi_new_preferred_before_old(void **state)
{
	add_rsdp(15, 0x22, 36);
	add_rsdp(14, 0x11, 20);
	add_mmap();
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->rsdp_length, 36);
	assert_memory_equal(bi->rsdp, "RSD PTR ", 8);
	assert_int_equal(bi->rsdp[8], 0x22);
	assert_int_equal(bi->rsdp[35], 0x22);
}

static void test_acpi_new_alone(void **state)
{
	add_rsdp(15, 0x33, 36);
	add_mmap();
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->rsdp_length, 36);
	assert_int_equal(bi->rsdp[20], 0x33);
}

static void test_framebuffer_not_rgb_ignored(void **state)
{
	add_mmap();
	add_framebuffer(0, 0); /* indexed: palette ignored */
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->framebuffer.base, 0);
	assert_int_equal(bi->framebuffer.width, 0);
}

static void test_framebuffer_ega_text_ignored(void **state)
{
	add_mmap();
	add_framebuffer(2, 0);
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->framebuffer.base, 0);
}

static void test_framebuffer_rgb_without_colour_info(void **state)
{
	uint32_t off;
	char want[64];

	add_mmap();
	off = add_framebuffer(1, 0);
	snprintf(want, sizeof(want), "tag 8 (framebuffer) at offset %u", off);
	assert_fails_with(finish(), want);
	assert_non_null(strstr(err, "RGB"));
}

static void test_mmap_larger_entries(void **state)
{
	static const struct mmap_entry e[] = {
		{ 0x1000, 0x2000, 1 },
		{ 0x100000, 0x300000, 3 },
	};

	add_mmap_sized(e, 2, 40);
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->nr_memmap, 2);
	assert_int_equal(bi->memmap[1].base, 0x100000);
	assert_int_equal(bi->memmap[1].length, 0x300000);
	assert_int_equal(bi->memmap[1].type, BOOT_MEM_ACPI_RECLAIM);
}

static void test_mmap_at_limit(void **state)
{
	static struct mmap_entry e[BOOT_MAX_MEMMAP];
	uint32_t i;

	for (i = 0; i < BOOT_MAX_MEMMAP; i++)
		e[i] = (struct mmap_entry){ i * 0x2000ull, 0x1000, 1 + i % 5 };
	add_mmap_sized(e, BOOT_MAX_MEMMAP, 24);
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->nr_memmap, BOOT_MAX_MEMMAP);
	assert_int_equal(bi->memmap[BOOT_MAX_MEMMAP - 1].base, (BOOT_MAX_MEMMAP - 1) * 0x2000ull);
	assert_int_equal(bi->memmap[BOOT_MAX_MEMMAP - 1].type, 1 + (BOOT_MAX_MEMMAP - 1) % 5);
}

static void test_modules_at_limit(void **state)
{
	char s[32];
	uint32_t i;

	add_mmap();
	for (i = 0; i < BOOT_MAX_MODULES; i++) {
		snprintf(s, sizeof(s), "mod%u arg%u", i, i);
		add_module(0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 10, s);
	}
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->nr_modules, BOOT_MAX_MODULES);
	assert_string_equal(bi->modules[15].name, "mod15");
	assert_string_equal(bi->modules[15].cmdline, "arg15");
	assert_int_equal(bi->modules[15].base, 0x100f000);
	assert_int_equal(bi->modules[15].size, 10);
}

static void test_module_name_and_cmdline_at_limits(void **state)
{
	char s[BOOT_MODULE_NAME_MAX + BOOT_MODULE_CMDLINE_MAX + 8];
	char name[BOOT_MODULE_NAME_MAX], args[BOOT_MODULE_CMDLINE_MAX];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(args, 'a', sizeof(args) - 1);
	args[sizeof(args) - 1] = '\0';
	snprintf(s, sizeof(s), "  %s %s", name, args);
	add_mmap();
	add_module(0x1000000, 0x1001000, s);
	assert_int_equal(parse(finish()), 0);
	assert_string_equal(bi->modules[0].name, name);
	assert_string_equal(bi->modules[0].cmdline, args);
}

static void test_cmdline_at_limit(void **state)
{
	char s[BOOT_CMDLINE_MAX];

	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	add_string(1, s);
	add_mmap();
	assert_int_equal(parse(finish()), 0);
	assert_string_equal(bi->cmdline, s);
}

/* The loader name is only logged: a long one is shortened, not refused. */
static void test_long_loader_name_shortened(void **state)
{
	char s[200];

	memset(s, 'g', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	add_string(2, s);
	add_mmap();
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(strlen(bi->loader_name), BOOT_LOADER_NAME_MAX - 1);
	assert_memory_equal(bi->loader_name, s, BOOT_LOADER_NAME_MAX - 1);
}

/* Padding between tags: a tag's size need not be a multiple of 8. */
static void test_unpadded_sizes(void **state)
{
	add_string(1, "a");         /* size 10 */
	add_module(0x3000, 0x4000, "m x"); /* size 20 */
	add_string(2, "abc");       /* size 12 */
	add_mmap();
	assert_int_equal(parse(finish()), 0);
	assert_string_equal(bi->cmdline, "a");
	assert_string_equal(bi->modules[0].name, "m");
	assert_string_equal(bi->modules[0].cmdline, "x");
	assert_string_equal(bi->loader_name, "abc");
}

/* ---- malformed structure ------------------------------------------------ */

static void test_total_size_too_small(void **state)
{
	assert_fails_with(finish_with_total(8), "total size 8");
}

static void test_total_size_too_large(void **state)
{
	/* Only the header exists: the size must be refused before any tag is read. */
	m->block = calloc(1, 16);
	assert_non_null(m->block);
	put32(0, 1024 * 1024 + 8);
	memcpy(m->block, m->buf, 4);
	assert_fails_with(m->block, "total size 1048584");
}

static void test_misaligned(void **state)
{
	uint8_t *raw;

	add_mmap();
	finish();
	raw = malloc(m->len + 8);
	assert_non_null(raw);
	memcpy(raw + 4, m->block, m->len);
	assert_int_equal(parse(raw + 4), -EINVAL);
	assert_non_null(strstr(err, "not 8-byte aligned"));
	assert_bi_cleared();
	free(raw);
}

static void test_no_memory_map(void **state)
{
	add_string(1, "loglvl=info");
	assert_fails_with(finish(), "no memory map tag");
}

static void test_missing_end_tag(void **state)
{
	add_mmap();
	assert_fails_with(finish_with_total(m->len), "no end tag");
}

static void test_partial_tag_header_at_end(void **state)
{
	/* Four stray bytes where the end tag should be. */
	add_mmap();
	assert_fails_with(finish_with_total(m->len + 4), "no end tag");
}

static void test_end_tag_wrong_size(void **state)
{
	add_mmap();
	add_raw(0, 16, "\0\0\0\0\0\0\0\0", 8);
	assert_fails_with(finish_with_total(m->len), "tag 0 (end) at offset 72: size 16");
}

static void test_tag_size_below_header(void **state)
{
	uint32_t off;
	char want[64];

	add_mmap();
	off = add_raw(42, 4, NULL, 0);
	snprintf(want, sizeof(want), "tag 42 (unknown) at offset %u: size 4", off);
	assert_fails_with(finish(), want);
}

static void test_tag_size_zero(void **state)
{
	add_raw(1, 0, NULL, 0);
	add_mmap();
	assert_fails_with(finish(), "tag 1 (command line) at offset 8: size 0");
}

static void test_truncated_module_tag(void **state)
{
	uint8_t payload[8] = { 0 };

	add_mmap();
	add_raw(3, 12, payload, 8);
	assert_fails_with(finish(), "tag 3 (module) at offset 72: size 12 is smaller than the 16");
}

static void test_truncated_mmap_tag(void **state)
{
	uint8_t payload[8] = { 24 };

	add_raw(6, 12, payload, 8);
	assert_fails_with(finish(), "tag 6 (memory map) at offset 8: size 12");
}

static void test_truncated_acpi_tags(void **state)
{
	add_mmap();
	add_rsdp(15, 0x22, 20); /* a v1-sized copy in a v2 tag */
	assert_fails_with(finish(), "tag 15 (ACPI new RSDP) at offset 72: size 28 is smaller");
}

static void test_truncated_acpi_old_tag(void **state)
{
	add_mmap();
	add_rsdp(14, 0x11, 16);
	assert_fails_with(finish(), "tag 14 (ACPI old RSDP) at offset 72: size 24 is smaller");
}

static void test_truncated_framebuffer_tag(void **state)
{
	uint8_t payload[16] = { 0 };

	add_mmap();
	add_tag(8, payload, sizeof(payload));
	assert_fails_with(finish(), "tag 8 (framebuffer) at offset 72: size 24");
}

static void test_tag_past_end(void **state)
{
	add_mmap();
	add_raw(6, 4096, NULL, 0);
	assert_fails_with(finish(),
			  "tag 6 (memory map) at offset 72: size 4096 runs past the end of the "
			  "information (total 88)");
}

static void test_last_tag_past_total(void **state)
{
	/* A valid-looking command line whose bytes stop short of its size. */
	add_mmap();
	add_raw(1, 40, "abc", 4);
	assert_fails_with(finish_with_total(m->len), "runs past the end");
}

static void test_oversized_tag_unterminated(void **state)
{
	/* Size claims 200 bytes of string, all inside the information, no NUL. */
	uint8_t payload[192];

	memset(payload, 'z', sizeof(payload));
	add_mmap();
	add_tag(1, payload, sizeof(payload));
	assert_fails_with(finish(), "tag 1 (command line) at offset 72: string is not NUL");
}

static void test_unterminated_loader_name(void **state)
{
	add_tag(2, "GRUB", 4);
	add_mmap();
	assert_fails_with(finish(), "tag 2 (boot loader name) at offset 8: string is not NUL");
}

static void test_unterminated_module_string(void **state)
{
	uint8_t payload[12] = { 0, 0x10, 0, 0, 0, 0x20, 0, 0, 'd', 'o', 'm', '0' };

	add_mmap();
	add_tag(3, payload, sizeof(payload));
	assert_fails_with(finish(), "tag 3 (module) at offset 72: string is not NUL");
}

static void test_cmdline_too_long(void **state)
{
	char s[BOOT_CMDLINE_MAX + 1];

	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	add_string(1, s);
	add_mmap();
	assert_fails_with(finish(), "command line is 512 bytes, longer than the 511 allowed");
}

static void test_duplicate_singleton_tag(void **state)
{
	add_mmap();
	add_string(1, "a");
	add_string(1, "b");
	assert_fails_with(finish(), "tag 1 (command line) at offset 88: a second tag");
}

static void test_duplicate_mmap(void **state)
{
	add_mmap();
	add_mmap();
	assert_fails_with(finish(), "tag 6 (memory map) at offset 72: a second tag");
}

/* ---- modules ------------------------------------------------------------ */

static void test_too_many_modules(void **state)
{
	char s[16];
	uint32_t i;

	add_mmap();
	for (i = 0; i <= BOOT_MAX_MODULES; i++) {
		snprintf(s, sizeof(s), "m%u", i);
		add_module(0x100000 * (i + 1), 0x100000 * (i + 1) + 1, s);
	}
	assert_fails_with(finish(), "more than 16 modules");
}

static void test_duplicate_module_names(void **state)
{
	add_mmap();
	add_module(0x1000000, 0x1001000, "dom0 a");
	add_module(0x2000000, 0x2001000, "initrd");
	add_module(0x3000000, 0x3001000, " dom0 b");
	assert_fails_with(finish(), "modules 0 and 2 are both named 'dom0'");
}

static void test_module_name_ends_at_tab(void **state)
{
	add_mmap();
	add_module(0x1000000, 0x1001000, "\tdom0\t\t root=/dev/xvda1");
	assert_int_equal(parse(finish()), 0);
	assert_string_equal(bi->modules[0].name, "dom0");
	assert_string_equal(bi->modules[0].cmdline, "root=/dev/xvda1");
}

static void test_module_name_prefix_not_duplicate(void **state)
{
	add_mmap();
	add_module(0x1000000, 0x1001000, "dom0");
	add_module(0x2000000, 0x2001000, "dom0x");
	add_module(0x3000000, 0x3001000, "dom");
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi->nr_modules, 3);
}

static void test_module_empty_name(void **state)
{
	add_mmap();
	add_module(0x1000000, 0x1001000, "");
	assert_fails_with(finish(), "module 0 has no name");
}

static void test_module_blank_name(void **state)
{
	add_mmap();
	add_module(0x1000000, 0x1001000, "a");
	add_module(0x2000000, 0x2001000, " \t ");
	assert_fails_with(finish(), "module 1 has no name");
}

static void test_module_name_too_long(void **state)
{
	char s[64];

	memset(s, 'n', BOOT_MODULE_NAME_MAX);
	strcpy(s + BOOT_MODULE_NAME_MAX, " arg");
	add_mmap();
	add_module(0x1000000, 0x1001000, s);
	assert_fails_with(finish(), "module 0 name is 32 characters, longer than the 31");
}

static void test_module_cmdline_too_long(void **state)
{
	char s[BOOT_MODULE_CMDLINE_MAX + 16];

	strcpy(s, "dom0 ");
	memset(s + 5, 'c', BOOT_MODULE_CMDLINE_MAX);
	s[5 + BOOT_MODULE_CMDLINE_MAX] = '\0';
	add_mmap();
	add_module(0x1000000, 0x1001000, s);
	assert_fails_with(finish(), "module 0 ('dom0') command line is 256 bytes");
}

static void test_module_end_before_start(void **state)
{
	add_mmap();
	add_module(0x2000000, 0x1fff000, "dom0");
	assert_fails_with(finish(), "tag 3 (module) at offset 72: module 0 ends (0x1fff000) "
				    "before it starts (0x2000000)");
}

static void test_module_not_page_aligned(void **state)
{
	add_mmap();
	add_module(0x2000010, 0x2001000, "dom0");
	assert_fails_with(finish(), "module 0 at 0x2000010 is not page aligned");
}

/* ---- memory map --------------------------------------------------------- */

static void test_mmap_entry_size_too_small(void **state)
{
	static const struct mmap_entry e[] = { { 0, 0x1000, 1 } };

	add_mmap_sized(e, 1, 20);
	assert_fails_with(finish(), "tag 6 (memory map) at offset 8: entry size 20");
}

static void test_mmap_entry_size_zero(void **state)
{
	uint8_t payload[8] = { 0 };

	add_tag(6, payload, sizeof(payload));
	assert_fails_with(finish(), "entry size 0");
}

static void test_mmap_partial_entry(void **state)
{
	static const struct mmap_entry e[] = { { 0, 0x1000, 1 }, { 0x1000, 0x1000, 1 } };
	uint32_t off = add_mmap_sized(e, 2, 24);

	/* Cut the tag 8 bytes short of its second entry. */
	put32(off + 4, 16 + 24 + 16);
	assert_fails_with(finish(), "not a whole number of 24-byte entries");
}

static void test_too_many_regions(void **state)
{
	static struct mmap_entry e[BOOT_MAX_MEMMAP + 1];
	uint32_t i;

	for (i = 0; i <= BOOT_MAX_MEMMAP; i++)
		e[i] = (struct mmap_entry){ i * 0x1000ull, 0x1000, 1 };
	add_mmap_sized(e, BOOT_MAX_MEMMAP + 1, 24);
	assert_fails_with(finish(), "257 entries, more than the 256");
}

/* ---- the caller's error buffer ----------------------------------------- */

static void test_small_error_buffer(void **state)
{
	char small[12];

	memset(small, 'X', sizeof(small));
	add_string(1, "a");
	assert_int_equal(multiboot2_parse(finish(), bi, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "no memory m");
}

static void test_no_error_buffer(void **state)
{
	add_string(1, "a");
	assert_int_equal(multiboot2_parse(finish(), bi, NULL, 0), -EINVAL);
	assert_bi_cleared();
}

static void test_error_cleared_on_success(void **state)
{
	strcpy(err, "stale");
	add_mmap();
	assert_int_equal(parse(finish()), 0);
	assert_string_equal(err, "");
}

/* ---- real information ---------------------------------------------------- */

/*
 * What GRUB 2.06 (Debian 12, i386-pc, QEMU q35 with 512 MiB) handed a test
 * kernel booted with "multiboot2 /boot/k.elf serial=com1 loglvl=debug
 * on_ready=poweroff", "module2 /boot/m1 dom0 console=hvc0   root=/dev/xvda"
 * (5000 bytes) and "module2 /boot/m2 initrd" (100 bytes); captured as hex
 * over the serial port. Tags: 21 1 2 10 3 3 6 9 4 5 8 (EGA text) 14 0.
 */
static const uint8_t grub_bios_mbi[792] = {
	0x18, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00,
	0x0c, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x0f, 0x00, 0xb0, 0xee, 0xed, 0x1f,
	0x01, 0x00, 0x00, 0x00, 0x33, 0x00, 0x00, 0x00, 0x73, 0x65, 0x72, 0x69,
	0x61, 0x6c, 0x3d, 0x63, 0x6f, 0x6d, 0x31, 0x20, 0x6c, 0x6f, 0x67, 0x6c,
	0x76, 0x6c, 0x3d, 0x64, 0x65, 0x62, 0x75, 0x67, 0x20, 0x6f, 0x6e, 0x5f,
	0x72, 0x65, 0x61, 0x64, 0x79, 0x3d, 0x70, 0x6f, 0x77, 0x65, 0x72, 0x6f,
	0x66, 0x66, 0x00, 0x27, 0xb9, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x00,
	0x1d, 0x00, 0x00, 0x00, 0x47, 0x52, 0x55, 0x42, 0x20, 0x32, 0x2e, 0x30,
	0x36, 0x2d, 0x31, 0x33, 0x2b, 0x64, 0x65, 0x62, 0x31, 0x32, 0x75, 0x32,
	0x00, 0x10, 0x00, 0x31, 0x0a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00,
	0x02, 0x01, 0x00, 0xf0, 0x98, 0xd1, 0x00, 0x00, 0x00, 0xf0, 0x00, 0xf0,
	0x03, 0x00, 0xf0, 0xff, 0xf0, 0xff, 0xf0, 0xff, 0xd6, 0xa1, 0xe8, 0x04,
	0x03, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x10, 0x10, 0x00,
	0x88, 0x23, 0x10, 0x00, 0x64, 0x6f, 0x6d, 0x30, 0x20, 0x63, 0x6f, 0x6e,
	0x73, 0x6f, 0x6c, 0x65, 0x3d, 0x68, 0x76, 0x63, 0x30, 0x20, 0x72, 0x6f,
	0x6f, 0x74, 0x3d, 0x2f, 0x64, 0x65, 0x76, 0x2f, 0x78, 0x76, 0x64, 0x61,
	0x00, 0x45, 0xe0, 0x00, 0x02, 0x8d, 0x55, 0xd8, 0x03, 0x00, 0x00, 0x00,
	0x17, 0x00, 0x00, 0x00, 0x00, 0x30, 0x10, 0x00, 0x64, 0x30, 0x10, 0x00,
	0x69, 0x6e, 0x69, 0x74, 0x72, 0x64, 0x00, 0x37, 0x06, 0x00, 0x00, 0x00,
	0xe8, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfc, 0x09, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xfc, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0xed, 0x1f,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xf0, 0xfd, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xc0, 0xd1, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xfc, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x09, 0x00, 0x00, 0x00, 0xdc, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
	0x28, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x00, 0x00, 0x10, 0x00, 0x00, 0x5a, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x5c, 0x00, 0x10, 0x00, 0x5c, 0x10, 0x00, 0x00,
	0x90, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xec, 0x00, 0x10, 0x00,
	0xec, 0x10, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x11, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x14, 0x01, 0x10, 0x00, 0x14, 0x11, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x42, 0x04, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x00, 0x00, 0x7f, 0x02, 0x00, 0x00, 0x7c, 0xfb, 0x07, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x8b, 0x04, 0xcd, 0x00,
	0x08, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x80, 0x0b, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00,
	0x19, 0x00, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00,
	0x1c, 0x00, 0x00, 0x00, 0x52, 0x53, 0x44, 0x20, 0x50, 0x54, 0x52, 0x20,
	0x32, 0x42, 0x4f, 0x43, 0x48, 0x53, 0x20, 0x00, 0xe1, 0x22, 0xfe, 0x1f,
	0xff, 0x0d, 0xe8, 0x04, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
};

static void test_real_grub_information(void **state)
{
	static const struct mmap_entry want[] = {
		{ 0, 0x9fc00, 1 },		{ 0x9fc00, 0x400, 2 },
		{ 0xf0000, 0x10000, 2 },	{ 0x100000, 0x1fedf000, 1 },
		{ 0x1ffdf000, 0x21000, 2 },	{ 0xb0000000, 0x10000000, 2 },
		{ 0xfed1c000, 0x4000, 2 },	{ 0xfffc0000, 0x40000, 2 },
		{ 0xfd00000000, 0x300000000, 2 },
	};
	uint32_t i;

	m->block = malloc(sizeof(grub_bios_mbi));
	assert_non_null(m->block);
	memcpy(m->block, grub_bios_mbi, sizeof(grub_bios_mbi));
	assert_int_equal(parse(m->block), 0);
	assert_string_equal(bi->loader_name, "GRUB 2.06-13+deb12u2");
	assert_string_equal(bi->cmdline, "serial=com1 loglvl=debug on_ready=poweroff");
	assert_int_equal(bi->nr_modules, 2);
	assert_string_equal(bi->modules[0].name, "dom0");
	/* GRUB itself joins the words with single spaces. */
	assert_string_equal(bi->modules[0].cmdline, "console=hvc0 root=/dev/xvda");
	assert_int_equal(bi->modules[0].base, 0x101000);
	assert_int_equal(bi->modules[0].size, 5000);
	assert_string_equal(bi->modules[1].name, "initrd");
	assert_string_equal(bi->modules[1].cmdline, "");
	assert_int_equal(bi->modules[1].base, 0x103000);
	assert_int_equal(bi->modules[1].size, 100);
	assert_int_equal(bi->nr_memmap, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(bi->memmap[i].base, want[i].base);
		assert_int_equal(bi->memmap[i].length, want[i].length);
		assert_int_equal(bi->memmap[i].type, want[i].type);
	}
	assert_int_equal(bi->rsdp_length, 20);
	assert_memory_equal(bi->rsdp, "RSD PTR ", 8);
	/* The EGA text framebuffer is not a usable boot console. */
	assert_int_equal(bi->framebuffer.base, 0);
}

/* The same information cut short anywhere is refused, never overread. */
static void test_real_grub_information_truncated(void **state)
{
	uint32_t total;

	for (total = 16; total < sizeof(grub_bios_mbi); total += 4) {
		uint8_t *b = malloc(total);

		assert_non_null(b);
		memcpy(b, grub_bios_mbi, total);
		memcpy(b, &total, 4);
		assert_int_equal(multiboot2_parse(b, bi, err, sizeof(err)), -EINVAL);
		free(b);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_tag),
		T(test_absent_tags_stay_zero),
		T(test_acpi_new_preferred_after_old),
		T(test_acpi_new_preferred_before_old),
		T(test_acpi_new_alone),
		T(test_framebuffer_not_rgb_ignored),
		T(test_framebuffer_ega_text_ignored),
		T(test_framebuffer_rgb_without_colour_info),
		T(test_mmap_larger_entries),
		T(test_mmap_at_limit),
		T(test_modules_at_limit),
		T(test_module_name_and_cmdline_at_limits),
		T(test_cmdline_at_limit),
		T(test_long_loader_name_shortened),
		T(test_unpadded_sizes),
		T(test_total_size_too_small),
		T(test_total_size_too_large),
		T(test_misaligned),
		T(test_no_memory_map),
		T(test_missing_end_tag),
		T(test_partial_tag_header_at_end),
		T(test_end_tag_wrong_size),
		T(test_tag_size_below_header),
		T(test_tag_size_zero),
		T(test_truncated_module_tag),
		T(test_truncated_mmap_tag),
		T(test_truncated_acpi_tags),
		T(test_truncated_acpi_old_tag),
		T(test_truncated_framebuffer_tag),
		T(test_tag_past_end),
		T(test_last_tag_past_total),
		T(test_oversized_tag_unterminated),
		T(test_unterminated_loader_name),
		T(test_unterminated_module_string),
		T(test_cmdline_too_long),
		T(test_duplicate_singleton_tag),
		T(test_duplicate_mmap),
		T(test_too_many_modules),
		T(test_duplicate_module_names),
		T(test_module_name_ends_at_tab),
		T(test_module_name_prefix_not_duplicate),
		T(test_module_empty_name),
		T(test_module_blank_name),
		T(test_module_name_too_long),
		T(test_module_cmdline_too_long),
		T(test_module_end_before_start),
		T(test_module_not_page_aligned),
		T(test_mmap_entry_size_too_small),
		T(test_mmap_entry_size_zero),
		T(test_mmap_partial_entry),
		T(test_too_many_regions),
		T(test_small_error_buffer),
		T(test_no_error_buffer),
		T(test_error_cleared_on_success),
		T(test_real_grub_information),
		T(test_real_grub_information_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
