/*
 * Multiboot2 boot information (GRUB) into the one boot_info structure.
 *
 * The information is the loader's and may be wrong: every tag is checked
 * against the total size and its own type's fixed part before a field of it
 * is read, and every value copied out must fit its boot_info field whole.
 */
#include "boot/multiboot2.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

/* Multiboot2 specification, section 3.6: boot information format. */
#define MB2_INFO_HEADER_SIZE 8
#define MB2_INFO_MIN_SIZE 16 /* header plus the end tag */
#define MB2_INFO_MAX_SIZE (1024 * 1024)
#define MB2_TAG_ALIGN 8
#define MB2_TAG_HEADER_SIZE 8

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_BOOTDEV 5
#define MB2_TAG_MMAP 6
#define MB2_TAG_VBE 7
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ELF_SECTIONS 9
#define MB2_TAG_APM 10
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_SMBIOS 13
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_NETWORK 16
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_EFI32_IH 19
#define MB2_TAG_EFI64_IH 20
#define MB2_TAG_LOAD_BASE_ADDR 21
#define MB2_TAG_NR_KNOWN 22

/* Field offsets inside the tags this parser reads. */
#define MB2_STRING_OFFSET 8 /* command line, boot loader name */
#define MB2_MODULE_START 8
#define MB2_MODULE_END 12
#define MB2_MODULE_STRING 16
#define MB2_MMAP_ENTRY_SIZE 8
#define MB2_MMAP_ENTRIES 16
#define MB2_MMAP_ENTRY_MIN 24 /* u64 base, u64 length, u32 type, u32 reserved */
#define MB2_FB_ADDR 8
#define MB2_FB_PITCH 16
#define MB2_FB_WIDTH 20
#define MB2_FB_HEIGHT 24
#define MB2_FB_BPP 28
#define MB2_FB_TYPE 29
#define MB2_FB_COMMON_SIZE 32
#define MB2_FB_RGB_SIZE 38 /* the common part plus six colour field bytes */
#define MB2_FB_TYPE_RGB 1
#define MB2_RSDP_OFFSET 8
#define MB2_RSDP_V1_SIZE 20
#define MB2_RSDP_V2_SIZE 36

STATIC_ASSERT(MB2_RSDP_V2_SIZE <= BOOT_RSDP_MAX);

static const char *const tag_names[MB2_TAG_NR_KNOWN] = {
	[MB2_TAG_END] = "end",
	[MB2_TAG_CMDLINE] = "command line",
	[MB2_TAG_LOADER_NAME] = "boot loader name",
	[MB2_TAG_MODULE] = "module",
	[MB2_TAG_BASIC_MEMINFO] = "basic memory information",
	[MB2_TAG_BOOTDEV] = "boot device",
	[MB2_TAG_MMAP] = "memory map",
	[MB2_TAG_VBE] = "VBE information",
	[MB2_TAG_FRAMEBUFFER] = "framebuffer",
	[MB2_TAG_ELF_SECTIONS] = "ELF sections",
	[MB2_TAG_APM] = "APM table",
	[MB2_TAG_EFI32] = "EFI 32-bit system table",
	[MB2_TAG_EFI64] = "EFI 64-bit system table",
	[MB2_TAG_SMBIOS] = "SMBIOS tables",
	[MB2_TAG_ACPI_OLD] = "ACPI old RSDP",
	[MB2_TAG_ACPI_NEW] = "ACPI new RSDP",
	[MB2_TAG_NETWORK] = "networking information",
	[MB2_TAG_EFI_MMAP] = "EFI memory map",
	[MB2_TAG_EFI_BS] = "EFI boot services not terminated",
	[MB2_TAG_EFI32_IH] = "EFI 32-bit image handle",
	[MB2_TAG_EFI64_IH] = "EFI 64-bit image handle",
	[MB2_TAG_LOAD_BASE_ADDR] = "image load base address",
};

