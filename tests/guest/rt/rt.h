/*
 * Everything a guest test kernel uses from the runtime.
 */
#ifndef GUEST_RT_RT_H
#define GUEST_RT_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errno.h"
#include "core/public/cpuid.h"
#include "core/public/event_channel.h"
#include "core/public/hvm_start_info.h"
#include "core/public/xen.h"
#include "rt/console.h"
#include "rt/evtchn.h"
#include "rt/hypercall.h"
#include "rt/paging.h"
#include "rt/string.h"
#include "rt/test.h"
#include "rt/traps.h"
#include "rt/vcpu.h"
#include "rt/x86.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
