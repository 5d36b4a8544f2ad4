/*
 * The C side of both entries (boot/entry.S): turn what the loader gave us
 * into the hypervisor's own copy of struct boot_info, then start it.
 */
#include "arch/x86/layout.h"
#include "arch/x86/paging.h"
#include "boot/boot.h"
#include "boot/multiboot2.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"
#include "core/mm.h"

extern const char hv_image_phys_start[], hv_end[];

__noreturn void boot_multiboot2(uint32_t magic, uint32_t mbi_phys);
__noreturn void boot_uefi(uint64_t boot_info_phys);

static struct boot_info boot_info;
static char boot_error[256];

__noreturn void boot_multiboot2(uint32_t magic, uint32_t mbi_phys)
{
	/* GRUB loads the image at its link address. */
	hv_phys_offset = 0;
	if (magic != MULTIBOOT2_BOOTLOADER_MAGIC) {
		snprintf(boot_error, sizeof(boot_error),
			 "multiboot2: bad magic %#x (not started by a Multiboot2 loader)", magic);
	} else if (!mbi_phys || (mbi_phys & 7)) {
		snprintf(boot_error, sizeof(boot_error),
			 "multiboot2: bad information address %#x", mbi_phys);
	} else {
		char why[192];

		if (multiboot2_parse(phys_to_virt(mbi_phys), &boot_info, why, sizeof(why)))
			snprintf(boot_error, sizeof(boot_error), "multiboot2 information: %s", why);
	}
	boot_info.hv_phys_start = (uint64_t)hv_image_phys_start;
	boot_info.hv_phys_end = (uint64_t)hv_end - HV_VIRT_BASE;
	hv_main(&boot_info, boot_error[0] ? boot_error : NULL);
}

__noreturn void boot_uefi(uint64_t boot_info_phys)
{
	const struct boot_info *loader_bi = phys_to_virt(boot_info_phys);

	if (!boot_info_phys || loader_bi->magic != BOOT_INFO_MAGIC ||
	    loader_bi->version != BOOT_INFO_VERSION) {
		snprintf(boot_error, sizeof(boot_error),
			 "uefi: the loader's boot information at %#lx is not version %u",
			 boot_info_phys, BOOT_INFO_VERSION);
		hv_phys_offset = 0;
		hv_main(&boot_info, boot_error);
	}
	/* Copy it: the loader's page holding it is not ours to keep. */
	memcpy(&boot_info, loader_bi, sizeof(boot_info));
	hv_phys_offset = (int64_t)(boot_info.hv_phys_start - HV_LINK_PHYS);
	if (boot_info.nr_memmap > BOOT_MAX_MEMMAP || boot_info.nr_modules > BOOT_MAX_MODULES ||
	    boot_info.nr_reserved > BOOT_MAX_RESERVED || boot_info.rsdp_length > BOOT_RSDP_MAX) {
		snprintf(boot_error, sizeof(boot_error), "uefi: boot information counts out of range");
		boot_info.nr_memmap = boot_info.nr_modules = boot_info.nr_reserved = 0;
		boot_info.rsdp_length = 0;
	}
	/* Strings from the loader are used as C strings: make sure they end. */
	boot_info.cmdline[BOOT_CMDLINE_MAX - 1] = '\0';
	boot_info.loader_name[BOOT_LOADER_NAME_MAX - 1] = '\0';
	for (uint32_t i = 0; i < boot_info.nr_modules; i++) {
		boot_info.modules[i].name[BOOT_MODULE_NAME_MAX - 1] = '\0';
		boot_info.modules[i].cmdline[BOOT_MODULE_CMDLINE_MAX - 1] = '\0';
	}
	hv_main(&boot_info, boot_error[0] ? boot_error : NULL);
}
