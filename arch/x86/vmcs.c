/*
 * VMCS construction (SDM volume 3, chapter 25 for the fields, chapter 27
 * for the checks VM entry makes on them). Controls are computed from the
 * capability MSRs, never hard-coded.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/layout.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/traps.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/mm.h"

#define CODE32_AR 0xc09b /* present, DPL 0, execute/read accessed, 32-bit, 4 KiB granularity */
#define DATA32_AR 0xc093
#define TSS32_BUSY_AR 0x008b
#define GUEST_INITIAL_PAT 0x0007040600070406UL /* power-on value */
#define DR7_INIT 0x400
#define GUEST_INITIAL_CR0 (X86_CR0_PE | X86_CR0_ET)

/*
 * Not (yet) in vmcs_fields.h: the debug-control VM-exit and VM-entry
 * controls (SDM 25.7.1, 25.8.1) and the guest IA32_DEBUGCTL field (SDM B.2.3).
 */
#define EXIT_SAVE_DEBUG_CONTROLS (1u << 2)
#define ENTRY_LOAD_DEBUG_CONTROLS (1u << 2)
#define VMCS_GUEST_IA32_DEBUGCTL 0x2802

/* CR4 bits cpu.h does not name yet (SDM 2.5). */
#define X86_CR4_PVI (1UL << 1)
#define X86_CR4_TSD (1UL << 2)
#define X86_CR4_DE (1UL << 3)
#define X86_CR4_MCE (1UL << 6)
#define X86_CR4_PCE (1UL << 8)
#define X86_CR4_UMIP (1UL << 11)
#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_PCIDE (1UL << 17)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)

/*
 * The CR4 bits a guest owns: the architectural basics and the features
 * CPUID offers it (cpuid.c). Every other bit is intercepted and refused
 * with #GP, as on a CPU without the feature: VMXE, and the features whose
 * state is not switched between guests (OSXSAVE and XCR0, PKE and PKRU,
 * CET, ...), including any a newer CPU adds.
 */
#define CR4_GUEST_OWNED                                                                    \
	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |   \
	 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |      \
	 X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_SMEP | X86_CR4_SMAP)

/* CR0/CR4 bits whose guest writes we see: paging (long-mode entry), and the fixed ones. */
#define CR0_INTERCEPTED (X86_CR0_PG | X86_CR0_NE)
#define CR4_INTERCEPTED (~CR4_GUEST_OWNED)

extern void vmx_exit_stub(void);

static paddr_t current_vmcs[HV_MAX_CPUS];
static uint16_t next_vpid = 1;

int arch_vcpu_init(struct vcpu *v)
{
	paddr_t pa;
	int rc = domain_alloc_overhead_page(v->domain, &pa);

	if (rc)
		return rc;
	vmx_guest_cpu_state_init(v);
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	*(uint32_t *)phys_to_virt(pa) = vmx_caps.revision;
	v->arch.vmcs = phys_to_virt(pa);
	v->arch.vmcs_pa = pa;
	v->arch.vpid = __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED);
	if (!v->arch.vpid) /* wrapped: VPID 0 is the host's */
		v->arch.vpid = __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED);
	v->arch.loaded_on_cpu = -1;
	v->arch.walk_cache.gva_page = ~0UL;
	return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
	unsigned int cpu = this_cpu()->cpu_id;

	if (!v->arch.vmcs_pa)
		return;
	/* Only the CPU it is active on may clear it (SDM 24.11.1). */
	if (v->arch.loaded_on_cpu == (int)cpu) {
		vmx_vmclear(v->arch.vmcs_pa);
		if (current_vmcs[cpu] == v->arch.vmcs_pa)
			current_vmcs[cpu] = 0;
	}
	domain_free_overhead_page(v->domain, v->arch.vmcs_pa);
	v->arch.vmcs_pa = 0;
	v->arch.vmcs = NULL;
}

