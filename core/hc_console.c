/*
 * console_io(cmd, count, buffer): a domain's early console (Xen's
 * common/drivers/char/console.c semantics for an unprivileged guest).
 *
 * Writes of any length are accepted, as in Xen, and preempted with
 * continuations when the vCPU's slice is used up. Output is rate-limited
 * per domain by a token bucket in bytes (a burst, then a steady rate): a
 * write that finds the bucket empty waits - a continuation, so the vCPU
 * yields and retries - which makes a flooding domain slow itself down
 * while the serial console and the other domains go on. Nothing is lost.
 */
#include "core/arch.h"
#include "core/guest_memory.h"
#include "core/hypercalls.h"

/* Bytes copied from the guest at a time: a small stack buffer. */
#define CONSOLE_IO_CHUNK 128
/*
 * Per domain: about a third of a 115200-baud serial line (11.5 KB/s), whose
 * every byte costs the writing CPU 87 us; a burst that takes 1.4 s of it.
 */
#define CONSOLE_RATE_BYTES (4 * KiB) /* per second */
#define CONSOLE_BURST_BYTES (16 * KiB)

/*
 * Whether the domain may write want bytes now: all of them or none (it
 * waits), so that a domain at its limit writes whole chunks, not a trickle
 * of the tokens the time of its last chunk brought. Any CPU.
 */
bool domain_console_tokens_take(struct domain *d, size_t want)
{
	uint64_t now = arch_cycles(), tsc_per_sec = arch_tsc_khz() * 1000;
	uint64_t fill_tsc = tsc_per_sec * CONSOLE_BURST_BYTES / CONSOLE_RATE_BYTES;
	bool first_wait = false;
	size_t got;

	spin_lock(&d->lock);
	/* Another CPU's TSC may lag a little: no time has passed then. */
	if (!d->console_refill_tsc ||
	    (now > d->console_refill_tsc && now - d->console_refill_tsc >= fill_tsc)) {
		d->console_tokens = CONSOLE_BURST_BYTES;
		d->console_refill_tsc = now;
	} else if (now > d->console_refill_tsc) {
		uint64_t add = (now - d->console_refill_tsc) * CONSOLE_RATE_BYTES / tsc_per_sec;

		/* The clock moves on only by the time the tokens added stand for: no credit lost. */
		d->console_refill_tsc += add * tsc_per_sec / CONSOLE_RATE_BYTES;
		d->console_tokens = MIN(d->console_tokens + add, (uint64_t)CONSOLE_BURST_BYTES);
	}
	got = d->console_tokens >= want ? want : 0;
	d->console_tokens -= got;
	if (!got)
		first_wait = d->console_waits++ == 0;
	spin_unlock(&d->lock);

	if (first_wait)
		pr_info("domain %u (%s): console output above %lu KiB/s: its writes wait\n", d->id,
			d->name, CONSOLE_RATE_BYTES / KiB);
	return got != 0;
}

static int64_t guest_console_write(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint64_t count = args[1], buffer = args[2];
	char chunk[CONSOLE_IO_CHUNK];
	bool progress = false;

	while (count) {
		size_t len = MIN(count, (uint64_t)CONSOLE_IO_CHUNK);

		/* Some progress before each preemption, so that a write always completes. */
		if (progress && hypercall_should_preempt(v))
			break;
		if (!domain_console_tokens_take(v->domain, len))
			break;
		/* A fault part-way leaves the chunks before it written, as in Xen. */
		if (copy_from_guest(v, chunk, buffer, len))
			return -EFAULT;
		domain_console_write(v->domain, chunk, len);
		count -= len;
		buffer += len;
		progress = true;
	}
	if (count) {
		const uint64_t rest[HYPERCALL_NR_ARGS] = { args[0], count, buffer, args[3], args[4] };

		hypercall_preempt(v, rest);
	}
	return 0;
}

int64_t do_console_io(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint32_t cmd = (uint32_t)args[0]; /* an int in Xen's prototype */

	switch (cmd) {
	case CONSOLEIO_write:
		return guest_console_write(v, args);
	case CONSOLEIO_read:
		/* The hypervisor console has no input for guests: always 0 bytes read. */
		return 0;
	default:
		return -ENOSYS;
	}
}
