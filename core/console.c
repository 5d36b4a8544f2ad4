/*
 * The hypervisor console: formats printk messages and writes them, under
 * one lock so lines from different CPUs do not mix, to every registered
 * sink. After a panic the lock is ignored, so the report always gets out.
 * A CPU that is interrupted while it holds the lock (an NMI, a fault in a
 * sink) and prints again writes without it: waiting would never end.
 */
#include "core/console.h"
#include "core/arch.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"
#include "core/spinlock.h"

#define NO_OWNER UINT32_MAX

static struct console_sink *sinks;
static enum log_level console_level = LOG_INFO;
static spinlock_t console_lock = SPINLOCK_INIT;
static uint32_t console_owner = NO_OWNER; /* the CPU holding console_lock */
static bool console_panicking;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void console_register(struct console_sink *sink)
{
	sink->next = sinks;
	sinks = sink;
}

void console_set_level(enum log_level level)
{
	console_level = level;
}

int console_parse_level(const char *name, enum log_level *level)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (!strcmp(name, level_names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void console_enter_panic(void)
{
	console_panicking = true;
}

static void write_all(const char *buf, size_t len)
{
	for (struct console_sink *s = sinks; s; s = s->next)
		s->write(buf, len);
}

void console_flush(void)
{
	for (struct console_sink *s = sinks; s; s = s->next)
		if (s->flush)
			s->flush();
}

void console_write(const char *buf, size_t len)
{
	uint32_t cpu;

	if (console_panicking) {
		write_all(buf, len);
		return;
	}
	cpu = arch_cpu_id();
	/* Only this CPU ever stores its own id here, so the check cannot race. */
	if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == cpu) {
		write_all(buf, len);
		return;
	}
	spin_lock(&console_lock);
	__atomic_store_n(&console_owner, cpu, __ATOMIC_RELAXED);
	write_all(buf, len);
	__atomic_store_n(&console_owner, NO_OWNER, __ATOMIC_RELAXED);
	spin_unlock(&console_lock);
}

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	if (level > console_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	console_write(line, MIN((size_t)n, sizeof(line) - 1));
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}
