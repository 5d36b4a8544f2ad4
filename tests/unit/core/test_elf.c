/*
 * Host tests for core/elf.c: ELF images of both classes are built in memory,
 * copied into a heap block of exactly the image size (so ASan catches any
 * read past the end), then checked and searched for notes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/elf.h"
#include "core/errno.h"

#define IMAGE_SIZE 0x1000
#define PHOFF 0x40
#define DATA_OFF 0x200
#define NOTE_OFF 0x800
#define SHOFF 0xc00

#define PT_LOAD 1
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551
#define SHT_PROGBITS 1
#define SHT_NOTE 7

/* An image under construction; one class at a time. */
static uint8_t img[IMAGE_SIZE];
static bool is64;
static void *block;
static struct elf_info info;
static const char *why;

static int setup(void **state)
{
	memset(img, 0, sizeof(img));
	memset(&info, 0xa5, sizeof(info));
	why = "untouched";
	block = NULL;
	return 0;
}

static int teardown(void **state)
{
	free(block);
	return 0;
}

static void w8(uint32_t off, uint8_t v)
{
	img[off] = v;
}

static void w16(uint32_t off, uint16_t v)
{
	memcpy(img + off, &v, 2);
}

static void w32(uint32_t off, uint32_t v)
{
	memcpy(img + off, &v, 4);
}

static void w64(uint32_t off, uint64_t v)
{
	memcpy(img + off, &v, 8);
}

/* An address or offset field of the current class. */
static void wword(uint32_t off, uint64_t v)
{
	if (is64)
		w64(off, v);
	else
		w32(off, (uint32_t)v);
}

static uint32_t phentsize(void)
{
	return is64 ? 56 : 32;
}

static uint32_t shentsize(void)
{
	return is64 ? 64 : 40;
}

/* Header with the program header table at PHOFF, no section headers. */
static void header(bool class64, uint16_t machine, uint64_t entry, uint16_t phnum)
{
	is64 = class64;
	memcpy(img, "\x7f" "ELF", 4);
	w8(4, is64 ? 2 : 1);
	w8(5, 1);
	w8(6, 1);
	w16(16, 2); /* ET_EXEC */
	w16(18, machine);
	w32(20, 1);
	wword(24, entry);
	if (is64) {
		w64(32, PHOFF);
		w16(52, 64);
		w16(54, 56);
		w16(56, phnum);
		w16(58, 64);
	} else {
		w32(28, PHOFF);
		w16(40, 52);
		w16(42, 32);
		w16(44, phnum);
		w16(46, 40);
	}
}

static void phdr(uint32_t i, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
		 uint64_t paddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	uint32_t p = PHOFF + i * phentsize();

	w32(p, type);
	if (is64) {
		w32(p + 4, flags);
		w64(p + 8, offset);
		w64(p + 16, vaddr);
		w64(p + 24, paddr);
		w64(p + 32, filesz);
		w64(p + 40, memsz);
		w64(p + 48, align);
	} else {
		w32(p + 4, offset);
		w32(p + 8, vaddr);
		w32(p + 12, paddr);
		w32(p + 16, filesz);
		w32(p + 20, memsz);
		w32(p + 24, flags);
		w32(p + 28, align);
	}
}

static void load(uint32_t i, uint64_t offset, uint64_t addr, uint64_t filesz, uint64_t memsz)
{
	phdr(i, PT_LOAD, 5, offset, addr, addr, filesz, memsz, 0x1000);
}

static void section_table(uint16_t shnum)
{
	if (is64) {
		w64(40, SHOFF);
		w16(60, shnum);
	} else {
		w32(32, SHOFF);
		w16(48, shnum);
	}
}

static void shdr(uint32_t i, uint32_t type, uint64_t offset, uint64_t size)
{
	uint32_t s = SHOFF + i * shentsize();

	w32(s + 4, type);
	if (is64) {
		w64(s + 24, offset);
		w64(s + 32, size);
	} else {
		w32(s + 16, offset);
		w32(s + 20, size);
	}
}

/* Writes one note at off with 4-byte padding; returns the offset after it. */
static uint32_t note(uint32_t off, uint32_t namesz, const char *name, uint32_t type,
		     uint32_t descsz, const void *desc)
{
	w32(off, namesz);
	w32(off + 4, descsz);
	w32(off + 8, type);
	memcpy(img + off + 12, name, namesz);
	off += 12 + ((namesz + 3) & ~3u);
	memcpy(img + off, desc, descsz);
	return off + ((descsz + 3) & ~3u);
}

