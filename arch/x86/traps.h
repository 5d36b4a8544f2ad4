/*
 * Exceptions and interrupts: the IDT, the saved register frame, fatal
 * exception reports with a backtrace, and interrupt handler registration.
 */
#ifndef ARCH_X86_TRAPS_H
#define ARCH_X86_TRAPS_H

#include "core/types.h"

/* The frame arch/x86/traps.S builds; the last five words are the CPU's. */
struct cpu_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

#define VECTOR_NMI 2
#define VECTOR_DOUBLE_FAULT 8
#define VECTOR_PAGE_FAULT 14
#define VECTOR_MACHINE_CHECK 18
#define VECTOR_FIRST_IRQ 32
#define VECTOR_TIMER 0xef /* local APIC timer (TSC deadline) */
#define VECTOR_PANIC_STOP 0xf0 /* fixed IPI used before NMI to stop other CPUs */
#define VECTOR_KICK 0xf1 /* makes a CPU leave guest mode or idle */
#define VECTOR_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct cpu_regs *regs);

void idt_init(void);
void idt_load(void);
/* The shared IDT's address (the VMCS host state needs it). */
uint64_t idt_base(void);
void irq_register(uint8_t vector, irq_handler_t handler);

/* An NMI that arrived while a guest ran (a VM exit consumed it). */
void trap_nmi_in_guest(void);

/* Called from traps.S. */
void trap_dispatch(struct cpu_regs *regs);

/* Prints a backtrace starting at the given frame pointer. */
void backtrace_print(uint64_t rip, uint64_t rbp);

#endif
