/*
 * Formatted output for the hypervisor, the UEFI loader and the guest test
 * runtime: %d %i %u %x %X %o %p %s %c %% with the hh, h, l, ll and z length
 * modifiers, the '-', '0' and '#' flags, width and precision (also as '*').
 * Same prototypes as the C library's.
 */
#ifndef CORE_LIB_VSNPRINTF_H
#define CORE_LIB_VSNPRINTF_H

#include <stdarg.h>

#include "core/types.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);

#endif
