/*
 * Console output: CONSOLEIO_write once the hypercall page works, port 0xE9
 * before that or without Xen.
 */
#include "rt/rt.h"

/* Longer printk output is cut here; tests print short lines. */
#define PRINTK_BUFFER 512

void console_write(const char *buf, size_t len)
{
	size_t i;

	if (hypercall_page_ready && hypercall_console_io(CONSOLEIO_write, len, buf) == 0)
		return;
	for (i = 0; i < len; i++)
		outb(DEBUG_PORT, (uint8_t)buf[i]);
}

void vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_BUFFER];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
