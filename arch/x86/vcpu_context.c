/*
 * VCPUOP_initialise for HVM/PVH guests: checks a struct vcpu_hvm_context
 * and turns it into the vCPU's start state (v->arch.start), which the VMCS
 * gets when it is built on the vCPU's own CPU. The checks are Xen's
 * (arch/x86/hvm/domain.c: segments, EIP in CS, DPLs, long-mode bits), plus
 * those VM entry would otherwise fail on (SDM 27.3.1): a bad context is
 * -EINVAL for the caller, never a failed VM entry later.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmcs_fields.h"
#include "core/arch.h"
#include "core/domain.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/public/hvm_vcpu.h"

/* The architectural RFLAGS bits (Xen's X86_EFLAGS_ALL) and the one that reads as 1. */
#define RFLAGS_ARCH 0x3f7fd5UL
#define RFLAGS_FIXED1 0x2UL
#define RFLAGS_VM (1UL << 17)
#define CR0_VALID                                                                          \
	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | X86_CR0_NE |        \
	 X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

#define TYPE_CODE 0x8
#define TYPE_WRITABLE_OR_READABLE 0x2
#define TYPE_ACCESSED 0x1
#define TYPE_TSS_BUSY_BIT 0x2
#define TYPE_TSS32_BUSY 0xb
#define AR_DATA_FLAT 0xc093 /* VMCS form: present, DPL 0, read/write accessed, 32-bit, 4 KiB */
#define AR_CODE64 0xa09b    /* present, DPL 0, execute/read accessed, L, 4 KiB */
#define AR_TSS_BUSY 0x008b
#define TSS_LIMIT 0x67

enum start_segment { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_TR };

static unsigned int ar_dpl(uint32_t vmx_ar)
{
	return (vmx_ar >> VCPU_HVM_AR_DPL_SHIFT) & 3;
}

static bool ar_present(uint32_t vmx_ar)
{
	return !(vmx_ar & VMX_AR_UNUSABLE) && (vmx_ar & VCPU_HVM_AR_P);
}

/*
 * Xen's check_segment: a null DS/ES is allowed (unusable), anything else
 * must be a present segment of the right kind. The accessed (busy for TR)
 * type bit is set, as VM entry requires of usable segments.
 */
static int segment_from_guest(enum start_segment which, uint32_t base, uint32_t limit,
			      uint16_t ar, struct vmx_segment *out)
{
	uint32_t type = ar & VCPU_HVM_AR_TYPE;

	if (ar & VCPU_HVM_AR_RESERVED)
		return -EINVAL;
	if (!ar) {
		if (which != SEG_DS && which != SEG_ES)
			return -EINVAL;
		*out = (struct vmx_segment){ .ar = VMX_AR_UNUSABLE };
		return 0;
	}
	if (!(ar & VCPU_HVM_AR_P))
		return -EINVAL;
	type |= which == SEG_TR ? TYPE_TSS_BUSY_BIT : TYPE_ACCESSED;
	if (which == SEG_TR) {
		if ((ar & VCPU_HVM_AR_S) || type != TYPE_TSS32_BUSY)
			return -EINVAL;
	} else if (!(ar & VCPU_HVM_AR_S)) {
		return -EINVAL;
	}
	switch (which) {
	case SEG_CS:
		if (!(type & TYPE_CODE))
			return -EINVAL;
		break;
	case SEG_SS:
		if ((type & TYPE_CODE) || !(type & TYPE_WRITABLE_OR_READABLE))
			return -EINVAL;
		break;
	case SEG_DS:
	case SEG_ES:
		if ((type & TYPE_CODE) && !(type & TYPE_WRITABLE_OR_READABLE))
			return -EINVAL;
		break;
	case SEG_TR:
		break;
	}
	/* SDM 27.3.1.2: byte granularity up to 1 MiB, 4 KiB granularity with all low bits set. */
	if ((ar & VCPU_HVM_AR_G) ? (limit & 0xfff) != 0xfff : (limit >> 20) != 0)
		return -EINVAL;
	/* The VMCS keeps AVL, L, D/B and G in bits 12-15 (SDM 25.4.1). */
	*out = (struct vmx_segment){
		.base = base,
		.limit = limit,
		.ar = (ar & 0xf0) | type | ((uint32_t)(ar & 0xf00) << 4),
	};
	return 0;
}

