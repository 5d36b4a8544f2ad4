/*
 * ELF image checking (System V gABI, chapters 4 and 5). The image comes
 * from a file or a boot module and may be anything: every offset and count
 * is checked against the image size, in 64-bit arithmetic that cannot wrap,
 * before anything it points at is read. Fields are read byte by byte, so
 * the image needs no particular alignment.
 *
 * Also linked into the UEFI loader: only core/lib/string.h, no printk.
 */
#include "core/elf.h"
#include "core/errno.h"
#include "core/lib/string.h"

/* e_ident */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_NIDENT 16
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1

#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62

#define PT_LOAD 1
#define PT_NOTE 4
#define SHT_NOTE 7

/* Both header fields share these offsets in the two classes. */
#define E_TYPE 16
#define E_MACHINE 18

#define NOTE_HEADER_SIZE 12 /* u32 namesz, descsz, type */
#define NOTE_ALIGN 4

/*
 * Where each field sits in one class's headers, and how wide an address or
 * offset is: the rest of the file reads both classes through this table.
 */
struct elf_layout {
	uint32_t word; /* 4 or 8 bytes */
	uint32_t ehdr_size;
	uint32_t e_entry, e_phoff, e_shoff;
	uint32_t e_phentsize, e_phnum, e_shentsize, e_shnum;
	uint32_t phdr_size;
	uint32_t p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;
	uint32_t shdr_size;
	uint32_t sh_type, sh_offset, sh_size;
};

static const struct elf_layout elf32_layout = {
	.word = 4,
	.ehdr_size = 52,
	.e_entry = 24, .e_phoff = 28, .e_shoff = 32,
	.e_phentsize = 42, .e_phnum = 44, .e_shentsize = 46, .e_shnum = 48,
	.phdr_size = 32,
	.p_type = 0, .p_offset = 4, .p_vaddr = 8, .p_paddr = 12,
	.p_filesz = 16, .p_memsz = 20, .p_flags = 24,
	.shdr_size = 40,
	.sh_type = 4, .sh_offset = 16, .sh_size = 20,
};

static const struct elf_layout elf64_layout = {
	.word = 8,
	.ehdr_size = 64,
	.e_entry = 24, .e_phoff = 32, .e_shoff = 40,
	.e_phentsize = 54, .e_phnum = 56, .e_shentsize = 58, .e_shnum = 60,
	.phdr_size = 56,
	.p_type = 0, .p_flags = 4, .p_offset = 8, .p_vaddr = 16, .p_paddr = 24,
	.p_filesz = 32, .p_memsz = 40,
	.shdr_size = 64,
	.sh_type = 4, .sh_offset = 24, .sh_size = 32,
};

/* A checked image: its bytes, size, class and program header table. */
struct elf_image {
	const uint8_t *bytes;
	uint64_t size;
	const struct elf_layout *layout;
	uint64_t phoff;
	uint32_t phnum;
};

