/*
 * hv_main: the hypervisor's bring-up on the boot CPU, in order: exceptions,
 * console, memory, own page tables, ACPI, virtualisation check, the other
 * CPUs; then the "ready" result line.
 */
#include "boot/boot.h"
#include "core/arch.h"
#include "core/cmdline.h"
#include "core/config.h"
#include "core/console.h"
#include "core/debugkeys.h"
#include "core/domain_lifecycle.h"
#include "core/elf.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"
#include "core/memory.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "core/panic.h"
#include "core/pvclock.h"
#include "core/sched.h"
#include "core/time.h"
#include "drivers/acpi.h"
#include "drivers/debugcon.h"
#include "drivers/uart16550.h"

static struct hv_options options;
static struct acpi_info acpi;
static bool have_acpi;

static void uart_write(const char *buf, size_t len)
{
	for (; len; len--, buf++) {
		if (*buf == '\n')
			uart_putc('\r');
		uart_putc(*buf);
	}
}

static void console_init(const struct hv_options *opt)
{
	static struct console_sink uart_sink = {
		.name = "uart",
		.write = uart_write,
		.flush = uart_flush,
	};
	bool have_debugcon = debugcon_init();
	int rc = -ENODEV;

	if (opt->serial_enabled) {
		rc = uart_init(opt->serial_port, opt->serial_baud);
		if (!rc)
			console_register(&uart_sink);
	}
	console_set_level(opt->loglvl);
	if (opt->serial_enabled && rc)
		pr_warn("console: no 16550 UART at %#x\n", opt->serial_port);
	pr_debug("console: %s%s\n", rc ? "" : "serial ", have_debugcon ? "port 0xe9" : "");
}

static __noreturn void fail(const char *status, const char *what)
{
	hv_result(status, "%s", what);
	arch_poweroff(have_acpi ? &acpi : NULL);
}

static bool module_used_by_domain(const char *name)
{
	for (unsigned int i = 0; i < options.nr_domains; i++)
		if (!strcmp(options.domains[i].kernel, name) ||
		    !strcmp(options.domains[i].initrd, name))
			return true;
	return false;
}

/*
 * A module no domain uses is a kernel for later (dom0, a guest): it must be
 * an ELF we can load. Domains' own modules are checked by the domain
 * builder, which skips just that domain.
 */
static void check_modules(const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];
		struct elf_info info;
		const char *why = NULL;
		char msg[256];

		if (module_used_by_domain(m->name)) {
			pr_info("module %u '%s': %lu bytes at %#lx\n", i, m->name, m->size, m->base);
			continue;
		}

		if (!elf_parse(phys_to_virt(m->base), m->size, &info, &why)) {
			pr_info("module %u '%s': %lu bytes at %#lx, ELF%u entry %#lx%s%s\n", i,
				m->name, m->size, m->base, info.is64 ? 64 : 32, info.entry,
				m->cmdline[0] ? ", command line: " : "", m->cmdline);
			continue;
		}
		snprintf(msg, sizeof(msg), "module %u '%s': not a valid ELF: %s", i, m->name, why);
		pr_err("%s\n", msg);
		fail("error", msg);
	}
}

static uint64_t frames_before_domains;

/* The last domain has ended: report, leave VMX operation, power off. */
static void all_domains_ended(void)
{
	char list[1024];
	uint64_t free_now = page_alloc_free_frames();

	domains_outcomes(list, sizeof(list));
	if (free_now == frames_before_domains)
		pr_info("memory: every frame used by the domains is back (%lu frames free)\n",
			free_now);
	else
		pr_err("memory: LEAK: %lu frames free now, %lu before the domains were created\n",
		       free_now, frames_before_domains);
	hv_result("finished", "%s", list);
	arch_virt_cpu_stop();
	arch_poweroff(have_acpi ? &acpi : NULL);
}

static __noreturn void run_domains(const struct boot_info *bi, unsigned int cpus)
{
	unsigned int started;

	pr_info("hv: ready: cpus=%u instructions=%lu, starting %u domain%s\n", cpus,
		arch_cycles() - hv_entry_tsc, options.nr_domains, options.nr_domains == 1 ? "" : "s");
	domains_all_ended = all_domains_ended;
	frames_before_domains = page_alloc_free_frames();
	started = domains_create_from_config(bi, options.domains, options.nr_domains);
	if (!started)
		all_domains_ended();
	sched_run();
}

