/*
 * Running a vCPU and handling its VM exits through a dispatch table indexed
 * by the basic exit reason (SDM volume 3, chapter 28 and appendix C). A
 * handler returns true to resume the guest at once, false to go back to
 * the scheduler. Whatever a guest does, the outcome is an emulated result,
 * an exception injected into the guest, or its domain crashed with a log
 * line: never a hypervisor panic.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/emulate.h"
#include "arch/x86/ept.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/traps.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "arch/x86/vmx_exit_reasons.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/evtchn.h"
#include "core/hypercall.h"
#include "core/lib/string.h"

#define VECTOR_UD 6
#define VECTOR_GP 13
#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

/* Not (yet) in vmcs_fields.h: guest interruptibility (SDM 25.4.2, table 25-3). */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
/* Pending debug exceptions: BS, a single-step trap (SDM 25.4.2, table 25-4). */
#define PENDING_DBG_BS (1UL << 14)
#define X86_EFLAGS_TF (1UL << 8)
/* Interruption types that need the instruction length at injection (SDM 25.8.3). */
#define INTR_TYPE_SW_INTERRUPT (4u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION (5u << 8)
/* Event information bits an injection may carry: vector, type, error code, valid. */
#define INTR_INFO_INJECTABLE (INTR_INFO_VALID | INTR_INFO_DELIVER_ERROR | INTR_TYPE_MASK | 0xff)

/* CR8 is TPR bits 7:4; bits 63:4 of CR8 are reserved (SDM 11.8.6). */
#define CR8_TPR_MASK 0xfUL

/* The FXSAVE image (SDM vol 1, 10.5.1) and its reset values (SDM 10.1.1, table 10-1). */
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24
#define FCW_RESET 0x037f
#define MXCSR_RESET 0x1f80
#define DR6_RESET 0xffff0ff0UL

int vmx_run(struct vcpu *v, uint64_t launched);
bool vmx_handle_exit(struct vcpu *v);

STATIC_ASSERT(offsetof(struct vcpu, arch) == 0);
STATIC_ASSERT(offsetof(struct arch_vcpu, regs) == 0);
/* vmx_entry.S's GR_* offsets, and the argument order handle_vmcall relies on. */
STATIC_ASSERT(offsetof(struct guest_regs, rdi) == 0);
STATIC_ASSERT(offsetof(struct guest_regs, rsi) == 8);
STATIC_ASSERT(offsetof(struct guest_regs, rdx) == 16);
STATIC_ASSERT(offsetof(struct guest_regs, r10) == 24);
STATIC_ASSERT(offsetof(struct guest_regs, r8) == 32);
STATIC_ASSERT(offsetof(struct guest_regs, rax) == 40);
STATIC_ASSERT(offsetof(struct guest_regs, rbx) == 48);
STATIC_ASSERT(offsetof(struct guest_regs, rcx) == 56);
STATIC_ASSERT(offsetof(struct guest_regs, rbp) == 64);
STATIC_ASSERT(offsetof(struct guest_regs, r9) == 72);
STATIC_ASSERT(offsetof(struct guest_regs, r11) == 80);
STATIC_ASSERT(offsetof(struct guest_regs, r15) == 112);
STATIC_ASSERT(offsetof(struct guest_regs, cr2) == 120);

/*
 * An exit handler returns false when the guest must not resume (its domain
 * crashed, it blocked, its slice ended); pending vCPU requests are checked
 * once by vmx_handle_exit after every handler.
 */
typedef bool (*exit_handler_t)(struct vcpu *v);

static const char *const instruction_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

static struct guest_cpu_state *cpu_state(struct vcpu *v)
{
	return &v->arch.cpu_state;
}

void vmx_guest_cpu_state_init(struct vcpu *v)
{
	struct guest_cpu_state *s = cpu_state(v);
	const uint16_t fcw = FCW_RESET;
	const uint32_t mxcsr = MXCSR_RESET;

	/* The power-on state. */
	memset(s, 0, sizeof(*s));
	memcpy(&s->fxsave[FXSAVE_FCW], &fcw, sizeof(fcw));
	memcpy(&s->fxsave[FXSAVE_MXCSR], &mxcsr, sizeof(mxcsr));
	s->dr6 = DR6_RESET;
}

