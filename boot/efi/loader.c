/*
 * The UEFI loader's main line: hv.cfg, the hypervisor image, the modules,
 * then the hand-off (handoff.c). Any failure before ExitBootServices() is
 * reported as one HV-RESULT line and returned to the firmware, which can
 * then try its next boot option.
 */
#include <stdarg.h>

#include "arch/x86/io.h"
#include "boot/efi/loader.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

#define LINE_MAX 512
#define CONFIG_SIZE_MAX (64 * KiB)
#define HV_ALIGN (2 * MiB)
#define HV_IMAGE_MAX (2 * GiB) /* linked in the top 2 GiB */
#define HVBOOT_TYPE_ENTRY64 1
#define ELF_MACHINE_X86_64 62
#define ERROR_STALL_US (3 * 1000 * 1000)

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

static bool debug_port_present;

static uint64_t pages_for(uint64_t bytes)
{
	return ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
}

static void output_line(struct loader *ld, const char *line)
{
	CHAR16 wide[LINE_MAX + 3];
	size_t i, n = 0;

	for (i = 0; line[i] && n < LINE_MAX; i++)
		wide[n++] = (unsigned char)line[i];
	wide[n++] = '\r';
	wide[n++] = '\n';
	wide[n] = 0;
	/* A headless machine may have no console at all. */
	if (ld->st->ConOut)
		ld->st->ConOut->OutputString(ld->st->ConOut, wide);

	if (debug_port_present) {
		for (i = 0; line[i]; i++)
			outb(line[i], DEBUG_PORT);
		outb('\n', DEBUG_PORT);
	}
}

void loader_print(struct loader *ld, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	output_line(ld, line);
}

EFI_STATUS loader_fail(struct loader *ld, EFI_STATUS status, const char *fmt, ...)
{
	va_list ap;

	/* The first failure is the cause; later ones are its consequences. */
	if (ld->error[0])
		return status;
	ld->status = status;
	va_start(ap, fmt);
	vsnprintf(ld->error, sizeof(ld->error), fmt, ap);
	va_end(ap);
	return status;
}

EFI_STATUS loader_alloc_pages(struct loader *ld, uint64_t max_phys, UINTN pages,
			      EFI_PHYSICAL_ADDRESS *phys)
{
	EFI_ALLOCATE_TYPE type = max_phys == ~0ULL ? AllocateAnyPages : AllocateMaxAddress;
	EFI_STATUS status;

	if (ld->nr_allocs == LOADER_MAX_ALLOCS)
		return EFI_OUT_OF_RESOURCES;
	*phys = max_phys;
	status = ld->bs->AllocatePages(type, EfiLoaderData, pages, phys);
	if (EFI_ERROR(status))
		return status;
	ld->allocs[ld->nr_allocs].phys = *phys;
	ld->allocs[ld->nr_allocs].pages = pages;
	ld->nr_allocs++;
	return EFI_SUCCESS;
}

static void free_pages_at(struct loader *ld, EFI_PHYSICAL_ADDRESS phys)
{
	unsigned int i;

	for (i = 0; i < ld->nr_allocs; i++) {
		if (ld->allocs[i].phys != phys)
			continue;
		ld->bs->FreePages(phys, ld->allocs[i].pages);
		ld->allocs[i] = ld->allocs[--ld->nr_allocs];
		break;
	}
}

static void free_all_pages(struct loader *ld)
{
	while (ld->nr_allocs) {
		ld->nr_allocs--;
		ld->bs->FreePages(ld->allocs[ld->nr_allocs].phys, ld->allocs[ld->nr_allocs].pages);
	}
}

static bool is_blank16(CHAR16 c)
{
	return c == ' ' || c == '\t';
}

/* Whether s[0..len) ends in ".efi", as the image name the UEFI shell passes first does. */
static bool ends_in_efi(const CHAR16 *s, size_t len)
{
	static const char suffix[] = ".efi";
	size_t i;
	CHAR16 c;

	if (len < 4)
		return false;
	for (i = 0; i < 4; i++) {
		c = s[len - 4 + i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != suffix[i])
			return false;
	}
	return true;
}

/*
 * The load options may name the section to boot: `BOOTX64.EFI other` from
 * the UEFI shell, `other` from a boot entry. A boot manager's binary
 * OptionalData (EDK2 puts a GUID there) is not text and is ignored.
 */
