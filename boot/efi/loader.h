/*
 * The UEFI loader (a gnu-efi application, BOOTX64.EFI): reads hv.cfg from
 * its own directory, loads the hypervisor ELF and the boot modules, fills
 * struct boot_info, exits boot services and jumps to the hypervisor's
 * HVBOOT entry. This header is what its EFI-side files share; config.c,
 * memmap.c and pagetable.c are pure C and have their own headers.
 */
#ifndef BOOT_EFI_LOADER_H
#define BOOT_EFI_LOADER_H

#include <efi.h>

#include "boot/efi/config.h"
#include "core/elf.h"
#include "core/types.h"

#define LOADER_CONFIG_FILE "hv.cfg"
#define LOADER_PATH_MAX 512 /* CHAR16s in a path on the loader's volume */
#define LOADER_ERROR_MAX 256
/* PT_LOADs linked at or above this address are mapped at their virtual address. */
#define UPPER_HALF 0xffff800000000000ULL
/* Bochs and QEMU's debugcon read back 0xE9 from the port; nothing else does. */
#define DEBUG_PORT 0xe9
#define LOADER_MAX_ALLOCS (BOOT_MAX_MODULES + 4)

/* Pages the loader took, given back if it returns to the firmware. */
struct loader_alloc {
	EFI_PHYSICAL_ADDRESS phys;
	UINTN pages;
};

/* The hypervisor image as loaded. */
struct hv_image {
	struct elf_info elf;
	uint64_t base;  /* physical address of elf.paddr_min */
	uint64_t size;  /* elf.paddr_max - elf.paddr_min, .bss included */
	uint64_t entry; /* virtual, from the HVBOOT note */
};

struct loader {
	EFI_HANDLE image;
	EFI_SYSTEM_TABLE *st;
	EFI_BOOT_SERVICES *bs;
	EFI_FILE_HANDLE root;             /* of the volume the loader came from */
	CHAR16 dir[LOADER_PATH_MAX];      /* its directory there, "\EFI\BOOT"; "" is the root */
	char section[BOOTCFG_NAME_MAX];   /* from the load options; "" for default= */
	struct bootcfg cfg;
	EFI_STATUS status;                /* of the first failure */
	char error[LOADER_ERROR_MAX];     /* "<file>:<line>: <reason>" of the first failure */
	unsigned int nr_allocs;
	struct loader_alloc allocs[LOADER_MAX_ALLOCS];
};

/* The gnu-efi crt0 calls this with the System V ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

/*
 * Records the first failure: status for the firmware, the message for the
 * HV-RESULT line. Returns status, so that callers can `return loader_fail(...)`.
 */
__printf(3, 4) EFI_STATUS loader_fail(struct loader *ld, EFI_STATUS status, const char *fmt, ...);

/* A line on ConOut (and on the 0xE9 debug port when there is one). */
__printf(2, 3) void loader_print(struct loader *ld, const char *fmt, ...);

/*
 * AllocatePages() of EfiLoaderData below max_phys (~0 for anywhere),
 * remembered so that a failed boot gives the pages back.
 */
EFI_STATUS loader_alloc_pages(struct loader *ld, uint64_t max_phys, UINTN pages,
			      EFI_PHYSICAL_ADDRESS *phys);

/*
 * Everything the hand-off needs that boot services still provide: the
 * boot_info (all but the memory map), the page tables, the memory map
 * buffer. The modules go in after this, into handoff_boot_info().
 */
EFI_STATUS handoff_prepare(struct loader *ld, const struct hv_image *hv);
struct boot_info *handoff_boot_info(void);

/*
 * Exits boot services and jumps to the hypervisor. Returns only when
 * ExitBootServices() could not be called at all (boot services intact).
 */
EFI_STATUS handoff_start(struct loader *ld, const struct hv_image *hv);

/* After a failure: gives back what handoff_prepare() took from the pool. */
void handoff_release(struct loader *ld);

/* A short text for a firmware status ("not found", "out of resources", ...). */
const char *efi_status_text(EFI_STATUS status);

/*
 * Opens the volume the loader was loaded from and finds its directory
 * from the LoadedImage protocol's FilePath.
 */
EFI_STATUS loader_open_volume(struct loader *ld, EFI_LOADED_IMAGE *image);

/* The loader's directory, in ASCII, for messages ("\EFI\BOOT"). */
void loader_dir_text(const struct loader *ld, char *buf, size_t size);

/*
 * Opens name (relative to the loader's directory, or to the volume root
 * when it starts with '/' or '\') for reading and returns its size.
 */
EFI_STATUS loader_open_file(struct loader *ld, const char *name, EFI_FILE_HANDLE *file,
			    uint64_t *size);

/* Reads exactly size bytes from the start of an open file. */
EFI_STATUS loader_read_file(EFI_FILE_HANDLE file, void *buf, uint64_t size);

#endif