/*
 * After an instruction the exit handler emulated: the guest goes on after
 * it, out of any STI or MOV SS shadow that covered it (SDM 25.4.2), and
 * with the single-step trap EFLAGS.TF asks for still to come (SDM 27.7.3).
 */
static inline __attribute__((always_inline)) void advance_rip(void)
{
	uint32_t interruptibility = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSTRUCTION_LENGTH));
	if (unlikely(interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			interruptibility & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	if (unlikely(vmread(VMCS_GUEST_RFLAGS) & X86_EFLAGS_TF))
		vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
			vmread(VMCS_GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

/*
 * An exit during the delivery of an event (SDM 28.2, the IDT-vectoring
 * information) left it undelivered: deliver it again at the next entry.
 */
static void reinject_interrupted_event(void)
{
	uint32_t info = vmread(VMCS_IDT_VECTORING_INFO);
	uint32_t type = info & INTR_TYPE_MASK;

	if (!(info & INTR_INFO_VALID))
		return;
	if (info & INTR_INFO_DELIVER_ERROR)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, vmread(VMCS_IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SW_INTERRUPT || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    type == INTR_TYPE_SW_EXCEPTION)
		vmwrite(VMCS_ENTRY_INSTRUCTION_LENGTH, vmread(VMCS_EXIT_INSTRUCTION_LENGTH));
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, info & INTR_INFO_INJECTABLE);
}

/* 64-bit mode: IA-32e mode active and a 64-bit code segment (CS.L). */
static bool guest_in_64bit_mode(void)
{
	return (vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(VMCS_GUEST_CS_AR) & VMX_AR_CS_LONG);
}

bool arch_vcpu_is_64bit(struct vcpu *v)
{
	return guest_in_64bit_mode();
}

void arch_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;

	if (has_error) {
		info |= INTR_INFO_DELIVER_ERROR;
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, info);
	(void)v;
}

static uint64_t *gpr(struct vcpu *v, unsigned int index)
{
	struct guest_regs *r = &v->arch.regs;
	uint64_t *const regs[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, NULL,  &r->rbp, &r->rsi, &r->rdi,
		&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return regs[index & 15];
}

static uint64_t gpr_read(struct vcpu *v, unsigned int index)
{
	return index == 4 ? vmread(VMCS_GUEST_RSP) : *gpr(v, index);
}

static void gpr_write(struct vcpu *v, unsigned int index, uint64_t value)
{
	if (index == 4)
		vmwrite(VMCS_GUEST_RSP, value);
	else
		*gpr(v, index) = value;
}

/* 32-bit guests pass EBX, ECX, EDX, ESI, EDI (Xen's 32-bit convention). */
static __attribute__((noinline)) void hypercall_32bit(struct vcpu *v)
{
	struct guest_regs *r = &v->arch.regs;
	const uint64_t args[HYPERCALL_NR_ARGS] = {
		(uint32_t)r->rbx, (uint32_t)r->rcx, (uint32_t)r->rdx, (uint32_t)r->rsi,
		(uint32_t)r->rdi,
	};

	int64_t rc = hypercall_dispatch(v, (uint32_t)r->rax, args);

	if (v->hypercall_restart) {
		r->rbx = (uint32_t)v->hypercall_restart_args[0];
		r->rcx = (uint32_t)v->hypercall_restart_args[1];
		r->rdx = (uint32_t)v->hypercall_restart_args[2];
		r->rsi = (uint32_t)v->hypercall_restart_args[3];
		r->rdi = (uint32_t)v->hypercall_restart_args[4];
		return;
	}
	r->rax = (uint32_t)rc;
}

/*
 * A preempted hypercall (hypercall_preempt): RIP stays on the VMCALL and RAX
 * keeps the number, so the guest issues it again with the arguments the
 * handler left, after the scheduler has had the CPU (Xen's continuation
 * convention: the guest sees one call that took a while).
 */
static __attribute__((noinline)) bool hypercall_continue(struct vcpu *v)
{
	v->hypercall_restart = false;
	v->requests |= VCPU_REQ_YIELD;
	return true;
}

static bool handle_vmcall(struct vcpu *v)
{
	struct guest_regs *r = &v->arch.regs;

	/* Hypercalls are for the guest kernel only (SS.DPL is the CPL, SDM 25.4.1). */
	if ((vmread(VMCS_GUEST_SS_AR) >> 5) & 3) {
		r->rax = (uint64_t)-EPERM;
	} else if (likely(vmread(VMCS_GUEST_CS_AR) & VMX_AR_CS_LONG)) {
		int64_t rc = hypercall_dispatch(v, r->rax, r->args);

		if (unlikely(v->hypercall_restart)) {
			memcpy(r->args, v->hypercall_restart_args, sizeof(r->args));
			return hypercall_continue(v);
		}
		r->rax = (uint64_t)rc;
	} else {
		hypercall_32bit(v);
		if (unlikely(v->hypercall_restart))
			return hypercall_continue(v);
	}
	advance_rip();
	return true;
}

static bool handle_cpuid(struct vcpu *v)
{
	struct guest_regs *r = &v->arch.regs;
	struct cpuid_regs out;

	cpuid_emulate(v, (uint32_t)r->rax, (uint32_t)r->rcx, &out);
	r->rax = out.eax;
	r->rbx = out.ebx;
	r->rcx = out.ecx;
	r->rdx = out.edx;
	advance_rip();
	return true;
}

static int efer_write(struct vcpu *v, uint64_t value)
{
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);

	if (value & ~(EFER_GUEST_WRITABLE | EFER_LMA))
		return -EPERM;
	/* LME may not change while paging is on (SDM 10.8.5). */
	if ((vmcs_guest_cr0() & X86_CR0_PG) && ((value ^ efer) & EFER_LME))
		return -EPERM;
	vmwrite(VMCS_GUEST_IA32_EFER, (value & EFER_GUEST_WRITABLE) | (efer & EFER_LMA));
	return 0;
}

static int pat_write(uint64_t value)
{
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t type = (value >> (i * 8)) & 0xff;

		if (type == 2 || type == 3 || type > 7)
			return -EPERM;
	}
	vmwrite(VMCS_GUEST_IA32_PAT, value);
	return 0;
}