static EFI_STATUS parse_load_options(struct loader *ld, EFI_LOADED_IMAGE *image)
{
	const CHAR16 *opts = image->LoadOptions;
	size_t n = image->LoadOptionsSize / sizeof(CHAR16);
	char word[BOOTCFG_NAME_MAX * 2];
	size_t i, start, len, k;
	bool first = true;

	if (!opts || !n || image->LoadOptionsSize % sizeof(CHAR16))
		return EFI_SUCCESS;
	for (i = 0; i < n && opts[i]; i++)
		if (!is_blank16(opts[i]) && (opts[i] < 0x20 || opts[i] > 0x7e))
			return EFI_SUCCESS;
	n = i;

	for (i = 0; i < n; first = false) {
		while (i < n && is_blank16(opts[i]))
			i++;
		if (i == n)
			break;
		for (start = i; i < n && !is_blank16(opts[i]); i++)
			;
		if (first && ends_in_efi(opts + start, i - start))
			continue;
		/* Only printable ASCII is left: narrowing is exact. */
		len = MIN(i - start, sizeof(word) - 1);
		for (k = 0; k < len; k++)
			word[k] = (char)opts[start + k];
		word[len] = '\0';
		if (ld->section[0])
			return loader_fail(ld, EFI_INVALID_PARAMETER,
					   "load options: unexpected '%s' after the section "
					   "name '%s'",
					   word, ld->section);
		if (i - start >= BOOTCFG_NAME_MAX)
			return loader_fail(ld, EFI_INVALID_PARAMETER,
					   "load options: section name '%s' too long (max %u)",
					   word, BOOTCFG_NAME_MAX - 1);
		memcpy(ld->section, word, len + 1);
	}
	return EFI_SUCCESS;
}

static EFI_STATUS read_config(struct loader *ld)
{
	char dir[LOADER_PATH_MAX], err[LOADER_ERROR_MAX];
	EFI_FILE_HANDLE file = NULL;
	EFI_STATUS status;
	char *text = NULL;
	uint64_t size;

	status = loader_open_file(ld, LOADER_CONFIG_FILE, &file, &size);
	if (EFI_ERROR(status)) {
		loader_dir_text(ld, dir, sizeof(dir));
		loader_fail(ld, status, "%s: cannot open %s\\%s: %s", LOADER_CONFIG_FILE, dir,
			    LOADER_CONFIG_FILE, efi_status_text(status));
		goto out;
	}
	if (size > CONFIG_SIZE_MAX) {
		status = loader_fail(ld, EFI_BAD_BUFFER_SIZE, "%s: %llu bytes, more than %lu",
				     LOADER_CONFIG_FILE, (unsigned long long)size, CONFIG_SIZE_MAX);
		goto out;
	}
	status = ld->bs->AllocatePool(EfiLoaderData, size + 1, (void **)&text);
	if (EFI_ERROR(status)) {
		loader_fail(ld, status, "%s: no memory to read it", LOADER_CONFIG_FILE);
		goto out;
	}
	status = loader_read_file(file, text, size);
	if (EFI_ERROR(status)) {
		loader_fail(ld, status, "%s: cannot read it: %s", LOADER_CONFIG_FILE,
			    efi_status_text(status));
		goto out;
	}
	if (bootcfg_parse(text, size, LOADER_CONFIG_FILE, ld->section, &ld->cfg, err,
			  sizeof(err))) {
		status = loader_fail(ld, EFI_LOAD_ERROR, "%s", err);
		goto out;
	}
	loader_print(ld, "hv loader: %s section '%s'%s", LOADER_CONFIG_FILE, ld->cfg.section,
		     ld->section[0] ? " (from the load options)" : "");
out:
	if (text)
		ld->bs->FreePool(text);
	if (file)
		file->Close(file);
	return status;
}

/* Reads a whole file into fresh pages; messages name the config line. */
static EFI_STATUS read_whole_file(struct loader *ld, const char *name, unsigned int line,
				  EFI_PHYSICAL_ADDRESS *phys, uint64_t *size)
{
	EFI_FILE_HANDLE file = NULL;
	EFI_STATUS status;

	status = loader_open_file(ld, name, &file, size);
	if (EFI_ERROR(status)) {
		loader_fail(ld, status, "%s:%u: cannot open %s: %s", LOADER_CONFIG_FILE, line,
			    name, efi_status_text(status));
		goto out;
	}
	/* An empty file still gets a page, so that it has an address. */
	status = loader_alloc_pages(ld, ~0ULL, MAX(pages_for(*size), 1), phys);
	if (EFI_ERROR(status)) {
		loader_fail(ld, EFI_OUT_OF_RESOURCES,
			    "%s:%u: not enough memory for %s (%llu bytes)", LOADER_CONFIG_FILE,
			    line, name, (unsigned long long)*size);
		goto out;
	}
	status = loader_read_file(file, (void *)(uintptr_t)*phys, *size);
	if (EFI_ERROR(status))
		loader_fail(ld, status, "%s:%u: cannot read %s: %s", LOADER_CONFIG_FILE, line, name,
			    efi_status_text(status));
out:
	if (file)
		file->Close(file);
	return status;
}