/* The PVH start state (XEN-ABI.md): 32-bit protected mode, paging off, flat segments. */
void arch_vcpu_set_pvh_entry(struct vcpu *v, uint32_t entry, uint32_t ebx)
{
	struct vcpu_start_state *s = &v->arch.start;
	const struct vmx_segment data = { 0x10, 0, 0xffffffff, DATA32_AR };

	memset(s, 0, sizeof(*s));
	s->rip = entry;
	s->rbx = ebx;
	s->rflags = 0x2;
	s->cr0 = GUEST_INITIAL_CR0;
	s->cs = (struct vmx_segment){ 0x08, 0, 0xffffffff, CODE32_AR };
	s->ss = s->ds = s->es = s->fs = s->gs = data;
	s->tr = (struct vmx_segment){ 0x18, 0, 0x67, TSS32_BUSY_AR };
}

uint64_t vmcs_guest_cr4_valid(void)
{
	return vmx_caps.cr4_fixed1 & CR4_GUEST_OWNED;
}

static bool write_host_state(void)
{
	struct percpu *pc = this_cpu();
	bool ok = true;

	ok &= vmwrite_checked(VMCS_HOST_CR0, read_cr0());
	ok &= vmwrite_checked(VMCS_HOST_CR3, read_cr3());
	ok &= vmwrite_checked(VMCS_HOST_CR4, read_cr4());
	ok &= vmwrite_checked(VMCS_HOST_CS_SELECTOR, GDT_SELECTOR_CODE);
	ok &= vmwrite_checked(VMCS_HOST_SS_SELECTOR, GDT_SELECTOR_DATA);
	ok &= vmwrite_checked(VMCS_HOST_DS_SELECTOR, GDT_SELECTOR_DATA);
	ok &= vmwrite_checked(VMCS_HOST_ES_SELECTOR, GDT_SELECTOR_DATA);
	ok &= vmwrite_checked(VMCS_HOST_FS_SELECTOR, 0);
	ok &= vmwrite_checked(VMCS_HOST_GS_SELECTOR, 0);
	ok &= vmwrite_checked(VMCS_HOST_TR_SELECTOR, GDT_SELECTOR_TSS);
	ok &= vmwrite_checked(VMCS_HOST_FS_BASE, 0);
	ok &= vmwrite_checked(VMCS_HOST_GS_BASE, (uint64_t)pc);
	ok &= vmwrite_checked(VMCS_HOST_TR_BASE, (uint64_t)&pc->tss);
	ok &= vmwrite_checked(VMCS_HOST_GDTR_BASE, (uint64_t)pc->gdt);
	ok &= vmwrite_checked(VMCS_HOST_IDTR_BASE, idt_base());
	ok &= vmwrite_checked(VMCS_HOST_SYSENTER_CS, 0);
	ok &= vmwrite_checked(VMCS_HOST_SYSENTER_ESP, 0);
	ok &= vmwrite_checked(VMCS_HOST_SYSENTER_EIP, 0);
	ok &= vmwrite_checked(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
	ok &= vmwrite_checked(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	ok &= vmwrite_checked(VMCS_HOST_RIP, (uint64_t)vmx_exit_stub);
	return ok;
}

static bool write_controls(struct vcpu *v)
{
	const struct vmx_caps *c = &vmx_caps;
	uint32_t pin, proc, proc2, exit, entry;
	bool ok = true;

	ok &= vmx_control(PIN_PREEMPTION_TIMER, PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING,
			  c->pin_allowed0, c->pin_allowed1, &pin);
	/*
	 * Without a TPR shadow, a MOV to CR8 that does not exit writes the
	 * physical local APIC's TPR (SDM 26.3): a guest could mask the host's
	 * interrupts. CR8 accesses exit and the TPR is the vCPU's own.
	 */
	ok &= vmx_control(PROC_MWAIT_EXITING | PROC_MONITOR_EXITING,
			  PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
				  PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
				  PROC_ACTIVATE_SECONDARY,
			  c->proc_allowed0, c->proc_allowed1, &proc);
	/*
	 * RDTSCP and RDPID stay off (#UD), as CPUID says: IA32_TSC_AUX is the
	 * host's. WBINVD exits: a guest must not flush every cache of the CPU.
	 */
	ok &= vmx_control(PROC2_ENABLE_INVPCID | PROC2_WBINVD_EXITING,
			  PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST, 0,
			  c->proc2_allowed1, &proc2);
	/* DR7 and IA32_DEBUGCTL go with the guest; without this an exit resets DR7. */
	ok &= vmx_control(EXIT_SAVE_PREEMPTION_TIMER,
			  EXIT_HOST_ADDRESS_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
				  EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG_CONTROLS,
			  c->exit_allowed0, c->exit_allowed1, &exit);
	ok &= vmx_control(0, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG_CONTROLS,
			  c->entry_allowed0, c->entry_allowed1, &entry);
	if (!ok)
		return false;
	/* Without saving the timer it restarts at every entry: then the run loop counts. */
	if (!(exit & EXIT_SAVE_PREEMPTION_TIMER))
		pin &= ~PIN_PREEMPTION_TIMER;

	ok &= vmwrite_checked(VMCS_PIN_BASED_CONTROLS, pin);
	ok &= vmwrite_checked(VMCS_PROC_BASED_CONTROLS, proc);
	ok &= vmwrite_checked(VMCS_PROC_BASED_CONTROLS2, proc2);
	ok &= vmwrite_checked(VMCS_EXIT_CONTROLS, exit);
	ok &= vmwrite_checked(VMCS_ENTRY_CONTROLS, entry);
	ok &= vmwrite_checked(VMCS_EXCEPTION_BITMAP, 0);
	ok &= vmwrite_checked(VMCS_PAGE_FAULT_ERROR_MASK, 0);
	ok &= vmwrite_checked(VMCS_PAGE_FAULT_ERROR_MATCH, 0);
	ok &= vmwrite_checked(VMCS_CR3_TARGET_COUNT, 0);
	ok &= vmwrite_checked(VMCS_EXIT_MSR_STORE_COUNT, 0);
	ok &= vmwrite_checked(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	ok &= vmwrite_checked(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	ok &= vmwrite_checked(VMCS_ENTRY_INTERRUPTION_INFO, 0);
	ok &= vmwrite_checked(VMCS_IO_BITMAP_A, vmx_io_bitmap_a_pa);
	ok &= vmwrite_checked(VMCS_IO_BITMAP_B, vmx_io_bitmap_b_pa);
	ok &= vmwrite_checked(VMCS_MSR_BITMAP, vmx_msr_bitmap_pa);
	ok &= vmwrite_checked(VMCS_EPT_POINTER, v->domain->arch.eptp);
	ok &= vmwrite_checked(VMCS_VPID, v->arch.vpid);
	ok &= vmwrite_checked(VMCS_LINK_POINTER, ~0UL);
	ok &= vmwrite_checked(VMCS_CR0_GUEST_HOST_MASK, CR0_INTERCEPTED);
	ok &= vmwrite_checked(VMCS_CR4_GUEST_HOST_MASK, CR4_INTERCEPTED);
	return ok;
}

/* The CR0 the CPU runs the guest with: fixed bits applied, except PE and PG,
 * which unrestricted guest exempts (SDM 27.3.1.1). */
static uint64_t real_cr0(uint64_t guest)
{
	uint64_t real = (guest | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;

	return real & ~((X86_CR0_PE | X86_CR0_PG) & ~guest);
}

static bool write_segment(uint32_t selector_field, uint16_t selector, uint64_t base,
			  uint32_t limit, uint32_t ar)
{
	/* The fields of one segment are laid out at fixed distances (SDM B.1.2-B.4.3). */
	uint32_t index = (selector_field - VMCS_GUEST_ES_SELECTOR) / 2;
	bool ok = true;

	ok &= vmwrite_checked(selector_field, selector);
	ok &= vmwrite_checked(VMCS_GUEST_ES_BASE + index * 2, base);
	ok &= vmwrite_checked(VMCS_GUEST_ES_LIMIT + index * 2, limit);
	ok &= vmwrite_checked(VMCS_GUEST_ES_AR + index * 2, ar);
	return ok;
}

static bool write_start_segment(uint32_t selector_field, const struct vmx_segment *seg)
{
	return write_segment(selector_field, seg->selector, seg->base, seg->limit, seg->ar);
}

/* The vCPU's start state (v->arch.start), checked when it was set. */
static bool write_guest_state(struct vcpu *v)
{
	const struct vcpu_start_state *s = &v->arch.start;
	struct guest_regs *r = &v->arch.regs;
	bool ok = true;

	ok &= vmwrite_checked(VMCS_GUEST_CR0, real_cr0(s->cr0));
	ok &= vmwrite_checked(VMCS_CR0_READ_SHADOW, s->cr0);
	ok &= vmwrite_checked(VMCS_GUEST_CR4, (s->cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
	ok &= vmwrite_checked(VMCS_CR4_READ_SHADOW, s->cr4);
	ok &= vmwrite_checked(VMCS_GUEST_CR3, s->cr3);
	ok &= vmwrite_checked(VMCS_GUEST_IA32_EFER, s->efer);
	/* SDM 27.3.1.1: IA32_EFER.LMA must match the "IA-32e mode guest" entry control. */
	if (s->efer & EFER_LMA)
		ok &= vmwrite_checked(VMCS_ENTRY_CONTROLS,
				      vmread(VMCS_ENTRY_CONTROLS) | ENTRY_IA32E_MODE_GUEST);
	for (unsigned int i = 0; s->has_pdptes && i < PAE_NR_PDPTES; i++)
		ok &= vmwrite_checked(VMCS_GUEST_PDPTE0 + 2 * i, s->pdpte[i]);
	ok &= vmwrite_checked(VMCS_GUEST_DR7, DR7_INIT);
	ok &= vmwrite_checked(VMCS_GUEST_IA32_DEBUGCTL, 0);

	ok &= write_start_segment(VMCS_GUEST_CS_SELECTOR, &s->cs);
	ok &= write_start_segment(VMCS_GUEST_SS_SELECTOR, &s->ss);
	ok &= write_start_segment(VMCS_GUEST_DS_SELECTOR, &s->ds);
	ok &= write_start_segment(VMCS_GUEST_ES_SELECTOR, &s->es);
	ok &= write_start_segment(VMCS_GUEST_FS_SELECTOR, &s->fs);
	ok &= write_start_segment(VMCS_GUEST_GS_SELECTOR, &s->gs);
	ok &= write_start_segment(VMCS_GUEST_TR_SELECTOR, &s->tr);
	ok &= write_segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0, VMX_AR_UNUSABLE);
	ok &= vmwrite_checked(VMCS_GUEST_GDTR_BASE, 0);
	ok &= vmwrite_checked(VMCS_GUEST_GDTR_LIMIT, 0);
	ok &= vmwrite_checked(VMCS_GUEST_IDTR_BASE, 0);
	ok &= vmwrite_checked(VMCS_GUEST_IDTR_LIMIT, 0);

	ok &= vmwrite_checked(VMCS_GUEST_RIP, s->rip);
	ok &= vmwrite_checked(VMCS_GUEST_RSP, s->rsp);
	ok &= vmwrite_checked(VMCS_GUEST_RFLAGS, s->rflags);
	ok &= vmwrite_checked(VMCS_GUEST_INTERRUPTIBILITY, 0);
	ok &= vmwrite_checked(VMCS_GUEST_ACTIVITY_STATE, 0);
	ok &= vmwrite_checked(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	ok &= vmwrite_checked(VMCS_GUEST_SYSENTER_CS, 0);
	ok &= vmwrite_checked(VMCS_GUEST_SYSENTER_ESP, 0);
	ok &= vmwrite_checked(VMCS_GUEST_SYSENTER_EIP, 0);
	ok &= vmwrite_checked(VMCS_GUEST_IA32_PAT, GUEST_INITIAL_PAT);

	memset(r, 0, sizeof(*r));
	r->rax = s->rax;
	r->rcx = s->rcx;
	r->rdx = s->rdx;
	r->rbx = s->rbx;
	r->rbp = s->rbp;
	r->rsi = s->rsi;
	r->rdi = s->rdi;
	return ok;
}

int vmcs_load(struct vcpu *v)
{
	unsigned int cpu = this_cpu()->cpu_id;

	if (current_vmcs[cpu] == v->arch.vmcs_pa)
		return 0;
	if (v->arch.loaded_on_cpu != -1 && v->arch.loaded_on_cpu != (int)cpu)
		return -EBUSY; /* vCPUs never migrate; a VMCS active elsewhere is a bug */
	if (!v->arch.vmcs_ready && !vmx_vmclear(v->arch.vmcs_pa))
		return -EIO;
	if (!vmx_vmptrld(v->arch.vmcs_pa))
		return -EIO;
	current_vmcs[cpu] = v->arch.vmcs_pa;
	v->arch.loaded_on_cpu = (int)cpu;
	if (v->arch.vmcs_ready)
		return 0;
	if (!write_controls(v)) {
		pr_err("vmcs: d%uv%u: the CPU does not allow the VM-execution controls we need\n",
		       v->domain->id, v->id);
		return -ENODEV;
	}
	if (!write_host_state() || !write_guest_state(v)) {
		pr_err("vmcs: d%uv%u: VMWRITE failed while building the VMCS (error %lu)\n",
		       v->domain->id, v->id, vmread(VMCS_INSTRUCTION_ERROR));
		return -EIO;
	}
	/* RFLAGS bit 1 must be set (SDM 27.3.1.4): a VM entry that must fail. */
	if (v->domain->config.test_bad_guest_state) {
		pr_info("vmcs: d%uv%u: test hook: clearing guest RFLAGS bit 1\n", v->domain->id,
			v->id);
		vmwrite(VMCS_GUEST_RFLAGS, 0);
	}
	v->arch.vmcs_ready = true;
	return 0;
}

int arch_vcpu_load(struct vcpu *v)
{
	return vmcs_load(v);
}

void vmx_guest_paging_state(struct vcpu *v, uint64_t *cr0, uint64_t *cr3, uint64_t *cr4,
			    uint64_t *efer)
{
	*cr0 = vmread(VMCS_GUEST_CR0);
	*cr3 = vmread(VMCS_GUEST_CR3);
	*cr4 = vmread(VMCS_GUEST_CR4);
	*efer = vmread(VMCS_GUEST_IA32_EFER);
}

/* What the guest sees: its own bits, and the shadow where we own the bit. */
uint64_t vmcs_guest_cr0(void)
{
	return (vmread(VMCS_GUEST_CR0) & ~CR0_INTERCEPTED) |
	       (vmread(VMCS_CR0_READ_SHADOW) & CR0_INTERCEPTED);
}

uint64_t vmcs_guest_cr4(void)
{
	return (vmread(VMCS_GUEST_CR4) & ~CR4_INTERCEPTED) |
	       (vmread(VMCS_CR4_READ_SHADOW) & CR4_INTERCEPTED);
}

/*
 * With EPT, VM entry takes the PAE PDPTEs from the VMCS, not from memory
 * (SDM 27.3.2.4): an emulated write that turns PAE paging on or reloads CR3
 * must load them, as the instruction itself would (SDM 4.4.1).
 */
static int load_pae_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t pdpte[PAE_NR_PDPTES];
	int rc = guest_walk_read_pdptes(v->domain, cr3, pdpte);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < PAE_NR_PDPTES; i++)
		vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return 0;
}

int vmcs_set_guest_cr0(struct vcpu *v, uint64_t value)
{
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	uint64_t old = vmcs_guest_cr0(), cr4 = vmcs_guest_cr4();
	uint64_t real;
	uint32_t entry = vmread(VMCS_ENTRY_CONTROLS);
	int rc;

	/* SDM 4.1.1 and 11.5: invalid combinations fault with #GP. */
	if ((value >> 32) || ((value & X86_CR0_PG) && !(value & X86_CR0_PE)) ||
	    ((value & X86_CR0_NW) && !(value & X86_CR0_CD)))
		return -EINVAL;
	if ((value & X86_CR0_PG) && (efer & EFER_LME) && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	/*
	 * SDM vol 2, MOV CR: paging cannot go off in 64-bit mode (only from
	 * compatibility mode), nor while CR4.PCIDE is set.
	 */
	if ((old & X86_CR0_PG) && !(value & X86_CR0_PG) &&
	    (((efer & EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & VMX_AR_CS_LONG)) ||
	     (cr4 & X86_CR4_PCIDE)))
		return -EINVAL;
	/* PAE paging starts: its PDPTEs are loaded now, or the write faults. */
	if (!(old & X86_CR0_PG) && (value & X86_CR0_PG) && (cr4 & X86_CR4_PAE) &&
	    !(efer & EFER_LME)) {
		rc = load_pae_pdptes(v, vmread(VMCS_GUEST_CR3));
		if (rc)
			return rc;
	}

	real = real_cr0(value);

	/* Paging on with LME set activates long mode (SDM 10.8.5); off deactivates it. */
	if ((value & X86_CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else if (!(value & X86_CR0_PG)) {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE_GUEST;
	}
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
	vmwrite(VMCS_ENTRY_CONTROLS, entry);
	vmwrite(VMCS_GUEST_CR0, real);
	vmwrite(VMCS_CR0_READ_SHADOW, value);
	return 0;
}

int vmcs_set_guest_cr3(struct vcpu *v, uint64_t value)
{
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	uint64_t cr4 = vmcs_guest_cr4();
	unsigned int bits = guest_walk_phys_addr_bits();
	int rc;

	if (efer & EFER_LMA) {
		/* Bit 63 asks not to flush (PCIDE only); the rest above MAXPHYADDR is reserved. */
		if (cr4 & X86_CR4_PCIDE)
			value &= ~(1UL << 63);
		if (bits < 64 && (value >> bits))
			return -EINVAL;
	} else if ((vmcs_guest_cr0() & X86_CR0_PG) && (cr4 & X86_CR4_PAE)) {
		rc = load_pae_pdptes(v, value);
		if (rc)
			return rc;
	}
	vmwrite(VMCS_GUEST_CR3, value);
	/* The load flushes the guest's TLB, which VPID would otherwise keep (SDM 29.4.3). */
	vmx_invvpid_single(v->arch.vpid);
	return 0;
}

int vmcs_set_guest_cr4(struct vcpu *v, uint64_t value)
{
	uint64_t allowed = vmx_caps.cr4_fixed1 & CR4_GUEST_OWNED;

	if (value & ~allowed)
		return -EINVAL;
	if ((vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) && !(value & X86_CR4_PAE))
		return -EINVAL;
	vmwrite(VMCS_GUEST_CR4, (value | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
	vmwrite(VMCS_CR4_READ_SHADOW, value);
	return 0;
}

void vmcs_diagnose_guest_state(struct vcpu *v)
{
	uint64_t cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	uint32_t entry = vmread(VMCS_ENTRY_CONTROLS);
	uint32_t cs_ar = vmread(VMCS_GUEST_CS_AR), tr_ar = vmread(VMCS_GUEST_TR_AR);
	uint64_t fixed0 = vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	pr_err("  guest CR0 %#lx CR3 %#lx CR4 %#lx EFER %#lx RIP %#lx RFLAGS %#lx\n", cr0,
	       vmread(VMCS_GUEST_CR3), cr4, efer, vmread(VMCS_GUEST_RIP),
	       vmread(VMCS_GUEST_RFLAGS));
	/* The checks of SDM 27.3.1 most often broken, each naming its field. */
	if ((cr0 & fixed0) != fixed0 || (cr0 & ~vmx_caps.cr0_fixed1))
		pr_err("  field GUEST_CR0: violates IA32_VMX_CR0_FIXED0/1\n");
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		pr_err("  field GUEST_CR0: PG set without PE\n");
	if ((cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 || (cr4 & ~vmx_caps.cr4_fixed1))
		pr_err("  field GUEST_CR4: violates IA32_VMX_CR4_FIXED0/1\n");
	if (!!(entry & ENTRY_IA32E_MODE_GUEST) != !!(efer & EFER_LMA))
		pr_err("  field GUEST_IA32_EFER: LMA disagrees with the IA-32e mode guest control\n");
	if ((entry & ENTRY_IA32E_MODE_GUEST) && !(cr4 & X86_CR4_PAE))
		pr_err("  field GUEST_CR4: IA-32e mode guest without PAE\n");
	if (!(cs_ar & (1u << 7)) || (cs_ar & VMX_AR_UNUSABLE))
		pr_err("  field GUEST_CS_AR: CS not present/usable (%#x)\n", cs_ar);
	if ((tr_ar & VMX_AR_UNUSABLE) || ((tr_ar & 0xf) != 3 && (tr_ar & 0xf) != 11))
		pr_err("  field GUEST_TR_AR: TR must be a usable busy TSS (%#x)\n", tr_ar);
	if (vmread(VMCS_LINK_POINTER) != ~0UL)
		pr_err("  field VMCS_LINK_POINTER: must be all ones\n");
	if (vmread(VMCS_GUEST_RFLAGS) & ~0x3f7fd7UL || !(vmread(VMCS_GUEST_RFLAGS) & 2))
		pr_err("  field GUEST_RFLAGS: reserved bits wrong\n");
	(void)v;
}
