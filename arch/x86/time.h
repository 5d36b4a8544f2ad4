/*
 * The time-stamp counter, calibrated against the PIT once at boot, for the
 * delays the SMP start-up protocol needs.
 */
#ifndef ARCH_X86_TIME_H
#define ARCH_X86_TIME_H

#include "core/types.h"

void tsc_calibrate(void);
uint64_t tsc_khz(void);
void udelay(uint64_t us);

#endif
