/*
 * The interactive serial console once the hypervisor is up: single-key
 * commands in the manner of Xen's debug keys.
 */
#ifndef CORE_DEBUGKEYS_H
#define CORE_DEBUGKEYS_H

#include "core/types.h"

struct acpi_info;

/* Serves keys from the console UART for good; 'q' powers off. */
__noreturn void debugkeys_run(const struct acpi_info *acpi);

#endif
