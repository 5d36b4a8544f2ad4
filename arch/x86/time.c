/*
 * TSC calibration with PIT channel 2 (gate through port 0x61, as on every
 * PC since the AT): count TSC ticks over a 10 ms one-shot. Servers may have
 * no PIT, or one whose clock is gated off: then CPUID tells the frequency
 * (leaf 0x15, else leaf 0x16), and only without both is a rate assumed.
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
#define PIT_GATE_OUT2 0x20
#define CALIBRATE_MS 10
/* 10 ms is fewer ticks than this on any TSC below 13 GHz: past it the PIT is not counting. */
#define CALIBRATE_TSC_LIMIT (1ULL << 27)
#define CPUID_TSC_CRYSTAL 0x15
#define CPUID_FREQUENCY 0x16
#define FALLBACK_KHZ 1000000 /* 1 GHz: delays err on the long side on real CPUs */

static uint64_t khz = FALLBACK_KHZ;

/* TSC kHz measured against the PIT; 0 when there is no PIT or it does not count. */
static uint64_t pit_measure_khz(void)
{
	uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t gate = inb(PIT_GATE);
	uint64_t start, now;
	bool counted = true;

	/* Gate on, speaker off; channel 2, lobyte/hibyte, mode 0. */
	outb((gate & ~0x02) | 0x01, PIT_GATE);
	outb(0xb0, PIT_CMD);
	outb(count & 0xff, PIT_CH2);
	outb(count >> 8, PIT_CH2);
	start = rdtsc();
	/* Mode 0 drives OUT2 low until the count runs out: high at once means no PIT. */
	if (inb(PIT_GATE) & PIT_GATE_OUT2)
		counted = false;
	while (counted && !(inb(PIT_GATE) & PIT_GATE_OUT2))
		counted = rdtsc() - start < CALIBRATE_TSC_LIMIT;
	now = rdtsc();
	outb(gate, PIT_GATE);
	return counted && now > start ? (now - start) / CALIBRATE_MS : 0;
}

/* TSC kHz from CPUID (SDM vol. 2A, CPUID leaves 15H and 16H); 0 when it does not say. */
static uint64_t cpuid_tsc_khz(void)
{
	struct cpuid_regs r;
	uint32_t max_leaf;

	cpuid(0, &r);
	max_leaf = r.eax;
	if (max_leaf >= CPUID_TSC_CRYSTAL) {
		/* EBX/EAX is the TSC to crystal ratio, ECX the crystal in Hz (0: not given). */
		cpuid(CPUID_TSC_CRYSTAL, &r);
		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
	}
	if (max_leaf >= CPUID_FREQUENCY) {
		/* EAX[15:0]: the base frequency in MHz, which the TSC runs at. */
		cpuid(CPUID_FREQUENCY, &r);
		if (r.eax & 0xffff)
			return (uint64_t)(r.eax & 0xffff) * 1000;
	}
	return 0;
}

void tsc_calibrate(void)
{
	uint64_t measured = pit_measure_khz();

	if (measured) {
		khz = measured;
		pr_info("time: TSC runs at %lu kHz\n", khz);
		return;
	}
	measured = cpuid_tsc_khz();
	if (measured) {
		khz = measured;
		pr_info("time: no working PIT; TSC runs at %lu kHz (CPUID)\n", khz);
		return;
	}
	pr_warn("time: no working PIT and CPUID does not say; assuming a %lu kHz TSC\n", khz);
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