static bool handle_msr_read(struct vcpu *v)
{
	struct guest_regs *r = &v->arch.regs;
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t value;
	int rc = 0;

	if (msr == MSR_EFER)
		value = vmread(VMCS_GUEST_IA32_EFER);
	else if (msr == MSR_IA32_PAT)
		value = vmread(VMCS_GUEST_IA32_PAT);
	else
		rc = msr_emulate_read(v, msr, &value);
	if (rc) {
		arch_inject_exception(v, VECTOR_GP, true, 0);
		return true;
	}
	r->rax = (uint32_t)value;
	r->rdx = value >> 32;
	advance_rip();
	return true;
}

static bool handle_msr_write(struct vcpu *v)
{
	struct guest_regs *r = &v->arch.regs;
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t value = (r->rdx << 32) | (uint32_t)r->rax;
	int rc;

	if (msr == MSR_EFER)
		rc = efer_write(v, value);
	else if (msr == MSR_IA32_PAT)
		rc = pat_write(value);
	else
		rc = msr_emulate_write(v, msr, value);
	if (rc)
		arch_inject_exception(v, VECTOR_GP, true, 0);
	else
		advance_rip();
	return true;
}

static bool handle_io(struct vcpu *v)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned int size = (q & 7) + 1;
	uint16_t port = q >> 16;
	uint64_t *rax = &v->arch.regs.rax;

	/* SDM table 28-5: bit 3 direction (1 = in), bit 4 string instruction. */
	if (q & (1u << 4)) {
		domain_crash(v->domain, "string I/O (INS/OUTS) on port %#x is not supported", port);
		return false;
	}
	if (q & (1u << 3)) {
		uint32_t value = io_emulate_in(v, port, size);

		if (size == 1)
			*rax = (*rax & ~0xffUL) | (value & 0xff);
		else if (size == 2)
			*rax = (*rax & ~0xffffUL) | (value & 0xffff);
		else
			*rax = value; /* a 32-bit result zero-extends */
	} else {
		io_emulate_out(v, port, size, (uint32_t)(*rax & (size == 4 ? 0xffffffff :
							      (1u << (size * 8)) - 1)));
	}
	advance_rip();
	return true;
}

