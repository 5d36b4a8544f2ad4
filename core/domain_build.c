/*
 * The PVH domain builder (see domain_build.h).
 *
 * Validate, then act: the ELF image, the entry note, every segment and the
 * place of every object given to the guest are checked and decided before
 * the first byte of guest memory is written, so a refused kernel leaves the
 * domain's memory as it was.
 *
 * Guest-physical layout, for a kernel loaded at [kernel_start, kernel_end):
 *
 *   0x0000      page 0, left untouched for the guest (XTF unmaps it)
 *   ...         kernel segments, from their ELF p_paddr
 *   kernel_end  initrd (module 0), page aligned
 *               one block: hvm_start_info, memory map, module list, command lines
 *
 * Objects go first fit above the kernel, then, when that is full, upwards
 * from 0x1000 below the kernel; all of it stays below 1 GiB because Linux's
 * early page tables map only the first GiB.
 */
#include <stdarg.h>

#include "core/arch.h"
#include "core/console.h"
#include "core/domain_build.h"
#include "core/elf.h"
#include "core/errno.h"
#include "core/guest_memory.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"
#include "core/mm.h"
#include "core/public/hvm_start_info.h"

#define PLACEMENT_LIMIT (1UL * GiB)
#define START_INFO_VERSION 1

/*
 * The guest's memory map has one RAM entry for all of [0, memory). A PVH
 * guest has no legacy VGA window or BIOS ROM, and Linux reserves
 * 0xA0000-0x100000 by itself whatever the map says.
 */
#define MEMMAP_ENTRIES 1

/* Where each part of the start-info block sits, relative to its start. */
struct info_layout {
	uint64_t memmap;
	uint64_t modlist;
	uint64_t cmdline;
	uint64_t initrd_cmdline; /* 0: the initrd has no command line */
	uint64_t size;
};

/* A free range [next, end) of guest-physical memory, filled from the bottom. */
struct free_area {
	uint64_t next;
	uint64_t end;
};

struct build {
	struct domain *d;
	const struct boot_module *kernel;
	const struct boot_module *initrd;
	char *err;
	size_t errlen;
	/* NUL-terminated copies: the boot module fields need not be. */
	char kernel_name[BOOT_MODULE_NAME_MAX + 1];
	char initrd_name[BOOT_MODULE_NAME_MAX + 1];
	size_t cmdline_len;
	size_t initrd_cmdline_len;

	const uint8_t *image;
	struct elf_info elf;
	uint32_t entry;
	uint64_t kernel_start;
	uint64_t kernel_end;

	struct free_area above; /* between the kernel and the placement limit */
	struct free_area below; /* between page 0 and the kernel */
	uint64_t initrd_gpa;
	struct info_layout info;
	uint64_t info_gpa;
};

