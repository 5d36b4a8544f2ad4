/*
 * Fake console for host unit tests: printk() output is kept so a test can
 * assert on what was logged, and echoed to stderr when FAKE_CONSOLE_ECHO is
 * set in the environment.
 */
#ifndef TESTS_UNIT_FAKES_CONSOLE_H
#define TESTS_UNIT_FAKES_CONSOLE_H

#include "core/console.h"

/* Everything logged since the last reset, NUL terminated (truncated at 64 KiB). */
const char *fake_console_output(void);
void fake_console_reset(void);

#endif
