/*
 * A guest that halts with interrupts off and never wakes: HLT must block
 * its vCPU (not spin), so the `witness` domain on the same CPU finishes,
 * and the hypervisor destroys this one at its timeout, reporting the vCPU
 * as blocked. No result line is ever printed: the expected outcome is CRASH.
 */
#include "rt/rt.h"

const char test_title[] = "hlt: halts with interrupts off, waits for an event";

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_require_xen();
	printk("halting with interrupts off\n");
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}
