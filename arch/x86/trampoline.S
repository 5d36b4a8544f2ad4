/*
 * Application-processor start-up code. smp.c copies it to a page below
 * 1 MiB and points the STARTUP IPI at it (SDM 11.4.4.1: the AP starts in
 * real mode at vector * 4 KiB). The parameter block at the end holds
 * offsets that smp.c turns into physical addresses before each start.
 */
	.section .rodata.trampoline, "a"
	.code16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%ebx, %ebx
	mov	%cs, %bx
	shl	$4, %ebx			/* physical base of this page */
	lgdtl	tramp_gdt_ptr - trampoline_start
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	*(tramp_jump32 - trampoline_start)

	.code32
tramp32:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	mov	tramp_cr3 - trampoline_start(%ebx), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx
	rdmsr
	or	tramp_efer - trampoline_start(%ebx), %eax
	wrmsr
	mov	%cr0, %eax
	and	$~0x60000000, %eax		/* caches on */
	or	$0x80010021, %eax		/* PG WP NE PE */
	mov	%eax, %cr0
	ljmpl	*tramp_jump64 - trampoline_start(%ebx)

	.code64
tramp64:
	mov	tramp_stack - trampoline_start(%rbx), %rsp
	mov	tramp_percpu - trampoline_start(%rbx), %rdi
	mov	tramp_entry - trampoline_start(%rbx), %rax
	xor	%ebp, %ebp
	jmp	*%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
	.quad 0x00cf9a000000ffff		/* 0x18: 32-bit code */
tramp_gdt_end:

	.globl trampoline_params
trampoline_params:
tramp_gdt_ptr:
	.short tramp_gdt_end - tramp_gdt - 1
	.long tramp_gdt - trampoline_start
tramp_jump32:
	.long tramp32 - trampoline_start
	.short 0x18
tramp_jump64:
	.long tramp64 - trampoline_start
	.short 0x08
tramp_cr3:
	.long 0
tramp_efer:
	.long 0
tramp_stack:
	.quad 0
tramp_percpu:
	.quad 0
tramp_entry:
	.quad 0
	.globl trampoline_end
trampoline_end:

	.section .note.GNU-stack, "", @progbits
