/*
 * A guest that never gives its CPU back: interrupts off, spinning forever.
 * The hypervisor must keep control (VMX preemption timer), keep running the
 * `witness` domain on the same CPU, and destroy this one at its timeout.
 * No result line is ever printed: the expected outcome is CRASH.
 */
#include "rt/rt.h"

const char test_title[] = "spin: interrupts off, never yields";

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_require_xen();
	printk("spinning with interrupts off\n");
	asm volatile("cli\n"
		     "1: jmp 1b");
	__builtin_unreachable();
}
