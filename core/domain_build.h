/*
 * The PVH domain builder: loads a PVH kernel (an ELF image carrying a
 * XEN_ELFNOTE_PHYS32_ENTRY note) and an optional initrd into a domain's
 * memory, writes the hvm_start_info the guest finds in EBX, and sets vCPU 0
 * to start at the PVH entry point (see core/public/hvm_start_info.h).
 */
#ifndef CORE_DOMAIN_BUILD_H
#define CORE_DOMAIN_BUILD_H

#include "boot/bootinfo.h"
#include "core/domain.h"

/*
 * Builds the domain's initial memory image. Its RAM must already be
 * allocated (domain_memory_alloc) and vCPU 0 must exist; initrd may be
 * NULL. Everything the guest is given (start_info, memory map, module list,
 * command lines, the initrd) lies in guest page 1 or above, below 1 GiB, and
 * outside the kernel's segments. Returns 0, or -EINVAL (bad arguments),
 * -ENOEXEC (not a usable PVH kernel) or -ENOMEM (does not fit in the
 * domain's memory) with a one-line reason naming the domain in err; on
 * failure the caller destroys the domain.
 */
int domain_build(struct domain *d, const struct boot_module *kernel,
		 const struct boot_module *initrd, char *err, size_t errlen);

#endif
