/*
 * console_io(cmd, count, buffer): a domain's early console (Xen's
 * common/drivers/char/console.c semantics for an unprivileged guest).
 */
#include "core/guest_memory.h"
#include "core/hypercalls.h"

/* Bytes copied from the guest at a time: a small stack buffer, any length. */
#define CONSOLE_IO_CHUNK 128
/*
 * Xen writes any length, preempting itself with continuations; we have none,
 * so one call is bounded to keep a vCPU from holding its CPU for long.
 * Longer writes fail whole (-EINVAL) rather than being silently cut.
 */
#define CONSOLE_IO_MAX (64 * KiB)

static int64_t guest_console_write(struct vcpu *v, uint64_t count, uint64_t buffer)
{
	char chunk[CONSOLE_IO_CHUNK];
	uint64_t done;
	int rc;

	if (count > CONSOLE_IO_MAX)
		return -EINVAL;

	/* A fault part-way leaves the chunks before it written, as in Xen. */
	for (done = 0; done < count; done += CONSOLE_IO_CHUNK) {
		size_t len = MIN(count - done, (uint64_t)CONSOLE_IO_CHUNK);

		rc = copy_from_guest(v, chunk, buffer + done, len);
		if (rc)
			return -EFAULT;
		domain_console_write(v->domain, chunk, len);
	}
	return 0;
}

int64_t do_console_io(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint32_t cmd = (uint32_t)args[0]; /* an int in Xen's prototype */

	switch (cmd) {
	case CONSOLEIO_write:
		return guest_console_write(v, args[1], args[2]);
	case CONSOLEIO_read:
		/* The hypervisor console has no input for guests: always 0 bytes read. */
		return 0;
	default:
		return -ENOSYS;
	}
}
