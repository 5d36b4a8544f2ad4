/*
 * PVH entry of a guest test kernel. The loader starts us in 32-bit
 * protected mode, paging off, with EBX = guest-physical address of the
 * struct hvm_start_info. We load our own GDT, identity-map [0, 1 GiB) with
 * 2 MiB pages, enter long mode and call rt_main(start_info) in C.
 */
#include "rt/x86.h"

/* public/elfnote.h: the 32-bit entry note, owned by "Xen". */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define STACK_SIZE (16 * 1024)
/* Number of 2 MiB pages in the boot identity map: 1 GiB. */
#define BOOT_MAP_LARGE_PAGES 512

	.section .note.Xen, "a"
	.p2align 2
	.long 4				/* namesz: "Xen\0" */
	.long 4				/* descsz: a 32-bit address */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.p2align 2
	.long pvh_start

	.section .text.head, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	/* Linked at its physical address: absolute 32-bit references work. */
	mov %ebx, rt_start_info_pa
	lgdt gdt_ptr32
	mov $GDT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %esp

	/* The boot tables are BSS; zero them ourselves so nothing stale can leak in. */
	mov $boot_pml4, %edi
	xor %eax, %eax
	mov $(3 * PAGE_SIZE / 4), %ecx
	rep stosl

	movl $(boot_pdpt + PTE_P + PTE_W), boot_pml4
	movl $(boot_pd + PTE_P + PTE_W), boot_pdpt
	mov $boot_pd, %edi
	mov $(PTE_P + PTE_W + PTE_PS), %eax
	mov $BOOT_MAP_LARGE_PAGES, %ecx
1:	mov %eax, (%edi)
	add $LARGE_PAGE_SIZE, %eax
	add $8, %edi
	loop 1b

	/* SDM vol 3, 10.8.5: PAE, CR3, EFER.LME, then CR0.PG activates long mode. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_WP | CR0_PE), %eax
	mov %eax, %cr0
	ljmp $GDT_CS64, $long_mode_start

	.code64
long_mode_start:
	mov $GDT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	/* The 64-bit GDT pointer holds a full base for later lgdt users. */
	lgdt gdt_ptr64(%rip)
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov rt_start_info_pa(%rip), %edi
	call rt_main
	/* rt_main never returns; if it did, fault loudly rather than run on. */
	ud2

/*
 * The hypercall page: 0xC3 (ret) until the hypervisor fills it in, so the
 * runtime can tell whether the MSR write took effect (as XTF does).
 */
	.section .hypercall_page, "ax"
	.p2align 12
	.globl hypercall_page
hypercall_page:
	.fill PAGE_SIZE, 1, 0xc3

	.data
	.p2align 3
gdt:
	.quad 0				/* null */
	.quad 0x00af9b000000ffff	/* GDT_CS64: 64-bit code, DPL 0 */
	.quad 0x00cf93000000ffff	/* GDT_DS: flat data */
	.quad 0x00cf9b000000ffff	/* GDT_CS32: flat 32-bit code */
gdt_end:

	/* Also loaded by secondary vCPUs (rt/vcpu.S). */
	.globl gdt_ptr32, gdt_ptr64
	.p2align 2
	.word 0
gdt_ptr32:
	.word gdt_end - gdt - 1
	.long gdt

	.p2align 3
	.word 0, 0, 0
gdt_ptr64:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl rt_start_info_pa
rt_start_info_pa:
	.long 0

	.bss
	.p2align 12
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip PAGE_SIZE
boot_pdpt:
	.skip PAGE_SIZE
boot_pd:
	.skip PAGE_SIZE
boot_stack:
	.skip STACK_SIZE
boot_stack_top:
