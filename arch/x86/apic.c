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
#define APIC_REG_TPR 0x080
#define APIC_REG_EOI 0x0b0
#define APIC_REG_SVR 0x0f0
#define APIC_REG_ICR_LOW 0x300
#define APIC_REG_ICR_HIGH 0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_TIMER_TSC_DEADLINE (2u << 17)

#define APIC_SVR_ENABLE (1u << 8)
#define ICR_DELIVERY_FIXED (0u << 8)
#define ICR_DELIVERY_NMI (4u << 8)
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_SHORTHAND_ALL_BUT_SELF (3u << 18)

#define X2APIC_MSR_BASE 0x800
#define ICR_WAIT_LOOPS 1000000

static bool x2apic;
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

void apic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	x2apic = base & APIC_BASE_X2APIC;
	xapic_mmio = phys_to_virt(base & ~0xfffUL & ((1UL << 52) - 1));
	apic_write(APIC_REG_TPR, 0);
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
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

void apic_send_nmi_all_but_self(void)
{
	apic_send_ipi(0, ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT | ICR_SHORTHAND_ALL_BUT_SELF);
}
