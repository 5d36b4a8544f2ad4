/*
 * CPUID as a guest sees it: the host's answer, with every feature the
 * hypervisor does not virtualise taken out (feature bits pass through an
 * allow-list, so a feature new hardware adds stays hidden until someone
 * decides otherwise), plus Xen's hypervisor leaves at 0x40000000.
 *
 * Choices worth knowing:
 * - XSAVE, OSXSAVE, AVX and everything built on XSAVE state are hidden and
 *   leaf 0xD is empty: guests use FXSAVE, and XSETBV only accepts XCR0 = 1.
 * - x2APIC and the TSC deadline timer are hidden until the local APIC is
 *   emulated; MCE/MCA, the PMU, RDT, PT, SGX, RDTSCP/RDPID (TSC_AUX is not
 *   switched) and the speculation-control MSRs are hidden because those
 *   MSRs answer #GP.
 * - Topology: each vCPU is one core of one package (leaf 1 EBX, leaf 4);
 *   leaves 0xB/0x1F are empty, so guests fall back to leaves 1 and 4.
 * - A leaf above the host's maximum reads as zeros (real Intel parts repeat
 *   the highest basic leaf instead).
 */
#include "arch/x86/emulate.h"
#include "core/public/cpuid.h"

#define BIT(n) (1u << (n))

/* Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, CX16, SSE4.1, SSE4.2, MOVBE, POPCNT, AES, RDRAND. */
#define LEAF1_ECX_ALLOWED                                                                 \
	(BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | \
	 BIT(30))
#define LEAF1_ECX_HYPERVISOR BIT(31)

/*
 * Leaf 1 EDX: FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, APIC, SEP, MTRR, PGE,
 * CMOV, PAT, PSE36, CLFSH, MMX, FXSR, SSE, SSE2, SS. HTT is set from the topology.
 */
#define LEAF1_EDX_ALLOWED                                                                   \
	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(9) |    \
	 BIT(11) | BIT(12) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) |     \
	 BIT(24) | BIT(25) | BIT(26) | BIT(27))
#define LEAF1_EDX_HTT BIT(28)

/* Leaf 1 EBX: brand index and CLFLUSH size kept; logical count and APIC id are ours. */
#define LEAF1_EBX_KEPT 0x0000ffffu
#define LEAF1_EBX_COUNT_SHIFT 16
#define LEAF1_EBX_APIC_ID_SHIFT 24

/*
 * Leaf 7.0 EBX: FSGSBASE, BMI1, HLE, FDP_EXCPTN_ONLY, SMEP, BMI2, ERMS, RTM,
 * FPU CS/DS deprecation, RDSEED, ADX, SMAP, CLFLUSHOPT, CLWB, SHA.
 */
#define LEAF7_EBX_ALLOWED                                                                  \
	(BIT(0) | BIT(3) | BIT(4) | BIT(6) | BIT(7) | BIT(8) | BIT(9) | BIT(11) | BIT(13) | \
	 BIT(18) | BIT(19) | BIT(20) | BIT(23) | BIT(24) | BIT(29))
/* Leaf 7.0 ECX: UMIP, GFNI, CLDEMOTE, MOVDIRI, MOVDIR64B. */
#define LEAF7_ECX_ALLOWED (BIT(2) | BIT(8) | BIT(25) | BIT(27) | BIT(28))
/* Leaf 7.0 EDX: FSRM, MD_CLEAR, SERIALIZE. */
#define LEAF7_EDX_ALLOWED (BIT(4) | BIT(10) | BIT(14))

/* Leaf 4 EAX: cache type in bits 4:0; sharing counts in bits 25:14 and 31:26. */
#define LEAF4_EAX_TYPE_MASK 0x1fu
#define LEAF4_EAX_KEPT 0x00003fffu
#define LEAF4_EAX_CORES_SHIFT 26

/* Leaf 0x80000001 ECX: LAHF/SAHF, LZCNT, PREFETCHW. EDX: SYSCALL, NX, 1 GiB pages, LM. */
#define LEAF_EXT1_ECX_ALLOWED (BIT(0) | BIT(5) | BIT(8))
#define LEAF_EXT1_EDX_ALLOWED (BIT(11) | BIT(20) | BIT(26) | BIT(29))

#define CPUID_EXT_FIRST 0x80000000u
#define CPUID_EXT_LAST 0x80000008u
#define CPUID_HYPERVISOR_RANGE_END 0x50000000u

#define XEN_VERSION_LEAF_VALUE 0x00040011u /* 4.17 */

