/* The 0xE9 debug console; see debugcon.h. */
#include "arch/x86/io.h"
#include "core/console.h"
#include "drivers/debugcon.h"

#define DEBUGCON_PORT 0xe9

static void debugcon_write(const char *buf, size_t len)
{
	while (len--)
		outb((uint8_t)*buf++, DEBUGCON_PORT);
}

static struct console_sink debugcon_sink = {
	.name = "debugcon",
	.write = debugcon_write,
};

bool debugcon_init(void)
{
	/* Bochs' port_e9_hack and QEMU's debugcon answer 0xE9; hardware floats to 0xFF. */
	if (inb(DEBUGCON_PORT) != DEBUGCON_PORT)
		return false;
	console_register(&debugcon_sink);
	return true;
}
