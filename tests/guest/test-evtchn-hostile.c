/*
 * A domain that attacks other domains' event channels while two others
 * (test-evtchn-ring.c as d1 and d2) play ping-pong beside it: it tries to
 * bind the ports d1 and d2 offer each other, to read and close their
 * channels, floods sends on ports that are not bound, leaves channels
 * offered to them open, then crashes. Every attempt must fail with Xen's
 * error, and the ping-pong must finish untouched (the emulator test checks
 * both domains' SUCCESS).
 *
 * Its checks end in "hostile: every attempt refused" before the crash.
 */
#include "rt/rt.h"

const char test_title[] = "event channels: a hostile domain beside a ping-pong";

#define PROBE_PORTS 64
#define FLOOD_SENDS 20000

void test_main(const struct hvm_start_info *si)
{
	struct evtchn_status st = { .dom = 1, .port = 1 };
	struct evtchn_alloc_unbound au = { .dom = 1, .remote_dom = 3 };
	struct evtchn_reset reset = { .dom = 2 };
	evtchn_port_t port, mine[4];
	unsigned int bound = 0, bad = 0;
	bool ok = true;
	int64_t rc;

	(void)si;
	test_require_xen();
	if (rt_domid() != 3) {
		test_error("expected to be domain 3, am %u", rt_domid());
		return;
	}
	if (evtchn_setup()) {
		test_error("cannot map shared_info");
		return;
	}
	/* d1's port 1 waits for d2, and d2's for d1: never for us, however often we try. */
	for (unsigned int round = 0; round < 20; round++) {
		for (evtchn_port_t p = 0; p < PROBE_PORTS; p++) {
			bound += evtchn_bind_interdomain(1, p, &port) == 0;
			bound += evtchn_bind_interdomain(2, p, &port) == 0;
		}
		hypercall_yield();
	}
	ok &= check_eq("binds to ports offered to others that succeeded", bound, 0);
	ok &= check_eq("status of d1's port", hypercall_event_channel_op(EVTCHNOP_status, &st), -EPERM);
	ok &= check_eq("alloc_unbound in d1's table", hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au),
		 -EPERM);
	ok &= check_eq("reset of d2", hypercall_event_channel_op(EVTCHNOP_reset, &reset), -EPERM);
	st = (struct evtchn_status){ .dom = 4, .port = 1 };
	ok &= check_eq("status in a domain that does not exist",
		 hypercall_event_channel_op(EVTCHNOP_status, &st), -ESRCH);

	/* Ports of our own, offered to d1 and d2, which will never bind them. */
	for (unsigned int i = 0; i < ARRAY_SIZE(mine); i++)
		ok &= check_eq("alloc_unbound for a neighbour", evtchn_alloc_unbound(1 + i % 2, &mine[i]), 0);
	for (unsigned int i = 0; i < FLOOD_SENDS; i++) {
		rc = evtchn_send(mine[i % ARRAY_SIZE(mine)]);
		bad += rc != 0;
		bad += evtchn_send(1000 + i % 3000) != -EINVAL;
	}
	ok &= check_eq("sends on unbound ports (dropped) and free ones (-EINVAL) as expected", bad, 0);
	/* Closing ports that are not ours closes nothing of theirs: ours are all we name. */
	ok &= check_eq("close of a port we never had", evtchn_close(3000), -EINVAL);

	if (!ok)
		return;
	printk("hostile: every attempt refused\n");
	/* And it dies with channels open toward both neighbours. */
	rt_crash();
}
