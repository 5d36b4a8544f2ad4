/*
 * The 4-level page tables the UEFI loader hands over with: all physical
 * memory identity mapped with 2 MiB pages, plus the hypervisor's upper-half
 * segments mapped with 4 KiB pages at their link addresses. Pure C over a
 * caller-supplied pool of pages, so the host unit tests build and walk
 * real tables. Entries are present and writable, nothing more: no NX (EFER.NXE
 * may be clear), no user bit; the hypervisor replaces these tables early.
 */
#ifndef BOOT_EFI_PAGETABLE_H
#define BOOT_EFI_PAGETABLE_H

#include "core/types.h"

#define HANDOFF_PT_IDENTITY_MAX (1ULL << 47) /* the lower canonical half */

/* A pool of zeroed-on-use 4 KiB table pages, at a known physical address. */
struct handoff_pt {
	uint64_t *pool;     /* where the loader writes the tables */
	uint64_t pool_phys; /* the physical address of pool[0] */
	uint32_t nr_pages;
	uint32_t used;
};

/* Table pages that handoff_pt_map_identity(limit) needs, the PML4 included. */
uint32_t handoff_pt_identity_pages(uint64_t limit);

/* An upper bound on the table pages handoff_pt_map_range() needs for [va, va+size). */
uint32_t handoff_pt_range_pages(uint64_t va, uint64_t size);

/*
 * Takes pool (nr_pages pages, 4 KiB aligned, at physical pool_phys) and
 * makes its first page the empty PML4. Returns 0, or -EINVAL for a pool
 * that is misaligned or has no page.
 */
int handoff_pt_init(struct handoff_pt *pt, void *pool, uint64_t pool_phys, uint32_t nr_pages);

/* The value for CR3. */
uint64_t handoff_pt_root(const struct handoff_pt *pt);

/*
 * Identity maps [0, limit rounded up to 1 GiB) with 2 MiB pages. Returns 0,
 * -EINVAL when limit is 0 or above HANDOFF_PT_IDENTITY_MAX, -EEXIST when part
 * of it is already mapped, -ENOMEM when the pool runs out.
 */
int handoff_pt_map_identity(struct handoff_pt *pt, uint64_t limit);

/*
 * Maps [va, va+size) to [pa, pa+size) with 4 KiB pages. va and pa must have
 * the same offset in their page; the range is widened to whole pages. A page
 * already mapped to the same frame is left as it is (segments may share a
 * page). Returns 0, -EINVAL for a zero size, different page offsets, a
 * non-canonical or wrapping range, -EEXIST when a page is mapped elsewhere,
 * -ENOMEM when the pool runs out. On error the tables may hold part of the
 * range.
 */
int handoff_pt_map_range(struct handoff_pt *pt, uint64_t va, uint64_t pa, uint64_t size);

#endif
