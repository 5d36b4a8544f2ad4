/* Fake physical memory for host unit tests; see physmem.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/mm.h"
#include "tests/unit/fakes/physmem.h"

static uint8_t *arena;
static paddr_t arena_base;
static size_t arena_size;

void fake_physmem_init(paddr_t base, size_t size)
{
	fake_physmem_free();
	arena = calloc(1, size);
	assert_non_null(arena);
	arena_base = base;
	arena_size = size;
}

void fake_physmem_free(void)
{
	free(arena);
	arena = NULL;
	arena_size = 0;
}

void *phys_to_virt(paddr_t pa)
{
	if (pa < arena_base || pa - arena_base >= arena_size)
		fail_msg("phys_to_virt(%#llx) outside the fake physical memory [%#llx, %#llx)",
			 (unsigned long long)pa, (unsigned long long)arena_base,
			 (unsigned long long)(arena_base + arena_size));
	return arena + (pa - arena_base);
}

paddr_t virt_to_phys(const void *va)
{
	const uint8_t *p = va;

	if (p < arena || p >= arena + arena_size)
		fail_msg("virt_to_phys(%p) outside the fake physical memory", va);
	return arena_base + (paddr_t)(p - arena);
}

/*
 * The frame allocator and the heap take a spinlock (core/spinlock.h) whose
 * wait loop calls this. A test with its own definition (a strong symbol)
 * replaces it.
 */
__attribute__((weak)) void arch_cpu_relax(void)
{
}