static uint32_t named_note(uint32_t off, const char *name, uint32_t type, uint32_t descsz,
			   const void *desc)
{
	return note(off, strlen(name) + 1, name, type, descsz, desc);
}

/* The image's first `size` bytes in a heap block of exactly that size. */
static const void *image(uint64_t size)
{
	free(block);
	block = malloc(size ? size : 1);
	assert_non_null(block);
	memcpy(block, img, size);
	return block;
}

static int parse(uint64_t size)
{
	return elf_parse(image(size), size, &info, &why);
}

static void assert_rejected(uint64_t size, const char *reason)
{
	struct elf_info untouched;

	memset(&untouched, 0xa5, sizeof(untouched));
	assert_int_equal(parse(size), -ENOEXEC);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_memory_equal(&info, &untouched, sizeof(info));
}

/* A valid two-segment image of the given class and machine. */
static void valid_image(bool class64, uint16_t machine)
{
	header(class64, machine, 0x100010, 2);
	load(0, DATA_OFF, 0x100000, 0x100, 0x100);
	load(1, DATA_OFF + 0x100, 0x200000, 0x80, 0x3000);
}

/* ---- elf_parse: valid images -------------------------------------------- */

static void test_valid_64(void **state)
{
	header(true, 62, 0xffffffff80201000ull, 4);
	phdr(0, PT_NOTE, 4, NOTE_OFF, 0, 0, 0x20, 0x20, 4);
	phdr(1, PT_LOAD, 5, DATA_OFF, 0x200000, 0x200000, 0x100, 0x100, 0x1000);
	phdr(2, PT_LOAD, 6 | 0x100000, DATA_OFF + 0x100, 0xffffffff80201000ull, 0x201000, 0x80,
	     0x5000, 0x1000);
	phdr(3, PT_GNU_STACK, 6, 0, 0, 0, 0, 0, 16);

	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_null(why);
	assert_true(info.is64);
	assert_int_equal(info.machine, 62);
	assert_int_equal(info.entry, 0xffffffff80201000ull);
	assert_int_equal(info.nr_segments, 2);
	assert_int_equal(info.segments[0].offset, DATA_OFF);
	assert_int_equal(info.segments[0].vaddr, 0x200000);
	assert_int_equal(info.segments[0].paddr, 0x200000);
	assert_int_equal(info.segments[0].filesz, 0x100);
	assert_int_equal(info.segments[0].memsz, 0x100);
	assert_int_equal(info.segments[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(info.segments[1].offset, DATA_OFF + 0x100);
	assert_int_equal(info.segments[1].vaddr, 0xffffffff80201000ull);
	assert_int_equal(info.segments[1].paddr, 0x201000);
	assert_int_equal(info.segments[1].filesz, 0x80);
	assert_int_equal(info.segments[1].memsz, 0x5000);
	/* Processor-specific flag bits are not ELF_PF_*. */
	assert_int_equal(info.segments[1].flags, ELF_PF_R | ELF_PF_W);
	assert_int_equal(info.paddr_min, 0x200000);
	assert_int_equal(info.paddr_max, 0x206000);
}

/* XTF's hvm64 kernels: ELFCLASS32 containers for x86-64 code. */
static void test_valid_32_x86_64(void **state)
{
	valid_image(false, 62);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_null(why);
	assert_false(info.is64);
	assert_int_equal(info.machine, 62);
	assert_int_equal(info.entry, 0x100010);
	assert_int_equal(info.nr_segments, 2);
	assert_int_equal(info.segments[0].offset, DATA_OFF);
	assert_int_equal(info.segments[0].vaddr, 0x100000);
	assert_int_equal(info.segments[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(info.segments[1].offset, DATA_OFF + 0x100);
	assert_int_equal(info.segments[1].paddr, 0x200000);
	assert_int_equal(info.segments[1].filesz, 0x80);
	assert_int_equal(info.segments[1].memsz, 0x3000);
	assert_int_equal(info.paddr_min, 0x100000);
	assert_int_equal(info.paddr_max, 0x203000);
}

static void test_valid_32_i386(void **state)
{
	valid_image(false, 3);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_false(info.is64);
	assert_int_equal(info.machine, 3);
}

static void test_valid_64_i386_machine(void **state)
{
	valid_image(true, 3);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_true(info.is64);
	assert_int_equal(info.machine, 3);
}

/* Segments listed out of address order: min and max are not first and last. */
static void test_paddr_extent_unordered(void **state)
{
	header(true, 62, 0, 3);
	load(0, DATA_OFF, 0x500000, 0x10, 0x10);
	load(1, DATA_OFF, 0x100000, 0x10, 0x800000);
	load(2, DATA_OFF, 0x300000, 0x10, 0x10);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_int_equal(info.paddr_min, 0x100000);
	assert_int_equal(info.paddr_max, 0x900000);
}

static void test_max_segments(void **state)
{
	uint32_t i;

	header(true, 62, 0, ELF_MAX_SEGMENTS);
	for (i = 0; i < ELF_MAX_SEGMENTS; i++)
		load(i, DATA_OFF, 0x100000 + i * 0x1000, 0x10, 0x1000);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_int_equal(info.nr_segments, ELF_MAX_SEGMENTS);
	assert_int_equal(info.segments[15].vaddr, 0x10f000);
	assert_int_equal(info.paddr_max, 0x110000);
}

/* A segment may end exactly at the file's end, and a .bss-only one has no bytes. */
static void test_segment_edges(void **state)
{
	header(true, 62, 0, 2);
	load(0, IMAGE_SIZE - 0x10, 0x100000, 0x10, 0x10);
	load(1, IMAGE_SIZE, 0x200000, 0, 0x1000);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_int_equal(info.nr_segments, 2);
}

static void test_addresses_up_to_the_top(void **state)
{
	/* 64-bit: ends one byte short of 2^64. */
	header(true, 62, 0, 1);
	load(0, DATA_OFF, 0xfffffffffffff000ull, 0x10, 0xfff);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_int_equal(info.paddr_max, UINT64_MAX);

	/* 32-bit: ends exactly at 4 GiB. */
	header(false, 62, 0, 1);
	load(0, DATA_OFF, 0xfffff000u, 0x10, 0x1000);
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_int_equal(info.paddr_max, 0x100000000ull);
}

static void test_why_may_be_null(void **state)
{
	valid_image(true, 62);
	assert_int_equal(elf_parse(image(IMAGE_SIZE), IMAGE_SIZE, &info, NULL), 0);
	w8(0, 0);
	assert_int_equal(elf_parse(image(IMAGE_SIZE), IMAGE_SIZE, &info, NULL), -ENOEXEC);
}

/* ---- elf_parse: rejections ---------------------------------------------- */

static void test_reject_tiny(void **state)
{
	valid_image(true, 62);
	assert_rejected(0, "image is smaller than an ELF header");
	assert_rejected(4, "image is smaller than an ELF header");
	assert_rejected(15, "image is smaller than an ELF header");
}

static void test_reject_truncated_header(void **state)
{
	valid_image(true, 62);
	assert_rejected(63, "image is smaller than an ELF header");
	valid_image(false, 62);
	assert_rejected(51, "image is smaller than an ELF header");
}

static void test_reject_null_image(void **state)
{
	assert_int_equal(elf_parse(NULL, 64, &info, &why), -ENOEXEC);
	assert_non_null(why);
}

static void test_reject_bad_magic(void **state)
{
	static const uint8_t good[4] = { 0x7f, 'E', 'L', 'F' };
	uint32_t i;

	for (i = 0; i < 4; i++) {
		valid_image(true, 62);
		w8(i, good[i] ^ 0x20);
		assert_rejected(IMAGE_SIZE, "bad magic");
	}
}

static void test_reject_class(void **state)
{
	valid_image(true, 62);
	w8(4, 0);
	assert_rejected(IMAGE_SIZE, "unknown ELF class");
	w8(4, 3);
	assert_rejected(IMAGE_SIZE, "unknown ELF class");
}

static void test_reject_big_endian(void **state)
{
	valid_image(true, 62);
	w8(5, 2);
	assert_rejected(IMAGE_SIZE, "not little endian");
}

static void test_reject_version(void **state)
{
	valid_image(true, 62);
	w8(6, 0);
	assert_rejected(IMAGE_SIZE, "unknown ELF version");
	w8(6, 2);
	assert_rejected(IMAGE_SIZE, "unknown ELF version");
}

static void test_reject_type(void **state)
{
	valid_image(true, 62);
	w16(16, 3); /* ET_DYN */
	assert_rejected(IMAGE_SIZE, "not an executable (e_type is not ET_EXEC)");
	w16(16, 1); /* ET_REL */
	assert_rejected(IMAGE_SIZE, "not an executable (e_type is not ET_EXEC)");
}

static void test_reject_machine(void **state)
{
	valid_image(true, 62);
	w16(18, 183); /* AArch64 */
	assert_rejected(IMAGE_SIZE, "machine is neither x86-64 nor i386");
	valid_image(false, 40); /* ARM */
	assert_rejected(IMAGE_SIZE, "machine is neither x86-64 nor i386");
}

static void test_reject_phentsize(void **state)
{
	valid_image(true, 62);
	w16(54, 32); /* the ELFCLASS32 size in an ELFCLASS64 file */
	assert_rejected(IMAGE_SIZE, "program header entry size does not match the ELF class");
	valid_image(false, 62);
	w16(42, 56);
	assert_rejected(IMAGE_SIZE, "program header entry size does not match the ELF class");
}

static void test_reject_phdr_table_outside(void **state)
{
	valid_image(true, 62);
	w64(32, IMAGE_SIZE + 8);
	assert_rejected(IMAGE_SIZE, "program header table runs past the end of the file");

	/* Starts inside, ends one byte past the end. */
	valid_image(true, 62);
	w64(32, IMAGE_SIZE - 2 * 56 + 1);
	assert_rejected(IMAGE_SIZE, "program header table runs past the end of the file");

	/* Too many entries for the file. */
	valid_image(false, 62);
	w16(44, 0xffff);
	assert_rejected(IMAGE_SIZE, "program header table runs past the end of the file");
}

static void test_reject_phdr_table_overflow(void **state)
{
	/* phoff + table size wraps around to a small number. */
	valid_image(true, 62);
	w64(32, UINT64_MAX - 8);
	assert_rejected(IMAGE_SIZE, "program header table runs past the end of the file");
}

static void test_reject_no_load(void **state)
{
	header(true, 62, 0, 0);
	assert_rejected(IMAGE_SIZE, "no PT_LOAD segment");
	header(true, 62, 0, 2);
	phdr(0, PT_NOTE, 4, NOTE_OFF, 0, 0, 0x10, 0x10, 4);
	phdr(1, PT_GNU_STACK, 6, 0, 0, 0, 0, 0, 16);
	assert_rejected(IMAGE_SIZE, "no PT_LOAD segment");
}

static void test_reject_too_many_segments(void **state)
{
	uint32_t i;

	header(true, 62, 0, ELF_MAX_SEGMENTS + 1);
	for (i = 0; i <= ELF_MAX_SEGMENTS; i++)
		load(i, DATA_OFF, 0x100000 + i * 0x1000, 0x10, 0x1000);
	assert_rejected(IMAGE_SIZE, "more PT_LOAD segments than ELF_MAX_SEGMENTS");
}

static void test_reject_segment_past_end(void **state)
{
	valid_image(true, 62);
	load(1, IMAGE_SIZE - 0x10, 0x200000, 0x11, 0x1000);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment runs past the end of the file");

	valid_image(false, 62);
	load(1, IMAGE_SIZE + 1, 0x200000, 0, 0x1000);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment runs past the end of the file");
}

static void test_reject_segment_size_overflow(void **state)
{
	/* offset + filesz wraps to 0x7f; memsz as large so only the file check fails. */
	valid_image(true, 62);
	load(1, 0x80, 0, UINT64_MAX, UINT64_MAX);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment runs past the end of the file");
}

static void test_reject_filesz_above_memsz(void **state)
{
	valid_image(true, 62);
	load(0, DATA_OFF, 0x100000, 0x100, 0xff);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment's file size exceeds its memory size");
	valid_image(false, 62);
	load(1, DATA_OFF, 0x100000, 0x100, 0);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment's file size exceeds its memory size");
}

static void test_reject_vaddr_wrap(void **state)
{
	valid_image(true, 62);
	phdr(1, PT_LOAD, 6, DATA_OFF, 0xfffffffffffff000ull, 0x200000, 0x10, 0x1000, 0x1000);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment's virtual addresses wrap around");

	valid_image(false, 62);
	phdr(1, PT_LOAD, 6, DATA_OFF, 0xfffff000u, 0x200000, 0x10, 0x1001, 0x1000);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment's virtual addresses wrap around");
}

static void test_reject_paddr_wrap(void **state)
{
	valid_image(true, 62);
	phdr(1, PT_LOAD, 6, DATA_OFF, 0x200000, 0xffffffffffff0000ull, 0x10, 0x20000, 0x1000);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment's physical addresses wrap around");

	valid_image(false, 3);
	phdr(0, PT_LOAD, 6, DATA_OFF, 0x200000, 0xffff0000u, 0x10, 0x20000, 0x1000);
	assert_rejected(IMAGE_SIZE, "a PT_LOAD segment's physical addresses wrap around");
}

/* Bytes past a 32-bit field must not leak into it: a 32-bit image is read as 32-bit. */
static void test_32_fields_are_32_bits(void **state)
{
	valid_image(false, 62);
	w32(28, PHOFF);
	w32(32, 0xffffffff); /* e_shoff, right after e_phoff */
	w32(PHOFF + 8, 0x100000);
	w32(PHOFF + 12, 0x100000); /* p_paddr, right after p_vaddr */
	assert_int_equal(parse(IMAGE_SIZE), 0);
	assert_int_equal(info.segments[0].vaddr, 0x100000);
	assert_int_equal(info.segments[0].paddr, 0x100000);
}

/* ---- elf_find_note ------------------------------------------------------ */

static const uint8_t hv_entry[8] = { 0x00, 0x10, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff };

static int find(uint64_t size, const char *name, uint32_t type, const void **desc,
		uint32_t *desc_size)
{
	return elf_find_note(image(size), size, name, type, desc, desc_size);
}

/* An image whose PT_NOTE holds a Xen note, a GNU note and the HVBOOT note. */
static uint32_t notes_image(bool class64)
{
	uint32_t end;

	valid_image(class64, 62);
	end = named_note(NOTE_OFF, "Xen", 6, 5, "xen-3");
	end = named_note(end, "GNU", 3, 20, "0123456789abcdefghij");
	end = named_note(end, "HVBOOT", 1, sizeof(hv_entry), hv_entry);
	w16(is64 ? 56 : 44, 3);
	phdr(2, PT_NOTE, 4, NOTE_OFF, 0, 0, end - NOTE_OFF, end - NOTE_OFF, 4);
	return end;
}

static void test_note_found_64(void **state)
{
	const void *desc = NULL;
	uint32_t desc_size = 0, end = notes_image(true);

	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), 0);
	assert_int_equal(desc_size, 8);
	/* The descriptor points into the caller's image, after "HVBOOT\0" and its pad. */
	assert_ptr_equal(desc, (const uint8_t *)block + end - 8);
	assert_memory_equal(desc, hv_entry, 8);

	assert_int_equal(find(IMAGE_SIZE, "GNU", 3, &desc, &desc_size), 0);
	assert_int_equal(desc_size, 20);
	assert_memory_equal(desc, "0123456789abcdefghij", 20);

	/* Odd descriptor size: the next note starts after the padding. */
	assert_int_equal(find(IMAGE_SIZE, "Xen", 6, &desc, &desc_size), 0);
	assert_int_equal(desc_size, 5);
	assert_memory_equal(desc, "xen-3", 5);
}

static void test_note_found_32(void **state)
{
	const void *desc = NULL;
	uint32_t desc_size = 0;

	notes_image(false);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), 0);
	assert_int_equal(desc_size, 8);
	assert_memory_equal(desc, hv_entry, 8);
}

