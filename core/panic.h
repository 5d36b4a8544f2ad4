/*
 * Fatal errors of the hypervisor itself (broken invariants), and the
 * machine-readable result line that ends every boot.
 */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include "core/types.h"

/* Prints the message and a backtrace, stops every CPU. */
__printf(1, 2) __noreturn void panic(const char *fmt, ...);

/*
 * Prints "HV-RESULT: <status> <detail>" on its own line: the line the test
 * harness judges a boot by. Only the first call prints.
 */
__printf(2, 3) void hv_result(const char *status, const char *fmt, ...);

#endif
