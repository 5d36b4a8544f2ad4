/* Fake console for host unit tests; see console.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fakes/console.h"

static char output[64 * 1024];
static size_t output_len;

const char *fake_console_output(void)
{
	return output;
}

void fake_console_reset(void)
{
	output_len = 0;
	output[0] = '\0';
}

void console_write(const char *buf, size_t len)
{
	size_t room = sizeof(output) - 1 - output_len;

	if (len > room)
		len = room;
	memcpy(output + output_len, buf, len);
	output_len += len;
	output[output_len] = '\0';
	if (getenv("FAKE_CONSOLE_ECHO"))
		fwrite(buf, 1, len, stderr);
}

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	(void)level;
	if (n > 0)
		console_write(line, MIN((size_t)n, sizeof(line) - 1));
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}
