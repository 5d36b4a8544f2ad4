/*
 * The physical frame allocator: one bit per 4 KiB frame, built from a
 * normalised memory map. Only whole AVAILABLE frames are ever handed out.
 * Frames below 1 MiB are kept apart for the few users that need them
 * (the SMP trampoline) and are never returned by alloc_pages().
 */
#ifndef CORE_PAGE_ALLOC_H
#define CORE_PAGE_ALLOC_H

#include "boot/bootinfo.h"

#define LOW_MEMORY_LIMIT (1UL * MiB)

/*
 * Builds the allocator from a normalised map in which everything in use
 * (the hypervisor image, modules, loader hand-off data) is already marked
 * non-AVAILABLE. The bitmap itself is placed in available memory, which
 * the allocator then marks used. Returns 0, -EINVAL for an empty map,
 * -ENOMEM when there is no room for the bitmap.
 */
int page_alloc_init(const struct boot_mem_region *regions, uint32_t count);

/*
 * Allocates 2^order contiguous frames aligned to their size. Returns 0 and
 * the physical address in *pa, or -ENOMEM.
 */
int alloc_pages(unsigned int order, paddr_t *pa);
void free_pages(paddr_t pa, unsigned int order);

/* One frame below limit (<= 1 MiB), from the low pool. */
int alloc_low_page(paddr_t limit, paddr_t *pa);

uint64_t page_alloc_free_frames(void);
uint64_t page_alloc_total_frames(void);

#endif
