/*
 * The hypervisor's own page tables (4-level, SDM 4.5): all physical memory
 * mapped 1:1 except page 0, and the image mapped at its link address with
 * per-section permissions (text read-only executable, data no-execute).
 */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include "core/types.h"

#define PTE_PRESENT (1UL << 0)
#define PTE_WRITE (1UL << 1)
#define PTE_USER (1UL << 2)
#define PTE_LARGE (1UL << 7)
#define PTE_GLOBAL (1UL << 8)
#define PTE_NX (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL

/* Physical address of the image's first byte minus its link address. */
extern int64_t hv_phys_offset;

/* Sets EFER.NXE when the CPU has no-execute pages; called before paging init. */
void paging_enable_nx(void);

#endif
