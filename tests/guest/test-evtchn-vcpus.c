/*
 * Event channels between the vCPUs of one domain (4 vCPUs on two CPUs):
 * vCPU 0 binds an IPI port to each of vCPUs 1-3 and one back to itself for
 * each, brings them up (VCPUOP_initialise + up), and sends `ROUNDS` rounds
 * of IPIs; each secondary sleeps in HLT until its port fires and answers on
 * its own back port. Every event must be taken by the upcall handler of the
 * vCPU the port notifies. Then a loopback port moved with
 * EVTCHNOP_bind_vcpu notifies its new vCPU (an IPI port cannot move: Xen's
 * -EINVAL), and the secondaries take themselves down.
 */
#include "rt/rt.h"

const char test_title[] = "event channels: IPIs between the vCPUs of one domain";

#define NR_VCPUS 4
#define ROUNDS 100
#define MAX_HALTS 1000000
#define WAIT_YIELDS 200000

static evtchn_port_t to[NR_VCPUS], back[NR_VCPUS], moved, moved_peer;
static volatile uint32_t rounds_done[NR_VCPUS];
static volatile uint32_t wrong_vcpu[NR_VCPUS];
static volatile bool moved_seen_by_3, moved_go;

static void secondary(unsigned int id)
{
	irq_enable();
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		if (evtchn_wait(to[id], r, MAX_HALTS) < r)
			break;
		if (evtchn_vcpu[to[id]] != id)
			wrong_vcpu[id]++;
		evtchn_send(back[id]);
		rounds_done[id] = r;
	}
	if (id == 3) {
		/* The moved port, once vCPU 0 has moved it: it must interrupt this vCPU. */
		for (uint64_t i = 0; i < WAIT_YIELDS && !moved_go; i++)
			hypercall_yield();
		if (evtchn_wait(moved, 1, MAX_HALTS) == 1 && evtchn_vcpu[moved] == 3)
			moved_seen_by_3 = true;
	}
	irq_disable();
}

void test_main(const struct hvm_start_info *si)
{
	struct evtchn_bind_vcpu bv;
	struct evtchn_status st;
	unsigned int id;
	uint32_t r;
	uint64_t i;

	(void)si;
	test_require_xen();
	if (evtchn_setup() || evtchn_set_callback(true)) {
		test_error("cannot map shared_info or set the callback");
		return;
	}
	for (id = 1; id < NR_VCPUS; id++) {
		if (!check_eq("bind_ipi to the vCPU", evtchn_bind_ipi(id, &to[id]), 0) ||
		    !check_eq("bind_ipi back to vCPU 0", evtchn_bind_ipi(0, &back[id]), 0))
			return;
		check_eq("status: ipi", evtchn_status(to[id], &st), 0);
		check_eq("  status", st.status, EVTCHNSTAT_ipi);
		check_eq("  notifies", st.vcpu, id);
	}
	if (!check_eq("alloc_unbound for ourselves", evtchn_alloc_unbound(DOMID_SELF, &moved_peer), 0) ||
	    !check_eq("bind it: the port to move", evtchn_bind_interdomain(DOMID_SELF, moved_peer, &moved),
		      0))
		return;
	evtchn_wait(moved, 1, 4); /* the bind's own notification */
	for (id = 1; id < NR_VCPUS; id++) {
		if (!check_eq("initialise", rt_vcpu_initialise(id, false, secondary), 0) ||
		    !check_eq("up", hypercall_vcpu_op(VCPUOP_up, id, NULL), 0))
			return;
	}

	for (r = 1; r <= ROUNDS; r++) {
		for (id = 1; id < NR_VCPUS; id++)
			evtchn_send(to[id]);
		for (id = 1; id < NR_VCPUS; id++)
			if (evtchn_wait(back[id], r, MAX_HALTS) < r)
				break;
		if (id < NR_VCPUS) {
			test_fail("round %u: no answer from vCPU %u", r, id);
			break;
		}
	}
	check_eq("rounds answered by every vCPU", r - 1, ROUNDS);
	for (id = 1; id < NR_VCPUS; id++) {
		check_eq("rounds vCPU took", rounds_done[id], ROUNDS);
		check_eq("  events it took on another vCPU", wrong_vcpu[id], 0);
		check_eq("  its answers taken on vCPU 0", evtchn_vcpu[back[id]], 0);
	}

	/* EVTCHNOP_bind_vcpu: an IPI port stays; the loopback port now notifies vCPU 3. */
	bv = (struct evtchn_bind_vcpu){ .port = back[1], .vcpu = 2 };
	check_eq("bind_vcpu of an IPI port", hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv),
		 -EINVAL);
	evtchn_count[moved] = 0;
	check_eq("bind_vcpu to vCPU 3", evtchn_bind_vcpu(moved, 3), 0);
	check_eq("status: notifies vCPU 3", evtchn_status(moved, &st), 0);
	check_eq("  vcpu", st.vcpu, 3);
	moved_go = true;
	check_eq("send to it", evtchn_send(moved_peer), 0);
	for (i = 0; i < WAIT_YIELDS && !moved_seen_by_3; i++)
		hypercall_yield();
	check(moved_seen_by_3, "vCPU 3 took the moved port's event");

	/* The secondaries are done: each takes itself down. */
	for (id = 1; id < NR_VCPUS; id++) {
		for (i = 0; i < WAIT_YIELDS && hypercall_vcpu_op(VCPUOP_is_up, id, NULL) == 1; i++)
			hypercall_yield();
		check_eq("is_up after it finished", hypercall_vcpu_op(VCPUOP_is_up, id, NULL), 0);
	}
}