/*
 * The event-channel upcall core/evtchn.c asked for (v->upcall_asserted):
 * an external interrupt at the guest's callback vector. It is injected
 * only when the guest can take one (SDM 26.3.1.4: RFLAGS.IF set, no STI or
 * MOV SS shadow) and no other event is being injected; otherwise
 * interrupt-window exiting (SDM 25.6.2) says when it can.
 */
static __attribute__((noinline, cold)) void inject_upcall(struct vcpu *v)
{
	uint8_t vector = evtchn_upcall_vector(v);

	if (!__atomic_exchange_n(&v->upcall_asserted, false, __ATOMIC_SEQ_CST))
		return;
	/* No vector: the guest polls its bitmaps. Not pending: it took the events already. */
	if (!vector || !__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
		return;
	if ((vmread(VMCS_ENTRY_INTERRUPTION_INFO) & INTR_INFO_VALID) ||
	    !(vmread(VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF) ||
	    (vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		__atomic_store_n(&v->upcall_asserted, true, __ATOMIC_SEQ_CST);
		vmwrite(VMCS_PROC_BASED_CONTROLS,
			vmread(VMCS_PROC_BASED_CONTROLS) | PROC_INTERRUPT_WINDOW_EXITING);
		return;
	}
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_EXTERNAL | vector);
	v->upcall_injected++;
}

/* The guest can take an interrupt now: the check after the handler injects the upcall. */
static bool handle_interrupt_window(struct vcpu *v)
{
	vmwrite(VMCS_PROC_BASED_CONTROLS,
		vmread(VMCS_PROC_BASED_CONTROLS) & ~PROC_INTERRUPT_WINDOW_EXITING);
	return true;
}

static bool handle_hlt(struct vcpu *v)
{
	advance_rip();
	/* An upcall it can take now ends the halt at once (Xen's hvm_hlt). */
	if (v->upcall_asserted && (vmread(VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	    evtchn_upcall_vector(v))
		return true;
	__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_ACQ_REL);
	return false;
}

static int tpr_write(struct vcpu *v, uint64_t value)
{
	if (value & ~CR8_TPR_MASK)
		return -EINVAL;
	cpu_state(v)->tpr = value;
	return 0;
}

static bool handle_cr_access(struct vcpu *v)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	uint64_t value = 0;
	int rc = 0;

	/* Outside 64-bit mode the operand is 32 bits, whatever the register's upper half holds. */
	if (type == 0) {
		value = gpr_read(v, reg);
		if (!guest_in_64bit_mode())
			value = (uint32_t)value;
	}
	/* SDM table 28-3: type 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW. */
	if (type == 0 && cr == 0)
		rc = vmcs_set_guest_cr0(v, value);
	else if (type == 0 && cr == 4)
		rc = vmcs_set_guest_cr4(v, value);
	else if (type == 0 && cr == 3)
		rc = vmcs_set_guest_cr3(v, value);
	else if (type == 0 && cr == 8)
		rc = tpr_write(v, value);
	else if (type == 1 && cr == 3)
		gpr_write(v, reg, vmread(VMCS_GUEST_CR3));
	else if (type == 1 && cr == 8)
		gpr_write(v, reg, cpu_state(v)->tpr);
	else if (type == 2)
		rc = vmcs_set_guest_cr0(v, vmcs_guest_cr0() & ~X86_CR0_TS);
	else if (type == 3)
		rc = vmcs_set_guest_cr0(v, (vmcs_guest_cr0() & ~0xeUL) | ((q >> 16) & 0xf));
	else {
		domain_crash(v->domain, "unexpected control-register access (qualification %#lx)",
			     q);
		return false;
	}
	if (rc)
		arch_inject_exception(v, VECTOR_GP, true, 0);
	else
		advance_rip();
	return true;
}

static bool handle_xsetbv(struct vcpu *v)
{
	struct guest_regs *r = &v->arch.regs;
	uint64_t value = (r->rdx << 32) | (uint32_t)r->rax;

	/* XSAVE is not offered (CPUID): only the x87-only XCR0 is accepted, as a no-op. */
	if ((uint32_t)r->rcx != 0 || value != 1)
		arch_inject_exception(v, VECTOR_GP, true, 0);
	else
		advance_rip();
	return true;
}

static bool handle_nop(struct vcpu *v)
{
	advance_rip();
	return true;
}

static bool handle_undefined(struct vcpu *v)
{
	arch_inject_exception(v, VECTOR_UD, false, 0);
	return true;
}

static bool handle_external_interrupt(struct vcpu *v)
{
	/* Not acknowledged on exit: open the window and let the IDT take it. */
	asm volatile("sti; nop; cli" ::: "memory");
	reinject_interrupted_event();
	return true;
}

static bool handle_exception_nmi(struct vcpu *v)
{
	uint32_t info = vmread(VMCS_EXIT_INTERRUPTION_INFO);

	if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		trap_nmi_in_guest();
		reinject_interrupted_event();
		return true;
	}
	domain_crash(v->domain, "unexpected exception exit (interruption info %#x)", info);
	return false;
}

static bool handle_triple_fault(struct vcpu *v)
{
	domain_crash(v->domain, "triple fault at RIP %#lx", vmread(VMCS_GUEST_RIP));
	return false;
}

static bool handle_ept_violation(struct vcpu *v)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	uint64_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
	/* SDM table 28-7: bits 0-2 read, write, instruction fetch. */
	const char *access = q & 4 ? "instruction fetch" : q & 2 ? "write" : "read";

	domain_crash(v->domain, "EPT violation at gpa %#lx (%s) at RIP %#lx", gpa, access,
		     vmread(VMCS_GUEST_RIP));
	return false;
}

