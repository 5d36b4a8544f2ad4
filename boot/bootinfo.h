/*
 * The one boot-information structure. Each loader (the UEFI application in
 * boot/efi/, the Multiboot2 entry in boot/multiboot2.c) fills it; nothing
 * past boot/ knows which loader ran. Fixed-width fields only: the UEFI loader
 * builds it in its own address space and hands over its physical address.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include "core/types.h"

#define BOOT_INFO_MAGIC 0x48564249u /* "IBVH" */
#define BOOT_INFO_VERSION 1

#define BOOT_MAX_MEMMAP 256
#define BOOT_MAX_MODULES 16
#define BOOT_MAX_RESERVED 8
#define BOOT_CMDLINE_MAX 512
#define BOOT_MODULE_NAME_MAX 32
#define BOOT_MODULE_CMDLINE_MAX 256
#define BOOT_LOADER_NAME_MAX 64
#define BOOT_RSDP_MAX 36

/* Region types; 1-5 are the E820 (and Multiboot2) values. */
enum boot_mem_type {
	BOOT_MEM_AVAILABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIM = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
	BOOT_MEM_FIRMWARE_RUNTIME = 6, /* UEFI runtime services code/data */
};

struct boot_mem_region {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum boot_mem_type */
	uint32_t pad;
};

struct boot_range {
	uint64_t base;
	uint64_t length;
};

struct boot_module {
	uint64_t base; /* physical, page aligned */
	uint64_t size; /* bytes */
	char name[BOOT_MODULE_NAME_MAX];
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_framebuffer {
	uint64_t base; /* 0: no framebuffer */
	uint32_t width;
	uint32_t height;
	uint32_t pitch; /* bytes per scan line */
	uint32_t bpp;
};

struct boot_info {
	uint32_t magic;
	uint32_t version;
	char loader_name[BOOT_LOADER_NAME_MAX]; /* for the log only */
	char cmdline[BOOT_CMDLINE_MAX];         /* hypervisor options */

	/* Physical extent of the loaded hypervisor image, .bss included. */
	uint64_t hv_phys_start;
	uint64_t hv_phys_end;

	/* A copy of the ACPI RSDP (20 bytes for revision 0, 36 for 2+). */
	uint32_t rsdp_length; /* 0: no ACPI tables */
	uint8_t rsdp[BOOT_RSDP_MAX];

	uint32_t nr_memmap;
	struct boot_mem_region memmap[BOOT_MAX_MEMMAP];

	uint32_t nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];

	/* Memory the loader's hand-off still occupies (its page tables). */
	uint32_t nr_reserved;
	struct boot_range reserved[BOOT_MAX_RESERVED];

	struct boot_framebuffer framebuffer;
};

#endif