/* With loglvl=debug: how far into the boot each phase ends, in TSC ticks. */
static void boot_phase(const char *name)
{
	pr_debug("boot: %s done at %lu ticks after hand-off\n", name, arch_cycles() - hv_entry_tsc);
}

static void test_fault(void)
{
	uintptr_t addr = 8;

	/* Hide the constant from the compiler, which rightly objects to it. */
	asm volatile("" : "+r"(addr));
	pr_info("hvtest: reading unmapped address %#lx on purpose\n", addr);
	(void)*(volatile uint64_t *)addr;
}

__noreturn void hv_main(struct boot_info *bi, const char *boot_error)
{
	char err[256];
	unsigned int cpus;
	int rc;

	arch_early_init();
	cmdline_defaults(&options);
	rc = boot_error ? 0 : cmdline_parse(bi->cmdline, &options, err, sizeof(err));
	console_init(&options);
	pr_info("\nhv %s: %s\n", HV_VERSION_STRING,
		bi->loader_name[0] ? bi->loader_name : "unknown loader");
	if (boot_error)
		fail("error", boot_error);
	pr_info("command line: %s\n", bi->cmdline);
	if (rc) {
		char msg[300];

		snprintf(msg, sizeof(msg), "hypervisor command line: %s", err);
		pr_err("%s\n", msg);
		fail("error", msg);
	}

	boot_phase("console");
	if (memory_init(bi))
		fail("error", "memory: no usable memory map (see the messages above)");
	rc = arch_paging_init(bi);
	if (rc)
		panic("cannot build the hypervisor's page tables: %d", rc);
	boot_phase("memory and paging");
	check_modules(bi);

	rc = acpi_parse(bi->rsdp, bi->rsdp_length, &acpi, err, sizeof(err));
	if (!rc) {
		have_acpi = true;
		pr_info("acpi: revision %u tables from '%s': %u CPU%s, %u IO-APIC%s%s\n",
			acpi.revision, acpi.oem_id, acpi.nr_cpus,
			acpi.nr_cpus == 1 ? "" : "s", acpi.nr_ioapics,
			acpi.nr_ioapics == 1 ? "" : "s", acpi.has_fadt ? ", FADT" : "");
	} else if (rc == -ENOENT) {
		pr_info("acpi: no ACPI tables: running on the boot CPU only\n");
	} else {
		pr_warn("acpi: ignoring broken tables (%s): running on the boot CPU only\n", err);
	}

	arch_virt_report();
	if (arch_virt_check(err, sizeof(err))) {
		char msg[300];

		snprintf(msg, sizeof(msg), "VT-x not available: %s", err);
		pr_err("%s\n", msg);
		fail("refused", msg);
	}
	boot_phase("ACPI and CPU features");
	rc = arch_virt_cpu_start();
	if (rc) {
		char msg[300];

		snprintf(msg, sizeof(msg), "VT-x not available: VMXON failed on the boot CPU (%d)",
			 rc);
		pr_err("%s\n", msg);
		fail("refused", msg);
	}

	arch_time_init();
	time_init();
	wallclock_init();
	sched_init();
	boot_phase("VMXON and timers");
	cpus = arch_smp_boot(have_acpi ? &acpi : NULL, options.maxcpus);
	boot_phase("SMP");
	pr_info("smp: %u CPU%s online, each in VMX root operation\n", cpus, cpus == 1 ? "" : "s");

	if (options.test_fault)
		test_fault();
	if (options.nr_domains)
		run_domains(bi, cpus);
	hv_result("ready", "cpus=%u instructions=%lu", cpus, arch_cycles() - hv_entry_tsc);

	switch (options.on_ready) {
	case ON_READY_POWEROFF:
		pr_info("powering off\n");
		arch_poweroff(have_acpi ? &acpi : NULL);
	case ON_READY_HALT:
		arch_halt();
	case ON_READY_CONSOLE:
		break;
	}
	debugkeys_run(have_acpi ? &acpi : NULL);
}