/* The image must be the hypervisor: a 64-bit ELF with an HVBOOT entry in an upper-half segment. */
static EFI_STATUS check_hypervisor(struct loader *ld, const void *file, uint64_t size,
				   struct hv_image *hv)
{
	const struct elf_segment *seg;
	const char *name = ld->cfg.hypervisor;
	unsigned int line = ld->cfg.hypervisor_line;
	const char *why = "";
	uint32_t desc_size, i;
	const void *desc;
	int ret;

	if (elf_parse(file, size, &hv->elf, &why))
		return loader_fail(ld, EFI_LOAD_ERROR, "%s:%u: %s is not a valid ELF image: %s",
				   LOADER_CONFIG_FILE, line, name, why);
	if (!hv->elf.is64 || hv->elf.machine != ELF_MACHINE_X86_64)
		return loader_fail(ld, EFI_LOAD_ERROR, "%s:%u: %s is not a 64-bit x86-64 image",
				   LOADER_CONFIG_FILE, line, name);
	ret = elf_find_note(file, size, "HVBOOT", HVBOOT_TYPE_ENTRY64, &desc, &desc_size);
	if (ret == -ENOENT)
		return loader_fail(ld, EFI_LOAD_ERROR,
				   "%s:%u: %s has no HVBOOT note: not the hypervisor",
				   LOADER_CONFIG_FILE, line, name);
	if (ret || desc_size != sizeof(hv->entry))
		return loader_fail(ld, EFI_LOAD_ERROR, "%s:%u: %s has a malformed HVBOOT note",
				   LOADER_CONFIG_FILE, line, name);
	memcpy(&hv->entry, desc, sizeof(hv->entry));

	for (i = 0; i < hv->elf.nr_segments; i++) {
		seg = &hv->elf.segments[i];
		if (seg->vaddr < UPPER_HALF)
			continue;
		/* Mapped with 4 KiB pages at a load address congruent to p_paddr. */
		if ((seg->vaddr ^ seg->paddr) & (PAGE_SIZE - 1))
			return loader_fail(ld, EFI_LOAD_ERROR,
					   "%s:%u: %s segment %u: p_vaddr and p_paddr differ "
					   "within a page",
					   LOADER_CONFIG_FILE, line, name, i);
		if (hv->entry >= seg->vaddr && hv->entry - seg->vaddr < seg->memsz &&
		    (seg->flags & ELF_PF_X))
			break;
	}
	if (i == hv->elf.nr_segments)
		return loader_fail(ld, EFI_LOAD_ERROR,
				   "%s:%u: %s: HVBOOT entry %#llx is not in an executable "
				   "upper-half segment",
				   LOADER_CONFIG_FILE, line, name, (unsigned long long)hv->entry);
	return EFI_SUCCESS;
}

/*
 * Places the image at a 2 MiB aligned base (plus paddr_min's offset within
 * 2 MiB) wherever the firmware has room, keeping the segments' relative
 * layout so that the upper-half link addresses map onto it.
 */
static EFI_STATUS place_hypervisor(struct loader *ld, const void *file, struct hv_image *hv)
{
	const struct elf_segment *seg;
	uint64_t offset = hv->elf.paddr_min % HV_ALIGN;
	uint64_t pages, aligned, end;
	EFI_PHYSICAL_ADDRESS phys;
	EFI_STATUS status;
	uint32_t i;

	hv->size = hv->elf.paddr_max - hv->elf.paddr_min;
	if (hv->size > HV_IMAGE_MAX)
		return loader_fail(ld, EFI_LOAD_ERROR,
				   "%s:%u: %s spans %llu bytes, more than the 2 GiB it is linked in",
				   LOADER_CONFIG_FILE, ld->cfg.hypervisor_line, ld->cfg.hypervisor,
				   (unsigned long long)hv->size);
	pages = pages_for(offset + hv->size) + HV_ALIGN / PAGE_SIZE;
	status = loader_alloc_pages(ld, ~0ULL, pages, &phys);
	if (EFI_ERROR(status))
		return loader_fail(ld, EFI_OUT_OF_RESOURCES,
				   "%s:%u: not enough memory for %s (%llu bytes)",
				   LOADER_CONFIG_FILE, ld->cfg.hypervisor_line, ld->cfg.hypervisor,
				   (unsigned long long)hv->size);

	/* Keep only the aligned part: give the head and the tail back. */
	aligned = ALIGN_UP(phys, HV_ALIGN);
	hv->base = aligned + offset;
	end = ALIGN_UP(hv->base + hv->size, PAGE_SIZE);
	if (aligned > phys)
		ld->bs->FreePages(phys, (aligned - phys) / PAGE_SIZE);
	if (phys + pages * PAGE_SIZE > end)
		ld->bs->FreePages(end, (phys + pages * PAGE_SIZE - end) / PAGE_SIZE);
	/* loader_alloc_pages() just appended this allocation. */
	ld->allocs[ld->nr_allocs - 1].phys = aligned;
	ld->allocs[ld->nr_allocs - 1].pages = (end - aligned) / PAGE_SIZE;

	/* Gaps and .bss must read as zero. */
	memset((void *)(uintptr_t)hv->base, 0, hv->size);
	for (i = 0; i < hv->elf.nr_segments; i++) {
		seg = &hv->elf.segments[i];
		memcpy((void *)(uintptr_t)(hv->base + seg->paddr - hv->elf.paddr_min),
		       (const uint8_t *)file + seg->offset, seg->filesz);
	}
	return EFI_SUCCESS;
}

