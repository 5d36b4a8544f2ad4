/*
 * Fake physical memory for host unit tests: one arena standing for the
 * physical range [base, base + size). phys_to_virt() outside it fails the
 * test, as a wild physical access would be a bug.
 */
#ifndef TESTS_UNIT_FAKES_PHYSMEM_H
#define TESTS_UNIT_FAKES_PHYSMEM_H

#include "core/types.h"

/* Allocates (zeroed) or replaces the arena. */
void fake_physmem_init(paddr_t base, size_t size);
void fake_physmem_free(void);

#endif
