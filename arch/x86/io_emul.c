/*
 * Port I/O from guests. A PVH domain has no emulated devices behind ports:
 * reads float to all ones and writes are dropped, as on an empty bus. The
 * one exception is the 0xE9 debug port, which Bochs and QEMU offer and Linux
 * falls back to for its early console: its bytes go to the domain console.
 */
#include "arch/x86/emulate.h"
#include "core/console.h"

#define DEBUG_PORT 0xe9
#define NR_PORTS 65536
/* At most this many distinct unhandled ports are logged: probes must not flood the log. */
#define IO_LOG_MAX 32

/* One bit per port that has been logged, for all domains together. */
static uint64_t logged_ports[NR_PORTS / 64];
static uint32_t nr_logged;

static void log_unhandled(struct vcpu *v, uint16_t port, unsigned int size, bool in)
{
	uint64_t bit = 1ULL << (port % 64);
	uint32_t n;

	if (__atomic_fetch_or(&logged_ports[port / 64], bit, __ATOMIC_RELAXED) & bit)
		return;
	n = __atomic_fetch_add(&nr_logged, 1, __ATOMIC_RELAXED);
	if (n < IO_LOG_MAX)
		pr_debug("d%uv%u: %s%u on unhandled port %#x (first time)\n", v->domain->id, v->id,
			 in ? "in" : "out", size * 8, port);
	else if (n == IO_LOG_MAX)
		pr_debug("further unhandled I/O ports are not logged\n");
}

static uint32_t all_ones(unsigned int size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

uint32_t io_emulate_in(struct vcpu *v, uint16_t port, unsigned int size)
{
	/* Reading back 0xE9 is how software detects the debug port. */
	if (port == DEBUG_PORT && size == 1)
		return DEBUG_PORT;
	log_unhandled(v, port, size, true);
	return all_ones(size);
}

void io_emulate_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t value)
{
	if (port == DEBUG_PORT && size == 1) {
		char c = (char)(value & 0xff);

		domain_console_write(v->domain, &c, 1);
		return;
	}
	log_unhandled(v, port, size, false);
}
