/*
 * The hypervisor console: printk with log levels, written to every console
 * sink (16550 UART, the 0xE9 debug port when present).
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stdarg.h>

#include "core/types.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* A console output device. */
struct console_sink {
	const char *name;
	void (*write)(const char *buf, size_t len);
	void (*flush)(void); /* optional: wait until written bytes are out */
	struct console_sink *next;
};

void console_register(struct console_sink *sink);
void console_set_level(enum log_level level);
int console_parse_level(const char *name, enum log_level *level);

/* From now on the console lock is ignored: a panic report always gets out. */
void console_enter_panic(void);

/* Waits until every sink has sent what it was given (before power off). */
void console_flush(void);

/* Writes raw bytes to every sink, whatever the level. */
void console_write(const char *buf, size_t len);

__printf(2, 3) void printk(enum log_level level, const char *fmt, ...);
void vprintk(enum log_level level, const char *fmt, va_list ap);

#define pr_err(...) printk(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

#endif
