/*
 * A domain cannot reach memory beyond its own RAM: a write to guest-physical
 * RAM end + 4 KiB, mapped by the guest's own page tables, must make the
 * hypervisor crash this domain (EPT violation). Run beside `witness`, which
 * must finish unharmed.
 */
#include "rt/rt.h"

const char test_title[] = "isolation: a write outside guest RAM crashes only this domain";

#define PROBE_OFFSET 0x1000
/* Let the witness get going first, so that it is mid-run when we crash. */
#define YIELDS_BEFORE 5
#define PROBE_PATTERN 0x15013710aa55aa55ull

void test_main(const struct hvm_start_info *si)
{
	uint64_t ram = rt_ram_end();
	uint64_t target = ram + PROBE_OFFSET;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)target;

	(void)si;
	test_require_xen();
	if (!ram) {
		test_error("no RAM entry in the start info's memory map");
		return;
	}
	/* The boot map covers 1 GiB; beyond it, or to be explicit, map the page ourselves. */
	if (map_page(target & ~(uint64_t)(PAGE_SIZE - 1), target & ~(uint64_t)(PAGE_SIZE - 1),
		     PTE_W)) {
		test_error("cannot map %#lx", target);
		return;
	}
	for (unsigned int i = 0; i < YIELDS_BEFORE; i++)
		hypercall_yield();
	printk("RAM ends at %#lx; writing to guest-physical %#lx now\n", ram, target);
	*p = PROBE_PATTERN;
	/* Still here: the write went somewhere. Whatever it hit, isolation is broken. */
	test_fail("the write to %#lx returned (it reads back %#lx)", target, *p);
}
