/*
 * Hypercall page set-up, as XTF does it: find the Xen CPUID leaves, write
 * the page's guest-physical address to the MSR that leaf base+2 names, and
 * check that the hypervisor replaced the page's initial RET bytes.
 */
#include "rt/rt.h"

/* Linux and XTF scan for the Xen leaves in this range, in steps of 0x100. */
#define XEN_CPUID_SCAN_END 0x40010000
#define XEN_CPUID_SCAN_STEP 0x100
#define X86_RET_OPCODE 0xc3

uint32_t xen_cpuid_base;
bool hypercall_page_ready;

static bool is_xen_signature(const struct cpuid_result *r)
{
	return r->ebx == XEN_CPUID_SIGNATURE_EBX && r->ecx == XEN_CPUID_SIGNATURE_ECX &&
	       r->edx == XEN_CPUID_SIGNATURE_EDX;
}

static uint32_t find_xen_cpuid_base(void)
{
	uint32_t base;

	/* Leaf 1 ECX bit 31: without it there is no hypervisor leaf to look at. */
	if (!(cpuid(1).ecx & (1u << 31)))
		return 0;
	for (base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_SCAN_END; base += XEN_CPUID_SCAN_STEP) {
		struct cpuid_result r = cpuid(base);

		if (is_xen_signature(&r) && r.eax >= base + 2)
			return base;
	}
	return 0;
}

int hypercall_init(void)
{
	struct cpuid_result r;

	xen_cpuid_base = find_xen_cpuid_base();
	if (!xen_cpuid_base)
		return -ENODEV;

	r = cpuid(xen_cpuid_base + 2);
	/* Identity-mapped: the page's virtual address is its guest-physical one. */
	wrmsr(r.ebx, (uint64_t)(uintptr_t)hypercall_page);
	if (hypercall_page[0] == X86_RET_OPCODE)
		return -EIO;
	hypercall_page_ready = true;
	return 0;
}

int64_t hypercall_shutdown(uint32_t reason)
{
	struct sched_shutdown s = { .reason = reason };

	if (!hypercall_page_ready)
		return -ENOSYS;
	return hypercall_sched_op(SCHEDOP_shutdown, &s);
}
