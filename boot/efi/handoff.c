/*
 * The hand-off to the hypervisor: boot_info, the page tables, the final
 * memory map, ExitBootServices() and the jump to the HVBOOT entry. All the
 * hand-off data sits in one allocation below 4 GiB, reported to the
 * hypervisor as boot_info.reserved[0]:
 *
 *   [ page tables | boot_info | stack ]
 */
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "boot/efi/loader.h"
#include "boot/efi/memmap.h"
#include "boot/efi/pagetable.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

#define HANDOFF_STACK_SIZE (16 * KiB)
#define HANDOFF_BELOW (4ULL * GiB)
#define IDENTITY_MIN (4ULL * GiB)
/* ExitBootServices() fails while the map key is stale: fetch the map again. */
#define EXIT_ATTEMPTS 8
#define MAP_SLACK_DESCRIPTORS 64

/* ACPI 6.5 5.2.5.3: the RSDP. */
#define RSDP_SIGNATURE "RSD PTR "
#define RSDP_REVISION_OFFSET 15
#define RSDP_V1_LENGTH 20
#define RSDP_V2_LENGTH 36

/* SDM 4.1.1: 5-level paging, which only a switch out of long mode turns off. */
#define CR4_LA57 (1UL << 12)

#define COM1_BASE 0x3f8
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_POLL_LIMIT 100000

static EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

static struct {
	EFI_PHYSICAL_ADDRESS phys;
	UINTN pages;
	struct handoff_pt pt;
	struct boot_info *bi;
	uint64_t stack_top;
	void *map; /* pool buffer for the final memory map */
	UINTN map_buf_size;
	UINTN map_size;
	UINTN desc_size;
} handoff;

struct boot_info *handoff_boot_info(void)
{
	return handoff.bi;
}

static bool rsdp_valid(const uint8_t *rsdp)
{
	return rsdp && memcmp(rsdp, RSDP_SIGNATURE, 8) == 0;
}

/* The ACPI 2.0 table is preferred: it has the XSDT. Bochs+OVMF has neither. */
static void find_rsdp(struct loader *ld, struct boot_info *bi)
{
	const EFI_CONFIGURATION_TABLE *tables = ld->st->ConfigurationTable;
	const uint8_t *v1 = NULL, *v2 = NULL;
	UINTN i;

	for (i = 0; i < ld->st->NumberOfTableEntries; i++) {
		if (!memcmp(&tables[i].VendorGuid, &acpi20_guid, sizeof(EFI_GUID)))
			v2 = tables[i].VendorTable;
		else if (!memcmp(&tables[i].VendorGuid, &acpi10_guid, sizeof(EFI_GUID)))
			v1 = tables[i].VendorTable;
	}
	if (rsdp_valid(v2)) {
		bi->rsdp_length = v2[RSDP_REVISION_OFFSET] >= 2 ? RSDP_V2_LENGTH : RSDP_V1_LENGTH;
		memcpy(bi->rsdp, v2, bi->rsdp_length);
	} else if (rsdp_valid(v1)) {
		bi->rsdp_length = RSDP_V1_LENGTH;
		memcpy(bi->rsdp, v1, RSDP_V1_LENGTH);
	}
}

static uint32_t highest_bit(uint32_t mask)
{
	uint32_t bit = 0;

	while (mask >> bit)
		bit++;
	return bit;
}

/* The GOP's current mode, when it has a linear framebuffer. */
static void find_framebuffer(struct loader *ld, struct boot_framebuffer *fb)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
	EFI_PIXEL_BITMASK *mask;
	uint32_t bpp;

	memset(fb, 0, sizeof(*fb));
	if (EFI_ERROR(ld->bs->LocateProtocol(&gop_guid, NULL, (void **)&gop)) || !gop->Mode ||
	    !gop->Mode->Info)
		return;
	info = gop->Mode->Info;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
	case PixelBlueGreenRedReserved8BitPerColor:
		bpp = 32;
		break;
	case PixelBitMask:
		mask = &info->PixelInformation;
		bpp = ALIGN_UP(highest_bit(mask->RedMask | mask->GreenMask | mask->BlueMask |
					   mask->ReservedMask),
			       8);
		break;
	default:
		return; /* PixelBltOnly: no framebuffer to write to */
	}
	fb->base = gop->Mode->FrameBufferBase;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine * (bpp / 8);
	fb->bpp = bpp;
}

