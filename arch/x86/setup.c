/*
 * Boot-CPU set-up and the small arch_* services core/ uses.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/layout.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/traps.h"
#include "core/arch.h"
#include "core/console.h"
#include "drivers/acpi.h"

#define ACPI_SLP_EN (1u << 13)
#define PM1_SLP_MASK (ACPI_SLP_EN | 7u << 10) /* SLP_EN and SLP_TYP */
#define BOCHS_SHUTDOWN_PORT 0x8900

extern uint8_t boot_stack_top[];

static struct percpu boot_percpu;

/*
 * The legacy 8259 PICs deliver at vectors 8-15 after the BIOS, which are
 * exception vectors: move them to 0x20-0x2f and mask every line. Interrupts
 * come only through the local APIC.
 */
static void pic_disable(void)
{
	static const uint8_t init[][2] = {
		{ 0x11, 0x20 }, { 0x11, 0xa0 }, /* ICW1: edge, cascade, ICW4 follows */
		{ 0x20, 0x21 }, { 0x28, 0xa1 }, /* ICW2: vector bases */
		{ 0x04, 0x21 }, { 0x02, 0xa1 }, /* ICW3: slave on IRQ2 */
		{ 0x01, 0x21 }, { 0x01, 0xa1 }, /* ICW4: 8086 mode */
		{ 0xff, 0x21 }, { 0xff, 0xa1 }, /* OCW1: mask all */
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(init); i++)
		outb(init[i][0], init[i][1]);
}

void arch_early_init(void)
{
	/* Caches on, FPU errors native, supervisor writes honour read-only pages. */
	write_cr0((read_cr0() & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE | X86_CR0_WP);
	paging_enable_nx();
	pic_disable();
	idt_init();
	percpu_setup(&boot_percpu, 0, 0, (uint64_t)boot_stack_top - BOOT_STACK_SIZE,
		     (uint64_t)boot_stack_top);
	percpu_load(&boot_percpu);
}

void bsp_apic_init(void)
{
	apic_init();
	boot_percpu.apic_id = apic_id();
	boot_percpu.state = CPU_ONLINE;
}

unsigned int arch_cpu_id(void)
{
	return this_cpu()->cpu_id;
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

void arch_cpu_relax(void)
{
	cpu_relax();
}

void arch_halt(void)
{
	console_flush();
	cpu_halt_forever();
}

/* Writes SLP_TYP to a PM1 control register, keeping its other bits (SCI_EN among them). */
static void pm1_write_slp(uint16_t port, uint8_t slp_typ, uint16_t extra)
{
	if (port)
		outw((uint16_t)((inw(port) & ~PM1_SLP_MASK) | slp_typ << 10 | extra), port);
}

/*
 * ACPI 6.4, 7.4.2 and 16.1.7: the PM1a and PM1b control registers take
 * SLP_TYP first, then SLP_TYP with SLP_EN, as ACPICA does it; some chipsets
 * want the type in place before the enable.
 */
static void acpi_enter_s5(uint16_t pm1a, uint16_t pm1b, uint8_t typa, uint8_t typb)
{
	pm1_write_slp(pm1a, typa, 0);
	pm1_write_slp(pm1b, typb, 0);
	pm1_write_slp(pm1a, typa, ACPI_SLP_EN);
	pm1_write_slp(pm1b, typb, ACPI_SLP_EN);
}

void arch_poweroff(const struct acpi_info *acpi)
{
	static const char bochs_shutdown[] = "Shutdown";

	arch_stop_other_cpus();
	/* A CPU stopped while it held the console lock must not block the last lines. */
	console_enter_panic();
	console_flush();
	/* ACPI S5 (ACPI 6.4, 16.1.7): SLP_TYP from \_S5 with SLP_EN. */
	if (acpi && acpi->has_fadt && acpi->has_s5 && acpi->pm1a_cnt_port) {
		acpi_enter_s5(acpi->pm1a_cnt_port, acpi->pm1b_cnt_port, acpi->s5_slp_typa,
			      acpi->s5_slp_typb);
	}
	/* Bochs without ACPI (under OVMF) has its own shutdown port. */
	for (const char *p = bochs_shutdown; *p; p++)
		outb((uint8_t)*p, BOCHS_SHUTDOWN_PORT);
	printk(LOG_ERROR, "power off failed: halting\n");
	cpu_halt_forever();
}
