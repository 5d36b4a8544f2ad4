/*
 * The guest's own page tables. The runtime starts with [0, 1 GiB)
 * identity-mapped in 2 MiB pages; a test may map or unmap single 4 KiB
 * pages anywhere in the lower canonical half (a 2 MiB page is split first).
 */
#ifndef GUEST_RT_PAGING_H
#define GUEST_RT_PAGING_H

#include <stdint.h>

/* The range the boot page tables identity-map. */
#define BOOT_IDENTITY_MAP_END (1ull << 30)

/* Maps va -> pa (4 KiB, PTE_P plus flags). 0, -EINVAL (unaligned/non-canonical) or -ENOMEM. */
int map_page(uint64_t va, uint64_t pa, uint64_t flags);
/* Removes the 4 KiB mapping of va. 0, -EINVAL, or -ENOENT when nothing maps it. */
int unmap_page(uint64_t va);

#endif