/* Little-endian reads of n bytes (n <= 8) at p. */
static uint64_t read_le(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static uint16_t read_u16(const uint8_t *p)
{
	return (uint16_t)read_le(p, 2);
}

static uint32_t read_u32(const uint8_t *p)
{
	return (uint32_t)read_le(p, 4);
}

/* An address or offset field: 4 bytes in ELFCLASS32, 8 in ELFCLASS64. */
static uint64_t read_word(const struct elf_image *img, const uint8_t *p)
{
	return read_le(p, img->layout->word);
}

/* True when [offset, offset + length) lies inside the image. */
static bool range_inside(uint64_t offset, uint64_t length, uint64_t size)
{
	return offset <= size && length <= size - offset;
}

/* True when the end of [start, start + length) is an address of the class. */
static bool addr_range_fits(const struct elf_image *img, uint64_t start, uint64_t length)
{
	/* ELFCLASS32 fields are below 2^32, so their sum cannot wrap 64 bits. */
	if (img->layout->word == 4)
		return start + length <= 1ull << 32;
	return length <= UINT64_MAX - start;
}

/*
 * Checks the ELF header and locates the program header table. Shared by
 * elf_parse and elf_find_note, so notes are only read from valid images.
 */
static int check_header(const void *image, uint64_t size, struct elf_image *img,
			const char **why)
{
	const uint8_t *b = image;
	const struct elf_layout *layout;
	uint16_t type, machine;
	uint64_t phentsize;

	if (!image || size < EI_NIDENT) {
		*why = "image is smaller than an ELF header";
		return -ENOEXEC;
	}
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F') {
		*why = "bad magic";
		return -ENOEXEC;
	}
	if (b[EI_CLASS] == ELFCLASS32) {
		layout = &elf32_layout;
	} else if (b[EI_CLASS] == ELFCLASS64) {
		layout = &elf64_layout;
	} else {
		*why = "unknown ELF class";
		return -ENOEXEC;
	}
	if (size < layout->ehdr_size) {
		*why = "image is smaller than an ELF header";
		return -ENOEXEC;
	}
	if (b[EI_DATA] != ELFDATA2LSB) {
		*why = "not little endian";
		return -ENOEXEC;
	}
	if (b[EI_VERSION] != EV_CURRENT) {
		*why = "unknown ELF version";
		return -ENOEXEC;
	}
	type = read_u16(b + E_TYPE);
	if (type != ET_EXEC) {
		*why = "not an executable (e_type is not ET_EXEC)";
		return -ENOEXEC;
	}
	machine = read_u16(b + E_MACHINE);
	if (machine != EM_X86_64 && machine != EM_386) {
		*why = "machine is neither x86-64 nor i386";
		return -ENOEXEC;
	}
	phentsize = read_u16(b + layout->e_phentsize);
	if (phentsize != layout->phdr_size) {
		*why = "program header entry size does not match the ELF class";
		return -ENOEXEC;
	}

	img->bytes = b;
	img->size = size;
	img->layout = layout;
	img->phoff = read_le(b + layout->e_phoff, layout->word);
	img->phnum = read_u16(b + layout->e_phnum);
	/* phnum * phentsize <= 65535 * 56: no overflow in 64 bits. */
	if (!range_inside(img->phoff, img->phnum * phentsize, size)) {
		*why = "program header table runs past the end of the file";
		return -ENOEXEC;
	}
	return 0;
}

static const uint8_t *program_header(const struct elf_image *img, uint32_t i)
{
	return img->bytes + img->phoff + (uint64_t)i * img->layout->phdr_size;
}

static void read_segment(const struct elf_image *img, const uint8_t *ph, struct elf_segment *seg)
{
	const struct elf_layout *l = img->layout;

	seg->offset = read_word(img, ph + l->p_offset);
	seg->vaddr = read_word(img, ph + l->p_vaddr);
	seg->paddr = read_word(img, ph + l->p_paddr);
	seg->filesz = read_word(img, ph + l->p_filesz);
	seg->memsz = read_word(img, ph + l->p_memsz);
	seg->flags = read_u32(ph + l->p_flags) & (ELF_PF_X | ELF_PF_W | ELF_PF_R);
}

static int check_segment(const struct elf_image *img, const struct elf_segment *seg,
			 const char **why)
{
	if (!range_inside(seg->offset, seg->filesz, img->size)) {
		*why = "a PT_LOAD segment runs past the end of the file";
		return -ENOEXEC;
	}
	if (seg->filesz > seg->memsz) {
		*why = "a PT_LOAD segment's file size exceeds its memory size";
		return -ENOEXEC;
	}
	if (!addr_range_fits(img, seg->vaddr, seg->memsz)) {
		*why = "a PT_LOAD segment's virtual addresses wrap around";
		return -ENOEXEC;
	}
	if (!addr_range_fits(img, seg->paddr, seg->memsz)) {
		*why = "a PT_LOAD segment's physical addresses wrap around";
		return -ENOEXEC;
	}
	return 0;
}

int elf_parse(const void *image, uint64_t size, struct elf_info *info, const char **why)
{
	const char *reason = NULL;
	struct elf_image img;
	struct elf_segment segs[ELF_MAX_SEGMENTS];
	uint32_t nr = 0, i;
	int rc;

	rc = check_header(image, size, &img, &reason);
	if (rc)
		goto out;

	for (i = 0; i < img.phnum; i++) {
		const uint8_t *ph = program_header(&img, i);

		if (read_u32(ph + img.layout->p_type) != PT_LOAD)
			continue;
		if (nr == ELF_MAX_SEGMENTS) {
			reason = "more PT_LOAD segments than ELF_MAX_SEGMENTS";
			rc = -ENOEXEC;
			goto out;
		}
		read_segment(&img, ph, &segs[nr]);
		rc = check_segment(&img, &segs[nr], &reason);
		if (rc)
			goto out;
		nr++;
	}
	if (nr == 0) {
		reason = "no PT_LOAD segment";
		rc = -ENOEXEC;
		goto out;
	}

	memset(info, 0, sizeof(*info));
	info->is64 = img.layout == &elf64_layout;
	info->machine = read_u16(img.bytes + E_MACHINE);
	info->entry = read_word(&img, img.bytes + img.layout->e_entry);
	info->nr_segments = nr;
	info->paddr_min = UINT64_MAX;
	for (i = 0; i < nr; i++) {
		info->segments[i] = segs[i];
		info->paddr_min = MIN(info->paddr_min, segs[i].paddr);
		info->paddr_max = MAX(info->paddr_max, segs[i].paddr + segs[i].memsz);
	}

out:
	if (why)
		*why = reason;
	return rc;
}

