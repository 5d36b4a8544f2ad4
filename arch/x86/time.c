/*
 * TSC calibration with PIT channel 2 (gate through port 0x61, as on every
 * PC since the AT): count TSC ticks over a 10 ms one-shot.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/time.h"
#include "core/arch.h"
#include "core/console.h"

#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61
#define CALIBRATE_MS 10
#define FALLBACK_KHZ 1000000 /* 1 GHz: delays err on the long side on real CPUs */

static uint64_t khz = FALLBACK_KHZ;

void tsc_calibrate(void)
{
	uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t gate = inb(PIT_GATE);
	uint64_t start, end, spins = 0;

	/* Gate on, speaker off; channel 2, lobyte/hibyte, mode 0. */
	outb((gate & ~0x02) | 0x01, PIT_GATE);
	outb(0xb0, PIT_CMD);
	outb(count & 0xff, PIT_CH2);
	outb(count >> 8, PIT_CH2);
	start = rdtsc();
	/* OUT2 (bit 5) rises when the count reaches 0; bound the wait. */
	while (!(inb(PIT_GATE) & 0x20)) {
		if (++spins > 100000000) {
			outb(gate, PIT_GATE);
			pr_warn("time: PIT does not count; assuming a %lu kHz TSC\n", khz);
			return;
		}
	}
	end = rdtsc();
	outb(gate, PIT_GATE);
	if (end > start)
		khz = (end - start) / CALIBRATE_MS;
	pr_info("time: TSC runs at %lu kHz\n", khz);
}

uint64_t tsc_khz(void)
{
	return khz;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * khz / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

uint64_t arch_tsc_khz(void)
{
	return khz;
}

void arch_time_init(void)
{
	tsc_calibrate();
}