static bool handle_ept_misconfig(struct vcpu *v)
{
	domain_crash(v->domain, "EPT misconfiguration at gpa %#lx (hypervisor bug)",
		     vmread(VMCS_GUEST_PHYSICAL_ADDRESS));
	return false;
}

static bool handle_preemption_timer(struct vcpu *v)
{
	reinject_interrupted_event();
	return false;
}

static bool handle_init(struct vcpu *v)
{
	domain_crash(v->domain, "INIT signal received by the vCPU");
	return false;
}

static bool handle_unknown(struct vcpu *v)
{
	domain_crash(v->domain, "unhandled VM exit reason %lu at RIP %#lx",
		     vmread(VMCS_EXIT_REASON) & 0xffff, vmread(VMCS_GUEST_RIP));
	return false;
}

/*
 * Every reason has an entry (handle_unknown by default, so no NULL test on
 * the hot path); the named entries below override that default on purpose.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const exit_handler_t exit_handlers[EXIT_REASON_MAX] = {
	[0 ... EXIT_REASON_MAX - 1] = handle_unknown,
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_REASON_INIT] = handle_init,
	[EXIT_REASON_SIPI] = handle_nop,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_GETSEC] = handle_undefined,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INVD] = handle_nop,
	[EXIT_REASON_VMCALL] = handle_vmcall,
	[EXIT_REASON_VMCLEAR] = handle_undefined,
	[EXIT_REASON_VMLAUNCH] = handle_undefined,
	[EXIT_REASON_VMPTRLD] = handle_undefined,
	[EXIT_REASON_VMPTRST] = handle_undefined,
	[EXIT_REASON_VMREAD] = handle_undefined,
	[EXIT_REASON_VMRESUME] = handle_undefined,
	[EXIT_REASON_VMWRITE] = handle_undefined,
	[EXIT_REASON_VMXOFF] = handle_undefined,
	[EXIT_REASON_VMXON] = handle_undefined,
	[EXIT_REASON_CR_ACCESS] = handle_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = handle_io,
	[EXIT_REASON_MSR_READ] = handle_msr_read,
	[EXIT_REASON_MSR_WRITE] = handle_msr_write,
	[EXIT_REASON_MWAIT] = handle_nop,
	[EXIT_REASON_MONITOR] = handle_nop,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG] = handle_ept_misconfig,
	[EXIT_REASON_INVEPT] = handle_undefined,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_REASON_INVVPID] = handle_undefined,
	[EXIT_REASON_WBINVD] = handle_nop,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_VMFUNC] = handle_undefined,
};
#pragma GCC diagnostic pop

static void entry_failed(struct vcpu *v)
{
	uint64_t error = vmread(VMCS_INSTRUCTION_ERROR);
	const char *what = error < ARRAY_SIZE(instruction_errors) && instruction_errors[error] ?
				   instruction_errors[error] :
				   "unknown error";

	pr_err("d%uv%u: VM entry failed: VM-instruction error %lu (%s)\n", v->domain->id, v->id,
	       error, what);
	if (error == 7)
		pr_err("  controls: pin %#lx proc %#lx proc2 %#lx exit %#lx entry %#lx\n",
		       vmread(VMCS_PIN_BASED_CONTROLS), vmread(VMCS_PROC_BASED_CONTROLS),
		       vmread(VMCS_PROC_BASED_CONTROLS2), vmread(VMCS_EXIT_CONTROLS),
		       vmread(VMCS_ENTRY_CONTROLS));
	domain_crash(v->domain, "VM entry failed: VM-instruction error %lu (%s)", error, what);
}

static void entry_failure_exit(struct vcpu *v, uint32_t reason)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned int basic = reason & 0xffff;

	if (basic == EXIT_REASON_INVALID_GUEST_STATE) {
		pr_err("d%uv%u: VM entry failed: invalid guest state (qualification %lu)\n",
		       v->domain->id, v->id, q);
		vmcs_diagnose_guest_state(v);
		domain_crash(v->domain, "VM entry failed: invalid guest state");
	} else if (basic == EXIT_REASON_MSR_LOADING) {
		domain_crash(v->domain, "VM entry failed: MSR loading (entry %lu)", q);
	} else {
		domain_crash(v->domain, "VM entry failed: exit reason %u", basic);
	}
}

#define DEBUG_REGISTER_ACCESSORS(n)                                        \
	static inline uint64_t read_dr##n(void)                            \
	{                                                                  \
		uint64_t v;                                                \
		asm volatile("mov %%db" #n ", %0" : "=r"(v));              \
		return v;                                                  \
	}                                                                  \
	static inline void write_dr##n(uint64_t v)                         \
	{                                                                  \
		asm volatile("mov %0, %%db" #n : : "r"(v) : "memory");     \
	}
DEBUG_REGISTER_ACCESSORS(0)
DEBUG_REGISTER_ACCESSORS(1)
DEBUG_REGISTER_ACCESSORS(2)
DEBUG_REGISTER_ACCESSORS(3)
DEBUG_REGISTER_ACCESSORS(6)
#undef DEBUG_REGISTER_ACCESSORS

/* The hypervisor itself never uses the FPU, SSE or breakpoints (-mgeneral-regs-only). */
static void switch_state_in(struct vcpu *v)
{
	struct guest_cpu_state *s = cpu_state(v);

	wrmsr(MSR_KERNEL_GS_BASE, v->arch.msr_kernel_gs_base);
	wrmsr(MSR_STAR, v->arch.msr_star);
	wrmsr(MSR_LSTAR, v->arch.msr_lstar);
	wrmsr(MSR_CSTAR, v->arch.msr_cstar);
	wrmsr(MSR_SFMASK, v->arch.msr_sfmask);
	asm volatile("fxrstor64 %0" : : "m"(s->fxsave));
	write_dr0(s->dr[0]);
	write_dr1(s->dr[1]);
	write_dr2(s->dr[2]);
	write_dr3(s->dr[3]);
	write_dr6(s->dr6);
}

