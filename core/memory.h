/*
 * Memory bring-up at boot: the firmware's map, minus everything in use,
 * becomes the frame allocator.
 */
#ifndef CORE_MEMORY_H
#define CORE_MEMORY_H

#include "boot/bootinfo.h"

/* Returns 0, or a negative errno after logging why. */
int memory_init(const struct boot_info *bi);

#endif
