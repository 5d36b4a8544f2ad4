/*
 * Starting the application processors (INIT-SIPI-SIPI, SDM 8.4.4).
 */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "core/types.h"

/* Enables the boot CPU's local APIC and records its id. */
void bsp_apic_init(void);

/* Kick and timer interrupts (arch/x86/idle.c): once, then on every CPU. */
void idle_init(void);
void idle_cpu_init(void);

/* Called by every CPU once its tables are loaded: checks in, then idles. */
__noreturn void ap_entry(void *percpu);

#endif
