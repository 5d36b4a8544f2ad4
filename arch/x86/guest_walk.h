/*
 * The guest page-table walker behind arch_guest_translate() (core/arch.h):
 * guest-virtual to guest-physical in every x86 paging mode (SDM vol 3,
 * chapter 4), reading the guest's tables only through guest_phys_read() and
 * the paging registers through vmx_guest_paging_state() (vmcs.h).
 *
 * It checks what a supervisor access would: present bits, reserved bits and,
 * for writes, the R/W bit at every level whatever CR0.WP says (hypercalls come
 * from CPL 0; a buffer the guest mapped read-only is never written). It does
 * not set accessed or dirty bits. 1 GiB pages are accepted as the host CPU
 * offers them to the guest. PAE page-directory-pointer entries are read
 * from memory rather than from the PDPTE registers the CPU loaded at the last
 * CR3 write; a guest that changes them without reloading CR3 sees the new ones.
 */
#ifndef ARCH_X86_GUEST_WALK_H
#define ARCH_X86_GUEST_WALK_H

#include "arch/x86/cpu.h"
#include "core/types.h"

/* Guest page-table entry bits (SDM 4.3 to 4.5). */
#define GPTE_PRESENT (1UL << 0)
#define GPTE_WRITE (1UL << 1)
#define GPTE_USER (1UL << 2)
#define GPTE_LARGE (1UL << 7)
#define GPTE_NX (1UL << 63)

/* Not in cpu.h yet: 5-level paging (SDM 4.5). */
#ifndef X86_CR4_LA57
#define X86_CR4_LA57 (1UL << 12)
#endif

struct domain;

#define PAE_NR_PDPTES 4

/*
 * Reads the four page-directory-pointer-table entries PAE paging loads
 * from cr3 (SDM 4.4.1), as a MOV to CR0 or CR3 emulated for the guest must:
 * 0, -EFAULT if they are not in guest RAM, or -EINVAL if a present one sets
 * a reserved bit (the instruction then raises #GP).
 */
int guest_walk_read_pdptes(struct domain *d, uint64_t cr3, uint64_t pdpte[PAE_NR_PDPTES]);

/*
 * MAXPHYADDR, the width of physical addresses in page-table entries: the
 * guest sees the host's value. A hardware edge, faked by the host tests.
 */
#ifdef HOST_UNIT_TEST
unsigned int guest_walk_phys_addr_bits(void);
#else
static inline unsigned int guest_walk_phys_addr_bits(void)
{
	return cpu_phys_addr_bits();
}
#endif

#endif
