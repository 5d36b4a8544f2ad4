/*
 * Access to a domain's memory by the hypervisor. Guest-physical access goes
 * through the domain's own chunk list (never beyond [0, memory_bytes));
 * guest-virtual access first walks the guest's page tables
 * (arch_guest_translate) and checks every page. Nothing here ever
 * dereferences a guest-supplied pointer directly.
 */
#ifndef CORE_GUEST_MEMORY_H
#define CORE_GUEST_MEMORY_H

#include "core/domain.h"

/* Allocates and maps guest RAM [0, bytes) (2 MiB chunks where possible). */
int domain_memory_alloc(struct domain *d, uint64_t bytes);
/* Unmaps nothing (the EPT goes with the domain) and frees every chunk. */
void domain_memory_free(struct domain *d);

/* Host address backing a guest-physical address of RAM; -EFAULT outside RAM. */
int guest_phys_to_host(const struct domain *d, uint64_t gpa, paddr_t *hpa);

/* Copies to/from guest-physical memory; -EFAULT if any byte is outside RAM. */
int guest_phys_write(struct domain *d, uint64_t gpa, const void *src, size_t len);
int guest_phys_read(struct domain *d, void *dst, uint64_t gpa, size_t len);
int guest_phys_zero(struct domain *d, uint64_t gpa, size_t len);
/*
 * Where a naturally aligned 4- or 8-byte word of guest RAM is in host
 * memory (a page-table entry, read whole as the processor reads it), or
 * NULL if it is misaligned or outside RAM. Guest RAM stays where it is for
 * the domain's life.
 */
const volatile void *guest_phys_entry(const struct domain *d, uint64_t gpa, unsigned int size);

/*
 * Copies to/from guest-virtual memory as the vCPU sees it now. -EFAULT if
 * any page is not mapped (or not writable, for copy_to_guest) in the
 * guest's page tables, or maps outside the domain's RAM.
 */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);

#endif
