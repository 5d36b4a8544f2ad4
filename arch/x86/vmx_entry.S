/*
 * Entering and leaving a guest. vmx_run(vcpu, launched) loads the guest's
 * general registers (struct guest_regs, first in struct vcpu) and executes
 * VMLAUNCH or VMRESUME. A VM exit arrives at vmx_exit_stub (the VMCS host
 * RIP) on the stack vmx_run left (the host RSP), saves the guest registers
 * and calls vmx_handle_exit(vcpu). If that returns true the guest is
 * resumed at once, without unwinding: the fast path of every hypercall and
 * CPUID exit. Otherwise vmx_run returns 0. If a VM-entry instruction
 * fails, vmx_run returns 1. Guest CR2 is switched by the caller, once per
 * run, since the hypervisor itself never takes a page fault.
 */
#include "arch/x86/vmcs_fields.h"

#define GR_RAX 40
#define GR_RBX 48
#define GR_RCX 56
#define GR_RDX 16
#define GR_RSI 8
#define GR_RDI 0
#define GR_RBP 64
#define GR_R8 32
#define GR_R9 72
#define GR_R10 24
#define GR_R11 80
#define GR_R12 88
#define GR_R13 96
#define GR_R14 104
#define GR_R15 112
#define GR_CR2 120

/* Loads every guest register from the struct at %rdi, %rdi itself last; keeps the flags. */
.macro LOAD_GUEST_REGS
	mov	GR_RAX(%rdi), %rax
	mov	GR_RBX(%rdi), %rbx
	mov	GR_RCX(%rdi), %rcx
	mov	GR_RDX(%rdi), %rdx
	mov	GR_RSI(%rdi), %rsi
	mov	GR_RBP(%rdi), %rbp
	mov	GR_R8(%rdi), %r8
	mov	GR_R9(%rdi), %r9
	mov	GR_R10(%rdi), %r10
	mov	GR_R11(%rdi), %r11
	mov	GR_R12(%rdi), %r12
	mov	GR_R13(%rdi), %r13
	mov	GR_R14(%rdi), %r14
	mov	GR_R15(%rdi), %r15
	mov	GR_RDI(%rdi), %rdi
.endm

	.text
	.globl vmx_run
vmx_run:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi				/* the vCPU, found again at exit */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	test	%esi, %esi			/* MOVs below keep the flags */
	LOAD_GUEST_REGS
	jz	1f
	vmresume
	jmp	2f
1:	vmlaunch
2:	/* The entry instruction failed: the guest did not run. */
	mov	$1, %eax
	jmp	4f

	.globl vmx_exit_stub
vmx_exit_stub:
	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, GR_RAX(%rdi)
	mov	%rbx, GR_RBX(%rdi)
	mov	%rcx, GR_RCX(%rdi)
	mov	%rdx, GR_RDX(%rdi)
	mov	%rsi, GR_RSI(%rdi)
	mov	%rbp, GR_RBP(%rdi)
	mov	%r8, GR_R8(%rdi)
	mov	%r9, GR_R9(%rdi)
	mov	%r10, GR_R10(%rdi)
	mov	%r11, GR_R11(%rdi)
	mov	%r12, GR_R12(%rdi)
	mov	%r13, GR_R13(%rdi)
	mov	%r14, GR_R14(%rdi)
	mov	%r15, GR_R15(%rdi)
	pop	GR_RDI(%rdi)
	lea	48(%rsp), %rbp			/* vmx_run's frame, for backtraces */
	call	vmx_handle_exit
	test	%al, %al
	jz	3f
	mov	(%rsp), %rdi
	LOAD_GUEST_REGS
	vmresume
	jmp	2b
3:	xor	%eax, %eax
4:	pop	%rdi
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