/* Formats "domain 'name': <reason>" into the caller's buffer. */
static __printf(2, 3) void build_error(struct build *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->errlen == 0)
		return;
	n = snprintf(b->err, b->errlen, "domain '%.*s': ", (int)sizeof(b->d->name), b->d->name);
	if (n < 0 || (size_t)n >= b->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void copy_name(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static uint64_t read_le(const uint8_t *p, uint32_t size)
{
	uint64_t value = 0;

	while (size-- > 0)
		value = (value << 8) | p[size];
	return value;
}

static int parse_kernel(struct build *b)
{
	const char *why = NULL;
	const void *desc;
	uint32_t desc_size;
	uint64_t entry;
	int rc;

	b->image = phys_to_virt(b->kernel->base);
	rc = elf_parse(b->image, b->kernel->size, &b->elf, &why);
	if (rc) {
		build_error(b, "kernel '%s' is not a usable ELF image: %s", b->kernel_name, why);
		return -ENOEXEC;
	}

	rc = elf_find_note(b->image, b->kernel->size, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &desc,
			   &desc_size);
	if (rc == -ENOENT) {
		build_error(b, "kernel '%s' has no XEN_ELFNOTE_PHYS32_ENTRY note "
			       "(not a PVH kernel)", b->kernel_name);
		return -ENOEXEC;
	}
	if (rc) {
		build_error(b, "kernel '%s' has a malformed ELF note", b->kernel_name);
		return -ENOEXEC;
	}
	if (desc_size != 4 && desc_size != 8) {
		build_error(b, "kernel '%s': XEN_ELFNOTE_PHYS32_ENTRY has %u bytes, not 4 or 8",
			    b->kernel_name, desc_size);
		return -ENOEXEC;
	}
	entry = read_le(desc, desc_size);
	if (entry > UINT32_MAX) {
		build_error(b, "kernel '%s': PVH entry point 0x%llx is above 4 GiB", b->kernel_name,
			    (unsigned long long)entry);
		return -ENOEXEC;
	}
	b->entry = (uint32_t)entry;
	return 0;
}

static bool ranges_overlap(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end)
{
	return a_start < b_end && b_start < a_end;
}

/*
 * Every non-empty PT_LOAD must lie in guest RAM above page 0 without
 * overlapping another, and the entry point must be in an executable one.
 * Segments are placed by p_paddr: PVH starts with paging off.
 */
static int check_segments(struct build *b)
{
	uint64_t memory = b->d->memory_bytes;
	bool entry_found = false;

	b->kernel_start = UINT64_MAX;
	b->kernel_end = 0;
	for (uint32_t i = 0; i < b->elf.nr_segments; i++) {
		const struct elf_segment *s = &b->elf.segments[i];
		/* elf_parse() has refused segments whose addresses wrap. */
		uint64_t end = s->paddr + s->memsz;

		if (s->memsz == 0)
			continue;
		if (s->memsz > memory || s->paddr > memory - s->memsz) {
			build_error(b, "kernel '%s' segment %u [0x%llx-0x%llx) does not fit in "
				       "%llu MiB of guest memory",
				    b->kernel_name, i, (unsigned long long)s->paddr,
				    (unsigned long long)end, (unsigned long long)(memory / MiB));
			return -ENOMEM;
		}
		if (s->paddr < PAGE_SIZE) {
			build_error(b, "kernel '%s' segment %u [0x%llx-0x%llx) overlaps guest "
				       "page 0, which is left to the guest",
				    b->kernel_name, i, (unsigned long long)s->paddr,
				    (unsigned long long)end);
			return -ENOEXEC;
		}
		for (uint32_t j = 0; j < i; j++) {
			const struct elf_segment *o = &b->elf.segments[j];

			if (o->memsz == 0 ||
			    !ranges_overlap(s->paddr, end, o->paddr, o->paddr + o->memsz))
				continue;
			build_error(b, "kernel '%s' segments %u [0x%llx-0x%llx) and "
				       "%u [0x%llx-0x%llx) overlap",
				    b->kernel_name, j, (unsigned long long)o->paddr,
				    (unsigned long long)(o->paddr + o->memsz), i,
				    (unsigned long long)s->paddr, (unsigned long long)end);
			return -ENOEXEC;
		}
		if ((s->flags & ELF_PF_X) && b->entry >= s->paddr && b->entry < end)
			entry_found = true;
		b->kernel_start = MIN(b->kernel_start, s->paddr);
		b->kernel_end = MAX(b->kernel_end, end);
	}
	if (!entry_found) {
		build_error(b, "kernel '%s': PVH entry point 0x%x is not inside an "
			       "executable segment", b->kernel_name, b->entry);
		return -ENOEXEC;
	}
	return 0;
}

/* First fit of size bytes, page aligned: above the kernel, else below it. */
static int place(struct build *b, uint64_t size, uint64_t *gpa)
{
	struct free_area *areas[] = { &b->above, &b->below };
	uint64_t pages;

	if (size > PLACEMENT_LIMIT)
		return -ENOMEM;
	pages = ALIGN_UP(size, PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(areas); i++) {
		struct free_area *a = areas[i];

		if (a->next < a->end && pages <= a->end - a->next) {
			*gpa = a->next;
			a->next += pages;
			return 0;
		}
	}
	return -ENOMEM;
}

/* The start-info block: start_info, memory map, module list, then the command lines. */
static void layout_info(struct build *b)
{
	struct info_layout *l = &b->info;
	uint64_t nr_modules = b->initrd ? 1 : 0;

	l->memmap = sizeof(struct hvm_start_info);
	l->modlist = l->memmap + MEMMAP_ENTRIES * sizeof(struct hvm_memmap_table_entry);
	l->cmdline = l->modlist + nr_modules * sizeof(struct hvm_modlist_entry);
	l->size = l->cmdline + b->cmdline_len + 1;
	l->initrd_cmdline = 0;
	if (b->initrd && b->initrd_cmdline_len > 0) {
		l->initrd_cmdline = l->size;
		l->size += b->initrd_cmdline_len + 1;
	}
}

static int place_objects(struct build *b)
{
	uint64_t limit = MIN(b->d->memory_bytes, PLACEMENT_LIMIT);

	b->above.next = ALIGN_UP(b->kernel_end, PAGE_SIZE);
	b->above.end = limit;
	b->below.next = PAGE_SIZE;
	b->below.end = MIN(ALIGN_DOWN(b->kernel_start, PAGE_SIZE), limit);

	if (b->initrd && place(b, b->initrd->size, &b->initrd_gpa)) {
		build_error(b, "no room below 1 GiB outside kernel '%s' for initrd '%s' "
			       "(%llu bytes) in %llu MiB of guest memory",
			    b->kernel_name, b->initrd_name, (unsigned long long)b->initrd->size,
			    (unsigned long long)(b->d->memory_bytes / MiB));
		return -ENOMEM;
	}
	layout_info(b);
	if (place(b, b->info.size, &b->info_gpa)) {
		build_error(b, "no room below 1 GiB outside kernel '%s' for the PVH start info",
			    b->kernel_name);
		return -ENOMEM;
	}
	return 0;
}

static int load_segments(struct build *b)
{
	for (uint32_t i = 0; i < b->elf.nr_segments; i++) {
		const struct elf_segment *s = &b->elf.segments[i];
		int rc;

		if (s->memsz == 0)
			continue;
		rc = guest_phys_write(b->d, s->paddr, b->image + s->offset, s->filesz);
		/* Zero the BSS explicitly: fresh guest memory is zero, but do not rely on it. */
		if (!rc)
			rc = guest_phys_zero(b->d, s->paddr + s->filesz, s->memsz - s->filesz);
		if (rc)
			return rc;
	}
	return 0;
}

static int write_start_info(struct build *b)
{
	const struct info_layout *l = &b->info;
	uint64_t base = b->info_gpa;
	struct hvm_start_info info = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = START_INFO_VERSION,
		.flags = 0,
		.nr_modules = b->initrd ? 1 : 0,
		.modlist_paddr = b->initrd ? base + l->modlist : 0,
		.cmdline_paddr = base + l->cmdline,
		.rsdp_paddr = 0,
		.memmap_paddr = base + l->memmap,
		.memmap_entries = MEMMAP_ENTRIES,
	};
	struct hvm_memmap_table_entry ram = {
		.addr = 0,
		.size = b->d->memory_bytes,
		.type = XEN_HVM_MEMMAP_TYPE_RAM,
	};
	int rc;

	/* Padding and string terminators come from zeroing the whole block first. */
	rc = guest_phys_zero(b->d, base, ALIGN_UP(l->size, PAGE_SIZE));
	if (!rc)
		rc = guest_phys_write(b->d, base, &info, sizeof(info));
	if (!rc)
		rc = guest_phys_write(b->d, base + l->memmap, &ram, sizeof(ram));
	if (!rc)
		rc = guest_phys_write(b->d, base + l->cmdline, b->kernel->cmdline, b->cmdline_len);
	if (!rc && b->initrd) {
		struct hvm_modlist_entry module = {
			.paddr = b->initrd_gpa,
			.size = b->initrd->size,
			.cmdline_paddr = l->initrd_cmdline ? base + l->initrd_cmdline : 0,
		};

		rc = guest_phys_write(b->d, base + l->modlist, &module, sizeof(module));
		if (!rc && l->initrd_cmdline)
			rc = guest_phys_write(b->d, base + l->initrd_cmdline, b->initrd->cmdline,
					      b->initrd_cmdline_len);
	}
	return rc;
}

static int load(struct build *b)
{
	int rc;

	rc = load_segments(b);
	if (!rc && b->initrd)
		rc = guest_phys_write(b->d, b->initrd_gpa, phys_to_virt(b->initrd->base),
				      b->initrd->size);
	if (!rc)
		rc = write_start_info(b);
	/* Every range was checked against the memory size: this is a broken invariant. */
	if (rc)
		build_error(b, "writing guest memory failed (%d)", rc);
	return rc;
}

static int check_arguments(struct build *b)
{
	struct domain *d = b->d;

	if (!d->chunks || d->memory_bytes == 0) {
		build_error(b, "no guest memory allocated");
		return -EINVAL;
	}
	if (!d->vcpus[0]) {
		build_error(b, "no vCPU 0 to start");
		return -EINVAL;
	}
	if (b->initrd && b->initrd->size == 0) {
		build_error(b, "initrd '%s' is empty", b->initrd_name);
		return -EINVAL;
	}
	return 0;
}

int domain_build(struct domain *d, const struct boot_module *kernel,
		 const struct boot_module *initrd, char *err, size_t errlen)
{
	struct build b = {
		.d = d,
		.kernel = kernel,
		.initrd = initrd,
		.err = err,
		.errlen = errlen,
	};
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	copy_name(b.kernel_name, kernel->name, sizeof(kernel->name));
	b.cmdline_len = strnlen(kernel->cmdline, sizeof(kernel->cmdline));
	if (initrd) {
		copy_name(b.initrd_name, initrd->name, sizeof(initrd->name));
		b.initrd_cmdline_len = strnlen(initrd->cmdline, sizeof(initrd->cmdline));
	}

	rc = check_arguments(&b);
	if (!rc)
		rc = parse_kernel(&b);
	if (!rc)
		rc = check_segments(&b);
	if (!rc)
		rc = place_objects(&b);
	if (rc)
		return rc;

	rc = load(&b);
	if (rc)
		return rc;
	arch_vcpu_set_pvh_entry(d->vcpus[0], b.entry, (uint32_t)b.info_gpa);
	pr_info("domain '%.*s': kernel '%s' at [0x%llx-0x%llx), PVH entry 0x%x, "
		"start_info at 0x%llx, %u module(s)\n",
		(int)sizeof(d->name), d->name, b.kernel_name,
		(unsigned long long)b.kernel_start, (unsigned long long)b.kernel_end, b.entry,
		(unsigned long long)b.info_gpa, initrd ? 1u : 0u);
	return 0;
}
