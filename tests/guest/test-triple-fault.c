/*
 * A triple fault in a guest ends that domain, not the machine: with an IDT
 * of limit 0, an exception cannot be delivered (#GP), nor can that (#DF),
 * and the CPU shuts down - which under VT-x is a VM exit the hypervisor
 * must turn into a crash of this domain only. Run beside `witness`.
 */
#include "rt/rt.h"

const char test_title[] = "triple fault: only this domain crashes";

/* Let the witness get going first, so that it is mid-run when we crash. */
#define YIELDS_BEFORE 5

void test_main(const struct hvm_start_info *si)
{
	static const struct desc_ptr no_idt = { .limit = 0, .base = 0 };

	(void)si;
	test_require_xen();
	for (unsigned int i = 0; i < YIELDS_BEFORE; i++)
		hypercall_yield();
	printk("loading an empty IDT and raising #UD\n");
	lidt(&no_idt);
	asm volatile("ud2");
	/* Unreachable on a correct CPU or hypervisor. */
	test_fail("execution continued after the triple fault");
}
