/*
 * The hand-off from boot/ to the hypervisor proper.
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H

#include "boot/bootinfo.h"

/* TSC at the first instruction after the loader (set by boot/entry.S). */
extern uint64_t hv_entry_tsc;

/*
 * The hypervisor proper. boot_error is NULL, or why the hand-off failed
 * (the console is not up yet when boot/ finds out, so hv_main reports it).
 */
__noreturn void hv_main(struct boot_info *bi, const char *boot_error);

#endif
