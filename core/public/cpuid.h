/*
 * The hypervisor CPUID leaves a Xen HVM/PVH guest looks for
 * (xen/include/public/arch-x86/cpuid.h) and the hypercall-page MSR.
 */
#ifndef CORE_PUBLIC_CPUID_H
#define CORE_PUBLIC_CPUID_H

#define XEN_CPUID_FIRST_LEAF 0x40000000
#define XEN_CPUID_LEAF(i) (XEN_CPUID_FIRST_LEAF + (i))
#define XEN_CPUID_MAX_LEAF_OFFSET 5

/* Leaf 0: EBX, ECX, EDX spell "XenVMMXenVMM". */
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558 /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4d /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566e /* "nVMM" */

/* Leaf 2: EAX hypercall pages, EBX the MSR that installs them. */
#define XEN_HYPERCALL_MSR 0x40000000

/* Leaf 4 EAX: HVM features. */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT (1u << 0)
#define XEN_HVM_CPUID_X2APIC_VIRT (1u << 1)
#define XEN_HVM_CPUID_IOMMU_MAPPINGS (1u << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3) /* EBX = vcpu id */
#define XEN_HVM_CPUID_DOMID_PRESENT (1u << 4)   /* ECX = domid */
#define XEN_HVM_CPUID_UPCALL_VECTOR (1u << 6)

/* Each hypercall stub in the page is 32 bytes: call page + nr * 32. */
#define XEN_HYPERCALL_STUB_SIZE 32

#endif