/*
 * Looks for the note in the note area [offset, offset + length) of the
 * image: entries of a 12-byte header, the name and the descriptor, each
 * padded to 4 bytes (gABI 5, "Note Section").
 */
static int find_note_in(const struct elf_image *img, uint64_t offset, uint64_t length,
			const char *name, uint32_t type, const void **desc, uint32_t *desc_size)
{
	uint64_t name_size = strlen(name) + 1;
	const uint8_t *p, *end;

	if (!range_inside(offset, length, img->size))
		return -ENOEXEC;
	p = img->bytes + offset;
	end = p + length;

	/* A tail shorter than a note header is padding up to the area's alignment. */
	while ((uint64_t)(end - p) >= NOTE_HEADER_SIZE) {
		uint64_t namesz = read_u32(p);
		uint64_t descsz = read_u32(p + 4);
		uint32_t note_type = read_u32(p + 8);
		uint64_t desc_off = NOTE_HEADER_SIZE + ALIGN_UP(namesz, NOTE_ALIGN);
		uint64_t left = (uint64_t)(end - p);

		/* The last descriptor's padding may be cut off by the area's end. */
		if (desc_off > left || descsz > left - desc_off)
			return -ENOEXEC;
		if (namesz == name_size && note_type == type &&
		    !memcmp(p + NOTE_HEADER_SIZE, name, name_size)) {
			*desc = p + desc_off;
			*desc_size = (uint32_t)descsz;
			return 0;
		}
		p += MIN(desc_off + ALIGN_UP(descsz, NOTE_ALIGN), left);
	}
	return -ENOENT;
}

static int find_note_in_sections(const struct elf_image *img, const char *name, uint32_t type,
				 const void **desc, uint32_t *desc_size)
{
	const struct elf_layout *l = img->layout;
	const uint8_t *b = img->bytes;
	uint64_t shoff = read_word(img, b + l->e_shoff);
	uint64_t shentsize = read_u16(b + l->e_shentsize);
	uint64_t shnum = read_u16(b + l->e_shnum);
	uint64_t i;
	int rc;

	/* No table; shnum 0 with shoff set (over 65279 sections) is not used here. */
	if (shoff == 0 || shnum == 0)
		return -ENOENT;
	if (shentsize != l->shdr_size || !range_inside(shoff, shnum * shentsize, img->size))
		return -ENOEXEC;

	for (i = 0; i < shnum; i++) {
		const uint8_t *sh = b + shoff + i * shentsize;

		if (read_u32(sh + l->sh_type) != SHT_NOTE)
			continue;
		rc = find_note_in(img, read_word(img, sh + l->sh_offset),
				  read_word(img, sh + l->sh_size), name, type, desc, desc_size);
		if (rc != -ENOENT)
			return rc;
	}
	return -ENOENT;
}

int elf_find_note(const void *image, uint64_t size, const char *name, uint32_t type,
		  const void **desc, uint32_t *desc_size)
{
	const struct elf_layout *l;
	struct elf_image img;
	const char *why;
	bool have_pt_note = false;
	uint32_t i;
	int rc;

	rc = check_header(image, size, &img, &why);
	if (rc)
		return rc;
	l = img.layout;

	for (i = 0; i < img.phnum; i++) {
		const uint8_t *ph = program_header(&img, i);

		if (read_u32(ph + l->p_type) != PT_NOTE)
			continue;
		have_pt_note = true;
		rc = find_note_in(&img, read_word(&img, ph + l->p_offset),
				  read_word(&img, ph + l->p_filesz), name, type, desc, desc_size);
		if (rc != -ENOENT)
			return rc;
	}
	if (have_pt_note)
		return -ENOENT;
	return find_note_in_sections(&img, name, type, desc, desc_size);
}
