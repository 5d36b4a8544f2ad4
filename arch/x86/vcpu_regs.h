/*
 * The per-domain and per-vCPU state the x86 VMX backend keeps inside
 * struct domain and struct vcpu (core/domain.h embeds these).
 */
#ifndef ARCH_X86_VCPU_REGS_H
#define ARCH_X86_VCPU_REGS_H

#include "core/types.h"

/*
 * Guest general registers not kept in the VMCS (RSP and RIP are). The five
 * hypercall argument registers come first, in argument order, so the
 * VMCALL handler passes them as an array without copying.
 */
struct guest_regs {
	union {
		struct {
			uint64_t rdi, rsi, rdx, r10, r8;
		};
		uint64_t args[5]; /* hypercall arguments 1-5 */
	};
	uint64_t rax, rbx, rcx, rbp, r9, r11, r12, r13, r14, r15;
	uint64_t cr2;
};

#define FXSAVE_SIZE 512

/*
 * Guest registers that neither the VMCS nor the exit stub hold: the x87/SSE
 * state and DR0-DR3/DR6, which VM entries and exits leave alone (every
 * domain on a CPU would share them), and the task priority that CR8
 * accesses (which exit) read and write. arch_vcpu_run switches them.
 */
struct guest_cpu_state {
	uint8_t fxsave[FXSAVE_SIZE] __aligned(16);
	uint64_t dr[4];
	uint64_t dr6;
	uint64_t tpr;
};

/* A segment register's visible and hidden parts, access rights in VMCS form (SDM 25.4.1). */
struct vmx_segment {
	uint16_t selector;
	uint32_t base;
	uint32_t limit; /* in bytes */
	uint32_t ar;    /* bit 16: unusable */
};

/*
 * The state a vCPU starts in, written into its VMCS when it is built on the
 * vCPU's own CPU: the PVH entry (vCPU 0) or what VCPUOP_initialise checked.
 * Control registers are as the guest sees them; fixed bits are added then.
 */
struct vcpu_start_state {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
	struct vmx_segment cs, ss, ds, es, fs, gs, tr;
	bool has_pdptes; /* PAE paging outside long mode: VM entry takes these (SDM 27.3.2.4) */
	uint64_t pdpte[4];
};

struct arch_domain {
	paddr_t ept_root;     /* PML4 of the domain's EPT */
	uint64_t eptp;        /* EPT pointer as written to the VMCS */
	uint64_t ept_tables;  /* frames used by EPT paging structures */
};

/*
 * The last successful 4- or 5-level walk of a vCPU (arch/x86/guest_walk.c):
 * where each entry on the path is in host memory and what it held. The
 * walk is redone unless the paging registers match and every entry still
 * holds its value: then it would read the same entries and give the same
 * frame, so the cache is a memo of the walk, never a stale TLB.
 */
struct guest_walk_cache {
	uint64_t cr3, cr4, efer;
	uint64_t gva_page; /* gva >> 12 of the walk; ~0: empty */
	uint64_t gpa_page; /* its result, page aligned */
	const volatile uint64_t *entry[5];
	uint64_t value[5];
	uint8_t levels; /* entries on the path (fewer for a large page) */
	bool write;     /* checked for a write: also good for a read */
};

struct arch_vcpu {
	struct guest_regs regs; /* must stay first: vmx_entry.S indexes it */
	void *vmcs;             /* the VMCS region (one page) */
	paddr_t vmcs_pa;
	uint16_t vpid;
	bool launched;          /* VMLAUNCH done: the next entry is VMRESUME */
	int loaded_on_cpu;      /* physical CPU whose current VMCS this is, or -1 */
	uint64_t hypercall_page_gpa; /* 0: none installed */
	uint64_t slice_deadline; /* TSC end of the slice when there is no preemption timer */
	bool vmcs_ready;        /* fields written (on the vCPU's own CPU, at first run) */
	struct vcpu_start_state start; /* applied when the VMCS is built */
	struct guest_cpu_state cpu_state;
	/* MSRs passed through without VMCS fields: switched with the vCPU. */
	uint64_t msr_kernel_gs_base, msr_star, msr_lstar, msr_cstar, msr_sfmask;
	/* Pending event to inject at the next VM entry (SDM 26.6). */
	bool inject_pending;
	uint8_t inject_vector;
	uint8_t inject_type;    /* 3 hardware exception, 0 external interrupt, ... */
	bool inject_has_error;
	uint32_t inject_error;
	struct guest_walk_cache walk_cache;
};

#endif
