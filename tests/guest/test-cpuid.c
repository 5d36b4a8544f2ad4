/*
 * What CPUID shows a guest: a hypervisor is present, VMX is hidden, and the
 * Xen leaves at 0x40000000 say who we are (XEN-ABI.md, "CPUID").
 */
#include "rt/rt.h"

const char test_title[] = "CPUID: hypervisor bit, hidden VMX, Xen leaves";

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define XEN_MIN_VERSION ((4u << 16) | 17)
/* Linux scans 0x40000000-0x40010000 in steps of 0x100: nothing may answer at +0x100. */
#define XEN_CPUID_NEXT_BASE (XEN_CPUID_FIRST_LEAF + 0x100)

static void test_leaf1(void)
{
	struct cpuid_result r = cpuid(1);

	check(r.ecx & CPUID1_ECX_HYPERVISOR, "leaf 1 ECX bit 31 (hypervisor) is set: ECX %#x",
	      r.ecx);
	check(!(r.ecx & CPUID1_ECX_VMX), "leaf 1 ECX bit 5 (VMX) is clear: ECX %#x", r.ecx);
}

static void test_xen_leaves(void)
{
	struct cpuid_result r = cpuid(XEN_CPUID_LEAF(0));
	char signature[13];
	uint32_t v;

	memcpy(signature, &r.ebx, 4);
	memcpy(signature + 4, &r.ecx, 4);
	memcpy(signature + 8, &r.edx, 4);
	signature[12] = '\0';
	check(strcmp(signature, "XenVMMXenVMM") == 0, "leaf 0x40000000 signature \"%s\"",
	      signature);
	check_eq("leaf 0x40000000 EAX (max leaf)", r.eax,
		 XEN_CPUID_LEAF(XEN_CPUID_MAX_LEAF_OFFSET));

	v = cpuid(XEN_CPUID_LEAF(1)).eax;
	check(v >= XEN_MIN_VERSION, "leaf 0x40000001 version %u.%u is at least 4.17", v >> 16,
	      v & 0xffff);

	r = cpuid(XEN_CPUID_LEAF(2));
	check_eq("leaf 0x40000002 EAX (hypercall pages)", r.eax, 1);
	check_eq("leaf 0x40000002 EBX (hypercall MSR)", r.ebx, XEN_HYPERCALL_MSR);

	r = cpuid(XEN_CPUID_LEAF(4));
	check(r.eax & XEN_HVM_CPUID_VCPU_ID_PRESENT, "leaf 0x40000004 EAX %#x has vCPU id present",
	      r.eax);
	check_eq("leaf 0x40000004 EBX (vCPU id)", r.ebx, 0);
	check(r.eax & XEN_HVM_CPUID_DOMID_PRESENT, "leaf 0x40000004 EAX %#x has domid present",
	      r.eax);
	check(r.ecx > 0 && r.ecx < DOMID_SELF, "leaf 0x40000004 ECX (domid) %u is a domU id",
	      r.ecx);
	printk("this is domain %u\n", r.ecx);

	check_eq("leaf 0x40000100 EAX (no second hypervisor base)", cpuid(XEN_CPUID_NEXT_BASE).eax,
		 0);
}

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_leaf1();
	if (!check(xen_cpuid_base == XEN_CPUID_FIRST_LEAF, "Xen leaves found at %#x",
		   xen_cpuid_base))
		return;
	test_xen_leaves();
}