static void switch_state_out(struct vcpu *v)
{
	struct guest_cpu_state *s = cpu_state(v);

	v->arch.msr_kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	v->arch.msr_star = rdmsr(MSR_STAR);
	v->arch.msr_lstar = rdmsr(MSR_LSTAR);
	v->arch.msr_cstar = rdmsr(MSR_CSTAR);
	v->arch.msr_sfmask = rdmsr(MSR_SFMASK);
	asm volatile("fxsave64 %0" : "=m"(s->fxsave));
	s->dr[0] = read_dr0();
	s->dr[1] = read_dr1();
	s->dr[2] = read_dr2();
	s->dr[3] = read_dr3();
	s->dr6 = read_dr6();
}

/*
 * After a handler that would resume the guest, out of the fast path: the
 * scheduler is owed the CPU, or the slice is over (without a preemption
 * timer that keeps counting, it is checked here), or an EPT changed since
 * this CPU last flushed.
 */
static __attribute__((noinline, cold)) bool resume_after_checks(struct vcpu *v)
{
	if (v->requests)
		return false;
	if (v->arch.slice_deadline && rdtsc() >= v->arch.slice_deadline)
		return false;
	if (ept_cpu_stale(v->cpu))
		ept_sync_cpu(v->domain);
	if (v->upcall_asserted)
		inject_upcall(v);
	return true;
}

