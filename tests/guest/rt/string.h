/*
 * String and memory helpers for guest test kernels (the compiler may also
 * call memcpy/memset/memmove/memcmp by itself for struct copies).
 */
#ifndef GUEST_RT_STRING_H
#define GUEST_RT_STRING_H

/* The hypervisor's own implementations (core/lib/string.c), shared. */
#include "core/lib/string.h"

#endif
