/* Debug keys; see debugkeys.h. */
#include "core/arch.h"
#include "core/console.h"
#include "core/debugkeys.h"
#include "core/evtchn.h"
#include "core/grant_table.h"
#include "core/page_alloc.h"
#include "core/timer.h"
#include "drivers/uart16550.h"

struct debugkey {
	char key;
	const char *help;
	void (*run)(void);
};

static void show_help(void);

static void show_cpus(void)
{
	arch_cpus_report();
}

static void show_memory(void)
{
	pr_info("  frames: %lu free of %lu (%lu KiB free)\n", page_alloc_free_frames(),
		page_alloc_total_frames(), page_alloc_free_frames() * PAGE_SIZE / KiB);
}

static const struct debugkey keys[] = {
	{ 'h', "this help", show_help },
	{ 'c', "list the CPUs", show_cpus },
	{ 'm', "show free memory", show_memory },
	{ 'g', "dump the grant tables in use", gnttab_dump },
	{ 't', "dump the timer queues", timer_dump },
	{ 'e', "dump event channels", evtchn_dump },
	{ 'q', "power off", NULL },
};

static void show_help(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
		pr_info("  '%c': %s\n", keys[i].key, keys[i].help);
}

void debugkeys_run(const struct acpi_info *acpi)
{
	pr_info("console: press 'h' for the list of keys, 'q' to power off\n");
	for (;;) {
		int c = uart_getc();
		unsigned int i;

		if (c < 0) {
			arch_cpu_relax();
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (keys[i].key == c)
				break;
		if (i == ARRAY_SIZE(keys)) {
			pr_info("key '%c' (%#x): no such command, 'h' for help\n",
				c >= 32 && c < 127 ? c : '?', c);
			continue;
		}
		pr_info("'%c' pressed: %s\n", c, keys[i].help);
		if (!keys[i].run) {
			pr_info("powering off\n");
			arch_poweroff(acpi);
		}
		keys[i].run();
	}
}
