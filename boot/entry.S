/*
 * The two ways in. GRUB enters mb2_entry in 32-bit protected mode with
 * paging off (Multiboot2 spec 3.3: EAX magic, EBX information); the stub
 * builds just enough page tables for long mode and jumps to the linked
 * (upper-half) code. The UEFI loader enters hv_entry64 in long mode on its
 * own page tables with RDI = physical address of a boot_info.
 */
#include "arch/x86/layout.h"

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define PHYS(sym) ((sym) - HV_VIRT_BASE)

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

#define CR4_PAE 0x20
#define CR4_LA57 0x1000

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Module alignment tag: modules on page boundaries. */
	.short 6, 0
	.long 8
	/* End tag. */
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot32, "ax"
	.code32
	.globl mb2_entry
mb2_entry:
	cli
	cld
	mov	%eax, %esi			/* magic, kept in ESI */
	mov	%ebx, %edi			/* information, kept in EDI */
	rdtsc
	mov	%eax, PHYS(hv_entry_tsc)
	mov	%edx, PHYS(hv_entry_tsc) + 4
	mov	$PHYS(boot_stack_top), %esp

	/* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	no_long_mode

	/* Zero the boot page tables (GRUB zeroes .bss, but be sure). */
	push	%edi
	mov	$PHYS(boot_pml4), %edi
	mov	$(PHYS(boot_pt_end) - PHYS(boot_pml4)) / 4, %ecx
	xor	%eax, %eax
	rep stosl
	pop	%edi

	/* PML4[0] -> identity PDPT, PML4[511] -> upper PDPT. */
	movl	$PHYS(boot_pdpt_low) + PTE_P + PTE_W, PHYS(boot_pml4)
	movl	$PHYS(boot_pdpt_high) + PTE_P + PTE_W, PHYS(boot_pml4) + 511 * 8

	bt	$26, %edx			/* 1 GiB pages? */
	jnc	1f
	/* Identity-map 512 GiB with 1 GiB pages. */
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$30, %eax
	or	$PTE_P + PTE_W + PTE_PS, %eax
	mov	%eax, PHYS(boot_pdpt_low)(, %ecx, 8)
	mov	%ecx, %eax
	shr	$2, %eax
	mov	%eax, PHYS(boot_pdpt_low) + 4(, %ecx, 8)
	inc	%ecx
	cmp	$512, %ecx
	jb	2b
	jmp	3f

	/* Otherwise identity-map 4 GiB with 2 MiB pages. */
1:	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$PTE_P + PTE_W + PTE_PS, %eax
	mov	%eax, PHYS(boot_pd)(, %ecx, 8)
	mov	%ecx, %eax
	shr	$11, %eax
	mov	%eax, PHYS(boot_pd) + 4(, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	2b
	xor	%ecx, %ecx
	mov	$PHYS(boot_pd) + PTE_P + PTE_W, %eax
2:	mov	%eax, PHYS(boot_pdpt_low)(, %ecx, 8)
	add	$4096, %eax
	inc	%ecx
	cmp	$4, %ecx
	jb	2b

	/* The upper 2 GiB map physical 0-2 GiB: the image sits in the first. */
3:	mov	PHYS(boot_pdpt_low), %eax
	mov	%eax, PHYS(boot_pdpt_high) + 510 * 8
	mov	PHYS(boot_pdpt_low) + 4, %eax
	mov	%eax, PHYS(boot_pdpt_high) + 510 * 8 + 4
	mov	PHYS(boot_pdpt_low) + 8, %eax
	mov	%eax, PHYS(boot_pdpt_high) + 511 * 8
	mov	PHYS(boot_pdpt_low) + 12, %eax
	mov	%eax, PHYS(boot_pdpt_high) + 511 * 8 + 4

	/*
	 * CR4.PAE, CR3, EFER.LME, then CR0.PG (SDM 10.8.5). CR4.LA57 goes: a
	 * loader coming from 5-level UEFI firmware may leave it set, and these
	 * tables are 4-level. Paging is off, the only time it may change.
	 */
	mov	%cr4, %eax
	and	$~CR4_LA57, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$PHYS(boot_pml4), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx
	rdmsr
	or	$0x100, %eax
	wrmsr
	/* PG, WP, NE, PE; clear CD and NW, which GRUB leaves set. */
	mov	%cr0, %eax
	and	$~0x60000000, %eax
	or	$0x80010021, %eax
	mov	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$GDT_SELECTOR_CODE, $mb2_long

no_long_mode:
	mov	$no_long_mode_msg, %ebx
1:	movb	(%ebx), %al
	test	%al, %al
	jz	2f
	mov	$0x3f8, %dx
	outb	%al, %dx
	mov	$0xe9, %dx
	outb	%al, %dx
	inc	%ebx
	jmp	1b
2:	hlt
	jmp	2b

	.code64
mb2_long:
	movabs	$mb2_entry64, %rax
	jmp	*%rax

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 64-bit code */
	.quad 0x00cf92000000ffff		/* data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

no_long_mode_msg:
	.asciz "HV-RESULT: refused this CPU has no 64-bit long mode\r\n"

	.text
	.code64
mb2_entry64:
	mov	$GDT_SELECTOR_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	/* boot_multiboot2(magic, information) */
	mov	%edi, %eax
	mov	%esi, %edi
	mov	%eax, %esi
	call	boot_multiboot2
	ud2

	.globl hv_entry64
hv_entry64:
	cli
	cld
	mov	%rdi, %rbx
	rdtsc
	mov	%eax, hv_entry_tsc(%rip)
	mov	%edx, hv_entry_tsc + 4(%rip)
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	%rbx, %rdi
	call	boot_uefi
	ud2

	/* The UEFI loader finds hv_entry64 through this note. */
	.section .note.hvboot, "a"
	.balign 4
	.long 7					/* namesz: "HVBOOT\0" */
	.long 8					/* descsz */
	.long 1					/* type: 64-bit entry */
	.asciz "HVBOOT"
	.balign 4
	.quad hv_entry64

	.data
	.balign 8
	.globl hv_entry_tsc
hv_entry_tsc:
	.quad 0

	.bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096 * 4
boot_pt_end:
	.globl boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
