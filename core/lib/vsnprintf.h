/*
 * Formatted output for the hypervisor and the UEFI loader: %d %i %u %x %X
 * %p %s %c %% with the l, ll, z flags, width, '0' and '-' padding, and
 * precision for %s. Same prototypes as the C library's.
 */
#ifndef CORE_LIB_VSNPRINTF_H
#define CORE_LIB_VSNPRINTF_H

#include <stdarg.h>

#include "core/types.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);

#endif