/* The hardware's answer: the one edge host unit tests replace. */
#ifdef HOST_UNIT_TEST
void cpuid_host(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
#else
static void cpuid_host(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	cpuid_count(leaf, subleaf, r);
}
#endif

static void basic_leaf(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	uint32_t nr_vcpus = MAX(v->domain->nr_vcpus, 1u);

	cpuid_host(leaf, subleaf, r);
	switch (leaf) {
	case 0x0: /* maximum leaf and vendor */
	case 0x2: /* cache and TLB descriptors */
	case 0x15: /* TSC and crystal clock ratio: the TSC runs unscaled */
	case 0x16: /* processor frequencies */
		break;
	case 0x1:
		r->ebx = (r->ebx & LEAF1_EBX_KEPT) | (nr_vcpus << LEAF1_EBX_COUNT_SHIFT) |
			 (v->id << LEAF1_EBX_APIC_ID_SHIFT);
		r->ecx = (r->ecx & LEAF1_ECX_ALLOWED) | LEAF1_ECX_HYPERVISOR;
		r->edx &= LEAF1_EDX_ALLOWED;
		if (nr_vcpus > 1)
			r->edx |= LEAF1_EDX_HTT;
		break;
	case 0x4:
		/* Every cache private to its core, one core per vCPU. */
		if (r->eax & LEAF4_EAX_TYPE_MASK)
			r->eax = (r->eax & LEAF4_EAX_KEPT) |
				 ((nr_vcpus - 1) << LEAF4_EAX_CORES_SHIFT);
		break;
	case 0x7:
		if (subleaf == 0) {
			r->eax = 0; /* no further subleaves */
			r->ebx &= LEAF7_EBX_ALLOWED;
			r->ecx &= LEAF7_ECX_ALLOWED;
			r->edx &= LEAF7_EDX_ALLOWED;
		} else {
			*r = (struct cpuid_regs){ 0 };
		}
		break;
	default:
		/* MONITOR, power, PMU, topology, XSAVE, RDT, SGX, PT, ...: not offered. */
		*r = (struct cpuid_regs){ 0 };
		break;
	}
}

static void extended_leaf(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	cpuid_host(leaf, subleaf, r);
	switch (leaf) {
	case CPUID_EXT_FIRST:
		r->eax = MIN(r->eax, CPUID_EXT_LAST);
		break;
	case 0x80000001:
		r->ecx &= LEAF_EXT1_ECX_ALLOWED;
		r->edx &= LEAF_EXT1_EDX_ALLOWED;
		break;
	case 0x80000008:
		/* Address sizes only; the rest names AMD features and MSRs. */
		r->ebx = r->ecx = r->edx = 0;
		break;
	default:
		/* Brand string, caches, invariant TSC: facts, not features. */
		break;
	}
}

static void xen_leaf(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	*r = (struct cpuid_regs){ 0 };
	switch (leaf) {
	case XEN_CPUID_LEAF(0):
		r->eax = XEN_CPUID_LEAF(XEN_CPUID_MAX_LEAF_OFFSET);
		r->ebx = XEN_CPUID_SIGNATURE_EBX;
		r->ecx = XEN_CPUID_SIGNATURE_ECX;
		r->edx = XEN_CPUID_SIGNATURE_EDX;
		break;
	case XEN_CPUID_LEAF(1):
		r->eax = XEN_VERSION_LEAF_VALUE;
		break;
	case XEN_CPUID_LEAF(2):
		r->eax = 1; /* one hypercall page */
		r->ebx = XEN_HYPERCALL_MSR;
		break;
	case XEN_CPUID_LEAF(4):
		/* No per-vCPU upcall vector until event channels exist. */
		r->eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;
		r->ebx = v->id;
		r->ecx = v->domain->id;
		break;
	default:
		/*
		 * 3 (time) and 5 (PV features) are empty, and nothing else exists:
		 * Linux scans every 0x100 leaves for a signature and must find only ours.
		 */
		break;
	}
}

void cpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	struct cpuid_regs max;

	if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < CPUID_HYPERVISOR_RANGE_END) {
		xen_leaf(v, leaf, out);
		return;
	}

	cpuid_host(leaf & CPUID_EXT_FIRST, 0, &max);
	if (leaf < CPUID_EXT_FIRST && leaf <= max.eax)
		basic_leaf(v, leaf, subleaf, out);
	else if (leaf >= CPUID_EXT_FIRST && leaf <= MIN(max.eax, CPUID_EXT_LAST))
		extended_leaf(leaf, subleaf, out);
	else
		*out = (struct cpuid_regs){ 0 };
}