static void set_loader_name(struct loader *ld, struct boot_info *bi)
{
	char vendor[BOOT_LOADER_NAME_MAX];
	const CHAR16 *v = ld->st->FirmwareVendor;
	size_t i;

	for (i = 0; v && v[i] && i + 1 < sizeof(vendor); i++)
		vendor[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	vendor[i] = '\0';
	snprintf(bi->loader_name, sizeof(bi->loader_name), "UEFI %s %#x", vendor,
		 ld->st->FirmwareRevision);
}

/*
 * Fetches the memory map into handoff.map. Until ExitBootServices() has
 * been tried the buffer may still grow; after that, no boot service but
 * GetMemoryMap() may be called (UEFI 2.10 7.4.6).
 */
static EFI_STATUS get_memory_map(struct loader *ld, UINTN *key, bool may_allocate)
{
	UINT32 version;
	EFI_STATUS status;

	for (;;) {
		handoff.map_size = handoff.map_buf_size;
		status = ld->bs->GetMemoryMap(&handoff.map_size, handoff.map, key,
					      &handoff.desc_size, &version);
		if (status != EFI_BUFFER_TOO_SMALL || !may_allocate)
			return status;
		if (handoff.map)
			ld->bs->FreePool(handoff.map);
		/* Leave room for what is allocated before the last call. */
		handoff.map_buf_size = handoff.map_size * 2 +
				       MAP_SLACK_DESCRIPTORS * MAX(handoff.desc_size, 48);
		status = ld->bs->AllocatePool(EfiLoaderData, handoff.map_buf_size, &handoff.map);
		if (EFI_ERROR(status)) {
			handoff.map = NULL;
			handoff.map_buf_size = 0;
			return status;
		}
	}
}

/* Page-table pages for the identity map up to limit and the upper-half segments. */
static uint32_t page_table_pages(const struct hv_image *hv, uint64_t limit)
{
	const struct elf_segment *seg;
	uint32_t pages = handoff_pt_identity_pages(limit), i;

	for (i = 0; i < hv->elf.nr_segments; i++) {
		seg = &hv->elf.segments[i];
		if (seg->vaddr >= UPPER_HALF && seg->memsz)
			pages += handoff_pt_range_pages(seg->vaddr, seg->memsz);
	}
	return pages;
}

static EFI_STATUS build_page_tables(struct loader *ld, const struct hv_image *hv, uint64_t limit,
				    uint32_t pt_pages)
{
	const struct elf_segment *seg;
	uint64_t pa;
	uint32_t i;
	int ret;

	ret = handoff_pt_init(&handoff.pt, (void *)(uintptr_t)handoff.phys, handoff.phys,
			      pt_pages);
	if (!ret)
		ret = handoff_pt_map_identity(&handoff.pt, limit);
	if (ret)
		return loader_fail(ld, EFI_LOAD_ERROR,
				   "hv loader: cannot identity map %#llx bytes (error %d)",
				   (unsigned long long)limit, ret);
	for (i = 0; i < hv->elf.nr_segments; i++) {
		seg = &hv->elf.segments[i];
		if (seg->vaddr < UPPER_HALF || !seg->memsz)
			continue;
		pa = hv->base + seg->paddr - hv->elf.paddr_min;
		ret = handoff_pt_map_range(&handoff.pt, seg->vaddr, pa, seg->memsz);
		if (ret)
			return loader_fail(ld, EFI_LOAD_ERROR,
					   "%s:%u: %s segment %u at %#llx cannot be mapped "
					   "(overlap or bad address, error %d)",
					   LOADER_CONFIG_FILE, ld->cfg.hypervisor_line,
					   ld->cfg.hypervisor, i, (unsigned long long)seg->vaddr,
					   ret);
	}
	return EFI_SUCCESS;
}

EFI_STATUS handoff_prepare(struct loader *ld, const struct hv_image *hv)
{
	struct boot_framebuffer fb;
	struct boot_info *bi;
	uint64_t limit, bi_pages;
	uint32_t pt_pages;
	EFI_STATUS status;
	UINTN key;
	int ret;

	/* The hand-off tables are 4-level: under LA57 their root would be taken for a PML5. */
	if (read_cr4() & CR4_LA57)
		return loader_fail(ld, EFI_UNSUPPORTED,
				   "hv loader: the firmware runs with 5-level paging (CR4.LA57), "
				   "which this loader cannot hand over from");
	find_framebuffer(ld, &fb);

	/* Everything the memory map knows, the framebuffer, and at least 4 GiB. */
	status = get_memory_map(ld, &key, true);
	if (EFI_ERROR(status))
		return loader_fail(ld, status, "hv loader: cannot read the memory map: %s",
				   efi_status_text(status));
	limit = uefi_memmap_end(handoff.map, handoff.map_size, handoff.desc_size);
	limit = MAX(limit, IDENTITY_MIN);
	if (fb.base)
		limit = MAX(limit, fb.base + (uint64_t)fb.pitch * fb.height);
	if (limit > HANDOFF_PT_IDENTITY_MAX)
		return loader_fail(ld, EFI_UNSUPPORTED,
				   "hv loader: memory up to %#llx is beyond 4-level paging",
				   (unsigned long long)limit);

	pt_pages = page_table_pages(hv, limit);
	bi_pages = ALIGN_UP(sizeof(*bi), PAGE_SIZE) / PAGE_SIZE;
	handoff.pages = pt_pages + bi_pages + HANDOFF_STACK_SIZE / PAGE_SIZE;
	status = loader_alloc_pages(ld, HANDOFF_BELOW - 1, handoff.pages, &handoff.phys);
	if (EFI_ERROR(status))
		return loader_fail(ld, EFI_OUT_OF_RESOURCES,
				   "hv loader: not enough memory below 4 GiB for the hand-off "
				   "data (%llu pages)",
				   (unsigned long long)handoff.pages);
	bi = (struct boot_info *)(uintptr_t)(handoff.phys + (uint64_t)pt_pages * PAGE_SIZE);
	handoff.bi = bi;
	handoff.stack_top = (uint64_t)(uintptr_t)bi + bi_pages * PAGE_SIZE + HANDOFF_STACK_SIZE;
	memset(bi, 0, sizeof(*bi));

	/* Find out now, while errors can still be reported, whether the map fits. */
	status = get_memory_map(ld, &key, true);
	if (EFI_ERROR(status))
		return loader_fail(ld, status, "hv loader: cannot read the memory map: %s",
				   efi_status_text(status));
	ret = uefi_memmap_convert(handoff.map, handoff.map_size, handoff.desc_size, bi->memmap,
				  BOOT_MAX_MEMMAP, &bi->nr_memmap);
	if (ret)
		return loader_fail(ld, EFI_UNSUPPORTED,
				   "hv loader: the firmware's memory map %s (error %d)",
				   ret == -ENOSPC ? "has more than 256 regions" : "is malformed",
				   ret);

	status = build_page_tables(ld, hv, limit, pt_pages);
	if (EFI_ERROR(status))
		return status;

	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	set_loader_name(ld, bi);
	strlcpy(bi->cmdline, ld->cfg.options, sizeof(bi->cmdline));
	bi->hv_phys_start = hv->base;
	bi->hv_phys_end = hv->base + hv->size;
	find_rsdp(ld, bi);
	bi->framebuffer = fb;
	bi->nr_reserved = 1;
	bi->reserved[0].base = handoff.phys;
	bi->reserved[0].length = handoff.pages * PAGE_SIZE;
	return EFI_SUCCESS;
}

void handoff_release(struct loader *ld)
{
	if (handoff.map)
		ld->bs->FreePool(handoff.map);
	handoff.map = NULL;
	handoff.map_buf_size = 0;
}

/* After ExitBootServices() only the hardware is left to tell the user. */
static void raw_write(const char *s)
{
	bool debug_port = inb(DEBUG_PORT) == DEBUG_PORT;
	unsigned int spins;

	for (; *s; s++) {
		for (spins = 0; spins < UART_POLL_LIMIT; spins++)
			if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
				break;
		outb(*s, COM1_BASE);
		if (debug_port)
			outb(*s, DEBUG_PORT);
	}
}

/* Boot services are gone: there is no firmware to return to, only halting. */
static __noreturn void fail_after_exit(const char *why)
{
	raw_write("\r\nHV-RESULT: error hv loader: ");
	raw_write(why);
	raw_write("\r\n");
	for (;;)
		asm volatile("cli; hlt");
}

/*
 * Interrupts off, our tables in CR3, our stack, then the HVBOOT entry with
 * RDI = boot_info (identity mapped). RSP is 16-byte aligned at the entry.
 */
static __noreturn void jump(uint64_t cr3, uint64_t stack_top, uint64_t entry, uint64_t bi)
{
	asm volatile("cli\n\t"
		     "mov %0, %%cr3\n\t"
		     "mov %1, %%rsp\n\t"
		     "xor %%ebp, %%ebp\n\t"
		     "jmp *%2"
		     :
		     /* Fixed registers: "r" could pick RBP, which the asm zeroes. */
		     : "a"(cr3), "c"(stack_top), "d"(entry), "D"(bi)
		     : "memory");
	__builtin_unreachable();
}

EFI_STATUS handoff_start(struct loader *ld, const struct hv_image *hv)
{
	EFI_STATUS status = EFI_SUCCESS;
	unsigned int attempt;
	UINTN key;
	int ret;

	loader_print(ld, "hv loader: starting the hypervisor (boot_info at %#llx)",
		     (unsigned long long)(uintptr_t)handoff.bi);

	/* Nothing between the last GetMemoryMap() and ExitBootServices() may allocate. */
	status = get_memory_map(ld, &key, true);
	if (EFI_ERROR(status))
		return loader_fail(ld, status, "hv loader: cannot read the memory map: %s",
				   efi_status_text(status));
	for (attempt = 1;; attempt++) {
		status = ld->bs->ExitBootServices(ld->image, key);
		if (status != EFI_INVALID_PARAMETER || attempt == EXIT_ATTEMPTS)
			break;
		status = get_memory_map(ld, &key, false);
		if (EFI_ERROR(status))
			break;
	}
	if (EFI_ERROR(status))
		fail_after_exit("ExitBootServices() failed");

	asm volatile("cli");
	ret = uefi_memmap_convert(handoff.map, handoff.map_size, handoff.desc_size,
				  handoff.bi->memmap, BOOT_MAX_MEMMAP, &handoff.bi->nr_memmap);
	if (ret)
		fail_after_exit("the final memory map does not fit in boot_info");
	jump(handoff_pt_root(&handoff.pt), handoff.stack_top, hv->entry,
	     (uint64_t)(uintptr_t)handoff.bi);
}
