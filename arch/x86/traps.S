/*
 * Entry stubs for all 256 vectors. Each pushes a zero where the CPU pushes
 * no error code (SDM 6.13), then its vector, then joins trap_common, which
 * saves the general registers as a struct cpu_regs and calls trap_dispatch.
 */

	.text
	.balign 16
trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq

	.macro trap_stub v
	.balign 16
trap_stub_\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	push	$0
	.endif
	push	$\v
	jmp	trap_common
	.endm

	.altmacro
	.macro trap_stubs from, to
	trap_stub %from
	.if \to - \from
	trap_stubs %(\from + 1), \to
	.endif
	.endm

	trap_stubs 0, 63
	trap_stubs 64, 127
	trap_stubs 128, 191
	trap_stubs 192, 255

	.macro trap_entry v
	.quad trap_stub_\v
	.endm
	.macro trap_entries from, to
	trap_entry %from
	.if \to - \from
	trap_entries %(\from + 1), \to
	.endif
	.endm

	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	trap_entries 0, 63
	trap_entries 64, 127
	trap_entries 128, 191
	trap_entries 192, 255

	.section .note.GNU-stack, "", @progbits
