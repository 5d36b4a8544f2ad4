/*
 * Extended page tables (SDM vol 3, 29.3): one 4-level EPT per domain maps
 * guest-physical to host-physical addresses with 4 KiB, 2 MiB and 1 GiB
 * leaves. core/arch.h's arch_domain_init/destroy/map/unmap are implemented
 * in ept.c; this header adds what the VMX code and the tests need.
 *
 * Invalidation contract with the VM-entry path: every change that can leave a
 * stale cached translation (a present entry changed or removed, an EPT
 * created in a frame that may have held another one) bumps ept_generation()
 * and does a local INVEPT when this CPU is in VMX operation. Other CPUs catch
 * up in ept_sync_cpu(), which the VM-entry path calls before every entry; a
 * CPU running the guest at the moment of the change keeps stale translations
 * until it next exits, so a caller that frees the frames behind removed
 * mappings of a running domain must first kick its CPUs out of guest mode.
 */
#ifndef ARCH_X86_EPT_H
#define ARCH_X86_EPT_H

#include "arch/x86/msr.h"
#include "arch/x86/vmx.h"
#include "core/config.h"
#include "core/types.h"

struct domain;

/* EPT paging-structure entry (SDM 29.3.2, tables 29-1 to 29-6). */
#define EPT_READ (1UL << 0)
#define EPT_WRITE (1UL << 1)
#define EPT_EXEC (1UL << 2)
#define EPT_PERMS (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MEMTYPE_SHIFT 3
#define EPT_MEMTYPE_MASK (7UL << EPT_MEMTYPE_SHIFT)
#define EPT_IGNORE_PAT (1UL << 6)
#define EPT_LARGE (1UL << 7)
#define EPT_ADDR_MASK 0x000ffffffffff000UL

/* EPT pointer (SDM 25.6.11): memory type of the tables and page-walk length - 1. */
#define EPTP_MEMTYPE_WB 6UL
#define EPTP_WALK_LENGTH_4 (3UL << 3)

#define EPT_LEVELS 4
#define EPT_GPA_BITS 48

/* Memory types (SDM 12.3, table 12-8), as used in MTRRs and EPT leaves. */
#define MEMTYPE_UC 0
#define MEMTYPE_WC 1
#define MEMTYPE_WT 4
#define MEMTYPE_WP 5
#define MEMTYPE_WB 6

/* The IA32_VMX_EPT_VPID_CAP bits (EPT_CAP_*) are in msr.h. */

/* MTRR register fields (SDM 12.11.2); the MSR numbers are in msr.h. */
#define MTRRCAP_VCNT_MASK 0xffUL
#define MTRRCAP_FIX (1UL << 8)
#define MTRR_DEF_TYPE_MASK 0xffUL
#define MTRR_DEF_FIXED_ENABLE (1UL << 10)
#define MTRR_DEF_ENABLE (1UL << 11)
#define MTRR_PHYSMASK_VALID (1UL << 11)

/*
 * Reads the EPT capabilities, MAXPHYADDR and the MTRRs of this CPU (firmware
 * programs every CPU alike). arch_domain_init() does it on first use; tests
 * call it again after changing their fake MSRs.
 */
void ept_host_init(void);

/*
 * Memory type the host MTRRs give [pa, pa + size), a naturally aligned power
 * of two; false if the type is not the same across it.
 */
bool ept_host_memtype(paddr_t pa, uint64_t size, uint8_t *type);

/* Host-physical address and ARCH_MAP_* permissions of gpa; -ENOENT if unmapped. */
int ept_translate(struct domain *d, uint64_t gpa, paddr_t *hpa, unsigned int *perms);

/* Logs the domain's mappings as ranges of equal permissions and memory type. */
void ept_dump(struct domain *d);

/* Changes whenever cached translations of some EPT may have gone stale. */
uint64_t ept_generation(const struct domain *d);

/*
 * Makes this CPU's cached EPT translations current before entering d: INVEPT
 * when the generation moved since this CPU last synchronised. Call with
 * interrupts off, in VMX operation, right before VMLAUNCH/VMRESUME.
 */
void ept_sync_cpu(struct domain *d);

/* Bumped by every EPT change; each CPU records the value it last flushed at. */
extern uint64_t ept_global_generation;
extern uint64_t ept_synced_generation[HV_MAX_CPUS];

/* True when this CPU may hold translations older than the last EPT change. */
static inline bool ept_cpu_stale(unsigned int cpu)
{
	return ept_synced_generation[cpu] !=
	       __atomic_load_n(&ept_global_generation, __ATOMIC_ACQUIRE);
}

/*
 * Hardware edges, replaced by fakes in the host unit tests. "In VMX
 * operation" is read as CR4.VMXE: the VMX code sets it just before VMXON and
 * clears it after VMXOFF, and INVEPT outside VMX operation would fault.
 */
#ifdef HOST_UNIT_TEST
uint64_t ept_hw_rdmsr(uint32_t msr);
unsigned int ept_hw_phys_addr_bits(void);
bool ept_hw_in_vmx_operation(void);
void ept_hw_invept(unsigned int type, uint64_t eptp);
#else
#include "arch/x86/cpu.h"

static inline uint64_t ept_hw_rdmsr(uint32_t msr)
{
	return rdmsr(msr);
}

static inline unsigned int ept_hw_phys_addr_bits(void)
{
	return cpu_phys_addr_bits();
}

static inline bool ept_hw_in_vmx_operation(void)
{
	return read_cr4() & X86_CR4_VMXE;
}

static inline void ept_hw_invept(unsigned int type, uint64_t eptp)
{
	vmx_invept(type, eptp);
}
#endif

#endif
