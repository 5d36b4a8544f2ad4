/*
 * Multiboot2 boot information (GRUB) into the one boot_info structure.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include "boot/bootinfo.h"

#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289u

/*
 * Fills *bi from the Multiboot2 information at mbi (which must be 8-byte
 * aligned). Every tag is checked against the total size and its own type's
 * minimum size; a module's first command-line word is its name. Returns 0,
 * or -EINVAL with a reason in err (e.g. "tag 6 (memory map) at offset 48:
 * size 4096 runs past the end of the information (total 512)").
 */
int multiboot2_parse(const void *mbi, struct boot_info *bi, char *err, size_t errlen);

#endif
