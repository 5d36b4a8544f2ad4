/*
 * The runtime's C start: exceptions first (so that any later mistake is
 * reported), then the start info, the hypercall page and the banner; then
 * the test, its result line and the shutdown.
 */
#include "rt/rt.h"

static const char *const status_names[] = {
	[TEST_SUCCESS] = "SUCCESS",
	[TEST_SKIP] = "SKIP",
	[TEST_ERROR] = "ERROR",
	[TEST_FAILURE] = "FAILURE",
};

const struct hvm_start_info *rt_start_info;
static enum test_status test_status = TEST_SUCCESS;
/* The ELF loader must zero the BSS (memsz > filesz): rt_main checks it did. */
static volatile uint64_t bss_canary;

/* Without Xen (bare QEMU): leave through isa-debug-exit, else stop here. */
static __noreturn void halt_forever(uint8_t code)
{
	outb(QEMU_DEBUG_EXIT_PORT, code);
	for (;;)
		asm volatile("cli; hlt");
}

__noreturn void rt_crash(void)
{
	hypercall_shutdown(SHUTDOWN_crash);
	halt_forever(1);
}

__noreturn void rt_panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("PANIC: %s\n", msg);
	rt_crash();
}

void test_note(enum test_status status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("%s: %s\n", status_names[status], msg);
	if (status > test_status)
		test_status = status;
}

__noreturn void test_result(enum test_status status)
{
	printk("Test result: %s\n", status_names[status]);
	hypercall_shutdown(SHUTDOWN_poweroff);
	/* Only reached without a working shutdown: exit code 0 for SUCCESS. */
	halt_forever((uint8_t)status);
}

__noreturn void test_finish(void)
{
	test_result(test_status);
}

void test_require_xen(void)
{
	if (hypercall_page_ready)
		return;
	test_note(TEST_SKIP, "needs a Xen-compatible hypervisor (no hypercall page)");
	test_finish();
}

/* Small values (return codes, counts) read best in decimal, addresses in hex. */
static bool prefer_decimal(int64_t v)
{
	return v > -65536 && v < 65536;
}

bool check_eq(const char *what, int64_t got, int64_t want)
{
	if (got == want) {
		printk(prefer_decimal(got) ? "  ok   %s = %ld\n" : "  ok   %s = %#lx\n", what, got);
		return true;
	}
	if (prefer_decimal(got) && prefer_decimal(want))
		test_fail("%s = %ld, expected %ld", what, got, want);
	else
		test_fail("%s = %#lx, expected %#lx", what, got, want);
	return false;
}

bool check(bool ok, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ok)
		printk("  ok   %s\n", msg);
	else
		test_fail("%s", msg);
	return ok;
}

const char *rt_cmdline(void)
{
	if (!rt_start_info || !rt_start_info->cmdline_paddr)
		return "";
	return (const char *)(uintptr_t)rt_start_info->cmdline_paddr;
}

uint64_t rt_ram_end(void)
{
	const struct hvm_memmap_table_entry *map;
	uint64_t end = 0;
	uint32_t i;

	if (!rt_start_info || rt_start_info->version < 1 || !rt_start_info->memmap_paddr)
		return 0;
	map = (const void *)(uintptr_t)rt_start_info->memmap_paddr;
	for (i = 0; i < rt_start_info->memmap_entries; i++)
		if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && map[i].addr + map[i].size > end)
			end = map[i].addr + map[i].size;
	return end;
}

/* Every address the start info points to must be inside the boot identity map. */
static bool start_info_reachable(const struct hvm_start_info *si)
{
	return (uint64_t)(uintptr_t)si + sizeof(*si) <= BOOT_IDENTITY_MAP_END &&
	       si->cmdline_paddr < BOOT_IDENTITY_MAP_END &&
	       si->memmap_paddr < BOOT_IDENTITY_MAP_END &&
	       si->modlist_paddr < BOOT_IDENTITY_MAP_END;
}

__noreturn void rt_main(uint32_t start_info_pa)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)start_info_pa;
	int rc;

	traps_init();
	rc = hypercall_init();
	if (rc == -EIO)
		rt_panic("hypercall page still starts with RET after the MSR write");

	printk("--- guest test: %s ---\n", test_title);
	if (rc == -ENODEV)
		printk("no Xen-compatible hypervisor: console on port 0xe9, no hypercalls\n");

	if (!si)
		rt_panic("no start info (EBX = 0)");
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		rt_panic("start info at %#x has magic %#x, expected %#x", start_info_pa, si->magic,
			 XEN_HVM_START_MAGIC_VALUE);
	if (!start_info_reachable(si))
		rt_panic("start info at %#x points above %#llx", start_info_pa,
			 BOOT_IDENTITY_MAP_END);
	if (bss_canary)
		rt_panic("BSS not zeroed by the loader");
	rt_start_info = si;

	test_main(si);
	test_finish();
}
