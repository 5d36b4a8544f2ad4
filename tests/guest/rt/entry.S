/*
 * Exception entry stubs and exec_fault(). Each stub makes the frame
 * uniform (a dummy error code where the CPU pushes none, then the vector),
 * saves every general register as struct cpu_regs (rt/traps.h) and calls
 * do_exception(regs), which may change the saved state before iretq.
 */
#include "rt/x86.h"

	.text
	.code64

/* Vectors for which the CPU pushes an error code (SDM vol 3, 6.13). */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			   (v) == 21 || (v) == 29 || (v) == 30)

/* One 16-byte stub per vector, so that traps.c finds stub v at exception_stubs + 16 * v. */
	.p2align 4
	.globl exception_stubs
exception_stubs:
	.set vec, 0
	.rept X86_NR_EXCEPTIONS
	.p2align 4
	.if HAS_ERROR_CODE(vec) == 0
	push $0
	.endif
	push $vec
	jmp exception_common
	.set vec, vec + 1
	.endr

/*
 * The one external-interrupt vector the runtime handles, the event-channel
 * upcall (RT_UPCALL_VECTOR in rt/evtchn.h): same frame, no error code.
 */
	.p2align 4
	.globl upcall_stub
upcall_stub:
	push $0
	push $RT_UPCALL_VECTOR
	jmp exception_common

exception_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	/* The CPU aligned RSP to 16 and pushed 5 words; with ours it is aligned again. */
	mov %rsp, %rdi
	cld
	call do_exception
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp		/* vector and error code */
	iretq

/*
 * int exec_fault(void (*fn)(void *), void *arg, struct fault_info *info)
 *
 * Runs fn(arg). If it raises an exception, do_exception() (seeing
 * fault_recovery_rsp set) fills *info and resumes at exec_fault_landing on
 * our saved stack with RAX = vector. Returns the vector, or -1 if fn
 * returned normally.
 */
	.text
	.globl exec_fault, exec_fault_landing
exec_fault:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	sub $8, %rsp		/* keep the call below 16-byte aligned */
	mov %rdx, fault_recovery_info(%rip)
	mov %rsp, fault_recovery_rsp(%rip)
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	mov $-1, %eax
exec_fault_landing:
	movq $0, fault_recovery_rsp(%rip)
	movq $0, fault_recovery_info(%rip)
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.bss
	.p2align 3
	.globl fault_recovery_rsp, fault_recovery_info
fault_recovery_rsp:
	.quad 0
fault_recovery_info:
	.quad 0
