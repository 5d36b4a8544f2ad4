/*
 * The 0xE9 debug console of Bochs and QEMU: a byte written to the port
 * appears on the emulator's output at no emulated cost.
 */
#ifndef DRIVERS_DEBUGCON_H
#define DRIVERS_DEBUGCON_H

#include "core/types.h"

/* Registers the console sink when the port is there (it reads back 0xE9). */
bool debugcon_init(void);

#endif