/* The smallest size a tag of each type can have: its header and fixed fields. */
static const uint32_t tag_fixed_sizes[MB2_TAG_NR_KNOWN] = {
	[MB2_TAG_END] = MB2_TAG_HEADER_SIZE,
	[MB2_TAG_CMDLINE] = MB2_STRING_OFFSET,
	[MB2_TAG_LOADER_NAME] = MB2_STRING_OFFSET,
	[MB2_TAG_MODULE] = MB2_MODULE_STRING,
	[MB2_TAG_MMAP] = MB2_MMAP_ENTRIES,
	[MB2_TAG_FRAMEBUFFER] = MB2_FB_COMMON_SIZE,
	[MB2_TAG_ACPI_OLD] = MB2_RSDP_OFFSET + MB2_RSDP_V1_SIZE,
	[MB2_TAG_ACPI_NEW] = MB2_RSDP_OFFSET + MB2_RSDP_V2_SIZE,
};

/* One pass over the tags: where we are and what was seen so far. */
struct mb2_parser {
	const uint8_t *info;
	uint32_t total_size;
	struct boot_info *bi;
	char *err;
	size_t errlen;
	/* The tag being parsed, for error messages. */
	uint32_t type;
	uint32_t offset;
	uint32_t seen; /* bit per singleton tag type already parsed */
	bool have_mmap;
	bool have_acpi_new;
};

static uint32_t read_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t read_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static const char *tag_name(uint32_t type)
{
	if (type < MB2_TAG_NR_KNOWN && tag_names[type])
		return tag_names[type];
	return "unknown";
}

/* Formats "tag T (name) at offset O: <reason>" into the caller's buffer. */
__printf(2, 3) static int tag_error(struct mb2_parser *p, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "tag %u (%s) at offset %u: %s", p->type,
			 tag_name(p->type), p->offset, reason);
	return -EINVAL;
}

