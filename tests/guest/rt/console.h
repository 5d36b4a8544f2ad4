/*
 * Guest console output: printk formats into a buffer and writes it with
 * CONSOLEIO_write, or to port 0xE9 when no Xen-compatible hypervisor is
 * present (bare QEMU, used to debug the runtime itself).
 */
#ifndef GUEST_RT_CONSOLE_H
#define GUEST_RT_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

#define __printf(a, b) __attribute__((format(printf, a, b)))

/*
 * Formats like C's vsnprintf for the subset the tests use: %d %i %u %x %X
 * %o %p %s %c %%, flags - 0 #, width, precision for %s, length h hh l ll z.
 * Always terminates (size > 0); returns the length the full output needs.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);

/* Writes len bytes to the console as they are. */
void console_write(const char *buf, size_t len);

__printf(1, 2) void printk(const char *fmt, ...);
void vprintk(const char *fmt, va_list ap);

#endif
