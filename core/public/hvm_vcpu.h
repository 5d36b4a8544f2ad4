/*
 * The register state an HVM/PVH guest gives VCPUOP_initialise for a
 * secondary vCPU (Xen 4.17 public/hvm/hvm_vcpu.h, same layout and numbers).
 * 32B mode gives every segment's hidden part; 64B mode starts the vCPU in
 * 64-bit mode with flat segments the hypervisor chooses.
 *
 * Segment attribute (_ar) bits: 0-3 type, 4 S, 5-6 DPL, 7 P, 8 AVL, 9 L,
 * 10 D/B, 11 G; bits 12-15 must be zero. Limits are in bytes.
 */
#ifndef CORE_PUBLIC_HVM_VCPU_H
#define CORE_PUBLIC_HVM_VCPU_H

#include <stdint.h>

struct vcpu_hvm_x86_32 {
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t eip;
	uint32_t eflags;
	uint32_t cr0, cr3, cr4;
	uint32_t pad1; /* must be 0 */
	uint64_t efer;
	uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
	uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
	uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
	uint16_t pad2[3]; /* must be 0 */
};

struct vcpu_hvm_x86_64 {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0, cr3, cr4, efer;
};

#define VCPU_HVM_MODE_32B 0
#define VCPU_HVM_MODE_64B 1

struct vcpu_hvm_context {
	uint32_t mode; /* VCPU_HVM_MODE_* */
	uint32_t pad;  /* must be 0 */
	union {
		struct vcpu_hvm_x86_32 x86_32;
		struct vcpu_hvm_x86_64 x86_64;
	} cpu_regs;
};

/* The _ar bits the checks name. */
#define VCPU_HVM_AR_TYPE 0x00f
#define VCPU_HVM_AR_S (1u << 4)
#define VCPU_HVM_AR_DPL_SHIFT 5
#define VCPU_HVM_AR_P (1u << 7)
#define VCPU_HVM_AR_L (1u << 9)
#define VCPU_HVM_AR_DB (1u << 10)
#define VCPU_HVM_AR_G (1u << 11)
#define VCPU_HVM_AR_RESERVED 0xf000

_Static_assert(sizeof(struct vcpu_hvm_x86_32) == 120, "Xen's 32-bit layout");
_Static_assert(sizeof(struct vcpu_hvm_x86_64) == 112, "Xen's 64-bit layout");
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "Xen's layout");

#endif
