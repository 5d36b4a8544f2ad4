/* panic() and the result line; see panic.h. */
#include "core/arch.h"
#include "core/console.h"
#include "core/lib/vsnprintf.h"
#include "core/panic.h"

static uint32_t result_printed;

void hv_result(const char *status, const char *fmt, ...)
{
	char detail[1024]; /* 15 domains with 31-character names fit */
	char line[1100];
	va_list ap;
	int n;

	if (__atomic_exchange_n(&result_printed, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "HV-RESULT: %s %s\n", status, detail);
	console_write(line, MIN((size_t)n, sizeof(line) - 1));
}

void panic(const char *fmt, ...)
{
	static uint32_t panicking;
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* A second CPU panicking at the same time just stops. */
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL))
		arch_halt();
	arch_stop_other_cpus();
	console_enter_panic();
	printk(LOG_ERROR, "\n*** PANIC on CPU %u: %s\n", arch_cpu_id(), msg);
	arch_backtrace_here();
	hv_result("panic", "%s", msg);
	arch_halt();
}
