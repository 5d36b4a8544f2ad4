/*
 * VMX instructions (SDM volume 3, chapter 31) and per-CPU VMX operation.
 * vmread/vmwrite of a field that does not exist are hypervisor bugs: the
 * checked variants report them.
 */
#ifndef ARCH_X86_VMX_H
#define ARCH_X86_VMX_H

#include "core/types.h"

struct vmx_caps;
extern struct vmx_caps vmx_caps;

/* INVEPT types (SDM 31.3). */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXTS 2

#ifdef HOST_UNIT_TEST
/* Host unit tests replace the VMX instructions with a VMCS kept in memory. */
bool vmx_vmptrld(paddr_t pa);
bool vmx_vmclear(paddr_t pa);
uint64_t vmread(uint64_t field);
void vmwrite(uint64_t field, uint64_t v);
bool vmwrite_checked(uint64_t field, uint64_t v);
void vmx_invept(uint64_t type, uint64_t eptp);
void vmx_invvpid_single(uint16_t vpid);
#else
/* VMfailInvalid (CF) and VMfailValid (ZF) both mean failure (SDM 31.2). */
static inline bool vmx_vmptrld(paddr_t pa)
{
	bool fail;

	asm volatile("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmx_vmclear(paddr_t pa)
{
	bool fail;

	asm volatile("vmclear %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;

	asm volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

static inline void vmwrite(uint64_t field, uint64_t v)
{
	asm volatile("vmwrite %1, %0" : : "r"(field), "rm"(v) : "cc", "memory");
}

/* vmwrite that reports failure (used while building a VMCS). */
static inline bool vmwrite_checked(uint64_t field, uint64_t v)
{
	bool fail;

	asm volatile("vmwrite %2, %1; setbe %0" : "=qm"(fail) : "r"(field), "rm"(v) : "cc", "memory");
	return !fail;
}

struct invept_descriptor {
	uint64_t eptp;
	uint64_t reserved;
};

static inline void vmx_invept(uint64_t type, uint64_t eptp)
{
	struct invept_descriptor d = { eptp, 0 };

	asm volatile("invept %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
}

struct invvpid_descriptor {
	uint64_t vpid;
	uint64_t linear;
};

static inline void vmx_invvpid_single(uint16_t vpid)
{
	struct invvpid_descriptor d = { vpid, 0 };

	asm volatile("invvpid %0, %1" : : "m"(d), "r"(1UL) : "cc", "memory");
}
#endif

/* Capabilities every CPU shares, read once on the boot CPU. */
struct vmx_caps {
	uint32_t revision;
	uint32_t pin_allowed0, pin_allowed1;
	uint32_t proc_allowed0, proc_allowed1;
	uint32_t proc2_allowed1;
	uint32_t exit_allowed0, exit_allowed1;
	uint32_t entry_allowed0, entry_allowed1;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned int preemption_timer_shift; /* timer ticks = TSC >> shift */
	bool preemption_timer; /* the timer exists and keeps counting across exits */
};

static inline bool vmx_preemption_timer_saved(void)
{
	return vmx_caps.preemption_timer;
}

extern struct vmx_caps vmx_caps;

/* Reads the capability MSRs on the boot CPU; call before any VMXON. */
void vmx_caps_init(void);

/*
 * Computes a control word: the bits we want that the CPU allows, plus the
 * bits it requires (SDM A.3). Returns false if a required bit in must is
 * not allowed.
 */
bool vmx_control(uint32_t want, uint32_t must, uint32_t allowed0, uint32_t allowed1,
		 uint32_t *out);

/* The MSR bitmap shared by every vCPU (read-only after set-up). */
extern paddr_t vmx_msr_bitmap_pa;
extern paddr_t vmx_io_bitmap_a_pa, vmx_io_bitmap_b_pa;

#endif