__printf(2, 3) static int info_error(struct mb2_parser *p, const char *fmt, ...)
{
	if (p->err && p->errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Returns the string at offset field of a tag of the given size, or NULL when
 * it is not NUL-terminated inside the tag.
 */
static const char *tag_string(const uint8_t *tag, uint32_t size, uint32_t field)
{
	const char *s = (const char *)tag + field;

	if (strnlen(s, size - field) == size - field)
		return NULL;
	return s;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int parse_cmdline(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
	const char *s = tag_string(tag, size, MB2_STRING_OFFSET);
	size_t len;

	if (!s)
		return tag_error(p, "string is not NUL-terminated inside the tag");
	len = strlen(s);
	/* A clipped option would silently change the configuration. */
	if (len >= sizeof(p->bi->cmdline))
		return tag_error(p, "command line is %zu bytes, longer than the %zu allowed",
				 len, sizeof(p->bi->cmdline) - 1);
	memcpy(p->bi->cmdline, s, len + 1);
	return 0;
}

static int parse_loader_name(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
	const char *s = tag_string(tag, size, MB2_STRING_OFFSET);
	size_t len;

	if (!s)
		return tag_error(p, "string is not NUL-terminated inside the tag");
	/* The name is only ever logged, so a long one is shortened, not refused. */
	len = MIN(strlen(s), sizeof(p->bi->loader_name) - 1);
	memcpy(p->bi->loader_name, s, len);
	p->bi->loader_name[len] = '\0';
	return 0;
}

/* A module's string is "NAME [ARGS...]": the first word names it. */
static int parse_module(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
	struct boot_info *bi = p->bi;
	uint32_t start = read_u32(tag + MB2_MODULE_START);
	uint32_t end = read_u32(tag + MB2_MODULE_END);
	const char *s = tag_string(tag, size, MB2_MODULE_STRING);
	char name[BOOT_MODULE_NAME_MAX];
	struct boot_module *mod;
	size_t name_len, args_len;
	uint32_t index = bi->nr_modules, i;
	const char *args;

	if (!s)
		return tag_error(p, "string is not NUL-terminated inside the tag");
	if (index >= BOOT_MAX_MODULES)
		return tag_error(p, "more than %u modules", BOOT_MAX_MODULES);
	if (end < start)
		return tag_error(p, "module %u ends (0x%x) before it starts (0x%x)", index, end,
				 start);
	/* GRUB places modules on page boundaries; boot_module promises it. */
	if (!IS_ALIGNED(start, PAGE_SIZE))
		return tag_error(p, "module %u at 0x%x is not page aligned", index, start);

	while (is_blank(*s))
		s++;
	name_len = 0;
	while (s[name_len] && !is_blank(s[name_len]))
		name_len++;
	if (name_len == 0)
		return tag_error(p, "module %u has no name (its command line is empty)", index);
	if (name_len >= sizeof(name))
		return tag_error(p, "module %u name is %zu characters, longer than the %zu allowed",
				 index, name_len, sizeof(name) - 1);
	memcpy(name, s, name_len);
	name[name_len] = '\0';

	args = s + name_len;
	while (is_blank(*args))
		args++;
	args_len = strlen(args);
	if (args_len >= BOOT_MODULE_CMDLINE_MAX)
		return tag_error(p, "module %u ('%s') command line is %zu bytes, longer than the "
				 "%u allowed", index, name, args_len, BOOT_MODULE_CMDLINE_MAX - 1);
	for (i = 0; i < index; i++) {
		if (!strcmp(bi->modules[i].name, name))
			return tag_error(p, "modules %u and %u are both named '%s'", i, index,
					 name);
	}

	mod = &bi->modules[index];
	mod->base = start;
	mod->size = end - start;
	memcpy(mod->name, name, name_len + 1);
	memcpy(mod->cmdline, args, args_len + 1);
	bi->nr_modules = index + 1;
	return 0;
}

static uint32_t memory_type(uint32_t mb2_type)
{
	/* Multiboot2 types 1-5 are the E820 ones, which boot_mem_type shares. */
	if (mb2_type >= BOOT_MEM_AVAILABLE && mb2_type <= BOOT_MEM_BAD)
		return mb2_type;
	return BOOT_MEM_RESERVED;
}

static int parse_mmap(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
	struct boot_info *bi = p->bi;
	uint32_t entry_size = read_u32(tag + MB2_MMAP_ENTRY_SIZE);
	uint32_t bytes = size - MB2_MMAP_ENTRIES;
	uint32_t count, i;

	if (entry_size < MB2_MMAP_ENTRY_MIN)
		return tag_error(p, "entry size %u is smaller than %u", entry_size,
				 MB2_MMAP_ENTRY_MIN);
	if (bytes % entry_size)
		return tag_error(p, "size %u is not a whole number of %u-byte entries", size,
				 entry_size);
	count = bytes / entry_size;
	if (count > BOOT_MAX_MEMMAP)
		return tag_error(p, "%u entries, more than the %u supported", count,
				 BOOT_MAX_MEMMAP);

	for (i = 0; i < count; i++) {
		const uint8_t *entry = tag + MB2_MMAP_ENTRIES + i * entry_size;
		struct boot_mem_region *region = &bi->memmap[i];

		region->base = read_u64(entry);
		region->length = read_u64(entry + 8);
		region->type = memory_type(read_u32(entry + 16));
		region->pad = 0;
	}
	bi->nr_memmap = count;
	p->have_mmap = true;
	return 0;
}

/* Only a direct-colour (RGB) framebuffer is usable for a boot console. */
static int parse_framebuffer(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
	struct boot_framebuffer *fb = &p->bi->framebuffer;

	if (tag[MB2_FB_TYPE] != MB2_FB_TYPE_RGB)
		return 0;
	if (size < MB2_FB_RGB_SIZE)
		return tag_error(p, "size %u is too small for an RGB framebuffer (%u)", size,
				 MB2_FB_RGB_SIZE);
	fb->base = read_u64(tag + MB2_FB_ADDR);
	fb->pitch = read_u32(tag + MB2_FB_PITCH);
	fb->width = read_u32(tag + MB2_FB_WIDTH);
	fb->height = read_u32(tag + MB2_FB_HEIGHT);
	fb->bpp = tag[MB2_FB_BPP];
	return 0;
}

/* Tag 15 carries the ACPI 2.0+ RSDP (XSDT address): it wins over tag 14. */
static int parse_acpi(struct mb2_parser *p, const uint8_t *tag, uint32_t length)
{
	struct boot_info *bi = p->bi;

	if (p->type == MB2_TAG_ACPI_OLD && p->have_acpi_new)
		return 0;
	memcpy(bi->rsdp, tag + MB2_RSDP_OFFSET, length);
	bi->rsdp_length = length;
	if (p->type == MB2_TAG_ACPI_NEW)
		p->have_acpi_new = true;
	return 0;
}

static bool is_singleton(uint32_t type)
{
	return type == MB2_TAG_CMDLINE || type == MB2_TAG_LOADER_NAME ||
	       type == MB2_TAG_MMAP || type == MB2_TAG_FRAMEBUFFER ||
	       type == MB2_TAG_ACPI_OLD || type == MB2_TAG_ACPI_NEW;
}

static int parse_tag(struct mb2_parser *p, const uint8_t *tag, uint32_t size)
{
	if (is_singleton(p->type)) {
		/* Two of a kind leave no way to tell which one the loader meant. */
		if (p->seen & (1u << p->type))
			return tag_error(p, "a second tag of this type");
		p->seen |= 1u << p->type;
	}

	switch (p->type) {
	case MB2_TAG_CMDLINE:
		return parse_cmdline(p, tag, size);
	case MB2_TAG_LOADER_NAME:
		return parse_loader_name(p, tag, size);
	case MB2_TAG_MODULE:
		return parse_module(p, tag, size);
	case MB2_TAG_MMAP:
		return parse_mmap(p, tag, size);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(p, tag, size);
	case MB2_TAG_ACPI_OLD:
		return parse_acpi(p, tag, MB2_RSDP_V1_SIZE);
	case MB2_TAG_ACPI_NEW:
		return parse_acpi(p, tag, MB2_RSDP_V2_SIZE);
	default:
		/* Information this hypervisor has no use for, known or not. */
		return 0;
	}
}

static int parse_tags(struct mb2_parser *p)
{
	uint32_t offset = MB2_INFO_HEADER_SIZE;

	for (;;) {
		const uint8_t *tag = p->info + offset;
		uint32_t size, fixed;
		int rc;

		p->type = 0;
		p->offset = offset;
		if (p->total_size - offset < MB2_TAG_HEADER_SIZE)
			return info_error(p, "no end tag before offset %u, the end of the "
					  "information", p->total_size);
		p->type = read_u32(tag);
		size = read_u32(tag + 4);
		fixed = p->type < MB2_TAG_NR_KNOWN ? tag_fixed_sizes[p->type] : 0;
		if (fixed < MB2_TAG_HEADER_SIZE)
			fixed = MB2_TAG_HEADER_SIZE;

		if (size > p->total_size - offset)
			return tag_error(p, "size %u runs past the end of the information "
					 "(total %u)", size, p->total_size);
		if (size < fixed)
			return tag_error(p, "size %u is smaller than the %u this type needs", size,
					 fixed);
		if (p->type == MB2_TAG_END) {
			if (size != MB2_TAG_HEADER_SIZE)
				return tag_error(p, "size %u, an end tag is %u bytes", size,
						 MB2_TAG_HEADER_SIZE);
			return 0;
		}

		rc = parse_tag(p, tag, size);
		if (rc)
			return rc;
		/* Cannot overflow: size <= total_size <= 1 MiB. */
		offset += ALIGN_UP(size, MB2_TAG_ALIGN);
		if (offset > p->total_size)
			offset = p->total_size;
	}
}

int multiboot2_parse(const void *mbi, struct boot_info *bi, char *err, size_t errlen)
{
	struct mb2_parser p = {
		.info = mbi,
		.bi = bi,
		.err = err,
		.errlen = errlen,
	};
	int rc;

	memset(bi, 0, sizeof(*bi));
	if (err && errlen)
		err[0] = '\0';

	if (!IS_ALIGNED((uintptr_t)mbi, MB2_TAG_ALIGN)) {
		rc = info_error(&p, "the information at %p is not 8-byte aligned", mbi);
		goto out;
	}
	p.total_size = read_u32(p.info);
	if (p.total_size < MB2_INFO_MIN_SIZE || p.total_size > MB2_INFO_MAX_SIZE) {
		rc = info_error(&p, "total size %u is outside [%u, %u]", p.total_size,
				MB2_INFO_MIN_SIZE, MB2_INFO_MAX_SIZE);
		goto out;
	}

	rc = parse_tags(&p);
	if (rc)
		goto out;
	if (!p.have_mmap) {
		rc = info_error(&p, "no memory map tag");
		goto out;
	}

	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	return 0;

out:
	/* A half-filled structure must not be mistaken for a parsed one. */
	memset(bi, 0, sizeof(*bi));
	return rc;
}
