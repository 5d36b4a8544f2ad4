/* System time from the TSC; see time.h. */
#include "core/arch.h"
#include "core/console.h"
#include "core/time.h"

/* mul is kept in [2^31, 2^32): the most precision 32 bits give. */
#define MUL_MIN (1ULL << 31)
#define MUL_LIMIT (1ULL << 32)
#define SHIFT_MIN (-10) /* ns per tick >= 2^-10 * 0.5: TSCs up to ~2 THz */
#define SHIFT_MAX 31

struct time_scale system_time_scale;
uint64_t system_time_base_tsc;

/* floor(NSEC_PER_MSEC * 2^(32 - shift) / khz): the multiplier for one shift. */
static uint64_t mul_for_shift(uint64_t khz, int shift)
{
	uint64_t num = NSEC_PER_MSEC << 32; /* < 2^52 */

	if (shift >= 0)
		return (num >> shift) / khz;
	return (num << -shift) / khz; /* < 2^62 for shift >= SHIFT_MIN */
}

bool time_scale_for_khz(struct time_scale *s, uint64_t khz)
{
	int shift = 0;
	uint64_t mul;

	if (!khz)
		return false;
	mul = mul_for_shift(khz, shift);
	while (mul >= MUL_LIMIT && shift < SHIFT_MAX)
		mul = mul_for_shift(khz, ++shift);
	while (mul < MUL_MIN && shift > SHIFT_MIN)
		mul = mul_for_shift(khz, --shift);
	if (!mul || mul >= MUL_LIMIT)
		return false;
	s->mul = (uint32_t)mul;
	s->shift = (int8_t)shift;
	return true;
}

/* The guest's arithmetic exactly (Linux pvclock_scale_delta): a 64-bit shift, then 64x32. */
uint64_t time_scale_apply(const struct time_scale *s, uint64_t ticks)
{
	if (s->shift >= 0)
		ticks <<= s->shift;
	else
		ticks >>= -s->shift;
	return (uint64_t)(((unsigned __int128)ticks * s->mul) >> 32);
}

uint64_t time_scale_inverse(const struct time_scale *s, uint64_t ns)
{
	uint64_t q_hi, rem, q_lo, x;

	if (!s->mul)
		return UINT64_MAX;
	/* x = ceil(ns * 2^32 / mul), the fewest shifted ticks: a 96-by-32 division. */
	q_hi = ns / s->mul;
	rem = ns % s->mul;
	q_lo = (rem << 32) / s->mul;
	if (q_hi >> 32)
		return UINT64_MAX;
	x = (q_hi << 32) | q_lo;
	if ((rem << 32) % s->mul) {
		if (x == UINT64_MAX)
			return UINT64_MAX;
		x++;
	}
	if (s->shift >= 0) {
		/* Shifted ticks t << shift >= x: t = ceil(x / 2^shift), if the shift keeps it. */
		uint64_t t = (x >> s->shift) + !!(x & ((1ULL << s->shift) - 1));

		return t > (UINT64_MAX >> s->shift) ? UINT64_MAX : t;
	}
	/* t >> -shift >= x: t = x << -shift. */
	if (x > (UINT64_MAX >> -s->shift))
		return UINT64_MAX;
	return x << -s->shift;
}

void time_init(void)
{
	struct time_scale s;

	if (!time_scale_for_khz(&s, arch_tsc_khz())) {
		/* arch_tsc_khz() always has a fallback rate; this is a broken invariant. */
		pr_err("time: no usable scale for a %lu kHz TSC\n", arch_tsc_khz());
		return;
	}
	system_time_scale = s;
	system_time_base_tsc = arch_cycles();
	pr_info("time: system time from the TSC: mul %#x shift %d\n", s.mul, s.shift);
}

uint64_t system_time_at(uint64_t tsc)
{
	if (tsc < system_time_base_tsc)
		return 0;
	return time_scale_apply(&system_time_scale, tsc - system_time_base_tsc);
}

uint64_t system_time(void)
{
	return system_time_at(arch_cycles());
}

uint64_t system_time_to_tsc(uint64_t ns)
{
	uint64_t ticks;

	if (ns == TIME_NEVER)
		return UINT64_MAX;
	ticks = time_scale_inverse(&system_time_scale, ns);
	if (ticks > UINT64_MAX - system_time_base_tsc)
		return UINT64_MAX;
	return system_time_base_tsc + ticks;
}