static void test_note_absent(void **state)
{
	const void *desc = (const void *)1;
	uint32_t desc_size = 77;

	notes_image(true);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 2, &desc, &desc_size), -ENOENT);
	assert_int_equal(find(IMAGE_SIZE, "XEN", 6, &desc, &desc_size), -ENOENT);
	assert_int_equal(find(IMAGE_SIZE, "HVBOO", 1, &desc, &desc_size), -ENOENT);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOTX", 1, &desc, &desc_size), -ENOENT);
	assert_int_equal(find(IMAGE_SIZE, "", 1, &desc, &desc_size), -ENOENT);
	/* Nothing is written when the note is absent. */
	assert_ptr_equal(desc, (const void *)1);
	assert_int_equal(desc_size, 77);
}

static void test_note_no_notes_at_all(void **state)
{
	const void *desc;
	uint32_t desc_size;

	valid_image(true, 62);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOENT);
}

/* namesz counts the NUL: a name stored without it is a different name. */
static void test_note_name_needs_nul(void **state)
{
	const void *desc;
	uint32_t desc_size, end;

	valid_image(true, 62);
	end = note(NOTE_OFF, 6, "HVBOOT", 1, 8, hv_entry);
	w16(56, 3);
	phdr(2, PT_NOTE, 4, NOTE_OFF, 0, 0, end - NOTE_OFF, end - NOTE_OFF, 4);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOENT);

	/* Right length, but the last name byte is not a NUL. */
	note(NOTE_OFF, 7, "HVBOOTT", 1, 8, hv_entry);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOENT);
}

