/*
 * How the hypervisor reaches physical memory. All RAM is mapped 1:1 (the
 * identity map built in arch/x86/paging.c), except page 0 which is left
 * unmapped to catch null pointers. Host unit tests link a fake that maps a
 * test-owned arena instead (tests/unit/fakes/physmem.c).
 */
#ifndef CORE_MM_H
#define CORE_MM_H

#include "core/types.h"

void *phys_to_virt(paddr_t pa);
paddr_t virt_to_phys(const void *va);

#endif
