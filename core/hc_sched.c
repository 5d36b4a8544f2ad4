/*
 * sched_op(cmd, arg): a vCPU giving up its CPU, or its domain ending. The
 * handler only leaves a request in v->requests; the scheduler acts on it
 * when the exit handler returns.
 */
#include "core/guest_memory.h"
#include "core/hypercalls.h"

static int64_t sched_request(struct vcpu *v, uint32_t request)
{
	/* Other CPUs set VCPU_REQ_STOP in the same word: never a plain store. */
	__atomic_or_fetch(&v->requests, request, __ATOMIC_ACQ_REL);
	return 0;
}

static int64_t sched_shutdown(struct vcpu *v, uint64_t arg)
{
	struct sched_shutdown shutdown;

	if (copy_from_guest(v, &shutdown, arg, sizeof(shutdown)))
		return -EFAULT;
	if (shutdown.reason > SHUTDOWN_soft_reset)
		return -EINVAL;

	/* Ends the domain: this vCPU is not resumed, so the 0 is never seen. */
	domain_shutdown(v->domain, shutdown.reason);
	return 0;
}

int64_t do_sched_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint32_t cmd = (uint32_t)args[0]; /* an int in Xen's prototype */

	switch (cmd) {
	case SCHEDOP_yield:
		return sched_request(v, VCPU_REQ_YIELD);
	case SCHEDOP_block:
		/* Xen also re-enables event delivery here; there are no event channels yet. */
		return sched_request(v, VCPU_REQ_BLOCK);
	case SCHEDOP_shutdown:
		return sched_shutdown(v, args[1]);
	case SCHEDOP_poll:
		/* Waits on event channels, which do not exist yet. */
	case SCHEDOP_shutdown_code:
		/* Only matters for a later crash report (kexec); not kept. */
	default:
		return -ENOSYS;
	}
}