static void test_note_in_second_segment(void **state)
{
	const void *desc;
	uint32_t desc_size, end, second;

	valid_image(true, 62);
	end = named_note(NOTE_OFF, "GNU", 1, 4, "abcd");
	second = end + 0x20;
	end = named_note(second, "HVBOOT", 1, 8, hv_entry);
	w16(56, 4);
	phdr(2, PT_NOTE, 4, NOTE_OFF, 0, 0, 20, 20, 4);
	phdr(3, PT_NOTE, 4, second, 0, 0, end - second, end - second, 4);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), 0);
	assert_memory_equal(desc, hv_entry, 8);
}

/* The last descriptor may stop short of its padding at the end of the area. */
static void test_note_last_desc_unpadded(void **state)
{
	const void *desc;
	uint32_t desc_size;

	valid_image(true, 62);
	named_note(NOTE_OFF, "HVBOOT", 9, 5, "12345");
	w16(56, 3);
	phdr(2, PT_NOTE, 4, NOTE_OFF, 0, 0, 12 + 8 + 5, 12 + 8 + 5, 4);
	assert_int_equal(find(NOTE_OFF + 12 + 8 + 5, "HVBOOT", 9, &desc, &desc_size), 0);
	assert_int_equal(desc_size, 5);
	assert_memory_equal(desc, "12345", 5);
}