static int start_from_32b(const struct vcpu_hvm_x86_32 *r, struct vcpu_start_state *s)
{
	int rc;

	if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
		return -EINVAL;
	rc = segment_from_guest(SEG_CS, r->cs_base, r->cs_limit, r->cs_ar, &s->cs);
	if (!rc)
		rc = segment_from_guest(SEG_SS, r->ss_base, r->ss_limit, r->ss_ar, &s->ss);
	if (!rc)
		rc = segment_from_guest(SEG_DS, r->ds_base, r->ds_limit, r->ds_ar, &s->ds);
	if (!rc)
		rc = segment_from_guest(SEG_ES, r->es_base, r->es_limit, r->es_ar, &s->es);
	if (!rc)
		rc = segment_from_guest(SEG_TR, r->tr_base, r->tr_limit, r->tr_ar, &s->tr);
	if (rc)
		return rc;
	if (r->eip > s->cs.limit)
		return -EINVAL;
	if (ar_dpl(s->ss.ar) != ar_dpl(s->cs.ar))
		return -EINVAL;
	if ((ar_present(s->ds.ar) && ar_dpl(s->ds.ar) > ar_dpl(s->cs.ar)) ||
	    (ar_present(s->es.ar) && ar_dpl(s->es.ar) > ar_dpl(s->cs.ar)))
		return -EINVAL;
	/* SDM 27.3.1.2: SS.DPL is 0 with protection off. */
	if (!(r->cr0 & X86_CR0_PE) && ar_dpl(s->ss.ar))
		return -EINVAL;

	s->rax = r->eax;
	s->rcx = r->ecx;
	s->rdx = r->edx;
	s->rbx = r->ebx;
	s->rsp = r->esp;
	s->rbp = r->ebp;
	s->rsi = r->esi;
	s->rdi = r->edi;
	s->rip = r->eip;
	s->rflags = r->eflags;
	s->cr0 = r->cr0;
	s->cr3 = r->cr3;
	s->cr4 = r->cr4;
	s->efer = r->efer;
	/* Xen leaves FS and GS flat; the guest loads its own. */
	s->fs = s->gs = (struct vmx_segment){ 0, 0, 0xffffffff, AR_DATA_FLAT };
	return 0;
}

static bool is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static int start_from_64b(const struct vcpu_hvm_x86_64 *r, struct vcpu_start_state *s)
{
	const struct vmx_segment flat = { 0, 0, 0xffffffff, AR_DATA_FLAT };

	if (!is_canonical(r->rip) || !(r->cr0 & X86_CR0_PG) || !(r->cr4 & X86_CR4_PAE) ||
	    !(r->efer & EFER_LME))
		return -EINVAL;
	s->rax = r->rax;
	s->rcx = r->rcx;
	s->rdx = r->rdx;
	s->rbx = r->rbx;
	s->rsp = r->rsp;
	s->rbp = r->rbp;
	s->rsi = r->rsi;
	s->rdi = r->rdi;
	s->rip = r->rip;
	s->rflags = r->rflags;
	s->cr0 = r->cr0;
	s->cr3 = r->cr3;
	s->cr4 = r->cr4;
	s->efer = r->efer;
	/* Xen's 64-bit start: flat 64-bit code, flat data, a busy TSS; selectors 0. */
	s->cs = (struct vmx_segment){ 0, 0, 0xffffffff, AR_CODE64 };
	s->ss = s->ds = s->es = s->fs = s->gs = flat;
	s->tr = (struct vmx_segment){ 0, 0, TSS_LIMIT, AR_TSS_BUSY };
	return 0;
}

/* What both modes must satisfy: control registers a CPU can be in, and long mode consistent. */
static int check_control_state(struct domain *d, struct vcpu_start_state *s)
{
	unsigned int maxphys = guest_walk_phys_addr_bits();
	bool paging = s->cr0 & X86_CR0_PG;

	if ((s->cr0 & ~CR0_VALID) || (paging && !(s->cr0 & X86_CR0_PE)) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (s->cr4 & ~vmcs_guest_cr4_valid())
		return -EINVAL;
	if ((s->efer & ~EFER_VALID) || ((s->efer & EFER_LMA) && !(s->efer & EFER_LME)))
		return -EINVAL;
	/* Long mode is active exactly when LME and paging are both on (SDM 10.8.5). */
	if ((s->efer & EFER_LMA) && !paging)
		return -EINVAL;
	if ((s->efer & EFER_LME) && paging) {
		if (!(s->cr4 & X86_CR4_PAE))
			return -EINVAL;
		s->efer |= EFER_LMA;
		/* SDM 27.3.1.2: a 64-bit code segment is not also a 32-bit one. */
		if ((s->cs.ar & VMX_AR_CS_LONG) && (s->cs.ar & (VCPU_HVM_AR_DB << 4)))
			return -EINVAL;
	}
	if (s->rflags & RFLAGS_VM)
		return -EINVAL; /* virtual-8086 mode is not a start state we offer */
	s->rflags = (s->rflags & RFLAGS_ARCH) | RFLAGS_FIXED1;
	if (maxphys < 64 && (s->cr3 >> maxphys))
		return -EINVAL;
	/* PAE paging outside long mode: the PDPTEs are loaded now, as MOV to CR3 would. */
	if (paging && (s->cr4 & X86_CR4_PAE) && !(s->efer & EFER_LMA)) {
		int rc = guest_walk_read_pdptes(d, s->cr3, s->pdpte);

		if (rc)
			return -EINVAL;
		s->has_pdptes = true;
	}
	return 0;
}

int arch_vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx)
{
	struct vcpu_start_state s;
	int rc;

	/* Built already: the state would never reach the VMCS. */
	if (v->arch.vmcs_ready)
		return -EBUSY;
	if (ctx->pad)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	switch (ctx->mode) {
	case VCPU_HVM_MODE_32B:
		rc = start_from_32b(&ctx->cpu_regs.x86_32, &s);
		break;
	case VCPU_HVM_MODE_64B:
		rc = start_from_64b(&ctx->cpu_regs.x86_64, &s);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (!rc)
		rc = check_control_state(v->domain, &s);
	if (rc)
		return rc;
	v->arch.start = s;
	return 0;
}
