/*
 * Local APIC access (SDM volume 3, chapter 11). In x2APIC mode registers
 * are MSRs 0x800 + offset/16 and the ICR is one 64-bit MSR (SDM 11.12.9).
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/traps.h"
#include "core/mm.h"

#define APIC_REG_ID 0x020
#define APIC_REG_VERSION 0x030
#define APIC_REG_TPR 0x080
#define APIC_REG_EOI 0x0b0
#define APIC_REG_SVR 0x0f0
#define APIC_REG_LVT_CMCI 0x2f0
#define APIC_REG_ICR_LOW 0x300
#define APIC_REG_ICR_HIGH 0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_THERMAL 0x330
#define APIC_REG_LVT_PERF 0x340
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_INITIAL 0x380
#define APIC_REG_TIMER_CURRENT 0x390
#define APIC_REG_TIMER_DIVIDE 0x3e0
#define APIC_TIMER_ONESHOT (0u << 17)
#define APIC_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_TIMER_DIVIDE_BY_1 0xb /* SDM 11.5.4: bits 3, 1:0 = 1011b */
#define APIC_LVT_MASKED (1u << 16)

/* SDM 11.4.8: version register bits 23:16 hold the number of LVT entries minus one. */
#define APIC_MAXLVT(version) (((version) >> 16) & 0xff)
#define APIC_MAXLVT_PERF 4
#define APIC_MAXLVT_THERMAL 5
#define APIC_MAXLVT_CMCI 6

/* An xAPIC destination is 8 bits and 0xff is the broadcast (SDM 11.6.2.1). */
#define XAPIC_BROADCAST_ID 0xffu
#define X2APIC_BROADCAST_ID 0xffffffffu

#define APIC_SVR_ENABLE (1u << 8)
#define ICR_DELIVERY_FIXED (0u << 8)
#define ICR_DELIVERY_NMI (4u << 8)
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)

#define X2APIC_MSR_BASE 0x800
#define ICR_WAIT_LOOPS 1000000

/* The boot CPU's mode, which every CPU runs in: it decides how registers are reached. */
static bool x2apic;
static bool mode_chosen;
static volatile uint32_t *xapic_mmio;

static uint32_t apic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return xapic_mmio[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), v);
	else
		xapic_mmio[reg / 4] = v;
}

/*
 * Puts this CPU's APIC in the boot CPU's mode. SDM 11.12.5: x2APIC mode is
 * entered from xAPIC mode only, and left only for the disabled state.
 */
static void apic_set_mode(uint64_t base)
{
	if ((base & APIC_BASE_X2APIC) && !x2apic) {
		base &= ~(APIC_BASE_ENABLE | APIC_BASE_X2APIC);
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_X2APIC)) {
		base |= APIC_BASE_X2APIC;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
}

/*
 * Masks the local vector table entries the firmware may have left live (a
 * periodic timer, LINT0 in ExtINT mode, thermal or performance interrupts):
 * their vectors have no handler here. LINT1 keeps the platform's NMI wiring.
 */
static void apic_mask_lvt(void)
{
	uint32_t maxlvt = APIC_MAXLVT(apic_read(APIC_REG_VERSION));

	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_REG_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_REG_LVT_ERROR, APIC_LVT_MASKED);
	/* The optional entries: in x2APIC mode a missing register faults. */
	if (maxlvt >= APIC_MAXLVT_PERF)
		apic_write(APIC_REG_LVT_PERF, APIC_LVT_MASKED);
	if (maxlvt >= APIC_MAXLVT_THERMAL)
		apic_write(APIC_REG_LVT_THERMAL, APIC_LVT_MASKED);
	if (maxlvt >= APIC_MAXLVT_CMCI)
		apic_write(APIC_REG_LVT_CMCI, APIC_LVT_MASKED);
}

void apic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!mode_chosen) {
		x2apic = base & APIC_BASE_X2APIC;
		xapic_mmio = phys_to_virt(base & ~0xfffUL & ((1UL << 52) - 1));
		mode_chosen = true;
	}
	apic_set_mode(base);
	apic_mask_lvt();
	apic_write(APIC_REG_TPR, 0);
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
}

bool apic_id_reachable(uint32_t id)
{
	return x2apic ? id != X2APIC_BROADCAST_ID : id < XAPIC_BROADCAST_ID;
}

uint32_t apic_id(void)
{
	if (x2apic)
		return apic_read(APIC_REG_ID);
	return apic_read(APIC_REG_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_REG_EOI, 0);
}

bool apic_wait_icr_idle(void)
{
	if (x2apic)
		return true; /* SDM 11.12.9: no delivery status in x2APIC mode */
	for (unsigned int i = 0; i < ICR_WAIT_LOOPS; i++) {
		if (!(apic_read(APIC_REG_ICR_LOW) & ICR_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

static void apic_send_ipi(uint32_t dest, uint32_t low)
{
	/* A truncated or broadcast destination could INIT the wrong CPU, this one included. */
	if (!apic_id_reachable(dest))
		return;
	if (x2apic) {
		wrmsr(X2APIC_MSR_BASE + (APIC_REG_ICR_LOW >> 4), ((uint64_t)dest << 32) | low);
		return;
	}
	apic_wait_icr_idle();
	apic_write(APIC_REG_ICR_HIGH, dest << 24);
	apic_write(APIC_REG_ICR_LOW, low);
}

void apic_send_init(uint32_t id)
{
	apic_send_ipi(id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
}

void apic_send_startup(uint32_t id, uint8_t vector)
{
	apic_send_ipi(id, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | vector);
}

void apic_send_fixed(uint32_t id, uint8_t vector)
{
	apic_send_ipi(id, ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector);
}

void apic_timer_tsc_deadline(uint8_t vector)
{
	apic_write(APIC_REG_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | vector);
}

void apic_timer_oneshot(uint8_t vector)
{
	apic_write(APIC_REG_TIMER_DIVIDE, APIC_TIMER_DIVIDE_BY_1);
	apic_write(APIC_REG_LVT_TIMER, APIC_TIMER_ONESHOT | vector);
}

void apic_timer_start(uint32_t count)
{
	apic_write(APIC_REG_TIMER_INITIAL, count);
}

uint32_t apic_timer_remaining(void)
{
	return apic_read(APIC_REG_TIMER_CURRENT);
}

void apic_send_nmi(uint32_t id)
{
	apic_send_ipi(id, ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT);
}