static EFI_STATUS load_hypervisor(struct loader *ld, struct hv_image *hv)
{
	EFI_PHYSICAL_ADDRESS file_phys = 0;
	uint64_t file_size = 0;
	EFI_STATUS status;
	const void *file;

	status = read_whole_file(ld, ld->cfg.hypervisor, ld->cfg.hypervisor_line, &file_phys,
				 &file_size);
	if (EFI_ERROR(status))
		goto out;
	file = (const void *)(uintptr_t)file_phys;
	status = check_hypervisor(ld, file, file_size, hv);
	if (EFI_ERROR(status))
		goto out;
	status = place_hypervisor(ld, file, hv);
	if (EFI_ERROR(status))
		goto out;
	loader_print(ld, "loading %s: %llu bytes at %#llx (entry %#llx)", ld->cfg.hypervisor,
		     (unsigned long long)hv->size, (unsigned long long)hv->base,
		     (unsigned long long)hv->entry);
out:
	/* The image is in place: the file's copy is not needed any more. */
	if (file_phys)
		free_pages_at(ld, file_phys);
	return status;
}

static EFI_STATUS load_modules(struct loader *ld, struct boot_info *bi)
{
	const struct bootcfg_module *mod;
	struct boot_module *out;
	EFI_PHYSICAL_ADDRESS phys;
	EFI_STATUS status = EFI_SUCCESS;
	uint64_t size;
	unsigned int i;

	for (i = 0; i < ld->cfg.nr_modules; i++) {
		mod = &ld->cfg.modules[i];
		status = read_whole_file(ld, mod->file, mod->line, &phys, &size);
		if (EFI_ERROR(status))
			break;
		out = &bi->modules[bi->nr_modules++];
		out->base = phys;
		out->size = size;
		strlcpy(out->name, mod->name, sizeof(out->name));
		strlcpy(out->cmdline, mod->cmdline, sizeof(out->cmdline));
		loader_print(ld, "module %s: %s, %llu bytes at %#llx", mod->name, mod->file,
			     (unsigned long long)size, (unsigned long long)phys);
	}
	return status;
}

static EFI_STATUS boot(struct loader *ld)
{
	EFI_LOADED_IMAGE *image;
	struct hv_image hv;
	EFI_STATUS status;

	status = ld->bs->HandleProtocol(ld->image, &loaded_image_guid, (void **)&image);
	if (EFI_ERROR(status))
		return loader_fail(ld, status, "hv loader: no LoadedImage protocol: %s",
				   efi_status_text(status));
	/* The boot manager's 5-minute watchdog must not reset a slow load. */
	ld->bs->SetWatchdogTimer(0, 0, 0, NULL);

	status = loader_open_volume(ld, image);
	if (EFI_ERROR(status))
		return status;
	status = parse_load_options(ld, image);
	if (EFI_ERROR(status))
		return status;
	status = read_config(ld);
	if (EFI_ERROR(status))
		return status;
	memset(&hv, 0, sizeof(hv));
	status = load_hypervisor(ld, &hv);
	if (EFI_ERROR(status))
		return status;
	status = handoff_prepare(ld, &hv);
	if (EFI_ERROR(status))
		return status;
	status = load_modules(ld, handoff_boot_info());
	if (EFI_ERROR(status))
		return status;
	return handoff_start(ld, &hv);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	static struct loader ld;

	ld.image = image;
	ld.st = st;
	ld.bs = st->BootServices;
	debug_port_present = inb(DEBUG_PORT) == DEBUG_PORT;

	boot(&ld);
	if (!ld.error[0])
		loader_fail(&ld, EFI_LOAD_ERROR, "hv loader: failed without a reason");
	handoff_release(&ld);
	free_all_pages(&ld);
	loader_print(&ld, "HV-RESULT: error %s", ld.error);
	loader_print(&ld, "hv loader: cannot start the hypervisor (%s); returning to the firmware "
			  "in %u seconds",
		     efi_status_text(ld.status), ERROR_STALL_US / 1000000);
	ld.bs->Stall(ERROR_STALL_US);
	return ld.status;
}
