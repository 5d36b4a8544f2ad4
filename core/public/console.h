/*
 * The PV console ring page (Xen 4.17 public/io/console.h): input from the
 * back end in in[], output from the guest in out[]; the indices run freely
 * and are masked by the ring sizes (powers of two).
 */
#ifndef CORE_PUBLIC_CONSOLE_H
#define CORE_PUBLIC_CONSOLE_H

#include <stdint.h>

#define XENCONS_IN_SIZE 1024
#define XENCONS_OUT_SIZE 2048

struct xencons_interface {
	char in[XENCONS_IN_SIZE];
	char out[XENCONS_OUT_SIZE];
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};

/*
 * Where Xen's toolstack puts an HVM/PVH domain's console page: its special
 * page 7 below X86_HVM_END_SPECIAL_REGION (0xff000), outside guest RAM.
 */
#define XENCONS_HVM_PFN 0xfeff8ULL

_Static_assert(sizeof(struct xencons_interface) == 3088, "Xen's layout");

#endif
