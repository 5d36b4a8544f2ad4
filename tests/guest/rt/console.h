/*
 * Guest console output: printk formats into a buffer and writes it with
 * CONSOLEIO_write, or to port 0xE9 when no Xen-compatible hypervisor is
 * present (bare QEMU, used to debug the runtime itself).
 */
#ifndef GUEST_RT_CONSOLE_H
#define GUEST_RT_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

/* vsnprintf and snprintf are the hypervisor's own (core/lib/), shared. */
#include "core/lib/vsnprintf.h"

/* Writes len bytes to the console as they are. */
void console_write(const char *buf, size_t len);

__printf(1, 2) void printk(const char *fmt, ...);
void vprintk(const char *fmt, va_list ap);

#endif
