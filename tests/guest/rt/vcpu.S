/*
 * Entry points of secondary vCPUs started with VCPUOP_initialise (rt/vcpu.c
 * builds the contexts). Both end in 64-bit mode on the boot GDT and call
 * rt_vcpu_main(id) with the vCPU's own stack.
 *
 * rt_vcpu_entry64 (VCPU_HVM_MODE_64B): long mode, paging on, segments
 *   flat with selector 0; RSP = stack top, EDI = vCPU id.
 * rt_vcpu_entry32 (VCPU_HVM_MODE_32B): 32-bit protected mode, paging off;
 *   ESP = stack top, EDI = vCPU id, ESI = the page-table root to use.
 */
#include "rt/x86.h"

	.text
	.code32
	.globl rt_vcpu_entry32
rt_vcpu_entry32:
	cli
	cld
	lgdt gdt_ptr32
	mov $GDT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	/* SDM vol 3, 10.8.5, as rt/head.S: PAE, CR3, EFER.LME, then CR0.PG. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov %esi, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_WP | CR0_PE), %eax
	mov %eax, %cr0
	ljmp $GDT_CS64, $rt_vcpu_entry64

	.code64
	.globl rt_vcpu_entry64
rt_vcpu_entry64:
	cli
	cld
	lgdt gdt_ptr64(%rip)
	mov $GDT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	/* CS still has selector 0 (Xen's 64-bit start): reload it from the GDT. */
	pushq $GDT_CS64
	lea 1f(%rip), %rax
	pushq %rax
	lretq
1:	xor %ebp, %ebp
	call rt_vcpu_main
	ud2
