/*
 * CMOS RTC: index port 0x70, data port 0x71; registers 0-9 hold the time
 * and date in BCD or binary and in 12- or 24-hour form as status register
 * B says. A read is repeated until two agree, outside the update cycle
 * (status A bit 7), so a second boundary cannot tear it.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "drivers/rtc.h"

#define CMOS_INDEX 0x70 /* bit 7 clear: NMIs stay enabled */
#define CMOS_DATA 0x71
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_UIP 0x80       /* status A: an update is in progress */
#define RTC_24H 0x02       /* status B */
#define RTC_BINARY 0x04    /* status B */
#define RTC_HOUR_PM 0x80   /* 12-hour mode */
#define RTC_WAIT_LOOPS 100000
#define RTC_READ_TRIES 5
/* Two-digit years below this are 20xx (the FADT century register is not used). */
#define RTC_CENTURY_PIVOT 70

static uint8_t cmos_read(uint8_t reg)
{
	outb(reg, CMOS_INDEX);
	return inb(CMOS_DATA);
}

static unsigned int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0x0f);
}

/* One raw read, outside an update; false if the update bit never cleared. */
static bool read_raw(uint8_t raw[6])
{
	static const uint8_t regs[6] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS,
					 RTC_DAY,     RTC_MONTH,   RTC_YEAR };
	unsigned int i;

	for (i = 0; i < RTC_WAIT_LOOPS && (cmos_read(RTC_STATUS_A) & RTC_UIP); i++)
		cpu_relax();
	if (i == RTC_WAIT_LOOPS)
		return false;
	for (i = 0; i < 6; i++)
		raw[i] = cmos_read(regs[i]);
	return true;
}

int rtc_read(struct rtc_time *t)
{
	uint8_t a[6], b[6], status;
	unsigned int tries, hour;
	bool pm;

	for (tries = 0; tries < RTC_READ_TRIES; tries++) {
		if (!read_raw(a) || !read_raw(b))
			return -ENODEV;
		if (!memcmp(a, b, sizeof(a)))
			break;
	}
	if (tries == RTC_READ_TRIES)
		return -ENODEV;
	status = cmos_read(RTC_STATUS_B);
	pm = !(status & RTC_24H) && (a[2] & RTC_HOUR_PM);
	a[2] &= (uint8_t)~RTC_HOUR_PM;
	if (!(status & RTC_BINARY))
		for (unsigned int i = 0; i < 6; i++)
			a[i] = (uint8_t)from_bcd(a[i]);
	hour = a[2];
	if (!(status & RTC_24H))
		hour = hour % 12 + (pm ? 12 : 0); /* 12 AM is 0, 12 PM is 12 */
	t->second = a[0];
	t->minute = a[1];
	t->hour = hour;
	t->day = a[3];
	t->month = a[4];
	t->year = a[5] + (a[5] < RTC_CENTURY_PIVOT ? 2000 : 1900);
	/* An absent CMOS reads 0xff everywhere. */
	if (t->second > 59 || t->minute > 59 || t->hour > 23 || !t->day || t->day > 31 ||
	    !t->month || t->month > 12 || a[5] > 99)
		return -ENODEV;
	return 0;
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian, March-based years). */
static uint64_t days_since_epoch(unsigned int year, unsigned int month, unsigned int day)
{
	uint64_t y = month <= 2 ? year - 1 : year;
	uint64_t era = y / 400, yoe = y % 400;
	uint64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468; /* 719468: days from 0000-03-01 to 1970-01-01 */
}

uint64_t rtc_to_epoch(const struct rtc_time *t)
{
	return days_since_epoch(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
	       t->minute * 60 + t->second;
}
