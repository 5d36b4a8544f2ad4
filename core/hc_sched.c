/*
 * sched_op(cmd, arg): a vCPU giving up its CPU, or its domain ending. The
 * handler only leaves a request in v->requests; the scheduler acts on it
 * when the exit handler returns.
 */
#include "core/evtchn.h"
#include "core/guest_memory.h"
#include "core/hypercalls.h"
#include "core/time.h"
#include "core/timer.h"

#define SCHED_POLL_MAX_PORTS 128 /* Xen's limit */

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

/*
 * SCHEDOP_block: event delivery is enabled again and the vCPU sleeps
 * until an event is pending for it (at once if one already is).
 */
static int64_t sched_block(struct vcpu *v)
{
	struct vcpu_info *vi = v->vcpu_info;

	__atomic_store_n(&vi->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	/* Asked first, checked after: an event in between clears the request (sched_unblock). */
	__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_BLOCK, __ATOMIC_SEQ_CST);
	return 0;
}

/*
 * SCHEDOP_poll: sleeps until one of the ports is pending, masked or not,
 * or until the timeout (system time in ns; 0: none) passes (Xen's
 * do_poll). Returns 0 at once if a port already is pending or the timeout
 * has passed.
 */
static int64_t sched_poll(struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	uint64_t ports, timeout;
	uint32_t nr_ports;
	int64_t rc = 0;

	if (arch_vcpu_is_64bit(v)) {
		struct sched_poll p;

		if (copy_from_guest(v, &p, arg, sizeof(p)))
			return -EFAULT;
		ports = p.ports;
		nr_ports = p.nr_ports;
		timeout = p.timeout;
	} else {
		struct compat_sched_poll p;

		if (copy_from_guest(v, &p, arg, sizeof(p)))
			return -EFAULT;
		ports = p.ports;
		nr_ports = p.nr_ports;
		timeout = (uint64_t)p.timeout_hi << 32 | p.timeout_lo;
	}
	if (nr_ports > SCHED_POLL_MAX_PORTS)
		return -EINVAL;
	timer_stop(&v->poll_timer);

	/* As sched_block: poller marked and block asked for before the ports are looked at. */
	v->poll_port = -1;
	__atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&v->requests, VCPU_REQ_BLOCK, __ATOMIC_SEQ_CST);
	for (uint32_t i = 0; i < nr_ports; i++) {
		evtchn_port_t port;

		if (copy_from_guest(v, &port, ports + i * sizeof(port), sizeof(port))) {
			rc = -EFAULT;
			goto wake;
		}
		if (port >= EVTCHN_2L_NR_CHANNELS) {
			rc = -EINVAL;
			goto wake;
		}
		if (nr_ports == 1)
			v->poll_port = (int32_t)port;
		if (evtchn_port_pending(d, port))
			goto wake;
	}
	if (timeout) {
		if (timeout <= system_time())
			goto wake;
		timer_set(&v->poll_timer, timeout);
	}
	/* With no ports Xen sleeps until an event for the vCPU itself (or the timeout). */
	return 0;
wake:
	__atomic_store_n(&v->polling, false, __ATOMIC_SEQ_CST);
	__atomic_and_fetch(&v->requests, ~VCPU_REQ_BLOCK, __ATOMIC_SEQ_CST);
	return rc;
}

int64_t do_sched_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint32_t cmd = (uint32_t)args[0]; /* an int in Xen's prototype */

	switch (cmd) {
	case SCHEDOP_yield:
		return sched_request(v, VCPU_REQ_YIELD);
	case SCHEDOP_block:
		return sched_block(v);
	case SCHEDOP_shutdown:
		return sched_shutdown(v, args[1]);
	case SCHEDOP_poll:
		return sched_poll(v, args[1]);
	case SCHEDOP_shutdown_code:
		/* Only matters for a later crash report (kexec); not kept. */
	default:
		return -ENOSYS;
	}
}
