/*
 * The MSRs a guest reaches through RDMSR/WRMSR exits. Everything not named
 * here is refused (-EPERM: the exit handler injects #GP), as on a CPU that
 * lacks the register. EFER and PAT never get here: the exit handler keeps
 * them in the VMCS. The TSC is read without an exit (RDTSC is not
 * intercepted); RDMSR of IA32_TSC does exit and reads the same counter.
 */
#include "arch/x86/emulate.h"
#include "arch/x86/msr.h"
#include "core/arch.h"
#include "core/errno.h"
#include "core/guest_memory.h"
#include "core/lib/string.h"
#include "core/public/cpuid.h"

/* MSR numbers arch/x86/msr.h does not name yet (SDM volume 4, table 2-2). */

#define APIC_DEFAULT_BASE 0xfee00000UL

/* Fast strings on; no branch trace store, no PEBS (there is no PMU). */
#define MISC_ENABLE_FAST_STRINGS (1UL << 0)
#define MISC_ENABLE_BTS_UNAVAILABLE (1UL << 11)
#define MISC_ENABLE_PEBS_UNAVAILABLE (1UL << 12)
#define GUEST_MISC_ENABLE \
	(MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAILABLE | MISC_ENABLE_PEBS_UNAVAILABLE)

/*
 * MTRRs: no variable ranges and no fixed ones (MTRRCAP 0), so the default
 * type is all there is: enabled, write-back, fixed ranges off. EPT decides
 * the real memory type anyway.
 */
#define MTRR_DEF_TYPE_ENABLE (1UL << 11)
#define MTRR_TYPE_WB 6
#define GUEST_MTRR_DEF_TYPE (MTRR_DEF_TYPE_ENABLE | MTRR_TYPE_WB)

/* The hypercall page: 128 stubs "mov $nr, %eax; vmcall; ret", padded with int3. */
#define STUB_MOV_EAX 0xb8
#define STUB_RET 0xc3
#define STUB_INT3 0xcc
static const uint8_t stub_vmcall[3] = { 0x0f, 0x01, 0xc1 };

/*
 * The MSRs a guest reads and writes without an exit: guest-state fields of
 * the VMCS (SDM 25.4.1), or switched with the vCPU by the exit code.
 */
const uint32_t msr_passthrough[] = {
	MSR_FS_BASE,	      MSR_GS_BASE,	   MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP, MSR_KERNEL_GS_BASE, MSR_STAR,		 MSR_LSTAR,
	MSR_CSTAR,	      MSR_SFMASK,
};
const unsigned int nr_msr_passthrough = ARRAY_SIZE(msr_passthrough);

bool msr_is_passthrough(uint32_t msr)
{
	for (unsigned int i = 0; i < nr_msr_passthrough; i++)
		if (msr_passthrough[i] == msr)
			return true;
	return false;
}

static bool msr_is_mtrr(uint32_t msr)
{
	return (msr >= MSR_IA32_MTRR_PHYSBASE0 && msr <= MSR_IA32_MTRR_PHYSMASK_LAST) ||
	       msr == MSR_IA32_MTRR_FIX64K_00000 || msr == MSR_IA32_MTRR_FIX16K_80000 ||
	       msr == MSR_IA32_MTRR_FIX16K_A0000 ||
	       (msr >= MSR_IA32_MTRR_FIX4K_C0000 && msr <= MSR_IA32_MTRR_FIX4K_F8000) ||
	       msr == MSR_IA32_MTRR_DEF_TYPE;
}

/* The xAPIC at its reset address, enabled; vCPU 0 is the bootstrap processor. */
static uint64_t guest_apic_base(const struct vcpu *v)
{
	return APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
}

int msr_emulate_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		*value = guest_apic_base(v);
		return 0;
	case MSR_IA32_FEATURE_CONTROL:
		/* Locked with VMX off: guests see they cannot turn it on. */
		*value = FEATURE_CONTROL_LOCK;
		return 0;
	case MSR_IA32_TSC:
		*value = arch_cycles();
		return 0;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_BIOS_SIGN_ID:
		/* No microcode revision to report. */
	case MSR_IA32_MTRRCAP:
		*value = 0;
		return 0;
	case MSR_IA32_MTRR_DEF_TYPE:
		*value = GUEST_MTRR_DEF_TYPE;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*value = GUEST_MISC_ENABLE;
		return 0;
	default:
		/* The other MTRRs read as their (ignored) reset value. */
		if (msr_is_mtrr(msr)) {
			*value = 0;
			return 0;
		}
		/* Including XEN_HYPERCALL_MSR, which is write-only. */
		return -EPERM;
	}
}

/*
 * XEN_HYPERCALL_MSR: bits 63:12 the guest-physical page, bits 11:0 which
 * hypercall page to put there; there is only page 0.
 */
static int install_hypercall_page(struct vcpu *v, uint64_t value)
{
	struct domain *d = v->domain;
	uint64_t gpa = value & ~(PAGE_SIZE - 1);
	uint8_t stub[XEN_HYPERCALL_STUB_SIZE];
	uint32_t nr;

	if (value & (PAGE_SIZE - 1))
		return -EPERM;
	/* All of the page must be RAM: nothing is written unless every stub fits. */
	if (gpa >= d->memory_bytes || d->memory_bytes - gpa < PAGE_SIZE)
		return -EPERM;

	memset(stub, STUB_INT3, sizeof(stub));
	stub[0] = STUB_MOV_EAX;
	memcpy(&stub[5], stub_vmcall, sizeof(stub_vmcall));
	stub[8] = STUB_RET;
	for (nr = 0; nr < PAGE_SIZE / XEN_HYPERCALL_STUB_SIZE; nr++) {
		/* The imm32 of "mov $nr, %eax", little-endian. */
		stub[1] = nr & 0xff;
		stub[2] = (nr >> 8) & 0xff;
		stub[3] = (nr >> 16) & 0xff;
		stub[4] = (nr >> 24) & 0xff;
		if (guest_phys_write(d, gpa + nr * XEN_HYPERCALL_STUB_SIZE, stub, sizeof(stub)))
			return -EPERM;
	}
	v->arch.hypercall_page_gpa = gpa;
	return 0;
}

int msr_emulate_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
	switch (msr) {
	case XEN_HYPERCALL_MSR:
		return install_hypercall_page(v, value);
	case MSR_IA32_APIC_BASE:
		/* Neither moving the APIC nor x2APIC mode is offered: only a rewrite. */
		return value == guest_apic_base(v) ? 0 : -EPERM;
	case MSR_IA32_BIOS_SIGN_ID:
		/* Linux writes 0 before CPUID to read the microcode revision. */
	case MSR_IA32_MISC_ENABLE:
		/* Ignored: the guest reads back our fixed value. */
		return 0;
	default:
		/* MTRR writes are accepted and ignored: EPT sets the memory type. */
		if (msr_is_mtrr(msr))
			return 0;
		return -EPERM;
	}
}