static void test_note_malformed_namesz(void **state)
{
	const void *desc;
	uint32_t desc_size;

	notes_image(true);
	w32(NOTE_OFF, 0xffffffff); /* the first note's namesz */
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
}

static void test_note_malformed_descsz(void **state)
{
	const void *desc;
	uint32_t desc_size, end = notes_image(true);

	/* The HVBOOT descriptor claims one byte more than the segment holds. */
	w32(end - 8 - 20 + 4, 9);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
	w32(end - 8 - 20 + 4, 0xfffffffc);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
}

static void test_note_segment_outside_file(void **state)
{
	const void *desc;
	uint32_t desc_size, end = notes_image(true);

	phdr(2, PT_NOTE, 4, NOTE_OFF, 0, 0, IMAGE_SIZE, IMAGE_SIZE, 4);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
	phdr(2, PT_NOTE, 4, UINT64_MAX - 4, 0, 0, end - NOTE_OFF, 0, 4);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
}

static void test_note_in_truncated_file(void **state)
{
	const void *desc;
	uint32_t desc_size, end = notes_image(true);

	/* The file stops inside the note area: reads must stop with it. */
	assert_int_equal(find(end - 1, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
}

static void test_note_short_tail_is_padding(void **state)
{
	const void *desc;
	uint32_t desc_size, end;

	valid_image(true, 62);
	end = named_note(NOTE_OFF, "GNU", 1, 4, "abcd");
	w16(56, 3);
	phdr(2, PT_NOTE, 4, NOTE_OFF, 0, 0, end - NOTE_OFF + 4, 0, 8);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOENT);
	assert_int_equal(find(IMAGE_SIZE, "GNU", 1, &desc, &desc_size), 0);
}

static void test_note_invalid_image(void **state)
{
	const void *desc;
	uint32_t desc_size;

	notes_image(true);
	w8(0, 0);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
	assert_int_equal(elf_find_note(NULL, 0, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
}

/* Without PT_NOTE, SHT_NOTE sections are searched. */
static void sections_image(bool class64)
{
	uint32_t end;

	valid_image(class64, 62);
	end = named_note(NOTE_OFF, "GNU", 3, 4, "abcd");
	named_note(end + 0x10, "HVBOOT", 1, 8, hv_entry);
	section_table(4);
	shdr(1, SHT_PROGBITS, DATA_OFF, 0x100);
	shdr(2, SHT_NOTE, NOTE_OFF, end - NOTE_OFF);
	shdr(3, SHT_NOTE, end + 0x10, 12 + 8 + 8);
}

static void test_note_in_sections_64(void **state)
{
	const void *desc;
	uint32_t desc_size;

	sections_image(true);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), 0);
	assert_int_equal(desc_size, 8);
	assert_memory_equal(desc, hv_entry, 8);
	assert_int_equal(find(IMAGE_SIZE, "GNU", 3, &desc, &desc_size), 0);
	assert_memory_equal(desc, "abcd", 4);
	assert_int_equal(find(IMAGE_SIZE, "Xen", 1, &desc, &desc_size), -ENOENT);
}

static void test_note_in_sections_32(void **state)
{
	const void *desc;
	uint32_t desc_size;

	sections_image(false);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), 0);
	assert_memory_equal(desc, hv_entry, 8);
}

