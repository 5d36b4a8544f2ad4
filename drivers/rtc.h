/*
 * The PC's CMOS real-time clock (MC146818 layout), read once at boot for
 * the guests' wall clock.
 */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#include "core/types.h"

struct rtc_time {
	unsigned int year; /* four digits */
	unsigned int month, day, hour, minute, second;
};

/* Reads the clock; 0, or -ENODEV when it reads as absent or nonsense. */
int rtc_read(struct rtc_time *t);

/* Seconds since 1970-01-01 00:00:00 (the RTC is taken to run in UTC, as Xen does). */
uint64_t rtc_to_epoch(const struct rtc_time *t);

#endif
