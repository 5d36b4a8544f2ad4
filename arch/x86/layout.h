/*
 * Where the hypervisor image lives. It is linked at HV_VIRT_BASE +
 * HV_LINK_PHYS; GRUB loads it at HV_LINK_PHYS, the UEFI loader at any 2 MiB
 * aligned address. All physical memory is also mapped 1:1.
 */
#ifndef ARCH_X86_LAYOUT_H
#define ARCH_X86_LAYOUT_H

#define HV_VIRT_BASE 0xFFFFFFFF80000000
#define HV_LINK_PHYS 0x200000

#define GDT_SELECTOR_CODE 0x08
#define GDT_SELECTOR_DATA 0x10
#define GDT_SELECTOR_TSS 0x18

#define BOOT_STACK_SIZE 0x4000

#endif
