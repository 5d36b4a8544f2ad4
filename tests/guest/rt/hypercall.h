/*
 * Hypercalls from a guest test kernel. The normal path is XTF's: the
 * hypervisor fills the hypercall page (installed through the MSR named by
 * CPUID leaf base+2) and a call is `call hypercall_page + nr * 32`, with
 * arguments in RDI, RSI, RDX, R10, R8 and the result in RAX. hypercall_raw()
 * issues VMCALL directly, for numbers the page has no stub for.
 */
#ifndef GUEST_RT_HYPERCALL_H
#define GUEST_RT_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errno.h"
#include "core/public/cpuid.h"
#include "core/public/xen.h"

/* Stubs in the one hypercall page. */
#define HYPERCALL_PAGE_STUBS (4096 / XEN_HYPERCALL_STUB_SIZE)

extern uint8_t hypercall_page[];

/* The Xen CPUID base found at start-up (0x40000000 normally); 0 without Xen. */
extern uint32_t xen_cpuid_base;
/* The hypercall page is installed: the wrappers below may be used. */
extern bool hypercall_page_ready;

/*
 * Finds the Xen CPUID leaves and installs the hypercall page. Returns 0,
 * -ENODEV without a Xen-compatible hypervisor, or -EIO when the page stayed
 * unfilled after the MSR write.
 */
int hypercall_init(void);

/* Through the page; nr must be below HYPERCALL_PAGE_STUBS. */
static inline int64_t hypercall_page_call(unsigned int nr, uint64_t a1, uint64_t a2,
					  uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	void *stub = hypercall_page + (uint64_t)nr * XEN_HYPERCALL_STUB_SIZE;
	int64_t ret;

	/* The ABI preserves other registers; the argument ones are treated as clobbered. */
	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
		     : [stub] "r"(stub)
		     : "memory");
	return ret;
}

/* VMCALL directly, any number (the hypervisor must answer -ENOSYS to unknown ones). */
static inline int64_t hypercall_raw(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
				    uint64_t a4, uint64_t a5)
{
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	int64_t ret;

	asm volatile("vmcall"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
		     : "0"(nr)
		     : "memory");
	return ret;
}

#define HCALL_ARG(x) ((uint64_t)(uintptr_t)(x))

/* Typed wrappers; pointer arguments are guest-virtual addresses. */
static inline int64_t hypercall_console_io(unsigned int cmd, uint64_t count, const void *buf)
{
	return hypercall_page_call(__HYPERVISOR_console_io, cmd, count, HCALL_ARG(buf), 0, 0);
}

static inline int64_t hypercall_xen_version(unsigned int cmd, void *arg)
{
	return hypercall_page_call(__HYPERVISOR_xen_version, cmd, HCALL_ARG(arg), 0, 0, 0);
}

static inline int64_t hypercall_sched_op(unsigned int cmd, void *arg)
{
	return hypercall_page_call(__HYPERVISOR_sched_op, cmd, HCALL_ARG(arg), 0, 0, 0);
}

static inline int64_t hypercall_vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall_page_call(__HYPERVISOR_vcpu_op, cmd, vcpu, HCALL_ARG(arg), 0, 0);
}

static inline int64_t hypercall_memory_op(unsigned int cmd, void *arg)
{
	return hypercall_page_call(__HYPERVISOR_memory_op, cmd, HCALL_ARG(arg), 0, 0, 0);
}

static inline int64_t hypercall_hvm_op(unsigned int cmd, void *arg)
{
	return hypercall_page_call(__HYPERVISOR_hvm_op, cmd, HCALL_ARG(arg), 0, 0, 0);
}

static inline int64_t hypercall_event_channel_op(unsigned int cmd, void *arg)
{
	return hypercall_page_call(__HYPERVISOR_event_channel_op, cmd, HCALL_ARG(arg), 0, 0, 0);
}

static inline int64_t hypercall_yield(void)
{
	return hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* SCHEDOP_shutdown; returns only if the hypervisor refused (or is absent). */
int64_t hypercall_shutdown(uint32_t reason);

#endif