/* PT_NOTE segments, when present, are the image's notes: sections are not read. */
static void test_sections_ignored_with_pt_note(void **state)
{
	const void *desc;
	uint32_t desc_size;

	sections_image(true);
	named_note(0x900, "Xen", 1, 4, "abcd");
	w16(56, 3);
	phdr(2, PT_NOTE, 4, 0x900, 0, 0, 12 + 4 + 4, 0, 4);
	assert_int_equal(find(IMAGE_SIZE, "Xen", 1, &desc, &desc_size), 0);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOENT);
}

static void test_sections_malformed(void **state)
{
	const void *desc;
	uint32_t desc_size;

	/* Table past the end of the file. */
	sections_image(true);
	section_table(40);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);

	/* Entry size of the other class. */
	sections_image(true);
	w16(58, 40);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);

	/* A note section running past the end of the file. */
	sections_image(false);
	shdr(2, SHT_NOTE, NOTE_OFF, IMAGE_SIZE);
	assert_int_equal(find(IMAGE_SIZE, "HVBOOT", 1, &desc, &desc_size), -ENOEXEC);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_64),
		T(test_valid_32_x86_64),
		T(test_valid_32_i386),
		T(test_valid_64_i386_machine),
		T(test_paddr_extent_unordered),
		T(test_max_segments),
		T(test_segment_edges),
		T(test_addresses_up_to_the_top),
		T(test_why_may_be_null),
		T(test_reject_tiny),
		T(test_reject_truncated_header),
		T(test_reject_null_image),
		T(test_reject_bad_magic),
		T(test_reject_class),
		T(test_reject_big_endian),
		T(test_reject_version),
		T(test_reject_type),
		T(test_reject_machine),
		T(test_reject_phentsize),
		T(test_reject_phdr_table_outside),
		T(test_reject_phdr_table_overflow),
		T(test_reject_no_load),
		T(test_reject_too_many_segments),
		T(test_reject_segment_past_end),
		T(test_reject_segment_size_overflow),
		T(test_reject_filesz_above_memsz),
		T(test_reject_vaddr_wrap),
		T(test_reject_paddr_wrap),
		T(test_32_fields_are_32_bits),
		T(test_note_found_64),
		T(test_note_found_32),
		T(test_note_absent),
		T(test_note_no_notes_at_all),
		T(test_note_name_needs_nul),
		T(test_note_in_second_segment),
		T(test_note_last_desc_unpadded),
		T(test_note_malformed_namesz),
		T(test_note_malformed_descsz),
		T(test_note_segment_outside_file),
		T(test_note_in_truncated_file),
		T(test_note_short_tail_is_padding),
		T(test_note_invalid_image),
		T(test_note_in_sections_64),
		T(test_note_in_sections_32),
		T(test_sections_ignored_with_pt_note),
		T(test_sections_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