/*
 * Called by vmx_exit_stub after every VM exit, guest registers saved.
 * Returns true to resume the guest at once (the fast path), false to
 * return from vmx_run to arch_vcpu_run and the scheduler.
 */
bool vmx_handle_exit(struct vcpu *v)
{
	/* A 32-bit field: no bits above 31 (a 64-bit index saves a zero extension). */
	uint64_t reason = vmread(VMCS_EXIT_REASON);
	exit_handler_t handler;

	/* An entry failure has bit 31 set, so it takes the slow path too. */
	if (unlikely(reason >= EXIT_REASON_MAX)) {
		if (reason & EXIT_REASON_ENTRY_FAILURE)
			entry_failure_exit(v, (uint32_t)reason);
		else
			domain_crash(v->domain, "unhandled VM exit reason %u at RIP %#lx",
				     (uint32_t)reason, vmread(VMCS_GUEST_RIP));
		return false;
	}
	handler = exit_handlers[reason];
	if (!handler(v))
		return false;
	if (likely(!v->requests && !v->arch.slice_deadline && !ept_cpu_stale(v->cpu) &&
		   !v->upcall_asserted))
		return true;
	return resume_after_checks(v);
}

void arch_vcpu_run(struct vcpu *v, uint64_t slice_tsc)
{
	int rc = vmcs_load(v);

	if (rc) {
		domain_crash(v->domain, "cannot load the VMCS of vCPU %u: %d", v->id, rc);
		return;
	}
	if (vmx_preemption_timer_saved()) {
		vmwrite(VMCS_PREEMPTION_TIMER_VALUE, slice_tsc >> vmx_caps.preemption_timer_shift);
		v->arch.slice_deadline = 0;
	} else {
		v->arch.slice_deadline = rdtsc() + slice_tsc;
	}
	switch_state_in(v);
	write_cr2(v->arch.regs.cr2);
	while (!v->requests) {
		bool launched = v->arch.launched;

		ept_sync_cpu(v->domain);
		if (v->upcall_asserted)
			inject_upcall(v);
		/* Set before entering: the first exit may resume at once, with VMRESUME. */
		v->arch.launched = true;
		if (vmx_run(v, launched)) {
			entry_failed(v);
			break;
		}
		if (v->arch.slice_deadline && rdtsc() >= v->arch.slice_deadline)
			break;
		if (vmread(VMCS_EXIT_REASON) == EXIT_REASON_PREEMPTION_TIMER)
			break;
	}
	v->arch.regs.cr2 = read_cr2();
	switch_state_out(v);
}
